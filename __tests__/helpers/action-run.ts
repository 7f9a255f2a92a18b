/**
 * Runs the bundled action the way a runner does: `node dist/index.js` (and `dist/post.js`) with INPUT_* variables,
 * a RUNNER_TEMP, state, output and summary files, and the stand-in `spack` as spack-root.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

export const STAND_IN_SPACK = path.resolve('__tests__/fixtures/stand-in-spack')

export interface Runner {
  readonly dir: string
  readonly temp: string
  readonly log: string
  /** Runs asynchronously, so that services in the test's own process can answer the action. */
  run(entry: 'index' | 'post', inputs: Record<string, string>, env?: Record<string, string>): Promise<ActionRun>
  /** Empties RUNNER_TEMP: the next run is a fresh machine with the same paths. */
  wipe(): void
  /** Spack calls the stand-in recorded, in order. */
  calls(): string[][]
  outputs(): Record<string, string>
}

export interface ActionRun {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/** A runner whose files (temp, tool cache, state) persist across its runs, as on one machine. */
export function makeRunner(): Runner {
  const dir = mkdtempSync(path.join(tmpdir(), 'action-'))
  const temp = path.join(dir, 'runner-temp')
  const log = path.join(dir, 'spack-calls.jsonl')
  const files = {
    GITHUB_STATE: 'state',
    GITHUB_OUTPUT: 'output',
    GITHUB_STEP_SUMMARY: 'summary.md',
    GITHUB_ENV: 'env',
    GITHUB_PATH: 'path'
  }
  mkdirSync(temp, { recursive: true })
  return {
    dir,
    temp,
    log,
    run(entry, inputs, env = {}) {
      const base: Record<string, string> = {
        PATH: process.env.PATH ?? '',
        HOME: dir,
        RUNNER_TEMP: temp,
        RUNNER_TOOL_CACHE: path.join(dir, 'tool-cache'),
        GITHUB_WORKSPACE: dir,
        GITHUB_RUN_ID: '101',
        GITHUB_RUN_ATTEMPT: '1',
        STANDIN_LOG: log
      }
      for (const [name, file] of Object.entries(files)) {
        base[name] = path.join(dir, file)
        if (!existsSync(base[name] as string)) writeFileSync(base[name] as string, '')
      }
      for (const [name, value] of Object.entries(inputs)) base[`INPUT_${name.toUpperCase()}`] = value
      // The runner hands what the main step saved with saveState to the post step as STATE_<name> variables.
      if (entry === 'post')
        for (const [name, value] of Object.entries(fileCommands(base.GITHUB_STATE as string)))
          base[`STATE_${name}`] = value
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [`dist/${entry}.js`], { env: { ...base, ...env }, timeout: 120_000 })
        let stdout = ''
        let stderr = ''
        child.stdout.on('data', (data: Buffer) => (stdout += data.toString()))
        child.stderr.on('data', (data: Buffer) => (stderr += data.toString()))
        child.on('error', reject)
        child.on('close', status => resolve({ status, stdout, stderr }))
      })
    },
    wipe() {
      rmSync(temp, { recursive: true, force: true })
      mkdirSync(temp, { recursive: true })
      rmSync(log, { force: true })
    },
    calls() {
      return existsSync(log)
        ? readFileSync(log, 'utf8')
            .trim()
            .split('\n')
            .filter(Boolean)
            .map(line => JSON.parse(line) as string[])
        : []
    },
    outputs() {
      return fileCommands(path.join(dir, 'output'))
    }
  }
}

/** Reads a GITHUB_OUTPUT or GITHUB_STATE file (`name<<delimiter` blocks); later values win. */
export function fileCommands(file: string): Record<string, string> {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : ''
  const out: Record<string, string> = {}
  for (const match of text.matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) out[match[1] as string] = match[3] as string
  return out
}
