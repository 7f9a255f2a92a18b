/**
 * Walking a staged tree and hashing its files: streamed SHA-256 (never whole-file reads), byte-order sorting so
 * that every listing is the same on every machine, and the `sha256sum -c` line format.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { lstat, readdir, readlink } from 'node:fs/promises'
import path from 'node:path'

/** One entry of a tree, with a '/'-separated path relative to the tree's root. */
export interface TreeEntry {
  readonly path: string
  readonly type: 'file' | 'symlink' | 'dir'
  readonly size: number
  /** Permission bits (`mode & 0o7777`). */
  readonly mode: number
  /** The link text of a symlink. */
  readonly target?: string
}

export interface HashedFile {
  readonly path: string
  readonly size: number
  readonly mode: number
  readonly sha256: string
}

/** Compares two strings by their UTF-8 bytes (what `LC_ALL=C sort` and GNU tar's `--sort=name` do). */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b))
}

/** The SHA-256 of a file, read as a stream. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** Every entry under `root` (not `root` itself), sorted by path bytes. Symlinks are listed, never followed. */
export async function walkTree(root: string): Promise<TreeEntry[]> {
  const out: TreeEntry[] = []
  const visit = async (rel: string): Promise<void> => {
    const names = await readdir(rel ? path.join(root, rel) : root)
    for (const name of names) {
      const childRel = rel ? `${rel}/${name}` : name
      const full = path.join(root, childRel)
      const info = await lstat(full)
      const mode = info.mode & 0o7777
      if (info.isSymbolicLink()) {
        out.push({ path: childRel, type: 'symlink', size: 0, mode, target: await readlink(full) })
      } else if (info.isDirectory()) {
        out.push({ path: childRel, type: 'dir', size: 0, mode })
        await visit(childRel)
      } else if (info.isFile()) {
        out.push({ path: childRel, type: 'file', size: info.size, mode })
      }
    }
  }
  await visit('')
  return out.sort((a, b) => compareBytes(a.path, b.path))
}

/** Hashes the regular files among `entries` (at most `concurrency` at a time), keeping their order. */
export async function hashEntries(root: string, entries: readonly TreeEntry[], concurrency = 4): Promise<HashedFile[]> {
  const files = entries.filter(entry => entry.type === 'file')
  const out: HashedFile[] = new Array<HashedFile>(files.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const index = next++
      const entry = files[index] as TreeEntry
      out[index] = {
        path: entry.path,
        size: entry.size,
        mode: entry.mode,
        sha256: await sha256File(path.join(root, entry.path))
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker))
  return out
}

/**
 * `sha256sum -c` input: `<hash>  <path>` per line in the given order. A path holding a backslash or a newline is
 * escaped the way GNU sha256sum writes it (a leading backslash on the line).
 */
export function renderSha256Sums(files: readonly { readonly path: string; readonly sha256: string }[]): string {
  return files
    .map(file => {
      if (!/[\\\n\r]/.test(file.path)) return `${file.sha256}  ${file.path}\n`
      const escaped = file.path.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
      return `\\${file.sha256}  ${escaped}\n`
    })
    .join('')
}
