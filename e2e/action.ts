/**
 * Runs the bundled action as a runner does: `node dist/index.js`, then `node dist/post.js` with the state the main
 * step saved, INPUT_* variables, and the runner's files (temp, tool cache, workspace, output, state, summary) under
 * one directory that `reset` empties, so that a second run is a fresh machine with the same paths.
 */
import { appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { runAsync } from './procs.js'

export interface RunnerDirs {
  readonly root: string
  readonly temp: string
  readonly toolCache: string
  readonly workspace: string
  readonly home: string
  readonly files: Record<
    'GITHUB_STATE' | 'GITHUB_OUTPUT' | 'GITHUB_STEP_SUMMARY' | 'GITHUB_ENV' | 'GITHUB_PATH',
    string
  >
}

export function runnerDirs(root: string): RunnerDirs {
  const files = {
    GITHUB_STATE: path.join(root, 'files', 'state'),
    GITHUB_OUTPUT: path.join(root, 'files', 'output'),
    GITHUB_STEP_SUMMARY: path.join(root, 'files', 'summary.md'),
    GITHUB_ENV: path.join(root, 'files', 'env'),
    GITHUB_PATH: path.join(root, 'files', 'path')
  }
  return {
    root,
    temp: path.join(root, 'temp'),
    toolCache: path.join(root, 'tool-cache'),
    workspace: path.join(root, 'workspace'),
    home: path.join(root, 'home'),
    files
  }
}

/**
 * A snapshot of the action (dist/, spack-repo/, action.yml) in `into`: other work in the same checkout may rebuild
 * dist/ while a run lasts, and the bundle loads some chunks only when it needs them.
 */
export function snapshotAction(into: string): string {
  for (const part of ['dist', 'spack-repo', 'action.yml', 'package.json'])
    cpSync(path.resolve(part), path.join(into, part), { recursive: true })
  return into
}

/** Empties the runner's directory and makes its parts again (the same paths). */
export function reset(dirs: RunnerDirs): void {
  rmSync(dirs.root, { recursive: true, force: true })
  for (const dir of [dirs.temp, dirs.toolCache, dirs.workspace, dirs.home, path.dirname(dirs.files.GITHUB_STATE)])
    mkdirSync(dir, { recursive: true })
  for (const file of Object.values(dirs.files)) writeFileSync(file, '')
}

/** Reads a GITHUB_OUTPUT or GITHUB_STATE file (`name<<delimiter` blocks); later values win. */
export function fileCommands(file: string): Record<string, string> {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : ''
  const out: Record<string, string> = {}
  for (const match of text.matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) out[match[1] as string] = match[3] as string
  return out
}

export interface StepResult {
  readonly status: number | null
  readonly ms: number
}

/**
 * Runs one step (`index` or `post`) of the bundled action asynchronously, its output appended to `log`; group lines
 * and errors are shown on stdout with the time since the step began.
 */
export async function runStep(
  entry: 'index' | 'post',
  dirs: RunnerDirs,
  inputs: Record<string, string>,
  serviceEnv: Record<string, string>,
  log: string,
  label: string,
  actionDir: string
): Promise<StepResult> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dirs.home,
    LANG: 'C.UTF-8',
    RUNNER_TEMP: dirs.temp,
    RUNNER_TOOL_CACHE: dirs.toolCache,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: dirs.workspace,
    GITHUB_REPOSITORY: 'e2e/slurm-factory-action',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_ACTION_PATH: actionDir,
    ...dirs.files,
    ...serviceEnv
  }
  // Spack's Python and clingo (the offline kit sets these); Spack's own isolation is the action's job.
  for (const name of ['SPACK_PYTHON', 'PYTHONPATH', 'TMPDIR']) if (process.env[name]) env[name] = process.env[name]
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value
  if (entry === 'post')
    for (const [name, value] of Object.entries(fileCommands(dirs.files.GITHUB_STATE))) env[`STATE_${name}`] = value
  appendFileSync(log, `\n===== e2e: ${label}: node dist/${entry}.js =====\n`)
  const started = Date.now()
  const stamp = (): string => `${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s`
  const result = await runAsync(
    process.execPath,
    [path.join(actionDir, 'dist', `${entry}.js`)],
    env,
    log,
    line => {
      const group = /^::group::(.*)$/.exec(line)
      if (group) process.stdout.write(`  [${label} ${stamp()}] ${group[1]}\n`)
      else if (/^::(error|warning)/.test(line)) process.stdout.write(`  [${label} ${stamp()}] ${line}\n`)
    },
    Number(process.env.E2E_TIMEOUT_MIN ?? 90) * 60_000
  )
  process.stdout.write(`  [${label} ${stamp()}] node dist/${entry}.js exited ${result.status}\n`)
  return result
}

/** The job summary's rows (`<td>what</td><td>value</td>`), as text. */
export function summaryRows(file: string): Map<string, string> {
  const html = existsSync(file) ? readFileSync(file, 'utf8') : ''
  const rows = new Map<string, string>()
  for (const match of html.matchAll(/<tr><td>(.*?)<\/td><td>(.*?)<\/td><\/tr>/g))
    rows.set(match[1] as string, (match[2] as string).replace(/<[^>]+>/g, ''))
  return rows
}
