/**
 * The matrix planner: a workflow's lists of Slurm versions and compilers turned into its cells, each value validated
 * as the action's inputs are, each compiler on the runner image that suits it. The versions default to the word
 * `supported`, every series of the catalog (src/catalog.ts), so a series added there reaches every planned matrix.
 */
import { RUNNER_GCC, SLURM_SERIES, TARGET_PARENTS } from '../catalog.js'
import { compareVersions, InputError, parseCompiler, parseSlurmVersion, parseTarget } from '../inputs.js'
import { quoted } from '../inputs/fields.js'
import { MATRIX_OPTIONS, type MatrixRequest } from '../inputs/matrix.js'

/** GitHub runs at most 256 jobs of one matrix. */
export const MAX_CELLS = 256

/** The Slurm versions that mean every series of the catalog, the newest release of each. */
export const SUPPORTED = 'supported'

/** What `leave-out` accepts: `outermost`, the oldest series with the newest GCC and the newest with the oldest. */
export const LEAVE_OUT = ['outermost'] as const

export interface MatrixCell {
  readonly slurm: string
  /** GCC version without `gcc@`. */
  readonly gcc: string
  readonly target: string
  readonly runner: string
}

/** The CPU family of a target: the root of its ancestry (`x86_64` or `aarch64`). */
export function targetFamily(target: string): string {
  let current = target
  for (;;) {
    const parents = TARGET_PARENTS[current]
    if (!parents || parents.length === 0) return current
    current = parents[0] as string
  }
}

/**
 * The runner image a compiler builds on: the oldest image whose packages have that exact GCC (found, glibc as old
 * as possible), else ubuntu-22.04 for GCC 11 and older and ubuntu-24.04 for newer ones (Spack builds the GCC).
 * aarch64 targets get the arm64 image of the same release.
 */
export function runnerFor(gccVersion: string, target = 'x86_64_v3'): { runner: string; found: boolean } {
  const family = targetFamily(target)
  if (family !== 'x86_64' && family !== 'aarch64') {
    throw new InputError('target', `${JSON.stringify(target)}: no GitHub-hosted runner runs ${family}`)
  }
  const suffix = family === 'aarch64' ? '-arm' : ''
  const image = Object.keys(RUNNER_GCC).find(name => RUNNER_GCC[name]?.includes(gccVersion))
  if (image) return { runner: `${image}${suffix}`, found: true }
  const major = Number(gccVersion.split('.')[0])
  return { runner: `${major <= 11 ? 'ubuntu-22.04' : 'ubuntu-24.04'}${suffix}`, found: false }
}

/** A list given as a JSON array of strings or as words separated by commas and/or spaces; duplicates dropped. */
export function parseList(input: string, value: string): string[] {
  const trimmed = value.trim()
  let items: string[]
  if (trimmed.startsWith('[')) {
    let parsed: unknown
    try {
      parsed = JSON.parse(trimmed)
    } catch {
      throw new InputError(input, `${JSON.stringify(value)} is not a valid JSON array`)
    }
    if (!Array.isArray(parsed) || !parsed.every(item => typeof item === 'string')) {
      throw new InputError(
        input,
        `${JSON.stringify(value)} must be an array of strings (quote versions: ["25.11"], not [25.11])`
      )
    }
    items = (parsed as string[]).map(item => item.trim())
  } else {
    items = trimmed.split(/[\s,]+/)
  }
  items = [...new Set(items.filter(Boolean))]
  if (items.length === 0) throw new InputError(input, 'is empty; give at least one value')
  return items
}

function renamed<T>(input: string, parse: () => T): T {
  try {
    return parse()
  } catch (error) {
    if (error instanceof InputError) throw new InputError(input, error.message.slice(error.input.length + 2))
    throw error
  }
}

/** A Slurm version of option `input`: a series of `series` as it is, anything else checked as `slurm-version` is. */
function slurmVersionOf(input: string, value: string, series: readonly string[]): string {
  return series.includes(value) ? value : renamed(input, () => parseSlurmVersion(value))
}

/** The GCC version (without `gcc@`) of `gcc@X.Y.Z` or `X.Y.Z`, checked as `compiler` is. */
function gccOf(input: string, value: string): string {
  return renamed(input, () => {
    const compiler = parseCompiler(value.startsWith('gcc@') ? value : `gcc@${value}`)
    if (compiler.kind !== 'gcc') throw new InputError('compiler', `${quoted(value)} is not a GCC release`)
    return compiler.version
  })
}

