/**
 * A small, pure ELF reader: enough of the format to audit a relocatable install tree without spawning readelf.
 *
 * It reads the ELF header, the program headers (PT_INTERP, PT_LOAD, PT_DYNAMIC) and the dynamic table with its
 * string table, falling back to the section headers (.dynamic and its linked string table) when the segments do
 * not lead to them. 32- and 64-bit, little- and big-endian images are supported.
 *
 * Input is either a whole image in a Buffer (`parseElf`) or a file, of which only the needed parts are read
 * through a file descriptor (`readElfFile`). Ordinary non-ELF input yields `{ kind: 'not-elf' }`; an ELF image
 * that is truncated or inconsistent raises an `ElfFormatError` naming the file and the defect.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'

export type ElfClass = 32 | 64
export type ElfEndian = 'little' | 'big'
export type ElfType = 'NONE' | 'REL' | 'EXEC' | 'DYN' | 'CORE' | 'OTHER'

/** What the reader found in an ELF image. */
export interface ElfInfo {
  kind: 'elf'
  /** The file name (or the label given to `parseElf`). */
  file: string
  class: ElfClass
  endian: ElfEndian
  /** e_machine, e.g. 62 (x86-64), 183 (AArch64). */
  machine: number
  /** A short name for e_machine ('x86_64', 'aarch64', ...), or `EM_<number>` when unknown. */
  machineName: string
  type: ElfType
  /** The raw e_type value (useful when `type` is 'OTHER'). */
  typeValue: number
  /** The program interpreter named by PT_INTERP, or null. */
  interpreter: string | null
  /** Whether a dynamic table was found (in a segment or a section). */
  dynamic: boolean
  /** DT_NEEDED entries, in table order. */
  needed: string[]
  /** The raw DT_RPATH string (entries joined by ':' when there are several), or null when absent. */
  rpath: string | null
  /** The raw DT_RUNPATH string (entries joined by ':' when there are several), or null when absent. */
  runpath: string | null
  /** DT_SONAME, or null. */
  soname: string | null
  /**
   * File ranges `[start, end)` of the data the program can reach at run time: sections that are allocated and hold
   * program bits (.rodata, .data, ...), or the PT_LOAD segments when the file has no section headers. Bytes outside
   * them (debug information, symbol tables, .comment) are never loaded.
   */
  programData: Array<readonly [number, number]>
  /** File ranges `[start, end)` of the PT_LOAD segments: every byte the loader maps. */
  loaded: Array<readonly [number, number]>
}

export interface NotElf {
  kind: 'not-elf'
  file: string
}

export type ElfReadResult = ElfInfo | NotElf

/** A truncated or corrupt ELF image. `message` is `<file>: <reason>`. */
export class ElfFormatError extends Error {
  readonly file: string
  readonly reason: string
  constructor(file: string, reason: string) {
    super(`${file}: ${reason}`)
    this.name = 'ElfFormatError'
    this.file = file
    this.reason = reason
  }
}

/** Splits a DT_RPATH / DT_RUNPATH string into its directories (empty entries kept: the loader reads them as '.'). */
export function splitSearchPath(value: string | null): string[] {
  return value === null ? [] : value.split(':')
}

/** The first bytes of an ELF image. */
export const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46])

/** Whether `head` starts with the ELF magic number. */
export function hasElfMagic(head: Buffer): boolean {
  return head.length >= 4 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46
}

const PT_LOAD = 1
const PT_DYNAMIC = 2
const PT_INTERP = 3
const SHT_PROGBITS = 1
const SHT_DYNAMIC = 6
const SHT_NOBITS = 8
const SHF_ALLOC = 0x2
const DT_NULL = 0
const DT_NEEDED = 1
const DT_STRTAB = 5
const DT_STRSZ = 10
const DT_SONAME = 14
const DT_RPATH = 15
const DT_RUNPATH = 29
const PN_XNUM = 0xffff
const SHN_XINDEX = 0xffff

/** Upper bounds that keep a corrupt header from making the reader allocate or loop without end. */
const MAX_PHNUM = 65536
const MAX_SHNUM = 1 << 20
const MAX_DYN_BYTES = 16 << 20
const MAX_STRING = 1 << 20

const MACHINES: Record<number, string> = {
  2: 'sparc',
  3: 'i386',
  8: 'mips',
  20: 'ppc',
  21: 'ppc64',
  22: 's390',
  40: 'arm',
  43: 'sparcv9',
  50: 'ia64',
  62: 'x86_64',
  183: 'aarch64',
  243: 'riscv',
  258: 'loongarch'
}

