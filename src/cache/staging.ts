/**
 * Cache entries restored into staging directories and moved into place only once whole. The toolkit unpacks an entry
 * where its paths say; a restore that is given up on (its time ran out) may go on unpacking in the background, so an
 * entry restored straight into the directories the build uses could change them under a running `spack install`. A
 * staged entry's paths are directories of its own (`stored`), which nothing but the cache reads or writes; a complete
 * restore is then moved to where the job uses it (`live`), and a save moves the live directory there first (and back
 * after). With `files`, only the matching files of a live directory belong to the entry (a directory Spack shares
 * among several repositories' indexes): they are copied there and moved back file by file.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs'
import path from 'node:path'

export interface StagedDir {
  /** Where the entry is restored to and saved from: the cache entry's path. */
  readonly stored: string
  /** Where the job uses it. */
  readonly live: string
  /** Only the files of `live` whose names match this regular expression (its source: states are JSON) belong to it. */
  readonly files?: string
}

/** Moves a directory, or copies it when the two are on different file systems. */
function move(from: string, to: string): void {
  mkdirSync(path.dirname(to), { recursive: true })
  try {
    renameSync(from, to)
  } catch {
    cpSync(from, to, { recursive: true, preserveTimestamps: true })
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
    if (!existsSync(dir.stored)) continue
    if (dir.files) {
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
    if (!existsSync(dir.live)) continue
    if (dir.files) {
      mkdirSync(dir.stored, { recursive: true })
      for (const name of matching(dir.live, dir.files))
        cpSync(path.join(dir.live, name), path.join(dir.stored, name), { preserveTimestamps: true })
    } else move(dir.live, dir.stored)
  }
  return {
    restore: () => {
      for (const dir of dirs) {
        if (dir.files) rmSync(dir.stored, { recursive: true, force: true })
        else if (existsSync(dir.stored)) move(dir.stored, dir.live)
      }
    }
  }
}
