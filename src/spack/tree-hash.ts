/**
 * A directory checked against a git commit without git: its files hashed as git hashes them (blobs, trees, file
 * modes) and the root compared with the tree the commit names. The commit object is kept beside the copy when it is
 * cloned; only the commit id it must hash to comes from the action's pins, so nothing on the runner can vouch for a
 * copy it changed: a file edited, added or removed anywhere changes the root.
 *
 * Git's object ids: a blob is sha1("blob <size>\0<bytes>"); a tree sha1("tree <size>\0" + for each entry, sorted by
 * name with a directory's name compared as if it ended in "/": "<mode> <name>\0<20-byte id>"), where the mode is
 * 100644, 100755 (owner may execute), 120000 (symbolic link, whose blob is the link's target) or 40000 (tree); empty
 * directories are not in a tree. A commit is sha1("commit <size>\0<text>"), its text starting "tree <id>".
 */
import { createHash } from 'node:crypto'
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs'
import path from 'node:path'

function objectId(kind: 'blob' | 'tree' | 'commit', body: Buffer): string {
  return createHash('sha1').update(`${kind} ${body.length}\0`).update(body).digest('hex')
}

/** The tree a commit object names, when the object is that commit (it hashes to `commit`); otherwise undefined. */
export function treeOfCommit(commit: string, object: string): string | undefined {
  if (objectId('commit', Buffer.from(object, 'utf8')) !== commit) return undefined
  return /^tree ([0-9a-f]{40})\n/.exec(object)?.[1]
}

interface Entry {
  readonly name: string
  readonly mode: string
  readonly id: string
}

/** Git's order of a tree's entries: by name, a directory's as if it ended in "/". */
function gitOrder(a: Entry, b: Entry): number {
  const key = (entry: Entry): Buffer => Buffer.from(entry.mode === '40000' ? `${entry.name}/` : entry.name)
  return Buffer.compare(key(a), key(b))
}

export interface TreeHashOptions {
  /** Paths relative to the root (POSIX separators) left out, as if they were not there. */
  readonly ignore?: (relative: string, isDirectory: boolean) => boolean
}

/**
 * The git tree id of `dir` and of every directory below it (relative path -> id, `''` for the root). A directory
 * that holds nothing git would record has no id, as git records no empty tree.
 */
export function treeIds(dir: string, options: TreeHashOptions = {}): Map<string, string> {
  const ids = new Map<string, string>()
  const walk = (relative: string): string | undefined => {
    const entries: Entry[] = []
    for (const name of readdirSync(path.join(dir, relative))) {
      const child = relative ? `${relative}/${name}` : name
      const full = path.join(dir, child)
      const stat = lstatSync(full)
      if (options.ignore?.(child, stat.isDirectory())) continue
      if (stat.isDirectory()) {
        const id = walk(child)
        if (id) entries.push({ name, mode: '40000', id })
      } else if (stat.isSymbolicLink()) {
        entries.push({ name, mode: '120000', id: objectId('blob', Buffer.from(readlinkSync(full))) })
      } else if (stat.isFile()) {
        const mode = stat.mode & 0o100 ? '100755' : '100644'
        entries.push({ name, mode, id: objectId('blob', readFileSync(full)) })
      }
    }
    if (entries.length === 0) return undefined
    const body = Buffer.concat(
      entries
        .sort(gitOrder)
        .flatMap(entry => [Buffer.from(`${entry.mode} ${entry.name}\0`), Buffer.from(entry.id, 'hex')])
    )
    const id = objectId('tree', body)
    ids.set(relative, id)
    return id
  }
  walk('')
  return ids
}

/** A copy's listing as recorded when it was cloned (`git ls-tree -r -t`): path -> object id, trees included. */
export type TreeListing = ReadonlyMap<string, string>

/** `git ls-tree -r -t --full-tree HEAD` output as a listing. */
export function parseListing(text: string): Map<string, string> {
  const listing = new Map<string, string>()
  for (const line of text.split('\n')) {
    const match = /^\d+ (?:blob|tree|commit) ([0-9a-f]{40})\t(.+)$/.exec(line)
    if (match) listing.set(match[2] as string, match[1] as string)
  }
  return listing
}

/**
 * What differs between the directory (its tree ids, and the ids of its files) and the listing recorded at the clone:
 * the shallowest paths that changed, were added or were removed, for a message. Empty when they agree.
 */
export function differences(dir: string, listing: TreeListing, options: TreeHashOptions = {}, limit = 5): string[] {
  const found: string[] = []
  const walk = (relative: string): void => {
    const names = new Set(readdirSync(path.join(dir, relative)))
    const prefix = relative ? `${relative}/` : ''
    for (const [recorded] of listing)
      if (recorded.startsWith(prefix) && !recorded.slice(prefix.length).includes('/'))
        names.add(recorded.slice(prefix.length))
    for (const name of [...names].sort()) {
      if (found.length >= limit) return
      const child = `${prefix}${name}`
      const full = path.join(dir, child)
      let stat
      try {
        stat = lstatSync(full)
      } catch {
        found.push(`${child} removed`)
        continue
      }
      if (options.ignore?.(child, stat.isDirectory())) continue
      const expected = listing.get(child)
      const ignore = (inner: string, isDir: boolean): boolean => options.ignore?.(`${child}/${inner}`, isDir) ?? false
      if (expected === undefined) {
        // A directory holding nothing git would record (only what is ignored) is not there for git either.
        if (!stat.isDirectory() || treeIds(full, { ignore }).has('')) found.push(`${child} added`)
        continue
      }
      if (stat.isDirectory()) {
        if (treeIds(full, { ignore }).get('') === expected) continue
        const before = found.length
        walk(child)
        if (found.length === before) found.push(`${child}/ changed (a file's mode)`)
      } else {
        const data = stat.isSymbolicLink() ? Buffer.from(readlinkSync(full)) : readFileSync(full)
        if (objectId('blob', data) !== expected) found.push(`${child} changed`)
      }
    }
  }
  walk('')
  return found
}
