/**
 * Runs the bundled action the way a runner does: `node dist/index.js` (and `dist/post.js`) with INPUT_* variables,
 * a RUNNER_TEMP, state, output and summary files, and the stand-in `spack` as spack-root.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

export const STAND_IN_SPACK = path.resolve('__tests__/fixtures/stand-in-spack')

export interface Runner {
  readonly dir: string
  readonly temp: string
  readonly log: string
  run(entry: 'index' | 'post', inputs: Record<string, string>, env?: Record<string, string>): ActionRun
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
      const result = spawnSync(process.execPath, [`dist/${entry}.js`], {
        env: { ...base, ...env },
        encoding: 'utf8',
        timeout: 120_000
      })
      return { status: result.status, stdout: result.stdout, stderr: result.stderr }
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
      const text = existsSync(path.join(dir, 'output')) ? readFileSync(path.join(dir, 'output'), 'utf8') : ''
      const out: Record<string, string> = {}
      for (const match of text.matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm))
        out[match[1] as string] = match[3] as string
      return out
    }
  }
}
