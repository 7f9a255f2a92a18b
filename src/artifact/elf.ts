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
import { closeSync, fstatSync, openSync } from 'node:fs'
import {
  BufferSource,
  DT_NEEDED,
  DT_RPATH,
  DT_RUNPATH,
  DT_SONAME,
  DT_STRSZ,
  DT_STRTAB,
  ElfFormatError,
  FdSource,
  MAX_SHNUM,
  PN_XNUM,
  PT_DYNAMIC,
  PT_INTERP,
  PT_LOAD,
  readCString,
  readDynTable,
  readSectionHeader,
  readSegments,
  SHN_XINDEX,
  SHT_DYNAMIC,
  SHT_NOBITS,
  vaddrToOffset,
  Decoder,
  type ByteSource,
  type DynEntry,
  type ElfClass,
  type ElfEndian,
  type Section,
  type Segment
} from './elf-structures.js'
import { loadedRanges, programDataRanges, type Range } from './elf-ranges.js'

export { ElfFormatError, type ElfClass, type ElfEndian } from './elf-structures.js'
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
  /** File ranges `[start, end)` of the program's data: allocated PROGBITS sections (see ./elf-ranges.ts). */
  programData: Range[]
  /** File ranges `[start, end)` of the PT_LOAD segments: every byte the loader maps. */
  loaded: Range[]
}

export interface NotElf {
  kind: 'not-elf'
  file: string
}

export type ElfReadResult = ElfInfo | NotElf

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

/** The ELF header's fields the reader uses, with the counts that overflow into section 0 already resolved. */
interface Header {
  readonly typeValue: number
  readonly machine: number
  readonly phoff: number
  readonly phentsize: number
  readonly phnum: number
  readonly shoff: number
  readonly shentsize: number
  readonly shnum: number
}

/** The class and byte order from the identification bytes, or null when the image is not ELF at all. */
function readIdentity(src: ByteSource, file: string): { cls: ElfClass; endian: ElfEndian } | null {
  const ident = src.read(0, 16)
  if (!hasElfMagic(ident)) return null
  if (ident.length < 16)
    throw new ElfFormatError(file, `truncated: ${src.size} bytes, shorter than the ELF identification`)
  const clsByte = ident[4]
  const dataByte = ident[5]
  if (clsByte !== 1 && clsByte !== 2) throw new ElfFormatError(file, `corrupt: unknown ELF class ${clsByte} (EI_CLASS)`)
  if (dataByte !== 1 && dataByte !== 2)
    throw new ElfFormatError(file, `corrupt: unknown data encoding ${dataByte} (EI_DATA)`)
  return { cls: clsByte === 2 ? 64 : 32, endian: dataByte === 1 ? 'little' : 'big' }
}

function readHeader(d: Decoder): Header {
  const eh = d.need(0, d.is64 ? 64 : 52, `ELF header (ELFCLASS${d.is64 ? 64 : 32})`)
  const o = d.is64 ? { phoff: 32, shoff: 40, phentsize: 54 } : { phoff: 28, shoff: 32, phentsize: 42 }
  const header = {
    typeValue: d.u16(eh, 16),
    machine: d.u16(eh, 18),
    phoff: d.word(eh, o.phoff),
    shoff: d.word(eh, o.shoff),
    phentsize: d.u16(eh, o.phentsize),
    phnum: d.u16(eh, o.phentsize + 2),
    shentsize: d.u16(eh, o.phentsize + 4),
    shnum: d.u16(eh, o.phentsize + 6)
  }
  const shstrndx = d.u16(eh, o.phentsize + 8)
  // Section 0 carries the real counts when they do not fit in the header's 16-bit fields.
  if (header.shoff !== 0 && (header.phnum === PN_XNUM || header.shnum === 0 || shstrndx === SHN_XINDEX)) {
    checkSectionHeaderSize(d, header.shentsize)
    const s0 = readSectionHeader(d, header.shoff, header.shentsize, 0)
    const s0b = d.need(header.shoff, d.is64 ? 64 : 40, 'section header 0')
    if (header.phnum === PN_XNUM) header.phnum = d.u32(s0b, d.is64 ? 44 : 28)
    if (header.shnum === 0) header.shnum = s0.size
  }
  return header
}

function checkSectionHeaderSize(d: Decoder, shentsize: number): void {
  if (shentsize < (d.is64 ? 64 : 40)) d.fail(`corrupt: e_shentsize ${shentsize} is smaller than a section header`)
}

/** The section headers, read on first use: most images lead to their dynamic table through segments alone. */
function sectionReader(d: Decoder, header: Header): () => Section[] {
  let sections: Section[] | null = null
  return () => {
    if (sections) return sections
    sections = []
    if (header.shoff === 0 || header.shnum === 0) return sections
    checkSectionHeaderSize(d, header.shentsize)
    if (header.shnum > MAX_SHNUM) d.fail(`corrupt: implausible section count ${header.shnum}`)
    d.need(header.shoff, header.shentsize * header.shnum, `section header table (${header.shnum} entries)`)
    for (let i = 0; i < header.shnum; i++) sections.push(readSectionHeader(d, header.shoff, header.shentsize, i))
    return sections
  }
}

function readInterpreter(d: Decoder, segments: readonly Segment[]): string | null {
  const interp = segments.find(s => s.type === PT_INTERP)
  if (!interp) return null
  const bytes = d.need(interp.offset, interp.filesz, 'PT_INTERP segment')
  const nul = bytes.indexOf(0)
  return (nul >= 0 ? bytes.subarray(0, nul) : bytes).toString('utf8')
}

