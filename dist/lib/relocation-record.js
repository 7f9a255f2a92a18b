import { readSync, openSync, fstatSync, closeSync, lstatSync, readFileSync, readdirSync, statSync, realpathSync, readlinkSync, existsSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { T as TREE_RECORDS, M as MANIFEST_FILE, R as RESOLVED_PATHS_FILE } from './layout.js';

/**
 * The byte-level structures of an ELF image, for the reader in ./elf.ts: random access to the bytes (a buffer, or a
 * file read through its descriptor in windows), field decoding bound to the image's class and byte order, and the
 * tables the reader walks (program headers, section headers, the dynamic table, NUL-terminated strings). Every read
 * is bounds-checked: a truncated or corrupt image raises an ElfFormatError naming the file and the structure.
 */
/** A truncated or corrupt ELF image. `message` is `<file>: <reason>`. */
class ElfFormatError extends Error {
    file;
    reason;
    constructor(file, reason) {
        super(`${file}: ${reason}`);
        this.name = 'ElfFormatError';
        this.file = file;
        this.reason = reason;
    }
}
const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const SHT_PROGBITS = 1;
const SHT_DYNAMIC = 6;
const SHT_NOBITS = 8;
const SHF_ALLOC = 0x2;
const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const DT_STRSZ = 10;
const DT_SONAME = 14;
const DT_RPATH = 15;
const DT_RUNPATH = 29;
const PN_XNUM = 0xffff;
const SHN_XINDEX = 0xffff;
/** Upper bounds that keep a corrupt header from making the reader allocate or loop without end. */
const MAX_PHNUM = 65536;
const MAX_SHNUM = 1 << 20;
const MAX_DYN_BYTES = 16 << 20;
const MAX_STRING = 1 << 20;
/** Reads a file through its descriptor, keeping one window of at least WINDOW bytes to serve nearby reads. */
class FdSource {
    fd;
    size;
    static WINDOW = 8192;
    windowStart = 0;
    window = Buffer.alloc(0);
    constructor(fd, size, head) {
        this.fd = fd;
        this.size = size;
        if (head)
            this.window = head;
    }
    read(offset, length) {
        const end = Math.min(this.size, offset + length);
        if (offset >= end)
            return Buffer.alloc(0);
        if (offset >= this.windowStart && end <= this.windowStart + this.window.length) {
            return this.window.subarray(offset - this.windowStart, end - this.windowStart);
        }
        const want = Math.min(this.size - offset, Math.max(end - offset, FdSource.WINDOW));
        const buf = Buffer.allocUnsafe(want);
        let got = 0;
        while (got < want) {
            const n = readSync(this.fd, buf, got, want - got, offset + got);
            if (n === 0)
                break;
            got += n;
        }
        this.window = buf.subarray(0, got);
        this.windowStart = offset;
        return this.window.subarray(0, Math.min(got, end - offset));
    }
}
/** Field access for one image, bound to its class and byte order. */
class Decoder {
    file;
    src;
    is64;
    le;
    constructor(file, src, cls, endian) {
        this.file = file;
        this.src = src;
        this.is64 = cls === 64;
        this.le = endian === 'little';
    }
    fail(reason) {
        throw new ElfFormatError(this.file, reason);
    }
    /** Exactly `length` bytes at `offset`, or a truncation error that says which structure did not fit. */
    need(offset, length, what) {
        if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > this.src.size) {
            this.fail(`truncated or corrupt: ${what} at offset 0x${offset.toString(16)} (${length} bytes) ` +
                `extends past the end of the file (${this.src.size} bytes)`);
        }
        const buf = this.src.read(offset, length);
        if (buf.length !== length)
            this.fail(`short read of ${what} at offset 0x${offset.toString(16)}`);
        return buf;
    }
    u16(b, at) {
        return this.le ? b.readUInt16LE(at) : b.readUInt16BE(at);
    }
    u32(b, at) {
        return this.le ? b.readUInt32LE(at) : b.readUInt32BE(at);
    }
    /** An address or offset: 4 bytes in ELFCLASS32, 8 in ELFCLASS64 (values beyond 2^53 become Infinity). */
    word(b, at) {
        if (!this.is64)
            return this.u32(b, at);
        const v = this.le ? b.readBigUInt64LE(at) : b.readBigUInt64BE(at);
        return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : Number.POSITIVE_INFINITY;
    }
    /** A signed d_tag (tags beyond the safe range are never the ones we look for). */
    tag(b, at) {
        if (!this.is64)
            return this.le ? b.readInt32LE(at) : b.readInt32BE(at);
        const v = this.le ? b.readBigInt64LE(at) : b.readBigInt64BE(at);
        return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : -1;
    }
}
/** Reads a NUL-terminated string starting at `offset` that must end before `limit`. */
function readCString(d, offset, limit, what) {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset >= limit) {
        d.fail(`${what}: string offset 0x${offset.toString(16)} is outside its string table`);
    }
    const max = Math.min(limit, d.src.size, offset + MAX_STRING);
    const parts = [];
    let at = offset;
    let chunk = 256;
    while (at < max) {
        const buf = d.src.read(at, Math.min(chunk, max - at));
        if (buf.length === 0)
            break;
        const nul = buf.indexOf(0);
        if (nul >= 0) {
            parts.push(buf.subarray(0, nul));
            return Buffer.concat(parts).toString('utf8');
        }
        parts.push(Buffer.from(buf));
        at += buf.length;
        chunk *= 4;
    }
    if (limit > d.src.size)
        d.fail(`truncated: ${what} string at offset 0x${offset.toString(16)} runs past end of file`);
    return d.fail(`corrupt: ${what} string at offset 0x${offset.toString(16)} is not NUL-terminated`);
}
function readSegments(d, phoff, phentsize, phnum) {
    if (phnum === 0)
        return [];
    const minEnt = d.is64 ? 56 : 32;
    if (phentsize < minEnt)
        d.fail(`corrupt: e_phentsize ${phentsize} is smaller than a program header (${minEnt})`);
    if (phnum > MAX_PHNUM)
        d.fail(`corrupt: implausible program header count ${phnum}`);
    const table = d.need(phoff, phentsize * phnum, `program header table (${phnum} entries)`);
    const segments = [];
    for (let i = 0; i < phnum; i++) {
        const at = i * phentsize;
        const type = d.u32(table, at);
        if (d.is64) {
            segments.push({
                type,
                offset: d.word(table, at + 8),
                vaddr: d.word(table, at + 16),
                filesz: d.word(table, at + 32)
            });
        }
        else {
            segments.push({
                type,
                offset: d.word(table, at + 4),
                vaddr: d.word(table, at + 8),
                filesz: d.word(table, at + 16)
            });
        }
    }
    return segments;
}
function readSectionHeader(d, shoff, shentsize, index) {
    const at = shoff + index * shentsize;
    const b = d.need(at, d.is64 ? 64 : 40, `section header ${index}`);
    if (d.is64)
        return { type: d.u32(b, 4), flags: d.word(b, 8), offset: d.word(b, 24), size: d.word(b, 32), link: d.u32(b, 40) };
    return { type: d.u32(b, 4), flags: d.u32(b, 8), offset: d.word(b, 16), size: d.word(b, 20), link: d.u32(b, 24) };
}
/** Maps a virtual address to a file offset through the PT_LOAD segments, or returns null. */
function vaddrToOffset(loads, vaddr) {
    for (const s of loads) {
        if (vaddr >= s.vaddr && vaddr < s.vaddr + s.filesz)
            return vaddr - s.vaddr + s.offset;
    }
    return null;
}
function readDynTable(d, offset, size, what) {
    const entSize = d.is64 ? 16 : 8;
    if (size > MAX_DYN_BYTES)
        d.fail(`corrupt: ${what} is implausibly large (${size} bytes)`);
    const bytes = d.need(offset, size - (size % entSize), what);
    const entries = [];
    for (let at = 0; at + entSize <= bytes.length; at += entSize) {
        const tag = d.tag(bytes, at);
        if (tag === DT_NULL)
            break;
        entries.push({ tag, val: d.word(bytes, at + (d.is64 ? 8 : 4)) });
    }
    return entries;
}

