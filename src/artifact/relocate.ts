/**
 * Relocation of a staged prefix: every ELF's RPATH/RUNPATH entry that points into the build (the Spack install
 * tree or the view) becomes an `$ORIGIN`-relative entry inside the prefix, written with patchelf as DT_RUNPATH;
 * text files naming the build are rewritten where a location-independent form exists (pkg-config files, script
 * interpreters) and reported where none does. ELF string tables are never patched by hand.
 *
 * Entries are handled as follows:
 * - `$ORIGIN…` entries are kept;
 * - entries into the view or an install prefix map to the same subdirectory of the staged prefix (every install
 *   prefix was merged into the one tree); when that directory was not staged they are dropped and reported;
 * - system directories (`/lib`, `/lib64`, `/usr/lib…`, `/usr/local/lib…`) are kept;
 * - any other entry (an absolute path elsewhere, a relative path, an empty entry) is "foreign": kept and reported
 *   by default, dropped with `foreign: 'drop'` (empty entries, which mean the working directory, are always dropped).
 */
import { chmod, open, readFile, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { compareBytes, walkTree } from './checksums.js'
import { ElfFormatError, hasElfMagic, readElfFile } from './elf.js'
import { isWithin } from '../paths.js'
import { spackPrefixOf } from './stage.js'
import { runProgram } from '../spack/runner.js'

export interface RelocateOptions {
  /** The staged prefix. */
  readonly prefix: string
  /** Roots of the Spack install tree. */
  readonly installRoots: readonly string[]
  /** The environment view the prefix was staged from. */
  readonly viewRoot?: string
  /** Install prefixes known from the concretized environment; otherwise recognised by their `-<hash>` name. */
  readonly spackPrefixes?: readonly string[]
  /** Further build-machine paths to look for in files (the Spack root, for its `sbang`); never mapped. */
  readonly otherBuildPaths?: readonly string[]
  /** What to do with foreign RUNPATH entries (see the module comment). Default `keep`. */
  readonly foreign?: 'keep' | 'drop'
  /** patchelf executable. Default `patchelf`. */
  readonly patchelf?: string
  /** Files larger than this are not searched for build paths. Default 64 MiB. */
  readonly maxTextBytes?: number
}

export interface ElfRelocation {
  /** Path relative to the prefix. */
  readonly file: string
  /** Which tag the file carried before: DT_RUNPATH wins when both are present (the loader ignores DT_RPATH then). */
  readonly tag: 'RPATH' | 'RUNPATH'
  readonly before: string
  /** The new DT_RUNPATH, or '' when it was removed. */
  readonly after: string
  readonly changed: boolean
  /** Build entries whose directory was not staged, and empty entries. */
  readonly dropped: readonly string[]
  /** Foreign entries (kept or dropped according to `foreign`). */
  readonly foreign: readonly string[]
}

export type TextKind = 'pkgconfig' | 'libtool' | 'script' | 'text' | 'binary'

export interface TextRewrite {
  readonly file: string
  readonly kind: TextKind
  /** What changed: `prefix` (pkg-config paths), `shebang`, `sbang`. */
  readonly changes: readonly string[]
  /** Number of build paths replaced. */
  readonly count: number
}

export interface Remaining {
  readonly file: string
  readonly kind: TextKind | 'runpath'
  readonly detail: string
}

export interface RelocateResult {
  /** Number of ELF files found (by magic). */
  readonly elfFiles: number
  /** Every ELF carrying an RPATH or RUNPATH, sorted by path. */
  readonly elf: readonly ElfRelocation[]
  /** Text files rewritten. */
  readonly rewritten: readonly TextRewrite[]
  /** What still names the build or a foreign path after relocation, for the summary and the audit. */
  readonly remaining: readonly Remaining[]
  /** patchelf invocations made. */
  readonly patchelfRuns: number
}

/** How many files one patchelf invocation receives. */
export const PATCHELF_BATCH = 64

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

  constructor(options: Pick<RelocateOptions, 'installRoots' | 'viewRoot' | 'spackPrefixes' | 'otherBuildPaths'>) {
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

/** Relocates the staged prefix in place. */
export async function relocatePrefix(options: RelocateOptions): Promise<RelocateResult> {
  const prefix = path.resolve(options.prefix)
  const build = new BuildPaths(options)
  const patchelf = options.patchelf ?? 'patchelf'
  const maxText = options.maxTextBytes ?? 64 * 1024 * 1024
  const tree = await walkTree(prefix)
  const dirs = new Set(tree.filter(entry => entry.type === 'dir').map(entry => entry.path))
  dirs.add('')
  const dirExists = (rel: string): boolean => dirs.has(rel)

  const elf: ElfRelocation[] = []
  const rewritten: TextRewrite[] = []
  const remaining: Remaining[] = []
  const groups = new Map<string, string[]>()
  let elfFiles = 0

  for (const entry of tree) {
    if (entry.type !== 'file') continue
    const full = path.join(prefix, entry.path)
    if (await startsWithElfMagic(full)) {
      elfFiles++
      let info
      try {
        info = readElfFile(full)
      } catch (error) {
        if (!(error instanceof ElfFormatError)) throw error
        remaining.push({ file: entry.path, kind: 'runpath', detail: `unreadable ELF, not relocated: ${error.reason}` })
        continue
      }
      if (info.kind !== 'elf' || !info.dynamic) continue
      const tag = info.runpath !== null ? 'RUNPATH' : info.rpath !== null ? 'RPATH' : null
      if (tag === null) continue
      const before = (tag === 'RUNPATH' ? info.runpath : info.rpath) as string
      const plan = planRunpath(entry.path, before.split(':'), build, dirExists, options.foreign)
      const after = plan.entries.join(':')
      const changed = after !== before || info.rpath !== null
      elf.push({ file: entry.path, tag, before, after, changed, dropped: plan.dropped, foreign: plan.foreign })
      for (const item of plan.foreign) {
        remaining.push({ file: entry.path, kind: 'runpath', detail: `foreign RUNPATH entry ${JSON.stringify(item)}` })
      }
      for (const item of plan.dropped) {
        if (item) remaining.push({ file: entry.path, kind: 'runpath', detail: `dropped unstaged build entry ${item}` })
      }
      if (changed) groups.set(after, [...(groups.get(after) ?? []), full])
      continue
    }
    if (entry.size > maxText) continue
    await relocateText(prefix, entry.path, await readFile(full), build, rewritten, remaining)
  }

  let patchelfRuns = 0
  const keys = [...groups.keys()].sort(compareBytes)
  for (const value of keys) {
    const files = groups.get(value) as string[]
    for (let i = 0; i < files.length; i += PATCHELF_BATCH) {
      const batch = files.slice(i, i + PATCHELF_BATCH)
      const restore = await makeWritable(batch)
      try {
        const args = value === '' ? ['--remove-rpath', ...batch] : ['--set-rpath', value, ...batch]
        await runProgram(patchelf, args, { silent: true })
        patchelfRuns++
      } finally {
        for (const [file, mode] of restore) await chmod(file, mode)
      }
    }
  }

  const byFile = (a: { file: string }, b: { file: string }): number => compareBytes(a.file, b.file)
  return {
    elfFiles,
    elf: elf.sort(byFile),
    rewritten: rewritten.sort(byFile),
    remaining: remaining.sort(byFile),
    patchelfRuns
  }
}

async function startsWithElfMagic(file: string): Promise<boolean> {
  const handle = await open(file, 'r')
  try {
    const head = Buffer.alloc(4)
    const { bytesRead } = await handle.read(head, 0, 4, 0)
    return bytesRead === 4 && hasElfMagic(head)
  } finally {
    await handle.close()
  }
}

async function makeWritable(files: readonly string[]): Promise<Map<string, number>> {
  const restore = new Map<string, number>()
  for (const file of files) {
    const mode = (await stat(file)).mode & 0o7777
    if ((mode & 0o200) === 0) {
      await chmod(file, mode | 0o200)
      restore.set(file, mode)
    }
  }
  return restore
}

function textKind(rel: string, text: string): TextKind {
  if (rel.endsWith('.pc') && path.posix.basename(path.posix.dirname(rel)) === 'pkgconfig') return 'pkgconfig'
  if (rel.endsWith('.la')) return 'libtool'
  if (text.startsWith('#!')) return 'script'
  return 'text'
}

async function relocateText(
  prefix: string,
  rel: string,
  data: Buffer,
  build: BuildPaths,
  rewritten: TextRewrite[],
  remaining: Remaining[]
): Promise<void> {
  const probe = data.toString('latin1')
  if (!build.matcher().test(probe)) return
  if (data.includes(0)) {
    remaining.push({
      file: rel,
      kind: 'binary',
      detail: `names ${firstMatch(probe, build)} (binary file, not rewritten)`
    })
    return
  }
  const text = data.toString('utf8')
  const kind = textKind(rel, text)
  let next = text
  const changes: string[] = []
  let count = 0

  if (kind === 'pkgconfig') {
    const root = path.posix.relative(path.posix.dirname(rel), '.') || ''
    const pcRoot = root ? `\${pcfiledir}/${root}` : '${pcfiledir}'
    const hasPrefixVar = /^prefix=/m.test(text)
    next = text
      .split('\n')
      .map(line => {
        const own = line.startsWith('prefix=') || !hasPrefixVar
        return line.replace(build.matcher(), match => {
          const sub = build.staged(match)
          if (sub === null) return match
          count++
          const base = own ? pcRoot : '${prefix}'
          return sub ? `${base}/${sub}` : base
        })
      })
      .join('\n')
    if (count > 0) changes.push('prefix')
  } else if (kind === 'script') {
    const lines = text.split('\n')
    if (/^#!\s*\/bin\/(ba)?sh\s+\S*\/sbang\s*$/.test(lines[0] as string) && (lines[1] ?? '').startsWith('#!')) {
      lines.shift()
      changes.push('sbang')
      count++
    }
    const shebang = /^#!\s*(\S+)(?:\s+(.*))?$/.exec(lines[0] as string)
    if (shebang && build.contains(path.resolve(shebang[1] as string))) {
      const program = path.posix.basename(shebang[1] as string)
      const rest = (shebang[2] ?? '').trim()
      lines[0] = rest ? `#!/usr/bin/env -S ${program} ${rest}` : `#!/usr/bin/env ${program}`
      changes.push('shebang')
      count++
    }
    next = lines.join('\n')
  }

  if (next !== text) {
    await writeFile(path.join(prefix, rel), next)
    rewritten.push({ file: rel, kind, changes, count })
  }
  const left = next.match(build.matcher())
  if (left) {
    const unique = [...new Set(left)]
    const shown = unique.slice(0, 3).join(', ')
    const more = unique.length > 3 ? ` and ${unique.length - 3} more` : ''
    const why = kind === 'libtool' ? 'libtool archives have no relocatable form' : 'no relocatable form; left as is'
    remaining.push({ file: rel, kind, detail: `names ${shown}${more} (${why})` })
  }
}

function firstMatch(text: string, build: BuildPaths): string {
  return (text.match(build.matcher()) ?? [''])[0] as string
}