const TYPES: Record<number, ElfType> = { 0: 'NONE', 1: 'REL', 2: 'EXEC', 3: 'DYN', 4: 'CORE' }

/** Random access to the bytes of an image. `read` may return fewer bytes than asked for at the end of the input. */
interface ByteSource {
  readonly size: number
  read(offset: number, length: number): Buffer
}

class BufferSource implements ByteSource {
  constructor(private readonly data: Buffer) {}
  get size(): number {
    return this.data.length
  }
  read(offset: number, length: number): Buffer {
    return this.data.subarray(offset, Math.min(this.data.length, offset + length))
  }
}

/** Reads a file through its descriptor, keeping one window of at least WINDOW bytes to serve nearby reads. */
class FdSource implements ByteSource {
  private static readonly WINDOW = 8192
  private windowStart = 0
  private window: Buffer = Buffer.alloc(0)

  constructor(
    private readonly fd: number,
    readonly size: number,
    head?: Buffer
  ) {
    if (head) this.window = head
  }

  read(offset: number, length: number): Buffer {
    const end = Math.min(this.size, offset + length)
    if (offset >= end) return Buffer.alloc(0)
    if (offset >= this.windowStart && end <= this.windowStart + this.window.length) {
      return this.window.subarray(offset - this.windowStart, end - this.windowStart)
    }
    const want = Math.min(this.size - offset, Math.max(end - offset, FdSource.WINDOW))
    const buf = Buffer.allocUnsafe(want)
    let got = 0
    while (got < want) {
      const n = readSync(this.fd, buf, got, want - got, offset + got)
      if (n === 0) break
      got += n
    }
    this.window = buf.subarray(0, got)
    this.windowStart = offset
    return this.window.subarray(0, Math.min(got, end - offset))
  }
}

interface Segment {
  type: number
  offset: number
  vaddr: number
  filesz: number
}

interface Section {
  type: number
  flags: number
  offset: number
  size: number
  link: number
}

/** Field access for one image, bound to its class and byte order. */
class Decoder {
  readonly is64: boolean
  readonly le: boolean
  constructor(
    readonly file: string,
    readonly src: ByteSource,
    cls: ElfClass,
    endian: ElfEndian
  ) {
    this.is64 = cls === 64
    this.le = endian === 'little'
  }

  fail(reason: string): never {
    throw new ElfFormatError(this.file, reason)
  }

  /** Exactly `length` bytes at `offset`, or a truncation error that says which structure did not fit. */
  need(offset: number, length: number, what: string): Buffer {
    if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > this.src.size) {
      this.fail(
        `truncated or corrupt: ${what} at offset 0x${offset.toString(16)} (${length} bytes) ` +
          `extends past the end of the file (${this.src.size} bytes)`
      )
    }
    const buf = this.src.read(offset, length)
    if (buf.length !== length) this.fail(`short read of ${what} at offset 0x${offset.toString(16)}`)
    return buf
  }

  u16(b: Buffer, at: number): number {
    return this.le ? b.readUInt16LE(at) : b.readUInt16BE(at)
  }
  u32(b: Buffer, at: number): number {
    return this.le ? b.readUInt32LE(at) : b.readUInt32BE(at)
  }
  /** An address or offset: 4 bytes in ELFCLASS32, 8 in ELFCLASS64 (values beyond 2^53 become Infinity). */
  word(b: Buffer, at: number): number {
    if (!this.is64) return this.u32(b, at)
    const v = this.le ? b.readBigUInt64LE(at) : b.readBigUInt64BE(at)
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : Number.POSITIVE_INFINITY
  }
  /** A signed d_tag (tags beyond the safe range are never the ones we look for). */
  tag(b: Buffer, at: number): number {
    if (!this.is64) return this.le ? b.readInt32LE(at) : b.readInt32BE(at)
    const v = this.le ? b.readBigInt64LE(at) : b.readBigInt64BE(at)
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : -1
  }
}

/** Reads a NUL-terminated string starting at `offset` that must end before `limit`. */
function readCString(d: Decoder, offset: number, limit: number, what: string): string {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset >= limit) {
    d.fail(`${what}: string offset 0x${offset.toString(16)} is outside its string table`)
  }
  const max = Math.min(limit, d.src.size, offset + MAX_STRING)
  const parts: Buffer[] = []
  let at = offset
  let chunk = 256
  while (at < max) {
    const buf = d.src.read(at, Math.min(chunk, max - at))
    if (buf.length === 0) break
    const nul = buf.indexOf(0)
    if (nul >= 0) {
      parts.push(buf.subarray(0, nul))
      return Buffer.concat(parts).toString('utf8')
    }
    parts.push(Buffer.from(buf))
    at += buf.length
    chunk *= 4
  }
  if (limit > d.src.size) d.fail(`truncated: ${what} string at offset 0x${offset.toString(16)} runs past end of file`)
  return d.fail(`corrupt: ${what} string at offset 0x${offset.toString(16)} is not NUL-terminated`)
}

