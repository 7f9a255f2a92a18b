/**
 * The byte-level structures of an ELF image, for the reader in ./elf.ts: random access to the bytes (a buffer, or a
 * file read through its descriptor in windows), field decoding bound to the image's class and byte order, and the
 * tables the reader walks (program headers, section headers, the dynamic table, NUL-terminated strings). Every read
 * is bounds-checked: a truncated or corrupt image raises an ElfFormatError naming the file and the structure.
 */
import { readSync } from 'node:fs'

export type ElfClass = 32 | 64
export type ElfEndian = 'little' | 'big'

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

export const PT_LOAD = 1
export const PT_DYNAMIC = 2
export const PT_INTERP = 3
export const SHT_PROGBITS = 1
export const SHT_DYNAMIC = 6
export const SHT_NOBITS = 8
export const SHF_ALLOC = 0x2
export const DT_NULL = 0
export const DT_NEEDED = 1
export const DT_STRTAB = 5
export const DT_STRSZ = 10
export const DT_SONAME = 14
export const DT_RPATH = 15
export const DT_RUNPATH = 29
export const PN_XNUM = 0xffff
export const SHN_XINDEX = 0xffff

/** Upper bounds that keep a corrupt header from making the reader allocate or loop without end. */
export const MAX_PHNUM = 65536
export const MAX_SHNUM = 1 << 20
export const MAX_DYN_BYTES = 16 << 20
export const MAX_STRING = 1 << 20

/** Random access to the bytes of an image. `read` may return fewer bytes than asked for at the end of the input. */
export interface ByteSource {
  readonly size: number
  read(offset: number, length: number): Buffer
}

export class BufferSource implements ByteSource {
  constructor(private readonly data: Buffer) {}
  get size(): number {
    return this.data.length
  }
  read(offset: number, length: number): Buffer {
    return this.data.subarray(offset, Math.min(this.data.length, offset + length))
  }
}

/** Reads a file through its descriptor, keeping one window of at least WINDOW bytes to serve nearby reads. */
export class FdSource implements ByteSource {
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

export interface Segment {
  type: number
  offset: number
  vaddr: number
  filesz: number
}

export interface Section {
  type: number
  flags: number
  offset: number
  size: number
  link: number
}

/** Field access for one image, bound to its class and byte order. */
export class Decoder {
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
export function readCString(d: Decoder, offset: number, limit: number, what: string): string {
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

export function readSegments(d: Decoder, phoff: number, phentsize: number, phnum: number): Segment[] {
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

export function readSectionHeader(d: Decoder, shoff: number, shentsize: number, index: number): Section {
  const at = shoff + index * shentsize
  const b = d.need(at, d.is64 ? 64 : 40, `section header ${index}`)
  if (d.is64)
    return { type: d.u32(b, 4), flags: d.word(b, 8), offset: d.word(b, 24), size: d.word(b, 32), link: d.u32(b, 40) }
  return { type: d.u32(b, 4), flags: d.u32(b, 8), offset: d.word(b, 16), size: d.word(b, 20), link: d.u32(b, 24) }
}

/** Maps a virtual address to a file offset through the PT_LOAD segments, or returns null. */
export function vaddrToOffset(loads: Segment[], vaddr: number): number | null {
  for (const s of loads) {
    if (vaddr >= s.vaddr && vaddr < s.vaddr + s.filesz) return vaddr - s.vaddr + s.offset
  }
  return null
}

export interface DynEntry {
  tag: number
  val: number
}

export function readDynTable(d: Decoder, offset: number, size: number, what: string): DynEntry[] {
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
