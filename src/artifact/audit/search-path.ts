/**
 * An ELF file's program interpreter and RPATH/RUNPATH entries, judged for a tree that will be moved: entries must
 * stay inside the tree through $ORIGIN, or name the system's library directories.
 */
import path from 'node:path'
import type { ElfInfo } from '../elf.js'
import { splitSearchPath } from '../elf.js'
import type { ProblemList } from './report.js'
import { normalizeDir } from './system-dirs.js'

export interface SearchPathContext {
  readonly problems: ProblemList
  /** Whether an absolute, normalized path lies in the audited tree. */
  readonly inTree: (p: string) => boolean
  readonly standardDirs: ReadonlySet<string>
  readonly interpreters: ReadonlySet<string>
}

/** An entry with $ORIGIN, $LIB and $PLATFORM expanded the ways the loader may expand them. */
function expandEntry(entry: string, fileDir: string, info: ElfInfo): string[] {
  let variants = [entry.replace(/\$(ORIGIN\b|\{ORIGIN\})/g, () => fileDir)]
  if (/\$(LIB\b|\{LIB\})/.test(entry)) {
    variants = variants.flatMap(v => ['lib', 'lib64'].map(l => v.replace(/\$(LIB\b|\{LIB\})/g, l)))
  }
  return variants.map(v => v.replace(/\$(PLATFORM\b|\{PLATFORM\})/g, info.machineName))
}

/** One RPATH or RUNPATH entry: reports what is wrong with it and returns the in-tree directory it adds, if any. */
function checkEntry(
  context: SearchPathContext,
  rel: string,
  fileDir: string,
  info: ElfInfo,
  tag: 'RPATH' | 'RUNPATH',
  entry: string
): string[] {
  const { problems, inTree, standardDirs } = context
  if (entry === '') {
    problems.add(
      rel,
      'rpath-outside-tree',
      `${tag} has an empty entry, which the loader reads as the working directory`
    )
    return []
  }
  const usesOrigin = /\$(ORIGIN\b|\{ORIGIN\})/.test(entry)
  const dirs: string[] = []
  for (const expanded of expandEntry(entry, fileDir, info)) {
    if (!path.isAbsolute(expanded)) {
      problems.add(rel, 'rpath-outside-tree', `${tag} entry '${entry}' is relative to the working directory`)
      continue
    }
    const dir = normalizeDir(expanded)
    if (inTree(dir)) {
      if (!usesOrigin) {
        problems.add(
          rel,
          'rpath-absolute',
          `${tag} entry '${entry}' is an absolute path into the tree; it breaks when the tree moves (use $ORIGIN)`
        )
      }
      dirs.push(dir)
    } else if (usesOrigin) {
      problems.add(rel, 'rpath-outside-tree', `${tag} entry '${entry}' resolves to ${dir}, outside the tree`)
    } else if ([...standardDirs].some(std => dir.startsWith(`${std}/`))) {
      problems.add(
        rel,
        'rpath-system-subdir',
        `${tag} entry '${entry}' is a directory of the system's libraries (an external package): the machine that runs the tree needs the same package there`
      )
    } else if (!standardDirs.has(dir)) {
      problems.add(rel, 'rpath-outside-tree', `${tag} entry '${entry}' is outside the tree`)
    }
  }
  return dirs
}

/**
 * Checks the interpreter and search path of the ELF file at `abs` (`rel` in the tree). Returns the in-tree
 * directories the loader searches for its DT_NEEDED libraries: RUNPATH's, or RPATH's when there is no RUNPATH.
 */
export function checkSearchPath(context: SearchPathContext, abs: string, rel: string, info: ElfInfo): string[] {
  if (info.interpreter !== null && !context.interpreters.has(info.interpreter)) {
    context.problems.add(
      rel,
      'interpreter-nonstandard',
      `program interpreter '${info.interpreter}' is not a standard system loader`
    )
  }
  const fileDir = path.dirname(abs)
  const searchDirs: string[] = []
  for (const [tag, value] of [
    ['RPATH', info.rpath],
    ['RUNPATH', info.runpath]
  ] as const) {
    for (const entry of splitSearchPath(value)) {
      const dirs = checkEntry(context, rel, fileDir, info, tag, entry)
      // The loader only consults RPATH when there is no RUNPATH.
      if (tag === 'RUNPATH' || info.runpath === null) searchDirs.push(...dirs)
    }
  }
  return searchDirs
}