function readSegments(d: Decoder, phoff: number, phentsize: number, phnum: number): Segment[] {
  if (phnum === 0) return []
  const minEnt = d.is64 ? 56 : 32
  if (phentsize < minEnt) d.fail(`corrupt: e_phentsize ${phentsize} is smaller than a program header (${minEnt})`)
  if (phnum > MAX_PHNUM) d.fail(`corrupt: implausible program header count ${phnum}`)
  const table = d.need(phoff, phentsize * phnum, `program header table (${phnum} entries)`)
  const segments: Segment[] = []
  for (let i = 0; i < phnum; i++) {
    const at = i * phentsize
    const type = d.u32(table, at)
    if (d.is64) {
      segments.push({
        type,
        offset: d.word(table, at + 8),
        vaddr: d.word(table, at + 16),
        filesz: d.word(table, at + 32)
      })
    } else {
      segments.push({
        type,
        offset: d.word(table, at + 4),
        vaddr: d.word(table, at + 8),
        filesz: d.word(table, at + 16)
      })
    }
  }
  return segments
}

function readSectionHeader(d: Decoder, shoff: number, shentsize: number, index: number): Section {
  const at = shoff + index * shentsize
  const b = d.need(at, d.is64 ? 64 : 40, `section header ${index}`)
  if (d.is64)
    return {
      type: d.u32(b, 4),
      flags: d.word(b, 8),
      offset: d.word(b, 24),
      size: d.word(b, 32),
      link: d.u32(b, 40)
    }
  return { type: d.u32(b, 4), flags: d.u32(b, 8), offset: d.word(b, 16), size: d.word(b, 20), link: d.u32(b, 24) }
}

/** Maps a virtual address to a file offset through the PT_LOAD segments, or returns null. */
function vaddrToOffset(loads: Segment[], vaddr: number): number | null {
  for (const s of loads) {
    if (vaddr >= s.vaddr && vaddr < s.vaddr + s.filesz) return vaddr - s.vaddr + s.offset
  }
  return null
}

interface DynEntry {
  tag: number
  val: number
}

function readDynTable(d: Decoder, offset: number, size: number, what: string): DynEntry[] {
  const entSize = d.is64 ? 16 : 8
  if (size > MAX_DYN_BYTES) d.fail(`corrupt: ${what} is implausibly large (${size} bytes)`)
  const bytes = d.need(offset, size - (size % entSize), what)
  const entries: DynEntry[] = []
  for (let at = 0; at + entSize <= bytes.length; at += entSize) {
    const tag = d.tag(bytes, at)
    if (tag === DT_NULL) break
    entries.push({ tag, val: d.word(bytes, at + (d.is64 ? 8 : 4)) })
  }
  return entries
}

