/**
 * Which bytes of an ELF image the running program can reach: the loader maps the PT_LOAD segments, and of those the
 * program's own data lives in the allocated PROGBITS sections (.rodata, .data, ...). Debug information, symbol
 * tables and .comment are never mapped.
 */
import { ElfFormatError, SHF_ALLOC, SHT_PROGBITS, type Section, type Segment } from './elf-structures.js'

export type Range = readonly [number, number]

/** Ranges clipped to the file, empty ones dropped, sorted by start. */
function clip(ranges: readonly Range[], size: number): Range[] {
  return ranges
    .map(([start, end]) => [Math.min(start, size), Math.min(end, size)] as const)
    .filter(([start, end]) => end > start)
    .sort((a, b) => a[0] - b[0])
}

/** The PT_LOAD segments' file ranges: every byte the loader maps. */
export function loadedRanges(loads: readonly Segment[], size: number): Range[] {
  return clip(
    loads.map(s => [s.offset, s.offset + s.filesz] as const),
    size
  )
}

/**
 * The allocated PROGBITS sections' file ranges, or the PT_LOAD segments' when the section headers are absent or
 * can't be read (the loader never reads them).
 */
export function programDataRanges(sections: () => Section[], loads: readonly Segment[], size: number): Range[] {
  let all: Section[] = []
  try {
    all = sections()
  } catch (error) {
    if (!(error instanceof ElfFormatError)) throw error
  }
  if (all.length === 0) return loadedRanges(loads, size)
  return clip(
    all
      .filter(s => s.type === SHT_PROGBITS && (s.flags & SHF_ALLOC) !== 0)
      .map(s => [s.offset, s.offset + s.size] as const),
    size
  )
}
