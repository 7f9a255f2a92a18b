/**
 * Restore Spack's index of its builtin packages, so that no job spends a minute re-reading 8,500 recipes, and with it
 * the runner's compilers as Spack found them, so that no warm job runs `spack compiler find`.
 */
import { keepsSpackState, type Build } from '../build.js'
import { repoIndexCacheOf, restoreRepoIndex, type RepoIndexCache } from '../cache/repo-index.js'
import type { Phase } from '../pipeline.js'
import type { ProvisionedSpack } from '../spack/provision.js'

export interface PackageIndex {
  readonly cache: RepoIndexCache
  /** Restored from the Actions cache: the post step need not save it. */
  readonly restored: boolean
}

type In = { readonly build: Build; readonly spack: ProvisionedSpack }

export const restorePackageIndex: Phase<In, 'index', PackageIndex> = {
  key: 'index',
  title: () => "Restore Spack's package index",
  plan: build =>
    keepsSpackState(build.request)
      ? [
          {
            note: "restore Spack's index of the builtin packages, and the runner's compilers it found, from the Actions cache"
          }
        ]
      : [],
  skip: ({ build, spack }) =>
    keepsSpackState(build.request)
      ? undefined
      : { cache: repoIndexCacheOf(spack, build.request.cache.keyPrefix), restored: false },
  run: async ({ build, spack }) => {
    const cache = repoIndexCacheOf(spack, build.request.cache.keyPrefix, build.work.detectedCompilers)
    return { cache, restored: await restoreRepoIndex(cache) }
  }
}