function parse(src: ByteSource, file: string): ElfReadResult {
  const ident = src.read(0, 16)
  if (!hasElfMagic(ident)) return { kind: 'not-elf', file }
  if (ident.length < 16)
    throw new ElfFormatError(file, `truncated: ${src.size} bytes, shorter than the ELF identification`)
  const clsByte = ident[4]
  const dataByte = ident[5]
  if (clsByte !== 1 && clsByte !== 2) throw new ElfFormatError(file, `corrupt: unknown ELF class ${clsByte} (EI_CLASS)`)
  if (dataByte !== 1 && dataByte !== 2)
    throw new ElfFormatError(file, `corrupt: unknown data encoding ${dataByte} (EI_DATA)`)
  const cls: ElfClass = clsByte === 2 ? 64 : 32
  const endian: ElfEndian = dataByte === 1 ? 'little' : 'big'
  const d = new Decoder(file, src, cls, endian)

  const ehsize = cls === 64 ? 64 : 52
  const eh = d.need(0, ehsize, `ELF header (ELFCLASS${cls})`)
  const typeValue = d.u16(eh, 16)
  const machine = d.u16(eh, 18)
  const o = cls === 64 ? { phoff: 32, shoff: 40, phentsize: 54 } : { phoff: 28, shoff: 32, phentsize: 42 }
  const phoff = d.word(eh, o.phoff)
  const shoff = d.word(eh, o.shoff)
  const phentsize = d.u16(eh, o.phentsize)
  let phnum = d.u16(eh, o.phentsize + 2)
  const shentsize = d.u16(eh, o.phentsize + 4)
  let shnum = d.u16(eh, o.phentsize + 6)
  let shstrndx = d.u16(eh, o.phentsize + 8)

  // Section 0 carries the real counts when they do not fit in the header's 16-bit fields.
  const hasSections = shoff !== 0
  if (hasSections && (phnum === PN_XNUM || shnum === 0 || shstrndx === SHN_XINDEX)) {
    if (shentsize < (cls === 64 ? 64 : 40)) d.fail(`corrupt: e_shentsize ${shentsize} is smaller than a section header`)
    const s0 = readSectionHeader(d, shoff, shentsize, 0)
    const s0b = d.need(shoff, cls === 64 ? 64 : 40, 'section header 0')
    if (phnum === PN_XNUM) phnum = d.u32(s0b, cls === 64 ? 44 : 28)
    if (shnum === 0) shnum = s0.size
    if (shstrndx === SHN_XINDEX) shstrndx = s0.link
  }

  const segments = phoff === 0 ? [] : readSegments(d, phoff, phentsize, phnum)
  const loads = segments.filter(s => s.type === PT_LOAD)

  let interpreter: string | null = null
  const interp = segments.find(s => s.type === PT_INTERP)
  if (interp) {
    const bytes = d.need(interp.offset, interp.filesz, 'PT_INTERP segment')
    const nul = bytes.indexOf(0)
    interpreter = (nul >= 0 ? bytes.subarray(0, nul) : bytes).toString('utf8')
  }

  // The dynamic table: from PT_DYNAMIC, else from a SHT_DYNAMIC section.
  let entries: DynEntry[] | null = null
  let linkedStrtab: Section | null = null
  const dynSeg = segments.find(s => s.type === PT_DYNAMIC)
  if (dynSeg && dynSeg.filesz > 0 && dynSeg.offset + dynSeg.filesz <= src.size) {
    entries = readDynTable(d, dynSeg.offset, dynSeg.filesz, 'PT_DYNAMIC segment')
  }
  let sections: Section[] | null = null
  const loadSections = (): Section[] => {
    if (sections) return sections
    sections = []
    if (!hasSections || shnum === 0) return sections
    if (shentsize < (cls === 64 ? 64 : 40)) d.fail(`corrupt: e_shentsize ${shentsize} is smaller than a section header`)
    if (shnum > MAX_SHNUM) d.fail(`corrupt: implausible section count ${shnum}`)
    d.need(shoff, shentsize * shnum, `section header table (${shnum} entries)`)
    for (let i = 0; i < shnum; i++) sections.push(readSectionHeader(d, shoff, shentsize, i))
    return sections
  }
  if (entries === null) {
    // A PT_DYNAMIC segment past the end of the file is forgiven only when intact sections lead to the table.
    const dynTruncated =
      dynSeg && dynSeg.filesz > 0
        ? `truncated: PT_DYNAMIC segment at offset 0x${dynSeg.offset.toString(16)} (${dynSeg.filesz} bytes) ` +
          `extends past the end of the file (${src.size} bytes)`
        : null
    let dynSec: Section | undefined
    try {
      dynSec = loadSections().find(s => s.type === SHT_DYNAMIC)
    } catch (err) {
      if (dynTruncated !== null && err instanceof ElfFormatError) d.fail(dynTruncated)
      throw err
    }
    if (dynSec) {
      entries = readDynTable(d, dynSec.offset, dynSec.size, '.dynamic section')
      const linked = loadSections()[dynSec.link]
      if (linked && linked.type !== SHT_NOBITS) linkedStrtab = linked
    } else if (dynTruncated !== null) {
      d.fail(dynTruncated)
    }
  }

  const info: ElfInfo = {
    kind: 'elf',
    file,
    class: cls,
    endian,
    machine,
    machineName: MACHINES[machine] ?? `EM_${machine}`,
    type: TYPES[typeValue] ?? 'OTHER',
    typeValue,
    interpreter,
    dynamic: entries !== null,
    needed: [],
    rpath: null,
    runpath: null,
    soname: null,
    programData: programData(sectionsOrNone(loadSections), loads, src.size),
    loaded: clipRanges(
      loads.map(s => [s.offset, s.offset + s.filesz] as const),
      src.size
    )
  }
  if (entries === null) return info

  const wanted = entries.filter(
    e => e.tag === DT_NEEDED || e.tag === DT_SONAME || e.tag === DT_RPATH || e.tag === DT_RUNPATH
  )
  if (wanted.length === 0) return info

  // The string table: DT_STRTAB mapped through PT_LOAD, else the section linked from .dynamic, else .dynstr's
  // section found by its address.
  const strtabAddr = entries.find(e => e.tag === DT_STRTAB)?.val
  const strsz = entries.find(e => e.tag === DT_STRSZ)?.val
  let strOff: number | null = null
  let strLimit = 0
  if (strtabAddr !== undefined) {
    strOff = vaddrToOffset(loads, strtabAddr)
    if (strOff !== null) strLimit = strsz !== undefined && Number.isFinite(strsz) ? strOff + strsz : src.size
  }
  if (strOff === null || strOff >= src.size) {
    if (!linkedStrtab) {
      const secs = loadSections()
      const dynSec = secs.find(s => s.type === SHT_DYNAMIC)
      const linked = dynSec ? secs[dynSec.link] : undefined
      if (linked && linked.type !== SHT_NOBITS) linkedStrtab = linked
    }
    const table: Section =
      linkedStrtab ??
      d.fail(
        strtabAddr === undefined
          ? 'corrupt: dynamic table has no DT_STRTAB and no string table section'
          : `corrupt: DT_STRTAB address 0x${strtabAddr.toString(16)} is in no PT_LOAD segment and no string table section is linked`
      )
    strOff = table.offset
    strLimit = table.offset + table.size
  }

  const rpath: string[] = []
  const runpath: string[] = []
  for (const e of wanted) {
    const at = strOff + e.val
    switch (e.tag) {
      case DT_NEEDED:
        info.needed.push(readCString(d, at, strLimit, 'DT_NEEDED'))
        break
      case DT_SONAME:
        info.soname = readCString(d, at, strLimit, 'DT_SONAME')
        break
      case DT_RPATH:
        rpath.push(readCString(d, at, strLimit, 'DT_RPATH'))
        break
      case DT_RUNPATH:
        runpath.push(readCString(d, at, strLimit, 'DT_RUNPATH'))
        break
    }
  }
  info.rpath = rpath.length > 0 ? rpath.join(':') : null
  info.runpath = runpath.length > 0 ? runpath.join(':') : null
  return info
}