/** The Slurm versions of the matrix: the list given, `supported` standing for every series of `series`. */
function slurmVersionsOf(value: string, series: readonly string[]): string[] {
  const listed = value.trim() === '' ? [SUPPORTED] : parseList(MATRIX_OPTIONS.slurmVersions, value)
  const versions = listed.flatMap(v =>
    v === SUPPORTED ? series : [slurmVersionOf(MATRIX_OPTIONS.slurmVersions, v, series)]
  )
  return [...new Set(versions)]
}

type Pair = { readonly slurm: string; readonly gcc: string }

/** The oldest and the newest of `versions`, by version order (not by the order given). */
function ends(versions: readonly string[]): [string, string] {
  const sorted = [...versions].sort(compareVersions)
  return [sorted[0] as string, sorted[sorted.length - 1] as string]
}

/** The pairs `leave-out` drops: none, or (`outermost`) oldest series × newest GCC and newest series × oldest GCC. */
function leftOut(value: string, versions: readonly string[], gccs: readonly string[]): Pair[] {
  const choice = value.trim()
  if (choice === '') return []
  if (!(LEAVE_OUT as readonly string[]).includes(choice)) {
    throw new InputError(
      MATRIX_OPTIONS.leaveOut,
      `${quoted(value)} is not accepted (accepted: ${LEAVE_OUT.join(', ')}, or empty to leave nothing out)`
    )
  }
  if (versions.length < 2 || gccs.length < 2) {
    throw new InputError(
      MATRIX_OPTIONS.leaveOut,
      `${quoted(choice)} needs at least two Slurm versions and two compilers (given ${versions.length} and ${gccs.length})`
    )
  }
  const [oldest, newest] = ends(versions)
  const [oldestGcc, newestGcc] = ends(gccs)
  return [
    { slurm: oldest, gcc: newestGcc },
    { slurm: newest, gcc: oldestGcc }
  ]
}

/** The `extra-cells` list: each `SLURM/gcc@X.Y.Z` (or `SLURM/X.Y.Z`), both halves checked. */
function extraCellsOf(value: string, series: readonly string[]): Pair[] {
  if (value.trim() === '') return []
  return parseList(MATRIX_OPTIONS.extraCells, value).map(cell => {
    const match = /^([^/]+)\/([^/]+)$/.exec(cell)
    if (!match) {
      throw new InputError(
        MATRIX_OPTIONS.extraCells,
        `${quoted(cell)} is not a cell (accepted: SLURM/gcc@X.Y.Z, such as ${series[series.length - 1]}/gcc@13.3.0)`
      )
    }
    const slurm = slurmVersionOf(MATRIX_OPTIONS.extraCells, match[1] as string, series)
    return { slurm, gcc: gccOf(MATRIX_OPTIONS.extraCells, match[2] as string) }
  })
}

/**
 * The matrix (`{ include: [...] }`): every Slurm version with every compiler, in the order given, less the pairs
 * `leave-out` drops, then the extra cells; each value validated, an error naming the option and the value. `series`
 * is what `supported` stands for: the catalog's series (a test passes a longer list).
 */
export function planMatrix(
  request: MatrixRequest,
  series: readonly string[] = SLURM_SERIES
): { include: MatrixCell[] } {
  const versions = slurmVersionsOf(request.slurmVersions ?? '', series)
  const gccs = [
    ...new Set(parseList(MATRIX_OPTIONS.compilers, request.compilers).map(v => gccOf(MATRIX_OPTIONS.compilers, v)))
  ]
  const target = renamed(MATRIX_OPTIONS.target, () => parseTarget(request.target.trim() || 'x86_64_v3'))
  const dropped = leftOut(request.leaveOut ?? '', versions, gccs)
  const pairs = versions
    .flatMap(slurm => gccs.map(gcc => ({ slurm, gcc })))
    .filter(pair => !dropped.some(drop => drop.slurm === pair.slurm && drop.gcc === pair.gcc))
  for (const extra of extraCellsOf(request.extraCells ?? '', series))
    if (!pairs.some(pair => pair.slurm === extra.slurm && pair.gcc === extra.gcc)) pairs.push(extra)
  const include = pairs.map(({ slurm, gcc }) => ({ slurm, gcc, target, runner: runnerFor(gcc, target).runner }))
  if (include.length > MAX_CELLS) {
    throw new InputError(
      MATRIX_OPTIONS.compilers,
      `${include.length} cells is more than the ${MAX_CELLS} a matrix may have`
    )
  }
  return { include }
}
