import { beforeAll, describe, expect, test } from '@jest/globals'
import { execFile, execFileSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { ElfFormatError, parseElf, readElfFile, splitSearchPath, type ElfInfo } from '../../src/artifact/elf.js'
import {
  compileExecutable,
  compileSharedLibrary,
  hasGcc,
  LIBFOO_SOURCE,
  makeElfImage,
  type ElfImageOptions
} from '../helpers/elf-fixtures.js'

const execFileAsync = promisify(execFile)

function asElf(r: ReturnType<typeof readElfFile>): ElfInfo {
  if (r.kind !== 'elf') throw new Error(`${r.file}: expected an ELF file`)
  return r
}

const MAIN_SOURCE = 'int foo(void);\nint main(void) { return foo() == 42 ? 0 : 1; }\n'

const describeGcc = hasGcc() ? describe : describe.skip

describeGcc('readElfFile on gcc-built fixtures', () => {
  let dir: string
  let lib: string
  let absRpath: string
  let originRunpath: string
  let foreignRunpath: string
  let fakeLibDir: string

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'elf-test-'))
    fakeLibDir = path.join(dir, 'opt', 'spack', 'linux-x86_64', 'foo-1.0', 'lib')
    lib = compileSharedLibrary({
      out: path.join(dir, 'lib', 'libfoo.so'),
      source: LIBFOO_SOURCE,
      soname: 'libfoo.so.1'
    })
    const link = [`-L${path.join(dir, 'lib')}`, '-lfoo']
    absRpath = compileExecutable({
      out: path.join(dir, 'bin', 'abs-rpath'),
      source: MAIN_SOURCE,
      args: [...link, `-Wl,--disable-new-dtags,-rpath,${fakeLibDir}`]
    })
    originRunpath = compileExecutable({
      out: path.join(dir, 'bin', 'origin-runpath'),
      source: MAIN_SOURCE,
      args: [...link, '-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib']
    })
    foreignRunpath = compileExecutable({
      out: path.join(dir, 'bin', 'foreign-runpath'),
      source: MAIN_SOURCE,
      args: [...link, '-Wl,--enable-new-dtags,-rpath,/opt/elsewhere/lib:$ORIGIN/../lib']
    })
  })

  test('shared library: SONAME, no interpreter, no search path', () => {
    const info = asElf(readElfFile(lib))
    expect(info).toMatchObject({
      kind: 'elf',
      file: lib,
      class: 64,
      endian: 'little',
      type: 'DYN',
      interpreter: null,
      dynamic: true,
      soname: 'libfoo.so.1',
      rpath: null,
      runpath: null
    })
    expect(Array.isArray(info.needed)).toBe(true)
    expect(info.machineName).toBe(process.arch === 'arm64' ? 'aarch64' : 'x86_64')
  })

  test('absolute RPATH (--disable-new-dtags) is DT_RPATH, not DT_RUNPATH', () => {
    const info = asElf(readElfFile(absRpath))
    expect(info.rpath).toBe(fakeLibDir)
    expect(info.runpath).toBeNull()
    expect(info.needed).toEqual(['libfoo.so.1', 'libc.so.6'])
    expect(info.soname).toBeNull()
    expect(info.interpreter).toMatch(/^\/lib(64)?\/ld-linux-(x86-64|aarch64)\.so\.[12]$/)
    expect(['EXEC', 'DYN']).toContain(info.type)
  })

  test('$ORIGIN RUNPATH (--enable-new-dtags) is kept verbatim', () => {
    const info = asElf(readElfFile(originRunpath))
    expect(info.runpath).toBe('$ORIGIN/../lib')
    expect(info.rpath).toBeNull()
  })

  test('several RUNPATH entries split on colons', () => {
    const info = asElf(readElfFile(foreignRunpath))
    expect(info.runpath).toBe('/opt/elsewhere/lib:$ORIGIN/../lib')
    expect(splitSearchPath(info.runpath)).toEqual(['/opt/elsewhere/lib', '$ORIGIN/../lib'])
    expect(splitSearchPath(null)).toEqual([])
  })

  test('parseElf on the whole image agrees with the descriptor reader', () => {
    for (const f of [lib, absRpath, originRunpath, foreignRunpath]) {
      expect(parseElf(readFileSync(f), f)).toEqual(readElfFile(f))
    }
  })

  test('a truncated image is an ElfFormatError naming the file and the defect', () => {
    const bytes = readFileSync(absRpath)
    const cases: Array<[number, RegExp]> = [
      [20, /truncated.*ELF header/],
      [100, /truncated.*program header table/],
      [2000, /truncated/]
    ]
    for (const [len, reason] of cases) {
      const file = path.join(dir, `truncated-${len}`)
      writeFileSync(file, bytes.subarray(0, len))
      let err: unknown
      try {
        readElfFile(file)
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(ElfFormatError)
      const fe = err as ElfFormatError
      expect(fe.file).toBe(file)
      expect(fe.message.startsWith(`${file}: `)).toBe(true)
      expect(fe.reason).toMatch(reason)
    }
  })

  test('a corrupt identification is an ElfFormatError', () => {
    const bytes = Buffer.from(readFileSync(lib))
    bytes[4] = 7
    expect(() => parseElf(bytes, 'bad-class.so')).toThrow(/bad-class\.so: corrupt: unknown ELF class 7/)
    bytes[4] = 2
    bytes[5] = 9
    expect(() => parseElf(bytes, 'bad-data.so')).toThrow(/unknown data encoding 9/)
  })
})

