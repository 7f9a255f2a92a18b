/**
 * Restore the build cache: keys made from everything that decides the concretization; on the very same build, the
 * installed tree at the same paths (nothing to extract), else the local mirror and the kept locks; and what the post
 * step must save handed to it.
 */
import { cachePaths, type Build } from '../build.js'
import { restoreBuildCache as restore, type RestoreResult } from '../cache/build-cache.js'
import { installedTreeOf, restoreInstalledTree } from '../cache/installed-tree.js'
import { cacheKeys } from '../cache/keys.js'
import { OUTPUTS } from '../contract.js'
import { hostArch, hostOs } from '../host.js'
import type { Condition, Phase, Step } from '../pipeline.js'
import type { PreparedEnvironment } from '../spack/prepare.js'
import type { ProvisionedSpack } from '../spack/provision.js'
import type { RegisteredRepo } from '../spack/repo.js'
import { LOCAL_MIRROR } from '../spack/environment.js'
import { saveCacheState } from '../state.js'
import type { PackageIndex } from './package-index.js'

export interface BuildCacheResult extends RestoreResult {
  /** The installed tree of this very build came back whole: `spack install` has nothing to extract. */
  readonly installedTree?: boolean
}

/** The condition under which a run restores the build cache and installs from it: no whole installed tree. */
export const TREE_NOT_RESTORED: Condition = {
  id: 'tree-not-restored',
  text: 'the installed tree of this very build was not restored whole'
}

type In = {
  readonly build: Build
  readonly spack: ProvisionedSpack
  readonly index: PackageIndex
  readonly repo: RegisteredRepo
  readonly environment: PreparedEnvironment
}

async function restoreCache({ build, spack, index, repo, environment }: In): Promise<BuildCacheResult> {
  const keys = cacheKeys({
    prefix: build.request.cache.keyPrefix,
    os: hostOs(),
    arch: hostArch(),
    spackCommit: spack.commit ?? spack.version,
    builtinCommit: spack.builtin?.commit ?? 'site',
    repoHash: repo.contentHash,
    gccVersion: build.gccVersion,
    target: build.request.target,
    environment: [environment.compiler?.environment ?? '', environment.environment].join('\n')
  })
  const paths = cachePaths(build)
  const environments = [
    ...(environment.compiler ? [environment.compiler] : []),
    { envDir: environment.envDir, environment: environment.environment }
  ]
  const tree = installedTreeOf(keys.primary, build.work.layout.installRoot, paths, environments)
  const treeRestored = tree ? await restoreInstalledTree(tree) : false
  const restored: BuildCacheResult = treeRestored
    ? { hit: 'exact', restoredKey: keys.primary, installedTree: true }
    : await restore(keys, paths)
  saveCacheState({
    primaryKey: keys.primary,
    ...(restored.restoredKey ? { restoredKey: restored.restoredKey } : {}),
    paths,
    environments,
    spack: { executable: spack.executable, env: spack.env },
    repoIndex: index,
    ...(tree ? { installedTree: { tree, restored: treeRestored } } : {})
  })
  return restored
}

function planRestore(build: Build): Step[] {
  if (!build.request.cache.enabled) return []
  const { layout } = build.work
  return [
    {
      note: `restore the installed tree (${layout.installRoot}) and spack.lock of this very build from the Actions cache`
    },
    {
      note: `restore ${LOCAL_MIRROR} (${layout.localMirror}) and spack.lock from the Actions cache`,
      when: [TREE_NOT_RESTORED]
    }
  ]
}

export const restoreBuildCache: Phase<In, 'cache', BuildCacheResult> = {
  key: 'cache',
  title: () => 'Restore the build cache',
  plan: planRestore,
  skip: ({ build }) => (build.request.cache.enabled ? undefined : { hit: 'none' }),
  run: restoreCache,
  outputs: restored => ({ [OUTPUTS.cacheHit]: restored.hit })
}
