/**
 * Where a build path lands in the staged prefix: the view and every Spack install prefix were merged into one tree,
 * so a path into either maps to the same subdirectory of the prefix. And the new RUNPATH of one ELF file, from its
 * old entries (see relocate.ts for what happens to each kind of entry). Pure.
 */
import path from 'node:path'
import { isWithin } from '../paths.js'
import { spackPrefixOf } from './stage.js'

export interface BuildLocations {
  /** Roots of the Spack install tree. */
  readonly installRoots: readonly string[]
  /** The environment view the prefix was staged from. */
  readonly viewRoot?: string
  /** Install prefixes known from the concretized environment; otherwise recognised by their `-<hash>` name. */
  readonly spackPrefixes?: readonly string[]
  /** Further build-machine paths to look for in files (the Spack root, for its `sbang`); never mapped. */
  readonly otherBuildPaths?: readonly string[]
}

const SYSTEM_DIR = /^\/(usr\/)?(local\/)?lib(32|64|x32)?(\/|$)/
const PATH_CHAR = 'A-Za-z0-9._+@%~-'

/** Whether a RUNPATH entry names a system library directory. */
export function isSystemDir(entry: string): boolean {
  return SYSTEM_DIR.test(path.posix.normalize(entry))
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** Maps build paths to their place in the staged prefix. */
export class BuildPaths {
  readonly viewRoot?: string
  readonly installRoots: readonly string[]
  readonly known: readonly string[]
  private readonly roots: readonly string[]
  private readonly pattern: RegExp

  constructor(options: BuildLocations) {
    this.viewRoot = options.viewRoot ? path.resolve(options.viewRoot) : undefined
    this.installRoots = options.installRoots.map(root => path.resolve(root))
    this.known = (options.spackPrefixes ?? []).map(prefix => path.resolve(prefix))
    const roots = [...(this.viewRoot ? [this.viewRoot] : []), ...this.installRoots, ...(options.otherBuildPaths ?? [])]
      .map(root => path.resolve(root))
      .sort((a, b) => b.length - a.length)
    this.roots = roots
    const alternatives = roots.map(escapeRegExp).join('|') || '(?!)'
    this.pattern = new RegExp(`(?:${alternatives})(?![${PATH_CHAR}])(?:/[${PATH_CHAR}]+)*`, 'g')
  }

  /** A fresh global regular expression matching build paths (with their trailing components). */
  matcher(): RegExp {
    return new RegExp(this.pattern.source, 'g')
  }

  /** Whether an absolute path lies in the build (view, install tree, or another build path). */
  contains(entry: string): boolean {
    return this.roots.some(root => isWithin(path.resolve(entry), root))
  }

  /** The '/'-separated path inside the staged prefix that a build path corresponds to ('' for the root), or null. */
  staged(entry: string): string | null {
    const abs = path.resolve(entry)
    if (this.viewRoot && isWithin(abs, this.viewRoot))
      return path.relative(this.viewRoot, abs).split(path.sep).join('/')
    const spackPrefix = spackPrefixOf(abs, this.installRoots, this.known)
    if (spackPrefix) return path.relative(spackPrefix, abs).split(path.sep).join('/')
    return null
  }
}

/** The new RUNPATH entries for one ELF file at `file` (relative to the prefix). Pure apart from `dirExists`. */
export function planRunpath(
  file: string,
  entries: readonly string[],
  build: BuildPaths,
  dirExists: (rel: string) => boolean,
  foreignMode: 'keep' | 'drop' = 'keep'
): { entries: string[]; dropped: string[]; foreign: string[] } {
  const out: string[] = []
  const dropped: string[] = []
  const foreign: string[] = []
  const add = (entry: string): void => {
    if (!out.includes(entry)) out.push(entry)
  }
  const fileDir = path.posix.dirname(file)
  for (const entry of entries) {
    if (entry === '') {
      dropped.push(entry)
    } else if (entry.startsWith('$ORIGIN') || entry.startsWith('${ORIGIN}')) {
      add(entry)
    } else if (path.isAbsolute(entry) && build.contains(path.resolve(entry))) {
      const rel = build.staged(entry)
      if (rel === null || !dirExists(rel)) {
        dropped.push(entry)
      } else {
        const up = path.posix.relative(fileDir, rel || '.')
        add(up ? `$ORIGIN/${up}` : '$ORIGIN')
      }
    } else if (path.isAbsolute(entry) && isSystemDir(entry)) {
      add(entry)
    } else {
      foreign.push(entry)
      if (foreignMode === 'keep') add(entry)
    }
  }
  return { entries: out, dropped, foreign }
}
