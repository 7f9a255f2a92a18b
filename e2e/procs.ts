/**
 * Child processes of the end-to-end run: spawned with argument arrays, each in its own process group, and all of
 * them stopped by their PID when the run ends, also when a step fails or the run is interrupted.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { createServer } from 'node:net'

const live = new Map<number, string>()

/** Sends SIGKILL to every process group still running; used by the 'exit' handler (synchronous). */
function killAll(): void {
  for (const pid of live.keys()) {
    try {
      process.kill(-pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  live.clear()
}

process.on('exit', killAll)
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    process.stderr.write(`e2e: ${signal}, stopping ${live.size} process(es)\n`)
    killAll()
    process.exit(130)
  })

export interface Daemon {
  readonly name: string
  readonly pid: number
  readonly child: ChildProcess
  /** SIGTERM to its process group, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>
}

/** Starts a long-running process in its own process group, its output appended to `logFile`. */
export function startDaemon(
  name: string,
  command: string,
  args: readonly string[],
  logFile: string,
  env?: NodeJS.ProcessEnv
): Daemon {
  const out = createWriteStream(logFile, { flags: 'a' })
  const child = spawn(command, [...args], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: env ?? process.env
  })
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`)
  const pid = child.pid
  live.set(pid, name)
  child.stdout?.pipe(out)
  child.stderr?.pipe(out)
  const exited = new Promise<void>(resolve => child.on('exit', () => resolve()))
  child.on('exit', () => live.delete(pid))
  return {
    name,
    pid,
    child,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return
      signalGroup(pid, 'SIGTERM')
      const timer = new Promise<boolean>(resolve => setTimeout(() => resolve(false), graceMs).unref())
      const done = await Promise.race([exited.then(() => true), timer])
      if (!done) {
        signalGroup(pid, 'SIGKILL')
        await exited
      }
      // children left in the group (a slurmstepd, say) go too
      signalGroup(pid, 'SIGKILL')
      live.delete(pid)
    }
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    // the group is gone
  }
}

export interface Finished {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
  readonly ms: number
}

/** Runs a short command to completion (synchronously: nothing in this process needs to answer it). */
/**
 * Runs a short command to completion (synchronously: nothing in this process needs to answer it), under coreutils'
 * `timeout`, which puts it in a process group of its own and signals the whole group when time is up: a child that
 * outlives the command (a traced process, sbatch's helpers) can't keep its output pipes, and so this call, open.
 */
export function run(
  command: string,
  args: readonly string[],
  options: SpawnOptions & { timeoutMs?: number } = {}
): Finished {
  const started = Date.now()
  const timeoutMs = options.timeoutMs ?? 120_000
  const seconds = String(Math.max(1, Math.ceil(timeoutMs / 1000)))
  const result = spawnSync('timeout', ['--kill-after=10', seconds, command, ...args], {
    encoding: 'utf8',
    timeout: timeoutMs + 30_000,
    maxBuffer: 64 << 20,
    env: options.env ?? process.env,
    ...(options.cwd ? { cwd: options.cwd } : {})
  })
  if (result.error) throw new Error(`${command}: ${result.error.message}`)
  if (result.status === 124 || result.status === 137)
    throw new Error(
      `${command} ${args.join(' ')} ran longer than ${seconds} s and was stopped:\n${result.stdout}${result.stderr}`
    )
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, ms: Date.now() - started }
}

/** Runs a command and fails with its output unless it exits 0. */
export function check(
  what: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions & { timeoutMs?: number } = {}
): Finished {
  const result = run(command, args, options)
  if (result.status !== 0)
    throw new Error(`${what} failed (exit ${result.status}):\n${result.stdout}${result.stderr}`.trimEnd())
  return result
}

/**
 * Runs a command asynchronously (so that services in this process can answer it), in its own process group,
 * its output written to `logFile`; every stdout line goes to `onLine`. Killed with its group after `timeoutMs`.
 */
export function runAsync(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
  onLine: (line: string) => void,
  timeoutMs: number
): Promise<{ status: number | null; ms: number }> {
  const started = Date.now()
  const out = createWriteStream(logFile, { flags: 'a' })
  const child = spawn(command, [...args], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  const pid = child.pid
  if (pid !== undefined) live.set(pid, command)
  let pending = ''
  child.stdout.on('data', (data: Buffer) => {
    out.write(data)
    pending += data.toString()
    const lines = pending.split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines) onLine(line)
  })
  child.stderr.on('data', (data: Buffer) => out.write(data))
  const timer = setTimeout(() => {
    onLine(`::error::e2e: ${command} ran longer than ${timeoutMs / 60_000} min, stopping it`)
    if (pid !== undefined) signalGroup(pid, 'SIGKILL')
  }, timeoutMs)
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', status => {
      clearTimeout(timer)
      if (pid !== undefined) {
        // spack or a compiler it started must not outlive the step
        signalGroup(pid, 'SIGKILL')
        live.delete(pid)
      }
      if (pending) onLine(pending)
      out.end(() => resolve({ status, ms: Date.now() - started }))
    })
  })
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

export const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))
