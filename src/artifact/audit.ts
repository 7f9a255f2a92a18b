/**
 * Relocation audit of an unpacked install tree (a Slurm prefix): finds what would break, or leak the build machine's
 * paths, once the tree is moved elsewhere.
 *
 * Every regular file is read once. ELF files are parsed in-process (./elf.ts) and checked for
 *  - RPATH/RUNPATH entries outside the tree (or absolute paths into it, which break when it moves),
 *  - DT_NEEDED libraries found neither through the file's in-tree search path nor in the system library directories,
 *  - a program interpreter that is not a standard system loader,
 *  - build-prefix strings in the file bytes (a separate kind, so callers may treat compiled-in paths as warnings).
 * Text files are scanned for the build prefixes; binary files that are not ELF are skipped (NUL-byte heuristic).
 * Symlinks are not followed; those pointing out of the tree, by absolute path, or nowhere are reported.
 */
import {
  closeSync,
  fstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  realpathSync,
  statSync
} from 'node:fs'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { ElfFormatError, hasElfMagic, readElfFd, splitSearchPath, type ElfInfo } from './elf.js'

export const AUDIT_PROBLEM_KINDS = [
  'rpath-outside-tree',
  'rpath-system-subdir',
  'rpath-absolute',
  'needed-not-found',
  'interpreter-nonstandard',
  'build-prefix-in-text',
  'build-prefix-in-elf',
  'symlink-outside-tree',
  'symlink-absolute',
  'symlink-dangling',
  'elf-corrupt',
  'unreadable'
] as const

export type AuditProblemKind = (typeof AUDIT_PROBLEM_KINDS)[number]
export type AuditSeverity = 'error' | 'warning'

export interface AuditProblem {
  /** Path relative to the audited root, '/'-separated. */
  file: string
  kind: AuditProblemKind
  detail: string
  severity: AuditSeverity
}

export interface AuditOptions {
  /** Strings that must not appear in the tree, e.g. the Spack install tree root and the stage directory. */
  buildPrefixes?: string[]
  /** Directories outside the tree that an RPATH/RUNPATH entry may name. Default `DEFAULT_STANDARD_LIB_DIRS`. */
  standardLibDirs?: string[]
  /** Where a DT_NEEDED library may be found on the system. Default: `standardLibDirs` plus `readLdSoConf(ldSoConf)`. */
  systemLibDirs?: string[]
  /** ld.so.conf to read for the system directories when `systemLibDirs` is not given. Default '/etc/ld.so.conf'. */
  ldSoConf?: string
  /** Accepted PT_INTERP values. Default `DEFAULT_INTERPRETERS`. */
  interpreters?: string[]
  /** Kinds reported with severity 'warning'; they do not make the report fail. Default none. */
  warningKinds?: AuditProblemKind[]
}

export interface AuditReport {
  /** The audited directory, absolute. */
  root: string
  /** Regular files read. */
  filesScanned: number
  elfFiles: number
  textFiles: number
  /** Regular files that are neither ELF nor text (not scanned further). */
  binaryFiles: number
  symlinks: number
  /** Sorted by file, then kind, then detail. */
  problems: AuditProblem[]
  errors: number
  warnings: number
  /** True when no problem has severity 'error'. */
  ok: boolean
  elapsedMs: number
}

/** Files at the top of an artifact that describe the tree rather than belong to what runs. */
export const TREE_RECORDS: ReadonlySet<string> = new Set(['manifest.json', 'SHA256SUMS'])

/**
 * Kinds that are warnings unless a caller asks otherwise: a RUNPATH into a subdirectory of the system's library
 * directories names a system package the tree was built against (an external), not a relocation mistake.
 */
export const DEFAULT_WARNING_KINDS: readonly AuditProblemKind[] = ['rpath-system-subdir']

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

const TEXT_SNIFF_BYTES = 8192
const SCAN_CHUNK = 4 << 20
const EXCERPT_MAX = 160

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

/** Whether `p` is `root` or below it (both normalized absolute paths). */
function isUnder(p: string, root: string): boolean {
  return p === root || p.startsWith(root === '/' ? '/' : `${root}/`)
}

