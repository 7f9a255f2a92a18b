/**
 * Text files of a staged prefix that name the build: rewritten where a location-independent form exists (pkg-config
 * files, script interpreters), reported where none does (libtool archives, other text, binary files).
 */
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { BuildPaths } from './build-paths.js'

export type TextKind = 'pkgconfig' | 'libtool' | 'script' | 'text' | 'binary'

export interface TextRewrite {
  readonly file: string
  readonly kind: TextKind
  /** What changed: `prefix` (pkg-config paths), `shebang`, `sbang`. */
  readonly changes: readonly string[]
  /** Number of build paths replaced. */
  readonly count: number
}

export interface Remaining {
  readonly file: string
  readonly kind: TextKind | 'runpath'
  readonly detail: string
}

function textKind(rel: string, text: string): TextKind {
  if (rel.endsWith('.pc') && path.posix.basename(path.posix.dirname(rel)) === 'pkgconfig') return 'pkgconfig'
  if (rel.endsWith('.la')) return 'libtool'
  if (text.startsWith('#!')) return 'script'
  return 'text'
}

/** A text file's new content and what changed in it. */
interface Rewrite {
  readonly next: string
  readonly changes: string[]
  readonly count: number
}

/** pkg-config paths into the build become paths relative to the file (`${pcfiledir}`), or to `${prefix}`. */
function rewritePkgConfig(rel: string, text: string, build: BuildPaths): Rewrite {
  const root = path.posix.relative(path.posix.dirname(rel), '.') || ''
  const pcRoot = root ? `\${pcfiledir}/${root}` : '${pcfiledir}'
  const hasPrefixVar = /^prefix=/m.test(text)
  let count = 0
  const next = text
    .split('\n')
    .map(line => {
      const own = line.startsWith('prefix=') || !hasPrefixVar
      return line.replace(build.matcher(), match => {
        const sub = build.staged(match)
        if (sub === null) return match
        count++
        const base = own ? pcRoot : '${prefix}'
        return sub ? `${base}/${sub}` : base
      })
    })
    .join('\n')
  return { next, changes: count > 0 ? ['prefix'] : [], count }
}

/** A script's Spack `sbang` line is dropped and an interpreter in the build found on PATH instead. */
function rewriteScript(text: string, build: BuildPaths): Rewrite {
  const lines = text.split('\n')
  const changes: string[] = []
  if (/^#!\s*\/bin\/(ba)?sh\s+\S*\/sbang\s*$/.test(lines[0] as string) && (lines[1] ?? '').startsWith('#!')) {
    lines.shift()
    changes.push('sbang')
  }
  const shebang = /^#!\s*(\S+)(?:\s+(.*))?$/.exec(lines[0] as string)
  if (shebang && build.contains(path.resolve(shebang[1] as string))) {
    const program = path.posix.basename(shebang[1] as string)
    const rest = (shebang[2] ?? '').trim()
    lines[0] = rest ? `#!/usr/bin/env -S ${program} ${rest}` : `#!/usr/bin/env ${program}`
    changes.push('shebang')
  }
  return { next: lines.join('\n'), changes, count: changes.length }
}

/** Rewrites one text file that names the build where it can, and reports what it leaves. */
export async function relocateText(
  prefix: string,
  rel: string,
  data: Buffer,
  build: BuildPaths,
  rewritten: TextRewrite[],
  remaining: Remaining[]
): Promise<void> {
  const probe = data.toString('latin1')
  if (!build.matcher().test(probe)) return
  if (data.includes(0)) {
    remaining.push({
      file: rel,
      kind: 'binary',
      detail: `names ${firstMatch(probe, build)} (binary file, not rewritten)`
    })
    return
  }
  const text = data.toString('utf8')
  const kind = textKind(rel, text)
  const { next, changes, count } =
    kind === 'pkgconfig'
      ? rewritePkgConfig(rel, text, build)
      : kind === 'script'
        ? rewriteScript(text, build)
        : { next: text, changes: [], count: 0 }
  if (next !== text) {
    await writeFile(path.join(prefix, rel), next)
    rewritten.push({ file: rel, kind, changes, count })
  }
  const left = next.match(build.matcher())
  if (left) {
    const unique = [...new Set(left)]
    const shown = unique.slice(0, 3).join(', ')
    const more = unique.length > 3 ? ` and ${unique.length - 3} more` : ''
    const why = kind === 'libtool' ? 'libtool archives have no relocatable form' : 'no relocatable form; left as is'
    remaining.push({ file: rel, kind, detail: `names ${shown}${more} (${why})` })
  }
}

function firstMatch(text: string, build: BuildPaths): string {
  return (text.match(build.matcher()) ?? [''])[0] as string
}
