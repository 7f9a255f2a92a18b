/**
 * ELF fixtures for tests: small C programs and libraries built with the machine's gcc, plus hand-written ELF images
 * for the layouts gcc cannot produce here (32-bit, big-endian, section-only dynamic tables).
 *
 * `buildInstallTree` makes a miniature install prefix laid out like a Spack-built Slurm (bin/, lib/, lib/slurm/)
 * whose binaries carry absolute RPATHs into that prefix: the input of a relocation step and of the audit.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

let gccAvailable: boolean | undefined

/** Whether `gcc` can build and link a shared library and an executable on this machine. */
export function hasGcc(): boolean {
  if (gccAvailable === undefined) {
    const r = spawnSync('gcc', ['--version'], { stdio: 'ignore' })
    gccAvailable = r.status === 0
  }
  return gccAvailable
}

/** Runs gcc with an argument array (no shell, so '$ORIGIN' reaches the linker as written). */
export function gcc(args: string[], cwd?: string): void {
  try {
    execFileSync('gcc', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string }
    throw new Error(`gcc ${args.join(' ')} failed: ${e.stderr?.toString() ?? e.message}`)
  }
}

export interface CompileOptions {
  /** Output file; its directory is created. */
  out: string
  /** C source text. */
  source: string
  /** Extra arguments placed after the source file (libraries, -Wl,... linker options). */
  args?: string[]
}

function writeSource(out: string, source: string): string {
  mkdirSync(path.dirname(out), { recursive: true })
  const src = mkdtempSync(path.join(tmpdir(), 'elf-src-'))
  const file = path.join(src, `${path.basename(out).replace(/[^A-Za-z0-9_]/g, '_')}.c`)
  writeFileSync(file, source)
  return file
}

/** Builds a shared library (`-shared -fPIC`); `soname` sets DT_SONAME. Returns `out`. */
export function compileSharedLibrary(opts: CompileOptions & { soname?: string }): string {
  const file = writeSource(opts.out, opts.source)
  const soname = opts.soname ? [`-Wl,-soname,${opts.soname}`] : []
  gcc(['-shared', '-fPIC', '-O1', '-o', opts.out, file, ...soname, ...(opts.args ?? [])])
  return opts.out
}

/** Builds an executable. Returns `out`. */
export function compileExecutable(opts: CompileOptions): string {
  const file = writeSource(opts.out, opts.source)
  gcc(['-O1', '-o', opts.out, file, ...(opts.args ?? [])])
  return opts.out
}

export const LIBFOO_SOURCE = 'int foo(void) { return 42; }\n'

/** A plugin that calls into libfoo, like a Slurm plugin calling into libslurmfull. */
export const PLUGIN_SOURCE = 'int foo(void);\nint plugin_value(void) { return foo() + 1; }\n'

/**
 * An executable that calls libfoo and then loads ../lib/slurm/plugin.so relative to its own location, printing
 * `foo=42 plugin=43` and exiting 0 when both resolve.
 */
export const APP_SOURCE = `#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int foo(void);
int main(void) {
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 64);
  if (n < 0) return 3;
  exe[n] = 0;
  char *slash = strrchr(exe, '/');
  if (!slash) return 3;
  strcpy(slash, "/../lib/slurm/plugin.so");
  void *h = dlopen(exe, RTLD_NOW);
  if (!h) { fprintf(stderr, "%s\\n", dlerror()); return 2; }
  int (*pv)(void) = (int (*)(void))dlsym(h, "plugin_value");
  if (!pv) return 2;
  printf("foo=%d plugin=%d\\n", foo(), pv());
  return 0;
}
`

export interface InstallTree {
  /** The install prefix (the tree's root), e.g. <tmp>/opt/spack/linux-x86_64/slurm-0.0.1-fixture. */
  root: string
  /** The directory that stands for the Spack install tree root (<tmp>/opt/spack): the build prefix. */
  buildPrefix: string
  /** <root>/bin/app: NEEDED libfoo.so, RPATH (or RUNPATH) <root>/lib. */
  app: string
  /** <root>/lib/libfoo.so, SONAME libfoo.so. */
  libfoo: string
  /** <root>/lib/slurm/plugin.so: NEEDED libfoo.so, RPATH (or RUNPATH) <root>/lib:<root>/lib/slurm. */
  plugin: string
  /** <root>/lib/pkgconfig/foo.pc naming <root> (absent when `pkgconfig: false`). */
  pkgconfig?: string
  libDir: string
  pluginDir: string
  binDir: string
}