/**
 * Which bytes of an ELF image the running program can reach: the loader maps the PT_LOAD segments, and of those the
 * program's own data lives in the allocated PROGBITS sections (.rodata, .data, ...). Debug information, symbol
 * tables and .comment are never mapped.
 */
/** Ranges clipped to the file, empty ones dropped, sorted by start. */
function clip(ranges, size) {
    return ranges
        .map(([start, end]) => [Math.min(start, size), Math.min(end, size)])
        .filter(([start, end]) => end > start)
        .sort((a, b) => a[0] - b[0]);
}
/** The PT_LOAD segments' file ranges: every byte the loader maps. */
function loadedRanges(loads, size) {
    return clip(loads.map(s => [s.offset, s.offset + s.filesz]), size);
}
/**
 * The allocated PROGBITS sections' file ranges, or the PT_LOAD segments' when the section headers are absent or
 * can't be read (the loader never reads them).
 */
function programDataRanges(sections, loads, size) {
    let all = [];
    try {
        all = sections();
    }
    catch (error) {
        if (!(error instanceof ElfFormatError))
            throw error;
    }
    if (all.length === 0)
        return loadedRanges(loads, size);
    return clip(all
        .filter(s => s.type === SHT_PROGBITS && (s.flags & SHF_ALLOC) !== 0)
        .map(s => [s.offset, s.offset + s.size]), size);
}

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
/** Splits a DT_RPATH / DT_RUNPATH string into its directories (empty entries kept: the loader reads them as '.'). */
function splitSearchPath(value) {
    return value === null ? [] : value.split(':');
}
/** The first bytes of an ELF image. */
Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
/** Whether `head` starts with the ELF magic number. */
function hasElfMagic(head) {
    return head.length >= 4 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46;
}
const MACHINES = {
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
};
const TYPES = { 0: 'NONE', 1: 'REL', 2: 'EXEC', 3: 'DYN', 4: 'CORE' };
/** The class and byte order from the identification bytes, or null when the image is not ELF at all. */
function readIdentity(src, file) {
    const ident = src.read(0, 16);
    if (!hasElfMagic(ident))
        return null;
    if (ident.length < 16)
        throw new ElfFormatError(file, `truncated: ${src.size} bytes, shorter than the ELF identification`);
    const clsByte = ident[4];
    const dataByte = ident[5];
    if (clsByte !== 1 && clsByte !== 2)
        throw new ElfFormatError(file, `corrupt: unknown ELF class ${clsByte} (EI_CLASS)`);
    if (dataByte !== 1 && dataByte !== 2)
        throw new ElfFormatError(file, `corrupt: unknown data encoding ${dataByte} (EI_DATA)`);
    return { cls: clsByte === 2 ? 64 : 32, endian: dataByte === 1 ? 'little' : 'big' };
}
function readHeader(d) {
    const eh = d.need(0, d.is64 ? 64 : 52, `ELF header (ELFCLASS${d.is64 ? 64 : 32})`);
    const o = d.is64 ? { phoff: 32, shoff: 40, phentsize: 54 } : { phoff: 28, shoff: 32, phentsize: 42 };
    const header = {
        typeValue: d.u16(eh, 16),
        machine: d.u16(eh, 18),
        phoff: d.word(eh, o.phoff),
        shoff: d.word(eh, o.shoff),
        phentsize: d.u16(eh, o.phentsize),
        phnum: d.u16(eh, o.phentsize + 2),
        shentsize: d.u16(eh, o.phentsize + 4),
        shnum: d.u16(eh, o.phentsize + 6)
    };
    const shstrndx = d.u16(eh, o.phentsize + 8);
    // Section 0 carries the real counts when they do not fit in the header's 16-bit fields.
    if (header.shoff !== 0 && (header.phnum === PN_XNUM || header.shnum === 0 || shstrndx === SHN_XINDEX)) {
        checkSectionHeaderSize(d, header.shentsize);
        const s0 = readSectionHeader(d, header.shoff, header.shentsize, 0);
        const s0b = d.need(header.shoff, d.is64 ? 64 : 40, 'section header 0');
        if (header.phnum === PN_XNUM)
            header.phnum = d.u32(s0b, d.is64 ? 44 : 28);
        if (header.shnum === 0)
            header.shnum = s0.size;
    }
    return header;
}
function checkSectionHeaderSize(d, shentsize) {
    if (shentsize < (d.is64 ? 64 : 40))
        d.fail(`corrupt: e_shentsize ${shentsize} is smaller than a section header`);
}
/** The section headers, read on first use: most images lead to their dynamic table through segments alone. */
function sectionReader(d, header) {
    let sections = null;
    return () => {
        if (sections)
            return sections;
        sections = [];
        if (header.shoff === 0 || header.shnum === 0)
            return sections;
        checkSectionHeaderSize(d, header.shentsize);
        if (header.shnum > MAX_SHNUM)
            d.fail(`corrupt: implausible section count ${header.shnum}`);
        d.need(header.shoff, header.shentsize * header.shnum, `section header table (${header.shnum} entries)`);
        for (let i = 0; i < header.shnum; i++)
            sections.push(readSectionHeader(d, header.shoff, header.shentsize, i));
        return sections;
    };
}
function readInterpreter(d, segments) {
    const interp = segments.find(s => s.type === PT_INTERP);
    if (!interp)
        return null;
    const bytes = d.need(interp.offset, interp.filesz, 'PT_INTERP segment');
    const nul = bytes.indexOf(0);
    return (nul >= 0 ? bytes.subarray(0, nul) : bytes).toString('utf8');
}
/** The section linked from .dynamic as its string table, unless it holds no bytes in the file. */
function linkedStringTable(sections, dynamic) {
    const linked = dynamic ? sections[dynamic.link] : undefined;
    return linked && linked.type !== SHT_NOBITS ? linked : null;
}
/**
 * The dynamic table: from PT_DYNAMIC, else from a SHT_DYNAMIC section (with the string table that section links);
 * null for a static image. A PT_DYNAMIC segment past the end of the file is forgiven only when intact sections lead
 * to the table.
 */
