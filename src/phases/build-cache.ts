/**
 * Restore the build cache: keys made from everything that decides the concretization; on the very same build, the
 * installed tree at the same paths (nothing to extract), else the local mirror and the kept locks; and what the post
 * step must save handed to it. A build whose binaries come from remote build caches alone (`cache: false`) restores
 * its kept locks only.
 */
import { cachePaths, keepsSpackState, only, type Build } from '../build.js'
import { restoreBuildCache as restore, type RestoreResult } from '../cache/build-cache.js'
import { installedTreeOf, restoreInstalledTree } from '../cache/installed-tree.js'
import { cacheKeys, currentRun, type CacheKeys } from '../cache/keys.js'
import { keptLocksEntry, restoreKeptLocks } from '../cache/kept-locks.js'
import { OUTPUTS } from '../contract.js'
import { hostArch, hostOs } from '../host.js'
import type { Condition, Phase, Step } from '../pipeline.js'
import type { PreparedEnvironment } from '../spack/prepare.js'
import type { ProvisionedSpack } from '../spack/provision.js'
import type { RegisteredRepo } from '../spack/repo.js'
import { LOCAL_MIRROR } from '../spack/environment.js'
import { maskUrlCredentials } from '../secrets.js'
import { saveCacheState, type CacheState } from '../state.js'
import type { PackageIndex } from './package-index.js'

export interface BuildCacheResult extends RestoreResult {
  /** The installed tree of this very build came back whole: `spack install` has nothing to extract. */
  readonly installedTree?: boolean
  /** Without the build cache: the kept locks of this very build came back (remote build caches serve the binaries). */
  readonly keptLocks?: boolean
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

function keysOf({ build, spack, repo, environment }: In): CacheKeys {
  return cacheKeys({
    prefix: build.request.cache.keyPrefix,
    os: hostOs(),
    arch: hostArch(),
    spackCommit: spack.commit ?? spack.version,
    builtinCommit: spack.builtin?.commit ?? 'site',
    repoHash: repo.contentHash,
    gccVersion: build.gccVersion,
    target: build.request.target,
    // URL credentials a site's spack-config may hold change nothing Spack concretizes: left out of the key.
    environment: maskUrlCredentials([environment.compiler?.environment ?? '', environment.environment].join('\n')),
    ...(build.request.stage === 'dependencies' ? { label: 'dependencies' } : {})
  })
}

async function restoreCache(input: In): Promise<BuildCacheResult> {
  const { build, spack, index, environment } = input
  const keys = keysOf(input)
  const paths = cachePaths(build)
  const base: CacheState = {
    primaryKey: keys.primary,
    paths,
    environments: [
      ...(environment.compiler ? [environment.compiler] : []),
      {
        envDir: environment.envDir,
        environment: environment.environment,
        ...(only(build) ? { only: only(build) } : {})
      }
    ].map(written => ({ ...written, environment: maskUrlCredentials(written.environment) })),
    spack: { executable: spack.executable, env: spack.env },
    repoIndex: index
  }
  if (!build.request.cache.enabled) {
    const locks = keptLocksEntry(keys.primary, paths)
    const restored = await restoreKeptLocks(locks)
    saveCacheState({ ...base, keptLocks: { entry: locks, restored } })
    return { hit: 'none', keptLocks: restored }
  }
  // A dependencies job's roots are not installed: its tree is never whole, and no cell would restore it.
  const tree =
    build.request.stage === 'dependencies'
      ? undefined
      : installedTreeOf(keys.primary, build.work.layout, paths, base.environments)
  const treeKey = tree ? await restoreInstalledTree(tree) : undefined
  const treeRestored = treeKey !== undefined
  const restored: BuildCacheResult = treeKey
    ? { hit: 'exact', restoredKey: treeKey, installedTree: true }
    : await restore(keys, paths, currentRun())
  saveCacheState({
    ...base,
    ...(restored.restoredKey ? { restoredKey: restored.restoredKey } : {}),
    ...(tree ? { installedTree: { tree, restored: treeRestored } } : {})
  })
  return restored
}

function planRestore(build: Build): Step[] {
  const { layout } = build.work
  if (!build.request.cache.enabled)
    return keepsSpackState(build.request)
      ? [
          {
            note: `restore spack.lock of this very build from the Actions cache (unpacked under ${build.work.cacheTransfer}, moved into place when whole; the binaries come from remote build caches)`
          }
        ]
      : []
  return [
    ...(build.request.stage === 'dependencies'
      ? []
      : [
          {
            note: `restore the installed tree (${layout.installRoot}) and spack.lock of this very build from the Actions cache (unpacked under ${build.work.cacheTransfer}, moved into place when whole)`
          }
        ]),
    {
      note: `restore ${LOCAL_MIRROR} (${layout.localMirror}) and spack.lock from the Actions cache (unpacked under ${build.work.cacheTransfer}, moved into place when whole)`,
      ...(build.request.stage === 'dependencies' ? {} : { when: [TREE_NOT_RESTORED] })
    }
  ]
}

export const restoreBuildCache: Phase<In, 'cache', BuildCacheResult> = {
  key: 'cache',
  title: build => (build.request.cache.enabled ? 'Restore the build cache' : 'Restore spack.lock'),
  plan: planRestore,
  skip: ({ build }) => (keepsSpackState(build.request) ? undefined : { hit: 'none' }),
  run: restoreCache,
  outputs: restored => ({ [OUTPUTS.cacheHit]: restored.hit })
}
