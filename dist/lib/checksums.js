import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, lstat, readlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * Walking a staged tree and hashing its files: streamed SHA-256 (never whole-file reads), byte-order sorting so
 * that every listing is the same on every machine, and the `sha256sum -c` line format.
 */
/** Compares two strings by their UTF-8 bytes (what `LC_ALL=C sort` and GNU tar's `--sort=name` do). */
function compareBytes(a, b) {
    return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
/** The SHA-256 of a file, read as a stream. */
async function sha256File(file) {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }))
        hash.update(chunk);
    return hash.digest('hex');
}
/** Every entry under `root` (not `root` itself), sorted by path bytes. Symlinks are listed, never followed. */
async function walkTree(root) {
    const out = [];
    const visit = async (rel) => {
        const names = await readdir(rel ? path.join(root, rel) : root);
        for (const name of names) {
            const childRel = rel ? `${rel}/${name}` : name;
            const full = path.join(root, childRel);
            const info = await lstat(full);
            const mode = info.mode & 0o7777;
            if (info.isSymbolicLink()) {
                out.push({ path: childRel, type: 'symlink', size: 0, mode, target: await readlink(full) });
            }
            else if (info.isDirectory()) {
                out.push({ path: childRel, type: 'dir', size: 0, mode });
                await visit(childRel);
            }
            else if (info.isFile()) {
                out.push({ path: childRel, type: 'file', size: info.size, mode });
            }
        }
    };
    await visit('');
    return out.sort((a, b) => compareBytes(a.path, b.path));
}
/** Hashes the regular files among `entries` (at most `concurrency` at a time), keeping their order. */
async function hashEntries(root, entries, concurrency = 4) {
    const files = entries.filter(entry => entry.type === 'file');
    const out = new Array(files.length);
    let next = 0;
    const worker = async () => {
        while (next < files.length) {
            const index = next++;
            const entry = files[index];
            out[index] = {
                path: entry.path,
                size: entry.size,
                mode: entry.mode,
                sha256: await sha256File(path.join(root, entry.path))
            };
        }
    };
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
    return out;
}
/**
 * `sha256sum -c` input: `<hash>  <path>` per line in the given order. A path holding a backslash or a newline is
 * escaped the way GNU sha256sum writes it (a leading backslash on the line).
 */
function renderSha256Sums(files) {
    return files
        .map(file => {
        if (!/[\\\n\r]/.test(file.path))
            return `${file.sha256}  ${file.path}\n`;
        const escaped = file.path.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
        return `\\${file.sha256}  ${escaped}\n`;
    })
        .join('');
}

export { compareBytes as c, hashEntries as h, renderSha256Sums as r, sha256File as s, walkTree as w };
