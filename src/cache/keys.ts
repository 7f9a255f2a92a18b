/**
 * Build-cache keys, computed before concretizing from everything that decides the concretization. Pure.
 *
 * primary:  <prefix>-<os>-<arch>-spack<commit>-gcc<version>-<target>-<fingerprint>   (what every key below starts with)
 *           (a dependencies job: ...-<target>-dependencies-<fingerprint>, which the cells' family prefix finds)
 * complete: <primary>-complete-<run id>-<attempt>   (saved by a complete build that did not restore one whole)
 * partial:  <primary>-partial-<run id>-<attempt>    (saved by a failed or incomplete build)
 * restore:  <primary>-complete-, then <primary>-partial-, then <prefix>-<os>-<arch>-spack<commit>-gcc<version>-<target>-
 *
 * Every save goes under a key of its own run, never one that may exist: the service keeps an entry forever under its
 * key and restores the newest entry of a prefix, so an entry that turns out damaged (an archive that does not unpack,
 * a package Spack had to build again) is replaced for later runs by the next one saved, instead of being restored by
 * every run. The run looks itself up under its own complete key first, which exists only on a re-run of the attempt.
 * The fallback prefix leaves out the fingerprint, so a matrix cell that only changes Slurm's version or variants
 * restores the newest cache of the same OS, architecture, Spack, compiler and target, and reuses every dependency.
 */
import { createHash } from 'node:crypto'

export interface CacheKeyInputs {
  readonly prefix: string
  /** OS id and version, for example `ubuntu-24.04`. */
  readonly os: string
  /** Machine architecture, for example `x86_64`. */
  readonly arch: string
  readonly spackCommit: string
  /** Commit of the builtin packages, or a marker for a Spack that brings its own. */
  readonly builtinCommit: string
  /** Content hash of the package repository providing slurm. */
  readonly repoHash: string
  readonly gccVersion: string
  readonly target: string
  /** The fully rendered spack.yaml (spec, repos, detected compilers and externals, mirrors, config). */
  readonly environment: string
  /** A word before the fingerprint that says what the entry holds: `dependencies` for a dependencies job. */
  readonly label?: string
}

export interface CacheKeys {
  /** What every key of this build's cache starts with. */
  readonly primary: string
  readonly restoreKeys: readonly string[]
}

export type CacheHit = 'exact' | 'partial' | 'none'

/** Characters a key part may hold; anything else becomes `_` so keys stay readable and valid. */
export function part(value: string): string {
  return value.replace(/[^A-Za-z0-9._]/g, '_')
}

export function fingerprint(inputs: CacheKeyInputs): string {
  const hash = createHash('sha256')
  for (const value of [
    inputs.os,
    inputs.arch,
    inputs.spackCommit,
    inputs.builtinCommit,
    inputs.repoHash,
    inputs.environment
  ]) {
    hash.update(`${value.length}:${value}\n`)
  }
  return hash.digest('hex').slice(0, 20)
}

export function cacheKeys(inputs: CacheKeyInputs): CacheKeys {
  const family = [
    inputs.prefix,
    part(inputs.os),
    part(inputs.arch),
    `spack${inputs.spackCommit.slice(0, 12)}`,
    `gcc${part(inputs.gccVersion)}`,
    part(inputs.target)
  ].join('-')
  const primary = [family, ...(inputs.label ? [inputs.label] : []), fingerprint(inputs)].join('-')
  return { primary, restoreKeys: [`${primary}-complete-`, `${primary}-partial-`, `${family}-`] }
}

/** The workflow run and attempt a job belongs to: every key a job saves under names them. */
export interface JobRun {
  readonly id: string
  readonly attempt: string
}

export function currentRun(env: NodeJS.ProcessEnv = process.env): JobRun {
  return { id: env.GITHUB_RUN_ID ?? '0', attempt: env.GITHUB_RUN_ATTEMPT ?? '1' }
}

/** `<base>-<run id>-<attempt>`: a key no earlier job has saved under. */
export function runKey(base: string, run: JobRun): string {
  return `${base}-${part(run.id)}-${part(run.attempt)}`
}

/** The key a complete build of this run saves under. */
export function completeKey(primary: string, runId: string, attempt: string): string {
  return `${primary}-complete-${part(runId)}-${part(attempt)}`
}

/** The key a failed or incomplete build of this run saves under. */
export function partialKey(primary: string, runId: string, attempt: string): string {
  return `${primary}-partial-${part(runId)}-${part(attempt)}`
}

/** Whether `key` holds a complete build of `primary` (saved under its own key before keys had a run of their own). */
export function isComplete(primary: string, key: string): boolean {
  return key === primary || key.startsWith(`${primary}-complete-`)
}

/** What a restore means for the build: a complete build of this very configuration, another entry, or nothing. */
export function classifyHit(primary: string, restored: string | undefined): CacheHit {
  if (restored === undefined) return 'none'
  return isComplete(primary, restored) ? 'exact' : 'partial'
}
