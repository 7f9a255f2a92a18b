/**
 * What the main step hands to the post step (core.saveState), typed in one place. Each key is written by the one
 * module that owns it: the build cache phase writes what to save and where, the install phases what they built from
 * source, the phase that reads the installed build marks it complete, and the job's cache budget (src/cache/budget.ts)
 * what its cache calls spent and whether they were stopped.
 */
import * as core from '@actions/core'
import type { CachePaths } from './cache/build-cache.js'
import type { InstalledTree } from './cache/installed-tree.js'
import type { CacheEntry } from './cache/service.js'
import type { RepoIndexCache } from './cache/repo-index.js'
import type { Only } from './spack/commands.js'
import type { WrittenEnvironment } from './spack/prepare.js'

export const STATE = {
  /** The build cache to save: written once the cache is restored (only when the cache is on). */
  cache: 'slurm-factory',
  /** Set once the build completed: only then is the primary key saved. */
  complete: 'slurm-factory-complete',
  /** The packages built from source, by environment (rewritten after each environment's install). */
  built: 'slurm-factory-built',
  /** The job's cache budget: time spent, and why the cache traffic stopped (src/cache/budget.ts). */
  cacheBudget: 'slurm-factory-cache-budget'
} as const

export interface CacheState {
  readonly primaryKey: string
  readonly restoredKey?: string
  readonly paths: CachePaths
  /**
   * The environments of the build (the compiler's first, when one is built), with their rendered spack.yaml, and
   * what of each was installed (a dependencies job's: the dependencies only).
   */
  readonly environments: ReadonlyArray<WrittenEnvironment & { readonly only?: Only }>
  readonly spack: { readonly executable: string; readonly env: Readonly<Record<string, string>> }
  /** Spack's index of the builtin packages: saved by the post step unless it was restored. */
  readonly repoIndex?: { readonly cache: RepoIndexCache; readonly restored: boolean }
  /** The installed tree: saved by the post step of a complete build unless it was restored. */
  readonly installedTree?: { readonly tree: InstalledTree; readonly restored: boolean }
  /** Without the build cache (remote build caches serve the binaries): the kept locks alone, saved unless restored. */
  readonly keptLocks?: { readonly entry: CacheEntry; readonly restored: boolean }
}

/** The DAG hashes of the packages each environment built from source in this job, by environment directory. */
export type BuiltFromSource = Readonly<Record<string, readonly string[]>>

export interface PostState extends CacheState {
  readonly complete: boolean
  readonly built: BuiltFromSource
}

export function saveCacheState(state: CacheState): void {
  core.saveState(STATE.cache, JSON.stringify(state))
}

export function markComplete(): void {
  core.saveState(STATE.complete, 'true')
}

/** Records what `envDir` built from source, with what earlier environments of the job built. */
export function saveBuilt(built: BuiltFromSource): void {
  core.saveState(STATE.built, JSON.stringify(built))
}

/** What the main step left for the post step; undefined when it saved no build cache state (cache off, or early failure). */
export function loadPostState(): PostState | undefined {
  const raw = core.getState(STATE.cache)
  if (!raw) return undefined
  const built = core.getState(STATE.built)
  return {
    ...(JSON.parse(raw) as CacheState),
    complete: core.getState(STATE.complete) === 'true',
    built: built ? (JSON.parse(built) as BuiltFromSource) : {}
  }
}