export interface InstallTreeOptions {
  /** Directory to build under; a fresh temporary directory by default. */
  base?: string
  /** 'rpath' (default) writes DT_RPATH (--disable-new-dtags); 'runpath' writes DT_RUNPATH. */
  tags?: 'rpath' | 'runpath'
  /** Write lib/pkgconfig/foo.pc containing the absolute prefix (default true). */
  pkgconfig?: boolean
}

/**
 * Builds bin/app, lib/libfoo.so and lib/slurm/plugin.so under `<base>/opt/spack/linux-x86_64/slurm-0.0.1-fixture`,
 * every RPATH absolute and pointing into that tree, as Spack leaves them before relocation.
 */
export function buildInstallTree(opts: InstallTreeOptions = {}): InstallTree {
  const base = opts.base ?? mkdtempSync(path.join(tmpdir(), 'elf-tree-'))
  const buildPrefix = path.join(base, 'opt', 'spack')
  const root = path.join(buildPrefix, 'linux-x86_64', 'slurm-0.0.1-fixture')
  const binDir = path.join(root, 'bin')
  const libDir = path.join(root, 'lib')
  const pluginDir = path.join(libDir, 'slurm')
  const dtags = opts.tags === 'runpath' ? '--enable-new-dtags' : '--disable-new-dtags'
  const libfoo = compileSharedLibrary({
    out: path.join(libDir, 'libfoo.so'),
    source: LIBFOO_SOURCE,
    soname: 'libfoo.so'
  })
  const plugin = compileSharedLibrary({
    out: path.join(pluginDir, 'plugin.so'),
    source: PLUGIN_SOURCE,
    args: [`-L${libDir}`, '-lfoo', `-Wl,${dtags},-rpath,${libDir}:${pluginDir}`]
  })
  const app = compileExecutable({
    out: path.join(binDir, 'app'),
    source: APP_SOURCE,
    args: [`-L${libDir}`, '-lfoo', `-Wl,${dtags},-rpath,${libDir}`]
  })
  const tree: InstallTree = { root, buildPrefix, app, libfoo, plugin, libDir, pluginDir, binDir }
  if (opts.pkgconfig !== false) {
    const pc = path.join(libDir, 'pkgconfig', 'foo.pc')
    mkdirSync(path.dirname(pc), { recursive: true })
    writeFileSync(
      pc,
      `prefix=${root}\nlibdir=\${prefix}/lib\n\nName: foo\nDescription: fixture\nVersion: 0.0.1\nLibs: -L\${libdir} -lfoo\n`
    )
    tree.pkgconfig = pc
  }
  return tree
}

// ---------------------------------------------------------------------------------------------------------------
// Hand-written ELF images

export interface ElfImageOptions {
  class: 32 | 64
  endian: 'little' | 'big'
  /** e_machine (default 62 for 64-bit, 3 for 32-bit). */
  machine?: number
  /** e_type (default 3, ET_DYN). */
  type?: number
  interpreter?: string
  needed?: string[]
  rpath?: string
  runpath?: string
  soname?: string
  /**
   * 'segments' (default): program headers with PT_LOAD, PT_DYNAMIC (and PT_INTERP), plus section headers.
   * 'sections-only': no program headers; the dynamic table is reachable only through .dynamic/.dynstr sections.
   * 'unmapped-strtab': DT_STRTAB holds an address no PT_LOAD covers, so strings come from the linked section.
   */
  layout?: 'segments' | 'sections-only' | 'unmapped-strtab'
}

