/**
 * Staged cache entries: what a save puts where the entry is stored and how the job's directories come back after it,
 * and what a restore moves into place. Real directories, files and links in a temporary directory.
 */
import { afterEach, describe, expect, test } from '@jest/globals'
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { clearStaged, placeRestored, stageForSave, type StagedDir } from '../../src/cache/staging.js'

const roots: string[] = []
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true })
})

/** A job's directories: a whole directory, a shared one of which some files belong to the entry, a view and its link. */
function job(): { root: string; dirs: StagedDir[] } {
  const root = mkdtempSync(path.join(tmpdir(), 'staging-'))
  roots.push(root)
  const live = (name: string) => path.join(root, 'live', name)
  const stored = (name: string) => path.join(root, 'transfer', name)
  mkdirSync(path.join(live('tree'), 'pkg'), { recursive: true })
  writeFileSync(path.join(live('tree'), 'pkg', 'file'), 'tree\n')
  mkdirSync(live('shared'), { recursive: true })
  writeFileSync(path.join(live('shared'), 'builtin-index.json'), '{}')
  writeFileSync(path.join(live('shared'), 'other-index.json'), '{}')
  mkdirSync(path.join(live('._view'), 'abc', 'bin'), { recursive: true })
  symlinkSync(path.join(live('._view'), 'abc'), live('view'))
  return {
    root,
    dirs: [
      { stored: stored('tree'), live: live('tree') },
      { stored: stored('shared'), live: live('shared'), files: '^builtin-' },
      { stored: stored('view-store'), live: live('._view') },
      { stored: stored('view-link'), live: live('view'), link: true }
    ]
  }
}

describe('staged cache entries', () => {
  test('a save stores whole directories, the matching files and the link target, then puts everything back', () => {
    const { dirs } = job()
    const [tree, shared, store, view] = dirs as [StagedDir, StagedDir, StagedDir, StagedDir]
    const staged = stageForSave(dirs)
    expect(existsSync(tree.live)).toBe(false)
    expect(readFileSync(path.join(tree.stored, 'pkg', 'file'), 'utf8')).toBe('tree\n')
    expect(existsSync(path.join(shared.stored, 'builtin-index.json'))).toBe(true)
    expect(existsSync(path.join(shared.stored, 'other-index.json'))).toBe(false)
    expect(existsSync(path.join(shared.live, 'other-index.json'))).toBe(true)
    // The link is stored as its target: a plain file, which the toolkit archives whatever the target's state.
    expect(lstatSync(view.stored).isFile()).toBe(true)
    expect(readFileSync(view.stored, 'utf8')).toBe(path.join(store.live, 'abc'))
    staged.restore()
    expect(readFileSync(path.join(tree.live, 'pkg', 'file'), 'utf8')).toBe('tree\n')
    expect(existsSync(path.join(view.live, 'bin'))).toBe(true)
    for (const dir of dirs) expect(existsSync(dir.stored)).toBe(false)
  })

  test('a restore replaces whole directories, adds the matching files, and makes the link again', () => {
    const { dirs } = job()
    const [tree, shared, store, view] = dirs as [StagedDir, StagedDir, StagedDir, StagedDir]
    writeFileSync(path.join(tree.live, 'stale'), 'stale')
    rmSync(view.live)
    unpackedRestore(dirs)
    placeRestored(dirs)
    expect(existsSync(path.join(tree.live, 'stale'))).toBe(false)
    expect(readFileSync(path.join(tree.live, 'marker'), 'utf8')).toBe('restored')
    expect(existsSync(path.join(shared.live, 'other-index.json'))).toBe(true)
    expect(readFileSync(path.join(shared.live, 'builtin-index.json'), 'utf8')).toBe('{"restored":true}')
    expect(readlinkSync(view.live)).toBe(path.join(store.live, 'abc'))
    expect(existsSync(path.join(view.live, 'bin'))).toBe(true)
    for (const dir of dirs) expect(existsSync(dir.stored)).toBe(false)
  })

  test('clearing the staged directories before a restore leaves the live ones alone', () => {
    const { dirs } = job()
    mkdirSync((dirs[0] as StagedDir).stored, { recursive: true })
    clearStaged(dirs)
    expect(existsSync((dirs[0] as StagedDir).stored)).toBe(false)
    expect(existsSync((dirs[0] as StagedDir).live)).toBe(true)
    placeRestored(dirs) // nothing stored: nothing moves
    expect(readlinkSync((dirs[3] as StagedDir).live)).toBe(path.join((dirs[2] as StagedDir).live, 'abc'))
  })
})

/** Puts a restore's worth of content where the entry is stored, as the toolkit would unpack it. */
function unpackedRestore(dirs: readonly StagedDir[]): void {
  const [tree, shared, store, view] = dirs as [StagedDir, StagedDir, StagedDir, StagedDir]
  mkdirSync(tree.stored, { recursive: true })
  writeFileSync(path.join(tree.stored, 'marker'), 'restored')
  mkdirSync(shared.stored, { recursive: true })
  writeFileSync(path.join(shared.stored, 'builtin-index.json'), '{"restored":true}')
  mkdirSync(path.join(store.stored, 'abc', 'bin'), { recursive: true })
  writeFileSync(view.stored, path.join(store.live, 'abc'))
}
