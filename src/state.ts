/** What the main step hands to the post step (core.saveState), typed in one place. */
import * as core from '@actions/core'
import type { CachePaths } from './cache/build-cache.js'
import type { RepoIndexCache } from './cache/repo-index.js'
import type { WrittenEnvironment } from './spack/prepare.js'

export interface PostState {
  readonly cacheEnabled: boolean
  readonly primaryKey: string
  readonly restoredKey?: string
  readonly paths: CachePaths
  /** The environments of the build (the compiler's first, when one is built), with their rendered spack.yaml. */
  readonly environments: readonly WrittenEnvironment[]
  readonly spack: { readonly executable: string; readonly env: Readonly<Record<string, string>> }
  /** Spack's index of the builtin packages: saved by the post step unless it was restored. */
  readonly repoIndex?: { readonly cache: RepoIndexCache; readonly restored: boolean }
  /** Set once the build completed: only then is the primary key saved. */
  readonly complete: boolean
}

const KEY = 'slurm-factory'

export function savePostState(state: PostState): void {
  core.saveState(KEY, JSON.stringify(state))
}

export function loadPostState(): PostState | undefined {
  const raw = core.getState(KEY)
  return raw ? (JSON.parse(raw) as PostState) : undefined
}
