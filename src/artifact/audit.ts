/**
 * Relocation audit of an unpacked install tree (a Slurm prefix): finds what would break, or leak the build machine's
 * paths, once the tree is moved elsewhere.
 *
 * Every regular file is read once. ELF files are parsed in-process (./elf.ts) and checked for
 *  - RPATH/RUNPATH entries outside the tree (or absolute paths into it) and a non-standard program interpreter
 *    (./audit/search-path.ts),
 *  - DT_NEEDED libraries found neither through the file's in-tree search path nor in the system library directories
 *    (./audit/needed.ts),
 *  - build paths compiled into the program data that name something in the tree, which the moved tree would still
 *    look for at the build machine's path, unless the recipe resolves that path at run time (./audit/build-paths.ts).
 * Text files are scanned for the build prefixes; binary files that are not ELF are skipped (NUL-byte heuristic).
 * Symlinks are not followed; those pointing out of the tree, by absolute path, or nowhere are reported.
 */
import { closeSync, fstatSync, openSync, readdirSync, readlinkSync, readSync, realpathSync, statSync } from 'node:fs'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { ElfFormatError, hasElfMagic, readElfFd, type ElfInfo } from './elf.js'
import { TREE_RECORDS } from './layout.js'
import { inRanges, pathAt, scanForPrefixes, treeHolds, treePathOf } from './audit/build-paths.js'
import { checkNeeded, type ElfRecord } from './audit/needed.js'
import { DEFAULT_WARNING_KINDS, ProblemList, type AuditProblemKind, type AuditReport } from './audit/report.js'
import { checkSearchPath } from './audit/search-path.js'
import {
  DEFAULT_INTERPRETERS,
  DEFAULT_STANDARD_LIB_DIRS,
  isUnder,
  normalizeDir,
  readLdSoConf
} from './audit/system-dirs.js'

export {
  AUDIT_PROBLEM_KINDS,
  DEFAULT_WARNING_KINDS,
  formatReport,
  warningSummary,
  type AuditProblem,
  type AuditProblemKind,
  type AuditReport,
  type AuditSeverity
} from './audit/report.js'
export { DEFAULT_INTERPRETERS, DEFAULT_STANDARD_LIB_DIRS, readLdSoConf } from './audit/system-dirs.js'

export interface AuditOptions {
  /** Strings that must not appear in the tree, e.g. the Spack install tree root and the view. */
  buildPrefixes?: readonly string[]
  /**
   * Paths relative to the tree ('.' for the tree itself) that the build compiles in and resolves at run time from
   * the loaded tree (the recipe's record); a build path naming one of them is not a hazard.
   */
  resolvedAtRunTime?: readonly string[]
  /** Directories outside the tree that an RPATH/RUNPATH entry may name. Default `DEFAULT_STANDARD_LIB_DIRS`. */
  standardLibDirs?: readonly string[]
  /** Where a DT_NEEDED library may be found on the system. Default: `standardLibDirs` plus `readLdSoConf(ldSoConf)`. */
  systemLibDirs?: readonly string[]
  /** ld.so.conf to read for the system directories when `systemLibDirs` is not given. Default '/etc/ld.so.conf'. */
  ldSoConf?: string
  /** Accepted PT_INTERP values. Default `DEFAULT_INTERPRETERS`. */
  interpreters?: readonly string[]
  /** Kinds reported with severity 'warning'; they do not make the report fail. Default none beyond the defaults. */
  warningKinds?: readonly AuditProblemKind[]
}

/** Files at the top of an artifact that describe the tree rather than belong to what runs. */
const RECORDS: ReadonlySet<string> = new Set(TREE_RECORDS)

const TEXT_SNIFF_BYTES = 8192

/** Everything the per-file checks share during one audit. */
interface Walk {
  readonly root: string
  readonly problems: ProblemList
  readonly report: AuditReport
  readonly inTree: (p: string) => boolean
  readonly prefixes: readonly Buffer[]
  readonly prefixText: readonly string[]
  readonly resolved: ReadonlySet<string>
  readonly standardDirs: ReadonlySet<string>
  readonly interpreters: ReadonlySet<string>
  readonly elfs: ElfRecord[]
  readonly byBasename: Map<string, string[]>
  readonly sniff: Buffer
}