describe('non-ELF input', () => {
  test('ordinary files are "not ELF", not errors', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'elf-plain-'))
    const files: Record<string, Buffer> = {
      empty: Buffer.alloc(0),
      text: Buffer.from('#!/bin/sh\necho hello\n'),
      short: Buffer.from([0x7f, 0x45, 0x4c]),
      binary: Buffer.from([0, 1, 2, 3, 0, 0, 0xff, 0x7f, 0x45, 0x4c, 0x46])
    }
    for (const [name, bytes] of Object.entries(files)) {
      const file = path.join(dir, name)
      writeFileSync(file, bytes)
      expect(readElfFile(file)).toEqual({ kind: 'not-elf', file })
      expect(parseElf(bytes, name)).toEqual({ kind: 'not-elf', file: name })
    }
  })

  test('a file that stops right after the magic is a truncated ELF', () => {
    expect(() => parseElf(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1]), 'stub')).toThrow(
      /stub: truncated: 6 bytes, shorter than the ELF identification/
    )
  })
})

describe('hand-written images: 32/64-bit, little/big-endian, segment and section layouts', () => {
  const base: Omit<ElfImageOptions, 'class' | 'endian'> = {
    interpreter: '/lib/ld-linux.so.2',
    needed: ['libslurmfull.so', 'libc.so.6'],
    rpath: '/opt/spack/slurm/lib:/opt/spack/slurm/lib/slurm',
    runpath: '$ORIGIN/../lib',
    soname: 'libexample.so.7'
  }
  const variants: Array<[32 | 64, 'little' | 'big']> = [
    [32, 'little'],
    [32, 'big'],
    [64, 'little'],
    [64, 'big']
  ]
  const layouts = ['segments', 'sections-only', 'unmapped-strtab'] as const

  for (const [cls, endian] of variants) {
    for (const layout of layouts) {
      test(`ELFCLASS${cls} ${endian}-endian, ${layout}`, () => {
        const machine = endian === 'big' ? (cls === 64 ? 22 : 20) : cls === 64 ? 183 : 3
        const image = makeElfImage({ ...base, class: cls, endian, layout, machine, type: 3 })
        const info = asElf(parseElf(image, 'image'))
        expect(info).toEqual({
          kind: 'elf',
          file: 'image',
          class: cls,
          endian,
          machine,
          machineName: { 3: 'i386', 20: 'ppc', 22: 's390', 183: 'aarch64' }[machine],
          type: 'DYN',
          typeValue: 3,
          // Without program headers there is no PT_INTERP.
          interpreter: layout === 'sections-only' ? null : '/lib/ld-linux.so.2',
          dynamic: true,
          needed: ['libslurmfull.so', 'libc.so.6'],
          rpath: '/opt/spack/slurm/lib:/opt/spack/slurm/lib/slurm',
          runpath: '$ORIGIN/../lib',
          soname: 'libexample.so.7',
          programData: info.programData,
          loaded: info.loaded
        })
      })
    }
  }

  test('program data: the allocated PROGBITS sections, as readelf lists them, hold .rodata strings but no debug info', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'elf-data-'))
    const source = path.join(dir, 'marks.c')
    writeFileSync(
      source,
      '#define MACRO_MARK "macro-mark-in-debug-info"\nconst char *live = "live-mark-in-rodata";\n' +
        'const char *dead(void) { return MACRO_MARK; }\n'
    )
    const lib = path.join(dir, 'libmarks.so')
    execFileSync('gcc', ['-g3', '-O0', '-shared', '-fPIC', '-o', lib, source])
    const info = asElf(readElfFile(lib))
    const sections = execFileSync('readelf', ['-S', '-W', lib], { encoding: 'utf8' })
    const expected = [
      ...sections.matchAll(
        /^\s*\[\s*\d+\]\s+(\S+)\s+PROGBITS\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+\S+\s+(\S*A\S*)\s/gm
      )
    ]
      .map(m => [parseInt(m[2] as string, 16), parseInt(m[2] as string, 16) + parseInt(m[3] as string, 16)] as const)
      .filter(([start, end]) => end > start)
      .sort((a, b) => a[0] - b[0])
    expect(info.programData).toEqual(expected)
    const bytes = readFileSync(lib)
    const inData = (at: number): boolean => info.programData.some(([start, end]) => at >= start && at < end)
    const live = bytes.indexOf('live-mark-in-rodata')
    expect(live).toBeGreaterThan(0)
    expect(inData(live)).toBe(true)
    const macro = bytes.indexOf('macro-mark-in-debug-info')
    expect(macro).toBeGreaterThan(0)
    const inDebug = (at: number): boolean => at >= 0 && !inData(at)
    // The macro's definition is in .debug_macro/.debug_str; its use in dead() puts one copy in .rodata too.
    let found = macro
    const copies: boolean[] = []
    while (found >= 0) {
      copies.push(inDebug(found))
      found = bytes.indexOf('macro-mark-in-debug-info', found + 1)
    }
    expect(copies).toContain(true)
    expect(copies).toContain(false)
  })

  test('an image through the file reader gives the same result as parseElf', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'elf-img-'))
    const image = makeElfImage({ ...base, class: 32, endian: 'big' })
    const file = path.join(dir, 'be32.so')
    writeFileSync(file, image)
    expect(readElfFile(file)).toEqual({ ...asElf(parseElf(image, 'x')), file })
  })

  test('an executable without dynamic table', () => {
    const image = makeElfImage({ class: 64, endian: 'little', type: 2 })
    const info = asElf(parseElf(image))
    expect(info.type).toBe('EXEC')
    expect(info.needed).toEqual([])
    expect(info.soname).toBeNull()
  })

  test('a string offset outside the string table is reported as corrupt', () => {
    const image = makeElfImage({ class: 64, endian: 'little', needed: ['libz.so.1'] })
    // The first dynamic entry is DT_NEEDED; point its value far beyond DT_STRSZ.
    const dynamic = image.indexOf(Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]))
    expect(dynamic).toBeGreaterThan(0)
    image.writeBigUInt64LE(0x10000n, dynamic + 8)
    expect(() => parseElf(image, 'bad-strings.so')).toThrow(/bad-strings\.so: DT_NEEDED: string offset .* is outside/)
  })

  test('PT_DYNAMIC past the end of the file is a truncation error', () => {
    const image = makeElfImage({ class: 64, endian: 'little', needed: ['libz.so.1'] })
    // Cut the file inside the dynamic table, which also removes the section headers after it.
    const cut = image.subarray(0, image.length - 4 * 64 - 40)
    expect(() => parseElf(cut, 'cut.so')).toThrow(/cut\.so: truncated: PT_DYNAMIC segment/)
  })
})

