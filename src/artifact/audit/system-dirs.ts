/**
 * What a moved tree may rely on outside itself: the system's library directories (the standard ones and those
 * ld.so.conf names) and the standard program interpreters.
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'

export const DEFAULT_STANDARD_LIB_DIRS: readonly string[] = [
  '/lib',
  '/lib64',
  '/usr/lib',
  '/usr/lib64',
  '/lib/x86_64-linux-gnu',
  '/usr/lib/x86_64-linux-gnu',
  '/lib/aarch64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu'
]

export const DEFAULT_INTERPRETERS: readonly string[] = [
  '/lib64/ld-linux-x86-64.so.2',
  '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2',
  '/usr/lib64/ld-linux-x86-64.so.2',
  '/lib/ld-linux-aarch64.so.1',
  '/lib64/ld-linux-aarch64.so.1',
  '/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1',
  '/usr/lib/ld-linux-aarch64.so.1',
  '/lib/ld-linux.so.2',
  '/lib64/ld64.so.2',
  '/lib64/ld64.so.1',
  '/lib/ld-linux-armhf.so.3'
]

/** Whether `p` is `root` or below it (both normalized absolute paths). */
export function isUnder(p: string, root: string): boolean {
  return p === root || p.startsWith(root === '/' ? '/' : `${root}/`)
}

/** A normalized absolute directory without a trailing slash (but `/` itself). */
export function normalizeDir(p: string): string {
  const n = path.posix.normalize(p)
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n
}

function globToRegExp(component: string): RegExp {
  let re = ''
  for (let i = 0; i < component.length; i++) {
    const c = component[i] as string
    if (c === '*') re += '[^/]*'
    else if (c === '?') re += '[^/]'
    else if (c === '[') {
      const close = component.indexOf(']', i + 1)
      if (close < 0) re += '\\['
      else {
        const body = component
          .slice(i + 1, close)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')
        re += `[${body}]`
        i = close
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&')
  }
  return new RegExp(`^${re}$`)
}

/** Expands a glob pattern (*, ?, [...] in any component) against the file system; results sorted. */
function expandGlob(pattern: string): string[] {
  const parts = pattern.split('/').filter((p, i) => p !== '' || i === 0)
  let found = [parts[0] === '' ? '/' : (parts[0] as string)]
  for (const part of parts.slice(1)) {
    const next: string[] = []
    for (const dir of found) {
      if (!/[*?[]/.test(part)) {
        next.push(path.join(dir, part))
        continue
      }
      let names: string[]
      try {
        names = readdirSync(dir)
      } catch {
        continue
      }
      const re = globToRegExp(part)
      for (const n of names.sort()) if (re.test(n) && !n.startsWith('.')) next.push(path.join(dir, n))
    }
    found = next
  }
  return found
}

/**
 * The library directories named by an ld.so.conf file and the files it includes (globs allowed, relative
 * patterns taken from the including file's directory). A missing file yields no directories.
 */
export function readLdSoConf(file = '/etc/ld.so.conf'): string[] {
  const dirs: string[] = []
  const seen = new Set<string>()
  const visit = (conf: string): void => {
    if (seen.has(conf)) return
    seen.add(conf)
    let text: string
    try {
      text = readFileSync(conf, 'utf8')
    } catch {
      return
    }
    for (const raw of text.split('\n')) {
      const line = raw.replace(/#.*/, '').trim()
      if (line === '') continue
      const include = /^include\s+(.+)$/.exec(line)
      if (include) {
        for (const pat of (include[1] as string).split(/\s+/)) {
          const abs = path.isAbsolute(pat) ? pat : path.join(path.dirname(conf), pat)
          for (const f of expandGlob(abs)) visit(f)
        }
        continue
      }
      if (/^hwcap\s/.test(line)) continue
      for (const d of line.split(/[\s,:]+/)) {
        // Old syntax allowed "dir=type".
        const dir = d.replace(/=.*$/, '')
        if (dir.startsWith('/')) dirs.push(path.normalize(dir).replace(/(.)\/$/, '$1'))
      }
    }
  }
  visit(file)
  return [...new Set(dirs)]
}
