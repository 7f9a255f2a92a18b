/**
 * The pipeline a build walks: a list of phases, each a function from the results so far to its own result, run one
 * after the other in a log group of their own and timed for the job summary. Plan mode walks the very same list and
 * asks each phase what it would do instead: the commands it would run, as argument arrays, and the files it would
 * write. A phase's plan is made from the same functions as its run, so a dry run cannot drift from a real one.
 */
import * as core from '@actions/core'
import type { Build } from './build.js'

/** A condition a planned step depends on that only the run can decide. */
export interface Condition {
  /** Stable name, for tests and tools: `gcc-missing`, `no-cached-lock`, `not-in-tool-cache`, ... */
  readonly id: string
  /** What a person reads: "gcc@13.3.0 is not on the runner". */
  readonly text: string
}

/** One thing a phase would do, done only when every condition in `when` holds. */
export type Step =
  /** A Spack command, run by the job's `spack`. */
  | { readonly spack: readonly string[]; readonly when?: readonly Condition[] }
  /** Another program (git, tar, zstd). */
  | { readonly program: string; readonly args: readonly string[]; readonly when?: readonly Condition[] }
  /** A file the phase writes; `content` when it is known before anything runs. */
  | { readonly writes: string; readonly content?: string; readonly when?: readonly Condition[] }
  /** Anything else worth saying: a cache restore, an upload. */
  | { readonly note: string; readonly when?: readonly Condition[] }

export interface PlannedPhase {
  readonly title: string
  readonly steps: readonly Step[]
}

/** A phase of the build: reads the results so far (`In`) and adds its own under `key`. */
export interface Phase<In, K extends string, V extends object> {
  readonly key: K
  /** The log group's title, and the plan's heading. */
  readonly title: (build: Build) => string
  /** False for a quick step that needs no log group and no time in the summary (it reads what others did). */
  readonly grouped?: false
  /** What the phase would do for this build, from what is known before anything runs; empty when it would do nothing. */
  readonly plan: (build: Build) => readonly Step[]
  /** Its result when it has nothing to do in this run (no log group, no time), or undefined: it runs. */
  readonly skip?: (input: In) => V | undefined
  readonly run: (input: In) => Promise<V>
  /** The action outputs its result sets, by output name. */
  readonly outputs?: (value: V) => Readonly<Record<string, string | undefined>>
}

export interface PhaseTime {
  readonly name: string
  readonly seconds: number
  readonly ok: boolean
}

/** What a run went through: the time of each phase and the results as far as it got (also when it failed). */
export class Progress<S> {
  readonly times: PhaseTime[] = []
  constructor(public results: S) {}

  /** Runs `body` in a log group named `name` and records how long it took and whether it succeeded. */
  async timed<T>(name: string, body: () => Promise<T>): Promise<T> {
    const started = Date.now()
    let ok = false
    try {
      const result = await core.group(name, body)
      ok = true
      return result
    } finally {
      this.times.push({ name, seconds: (Date.now() - started) / 1000, ok })
    }
  }
}

// The phases of a pipeline are typed one by one where the pipeline is built (`then`); kept here as a plain list.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyPhase = Phase<any, string, any>

/** The results a pipeline ends with: every phase's, by key. */
export type ResultsOf<P> = P extends Pipeline<infer S> ? S : never

export class Pipeline<S extends { readonly build: Build }> {
  private constructor(private readonly phases: readonly AnyPhase[]) {}

  static start(): Pipeline<{ readonly build: Build }> {
    return new Pipeline([])
  }

  /** The pipeline followed by `phase`, which reads everything before it. */
  then<K extends string, V extends object>(phase: Phase<S, K, V>): Pipeline<S & { readonly [P in K]: V }> {
    return new Pipeline([...this.phases, phase])
  }

  /** Runs every phase in order; `progress.results` holds what was done when a phase throws. */
  async run(progress: Progress<Partial<S> & { readonly build: Build }>): Promise<S> {
    for (const phase of this.phases) {
      const input = progress.results as S
      const skipped = phase.skip?.(input)
      const value =
        skipped ??
        (phase.grouped === false
          ? await phase.run(input)
          : await progress.timed(phase.title(input.build), () => phase.run(input)))
      progress.results = { ...progress.results, [phase.key]: value }
      for (const [name, output] of Object.entries(phase.outputs?.(value) ?? {}))
        if (output !== undefined) core.setOutput(name, output)
    }
    return progress.results as S
  }

  /** What each phase would do for `build`; phases that would do nothing are left out. */
  plan(build: Build): PlannedPhase[] {
    return this.phases
      .map(phase => ({ title: phase.title(build), steps: phase.plan(build) }))
      .filter(planned => planned.steps.length > 0)
  }
}
