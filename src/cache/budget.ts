/**
 * One time budget for all of a job's cache traffic, the main step's restores and the post step's saves together:
 * SLURM_FACTORY_CACHE_TIMEOUT_MINS minutes (default 10). Each call may take what is left of it; once a call fails for
 * the service's sake (it timed out, or the service failed after the toolkit's retries), every later cache call of the
 * job, in the main step and in the post step, is skipped with a line in the log: a cache service that hangs costs
 * the job one timeout, not one per call. What is spent and why the traffic stopped travel to the post step in its
 * state (src/state.ts).
 */
import * as core from '@actions/core'
import { STATE } from '../state.js'
import type { CacheEntry, CacheOutcome, CachePolicy } from './service.js'

/** The variable that sets the budget, in minutes. */
export const TIMEOUT_VARIABLE = 'SLURM_FACTORY_CACHE_TIMEOUT_MINS'
export const DEFAULT_TIMEOUT_MINUTES = 10

/** The budget in milliseconds; a value that is not a positive number of minutes is refused, naming the variable. */
export function cacheTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[TIMEOUT_VARIABLE]?.trim()
  if (raw === undefined || raw === '') return DEFAULT_TIMEOUT_MINUTES * 60_000
  const minutes = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN
  if (!(minutes > 0 && minutes <= 24 * 60))
    throw new Error(
      `${TIMEOUT_VARIABLE}: ${JSON.stringify(raw.slice(0, 40))} is not accepted (accepted: minutes above 0 and up to 1440, such as 10 or 0.5; ` +
        `the time all of the job's cache operations may take together, default ${DEFAULT_TIMEOUT_MINUTES})`
    )
  return minutes * 60_000
}

export interface BudgetState {
  readonly limitMs: number
  readonly spentMs: number
  /** Why the job's cache traffic stopped: the first service failure. */
  readonly stopped?: string
}

/** What the job's cache calls may still cost; told how each ended, it stops them all after a service failure. */
export class CacheBudget implements CachePolicy {
  private constructor(
    private state: BudgetState,
    private readonly persist: (state: BudgetState) => void
  ) {}

  /** The main step's budget: the whole of it, written to the post state after every call. */
  static forMain(env: NodeJS.ProcessEnv = process.env): CacheBudget {
    return new CacheBudget({ limitMs: cacheTimeoutMs(env), spentMs: 0 }, state =>
      core.saveState(STATE.cacheBudget, JSON.stringify(state))
    )
  }

  /** The post step's budget: what the main step left of it (the whole budget when the main step made no call). */
  static forPost(env: NodeJS.ProcessEnv = process.env): CacheBudget {
    const saved = core.getState(STATE.cacheBudget)
    const state = saved ? (JSON.parse(saved) as BudgetState) : { limitMs: cacheTimeoutMs(env), spentMs: 0 }
    return new CacheBudget(state, () => undefined)
  }

  /** A budget kept in memory only (tests, benches). */
  static of(state: BudgetState): CacheBudget {
    return new CacheBudget(state, () => undefined)
  }

  get current(): BudgetState {
    return this.state
  }

  refuse(): string | undefined {
    if (this.state.stopped) return this.state.stopped
    if (this.state.spentMs >= this.state.limitMs)
      return `the job's cache operations used up their ${minutes(this.state.limitMs)} (${TIMEOUT_VARIABLE})`
    return undefined
  }

  timeLimitMs(): number {
    return Math.max(0, this.state.limitMs - this.state.spentMs)
  }

  ended(entry: CacheEntry, outcome: CacheOutcome, elapsedMs = 0, reason?: string): void {
    const stopped =
      this.state.stopped ??
      (outcome === 'failed' ? `${entry.what}: ${reason ?? 'the cache service failed'}` : undefined)
    this.state = { ...this.state, spentMs: this.state.spentMs + elapsedMs, ...(stopped ? { stopped } : {}) }
    this.persist(this.state)
  }
}

function minutes(ms: number): string {
  const value = ms / 60_000
  return `${Number.isInteger(value) ? value : value.toFixed(2)} min`
}
