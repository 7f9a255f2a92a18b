/**
 * Runs the action the way a runner does, with INPUT_* variables, a RUNNER_TEMP, state, output and summary files, and
 * the stand-in `spack` as spack-root. By default the source runs in the test's own process (`run()` of src/main.ts,
 * `runPost()` of src/post-step.ts), with the process environment replaced by the runner's for the length of the run
 * and stdout/stderr captured: a `src/` edit is tested at once, services in the test's process answer it, and a test
 * can shorten the toolkit's backoff timers. `{ dist: true }` spawns `node dist/index.js` (or `dist/post.js`) instead:
 * the bundled entry points, black-box.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { SLURM_RELEASES } from '../../src/catalog.js'
import { DEFAULTS } from '../../src/inputs/names.js'
import { run as runMain } from '../../src/main.js'
import { runPost } from '../../src/post-step.js'

export const STAND_IN_SPACK = path.resolve('__tests__/fixtures/stand-in-spack')

/** What the default `slurm-version` (a series) builds: the bundled recipe's newest release of it. */
export const DEFAULT_RELEASE = SLURM_RELEASES.find(v => v.startsWith(`${DEFAULTS['slurm-version']}.`)) as string

/** A quick build on the stand-in: its GCC is the runner's, no Actions cache, no upload. */
export const STAND_IN_BUILD: Readonly<Record<string, string>> = {
  'spack-root': STAND_IN_SPACK,
  compiler: 'gcc@12.2.0',
  target: 'x86_64_v2',
  cache: 'false',
  upload: 'false'
}

export interface RunOptions {
  /** Spawn the bundled dist/ entry point instead of running the source in-process. */
  readonly dist?: boolean
}

export interface Runner {
  readonly dir: string
  readonly temp: string
  readonly log: string
  run(
    entry: 'index' | 'post',
    inputs: Record<string, string>,
    env?: Record<string, string>,
    options?: RunOptions
  ): Promise<ActionRun>
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

/** Runs the source in this process, with exactly `env` as the process environment, as a runner step would. */
async function runInProcess(entry: 'index' | 'post', env: Record<string, string>): Promise<ActionRun> {
  const saved = { ...process.env }
  const savedExitCode = process.exitCode
  const out: string[] = []
  const err: string[] = []
  // Plain replacement, not jest.spyOn: the benches run this helper outside jest.
  const capture =
    (into: string[]) =>
    (chunk: string | Uint8Array): boolean => {
      into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString())
      return true
    }
  const writes = { out: process.stdout.write, err: process.stderr.write }
  process.stdout.write = capture(out) as typeof process.stdout.write
  process.stderr.write = capture(err) as typeof process.stderr.write
  for (const name of Object.keys(process.env)) delete process.env[name]
  Object.assign(process.env, env)
  process.exitCode = undefined
  try {
    await (entry === 'index' ? runMain() : runPost())
    return { status: Number(process.exitCode ?? 0), stdout: out.join(''), stderr: err.join('') }
  } finally {
    process.exitCode = savedExitCode
    for (const name of Object.keys(process.env)) delete process.env[name]
    Object.assign(process.env, saved)
    process.stdout.write = writes.out
    process.stderr.write = writes.err
  }
}

function spawnDist(entry: 'index' | 'post', env: Record<string, string>): Promise<ActionRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`dist/${entry}.js`], { env, timeout: 120_000 })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()))
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()))
    child.on('error', reject)
    child.on('close', status => resolve({ status, stdout, stderr }))
  })
}

/**
 * A directory holding `gcc-<version>` (a script that says its version), as a runner image has its GCC on PATH: what
 * the stand-in's `compiler find` reports (STANDIN_GCC) is then what the action's compiler fingerprint sees.
 */
function runnerGcc(dir: string, version: string): string {
  const bin = path.join(dir, 'runner-gcc', version)
  if (!existsSync(bin)) {
    mkdirSync(bin, { recursive: true })
    writeFileSync(path.join(bin, `gcc-${version}`), `#!/bin/sh\necho ${version}\n`, { mode: 0o755 })
  }
  return bin
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
    run(entry, inputs, env = {}, options = {}) {
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
      // The stand-in's knobs: the action passes the programs it starts an allow-listed environment (src/child-env.ts),
      // so they travel in a file of the runner's home, which the stand-in reads.
      const all = { ...base, ...env }
      // A runner whose GCC is STANDIN_GCC has it on PATH, where the action's fingerprint of its compilers looks.
      all.PATH = `${runnerGcc(dir, env.STANDIN_GCC ?? '12.2.0')}:${all.PATH}`
      const knobs = Object.fromEntries(Object.entries(all).filter(([name]) => name.startsWith('STANDIN_')))
      writeFileSync(path.join(dir, '.standin-knobs.json'), JSON.stringify(knobs))
      return options.dist ? spawnDist(entry, all) : runInProcess(entry, all)
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

/** The message of each workflow command of `stdout` that starts `::<command>::` (`error title=x` for properties), unescaped. */
export function commandMessages(stdout: string, command: string): string[] {
  const head = `::${command}::`
  return stdout
    .split('\n')
    .filter(line => line.startsWith(head))
    .map(line => line.slice(head.length).replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%'))
}
