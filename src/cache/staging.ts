/**
 * Cache entries restored into staging directories and moved into place only once whole. The toolkit unpacks an entry
 * where its paths say; a restore that is given up on (its time ran out) may go on unpacking in the background, so an
 * entry restored straight into the directories the build uses could change them under a running `spack install`. A
 * staged entry's paths are directories of its own (`stored`), which nothing but the cache reads or writes; a complete
 * restore is then moved to where the job uses it (`live`), and a save moves the live directory there first (and back
 * after). With `files`, only the matching files of a live directory belong to the entry (a directory Spack shares
 * among several repositories' indexes): they are copied there and moved back file by file. A `link` is kept as its
 * target and made again.
 */
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync
} from 'node:fs'
import path from 'node:path'

export interface StagedDir {
  /** Where the entry is restored to and saved from: the cache entry's path. */
  readonly stored: string
  /** Where the job uses it. */
  readonly live: string
  /** Only the files of `live` whose names match this regular expression (its source: states are JSON) belong to it. */
  readonly files?: string
  /**
   * `live` is a symbolic link (a Spack view): the entry keeps its target, as a text file, and the link is made again
   * when restored. (The toolkit drops a link whose target is not there, as a staged link's target never is.)
   */
  readonly link?: boolean
}

/** Whether `file` is there, a link counted as itself (its target may have moved, or not be back yet). */
function present(file: string): boolean {
  try {
    lstatSync(file)
    return true
  } catch {
    return false
  }
}

/** Moves a directory (or a link), or copies it when the two are on different file systems. */
function move(from: string, to: string): void {
  mkdirSync(path.dirname(to), { recursive: true })
  try {
    renameSync(from, to)
  } catch {
    cpSync(from, to, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true })
    rmSync(from, { recursive: true, force: true })
  }
}

function matching(dir: string, files: string): string[] {
  const pattern = new RegExp(files)
  return existsSync(dir) ? readdirSync(dir).filter(name => pattern.test(name)) : []
}

/** Empties the staging directories before a restore: what is there after it came from the cache. */
export function clearStaged(dirs: readonly StagedDir[]): void {
  for (const dir of dirs) rmSync(dir.stored, { recursive: true, force: true })
}

/** Moves a complete restore into place: a whole directory replaces the live one; matching files join it. */
export function placeRestored(dirs: readonly StagedDir[]): void {
  for (const dir of dirs) {
    if (!present(dir.stored)) continue
    if (dir.link) {
      const target = readFileSync(dir.stored, 'utf8')
      rmSync(dir.live, { recursive: true, force: true })
      mkdirSync(path.dirname(dir.live), { recursive: true })
      symlinkSync(target, dir.live)
      rmSync(dir.stored, { force: true })
    } else if (dir.files) {
      mkdirSync(dir.live, { recursive: true })
      for (const name of matching(dir.stored, dir.files)) move(path.join(dir.stored, name), path.join(dir.live, name))
      rmSync(dir.stored, { recursive: true, force: true })
    } else {
      rmSync(dir.live, { recursive: true, force: true })
      move(dir.stored, dir.live)
    }
  }
}

/** Puts what the job made where the entry is saved from; `restore` undoes it once the save is over. */
export function stageForSave(dirs: readonly StagedDir[]): { restore: () => void } {
  clearStaged(dirs)
  for (const dir of dirs) {
    if (!present(dir.live)) continue
    if (dir.link) {
      mkdirSync(path.dirname(dir.stored), { recursive: true })
      writeFileSync(dir.stored, readlinkSync(dir.live))
    } else if (dir.files) {
      mkdirSync(dir.stored, { recursive: true })
      for (const name of matching(dir.live, dir.files))
        cpSync(path.join(dir.live, name), path.join(dir.stored, name), { preserveTimestamps: true })
    } else move(dir.live, dir.stored)
  }
  return {
    restore: () => {
      for (const dir of dirs) {
        if (dir.files || dir.link) rmSync(dir.stored, { recursive: true, force: true })
        else if (present(dir.stored)) move(dir.stored, dir.live)
      }
    }
  }
}