// ---------------------------------------------------------------------------------------------------------------
// Agreement with readelf on the machine's libraries

interface ReadelfFacts {
  needed: string[]
  rpath: string | null
  runpath: string | null
  soname: string | null
  interpreter: string | null
}

function parseReadelf(text: string): ReadelfFacts {
  const facts: ReadelfFacts = { needed: [], rpath: null, runpath: null, soname: null, interpreter: null }
  const rpath: string[] = []
  const runpath: string[] = []
  for (const line of text.split('\n')) {
    let m: RegExpExecArray | null
    if ((m = /\(NEEDED\)\s+Shared library: \[(.*)\]$/.exec(line))) facts.needed.push(m[1] as string)
    else if ((m = /\(SONAME\)\s+Library soname: \[(.*)\]$/.exec(line))) facts.soname = m[1] as string
    else if ((m = /\(RPATH\)\s+Library rpath: \[(.*)\]$/.exec(line))) rpath.push(m[1] as string)
    else if ((m = /\(RUNPATH\)\s+Library runpath: \[(.*)\]$/.exec(line))) runpath.push(m[1] as string)
    else if ((m = /\[Requesting program interpreter: (.*)\]$/.exec(line))) facts.interpreter = m[1] as string
  }
  facts.rpath = rpath.length > 0 ? rpath.join(':') : null
  facts.runpath = runpath.length > 0 ? runpath.join(':') : null
  return facts
}