/** Builds a minimal ELF image with a dynamic table and string table, in any class and byte order. */
export function makeElfImage(o: ElfImageOptions): Buffer {
  const is64 = o.class === 64
  const le = o.endian === 'little'
  const layout = o.layout ?? 'segments'
  const base = 0x400000

  const dynstr: Buffer[] = [Buffer.from([0])]
  let strLen = 1
  const addString = (s: string): number => {
    const off = strLen
    const b = Buffer.from(`${s}\0`, 'utf8')
    dynstr.push(b)
    strLen += b.length
    return off
  }
  const dyn: Array<[number, number]> = []
  for (const n of o.needed ?? []) dyn.push([1, addString(n)])
  if (o.soname !== undefined) dyn.push([14, addString(o.soname)])
  if (o.rpath !== undefined) dyn.push([15, addString(o.rpath)])
  if (o.runpath !== undefined) dyn.push([29, addString(o.runpath)])
  const strtab = Buffer.concat(dynstr)
  const shstr = Buffer.from('\0.dynstr\0.dynamic\0.shstrtab\0', 'latin1')

  const ehsize = is64 ? 64 : 52
  const phentsize = is64 ? 56 : 32
  const shentsize = is64 ? 64 : 40
  const dynent = is64 ? 16 : 8
  const withPh = layout !== 'sections-only'
  const phnum = withPh ? (o.interpreter !== undefined ? 3 : 2) : 0
  const align = (n: number): number => (n + 7) & ~7

  const phoff = ehsize
  let at = phoff + phnum * phentsize
  const interpOff = at
  const interpBytes = o.interpreter !== undefined ? Buffer.from(`${o.interpreter}\0`, 'utf8') : Buffer.alloc(0)
  at = align(at + interpBytes.length)
  const strOff = at
  at = align(at + strtab.length)
  const dynOff = at
  const dynCount = dyn.length + 3 // + DT_STRTAB, DT_STRSZ, DT_NULL
  at = align(at + dynCount * dynent)
  const shstrOff = at
  at = align(at + shstr.length)
  const shoff = at
  const shnum = 4
  const total = shoff + shnum * shentsize
  const buf = Buffer.alloc(total)

  const u16 = (v: number, p: number): void => void (le ? buf.writeUInt16LE(v, p) : buf.writeUInt16BE(v, p))
  const u32 = (v: number, p: number): void => void (le ? buf.writeUInt32LE(v, p) : buf.writeUInt32BE(v, p))
  const word = (v: number, p: number): void => {
    if (!is64) return u32(v, p)
    if (le) buf.writeBigUInt64LE(BigInt(v), p)
    else buf.writeBigUInt64BE(BigInt(v), p)
  }

  // ELF header
  buf.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, le ? 1 : 2, 1], 0)
  u16(o.type ?? 3, 16)
  u16(o.machine ?? (is64 ? 62 : 3), 18)
  u32(1, 20)
  if (is64) {
    word(withPh ? phoff : 0, 32)
    word(shoff, 40)
    u16(ehsize, 52)
    u16(phentsize, 54)
    u16(phnum, 56)
    u16(shentsize, 58)
    u16(shnum, 60)
    u16(3, 62)
  } else {
    word(withPh ? phoff : 0, 28)
    word(shoff, 32)
    u16(ehsize, 40)
    u16(phentsize, 42)
    u16(phnum, 44)
    u16(shentsize, 46)
    u16(shnum, 48)
    u16(3, 50)
  }

  // Program headers
  const phdr = (i: number, type: number, offset: number, vaddr: number, size: number): void => {
    const p = phoff + i * phentsize
    u32(type, p)
    if (is64) {
      word(offset, p + 8)
      word(vaddr, p + 16)
      word(vaddr, p + 24)
      word(size, p + 32)
      word(size, p + 40)
    } else {
      word(offset, p + 4)
      word(vaddr, p + 8)
      word(vaddr, p + 12)
      word(size, p + 16)
      word(size, p + 20)
    }
  }
  if (withPh) {
    let i = 0
    if (o.interpreter !== undefined) phdr(i++, 3, interpOff, base + interpOff, interpBytes.length)
    // The load segment covers everything up to the dynamic table, unless the string table must stay unmapped.
    const loadSize = layout === 'unmapped-strtab' ? strOff : shoff
    phdr(i++, 1, 0, base, loadSize)
    phdr(i++, 2, dynOff, base + dynOff, dynCount * dynent)
  }
  interpBytes.copy(buf, interpOff)
  strtab.copy(buf, strOff)
  shstr.copy(buf, shstrOff)

  // Dynamic table
  const entries: Array<[number, number]> = [...dyn, [5, base + strOff], [10, strtab.length], [0, 0]]
  entries.forEach(([tag, val], i) => {
    const p = dynOff + i * dynent
    word(tag, p)
    word(val, p + (is64 ? 8 : 4))
  })

  // Section headers: null, .dynstr, .dynamic (linked to 1), .shstrtab
  const shdr = (i: number, name: number, type: number, offset: number, size: number, link: number): void => {
    const p = shoff + i * shentsize
    u32(name, p)
    u32(type, p + 4)
    if (is64) {
      word(offset, p + 24)
      word(size, p + 32)
      u32(link, p + 40)
    } else {
      word(offset, p + 16)
      word(size, p + 20)
      u32(link, p + 24)
    }
  }
  shdr(1, 1, 3, strOff, strtab.length, 0)
  shdr(2, 9, 6, dynOff, dynCount * dynent, 1)
  shdr(3, 18, 3, shstrOff, shstr.length, 0)
  return buf
}
