/**
 * DT_NEEDED resolution after the walk: every library an ELF file needs must be found on its in-tree search path or
 * in the system's library directories; a miss names where in the tree the library does sit, when it does.
 */
import { readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import type { ElfInfo } from '../elf.js'
import type { ProblemList } from './report.js'
import { normalizeDir } from './system-dirs.js'

export interface ElfRecord {
  readonly rel: string
  readonly info: ElfInfo
  /** In-tree directories from RUNPATH (or RPATH when there is no RUNPATH), $ORIGIN expanded. */
  readonly searchDirs: readonly string[]
}

/** File lookups cached, system directories listed once rather than probed per name (symlinks still resolved). */
class Lookup {
  private readonly files = new Map<string, boolean>()
  private readonly listings = new Map<string, Map<string, boolean> | null>()

  isFile(p: string): boolean {
    let v = this.files.get(p)
    if (v === undefined) {
      v = statSync(p, { throwIfNoEntry: false })?.isFile() ?? false
      this.files.set(p, v)
    }
    return v
  }

  systemHas(dir: string, name: string): boolean {
    let listing = this.listings.get(dir)
    if (listing === undefined) {
      try {
        listing = new Map(
          readdirSync(dir, { withFileTypes: true })
            .filter(e => !e.isDirectory())
            .map(e => [e.name, e.isSymbolicLink()] as [string, boolean])
        )
      } catch {
        listing = null
      }
      this.listings.set(dir, listing)
    }
    const isLink = listing?.get(name)
    if (isLink === undefined) return false
    return isLink ? this.isFile(path.join(dir, name)) : true
  }
}

/** Reports every DT_NEEDED library of `elfs` that the loader would not find once the tree at `root` is moved. */
export function checkNeeded(
  problems: ProblemList,
  elfs: readonly ElfRecord[],
  systemDirs: readonly string[],
  root: string,
  byBasename: ReadonlyMap<string, readonly string[]>
): void {
  const lookup = new Lookup()
  for (const { rel, info, searchDirs } of elfs) {
    for (const name of info.needed) {
      if (name.includes('/')) {
        const ok = path.isAbsolute(name) && systemDirs.includes(normalizeDir(path.dirname(name))) && lookup.isFile(name)
        if (!ok)
          problems.add(
            rel,
            'needed-not-found',
            `DT_NEEDED '${name}' is a path, which does not resolve after relocation`
          )
        continue
      }
      if (searchDirs.some(d => lookup.isFile(path.join(d, name)))) continue
      if (systemDirs.some(d => lookup.systemHas(d, name))) continue
      const where =
        searchDirs.length > 0
          ? `search path ${searchDirs.map(d => path.relative(root, d) || '.').join(':')}`
          : 'no in-tree search path'
      const elsewhere = byBasename.get(name)
      const hint = elsewhere ? `; the tree has ${elsewhere.join(', ')}, which is not on this file's search path` : ''
      problems.add(
        rel,
        'needed-not-found',
        `DT_NEEDED ${name} is found neither in the tree (${where}) nor in the system library directories${hint}`
      )
    }
  }
}