/** Audits the tree at `root`. Rejects when `root` is not a readable directory. */
export async function auditTree(root: string, options: AuditOptions = {}): Promise<AuditReport> {
  const started = performance.now()
  const resolvedRoot = normalizeDir(path.resolve(root))
  const realRoot = normalizeDir(realpathSync(resolvedRoot))
  if (!statSync(realRoot).isDirectory()) throw new Error(`${root}: not a directory`)
  const standardDirs = new Set((options.standardLibDirs ?? DEFAULT_STANDARD_LIB_DIRS).map(normalizeDir))
  const systemDirs = [
    ...new Set(
      (options.systemLibDirs ?? [...standardDirs, ...readLdSoConf(options.ldSoConf ?? '/etc/ld.so.conf')]).map(
        normalizeDir
      )
    )
  ]
  const prefixText = [
    ...new Set((options.buildPrefixes ?? []).filter(p => p !== '').map(p => (p.length > 1 ? p.replace(/\/+$/, '') : p)))
  ]
  const problems = new ProblemList(new Set([...DEFAULT_WARNING_KINDS, ...(options.warningKinds ?? [])]))
  const report: AuditReport = {
    root: resolvedRoot,
    filesScanned: 0,
    elfFiles: 0,
    textFiles: 0,
    binaryFiles: 0,
    symlinks: 0,
    problems: [],
    errors: 0,
    warnings: 0,
    ok: true,
    elapsedMs: 0
  }
  const walk: Walk = {
    root: realRoot,
    problems,
    report,
    inTree: p => isUnder(p, realRoot) || isUnder(p, resolvedRoot),
    prefixes: prefixText.map(p => Buffer.from(p, 'utf8')),
    prefixText,
    resolved: new Set((options.resolvedAtRunTime ?? []).map(p => path.posix.normalize(p).replace(/^\.$/, ''))),
    standardDirs,
    interpreters: new Set(options.interpreters ?? DEFAULT_INTERPRETERS),
    elfs: [],
    byBasename: new Map(),
    sniff: Buffer.allocUnsafe(TEXT_SNIFF_BYTES)
  }
  walkTree(walk)
  // DT_NEEDED resolution, after the walk so hints can name where in the tree a missing library sits.
  checkNeeded(problems, walk.elfs, systemDirs, realRoot, walk.byBasename)

  report.problems = problems.sorted()
  report.errors = report.problems.filter(p => p.severity === 'error').length
  report.warnings = report.problems.length - report.errors
  report.ok = report.errors === 0
  report.elapsedMs = Math.round((performance.now() - started) * 10) / 10
  return report
}

/** Walks depth-first in sorted order, so counts, hints and problems do not depend on directory order. */
function walkTree(walk: Walk): void {
  const stack: string[] = ['']
  while (stack.length > 0) {
    const relDir = stack.pop() as string
    const absDir = relDir === '' ? walk.root : path.join(walk.root, relDir)
    let entries
    try {
      entries = readdirSync(absDir, { withFileTypes: true })
    } catch (err) {
      walk.problems.add(relDir === '' ? '.' : relDir, 'unreadable', `cannot list directory: ${(err as Error).message}`)
      continue
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    const subdirs: string[] = []
    for (const ent of entries) {
      const rel = relDir === '' ? ent.name : `${relDir}/${ent.name}`
      const abs = path.join(absDir, ent.name)
      if (ent.isDirectory()) {
        subdirs.push(rel)
        continue
      }
      if (!ent.isSymbolicLink() && !ent.isFile()) continue
      walk.byBasename.set(ent.name, [...(walk.byBasename.get(ent.name) ?? []), rel])
      if (ent.isSymbolicLink()) {
        walk.report.symlinks++
        checkSymlink(walk, abs, rel)
      } else scanFile(walk, abs, rel)
    }
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i] as string)
  }
}

function checkSymlink(walk: Walk, abs: string, rel: string): void {
  let target: string
  try {
    target = readlinkSync(abs)
  } catch (err) {
    walk.problems.add(rel, 'unreadable', `cannot read symlink: ${(err as Error).message}`)
    return
  }
  const resolved = normalizeDir(path.resolve(path.dirname(abs), target))
  if (path.isAbsolute(target)) {
    if (walk.inTree(resolved)) {
      walk.problems.add(
        rel,
        'symlink-absolute',
        `symlink target '${target}' is an absolute path into the tree; it breaks when the tree moves`
      )
    } else {
      walk.problems.add(rel, 'symlink-outside-tree', `symlink target '${target}' is outside the tree`)
    }
  } else if (!walk.inTree(resolved)) {
    walk.problems.add(
      rel,
      'symlink-outside-tree',
      `symlink target '${target}' resolves to ${resolved}, outside the tree`
    )
  }
  if (statSync(abs, { throwIfNoEntry: false }) === undefined) {
    walk.problems.add(rel, 'symlink-dangling', `symlink target '${target}' does not exist`)
  }
}

