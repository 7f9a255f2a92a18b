/**
 * What @actions/cache said during one of its calls. The toolkit swallows a failing service: `restoreCache` returns
 * undefined as on a miss, also when the entry was found but could not be downloaded or unpacked, and `saveCache`
 * returns -1 as when the key already exists; the cause is only written to the log, as the toolkit's own warnings and
 * errors (an `::error::` annotation in a green build for a 5xx) and, for a failed reservation, as a debug line. To tell
 * a miss from a failure, and a damaged entry from a missing one, the workflow commands written while a call runs are
 * read: the toolkit's warnings and errors are held back (the guard reports the outcome once, in its own words, with
 * the toolkit's reason), everything else passes to the log unchanged.
 */

export interface ToolkitReport {
  /** The key the service matched ("Cache hit for: <key>"), before anything was downloaded. */
  hit?: string
  /** The toolkit's warnings and errors, held back from the log. */
  readonly failures: string[]
  /** Its debug lines (passed on: the runner shows them in debug mode). */
  readonly debug: string[]
}

export interface ToolkitWatch {
  readonly report: ToolkitReport
  /**
   * The call was given up on but goes on in the background: from now on only the toolkit's own failure messages are
   * held back (the job's later warnings and errors pass), until the call settles.
   */
  abandon(): void
  /** Stops reading the log. */
  stop(): void
}

/** How every warning and error of @actions/cache 6 begins: what is held back of a call given up on. */
const TOOLKIT_MESSAGE =
  /^(Failed to (restore|save): |Cache reservation failed: |uploadCacheArchiveSDK: |You've hit a rate limit)/

function unescape(text: string): string {
  return text.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%')
}

/** Starts reading what the toolkit writes to stdout (where @actions/core writes every workflow command). */
export function watchToolkit(): ToolkitWatch {
  const report: ToolkitReport = { failures: [], debug: [] }
  const original = process.stdout.write
  let abandoned = false
  const watcher = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString() : ''
    const command = /^::(warning|error|debug)(?: [^:]*)?::(.*)/.exec(text.trimEnd())
    if (command?.[1] === 'warning' || command?.[1] === 'error') {
      const said = unescape(command[2] as string)
      if (!abandoned || TOOLKIT_MESSAGE.test(said)) {
        report.failures.push(said)
        return true
      }
    }
    if (command) report.debug.push(unescape(command[2] as string))
    else {
      const hit = /^Cache hit for(?: restore-key)?: (\S+)/.exec(text)
      if (hit) report.hit = hit[1] as string
    }
    return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest)
  } as typeof process.stdout.write
  process.stdout.write = watcher
  return {
    report,
    abandon() {
      abandoned = true
    },
    stop() {
      // Someone who replaced stdout's write after this watcher started keeps theirs.
      if (process.stdout.write === watcher) process.stdout.write = original
    }
  }
}

/** A failure of the service itself (not of the entry): retries exhausted, a 5xx, a network error, rate limiting. */
const SERVICE_FAILURE =
  /after \d+ attempts|\((5\d\d)\)|\b5\d\d\b.*(error|unavailable)|ECONNRESET|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|socket hang up|NetworkError|Rate limited|timed? ?out/i

/** What the service answered a save that returned -1: refused (the key exists, the cache is full) or failed. */
export function saveFailure(report: ToolkitReport): string | undefined {
  const said = [...report.failures, ...report.debug.filter(line => /Failed to (reserve|save|finalize)/i.test(line))]
  return said.find(line => SERVICE_FAILURE.test(line))
}

/** The reason a toolkit call gave, for a warning: its first warning or error, else its last debug line about it. */
export function reasonOf(report: ToolkitReport): string {
  return (
    report.failures.find(line => SERVICE_FAILURE.test(line)) ??
    report.failures[0] ??
    report.debug.filter(line => /Failed to/i.test(line)).pop() ??
    'no reason given'
  )
}