function readDynamic(d, segments, sections) {
    const dynSeg = segments.find(s => s.type === PT_DYNAMIC);
    if (dynSeg && dynSeg.filesz > 0 && dynSeg.offset + dynSeg.filesz <= d.src.size) {
        return { entries: readDynTable(d, dynSeg.offset, dynSeg.filesz, 'PT_DYNAMIC segment'), linkedStrtab: null };
    }
    const dynTruncated = dynSeg && dynSeg.filesz > 0
        ? `truncated: PT_DYNAMIC segment at offset 0x${dynSeg.offset.toString(16)} (${dynSeg.filesz} bytes) ` +
            `extends past the end of the file (${d.src.size} bytes)`
        : null;
    let dynSec;
    try {
        dynSec = sections().find(s => s.type === SHT_DYNAMIC);
    }
    catch (err) {
        if (dynTruncated !== null && err instanceof ElfFormatError)
            d.fail(dynTruncated);
        throw err;
    }
    if (!dynSec)
        return dynTruncated === null ? null : d.fail(dynTruncated);
    return {
        entries: readDynTable(d, dynSec.offset, dynSec.size, '.dynamic section'),
        linkedStrtab: linkedStringTable(sections(), dynSec)
    };
}
/**
 * Where the dynamic strings are: DT_STRTAB mapped through PT_LOAD, else the section linked from .dynamic, else
 * .dynstr's section found by its address.
 */
function stringTable(d, entries, loads, linked, sections) {
    const strtabAddr = entries.find(e => e.tag === DT_STRTAB)?.val;
    const strsz = entries.find(e => e.tag === DT_STRSZ)?.val;
    if (strtabAddr !== undefined) {
        const offset = vaddrToOffset([...loads], strtabAddr);
        if (offset !== null && offset < d.src.size)
            return { offset, limit: strsz !== undefined && Number.isFinite(strsz) ? offset + strsz : d.src.size };
    }
    const all = linked ? [] : sections();
    const table = linked ??
        linkedStringTable(all, all.find(s => s.type === SHT_DYNAMIC)) ??
        d.fail(strtabAddr === undefined
            ? 'corrupt: dynamic table has no DT_STRTAB and no string table section'
            : `corrupt: DT_STRTAB address 0x${strtabAddr.toString(16)} is in no PT_LOAD segment and no string table section is linked`);
    return { offset: table.offset, limit: table.offset + table.size };
}
const TAG_NAMES = {
    [DT_NEEDED]: 'DT_NEEDED',
    [DT_SONAME]: 'DT_SONAME',
    [DT_RPATH]: 'DT_RPATH',
    [DT_RUNPATH]: 'DT_RUNPATH'
};
function parse(src, file) {
    const identity = readIdentity(src, file);
    if (!identity)
        return { kind: 'not-elf', file };
    const d = new Decoder(file, src, identity.cls, identity.endian);
    const header = readHeader(d);
    const sections = sectionReader(d, header);
    const segments = header.phoff === 0 ? [] : readSegments(d, header.phoff, header.phentsize, header.phnum);
    const interpreter = readInterpreter(d, segments);
    const dynamic = readDynamic(d, segments, sections);
    const loads = segments.filter(s => s.type === PT_LOAD);
    const info = {
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
    };
    if (dynamic === null)
        return info;
    const wanted = dynamic.entries.filter(e => e.tag === DT_NEEDED || e.tag === DT_SONAME || e.tag === DT_RPATH || e.tag === DT_RUNPATH);
    if (wanted.length === 0)
        return info;
    const strings = stringTable(d, dynamic.entries, loads, dynamic.linkedStrtab, sections);
    // Read in table order, so that the first bad entry is the one reported.
    const texts = wanted.map(e => ({
        tag: e.tag,
        text: readCString(d, strings.offset + e.val, strings.limit, TAG_NAMES[e.tag])
    }));
    const of = (tag) => texts.filter(t => t.tag === tag).map(t => t.text);
    const rpath = of(DT_RPATH);
    const runpath = of(DT_RUNPATH);
    return {
        ...info,
        needed: of(DT_NEEDED),
        soname: of(DT_SONAME).pop() ?? null,
        rpath: rpath.length > 0 ? rpath.join(':') : null,
        runpath: runpath.length > 0 ? runpath.join(':') : null
    };
}
/**
 * Reads the ELF facts of a file, reading only the parts needed (header, program headers, dynamic table, strings).
 * Throws `ElfFormatError` for a truncated or corrupt ELF file and the usual fs errors for unreadable files.
 */
function readElfFile(file) {
    const fd = openSync(file, 'r');
    try {
        return readElfFd(fd, fstatSync(fd).size, file);
    }
    finally {
        closeSync(fd);
    }
}
/**
 * As `readElfFile`, for a descriptor the caller opened (and closes); `size` is the file's size. `head`, when given,
 * holds the file's first bytes as already read by the caller, and saves reading them again.
 */