/** The section linked from .dynamic as its string table, unless it holds no bytes in the file. */
function linkedStringTable(sections: readonly Section[], dynamic: Section | undefined): Section | null {
  const linked = dynamic ? sections[dynamic.link] : undefined
  return linked && linked.type !== SHT_NOBITS ? linked : null
}

/**
 * The dynamic table: from PT_DYNAMIC, else from a SHT_DYNAMIC section (with the string table that section links);
 * null for a static image. A PT_DYNAMIC segment past the end of the file is forgiven only when intact sections lead
 * to the table.
 */
function readDynamic(
  d: Decoder,
  segments: readonly Segment[],
  sections: () => Section[]
): { entries: DynEntry[]; linkedStrtab: Section | null } | null {
  const dynSeg = segments.find(s => s.type === PT_DYNAMIC)
  if (dynSeg && dynSeg.filesz > 0 && dynSeg.offset + dynSeg.filesz <= d.src.size) {
    return { entries: readDynTable(d, dynSeg.offset, dynSeg.filesz, 'PT_DYNAMIC segment'), linkedStrtab: null }
  }
  const dynTruncated =
    dynSeg && dynSeg.filesz > 0
      ? `truncated: PT_DYNAMIC segment at offset 0x${dynSeg.offset.toString(16)} (${dynSeg.filesz} bytes) ` +
        `extends past the end of the file (${d.src.size} bytes)`
      : null
  let dynSec: Section | undefined
  try {
    dynSec = sections().find(s => s.type === SHT_DYNAMIC)
  } catch (err) {
    if (dynTruncated !== null && err instanceof ElfFormatError) d.fail(dynTruncated)
    throw err
  }
  if (!dynSec) return dynTruncated === null ? null : d.fail(dynTruncated)
  return {
    entries: readDynTable(d, dynSec.offset, dynSec.size, '.dynamic section'),
    linkedStrtab: linkedStringTable(sections(), dynSec)
  }
}

/**
 * Where the dynamic strings are: DT_STRTAB mapped through PT_LOAD, else the section linked from .dynamic, else
 * .dynstr's section found by its address.
 */
function stringTable(
  d: Decoder,
  entries: readonly DynEntry[],
  loads: readonly Segment[],
  linked: Section | null,
  sections: () => Section[]
): { offset: number; limit: number } {
  const strtabAddr = entries.find(e => e.tag === DT_STRTAB)?.val
  const strsz = entries.find(e => e.tag === DT_STRSZ)?.val
  if (strtabAddr !== undefined) {
    const offset = vaddrToOffset([...loads], strtabAddr)
    if (offset !== null && offset < d.src.size)
      return { offset, limit: strsz !== undefined && Number.isFinite(strsz) ? offset + strsz : d.src.size }
  }
  const all = linked ? [] : sections()
  const table: Section =
    linked ??
    linkedStringTable(
      all,
      all.find(s => s.type === SHT_DYNAMIC)
    ) ??
    d.fail(
      strtabAddr === undefined
        ? 'corrupt: dynamic table has no DT_STRTAB and no string table section'
        : `corrupt: DT_STRTAB address 0x${strtabAddr.toString(16)} is in no PT_LOAD segment and no string table section is linked`
    )
  return { offset: table.offset, limit: table.offset + table.size }
}

const TAG_NAMES: Readonly<Record<number, string>> = {
  [DT_NEEDED]: 'DT_NEEDED',
  [DT_SONAME]: 'DT_SONAME',
  [DT_RPATH]: 'DT_RPATH',
  [DT_RUNPATH]: 'DT_RUNPATH'
}

function parse(src: ByteSource, file: string): ElfReadResult {
  const identity = readIdentity(src, file)
  if (!identity) return { kind: 'not-elf', file }
  const d = new Decoder(file, src, identity.cls, identity.endian)
  const header = readHeader(d)
  const sections = sectionReader(d, header)
  const segments = header.phoff === 0 ? [] : readSegments(d, header.phoff, header.phentsize, header.phnum)
  const interpreter = readInterpreter(d, segments)
  const dynamic = readDynamic(d, segments, sections)
  const loads = segments.filter(s => s.type === PT_LOAD)
  const info: ElfInfo = {
    kind: 'elf',
    file,
    class: identity.cls,
    endian: identity.endian,
    machine: header.machine,
    machineName: MACHINES[header.machine] ?? `EM_${header.machine}`,
    type: TYPES[header.typeValue] ?? 'OTHER',
    typeValue: header.typeValue,
    interpreter,
    dynamic: dynamic !== null,
    needed: [],
    rpath: null,
    runpath: null,
    soname: null,
    programData: programDataRanges(sections, loads, src.size),
    loaded: loadedRanges(loads, src.size)
  }
  if (dynamic === null) return info
  const wanted = dynamic.entries.filter(
    e => e.tag === DT_NEEDED || e.tag === DT_SONAME || e.tag === DT_RPATH || e.tag === DT_RUNPATH
  )
  if (wanted.length === 0) return info
  const strings = stringTable(d, dynamic.entries, loads, dynamic.linkedStrtab, sections)
  // Read in table order, so that the first bad entry is the one reported.
  const texts = wanted.map(e => ({
    tag: e.tag,
    text: readCString(d, strings.offset + e.val, strings.limit, TAG_NAMES[e.tag] as string)
  }))
  const of = (tag: number): string[] => texts.filter(t => t.tag === tag).map(t => t.text)
  const rpath = of(DT_RPATH)
  const runpath = of(DT_RUNPATH)
  return {
    ...info,
    needed: of(DT_NEEDED),
    soname: of(DT_SONAME).pop() ?? null,
    rpath: rpath.length > 0 ? rpath.join(':') : null,
    runpath: runpath.length > 0 ? runpath.join(':') : null
  }
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
