/**
 * Retries with exponential backoff for work that can fail for passing reasons (downloads, clones).
 * An error marked fatal (a checksum or commit mismatch, a ref that does not exist) is thrown at once.
 */
import * as core from '@actions/core'

export interface RetryOptions {
  /** Attempts in all, the first one included (default 4). */
  readonly attempts?: number
  /** Wait before the second attempt, in milliseconds (default 2000); it doubles after each failure. */
  readonly initialDelayMs?: number
  /** Upper bound of any single wait (default 30000). */
  readonly maxDelayMs?: number
  /** How to wait: replaceable so tests need not sleep. */
  readonly sleep?: (ms: number) => Promise<void>
}

/** An error that no retry can cure. */
export class FatalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'FatalError'
  }
}

export function isFatal(error: unknown): boolean {
  return error instanceof FatalError
}

const defaultSleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** The waits between attempts: `initial`, `2 * initial`, ... each capped at `max`. */
export function backoffDelays(options: RetryOptions = {}): number[] {
  const attempts = Math.max(1, options.attempts ?? 4)
  const initial = Math.max(0, options.initialDelayMs ?? 2000)
  const max = Math.max(initial, options.maxDelayMs ?? 30000)
  return Array.from({ length: attempts - 1 }, (_, index) => Math.min(max, initial * 2 ** index))
}

/**
 * Runs `work` until it succeeds, a fatal error is thrown, or the attempts run out; the last error is rethrown
 * with the attempt count in its message.
 */
export async function withRetry<T>(
  what: string,
  work: (attempt: number) => Promise<T>,
  options: RetryOptions = {}
): Promise<T> {
  const delays = backoffDelays(options)
  const sleep = options.sleep ?? defaultSleep
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt)
    } catch (error) {
      if (isFatal(error)) throw error
      const delay = delays[attempt - 1]
      if (delay === undefined) {
        const message = error instanceof Error ? error.message : String(error)
        throw new Error(`${what} failed after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${message}`, {
          cause: error
        })
      }
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error)
      core.warning(
        `${what} failed (attempt ${attempt} of ${delays.length + 1}): ${reason}; retrying in ${Math.round(delay / 1000)}s`
      )
      await sleep(delay)
    }
  }
}
