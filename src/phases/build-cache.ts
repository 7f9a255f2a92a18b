/**
 * Restore the build cache: keys made from everything that decides the concretization, the local mirror and the kept
 * locks restored, and what the post step must save handed to it.
 */
import { cachePaths, type Build } from '../build.js'
import { restoreBuildCache as restore, type RestoreResult } from '../cache/build-cache.js'
import { cacheKeys, currentRun } from '../cache/keys.js'
import { OUTPUTS } from '../contract.js'
import { hostArch, hostOs } from '../host.js'
import type { Phase } from '../pipeline.js'
import type { PreparedEnvironment } from '../spack/prepare.js'
import type { ProvisionedSpack } from '../spack/provision.js'
import type { RegisteredRepo } from '../spack/repo.js'
import { LOCAL_MIRROR } from '../spack/environment.js'
import { maskUrlCredentials } from '../secrets.js'
import { saveCacheState } from '../state.js'
import type { PackageIndex } from './package-index.js'

type In = {
  readonly build: Build
  readonly spack: ProvisionedSpack
  readonly index: PackageIndex
  readonly repo: RegisteredRepo
  readonly environment: PreparedEnvironment
}

async function restoreCache({ build, spack, index, repo, environment }: In): Promise<RestoreResult> {
  const keys = cacheKeys({
    prefix: build.request.cache.keyPrefix,
    os: hostOs(),
    arch: hostArch(),
    spackCommit: spack.commit ?? spack.version,
    builtinCommit: spack.builtin?.commit ?? 'site',
    repoHash: repo.contentHash,
    gccVersion: build.gccVersion,
    target: build.request.target,
    // URL credentials a site's spack-config may hold change nothing Spack concretizes: left out of the key.
    environment: maskUrlCredentials([environment.compiler?.environment ?? '', environment.environment].join('\n'))
  })
  const paths = cachePaths(build)
  const restored = await restore(keys, paths, currentRun())
  saveCacheState({
    primaryKey: keys.primary,
    ...(restored.restoredKey ? { restoredKey: restored.restoredKey } : {}),
    paths,
    environments: [
      ...(environment.compiler ? [environment.compiler] : []),
      { envDir: environment.envDir, environment: environment.environment }
    ].map(written => ({ envDir: written.envDir, environment: maskUrlCredentials(written.environment) })),
    spack: { executable: spack.executable, env: spack.env },
    repoIndex: index
  })
  return restored
}

export const restoreBuildCache: Phase<In, 'cache', RestoreResult> = {
  key: 'cache',
  title: () => 'Restore the build cache',
  plan: build =>
    build.request.cache.enabled
      ? [
          {
            note: `restore ${LOCAL_MIRROR} (${build.work.layout.localMirror}) and spack.lock from the Actions cache (unpacked under ${build.work.cacheTransfer}, moved into place when whole)`
          }
        ]
      : [],
  skip: ({ build }) => (build.request.cache.enabled ? undefined : { hit: 'none' }),
  run: restoreCache,
  outputs: restored => ({ [OUTPUTS.cacheHit]: restored.hit })
}