function readElfFd(fd, size, file, head) {
    return parse(new FdSource(fd, size, head), file);
}

/**
 * Build paths left in the files of a tree: where each occurrence of a build prefix sits, and what it means once the
 * tree is moved.
 *
 * In an ELF file, an occurrence in the bytes the loader never maps (debug information, symbol tables) can't be used
 * by the running program. One in its program data (.rodata, .data) can: when that path, with the build prefix and
 * the Spack install prefix (`<name>-<version>-<hash>`) taken off, names something the tree itself holds (a program,
 * a plugin directory, a configuration file's directory), the moved tree would still reach for the build machine's
 * copy. That is a relocation hazard, unless the recipe resolves that very path at run time from the loaded tree.
 * Other build paths in program data (a source file name, a configure line) are reported as such.
 */
const SCAN_CHUNK = 4 << 20;
const EXCERPT_MAX = 160;
const TOKEN_MAX = 4096;
/** Occurrences kept per file and prefix: enough to classify, bounded for pathological files. */
const MAX_OFFSETS = 10_000;
const SPACK_PREFIX_DIR = /^.+-[a-z0-9]{32}$/;
function countNewlines(buf, end) {
    let n = 0;
    let i = buf.indexOf(10, 0);
    while (i >= 0 && i < end) {
        n++;
        i = buf.indexOf(10, i + 1);
    }
    return n;
}
/** The text around a hit: its line (text) or the NUL-delimited printable string holding it (binary). */
function excerptAt(buf, at, len, text) {
    const stop = (b) => b === undefined || (text ? b === 10 || b === 13 : b === 0 || b < 0x20 || b > 0x7e);
    let s = at;
    while (s > 0 && at - s < EXCERPT_MAX && !stop(buf[s - 1]))
        s--;
    let e = at + len;
    while (e < buf.length && e - s < EXCERPT_MAX * 2 && !stop(buf[e]))
        e++;
    let out = buf
        .subarray(s, e)
        .toString(text ? 'utf8' : 'latin1')
        .trim();
    if (out.length > EXCERPT_MAX)
        out = `${out.slice(0, EXCERPT_MAX - 1)}…`;
    return out;
}
/** Every occurrence of each prefix in a file, read in chunks; the first hit's line (text) and excerpt. */
function scanForPrefixes(fd, size, prefixes, text) {
    const maxLen = Math.max(...prefixes.map(p => p.length));
    const state = prefixes.map(p => ({ p, next: 0, offsets: [], count: 0, line: 0, excerpt: '' }));
    let carry = Buffer.alloc(0);
    let newlinesBefore = 0;
    const chunk = Buffer.allocUnsafe(Math.min(SCAN_CHUNK, Math.max(size, 1)));
    for (let pos = 0; pos < size;) {
        const n = readSync(fd, chunk, 0, Math.min(chunk.length, size - pos), pos);
        if (n === 0)
            break;
        const buf = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
        const bufStart = pos - carry.length;
        for (const st of state) {
            const L = st.p.length;
            let i = buf.indexOf(st.p, Math.max(0, st.next - bufStart));
            while (i >= 0) {
                if (st.count === 0) {
                    st.excerpt = excerptAt(buf, i, L, text);
                    if (text)
                        st.line = newlinesBefore + countNewlines(buf, i) + 1;
                }
                st.count++;
                if (st.offsets.length < MAX_OFFSETS)
                    st.offsets.push(bufStart + i);
                st.next = bufStart + i + L;
                i = buf.indexOf(st.p, i + L);
            }
            st.next = Math.max(st.next, bufStart + buf.length - L + 1);
        }
        const keep = Math.min(maxLen - 1, buf.length);
        if (text)
            newlinesBefore += countNewlines(buf, buf.length - keep);
        carry = Buffer.from(buf.subarray(buf.length - keep));
        pos += n;
    }
    return state
        .filter(st => st.count > 0)
        .map(st => ({
        prefix: st.p.toString('utf8'),
        count: st.count,
        offsets: st.offsets,
        ...(text ? { line: st.line } : {}),
        excerpt: st.excerpt
    }));
}
/** The path starting at `offset`: up to a NUL, whitespace, quote or list separator. */
function pathAt(fd, offset, size) {
    const buf = Buffer.alloc(Math.min(TOKEN_MAX, Math.max(0, size - offset)));
    const n = readSync(fd, buf, 0, buf.length, offset);
    let end = 0;
    while (end < n) {
        const b = buf[end];
        if (b === 0 || b < 0x21 || b > 0x7e || b === 0x3a || b === 0x3b || b === 0x2c || b === 0x22 || b === 0x27)
            break;
        end++;
    }
    return buf.subarray(0, end).toString('latin1');
}
/**
 * Where `built` (a path starting with one of `prefixes`) lies in the tree: the rest after the prefix and, for a
 * path into a Spack install tree, after the package's install prefix (`<name>-<version>-<hash>`). '' is the tree's
 * root. Undefined when `built` starts with none of the prefixes.
 */
function treePathOf(built, prefixes) {
    const prefix = prefixes
        .filter(p => built === p || built.startsWith(p.endsWith('/') ? p : `${p}/`))
        .sort((a, b) => b.length - a.length)[0];
    if (prefix === undefined)
        return undefined;
    const parts = built.slice(prefix.length).split('/').filter(Boolean);
    const installPrefix = parts.findIndex(part => SPACK_PREFIX_DIR.test(part));
    return parts.slice(installPrefix + 1).join('/');
}
/**
 * Whether the tree at `root` holds what `rel` names: the root itself, the file or directory, or (for a file the
 * tree's users put there, such as etc/slurm.conf) the directory it would be in, when that is not the root.
 */
