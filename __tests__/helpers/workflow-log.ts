/**
 * What the action writes to the runner's log, captured in-process: @actions/core writes workflow commands
 * (`::warning::`, `::error::`, `::group::`) and plain lines to stdout, so a test reads exactly what a runner reads.
 */
import { jest } from '@jest/globals'

export interface WorkflowLog {
  /** Every line written to stdout since the capture started. */
  readonly lines: string[]
  /** `::warning::` messages (file/line properties dropped). */
  warnings(): string[]
  errors(): string[]
  /** Lines that are not workflow commands. */
  infos(): string[]
  /** Stops capturing; stdout writes reach the terminal again. */
  restore(): void
}

function unescape(text: string): string {
  return text.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%')
}

export function captureWorkflowLog(): WorkflowLog {
  const lines: string[] = []
  let partial = ''
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    partial += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString()
    const parts = partial.split('\n')
    partial = parts.pop() ?? ''
    lines.push(...parts)
    return true
  })
  const command = (name: string): string[] =>
    lines
      .map(line => new RegExp(`^::${name}(?: [^:]*)?::(.*)$`).exec(line)?.[1])
      .filter((text): text is string => text !== undefined)
      .map(unescape)
  return {
    lines,
    warnings: () => command('warning'),
    errors: () => command('error'),
    infos: () => lines.filter(line => !line.startsWith('::')),
    restore: () => spy.mockRestore()
  }
}
