/**
 * The one guarded restore/save pair every cache of the action goes through (the build cache, Spack's package index):
 * the feature check, a time limit on each call, the service's "not saved" answer, and a warning instead of a failed
 * build when the service is down, slow, full or serves a damaged entry. The toolkit hides most of that (a failing
 * service looks like a miss); src/cache/toolkit-log.ts reads what it said, so each call ends in a precise outcome.
 *
 * What a call may cost is asked of a `CachePolicy`, which is also told how every call ended. The job's policy is one
 * time budget for all its cache traffic, main and post step (src/cache/budget.ts), installed by each step
 * (`useCachePolicy`); after a service failure it refuses every later call, which is then skipped with a line in the
 * log. An entry may be staged (src/cache/staging.ts): restored into directories of its own and moved into place only
 * when whole, so a restore given up on never touches what the build uses.
 */
import * as core from '@actions/core'
import { cacheTimeoutMs } from './budget.js'
import { clearStaged, placeRestored, stageForSave, type StagedDir } from './staging.js'
import { reasonOf, saveFailure, watchToolkit, type ToolkitReport } from './toolkit-log.js'

/** The cache client, loaded on first use: a run that neither restores nor saves never pays for loading it. */
export type CacheClient = Pick<typeof import('@actions/cache'), 'isFeatureAvailable' | 'restoreCache' | 'saveCache'>

export async function cacheClient(): Promise<CacheClient> {
  return import('@actions/cache')
}

/** One entry of the Actions cache. */
export interface CacheEntry {
  /** What it holds, as messages name it: "the build cache", "Spack's package index". */
  readonly what: string
  readonly key: string
  /** What the entry archives and unpacks: directories or glob patterns (the `stored` sides when staged). */
  readonly paths: readonly string[]
  /** Restored into `paths` and moved to where the job uses them only when whole (see `stagedEntry`). */
  readonly staged?: readonly StagedDir[]
}

/** An entry whose directories are staged: its paths are where it is stored, moved to (and from) where it is used. */
export function stagedEntry(what: string, key: string, dirs: readonly StagedDir[]): CacheEntry {
  return { what, key, paths: dirs.map(dir => dir.stored), staged: dirs }
}

/**
 * How a call ended: `damaged` is an entry the service found but that could not be restored (a corrupt archive, a
 * download that broke off); `skipped` a call the policy refused to make.
 */
export type CacheOutcome = 'done' | 'missed' | 'damaged' | 'refused' | 'unavailable' | 'failed' | 'skipped'

/** What each cache call may cost: asked before every call, told how it ended. */
export interface CachePolicy {
  /** Why the call is not made at all, or undefined. */
  refuse?(entry: CacheEntry): string | undefined
  /** Milliseconds the call may take before the build goes on without it. */
  timeLimitMs(entry: CacheEntry): number
  /** Told how a call ended, how long it took and, for a failure, why. */
  ended(entry: CacheEntry, outcome: CacheOutcome, elapsedMs?: number, reason?: string): void
}

export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** A policy without memory: every call gets the whole time limit; outcomes change nothing. */
export const perCallPolicy: CachePolicy = {
  timeLimitMs: () => cacheTimeoutMs(),
  ended: () => undefined
}

let jobPolicy: CachePolicy = perCallPolicy

/** Installs the policy every cache call of this step uses unless given another (the job's budget). */
export function useCachePolicy(policy: CachePolicy): void {
  jobPolicy = policy
}

/** `3 s`, `0.3 s`, `600 s`. */
function seconds(ms: number): string {
  const value = ms / 1000
  return `${value >= 10 ? Math.round(value) : Number(value.toFixed(1))} s`
}

