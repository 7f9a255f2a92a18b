/**
 * The only place that spawns `spack`: argument arrays (never a shell string), output streamed into the log,
 * stdout and stderr kept, and a non-zero exit turned into an error carrying the command and its last lines.
 */
import * as core from '@actions/core'
import * as exec from '@actions/exec'
import { childEnv } from '../child-env.js'

export interface RunOptions {
  /** Open a log group with this title around the command. */
  readonly group?: string
  /** Do not echo the output into the log (it is still captured). */
  readonly silent?: boolean
  /** Return instead of throwing on a non-zero exit. */
  readonly allowFailure?: boolean
  readonly cwd?: string
  /** Extra environment for this command only, over the allow-listed part of the runner's (src/child-env.ts). */
  readonly env?: Readonly<Record<string, string>>
  readonly input?: string
}

export interface RunResult {
  readonly args: readonly string[]
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
  /** Wall-clock milliseconds. */
  readonly elapsedMs: number
}

/** How many trailing lines of output an error carries. */
export const TAIL_LINES = 30

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly args: readonly string[],
    readonly exitCode: number,
    readonly tail: string
  ) {
    super(`${[command, ...args].join(' ')} failed with exit code ${exitCode}${tail ? `:\n${tail}` : ''}`)
    this.name = 'CommandError'
  }
}

export interface SpackRunner {
  /** The `spack` executable the runner calls. */
  readonly executable: string
  /** Environment every Spack command gets (isolated user scope, cache paths). */
  readonly env: Readonly<Record<string, string>>
  run(args: readonly string[], options?: RunOptions): Promise<RunResult>
  /** Calls every command started after this point: used to count and time Spack work. */
  onCommand(listener: (result: RunResult) => void): void
}

export function lastLines(text: string, count = TAIL_LINES): string {
  const lines = text.replace(/\s+$/, '').split('\n')
  return lines.slice(-count).join('\n')
}

/**
 * Runs any program with an argument array; the shared mechanism under the Spack runner. The program gets the
 * allow-listed part of the runner's environment (never its credentials), then `baseEnv` and `env`.
 */
export async function runProgram(
  command: string,
  args: readonly string[],
  options: RunOptions & { readonly baseEnv?: Readonly<Record<string, string>> } = {}
): Promise<RunResult> {
  const started = Date.now()
  let stdout = ''
  let stderr = ''
  let combined = ''
  const env = childEnv(process.env, { ...(options.baseEnv ?? {}), ...(options.env ?? {}) })
  const execute = async (): Promise<number> =>
    exec.exec(command, [...args], {
      cwd: options.cwd,
      env,
      silent: options.silent ?? false,
      ignoreReturnCode: true,
      ...(options.input !== undefined ? { input: Buffer.from(options.input) } : {}),
      listeners: {
        stdout: (data: Buffer) => {
          const text = data.toString()
          stdout += text
          combined += text
        },
        stderr: (data: Buffer) => {
          const text = data.toString()
          stderr += text
          combined += text
        }
      }
    })
  const exitCode = options.group ? await core.group(options.group, execute) : await execute()
  const result: RunResult = { args: [command, ...args], exitCode, stdout, stderr, elapsedMs: Date.now() - started }
  if (exitCode !== 0 && !options.allowFailure) throw commandError(result, combined)
  return result
}

/** The error for a failed command: its stderr's last lines, or the combined output's when stderr is empty. */
function commandError(result: RunResult, combined = result.stdout + result.stderr): CommandError {
  const [command, ...args] = result.args as [string, ...string[]]
  return new CommandError(command, args, result.exitCode, lastLines(result.stderr.trim() ? result.stderr : combined))
}

export function createSpackRunner(executable: string, env: Readonly<Record<string, string>>): SpackRunner {
  const listeners: Array<(result: RunResult) => void> = []
  return {
    executable,
    env,
    onCommand(listener) {
      listeners.push(listener)
    },
    async run(args, options = {}) {
      const result = await runProgram(executable, args, { ...options, baseEnv: env, allowFailure: true })
      for (const listener of listeners) listener(result)
      if (result.exitCode !== 0 && !options.allowFailure) throw commandError(result)
      return result
    }
  }
}