function normalizeDir(p: string): string {
  const n = path.posix.normalize(p)
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n
}

interface PrefixHit {
  prefix: string
  count: number
  /** 1-based line of the first hit (text files). */
  line?: number
  excerpt: string
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

/** The text around a hit: its line (text) or the NUL-delimited printable string holding it (ELF). */
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

/** Counts occurrences of each prefix in a file, reading it in chunks; records the first hit's line and excerpt. */
function scanForPrefixes(fd: number, size: number, prefixes: Buffer[], text: boolean): PrefixHit[] {
  const maxLen = Math.max(...prefixes.map(p => p.length))
  const state = prefixes.map(p => ({ p, next: 0, count: 0, line: undefined as number | undefined, excerpt: '' }))
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
    .map(st => ({ prefix: st.p.toString('utf8'), count: st.count, line: st.line, excerpt: st.excerpt }))
}

interface ElfRecord {
  rel: string
  abs: string
  info: ElfInfo
  /** In-tree directories from RUNPATH (or RPATH when there is no RUNPATH), $ORIGIN expanded. */
  searchDirs: string[]
}

/** Audits the tree at `root`. Rejects when `root` is not a readable directory. */
export async function auditTree(root: string, options: AuditOptions = {}): Promise<AuditReport> {
  const started = performance.now()
  const resolvedRoot = normalizeDir(path.resolve(root))
  const realRoot = normalizeDir(realpathSync(resolvedRoot))
  if (!statSync(realRoot).isDirectory()) throw new Error(`${root}: not a directory`)
  const inTree = (p: string): boolean => isUnder(p, realRoot) || isUnder(p, resolvedRoot)

  const standardDirs = new Set((options.standardLibDirs ?? DEFAULT_STANDARD_LIB_DIRS).map(normalizeDir))
  const systemDirs = [
    ...new Set(
      (options.systemLibDirs ?? [...standardDirs, ...readLdSoConf(options.ldSoConf ?? '/etc/ld.so.conf')]).map(
        normalizeDir
      )
    )
  ]
  const interpreters = new Set(options.interpreters ?? DEFAULT_INTERPRETERS)
  const warningKinds = new Set([...DEFAULT_WARNING_KINDS, ...(options.warningKinds ?? [])])
  const prefixes = [
    ...new Set((options.buildPrefixes ?? []).filter(p => p !== '').map(p => (p.length > 1 ? p.replace(/\/+$/, '') : p)))
  ].map(p => Buffer.from(p, 'utf8'))

  const report: AuditReport = {
    root: resolvedRoot,
    filesScanned: 0,
    elfFiles: 0,
    textFiles: 0,
    binaryFiles: 0,
    symlinks: 0,
    problems: [],
    errors: 0,
    warnings: 0,
    ok: true,
    elapsedMs: 0
  }
  const seenProblems = new Set<string>()
  const problem = (file: string, kind: AuditProblemKind, detail: string): void => {
    const key = `${file}\0${kind}\0${detail}`
    if (seenProblems.has(key)) return
    seenProblems.add(key)
    report.problems.push({ file, kind, detail, severity: warningKinds.has(kind) ? 'warning' : 'error' })
  }

  const elfs: ElfRecord[] = []
  const byBasename = new Map<string, string[]>()

  const checkSymlink = (abs: string, rel: string): void => {
    let target: string
    try {
      target = readlinkSync(abs)
    } catch (err) {
      problem(rel, 'unreadable', `cannot read symlink: ${(err as Error).message}`)
      return
    }
    const resolved = normalizeDir(path.resolve(path.dirname(abs), target))
    if (path.isAbsolute(target)) {
      if (inTree(resolved)) {
        problem(
          rel,
          'symlink-absolute',
          `symlink target '${target}' is an absolute path into the tree; it breaks when the tree moves`
        )
      } else {
        problem(rel, 'symlink-outside-tree', `symlink target '${target}' is outside the tree`)
      }
    } else if (!inTree(resolved)) {
      problem(rel, 'symlink-outside-tree', `symlink target '${target}' resolves to ${resolved}, outside the tree`)
    }
    if (statSync(abs, { throwIfNoEntry: false }) === undefined) {
      problem(rel, 'symlink-dangling', `symlink target '${target}' does not exist`)
    }
  }

  const expandEntry = (entry: string, fileDir: string, info: ElfInfo): string[] => {
    let variants = [entry.replace(/\$(ORIGIN\b|\{ORIGIN\})/g, () => fileDir)]
    if (/\$(LIB\b|\{LIB\})/.test(entry)) {
      variants = variants.flatMap(v => ['lib', 'lib64'].map(l => v.replace(/\$(LIB\b|\{LIB\})/g, l)))
    }
    return variants.map(v => v.replace(/\$(PLATFORM\b|\{PLATFORM\})/g, info.machineName))
  }

  const checkElf = (abs: string, rel: string, info: ElfInfo): void => {
    if (info.interpreter !== null && !interpreters.has(info.interpreter)) {
      problem(
        rel,
        'interpreter-nonstandard',
        `program interpreter '${info.interpreter}' is not a standard system loader`
      )
    }
    const fileDir = path.dirname(abs)
    const searchDirs: string[] = []
    const tags: Array<['RPATH' | 'RUNPATH', string | null]> = [
      ['RPATH', info.rpath],
      ['RUNPATH', info.runpath]
    ]
    for (const [tag, value] of tags) {
      for (const entry of splitSearchPath(value)) {
        if (entry === '') {
          problem(
            rel,
            'rpath-outside-tree',
            `${tag} has an empty entry, which the loader reads as the working directory`
          )
          continue
        }
        const usesOrigin = /\$(ORIGIN\b|\{ORIGIN\})/.test(entry)
        for (const expanded of expandEntry(entry, fileDir, info)) {
          if (!path.isAbsolute(expanded)) {
            problem(rel, 'rpath-outside-tree', `${tag} entry '${entry}' is relative to the working directory`)
            continue
          }
          const dir = normalizeDir(expanded)
          const here = inTree(dir)
          if (here) {
            if (!usesOrigin) {
              problem(
                rel,
                'rpath-absolute',
                `${tag} entry '${entry}' is an absolute path into the tree; it breaks when the tree moves (use $ORIGIN)`
              )
            }
            // The loader only consults RPATH when there is no RUNPATH.
            if (tag === 'RUNPATH' || info.runpath === null) searchDirs.push(dir)
          } else if (usesOrigin) {
            problem(rel, 'rpath-outside-tree', `${tag} entry '${entry}' resolves to ${dir}, outside the tree`)
          } else if ([...standardDirs].some(std => dir.startsWith(`${std}/`))) {
            problem(
              rel,
              'rpath-system-subdir',
              `${tag} entry '${entry}' is a directory of the system's libraries (an external package): the machine that runs the tree needs the same package there`
            )
          } else if (!standardDirs.has(dir)) {
            problem(rel, 'rpath-outside-tree', `${tag} entry '${entry}' is outside the tree`)
          }
        }
      }
    }
    elfs.push({ rel, abs, info, searchDirs })
  }

  const sniffBuffer = Buffer.allocUnsafe(TEXT_SNIFF_BYTES)
  const scanFile = (abs: string, rel: string): void => {
    let fd: number
    try {
      fd = openSync(abs, 'r')
    } catch (err) {
      problem(rel, 'unreadable', `cannot open: ${(err as Error).message}`)
      return
    }
    try {
      const size = fstatSync(fd).size
      const want = Math.min(size, TEXT_SNIFF_BYTES)
      const got = want > 0 ? readSync(fd, sniffBuffer, 0, want, 0) : 0
      // Shared between files: the ELF reader is done with it before the next file is opened.
      const sniff = sniffBuffer.subarray(0, got)
      report.filesScanned++
      if (hasElfMagic(sniff)) {
        report.elfFiles++
        try {
          const info = readElfFd(fd, size, rel, sniff)
          if (info.kind === 'elf') checkElf(abs, rel, info)
        } catch (err) {
          if (!(err instanceof ElfFormatError)) throw err
          problem(rel, 'elf-corrupt', err.reason)
        }
        if (prefixes.length > 0) {
          for (const hit of scanForPrefixes(fd, size, prefixes, false)) {
            problem(
              rel,
              'build-prefix-in-elf',
              `contains build prefix ${hit.prefix} (${hit.count}×, e.g. "${hit.excerpt}")`
            )
          }
        }
      } else if (sniff.includes(0)) {
        report.binaryFiles++
      } else {
        report.textFiles++
        // The records the artifact phase writes about the tree (its manifest quotes this very audit) are not scanned.
        if (prefixes.length > 0 && !TREE_RECORDS.has(rel)) {
          for (const hit of scanForPrefixes(fd, size, prefixes, true)) {
            problem(
              rel,
              'build-prefix-in-text',
              `names build prefix ${hit.prefix} (${hit.count}×, first on line ${hit.line}: "${hit.excerpt}")`
            )
          }
        }
      }
    } catch (err) {
      problem(rel, 'unreadable', `cannot read: ${(err as Error).message}`)
    } finally {
      closeSync(fd)
    }
  }

  // Walk depth-first in sorted order so counts, hints and problems do not depend on directory order.
  const stack: string[] = ['']
  while (stack.length > 0) {
    const relDir = stack.pop() as string
    const absDir = relDir === '' ? realRoot : path.join(realRoot, relDir)
    let entries
    try {
      entries = readdirSync(absDir, { withFileTypes: true })
    } catch (err) {
      problem(relDir === '' ? '.' : relDir, 'unreadable', `cannot list directory: ${(err as Error).message}`)
      continue
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    const subdirs: string[] = []
    for (const ent of entries) {
      const rel = relDir === '' ? ent.name : `${relDir}/${ent.name}`
      const abs = path.join(absDir, ent.name)
      if (ent.isDirectory()) subdirs.push(rel)
      else if (ent.isSymbolicLink()) {
        report.symlinks++
        checkSymlink(abs, rel)
        const list = byBasename.get(ent.name) ?? []
        list.push(rel)
        byBasename.set(ent.name, list)
      } else if (ent.isFile()) {
        const list = byBasename.get(ent.name) ?? []
        list.push(rel)
        byBasename.set(ent.name, list)
        scanFile(abs, rel)
      }
    }
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i] as string)
  }