/** Regular files under `dir` that start with the ELF magic, one per inode, sorted. */
function elfFilesUnder(dir: string): string[] {
  const out: string[] = []
  const inodes = new Set<string>()
  const head = Buffer.alloc(4)
  const walk = (d: string): void => {
    let entries
    try {
      entries = readdirSync(d, { withFileTypes: true })
    } catch {
      return
    }
    for (const e of entries) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.isFile()) {
        let fd: number
        try {
          fd = openSync(p, 'r')
        } catch {
          continue
        }
        try {
          const n = readSync(fd, head, 0, 4, 0)
          if (n < 4 || head.readUInt32BE(0) !== 0x7f454c46) continue
        } finally {
          closeSync(fd)
        }
        const st = statSync(p)
        const key = `${st.dev}:${st.ino}`
        if (inodes.has(key)) continue
        inodes.add(key)
        out.push(p)
      }
    }
  }
  walk(dir)
  return out.sort()
}

async function readelfBatch(files: string[]): Promise<Map<string, ReadelfFacts>> {
  const { stdout } = await execFileAsync('readelf', ['-W', '-d', '-l', ...files], {
    maxBuffer: 256 << 20,
    encoding: 'utf8'
  }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }))
  const result = new Map<string, ReadelfFacts>()
  if (files.length === 1) {
    result.set(files[0] as string, parseReadelf(stdout))
    return result
  }
  // With several files readelf starts each one's output with "File: <name>".
  const parts = stdout.split(/^File: (.+)$/m)
  for (let i = 1; i + 1 < parts.length; i += 2) result.set(parts[i] as string, parseReadelf(parts[i + 1] as string))
  return result
}

const SYSTEM_LIB_DIR = '/usr/lib/x86_64-linux-gnu'
let haveReadelf = false
try {
  haveReadelf = statSync(SYSTEM_LIB_DIR).isDirectory() && statSync('/usr/bin/readelf').isFile()
} catch {
  haveReadelf = false
}

;(haveReadelf ? describe : describe.skip)(`agreement with readelf on ${SYSTEM_LIB_DIR}`, () => {
  test('NEEDED, RPATH, RUNPATH, SONAME and interpreter match for every ELF file', async () => {
    const files = elfFilesUnder(SYSTEM_LIB_DIR)
    expect(files.length).toBeGreaterThan(50)
    const batches: string[][] = []
    for (let i = 0; i < files.length; i += 100) batches.push(files.slice(i, i + 100))
    const expected = new Map<string, ReadelfFacts>()
    for (let i = 0; i < batches.length; i += 4) {
      const maps = await Promise.all(batches.slice(i, i + 4).map(readelfBatch))
      for (const m of maps) for (const [k, v] of m) expected.set(k, v)
    }
    expect(expected.size).toBe(files.length)

    const mismatches: string[] = []
    let withDeps = 0
    for (const file of files) {
      const info = asElf(readElfFile(file))
      const ours: ReadelfFacts = {
        needed: info.needed,
        rpath: info.rpath,
        runpath: info.runpath,
        soname: info.soname,
        interpreter: info.interpreter
      }
      const theirs = expected.get(file)
      if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
        mismatches.push(`${file}: ours ${JSON.stringify(ours)} readelf ${JSON.stringify(theirs)}`)
      }
      if (info.needed.length > 0) withDeps++
    }
    expect(mismatches).toEqual([])
    expect(withDeps).toBeGreaterThan(files.length / 4)
  })
})
