/**
 * The GitHub Actions cache client, loaded on first use, and the time limit every restore and save runs under. A cache
 * service that is down, slow or full costs a warning, never a failed build.
 */
/** The cache client, loaded on first use: a run that neither restores nor saves never pays for loading it. */
export async function cacheClient(): Promise<typeof import('@actions/cache')> {
  return import('@actions/cache')
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