  // DT_NEEDED resolution, after the walk so hints can name where in the tree a missing library sits.
  const existsCache = new Map<string, boolean>()
  const exists = (p: string): boolean => {
    let v = existsCache.get(p)
    if (v === undefined) {
      v = statSync(p, { throwIfNoEntry: false })?.isFile() ?? false
      existsCache.set(p, v)
    }
    return v
  }
  // System directories are listed once rather than probed per name; symlinks among them are still resolved.
  const listings = new Map<string, Map<string, boolean> | null>()
  const systemHas = (dir: string, name: string): boolean => {
    let listing = listings.get(dir)
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
      listings.set(dir, listing)
    }
    const isLink = listing?.get(name)
    if (isLink === undefined) return false
    return isLink ? exists(path.join(dir, name)) : true
  }
  for (const { rel, info, searchDirs } of elfs) {
    for (const name of info.needed) {
      if (name.includes('/')) {
        const ok = path.isAbsolute(name) && systemDirs.includes(normalizeDir(path.dirname(name))) && exists(name)
        if (!ok)
          problem(rel, 'needed-not-found', `DT_NEEDED '${name}' is a path, which does not resolve after relocation`)
        continue
      }
      if (searchDirs.some(d => exists(path.join(d, name)))) continue
      if (systemDirs.some(d => systemHas(d, name))) continue
      const where =
        searchDirs.length > 0
          ? `search path ${searchDirs.map(d => path.relative(realRoot, d) || '.').join(':')}`
          : 'no in-tree search path'
      const elsewhere = byBasename.get(name)
      const hint = elsewhere ? `; the tree has ${elsewhere.join(', ')}, which is not on this file's search path` : ''
      problem(
        rel,
        'needed-not-found',
        `DT_NEEDED ${name} is found neither in the tree (${where}) nor in the system library directories${hint}`
      )
    }
  }

  report.problems.sort((a, b) => cmp(a.file, b.file) || cmp(a.kind, b.kind) || cmp(a.detail, b.detail))
  report.errors = report.problems.filter(p => p.severity === 'error').length
  report.warnings = report.problems.length - report.errors
  report.ok = report.errors === 0
  report.elapsedMs = Math.round((performance.now() - started) * 10) / 10
  return report
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** A human-readable report: a summary line, then problems grouped by file. */
export function formatReport(report: AuditReport): string {
  const lines: string[] = []
  lines.push(`Relocation audit of ${report.root}`)
  lines.push(
    `  ${report.filesScanned} files scanned (${report.elfFiles} ELF, ${report.textFiles} text, ` +
      `${report.binaryFiles} other binary), ${report.symlinks} symlinks, in ${report.elapsedMs} ms`
  )
  if (report.problems.length === 0) {
    lines.push('OK: no problems found')
    return lines.join('\n')
  }
  const counts = `${report.errors} error${report.errors === 1 ? '' : 's'}, ${report.warnings} warning${report.warnings === 1 ? '' : 's'}`
  lines.push(report.ok ? `OK with warnings: ${counts}` : `FAILED: ${counts}`)
  let current = ''
  for (const p of report.problems) {
    if (p.file !== current) {
      current = p.file
      lines.push('', `  ${p.file}`)
    }
    lines.push(`    ${p.severity === 'error' ? 'error  ' : 'warning'} ${p.kind}: ${p.detail}`)
  }
  return lines.join('\n')
}

