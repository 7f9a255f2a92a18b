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
import { chmod, open, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { compareBytes, walkTree } from './checksums.js'
import { ElfFormatError, hasElfMagic, readElfFile } from './elf.js'
import { runProgram } from '../spack/runner.js'
import { BuildPaths, planRunpath, type BuildLocations } from './build-paths.js'
import { relocateText, type Remaining, type TextRewrite } from './relocate-text.js'

export type { Remaining, TextKind, TextRewrite } from './relocate-text.js'

export interface RelocateOptions extends BuildLocations {
  /** The staged prefix. */
  readonly prefix: string
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

/** What relocating the prefix found and did, gathered file by file. */
interface Findings {
  readonly elf: ElfRelocation[]
  readonly rewritten: TextRewrite[]
  readonly remaining: Remaining[]
  /** The files that get each new RUNPATH value ('' removes it): one patchelf call per value and batch. */
  readonly runpaths: Map<string, string[]>
}

/** Plans the new RUNPATH of one ELF file and notes what it leaves behind; an unreadable ELF is reported. */
function relocateElf(
  rel: string,
  full: string,
  build: BuildPaths,
  dirExists: (rel: string) => boolean,
  foreign: 'keep' | 'drop' | undefined,
  found: Findings
): void {
  let info
  try {
    info = readElfFile(full)
  } catch (error) {
    if (!(error instanceof ElfFormatError)) throw error
    found.remaining.push({ file: rel, kind: 'runpath', detail: `unreadable ELF, not relocated: ${error.reason}` })
    return
  }
  if (info.kind !== 'elf' || !info.dynamic) return
  const tag = info.runpath !== null ? 'RUNPATH' : info.rpath !== null ? 'RPATH' : null
  if (tag === null) return
  const before = (tag === 'RUNPATH' ? info.runpath : info.rpath) as string
  const plan = planRunpath(rel, before.split(':'), build, dirExists, foreign)
  const after = plan.entries.join(':')
  const changed = after !== before || info.rpath !== null
  found.elf.push({ file: rel, tag, before, after, changed, dropped: plan.dropped, foreign: plan.foreign })
  for (const item of plan.foreign)
    found.remaining.push({ file: rel, kind: 'runpath', detail: `foreign RUNPATH entry ${JSON.stringify(item)}` })
  for (const item of plan.dropped)
    if (item) found.remaining.push({ file: rel, kind: 'runpath', detail: `dropped unstaged build entry ${item}` })
  if (changed) found.runpaths.set(after, [...(found.runpaths.get(after) ?? []), full])
}

/** Writes the new RUNPATHs with patchelf, batched by value; read-only files are made writable for the call. */
async function writeRunpaths(runpaths: ReadonlyMap<string, readonly string[]>, patchelf: string): Promise<number> {
  let runs = 0
  for (const value of [...runpaths.keys()].sort(compareBytes)) {
    const files = runpaths.get(value) as string[]
    for (let i = 0; i < files.length; i += PATCHELF_BATCH) {
      const batch = files.slice(i, i + PATCHELF_BATCH)
      const restore = await makeWritable(batch)
      try {
        const args = value === '' ? ['--remove-rpath', ...batch] : ['--set-rpath', value, ...batch]
        await runProgram(patchelf, args, { silent: true })
        runs++
      } finally {
        for (const [file, mode] of restore) await chmod(file, mode)
      }
    }
  }
  return runs
}

/** Relocates the staged prefix in place. */
export async function relocatePrefix(options: RelocateOptions): Promise<RelocateResult> {
  const prefix = path.resolve(options.prefix)
  const build = new BuildPaths(options)
  const maxText = options.maxTextBytes ?? 64 * 1024 * 1024
  const tree = await walkTree(prefix)
  const dirs = new Set(['', ...tree.filter(entry => entry.type === 'dir').map(entry => entry.path)])
  const found: Findings = { elf: [], rewritten: [], remaining: [], runpaths: new Map() }
  let elfFiles = 0
  for (const entry of tree) {
    if (entry.type !== 'file') continue
    const full = path.join(prefix, entry.path)
    if (await startsWithElfMagic(full)) {
      elfFiles++
      relocateElf(entry.path, full, build, rel => dirs.has(rel), options.foreign, found)
    } else if (entry.size <= maxText) {
      await relocateText(prefix, entry.path, await readFile(full), build, found.rewritten, found.remaining)
    }
  }
  const patchelfRuns = await writeRunpaths(found.runpaths, options.patchelf ?? 'patchelf')
  const byFile = (a: { file: string }, b: { file: string }): number => compareBytes(a.file, b.file)
  return {
    elfFiles,
    elf: found.elf.sort(byFile),
    rewritten: found.rewritten.sort(byFile),
    remaining: found.remaining.sort(byFile),
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
