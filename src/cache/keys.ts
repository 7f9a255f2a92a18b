/**
 * Build-cache keys, computed before concretizing from everything that decides the concretization. Pure.
 *
 * primary:  <prefix>-<os>-<arch>-spack<commit>-gcc<version>-<target>-<fingerprint>
 *           (a dependencies job: ...-<target>-dependencies-<fingerprint>, which the cells' fallback prefix finds)
 * partial:  <primary>-partial-<run id>-<attempt>   (saved by a failed or incomplete build)
 * restore:  <primary>-partial-, then <prefix>-<os>-<arch>-spack<commit>-gcc<version>-<target>-
 *
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
  return { primary, restoreKeys: [`${primary}-partial-`, `${family}-`] }
}

export function partialKey(primary: string, runId: string, attempt: string): string {
  return `${primary}-partial-${part(runId)}-${part(attempt)}`
}

/** What a restore means for the build: the primary key itself, another key, or nothing. */
export function classifyHit(primary: string, restored: string | undefined): CacheHit {
  if (restored === undefined) return 'none'
  return restored === primary ? 'exact' : 'partial'
}
