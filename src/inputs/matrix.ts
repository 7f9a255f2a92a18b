/**
 * Matrix mode (`matrix`), for a build matrix's first job: the planner's options, one `name: value` per line, as the
 * collector's `matrix` command takes them. The values are checked by the planner (src/collect/matrix.ts); this reads
 * the lines and their names.
 */
import { parse } from 'yaml'
import { InputError, quoted } from './fields.js'

/** The planner's options by name, as the collector's command line and the `matrix` input spell them. */
export const MATRIX_OPTIONS = {
  slurmVersions: 'slurm-versions',
  compilers: 'compilers',
  target: 'target',
  leaveOut: 'leave-out',
  extraCells: 'extra-cells'
} as const

/** What a matrix is planned from, each field as the workflow wrote it (validated by `planMatrix`). */
export interface MatrixRequest {
  /** Slurm versions, a list; empty, or the word `supported` in it, means every series of the catalog. */
  readonly slurmVersions?: string
  /** GCC versions, a list of `gcc@X.Y.Z` or `X.Y.Z`. */
  readonly compilers: string
  /** The CPU target of every cell; empty means x86_64_v3. */
  readonly target: string
  /** Empty, or `outermost`. */
  readonly leaveOut?: string
  /** More cells, a list of `SLURM/gcc@X.Y.Z`. */
  readonly extraCells?: string
}

/** The options the `matrix` input takes; the cells' target is the `target` input. */
const NAMES = [
  MATRIX_OPTIONS.slurmVersions,
  MATRIX_OPTIONS.compilers,
  MATRIX_OPTIONS.leaveOut,
  MATRIX_OPTIONS.extraCells
] as const

const FORM = `one "name: value" per line (names: ${NAMES.join(', ')}; the cells' CPU target is the target input)`

function optionsOf(value: string): Record<string, unknown> {
  let parsed: unknown
  try {
    // Failsafe: every value a string, so 25.10 stays "25.10" instead of becoming the number 25.1.
    parsed = parse(value, { schema: 'failsafe', uniqueKeys: true })
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0]
    throw new InputError('matrix', `is not valid YAML (${reason}); give ${FORM}`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new InputError('matrix', `${quoted(value)} is not the planner's options: give ${FORM}`)
  return parsed as Record<string, unknown>
}

/** An option's value: a string, or a YAML list of strings (joined by commas, as the planner's lists are). */
function optionValue(name: string, value: unknown): string {
  if (typeof value === 'string') return value
  if (Array.isArray(value) && value.every(item => typeof item === 'string')) return value.join(', ')
  throw new InputError('matrix', `${name}: give a value or a list of values, not ${JSON.stringify(value)}`)
}

/** `matrix`, with the `target` input: the planner's request, or nothing when the input is empty. */
export function parseMatrix(value: string, target: string, collect: boolean): { matrix?: MatrixRequest } {
  if (value.trim() === '') return {}
  if (collect) throw new InputError('matrix', 'and collect are two modes of the action; give one of them')
  const options = optionsOf(value)
  const given = new Map<string, string>()
  for (const [name, raw] of Object.entries(options)) {
    if (!(NAMES as readonly string[]).includes(name))
      throw new InputError('matrix', `${quoted(name)} is not one of its options; give ${FORM}`)
    given.set(name, optionValue(name, raw))
  }
  const compilers = given.get(MATRIX_OPTIONS.compilers)
  if (compilers === undefined)
    throw new InputError('matrix', `names no compilers (such as "compilers: gcc@11.4.0, gcc@13.3.0"); give ${FORM}`)
  return {
    matrix: {
      slurmVersions: given.get(MATRIX_OPTIONS.slurmVersions) ?? '',
      compilers,
      target,
      leaveOut: given.get(MATRIX_OPTIONS.leaveOut) ?? '',
      extraCells: given.get(MATRIX_OPTIONS.extraCells) ?? ''
    }
  }
}
