/**
 * The release matrix: the release workflow's lists of Slurm versions and compilers turned into its matrix, each value
 * validated as the action's inputs are, each compiler on the runner image that suits it.
 */
import { RUNNER_GCC, TARGET_PARENTS } from '../catalog.js'
import { InputError, parseCompiler, parseSlurmVersion, parseTarget } from '../inputs.js'

/** GitHub runs at most 256 jobs of one matrix. */
export const MAX_CELLS = 256

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

export interface MatrixCell {
  readonly slurm: string
  /** GCC version without `gcc@`. */
  readonly gcc: string
  readonly target: string
  readonly runner: string
}

function renamed<T>(input: string, parse: () => T): T {
  try {
    return parse()
  } catch (error) {
    if (error instanceof InputError) throw new InputError(input, error.message.slice(error.input.length + 2))
    throw error
  }
}

/** The release matrix (`{ include: [...] }`): every Slurm version with every compiler, each value validated. */
export function planMatrix(request: { slurmVersions: string; compilers: string; target: string }): {
  include: MatrixCell[]
} {
  const versions = parseList('slurm-versions', request.slurmVersions).map(v =>
    renamed('slurm-versions', () => parseSlurmVersion(v))
  )
  const compilers = parseList('compilers', request.compilers).map(value =>
    renamed('compilers', () => {
      const compiler = parseCompiler(value.startsWith('gcc@') ? value : `gcc@${value}`)
      if (compiler.kind !== 'gcc') throw new InputError('compiler', `${JSON.stringify(value)} is not a GCC release`)
      return compiler.version
    })
  )
  const target = renamed('target', () => parseTarget(request.target.trim() || 'x86_64_v3'))
  const include = versions.flatMap(slurm =>
    [...new Set(compilers)].map(gcc => ({ slurm, gcc, target, runner: runnerFor(gcc, target).runner }))
  )
  if (include.length > MAX_CELLS) {
    throw new InputError('compilers', `${include.length} cells is more than the ${MAX_CELLS} a matrix may have`)
  }
  return { include }
}
