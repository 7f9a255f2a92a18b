/**
 * Proof that the moved tree runs on its own: every daemon and command of the cluster runs under
 * `strace -f -e trace=file,process`, each process's file and exec calls logged, and afterwards no log may name a
 * forbidden path (the build machine's Spack work root, which is also deleted before the cluster starts).
 *
 * The scan is shown to work before it is trusted: `selfTest` traces a command that does touch a forbidden path and
 * fails unless the scan finds it.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { run } from './procs.js'

export interface Touch {
  /** The trace file (one per process). */
  readonly file: string
  readonly line: string
}

export class Tracer {
  private count = 0

  constructor(
    /** Directory the trace files go in. */
    readonly dir: string,
    /** Paths no traced process may touch. */
    readonly forbidden: readonly string[]
  ) {
    mkdirSync(dir, { recursive: true })
  }

  /** `command args` wrapped in strace; `label` names its trace files (`<label>.<n>.<pid>`). */
  wrap(label: string, command: string, args: readonly string[]): [string, string[]] {
    const out = path.join(this.dir, `${label.replace(/[^\w.-]/g, '_')}.${++this.count}`)
    return ['strace', ['-f', '-ff', '-qq', '-s', '4096', '-e', 'trace=file,process', '-o', out, command, ...args]]
  }

  /** Trace files written so far. */
  files(): string[] {
    return readdirSync(this.dir)
      .map(name => path.join(this.dir, name))
      .sort()
  }

  /** Every traced call that names a forbidden path. */
  touches(): Touch[] {
    const found: Touch[] = []
    for (const file of this.files()) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (this.forbidden.some(p => line.includes(p))) found.push({ file: path.basename(file), line })
      }
    }
    return found
  }

  /** How many system calls the traces hold, to show that something was traced at all. */
  calls(): number {
    return this.files().reduce((sum, file) => sum + readFileSync(file, 'utf8').split('\n').filter(Boolean).length, 0)
  }
}

/**
 * The scan must catch a process that touches a forbidden path: `command` is run (traced) with `env` chosen to make
 * it do so, and the scan of that trace must name the path.
 */
export function selfTest(
  dir: string,
  forbidden: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv
): string {
  const tracer = new Tracer(dir, [forbidden])
  const [cmd, wrapped] = tracer.wrap('self-test', command, args)
  run(cmd, wrapped, { env, timeoutMs: 60_000 })
  const touches = tracer.touches()
  if (touches.length === 0)
    throw new Error(`the trace scan is blind: ${command} was made to touch ${forbidden} and no trace names it`)
  return touches[0]?.line ?? ''
}
