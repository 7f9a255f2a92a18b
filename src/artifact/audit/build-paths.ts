/**
 * Build paths left in the files of a tree: where each occurrence of a build prefix sits, and what it means once the
 * tree is moved.
 *
 * In an ELF file, an occurrence in the bytes the loader never maps (debug information, symbol tables) can't be used
 * by the running program. One in its program data (.rodata, .data) can: when that path, with the build prefix and
 * the Spack install prefix (`<name>-<version>-<hash>`) taken off, names something the tree itself holds (a program,
 * a plugin directory, a configuration file's directory), the moved tree would still reach for the build machine's
 * copy. That is a relocation hazard, unless the recipe resolves that very path at run time from the loaded tree.
 * Other build paths in program data (a source file name, a configure line) are reported as such.
 */
import { lstatSync, readSync } from 'node:fs'
import path from 'node:path'

const SCAN_CHUNK = 4 << 20
const EXCERPT_MAX = 160
const TOKEN_MAX = 4096
/** Occurrences kept per file and prefix: enough to classify, bounded for pathological files. */
const MAX_OFFSETS = 10_000
const SPACK_PREFIX_DIR = /^.+-[a-z0-9]{32}$/

export interface PrefixHit {
  readonly prefix: string
  readonly count: number
  /** File offsets of the occurrences (at most MAX_OFFSETS). */
  readonly offsets: readonly number[]
  /** 1-based line of the first occurrence (text files). */
  readonly line?: number
  readonly excerpt: string
}

function countNewlines(buf: Buffer, end: number): number {
  let n = 0
  let i = buf.indexOf(10, 0)
  while (i >= 0 && i < end) {
    n++
    i = buf.indexOf(10, i + 1)
  }
  return n
}

/** The text around a hit: its line (text) or the NUL-delimited printable string holding it (binary). */
function excerptAt(buf: Buffer, at: number, len: number, text: boolean): string {
  const stop = (b: number | undefined): boolean =>
    b === undefined || (text ? b === 10 || b === 13 : b === 0 || b < 0x20 || b > 0x7e)
  let s = at
  while (s > 0 && at - s < EXCERPT_MAX && !stop(buf[s - 1])) s--
  let e = at + len
  while (e < buf.length && e - s < EXCERPT_MAX * 2 && !stop(buf[e])) e++
  let out = buf
    .subarray(s, e)
    .toString(text ? 'utf8' : 'latin1')
    .trim()
  if (out.length > EXCERPT_MAX) out = `${out.slice(0, EXCERPT_MAX - 1)}…`
  return out
}

/** Every occurrence of each prefix in a file, read in chunks; the first hit's line (text) and excerpt. */
export function scanForPrefixes(fd: number, size: number, prefixes: readonly Buffer[], text: boolean): PrefixHit[] {
  const maxLen = Math.max(...prefixes.map(p => p.length))
  const state = prefixes.map(p => ({ p, next: 0, offsets: [] as number[], count: 0, line: 0, excerpt: '' }))
  let carry = Buffer.alloc(0)
  let newlinesBefore = 0
  const chunk = Buffer.allocUnsafe(Math.min(SCAN_CHUNK, Math.max(size, 1)))
  for (let pos = 0; pos < size;) {
    const n = readSync(fd, chunk, 0, Math.min(chunk.length, size - pos), pos)
    if (n === 0) break
    const buf = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n)
    const bufStart = pos - carry.length
    for (const st of state) {
      const L = st.p.length
      let i = buf.indexOf(st.p, Math.max(0, st.next - bufStart))
      while (i >= 0) {
        if (st.count === 0) {
          st.excerpt = excerptAt(buf, i, L, text)
          if (text) st.line = newlinesBefore + countNewlines(buf, i) + 1
        }
        st.count++
        if (st.offsets.length < MAX_OFFSETS) st.offsets.push(bufStart + i)
        st.next = bufStart + i + L
        i = buf.indexOf(st.p, i + L)
      }
      st.next = Math.max(st.next, bufStart + buf.length - L + 1)
    }
    const keep = Math.min(maxLen - 1, buf.length)
    if (text) newlinesBefore += countNewlines(buf, buf.length - keep)
    carry = Buffer.from(buf.subarray(buf.length - keep))
    pos += n
  }
  return state
    .filter(st => st.count > 0)
    .map(st => ({
      prefix: st.p.toString('utf8'),
      count: st.count,
      offsets: st.offsets,
      ...(text ? { line: st.line } : {}),
      excerpt: st.excerpt
    }))
}

/** The path starting at `offset`: up to a NUL, whitespace, quote or list separator. */
export function pathAt(fd: number, offset: number, size: number): string {
  const buf = Buffer.alloc(Math.min(TOKEN_MAX, Math.max(0, size - offset)))
  const n = readSync(fd, buf, 0, buf.length, offset)
  let end = 0
  while (end < n) {
    const b = buf[end] as number
    if (b === 0 || b < 0x21 || b > 0x7e || b === 0x3a || b === 0x3b || b === 0x2c || b === 0x22 || b === 0x27) break
    end++
  }
  return buf.subarray(0, end).toString('latin1')
}

/**
 * Where `built` (a path starting with one of `prefixes`) lies in the tree: the rest after the prefix and, for a
 * path into a Spack install tree, after the package's install prefix (`<name>-<version>-<hash>`). '' is the tree's
 * root. Undefined when `built` starts with none of the prefixes.
 */
export function treePathOf(built: string, prefixes: readonly string[]): string | undefined {
  const prefix = prefixes
    .filter(p => built === p || built.startsWith(p.endsWith('/') ? p : `${p}/`))
    .sort((a, b) => b.length - a.length)[0]
  if (prefix === undefined) return undefined
  const parts = built.slice(prefix.length).split('/').filter(Boolean)
  const installPrefix = parts.findIndex(part => SPACK_PREFIX_DIR.test(part))
  return parts.slice(installPrefix + 1).join('/')
}

/**
 * Whether the tree at `root` holds what `rel` names: the root itself, the file or directory, or (for a file the
 * tree's users put there, such as etc/slurm.conf) the directory it would be in, when that is not the root.
 */
export function treeHolds(root: string, rel: string): boolean {
  if (rel === '') return true
  const exists = (p: string): boolean => lstatSync(path.join(root, p), { throwIfNoEntry: false }) !== undefined
  if (exists(rel)) return true
  const parent = path.posix.dirname(rel)
  return parent !== '.' && exists(parent)
}

/** Whether `offset` lies in one of the sorted, disjoint ranges. */
export function inRanges(ranges: ReadonlyArray<readonly [number, number]>, offset: number): boolean {
  let lo = 0
  let hi = ranges.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const [start, end] = ranges[mid] as readonly [number, number]
    if (offset < start) hi = mid - 1
    else if (offset >= end) lo = mid + 1
    else return true
  }
  return false
}