/** The section headers, or none when they can't be read (the loader never reads them). */
function sectionsOrNone(load: () => Section[]): Section[] {
  try {
    return load()
  } catch (error) {
    if (error instanceof ElfFormatError) return []
    throw error
  }
}

/** Allocated PROGBITS sections, else PT_LOAD segments, as sorted file ranges clipped to the file. */
function programData(
  sections: readonly Section[],
  loads: readonly Segment[],
  size: number
): Array<readonly [number, number]> {
  const ranges =
    sections.length > 0
      ? sections
          .filter(s => s.type === SHT_PROGBITS && (s.flags & SHF_ALLOC) !== 0)
          .map(s => [s.offset, s.offset + s.size] as const)
      : loads.map(s => [s.offset, s.offset + s.filesz] as const)
  return clipRanges(ranges, size)
}

/** Ranges clipped to the file, empty ones dropped, sorted by start. */
function clipRanges(ranges: ReadonlyArray<readonly [number, number]>, size: number): Array<readonly [number, number]> {
  return ranges
    .map(([start, end]) => [Math.min(start, size), Math.min(end, size)] as const)
    .filter(([start, end]) => end > start)
    .sort((a, b) => a[0] - b[0])
}

/** Parses an ELF image held in memory. `name` labels results and errors. */
export function parseElf(data: Buffer, name = '<buffer>'): ElfReadResult {
  return parse(new BufferSource(data), name)
}

/**
 * Reads the ELF facts of a file, reading only the parts needed (header, program headers, dynamic table, strings).
 * Throws `ElfFormatError` for a truncated or corrupt ELF file and the usual fs errors for unreadable files.
 */
export function readElfFile(file: string): ElfReadResult {
  const fd = openSync(file, 'r')
  try {
    return readElfFd(fd, fstatSync(fd).size, file)
  } finally {
    closeSync(fd)
  }
}

/**
 * As `readElfFile`, for a descriptor the caller opened (and closes); `size` is the file's size. `head`, when given,
 * holds the file's first bytes as already read by the caller, and saves reading them again.
 */
export function readElfFd(fd: number, size: number, file: string, head?: Buffer): ElfReadResult {
  return parse(new FdSource(fd, size, head), file)
}
