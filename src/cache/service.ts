/**
 * The one guarded restore/save pair every cache of the action goes through (the build cache, Spack's package index):
 * the feature check, a time limit on each call, the service's "not saved" answer (`id === -1`), and a warning instead
 * of a failed build when the service is down, slow or full.
 *
 * What a call may cost is asked of a `CachePolicy`, which is also told how every call ended. Today each call gets its
 * own time limit (`perCallPolicy`, the default of both functions). One deadline shared by all of a job's cache traffic
 * (main and post step, its end handed over in the post state), or "skip the rest after the first fatal failure",
 * is a policy of its own put in that default's place: the callers do not change.
 */
import * as core from '@actions/core'

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
  readonly paths: readonly string[]
}

export type CacheOutcome = 'done' | 'missed' | 'refused' | 'unavailable' | 'failed'

/** What each cache call may cost: asked before every call, told how it ended. */
export interface CachePolicy {
  /** Milliseconds the call may take before the build goes on without it. */
  timeLimitMs(entry: CacheEntry): number
  /** Told how a call ended. */
  ended(entry: CacheEntry, outcome: CacheOutcome): void
}

export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * How long one cache restore or save may take before the build goes on without it. The toolkit's service calls
 * have no time limit of their own; SLURM_FACTORY_CACHE_TIMEOUT_MINS (default 10) sets this one.
 */
export function cacheTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const minutes = Number(env.SLURM_FACTORY_CACHE_TIMEOUT_MINS)
  return (Number.isFinite(minutes) && minutes > 0 ? minutes : 10) * 60_000
}

/** Today's policy: every call gets the whole time limit; outcomes change nothing. */
export const perCallPolicy: CachePolicy = {
  timeLimitMs: () => cacheTimeoutMs(),
  ended: () => undefined
}

/** Resolves with `work`'s result, or rejects once `ms` have passed; the timer never keeps the process alive. */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`)), ms)
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
  /** The key restored (the entry's own or a restore key's), when the outcome is `done`. */
  readonly key?: string
}

/** Restores `entry`. A missing service or a failure (warned) is an outcome, never an exception. */
export async function restoreEntry(entry: CacheEntry, options: RestoreOptions): Promise<Restored> {
  const policy = options.policy ?? perCallPolicy
  const client = options.client ?? (await cacheClient())
  const ended = (outcome: CacheOutcome, key?: string): Restored => {
    policy.ended(entry, outcome)
    return { outcome, ...(key ? { key } : {}) }
  }
  if (!client.isFeatureAvailable()) {
    if (options.unavailable) core.warning(options.unavailable)
    return ended('unavailable')
  }
  try {
    const key = await withTimeout(
      client.restoreCache([...entry.paths], entry.key, [...(options.restoreKeys ?? [])]),
      policy.timeLimitMs(entry),
      `restoring ${entry.what}`
    )
    return key ? ended('done', key) : ended('missed')
  } catch (error) {
    core.warning(`Restoring ${entry.what} failed, ${options.without}: ${message(error)}`)
    return ended('failed')
  }
}

/** Saves `entry`; false (with a warning) when the service refused or failed. */
export async function saveEntry(entry: CacheEntry, options: GuardOptions = {}): Promise<boolean> {
  const policy = options.policy ?? perCallPolicy
  const client = options.client ?? (await cacheClient())
  if (!client.isFeatureAvailable()) {
    if (options.unavailable) core.warning(options.unavailable)
    policy.ended(entry, 'unavailable')
    return false
  }
  try {
    const id = await withTimeout(
      client.saveCache([...entry.paths], entry.key),
      policy.timeLimitMs(entry),
      `saving ${entry.what}`
    )
    if (id === -1) {
      core.warning(`${capitalized(entry.what)} was not saved under ${entry.key} (see the messages above)`)
      policy.ended(entry, 'refused')
      return false
    }
    core.info(`Saved ${entry.what} under ${entry.key}`)
    policy.ended(entry, 'done')
    return true
  } catch (error) {
    core.warning(`Saving ${entry.what} under ${entry.key} failed: ${message(error)}`)
    policy.ended(entry, 'failed')
    return false
  }
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