const USAGE = `usage: audit DIR [--build-prefix PATH]... [--warn KIND]... [--json]

Audits the install tree DIR for relocation problems and exits 0 when there are none (warnings allowed),
1 when there are problems, 2 on usage errors.

  --build-prefix PATH  report files naming PATH (repeatable), e.g. the Spack install tree root
  --warn KIND          report problems of KIND as warnings (repeatable); kinds:
                       ${AUDIT_PROBLEM_KINDS.join(', ')}
  --json               print the report as JSON
  -h, --help           print this help`

export interface CliIo {
  out: (text: string) => void
  err: (text: string) => void
}

const defaultIo: CliIo = {
  out: text => void process.stdout.write(text),
  err: text => void process.stderr.write(text)
}

/** The audit command line (`argv` without node and the script). Resolves to the exit code: 0 ok, 1 problems, 2 usage. */
export async function runAuditCli(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const usageError = (message: string): number => {
    io.err(`audit: ${message}\n${USAGE}\n`)
    return 2
  }
  const buildPrefixes: string[] = []
  const warningKinds: AuditProblemKind[] = []
  let json = false
  let dir: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1
    const name = eq > 0 ? arg.slice(0, eq) : arg
    const takeValue = (): string | undefined => (eq > 0 ? arg.slice(eq + 1) : argv[++i])
    if (name === '-h' || name === '--help') {
      io.out(`${USAGE}\n`)
      return 0
    } else if (name === '--json') {
      if (eq > 0) return usageError(`--json takes no value (got '${arg}')`)
      json = true
    } else if (name === '--build-prefix') {
      const v = takeValue()
      if (v === undefined || v === '' || v.startsWith('--')) return usageError('--build-prefix needs a PATH')
      buildPrefixes.push(v)
    } else if (name === '--warn') {
      const v = takeValue()
      if (v === undefined || v === '') return usageError('--warn needs a KIND')
      if (!(AUDIT_PROBLEM_KINDS as readonly string[]).includes(v))
        return usageError(`--warn: unknown problem kind '${v}'`)
      warningKinds.push(v as AuditProblemKind)
    } else if (arg.startsWith('-') && arg !== '-') {
      return usageError(`unknown option '${arg}'`)
    } else if (dir === undefined) {
      dir = arg
    } else {
      return usageError(`unexpected argument '${arg}' (DIR is already '${dir}')`)
    }
  }
  if (dir === undefined) return usageError('missing DIR argument')
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) return usageError(`DIR '${dir}' is not a directory`)
  const report = await auditTree(dir, { buildPrefixes, warningKinds })
  io.out(`${json ? JSON.stringify(report, null, 2) : formatReport(report)}\n`)
  return report.ok ? 0 : 1
}
