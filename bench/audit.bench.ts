/**
 * Benchmark of the relocation audit against readelf, on a tree of real ELF files.
 *
 *   npx tsx bench/audit.bench.ts [--files 2000] [--runs 5] [--per-file-sample 200]
 *
 * Builds a temporary tree of the machine's ELF files (from /usr/lib/x86_64-linux-gnu and /usr/bin, hard-linked
 * when possible, else copied) and times, over the same files in the same run:
 *   - auditTree without build prefixes (ELF headers, dynamic tables and strings only),
 *   - auditTree with one build prefix (every byte of every file scanned as well),
 *   - readElfFile alone in a loop (the reader without the walk and the checks),
 *   - `readelf -W -d -l` batched (500 files per process) and per file (one process per file, timed on an evenly
 *     spread sample of the files and scaled to the whole set, since spawning 2,000 processes per run is slow).
 * Prints the median of each, files per second, and the ratios.
 */
import { execFile, execFileSync } from 'node:child_process'
import {
  closeSync,
  copyFileSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readSync,
  rmSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { promisify } from 'node:util'
import { auditTree } from '../src/artifact/audit.js'
import { readElfFile } from '../src/artifact/elf.js'

const execFileAsync = promisify(execFile)

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name)
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} needs a positive integer`)
  return v
}

const WANT = option('--files', 2000)
const RUNS = option('--runs', 5)
const PER_FILE_SAMPLE = option('--per-file-sample', 200)
const SOURCES = ['/usr/lib/x86_64-linux-gnu', '/usr/bin', '/usr/lib', '/usr/libexec', '/usr/sbin']

function isElf(file: string): boolean {
  const head = Buffer.alloc(4)
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch {
    return false
  }
  try {
    return readSync(fd, head, 0, 4, 0) === 4 && head.readUInt32BE(0) === 0x7f454c46
  } finally {
    closeSync(fd)
  }
}

/** Fills <tree>/<n>/<name> with up to `want` distinct ELF files; returns their paths in the tree. */
function buildTree(tree: string, want: number): { files: string[]; linked: number; copied: number } {
  const files: string[] = []
  const seen = new Set<string>()
  let linked = 0
  let copied = 0
  const visit = (dir: string, depth: number): void => {
    if (files.length >= want || depth > 4) return
    let entries
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch {
      return
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : 1))
    for (const e of entries) {
      if (files.length >= want) return
      const src = path.join(dir, e.name)
      if (e.isDirectory()) visit(src, depth + 1)
      else if (e.isFile() && !seen.has(src) && isElf(src)) {
        seen.add(src)
        const sub = path.join(tree, String(Math.floor(files.length / 200)))
        mkdirSync(sub, { recursive: true })
        const dest = path.join(sub, e.name)
        try {
          linkSync(src, dest)
          linked++
        } catch {
          copyFileSync(src, dest)
          copied++
        }
        files.push(dest)
      }
    }
  }
  for (const s of SOURCES) visit(s, 0)
  return { files, linked, copied }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}

async function time(runs: number, fn: () => Promise<unknown> | unknown): Promise<number[]> {
  await fn() // warm-up: page cache, JIT
  const out: number[] = []
  for (let i = 0; i < runs; i++) {
    const t = performance.now()
    await fn()
    out.push(performance.now() - t)
  }
  return out
}

async function readelfBatched(files: string[]): Promise<void> {
  for (let i = 0; i < files.length; i += 500) {
    await execFileAsync('readelf', ['-W', '-d', '-l', ...files.slice(i, i + 500)], { maxBuffer: 1 << 30 }).catch(
      () => undefined
    )
  }
}

function readelfPerFile(files: string[]): void {
  for (const f of files) {
    try {
      execFileSync('readelf', ['-W', '-d', '-l', f], { stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 30 })
    } catch {
      // readelf complains about some files; the time still counts.
    }
  }
}

async function main(): Promise<void> {
  const tree = mkdtempSync(path.join(tmpdir(), 'audit-bench-'))
  try {
    const { files, linked, copied } = buildTree(tree, WANT)
    const n = files.length
    const readelfVersion = execFileSync('readelf', ['--version'], { encoding: 'utf8' }).split('\n')[0]
    console.log(`tree: ${tree}: ${n} ELF files (${linked} hard-linked, ${copied} copied); ${RUNS} runs after a warm-up`)
    console.log(`node ${process.version}; ${readelfVersion}`)

    let problems = 0
    const rows: Array<[string, number[]]> = []
    rows.push([
      'auditTree (no build prefix)',
      await time(RUNS, async () => {
        problems = (await auditTree(tree)).problems.length
      })
    ])
    rows.push([
      'auditTree (1 build prefix, full-byte scan)',
      await time(RUNS, () => auditTree(tree, { buildPrefixes: ['/opt/spack/opt/spack'] }))
    ])
    rows.push(['readElfFile loop', await time(RUNS, () => files.forEach(f => readElfFile(f)))])
    rows.push(['readelf -W -d -l, batched (500 files/process)', await time(RUNS, () => readelfBatched(files))])
    // One process per file is slow enough that it runs on an evenly spread sample and is scaled to the full set.
    const sample = files
      .filter((_, i) => i % Math.max(1, Math.floor(n / PER_FILE_SAMPLE)) === 0)
      .slice(0, PER_FILE_SAMPLE)
    const perFile = await time(RUNS, () => readelfPerFile(sample))
    rows.push([
      `readelf -W -d -l, one process per file (${sample.length}-file sample, scaled)`,
      perFile.map(ms => (ms * n) / sample.length)
    ])

    const base = median(rows[0]?.[1] ?? [])
    console.log('')
    console.log('| measurement | median ms | files/s | vs auditTree (no prefix) |')
    console.log('|---|---:|---:|---:|')
    for (const [name, ms] of rows) {
      const m = median(ms)
      console.log(`| ${name} | ${m.toFixed(1)} | ${Math.round((n / m) * 1000)} | ${(m / base).toFixed(2)}× |`)
    }
    console.log(`\n(${problems} problems reported on the benchmark tree: system libraries are not a relocatable tree)`)
  } finally {
    rmSync(tree, { recursive: true, force: true })
  }
}

await main()