function treeHolds(root, rel) {
    if (rel === '')
        return true;
    const exists = (p) => lstatSync(path.join(root, p), { throwIfNoEntry: false }) !== undefined;
    if (exists(rel))
        return true;
    const parent = path.posix.dirname(rel);
    return parent !== '.' && exists(parent);
}
/** Whether `offset` lies in one of the sorted, disjoint ranges. */
function inRanges(ranges, offset) {
    let lo = 0;
    let hi = ranges.length - 1;
    while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const [start, end] = ranges[mid];
        if (offset < start)
            hi = mid - 1;
        else if (offset >= end)
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

/**
 * What a moved tree may rely on outside itself: the system's library directories (the standard ones and those
 * ld.so.conf names) and the standard program interpreters.
 */
const DEFAULT_STANDARD_LIB_DIRS = [
    '/lib',
    '/lib64',
    '/usr/lib',
    '/usr/lib64',
    '/lib/x86_64-linux-gnu',
    '/usr/lib/x86_64-linux-gnu',
    '/lib/aarch64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu'
];
const DEFAULT_INTERPRETERS = [
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
];
/** Whether `p` is `root` or below it (both normalized absolute paths). */
function isUnder(p, root) {
    return p === root || p.startsWith(root === '/' ? '/' : `${root}/`);
}
/** A normalized absolute directory without a trailing slash (but `/` itself). */
function normalizeDir(p) {
    const n = path.posix.normalize(p);
    return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}
function globToRegExp(component) {
    let re = '';
    for (let i = 0; i < component.length; i++) {
        const c = component[i];
        if (c === '*')
            re += '[^/]*';
        else if (c === '?')
            re += '[^/]';
        else if (c === '[') {
            const close = component.indexOf(']', i + 1);
            if (close < 0)
                re += '\\[';
            else {
                const body = component
                    .slice(i + 1, close)
                    .replace(/^!/, '^')
                    .replace(/\\/g, '\\\\');
                re += `[${body}]`;
                i = close;
            }
        }
        else
            re += c.replace(/[.+^${}()|\\]/g, '\\$&');
    }
    return new RegExp(`^${re}$`);
}
/** Expands a glob pattern (*, ?, [...] in any component) against the file system; results sorted. */
function expandGlob(pattern) {
    const parts = pattern.split('/').filter((p, i) => p !== '' || i === 0);
    let found = [parts[0] === '' ? '/' : parts[0]];
    for (const part of parts.slice(1)) {
        const next = [];
        for (const dir of found) {
            if (!/[*?[]/.test(part)) {
                next.push(path.join(dir, part));
                continue;
            }
            let names;
            try {
                names = readdirSync(dir);
            }
            catch {
                continue;
            }
            const re = globToRegExp(part);
            for (const n of names.sort())
                if (re.test(n) && !n.startsWith('.'))
                    next.push(path.join(dir, n));
        }
        found = next;
    }
    return found;
}
/**
 * The library directories named by an ld.so.conf file and the files it includes (globs allowed, relative
 * patterns taken from the including file's directory). A missing file yields no directories.
 */
function readLdSoConf(file = '/etc/ld.so.conf') {
    const dirs = [];
    const seen = new Set();
    const visit = (conf) => {
        if (seen.has(conf))
            return;
        seen.add(conf);
        let text;
        try {
            text = readFileSync(conf, 'utf8');
        }
        catch {
            return;
        }
        for (const raw of text.split('\n')) {
            const line = raw.replace(/#.*/, '').trim();
            if (line === '')
                continue;
            const include = /^include\s+(.+)$/.exec(line);
            if (include) {
                for (const pat of include[1].split(/\s+/)) {
                    const abs = path.isAbsolute(pat) ? pat : path.join(path.dirname(conf), pat);
                    for (const f of expandGlob(abs))
                        visit(f);
                }
                continue;
            }
            if (/^hwcap\s/.test(line))
                continue;
            for (const d of line.split(/[\s,:]+/)) {
                // Old syntax allowed "dir=type".
                const dir = d.replace(/=.*$/, '');
                if (dir.startsWith('/'))
                    dirs.push(path.normalize(dir).replace(/(.)\/$/, '$1'));
            }
        }
    };
    visit(file);
    return [...new Set(dirs)];
}

/**
 * DT_NEEDED resolution after the walk: every library an ELF file needs must be found on its in-tree search path or
 * in the system's library directories; a miss names where in the tree the library does sit, when it does.
 */
/** File lookups cached, system directories listed once rather than probed per name (symlinks still resolved). */
class Lookup {
    files = new Map();
    listings = new Map();
    isFile(p) {
        let v = this.files.get(p);
        if (v === undefined) {
            v = statSync(p, { throwIfNoEntry: false })?.isFile() ?? false;
            this.files.set(p, v);
        }
        return v;
    }
    systemHas(dir, name) {
        let listing = this.listings.get(dir);
        if (listing === undefined) {
            try {
                listing = new Map(readdirSync(dir, { withFileTypes: true })
                    .filter(e => !e.isDirectory())
                    .map(e => [e.name, e.isSymbolicLink()]));
            }
            catch {
                listing = null;
            }
            this.listings.set(dir, listing);
        }
        const isLink = listing?.get(name);
        if (isLink === undefined)
            return false;
        return isLink ? this.isFile(path.join(dir, name)) : true;
    }
}
/** Reports every DT_NEEDED library of `elfs` that the loader would not find once the tree at `root` is moved. */
function checkNeeded(problems, elfs, systemDirs, root, byBasename) {
    const lookup = new Lookup();
    for (const { rel, info, searchDirs } of elfs) {
        for (const name of info.needed) {
            if (name.includes('/')) {
                const ok = path.isAbsolute(name) && systemDirs.includes(normalizeDir(path.dirname(name))) && lookup.isFile(name);
                if (!ok)
                    problems.add(rel, 'needed-not-found', `DT_NEEDED '${name}' is a path, which does not resolve after relocation`);
                continue;
            }
            if (searchDirs.some(d => lookup.isFile(path.join(d, name))))
                continue;
            if (systemDirs.some(d => lookup.systemHas(d, name)))
                continue;
            const where = searchDirs.length > 0
                ? `search path ${searchDirs.map(d => path.relative(root, d) || '.').join(':')}`
                : 'no in-tree search path';
            const elsewhere = byBasename.get(name);
            const hint = elsewhere ? `; the tree has ${elsewhere.join(', ')}, which is not on this file's search path` : '';
            problems.add(rel, 'needed-not-found', `DT_NEEDED ${name} is found neither in the tree (${where}) nor in the system library directories${hint}`);
        }
    }
}

/**
 * The relocation audit's findings: the kinds of problem, the report, the collector the checks add to, and the
 * human-readable rendering (errors one by one, warnings summarised by kind).
 */
const AUDIT_PROBLEM_KINDS = [
    'rpath-outside-tree',
    'rpath-system-subdir',
    'rpath-absolute',
    'needed-not-found',
    'interpreter-nonstandard',
    'compiled-path-into-tree',
    'build-prefix-in-text',
    'build-prefix-in-elf',
    'build-prefix-not-loaded',
    'symlink-outside-tree',
    'symlink-absolute',
    'symlink-dangling',
    'elf-corrupt',
    'unreadable'
];
/**
 * Kinds that are warnings unless a caller asks otherwise: a RUNPATH into a subdirectory of the system's library
 * directories names a system package the tree was built against (an external), not a relocation mistake; a build
 * path in bytes the loader never maps (debug information, symbol tables) can't be used by the running program.
 */
const DEFAULT_WARNING_KINDS = ['rpath-system-subdir', 'build-prefix-not-loaded'];
/** Collects problems once each (same file, kind and detail), with the severity the caller's warning kinds give. */
class ProblemList {
    warningKinds;
    problems = [];
    seen = new Set();
    constructor(warningKinds) {
        this.warningKinds = warningKinds;
    }
    add(file, kind, detail) {
        const key = `${file}\0${kind}\0${detail}`;
        if (this.seen.has(key))
            return;
        this.seen.add(key);
        this.problems.push({ file, kind, detail, severity: this.warningKinds.has(kind) ? 'warning' : 'error' });
    }
    /** The problems sorted by file, kind and detail (byte order), for a report that doesn't depend on walk order. */
    sorted() {
        return [...this.problems].sort((a, b) => cmp(a.file, b.file) || cmp(a.kind, b.kind) || cmp(a.detail, b.detail));
    }
}
function cmp(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
}
/** Warnings by kind: how many, in how many files, and one example. */
function warningSummary(report) {
    const byKind = new Map();
    for (const problem of report.problems) {
        if (problem.severity !== 'warning')
            continue;
        byKind.set(problem.kind, [...(byKind.get(problem.kind) ?? []), problem]);
    }
    return [...byKind.entries()]
        .map(([kind, problems]) => ({
        kind,
        count: problems.length,
        files: new Set(problems.map(p => p.file)).size,
        example: problems[0]
    }))
        .sort((a, b) => b.count - a.count || cmp(a.kind, b.kind));
}
/**
 * A human-readable report: a summary line, every error grouped by file, then the warnings summarised by kind with
 * counts and one example each (`verbose` lists every warning instead).
 */
function formatReport(report, options = {}) {
    const lines = [];
    lines.push(`Relocation audit of ${report.root}`);
    lines.push(`  ${report.filesScanned} files scanned (${report.elfFiles} ELF, ${report.textFiles} text, ` +
        `${report.binaryFiles} other binary), ${report.symlinks} symlinks, in ${report.elapsedMs} ms`);
    if (report.problems.length === 0) {
        lines.push('OK: no problems found');
        return lines.join('\n');
    }
    const counts = `${report.errors} error${report.errors === 1 ? '' : 's'}, ${report.warnings} warning${report.warnings === 1 ? '' : 's'}`;
    lines.push(report.ok ? `OK with warnings: ${counts}` : `FAILED: ${counts}`);
    const listed = report.problems.filter(p => options.verbose || p.severity === 'error');
    let current = '';
    for (const p of listed) {
        if (p.file !== current) {
            current = p.file;
            lines.push('', `  ${p.file}`);
        }
        lines.push(`    ${p.severity === 'error' ? 'error  ' : 'warning'} ${p.kind}: ${p.detail}`);
    }
    if (!options.verbose && report.warnings > 0) {
        lines.push('', '  warnings by kind (--json or --verbose lists each):');
        for (const { kind, count, files, example } of warningSummary(report)) {
            lines.push(`    ${kind}: ${count} in ${files} file${files === 1 ? '' : 's'}, e.g. ${example.file}: ${example.detail}`);
        }
    }
    return lines.join('\n');
}

/**
 * An ELF file's program interpreter and RPATH/RUNPATH entries, judged for a tree that will be moved: entries must
 * stay inside the tree through $ORIGIN, or name the system's library directories.
 */
/** An entry with $ORIGIN, $LIB and $PLATFORM expanded the ways the loader may expand them. */
function expandEntry(entry, fileDir, info) {
    let variants = [entry.replace(/\$(ORIGIN\b|\{ORIGIN\})/g, () => fileDir)];
    if (/\$(LIB\b|\{LIB\})/.test(entry)) {
        variants = variants.flatMap(v => ['lib', 'lib64'].map(l => v.replace(/\$(LIB\b|\{LIB\})/g, l)));
    }
    return variants.map(v => v.replace(/\$(PLATFORM\b|\{PLATFORM\})/g, info.machineName));
}
/** One RPATH or RUNPATH entry: reports what is wrong with it and returns the in-tree directory it adds, if any. */
function checkEntry(context, rel, fileDir, info, tag, entry) {
    const { problems, inTree, standardDirs } = context;
    if (entry === '') {
        problems.add(rel, 'rpath-outside-tree', `${tag} has an empty entry, which the loader reads as the working directory`);
        return [];
    }
    const usesOrigin = /\$(ORIGIN\b|\{ORIGIN\})/.test(entry);
    const dirs = [];
    for (const expanded of expandEntry(entry, fileDir, info)) {
        if (!path.isAbsolute(expanded)) {
            problems.add(rel, 'rpath-outside-tree', `${tag} entry '${entry}' is relative to the working directory`);
            continue;
        }
        const dir = normalizeDir(expanded);
        if (inTree(dir)) {
            if (!usesOrigin) {
                problems.add(rel, 'rpath-absolute', `${tag} entry '${entry}' is an absolute path into the tree; it breaks when the tree moves (use $ORIGIN)`);
            }
            dirs.push(dir);
        }
        else if (usesOrigin) {
            problems.add(rel, 'rpath-outside-tree', `${tag} entry '${entry}' resolves to ${dir}, outside the tree`);
        }
        else if ([...standardDirs].some(std => dir.startsWith(`${std}/`))) {
            problems.add(rel, 'rpath-system-subdir', `${tag} entry '${entry}' is a directory of the system's libraries (an external package): the machine that runs the tree needs the same package there`);
        }
        else if (!standardDirs.has(dir)) {
            problems.add(rel, 'rpath-outside-tree', `${tag} entry '${entry}' is outside the tree`);
        }
    }
    return dirs;
}
/**
 * Checks the interpreter and search path of the ELF file at `abs` (`rel` in the tree). Returns the in-tree
 * directories the loader searches for its DT_NEEDED libraries: RUNPATH's, or RPATH's when there is no RUNPATH.
 */
function checkSearchPath(context, abs, rel, info) {
    if (info.interpreter !== null && !context.interpreters.has(info.interpreter)) {
        context.problems.add(rel, 'interpreter-nonstandard', `program interpreter '${info.interpreter}' is not a standard system loader`);
    }
    const fileDir = path.dirname(abs);
    const searchDirs = [];
    for (const [tag, value] of [
        ['RPATH', info.rpath],
        ['RUNPATH', info.runpath]
    ]) {
        for (const entry of splitSearchPath(value)) {
            const dirs = checkEntry(context, rel, fileDir, info, tag, entry);
            // The loader only consults RPATH when there is no RUNPATH.
            if (tag === 'RUNPATH' || info.runpath === null)
                searchDirs.push(...dirs);
        }
    }
    return searchDirs;
}

/**
 * Relocation audit of an unpacked install tree (a Slurm prefix): finds what would break, or leak the build machine's
 * paths, once the tree is moved elsewhere.
 *
 * Every regular file is read once. ELF files are parsed in-process (./elf.ts) and checked for
 *  - RPATH/RUNPATH entries outside the tree (or absolute paths into it) and a non-standard program interpreter
 *    (./audit/search-path.ts),
 *  - DT_NEEDED libraries found neither through the file's in-tree search path nor in the system library directories
 *    (./audit/needed.ts),
 *  - build paths compiled into the program data that name something in the tree, which the moved tree would still
 *    look for at the build machine's path, unless the recipe resolves that path at run time (./audit/build-paths.ts).
 * Text files are scanned for the build prefixes; binary files that are not ELF are skipped (NUL-byte heuristic).
 * Symlinks are not followed; those pointing out of the tree, by absolute path, or nowhere are reported.
 */
/** Files at the top of an artifact that describe the tree rather than belong to what runs. */
const RECORDS = new Set(TREE_RECORDS);
const TEXT_SNIFF_BYTES = 8192;
/** Audits the tree at `root`. Rejects when `root` is not a readable directory. */
async function auditTree(root, options = {}) {
    const started = performance.now();
    const resolvedRoot = normalizeDir(path.resolve(root));
    const realRoot = normalizeDir(realpathSync(resolvedRoot));
    if (!statSync(realRoot).isDirectory())
        throw new Error(`${root}: not a directory`);
    const standardDirs = new Set((options.standardLibDirs ?? DEFAULT_STANDARD_LIB_DIRS).map(normalizeDir));
    const systemDirs = [
        ...new Set((options.systemLibDirs ?? [...standardDirs, ...readLdSoConf(options.ldSoConf ?? '/etc/ld.so.conf')]).map(normalizeDir))
    ];
    const prefixText = [
        ...new Set((options.buildPrefixes ?? []).filter(p => p !== '').map(p => (p.length > 1 ? p.replace(/\/+$/, '') : p)))
    ];
    const problems = new ProblemList(new Set([...DEFAULT_WARNING_KINDS, ...(options.warningKinds ?? [])]));
    const report = {
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
    };
    const walk = {
        root: realRoot,
        problems,
        report,
        inTree: p => isUnder(p, realRoot) || isUnder(p, resolvedRoot),
        prefixes: prefixText.map(p => Buffer.from(p, 'utf8')),
        prefixText,
        resolved: new Set((options.resolvedAtRunTime ?? []).map(p => path.posix.normalize(p).replace(/^\.$/, ''))),
        standardDirs,
        interpreters: new Set(options.interpreters ?? DEFAULT_INTERPRETERS),
        elfs: [],
        byBasename: new Map(),
        sniff: Buffer.allocUnsafe(TEXT_SNIFF_BYTES)
    };
    walkTree(walk);
    // DT_NEEDED resolution, after the walk so hints can name where in the tree a missing library sits.
    checkNeeded(problems, walk.elfs, systemDirs, realRoot, walk.byBasename);
    report.problems = problems.sorted();
    report.errors = report.problems.filter(p => p.severity === 'error').length;
    report.warnings = report.problems.length - report.errors;
    report.ok = report.errors === 0;
    report.elapsedMs = Math.round((performance.now() - started) * 10) / 10;
    return report;
}
/** Walks depth-first in sorted order, so counts, hints and problems do not depend on directory order. */
function walkTree(walk) {
    const stack = [''];
    while (stack.length > 0) {
        const relDir = stack.pop();
        const absDir = relDir === '' ? walk.root : path.join(walk.root, relDir);
        let entries;
        try {
            entries = readdirSync(absDir, { withFileTypes: true });
        }
        catch (err) {
            walk.problems.add(relDir === '' ? '.' : relDir, 'unreadable', `cannot list directory: ${err.message}`);
            continue;
        }
        entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        const subdirs = [];
        for (const ent of entries) {
            const rel = relDir === '' ? ent.name : `${relDir}/${ent.name}`;
            const abs = path.join(absDir, ent.name);
            if (ent.isDirectory()) {
                subdirs.push(rel);
                continue;
            }
            if (!ent.isSymbolicLink() && !ent.isFile())
                continue;
            walk.byBasename.set(ent.name, [...(walk.byBasename.get(ent.name) ?? []), rel]);
            if (ent.isSymbolicLink()) {
                walk.report.symlinks++;
                checkSymlink(walk, abs, rel);
            }
            else
                scanFile(walk, abs, rel);
        }
        for (let i = subdirs.length - 1; i >= 0; i--)
            stack.push(subdirs[i]);
    }
}
function checkSymlink(walk, abs, rel) {
    let target;
    try {
        target = readlinkSync(abs);
    }
    catch (err) {
        walk.problems.add(rel, 'unreadable', `cannot read symlink: ${err.message}`);
        return;
    }
    const resolved = normalizeDir(path.resolve(path.dirname(abs), target));
    if (path.isAbsolute(target)) {
        if (walk.inTree(resolved)) {
            walk.problems.add(rel, 'symlink-absolute', `symlink target '${target}' is an absolute path into the tree; it breaks when the tree moves`);
        }
        else {
            walk.problems.add(rel, 'symlink-outside-tree', `symlink target '${target}' is outside the tree`);
        }
    }
    else if (!walk.inTree(resolved)) {
        walk.problems.add(rel, 'symlink-outside-tree', `symlink target '${target}' resolves to ${resolved}, outside the tree`);
    }
    if (statSync(abs, { throwIfNoEntry: false }) === undefined) {
        walk.problems.add(rel, 'symlink-dangling', `symlink target '${target}' does not exist`);
    }
}
/** Reads one regular file: ELF files are parsed and scanned, text files scanned, other binary files counted. */
function scanFile(walk, abs, rel) {
    let fd;
    try {
        fd = openSync(abs, 'r');
    }
    catch (err) {
        walk.problems.add(rel, 'unreadable', `cannot open: ${err.message}`);
        return;
    }
    try {
        const size = fstatSync(fd).size;
        const want = Math.min(size, TEXT_SNIFF_BYTES);
        const got = want > 0 ? readSync(fd, walk.sniff, 0, want, 0) : 0;
        // Shared between files: the ELF reader is done with it before the next file is opened.
        const sniff = walk.sniff.subarray(0, got);
        walk.report.filesScanned++;
        if (hasElfMagic(sniff)) {
            walk.report.elfFiles++;
            scanElf(walk, fd, size, abs, rel, sniff);
        }
        else if (sniff.includes(0)) {
            walk.report.binaryFiles++;
        }
        else {
            walk.report.textFiles++;
            // The records the artifact phase writes about the tree (its manifest quotes this very audit) are not scanned.
            if (walk.prefixes.length > 0 && !RECORDS.has(rel)) {
                for (const hit of scanForPrefixes(fd, size, walk.prefixes, true)) {
                    walk.problems.add(rel, 'build-prefix-in-text', `names build prefix ${hit.prefix} (${hit.count}×, first on line ${hit.line}: "${hit.excerpt}")`);
                }
            }
        }
    }
    catch (err) {
        walk.problems.add(rel, 'unreadable', `cannot read: ${err.message}`);
    }
    finally {
        closeSync(fd);
    }
}
function scanElf(walk, fd, size, abs, rel, sniff) {
    let info;
    try {
        const read = readElfFd(fd, size, rel, sniff);
        if (read.kind === 'elf')
            info = read;
    }
    catch (err) {
        if (!(err instanceof ElfFormatError))
            throw err;
        walk.problems.add(rel, 'elf-corrupt', err.reason);
    }
    if (info) {
        const searchDirs = checkSearchPath(walk, abs, rel, info);
        walk.elfs.push({ rel, info, searchDirs });
    }
    if (walk.prefixes.length > 0)
        checkBuildPaths(walk, fd, size, rel, info);
}
/**
 * Classifies every build-prefix occurrence of an ELF file: a hazard when it sits in program data and names something
 * the tree holds (unless resolved at run time), a warning when the loader maps it but it names nothing in the tree
 * (or can't be placed), a warning of its own when the loader never maps it.
 */
function checkBuildPaths(walk, fd, size, rel, info) {
    for (const hit of scanForPrefixes(fd, size, walk.prefixes, false)) {
        let unmapped = 0;
        let loadedElsewhere = 0;
        let example = hit.excerpt;
        for (const offset of hit.offsets) {
            if (info && !inRanges(info.loaded, offset)) {
                unmapped++;
                continue;
            }
            const built = pathAt(fd, offset, size);
            const inTree = info && inRanges(info.programData, offset) ? treePathOf(built, walk.prefixText) : undefined;
            if (inTree !== undefined && treeHolds(walk.root, inTree)) {
                if (!walk.resolved.has(inTree)) {
                    walk.problems.add(rel, 'compiled-path-into-tree', `program data names ${built}, which is ${inTree || 'the tree itself'} in this tree: moved, the program ` +
                        `still uses the build machine's path (the recipe does not resolve ${inTree || '.'} at run time)`);
                }
                continue;
            }
            if (loadedElsewhere === 0)
                example = built;
            loadedElsewhere++;
        }
        if (unmapped > 0) {
            walk.problems.add(rel, 'build-prefix-not-loaded', `names build prefix ${hit.prefix} ${unmapped}× in bytes the loader never maps (debug information, symbols)`);
        }
        if (loadedElsewhere > 0) {
            walk.problems.add(rel, 'build-prefix-in-elf', `contains build prefix ${hit.prefix} (${loadedElsewhere}×, e.g. "${example}")`);
        }
    }
}

/**
 * What a tree says about its own relocation: the recipe's list of compiled-in paths it resolves at run time
 * (written into the install prefix by the slurm_factory recipe), and, once the artifact is made, the `relocation`
 * section of manifest.json (those paths and the build prefixes the tree was audited against).
 */
function readJson(file) {
    try {
        return JSON.parse(readFileSync(file, 'utf8'));
    }
    catch (error) {
        throw new Error(`${file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
}
function stringList(value, what) {
    if (!Array.isArray(value) || !value.every(item => typeof item === 'string'))
        throw new Error(`${what} is not a list of paths`);
    return [...value].sort();
}
/** The recipe's record in `tree` (an install prefix or a staged tree), or an empty list when there is none. */
function readResolvedPaths(tree) {
    const file = path.join(tree, RESOLVED_PATHS_FILE);
    if (!existsSync(file))
        return [];
    const doc = readJson(file);
    return stringList(doc?.resolvedAtRunTime, `${file}: resolvedAtRunTime`);
}
/**
 * The relocation record of an unpacked artifact: manifest.json's `relocation` section when it has one, else what
 * the recipe's record gives (no build prefixes then).
 */
function readTreeRecord(tree, manifestFile = MANIFEST_FILE) {
    const manifest = path.join(tree, manifestFile);
    if (existsSync(manifest)) {
        const section = readJson(manifest)
            ?.relocation;
        if (section) {
            return {
                buildPrefixes: stringList(section.buildPrefixes ?? [], `${manifest}: relocation.buildPrefixes`),
                resolvedAtRunTime: stringList(section.resolvedAtRunTime ?? [], `${manifest}: relocation.resolvedAtRunTime`)
            };
        }
    }
    return { buildPrefixes: [], resolvedAtRunTime: readResolvedPaths(tree) };
}

export { AUDIT_PROBLEM_KINDS as A, DEFAULT_STANDARD_LIB_DIRS as D, ElfFormatError as E, auditTree as a, readElfFile as b, readResolvedPaths as c, formatReport as f, hasElfMagic as h, readTreeRecord as r };
