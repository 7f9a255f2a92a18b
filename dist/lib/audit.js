import { readSync, openSync, fstatSync, closeSync, statSync, realpathSync, readdirSync, readlinkSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

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
const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const SHT_DYNAMIC = 6;
const SHT_NOBITS = 8;
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
        return { type: d.u32(b, 4), offset: d.word(b, 24), size: d.word(b, 32), link: d.u32(b, 40) };
    return { type: d.u32(b, 4), offset: d.word(b, 16), size: d.word(b, 20), link: d.u32(b, 24) };
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
function parse(src, file) {
    const ident = src.read(0, 16);
    if (!hasElfMagic(ident))
        return { kind: 'not-elf', file };
    if (ident.length < 16)
        throw new ElfFormatError(file, `truncated: ${src.size} bytes, shorter than the ELF identification`);
    const clsByte = ident[4];
    const dataByte = ident[5];
    if (clsByte !== 1 && clsByte !== 2)
        throw new ElfFormatError(file, `corrupt: unknown ELF class ${clsByte} (EI_CLASS)`);
    if (dataByte !== 1 && dataByte !== 2)
        throw new ElfFormatError(file, `corrupt: unknown data encoding ${dataByte} (EI_DATA)`);
    const cls = clsByte === 2 ? 64 : 32;
    const endian = dataByte === 1 ? 'little' : 'big';
    const d = new Decoder(file, src, cls, endian);
    const ehsize = cls === 64 ? 64 : 52;
    const eh = d.need(0, ehsize, `ELF header (ELFCLASS${cls})`);
    const typeValue = d.u16(eh, 16);
    const machine = d.u16(eh, 18);
    const o = cls === 64 ? { phoff: 32, shoff: 40, phentsize: 54 } : { phoff: 28, shoff: 32, phentsize: 42 };
    const phoff = d.word(eh, o.phoff);
    const shoff = d.word(eh, o.shoff);
    const phentsize = d.u16(eh, o.phentsize);
    let phnum = d.u16(eh, o.phentsize + 2);
    const shentsize = d.u16(eh, o.phentsize + 4);
    let shnum = d.u16(eh, o.phentsize + 6);
    let shstrndx = d.u16(eh, o.phentsize + 8);
    // Section 0 carries the real counts when they do not fit in the header's 16-bit fields.
    const hasSections = shoff !== 0;
    if (hasSections && (phnum === PN_XNUM || shnum === 0 || shstrndx === SHN_XINDEX)) {
        if (shentsize < (cls === 64 ? 64 : 40))
            d.fail(`corrupt: e_shentsize ${shentsize} is smaller than a section header`);
        const s0 = readSectionHeader(d, shoff, shentsize, 0);
        const s0b = d.need(shoff, cls === 64 ? 64 : 40, 'section header 0');
        if (phnum === PN_XNUM)
            phnum = d.u32(s0b, cls === 64 ? 44 : 28);
        if (shnum === 0)
            shnum = s0.size;
        if (shstrndx === SHN_XINDEX)
            shstrndx = s0.link;
    }
    const segments = phoff === 0 ? [] : readSegments(d, phoff, phentsize, phnum);
    const loads = segments.filter(s => s.type === PT_LOAD);
    let interpreter = null;
    const interp = segments.find(s => s.type === PT_INTERP);
    if (interp) {
        const bytes = d.need(interp.offset, interp.filesz, 'PT_INTERP segment');
        const nul = bytes.indexOf(0);
        interpreter = (nul >= 0 ? bytes.subarray(0, nul) : bytes).toString('utf8');
    }
    // The dynamic table: from PT_DYNAMIC, else from a SHT_DYNAMIC section.
    let entries = null;
    let linkedStrtab = null;
    const dynSeg = segments.find(s => s.type === PT_DYNAMIC);
    if (dynSeg && dynSeg.filesz > 0 && dynSeg.offset + dynSeg.filesz <= src.size) {
        entries = readDynTable(d, dynSeg.offset, dynSeg.filesz, 'PT_DYNAMIC segment');
    }
    let sections = null;
    const loadSections = () => {
        if (sections)
            return sections;
        sections = [];
        if (!hasSections || shnum === 0)
            return sections;
        if (shentsize < (cls === 64 ? 64 : 40))
            d.fail(`corrupt: e_shentsize ${shentsize} is smaller than a section header`);
        if (shnum > MAX_SHNUM)
            d.fail(`corrupt: implausible section count ${shnum}`);
        d.need(shoff, shentsize * shnum, `section header table (${shnum} entries)`);
        for (let i = 0; i < shnum; i++)
            sections.push(readSectionHeader(d, shoff, shentsize, i));
        return sections;
    };
    if (entries === null) {
        // A PT_DYNAMIC segment past the end of the file is forgiven only when intact sections lead to the table.
        const dynTruncated = dynSeg && dynSeg.filesz > 0
            ? `truncated: PT_DYNAMIC segment at offset 0x${dynSeg.offset.toString(16)} (${dynSeg.filesz} bytes) ` +
                `extends past the end of the file (${src.size} bytes)`
            : null;
        let dynSec;
        try {
            dynSec = loadSections().find(s => s.type === SHT_DYNAMIC);
        }
        catch (err) {
            if (dynTruncated !== null && err instanceof ElfFormatError)
                d.fail(dynTruncated);
            throw err;
        }
        if (dynSec) {
            entries = readDynTable(d, dynSec.offset, dynSec.size, '.dynamic section');
            const linked = loadSections()[dynSec.link];
            if (linked && linked.type !== SHT_NOBITS)
                linkedStrtab = linked;
        }
        else if (dynTruncated !== null) {
            d.fail(dynTruncated);
        }
    }
    const info = {
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
        soname: null
    };
    if (entries === null)
        return info;
    const wanted = entries.filter(e => e.tag === DT_NEEDED || e.tag === DT_SONAME || e.tag === DT_RPATH || e.tag === DT_RUNPATH);
    if (wanted.length === 0)
        return info;
    // The string table: DT_STRTAB mapped through PT_LOAD, else the section linked from .dynamic, else .dynstr's
    // section found by its address.
    const strtabAddr = entries.find(e => e.tag === DT_STRTAB)?.val;
    const strsz = entries.find(e => e.tag === DT_STRSZ)?.val;
    let strOff = null;
    let strLimit = 0;
    if (strtabAddr !== undefined) {
        strOff = vaddrToOffset(loads, strtabAddr);
        if (strOff !== null)
            strLimit = strsz !== undefined && Number.isFinite(strsz) ? strOff + strsz : src.size;
    }
    if (strOff === null || strOff >= src.size) {
        if (!linkedStrtab) {
            const secs = loadSections();
            const dynSec = secs.find(s => s.type === SHT_DYNAMIC);
            const linked = dynSec ? secs[dynSec.link] : undefined;
            if (linked && linked.type !== SHT_NOBITS)
                linkedStrtab = linked;
        }
        const table = linkedStrtab ??
            d.fail(strtabAddr === undefined
                ? 'corrupt: dynamic table has no DT_STRTAB and no string table section'
                : `corrupt: DT_STRTAB address 0x${strtabAddr.toString(16)} is in no PT_LOAD segment and no string table section is linked`);
        strOff = table.offset;
        strLimit = table.offset + table.size;
    }
    const rpath = [];
    const runpath = [];
    for (const e of wanted) {
        const at = strOff + e.val;
        switch (e.tag) {
            case DT_NEEDED:
                info.needed.push(readCString(d, at, strLimit, 'DT_NEEDED'));
                break;
            case DT_SONAME:
                info.soname = readCString(d, at, strLimit, 'DT_SONAME');
                break;
            case DT_RPATH:
                rpath.push(readCString(d, at, strLimit, 'DT_RPATH'));
                break;
            case DT_RUNPATH:
                runpath.push(readCString(d, at, strLimit, 'DT_RUNPATH'));
                break;
        }
    }
    info.rpath = rpath.length > 0 ? rpath.join(':') : null;
    info.runpath = runpath.length > 0 ? runpath.join(':') : null;
    return info;
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
const AUDIT_PROBLEM_KINDS = [
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
];
/** Files at the top of an artifact that describe the tree rather than belong to what runs. */
const TREE_RECORDS = new Set(['manifest.json', 'SHA256SUMS']);
/**
 * Kinds that are warnings unless a caller asks otherwise: a RUNPATH into a subdirectory of the system's library
 * directories names a system package the tree was built against (an external), not a relocation mistake.
 */
const DEFAULT_WARNING_KINDS = ['rpath-system-subdir'];
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
const TEXT_SNIFF_BYTES = 8192;
const SCAN_CHUNK = 4 << 20;
const EXCERPT_MAX = 160;
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
/** Whether `p` is `root` or below it (both normalized absolute paths). */
function isUnder(p, root) {
    return p === root || p.startsWith(root === '/' ? '/' : `${root}/`);
}
function normalizeDir(p) {
    const n = path.posix.normalize(p);
    return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}
function countNewlines(buf, end) {
    let n = 0;
    let i = buf.indexOf(10, 0);
    while (i >= 0 && i < end) {
        n++;
        i = buf.indexOf(10, i + 1);
    }
    return n;
}
/** The text around a hit: its line (text) or the NUL-delimited printable string holding it (ELF). */
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
/** Counts occurrences of each prefix in a file, reading it in chunks; records the first hit's line and excerpt. */
function scanForPrefixes(fd, size, prefixes, text) {
    const maxLen = Math.max(...prefixes.map(p => p.length));
    const state = prefixes.map(p => ({ p, next: 0, count: 0, line: undefined, excerpt: '' }));
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
        .map(st => ({ prefix: st.p.toString('utf8'), count: st.count, line: st.line, excerpt: st.excerpt }));
}
/** Audits the tree at `root`. Rejects when `root` is not a readable directory. */
async function auditTree(root, options = {}) {
    const started = performance.now();
    const resolvedRoot = normalizeDir(path.resolve(root));
    const realRoot = normalizeDir(realpathSync(resolvedRoot));
    if (!statSync(realRoot).isDirectory())
        throw new Error(`${root}: not a directory`);
    const inTree = (p) => isUnder(p, realRoot) || isUnder(p, resolvedRoot);
    const standardDirs = new Set((options.standardLibDirs ?? DEFAULT_STANDARD_LIB_DIRS).map(normalizeDir));
    const systemDirs = [
        ...new Set((options.systemLibDirs ?? [...standardDirs, ...readLdSoConf(options.ldSoConf ?? '/etc/ld.so.conf')]).map(normalizeDir))
    ];
    const interpreters = new Set(options.interpreters ?? DEFAULT_INTERPRETERS);
    const warningKinds = new Set([...DEFAULT_WARNING_KINDS, ...(options.warningKinds ?? [])]);
    const prefixes = [
        ...new Set((options.buildPrefixes ?? []).filter(p => p !== '').map(p => (p.length > 1 ? p.replace(/\/+$/, '') : p)))
    ].map(p => Buffer.from(p, 'utf8'));
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
    const seenProblems = new Set();
    const problem = (file, kind, detail) => {
        const key = `${file}\0${kind}\0${detail}`;
        if (seenProblems.has(key))
            return;
        seenProblems.add(key);
        report.problems.push({ file, kind, detail, severity: warningKinds.has(kind) ? 'warning' : 'error' });
    };
    const elfs = [];
    const byBasename = new Map();
    const checkSymlink = (abs, rel) => {
        let target;
        try {
            target = readlinkSync(abs);
        }
        catch (err) {
            problem(rel, 'unreadable', `cannot read symlink: ${err.message}`);
            return;
        }
        const resolved = normalizeDir(path.resolve(path.dirname(abs), target));
        if (path.isAbsolute(target)) {
            if (inTree(resolved)) {
                problem(rel, 'symlink-absolute', `symlink target '${target}' is an absolute path into the tree; it breaks when the tree moves`);
            }
            else {
                problem(rel, 'symlink-outside-tree', `symlink target '${target}' is outside the tree`);
            }
        }
        else if (!inTree(resolved)) {
            problem(rel, 'symlink-outside-tree', `symlink target '${target}' resolves to ${resolved}, outside the tree`);
        }
        if (statSync(abs, { throwIfNoEntry: false }) === undefined) {
            problem(rel, 'symlink-dangling', `symlink target '${target}' does not exist`);
        }
    };
    const expandEntry = (entry, fileDir, info) => {
        let variants = [entry.replace(/\$(ORIGIN\b|\{ORIGIN\})/g, () => fileDir)];
        if (/\$(LIB\b|\{LIB\})/.test(entry)) {
            variants = variants.flatMap(v => ['lib', 'lib64'].map(l => v.replace(/\$(LIB\b|\{LIB\})/g, l)));
        }
        return variants.map(v => v.replace(/\$(PLATFORM\b|\{PLATFORM\})/g, info.machineName));
    };
    const checkElf = (abs, rel, info) => {
        if (info.interpreter !== null && !interpreters.has(info.interpreter)) {
            problem(rel, 'interpreter-nonstandard', `program interpreter '${info.interpreter}' is not a standard system loader`);
        }
        const fileDir = path.dirname(abs);
        const searchDirs = [];
        const tags = [
            ['RPATH', info.rpath],
            ['RUNPATH', info.runpath]
        ];
        for (const [tag, value] of tags) {
            for (const entry of splitSearchPath(value)) {
                if (entry === '') {
                    problem(rel, 'rpath-outside-tree', `${tag} has an empty entry, which the loader reads as the working directory`);
                    continue;
                }
                const usesOrigin = /\$(ORIGIN\b|\{ORIGIN\})/.test(entry);
                for (const expanded of expandEntry(entry, fileDir, info)) {
                    if (!path.isAbsolute(expanded)) {
                        problem(rel, 'rpath-outside-tree', `${tag} entry '${entry}' is relative to the working directory`);
                        continue;
                    }
                    const dir = normalizeDir(expanded);
                    const here = inTree(dir);
                    if (here) {
                        if (!usesOrigin) {
                            problem(rel, 'rpath-absolute', `${tag} entry '${entry}' is an absolute path into the tree; it breaks when the tree moves (use $ORIGIN)`);
                        }
                        // The loader only consults RPATH when there is no RUNPATH.
                        if (tag === 'RUNPATH' || info.runpath === null)
                            searchDirs.push(dir);
                    }
                    else if (usesOrigin) {
                        problem(rel, 'rpath-outside-tree', `${tag} entry '${entry}' resolves to ${dir}, outside the tree`);
                    }
                    else if ([...standardDirs].some(std => dir.startsWith(`${std}/`))) {
                        problem(rel, 'rpath-system-subdir', `${tag} entry '${entry}' is a directory of the system's libraries (an external package): the machine that runs the tree needs the same package there`);
                    }
                    else if (!standardDirs.has(dir)) {
                        problem(rel, 'rpath-outside-tree', `${tag} entry '${entry}' is outside the tree`);
                    }
                }
            }
        }
        elfs.push({ rel, abs, info, searchDirs });
    };
    const sniffBuffer = Buffer.allocUnsafe(TEXT_SNIFF_BYTES);
    const scanFile = (abs, rel) => {
        let fd;
        try {
            fd = openSync(abs, 'r');
        }
        catch (err) {
            problem(rel, 'unreadable', `cannot open: ${err.message}`);
            return;
        }
        try {
            const size = fstatSync(fd).size;
            const want = Math.min(size, TEXT_SNIFF_BYTES);
            const got = want > 0 ? readSync(fd, sniffBuffer, 0, want, 0) : 0;
            // Shared between files: the ELF reader is done with it before the next file is opened.
            const sniff = sniffBuffer.subarray(0, got);
            report.filesScanned++;
            if (hasElfMagic(sniff)) {
                report.elfFiles++;
                try {
                    const info = readElfFd(fd, size, rel, sniff);
                    if (info.kind === 'elf')
                        checkElf(abs, rel, info);
                }
                catch (err) {
                    if (!(err instanceof ElfFormatError))
                        throw err;
                    problem(rel, 'elf-corrupt', err.reason);
                }
                if (prefixes.length > 0) {
                    for (const hit of scanForPrefixes(fd, size, prefixes, false)) {
                        problem(rel, 'build-prefix-in-elf', `contains build prefix ${hit.prefix} (${hit.count}×, e.g. "${hit.excerpt}")`);
                    }
                }
            }
            else if (sniff.includes(0)) {
                report.binaryFiles++;
            }
            else {
                report.textFiles++;
                // The records the artifact phase writes about the tree (its manifest quotes this very audit) are not scanned.
                if (prefixes.length > 0 && !TREE_RECORDS.has(rel)) {
                    for (const hit of scanForPrefixes(fd, size, prefixes, true)) {
                        problem(rel, 'build-prefix-in-text', `names build prefix ${hit.prefix} (${hit.count}×, first on line ${hit.line}: "${hit.excerpt}")`);
                    }
                }
            }
        }
        catch (err) {
            problem(rel, 'unreadable', `cannot read: ${err.message}`);
        }
        finally {
            closeSync(fd);
        }
    };
    // Walk depth-first in sorted order so counts, hints and problems do not depend on directory order.
    const stack = [''];
    while (stack.length > 0) {
        const relDir = stack.pop();
        const absDir = relDir === '' ? realRoot : path.join(realRoot, relDir);
        let entries;
        try {
            entries = readdirSync(absDir, { withFileTypes: true });
        }
        catch (err) {
            problem(relDir === '' ? '.' : relDir, 'unreadable', `cannot list directory: ${err.message}`);
            continue;
        }
        entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        const subdirs = [];
        for (const ent of entries) {
            const rel = relDir === '' ? ent.name : `${relDir}/${ent.name}`;
            const abs = path.join(absDir, ent.name);
            if (ent.isDirectory())
                subdirs.push(rel);
            else if (ent.isSymbolicLink()) {
                report.symlinks++;
                checkSymlink(abs, rel);
                const list = byBasename.get(ent.name) ?? [];
                list.push(rel);
                byBasename.set(ent.name, list);
            }
            else if (ent.isFile()) {
                const list = byBasename.get(ent.name) ?? [];
                list.push(rel);
                byBasename.set(ent.name, list);
                scanFile(abs, rel);
            }
        }
        for (let i = subdirs.length - 1; i >= 0; i--)
            stack.push(subdirs[i]);
    }
    // DT_NEEDED resolution, after the walk so hints can name where in the tree a missing library sits.
    const existsCache = new Map();
    const exists = (p) => {
        let v = existsCache.get(p);
        if (v === undefined) {
            v = statSync(p, { throwIfNoEntry: false })?.isFile() ?? false;
            existsCache.set(p, v);
        }
        return v;
    };
    // System directories are listed once rather than probed per name; symlinks among them are still resolved.
    const listings = new Map();
    const systemHas = (dir, name) => {
        let listing = listings.get(dir);
        if (listing === undefined) {
            try {
                listing = new Map(readdirSync(dir, { withFileTypes: true })
                    .filter(e => !e.isDirectory())
                    .map(e => [e.name, e.isSymbolicLink()]));
            }
            catch {
                listing = null;
            }
            listings.set(dir, listing);
        }
        const isLink = listing?.get(name);
        if (isLink === undefined)
            return false;
        return isLink ? exists(path.join(dir, name)) : true;
    };
    for (const { rel, info, searchDirs } of elfs) {
        for (const name of info.needed) {
            if (name.includes('/')) {
                const ok = path.isAbsolute(name) && systemDirs.includes(normalizeDir(path.dirname(name))) && exists(name);
                if (!ok)
                    problem(rel, 'needed-not-found', `DT_NEEDED '${name}' is a path, which does not resolve after relocation`);
                continue;
            }
            if (searchDirs.some(d => exists(path.join(d, name))))
                continue;
            if (systemDirs.some(d => systemHas(d, name)))
                continue;
            const where = searchDirs.length > 0
                ? `search path ${searchDirs.map(d => path.relative(realRoot, d) || '.').join(':')}`
                : 'no in-tree search path';
            const elsewhere = byBasename.get(name);
            const hint = elsewhere ? `; the tree has ${elsewhere.join(', ')}, which is not on this file's search path` : '';
            problem(rel, 'needed-not-found', `DT_NEEDED ${name} is found neither in the tree (${where}) nor in the system library directories${hint}`);
        }
    }
    report.problems.sort((a, b) => cmp(a.file, b.file) || cmp(a.kind, b.kind) || cmp(a.detail, b.detail));
    report.errors = report.problems.filter(p => p.severity === 'error').length;
    report.warnings = report.problems.length - report.errors;
    report.ok = report.errors === 0;
    report.elapsedMs = Math.round((performance.now() - started) * 10) / 10;
    return report;
}
function cmp(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
}
/** A human-readable report: a summary line, then problems grouped by file. */
function formatReport(report) {
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
    let current = '';
    for (const p of report.problems) {
        if (p.file !== current) {
            current = p.file;
            lines.push('', `  ${p.file}`);
        }
        lines.push(`    ${p.severity === 'error' ? 'error  ' : 'warning'} ${p.kind}: ${p.detail}`);
    }
    return lines.join('\n');
}
const USAGE = `usage: audit DIR [--build-prefix PATH]... [--warn KIND]... [--json]

Audits the install tree DIR for relocation problems and exits 0 when there are none (warnings allowed),
1 when there are problems, 2 on usage errors.

  --build-prefix PATH  report files naming PATH (repeatable), e.g. the Spack install tree root
  --warn KIND          report problems of KIND as warnings (repeatable); kinds:
                       ${AUDIT_PROBLEM_KINDS.join(', ')}
  --json               print the report as JSON
  -h, --help           print this help`;
const defaultIo = {
    out: text => void process.stdout.write(text),
    err: text => void process.stderr.write(text)
};
/** The audit command line (`argv` without node and the script). Resolves to the exit code: 0 ok, 1 problems, 2 usage. */
async function runAuditCli(argv, io = defaultIo) {
    const usageError = (message) => {
        io.err(`audit: ${message}\n${USAGE}\n`);
        return 2;
    };
    const buildPrefixes = [];
    const warningKinds = [];
    let json = false;
    let dir;
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
        const name = eq > 0 ? arg.slice(0, eq) : arg;
        const takeValue = () => (eq > 0 ? arg.slice(eq + 1) : argv[++i]);
        if (name === '-h' || name === '--help') {
            io.out(`${USAGE}\n`);
            return 0;
        }
        else if (name === '--json') {
            if (eq > 0)
                return usageError(`--json takes no value (got '${arg}')`);
            json = true;
        }
        else if (name === '--build-prefix') {
            const v = takeValue();
            if (v === undefined || v === '' || v.startsWith('--'))
                return usageError('--build-prefix needs a PATH');
            buildPrefixes.push(v);
        }
        else if (name === '--warn') {
            const v = takeValue();
            if (v === undefined || v === '')
                return usageError('--warn needs a KIND');
            if (!AUDIT_PROBLEM_KINDS.includes(v))
                return usageError(`--warn: unknown problem kind '${v}'`);
            warningKinds.push(v);
        }
        else if (arg.startsWith('-') && arg !== '-') {
            return usageError(`unknown option '${arg}'`);
        }
        else if (dir === undefined) {
            dir = arg;
        }
        else {
            return usageError(`unexpected argument '${arg}' (DIR is already '${dir}')`);
        }
    }
    if (dir === undefined)
        return usageError('missing DIR argument');
    if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory())
        return usageError(`DIR '${dir}' is not a directory`);
    const report = await auditTree(dir, { buildPrefixes, warningKinds });
    io.out(`${json ? JSON.stringify(report, null, 2) : formatReport(report)}\n`);
    return report.ok ? 0 : 1;
}

export { DEFAULT_STANDARD_LIB_DIRS as D, ElfFormatError as E, readElfFile as a, auditTree as b, formatReport as f, hasElfMagic as h, runAuditCli as r };