/** Resolves with `work`'s result, or rejects once `ms` have passed; the timer never keeps the process alive. */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${seconds(ms)}`)), ms)
    timer.unref()
  })
  try {
    return await Promise.race([work, timeout])
  } finally {
    clearTimeout(timer)
  }
}

export interface GuardOptions {
  readonly policy?: CachePolicy
  readonly client?: CacheClient
  /** Warned when the runner has no cache service; silent when absent. */
  readonly unavailable?: string
}

export interface RestoreOptions extends GuardOptions {
  /** Prefixes tried, in order, when the key itself is not in the cache. */
  readonly restoreKeys?: readonly string[]
  /** What the build does without the entry, said in the warning when the restore fails: "building without it". */
  readonly without: string
}

export interface Restored {
  readonly outcome: CacheOutcome
  /** The key restored (`done`), or the key of the entry that could not be (`damaged`). */
  readonly key?: string
  /** Why it failed or was damaged. */
  readonly reason?: string
}

/**
 * A toolkit call, its messages read while it runs. A call given up on (its time ran out) goes on in the background:
 * only the toolkit's own failure messages are then held back, until it settles.
 */
async function watched<T>(
  call: () => Promise<T>,
  limitMs: number,
  what: string
): Promise<{ value?: T; error?: unknown; report: ToolkitReport; ms: number }> {
  const watch = watchToolkit()
  const started = Date.now()
  const running = call()
  running.then(watch.stop, watch.stop)
  try {
    const value = await withTimeout(running, limitMs, what)
    return { value, report: watch.report, ms: Date.now() - started }
  } catch (error) {
    watch.abandon()
    return { error, report: watch.report, ms: Date.now() - started }
  }
}

/** The warning of a failed call, which also says when the policy now stops the job's other cache calls. */
function warnFailed(text: string, entry: CacheEntry, policy: CachePolicy): void {
  const stopped = policy.refuse?.(entry)
  core.warning(stopped ? `${text}. The job's other cache operations are skipped` : text)
}

/** Restores `entry`. A missing service, a refusal or a failure (warned once) is an outcome, never an exception. */
export async function restoreEntry(entry: CacheEntry, options: RestoreOptions): Promise<Restored> {
  const policy = options.policy ?? jobPolicy
  const refused = policy.refuse?.(entry)
  if (refused) {
    core.info(`Not restoring ${entry.what}: ${refused} (earlier in this job)`)
    return { outcome: 'skipped' }
  }
  const client = options.client ?? (await cacheClient())
  const ended = (outcome: CacheOutcome, ms = 0, key?: string, reason?: string): Restored => {
    policy.ended(entry, outcome, ms, reason)
    return { outcome, ...(key ? { key } : {}), ...(reason ? { reason } : {}) }
  }
  if (!client.isFeatureAvailable()) {
    if (options.unavailable) core.warning(options.unavailable)
    return ended('unavailable')
  }
  if (entry.staged) clearStaged(entry.staged)
  const { value, error, report, ms } = await watched(
    () => client.restoreCache([...entry.paths], entry.key, [...(options.restoreKeys ?? [])]),
    policy.timeLimitMs(entry),
    `restoring ${entry.what}`
  )
  if (value) {
    if (entry.staged) placeRestored(entry.staged)
    return ended('done', ms, value)
  }
  if (error === undefined && report.failures.length === 0) return ended('missed', ms)
  const reason = error === undefined ? reasonOf(report) : message(error)
  if (error === undefined && report.hit) {
    core.warning(
      `${capitalized(entry.what)} ${report.hit} was found but could not be restored, ${options.without}: ${reason}`
    )
    return ended('damaged', ms, report.hit, reason)
  }
  const result = ended('failed', ms, undefined, reason)
  warnFailed(`Restoring ${entry.what} failed, ${options.without}: ${reason}`, entry, policy)
  return result
}

/** Saves `entry`; false (with a warning, or a line when the policy skips it) when it was not saved. */
export async function saveEntry(entry: CacheEntry, options: GuardOptions = {}): Promise<boolean> {
  const policy = options.policy ?? jobPolicy
  const refused = policy.refuse?.(entry)
  if (refused) {
    core.info(`Not saving ${entry.what} under ${entry.key}: ${refused} (earlier in this job)`)
    return false
  }
  const client = options.client ?? (await cacheClient())
  if (!client.isFeatureAvailable()) {
    if (options.unavailable) core.warning(options.unavailable)
    policy.ended(entry, 'unavailable')
    return false
  }
  const staged = entry.staged ? stageForSave(entry.staged) : undefined
  try {
    const { value, error, report, ms } = await watched(
      () => client.saveCache([...entry.paths], entry.key),
      policy.timeLimitMs(entry),
      `saving ${entry.what}`
    )
    if (value !== undefined && value !== -1) {
      core.info(`Saved ${entry.what} under ${entry.key}`)
      policy.ended(entry, 'done', ms)
      return true
    }
    const failure = error === undefined ? saveFailure(report) : message(error)
    if (failure) {
      policy.ended(entry, 'failed', ms, failure)
      warnFailed(`Saving ${entry.what} under ${entry.key} failed: ${failure}`, entry, policy)
      return false
    }
    core.warning(`${capitalized(entry.what)} was not saved under ${entry.key}: ${reasonOf(report)}`)
    policy.ended(entry, 'refused', ms)
    return false
  } finally {
    staged?.restore()
  }
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