/** Reads one regular file: ELF files are parsed and scanned, text files scanned, other binary files counted. */
function scanFile(walk: Walk, abs: string, rel: string): void {
  let fd: number
  try {
    fd = openSync(abs, 'r')
  } catch (err) {
    walk.problems.add(rel, 'unreadable', `cannot open: ${(err as Error).message}`)
    return
  }
  try {
    const size = fstatSync(fd).size
    const want = Math.min(size, TEXT_SNIFF_BYTES)
    const got = want > 0 ? readSync(fd, walk.sniff, 0, want, 0) : 0
    // Shared between files: the ELF reader is done with it before the next file is opened.
    const sniff = walk.sniff.subarray(0, got)
    walk.report.filesScanned++
    if (hasElfMagic(sniff)) {
      walk.report.elfFiles++
      scanElf(walk, fd, size, abs, rel, sniff)
    } else if (sniff.includes(0)) {
      walk.report.binaryFiles++
    } else {
      walk.report.textFiles++
      // The records the artifact phase writes about the tree (its manifest quotes this very audit) are not scanned.
      if (walk.prefixes.length > 0 && !RECORDS.has(rel)) {
        for (const hit of scanForPrefixes(fd, size, walk.prefixes, true)) {
          walk.problems.add(
            rel,
            'build-prefix-in-text',
            `names build prefix ${hit.prefix} (${hit.count}×, first on line ${hit.line}: "${hit.excerpt}")`
          )
        }
      }
    }
  } catch (err) {
    walk.problems.add(rel, 'unreadable', `cannot read: ${(err as Error).message}`)
  } finally {
    closeSync(fd)
  }
}

function scanElf(walk: Walk, fd: number, size: number, abs: string, rel: string, sniff: Buffer): void {
  let info: ElfInfo | undefined
  try {
    const read = readElfFd(fd, size, rel, sniff)
    if (read.kind === 'elf') info = read
  } catch (err) {
    if (!(err instanceof ElfFormatError)) throw err
    walk.problems.add(rel, 'elf-corrupt', err.reason)
  }
  if (info) {
    const searchDirs = checkSearchPath(walk, abs, rel, info)
    walk.elfs.push({ rel, info, searchDirs })
  }
  if (walk.prefixes.length > 0) checkBuildPaths(walk, fd, size, rel, info)
}

/**
 * Classifies every build-prefix occurrence of an ELF file: a hazard when it sits in program data and names something
 * the tree holds (unless resolved at run time), a warning when the loader maps it but it names nothing in the tree
 * (or can't be placed), a warning of its own when the loader never maps it.
 */
function checkBuildPaths(walk: Walk, fd: number, size: number, rel: string, info: ElfInfo | undefined): void {
  for (const hit of scanForPrefixes(fd, size, walk.prefixes, false)) {
    let unmapped = 0
    let loadedElsewhere = 0
    let example = hit.excerpt
    for (const offset of hit.offsets) {
      if (info && !inRanges(info.loaded, offset)) {
        unmapped++
        continue
      }
      const built = pathAt(fd, offset, size)
      const inTree = info && inRanges(info.programData, offset) ? treePathOf(built, walk.prefixText) : undefined
      if (inTree !== undefined && treeHolds(walk.root, inTree)) {
        if (!walk.resolved.has(inTree)) {
          walk.problems.add(
            rel,
            'compiled-path-into-tree',
            `program data names ${built}, which is ${inTree || 'the tree itself'} in this tree: moved, the program ` +
              `still uses the build machine's path (the recipe does not resolve ${inTree || '.'} at run time)`
          )
        }
        continue
      }
      if (loadedElsewhere === 0) example = built
      loadedElsewhere++
    }
    if (unmapped > 0) {
      walk.problems.add(
        rel,
        'build-prefix-not-loaded',
        `names build prefix ${hit.prefix} ${unmapped}× in bytes the loader never maps (debug information, symbols)`
      )
    }
    if (loadedElsewhere > 0) {
      walk.problems.add(
        rel,
        'build-prefix-in-elf',
        `contains build prefix ${hit.prefix} (${loadedElsewhere}×, e.g. "${example}")`
      )
    }
  }
}
