import { readdir, lstat, readlink, stat, readFile, mkdir, copyFile, writeFile, appendFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { M as MANIFEST_FILE, t as tarballName, S as SUMS_FILE } from './layout.js';
import './core.js';
import { createReadStream } from 'node:fs';
import 'node:os';
import { h as compareVersions, I as InputError, a as parseSlurmVersion, f as parseCompiler, d as parseTarget, R as RUNNER_GCC, T as TARGET_PARENTS } from './index.js';
import { createHash } from 'node:crypto';

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

/**
 * The cells of a build matrix as the collector finds them. Each cell of the matrix workflows uploads a small artifact
 * holding `cell.json` (what the cell was asked to build and how its build step ended) and the `manifest.json` of its
 * tarball; the final job downloads them all. This module reads them (trusting nothing of their shape) and says what
 * each cell came to.
 */
const CELL_FILE = 'cell.json';
const CELL_SCHEMA = 1;
function text(value) {
    return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}
function count(value) {
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0)
        return value;
    if (typeof value === 'string' && /^\d+$/.test(value))
        return Number(value);
    return null;
}
/** Reads a `cell.json` document; fields of the wrong type are read as empty rather than trusted. */
function parseCellRecord(json) {
    const raw = JSON.parse(json);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
        throw new Error('is not a JSON object');
    const doc = raw;
    if (doc.schema !== CELL_SCHEMA)
        throw new Error(`has schema ${JSON.stringify(doc.schema)}, expected ${CELL_SCHEMA}`);
    return {
        schema: CELL_SCHEMA,
        slurm: text(doc.slurm),
        compiler: text(doc.compiler),
        target: text(doc.target),
        runner: text(doc.runner),
        outcome: text(doc.outcome),
        cacheHit: text(doc.cacheHit),
        artifactName: text(doc.artifactName),
        tarball: text(doc.tarball),
        sha256: text(doc.sha256),
        size: count(doc.size),
        jobTotal: count(doc.jobTotal)
    };
}
/** Reads a `manifest.json` far enough to summarise it; throws when it is not a manifest. */
function parseManifest(json) {
    const raw = JSON.parse(json);
    const doc = raw;
    if (typeof doc !== 'object' ||
        doc === null ||
        typeof doc.schema !== 'number' ||
        typeof doc.name !== 'string' ||
        typeof doc.slurm?.version !== 'string' ||
        typeof doc.audit?.ok !== 'boolean' ||
        !Array.isArray(doc.files)) {
        throw new Error('is not a slurm-factory manifest (schema, name, slurm.version, audit.ok and files are required)');
    }
    return doc;
}
/** Every directory under `root` (root included) holding a cell.json or a manifest.json, sorted by path. */
async function cellDirs(root) {
    const found = [];
    const visit = async (rel) => {
        const entries = await readdir(path.join(root, rel), { withFileTypes: true });
        if (entries.some(e => e.isFile() && (e.name === CELL_FILE || e.name === MANIFEST_FILE)))
            found.push(rel);
        for (const entry of entries)
            if (entry.isDirectory())
                await visit(rel ? `${rel}/${entry.name}` : entry.name);
    };
    await visit('');
    return found.sort(compareBytes);
}
async function readOptional(file, parse, errors) {
    let json;
    try {
        json = await readFile(file, 'utf8');
    }
    catch (error) {
        if (error.code === 'ENOENT')
            return undefined;
        throw error;
    }
    try {
        return parse(json);
    }
    catch (error) {
        errors.push(`${path.basename(file)} ${error instanceof Error ? error.message : String(error)}`);
        return undefined;
    }
}
/** Reads every cell under `root`; a missing `root` gives no cells. */
async function readCells(root) {
    const exists = await stat(root).then(info => info.isDirectory(), () => false);
    if (!exists)
        return [];
    const cells = [];
    for (const dir of await cellDirs(root)) {
        const errors = [];
        const record = await readOptional(path.join(root, dir, CELL_FILE), parseCellRecord, errors);
        const manifest = await readOptional(path.join(root, dir, MANIFEST_FILE), parseManifest, errors);
        cells.push({ dir: dir || '.', ...(record ? { record } : {}), ...(manifest ? { manifest } : {}), errors });
    }
    return sortCells(cells);
}
function compilerVersion(cell) {
    const requested = /^gcc@([\d.]+)$/.exec(cell.record?.compiler ?? '')?.[1];
    return requested ?? cell.manifest?.compiler.version ?? '';
}
function slurmOf(cell) {
    return cell.record?.slurm || cell.manifest?.slurm.version || '';
}
/** Oldest Slurm first, then oldest compiler, then by directory. */
function sortCells(cells) {
    const version = (a, b) => /^\d/.test(a) && /^\d/.test(b) ? compareVersions(a, b) : compareBytes(a, b);
    return [...cells].sort((a, b) => version(slurmOf(a), slurmOf(b)) || version(compilerVersion(a), compilerVersion(b)) || compareBytes(a.dir, b.dir));
}
function cellState(cell) {
    if (!cell.record && !cell.manifest)
        return 'unreadable';
    const outcome = cell.record?.outcome ?? 'success';
    if (outcome === 'success')
        return cell.manifest ? 'built' : 'succeeded without a tarball';
    if (outcome === 'cancelled' || outcome === 'skipped')
        return outcome;
    return 'failed';
}
function totals(cells) {
    const built = cells.filter(cell => cellState(cell) === 'built');
    const jobTotal = Math.max(0, ...cells.map(cell => cell.record?.jobTotal ?? 0));
    return {
        cells: cells.length,
        built: built.length,
        cache: {
            // Nothing built: from the Actions cache, or from remote build caches alone.
            exact: built.filter(cell => ['exact', 'remote'].includes(cell.record?.cacheHit ?? '')).length,
            partial: built.filter(cell => cell.record?.cacheHit === 'partial').length,
            none: built.filter(cell => cell.record?.cacheHit === 'none').length
        },
        notBuilt: cells.length - built.length,
        missing: Math.max(0, jobTotal - cells.length),
        auditFailures: cells.filter(cell => cell.manifest && !cell.manifest.audit.ok).length
    };
}

/** A release's assets: the built cells' tarballs, verified against what each cell recorded, and their SHA256SUMS. */
async function filesByName(root) {
    const out = new Map();
    const visit = async (dir) => {
        for (const entry of await readdir(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory())
                await visit(full);
            else if (entry.isFile())
                out.set(entry.name, [...(out.get(entry.name) ?? []), full]);
        }
    };
    await visit(root);
    return out;
}
/**
 * Copies every built cell's tarball (found by file name anywhere under `root`) into `outDir`, checks its SHA-256
 * against the one the cell recorded, and writes `outDir/SHA256SUMS`. Throws on a missing, ambiguous or altered file.
 */
async function gatherAssets(cells, root, outDir) {
    const files = await filesByName(root);
    const assets = [];
    await mkdir(outDir, { recursive: true });
    for (const cell of cells) {
        if (cellState(cell) !== 'built')
            continue;
        const manifest = cell.manifest;
        const name = cell.record?.tarball || tarballName(manifest.name, manifest.artifact?.compression === 'gzip' ? 'gzip' : 'zstd');
        if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*\.tar\.(zst|gz)$/.test(name)) {
            throw new Error(`${cell.dir}: ${JSON.stringify(name)} is not a tarball name`);
        }
        if (assets.some(asset => asset.name === name))
            throw new Error(`two cells produced ${name}`);
        const found = files.get(name) ?? [];
        if (found.length !== 1) {
            throw new Error(`${name}: ${found.length === 0 ? 'not found' : `found ${found.length} times`} under ${root}`);
        }
        const source = found[0];
        const sha256 = await sha256File(source);
        if (cell.record?.sha256 && cell.record.sha256 !== sha256) {
            throw new Error(`${name}: sha256 ${sha256} differs from the ${cell.record.sha256} its cell recorded`);
        }
        await copyFile(source, path.join(outDir, name));
        assets.push({ name, sha256, size: (await stat(source)).size });
    }
    assets.sort((a, b) => compareBytes(a.name, b.name));
    await writeFile(path.join(outDir, SUMS_FILE), renderSha256Sums(assets.map(a => ({ path: a.name, sha256: a.sha256 }))));
    return assets;
}

/** What a matrix's final job may require of its cells before it publishes them. */
/** What fails the checks, one message per problem; empty when everything asked for holds. */
function checkCells(cells, options) {
    const failures = [];
    const label = (cell) => [cell.record?.slurm, cell.record?.compiler].filter(Boolean).join(' ') || cell.manifest?.name || cell.dir;
    if (options.expect !== undefined && cells.length !== options.expect) {
        failures.push(`expected ${options.expect} cell(s), found ${cells.length}`);
    }
    if ((options.requireSuccess || options.requireAudit) && cells.length === 0)
        failures.push('no cells found');
    if (options.requireSuccess) {
        const missing = totals(cells).missing;
        if (missing > 0)
            failures.push(`${missing} cell(s) of the matrix left nothing to collect`);
        for (const cell of cells) {
            const state = cellState(cell);
            if (state !== 'built')
                failures.push(`${label(cell)}: ${state}`);
        }
    }
    if (options.requireAudit) {
        for (const cell of cells) {
            if (!cell.manifest)
                failures.push(`${label(cell)}: no manifest.json, so no relocation audit to check`);
            else if (!cell.manifest.audit.ok) {
                const problems = cell.manifest.audit.problems ?? [];
                failures.push(`${label(cell)}: the relocation audit failed (${problems.map(p => `${p.file}: ${p.kind}`).join(', ') || 'no details'})`);
            }
        }
    }
    for (const cell of cells)
        for (const error of cell.errors)
            failures.push(`${label(cell)}: ${error}`);
    return failures;
}

/**
 * The release matrix: the release workflow's lists of Slurm versions and compilers turned into its matrix, each value
 * validated as the action's inputs are, each compiler on the runner image that suits it.
 */
/** GitHub runs at most 256 jobs of one matrix. */
const MAX_CELLS = 256;
/** The CPU family of a target: the root of its ancestry (`x86_64` or `aarch64`). */
function targetFamily(target) {
    let current = target;
    for (;;) {
        const parents = TARGET_PARENTS[current];
        if (!parents || parents.length === 0)
            return current;
        current = parents[0];
    }
}
/**
 * The runner image a compiler builds on: the oldest image whose packages have that exact GCC (found, glibc as old
 * as possible), else ubuntu-22.04 for GCC 11 and older and ubuntu-24.04 for newer ones (Spack builds the GCC).
 * aarch64 targets get the arm64 image of the same release.
 */
function runnerFor(gccVersion, target = 'x86_64_v3') {
    const family = targetFamily(target);
    if (family !== 'x86_64' && family !== 'aarch64') {
        throw new InputError('target', `${JSON.stringify(target)}: no GitHub-hosted runner runs ${family}`);
    }
    const suffix = family === 'aarch64' ? '-arm' : '';
    const image = Object.keys(RUNNER_GCC).find(name => RUNNER_GCC[name]?.includes(gccVersion));
    if (image)
        return { runner: `${image}${suffix}`, found: true };
    const major = Number(gccVersion.split('.')[0]);
    return { runner: `${major <= 11 ? 'ubuntu-22.04' : 'ubuntu-24.04'}${suffix}`, found: false };
}
/** A list given as a JSON array of strings or as words separated by commas and/or spaces; duplicates dropped. */
function parseList(input, value) {
    const trimmed = value.trim();
    let items;
    if (trimmed.startsWith('[')) {
        let parsed;
        try {
            parsed = JSON.parse(trimmed);
        }
        catch {
            throw new InputError(input, `${JSON.stringify(value)} is not a valid JSON array`);
        }
        if (!Array.isArray(parsed) || !parsed.every(item => typeof item === 'string')) {
            throw new InputError(input, `${JSON.stringify(value)} must be an array of strings (quote versions: ["25.11"], not [25.11])`);
        }
        items = parsed.map(item => item.trim());
    }
    else {
        items = trimmed.split(/[\s,]+/);
    }
    items = [...new Set(items.filter(Boolean))];
    if (items.length === 0)
        throw new InputError(input, 'is empty; give at least one value');
    return items;
}
function renamed(input, parse) {
    try {
        return parse();
    }
    catch (error) {
        if (error instanceof InputError)
            throw new InputError(input, error.message.slice(error.input.length + 2));
        throw error;
    }
}
/** The release matrix (`{ include: [...] }`): every Slurm version with every compiler, each value validated. */
function planMatrix(request) {
    const versions = parseList('slurm-versions', request.slurmVersions).map(v => renamed('slurm-versions', () => parseSlurmVersion(v)));
    const compilers = parseList('compilers', request.compilers).map(value => renamed('compilers', () => {
        const compiler = parseCompiler(value.startsWith('gcc@') ? value : `gcc@${value}`);
        if (compiler.kind !== 'gcc')
            throw new InputError('compiler', `${JSON.stringify(value)} is not a GCC release`);
        return compiler.version;
    }));
    const target = renamed('target', () => parseTarget(request.target.trim() || 'x86_64_v3'));
    const include = versions.flatMap(slurm => [...new Set(compilers)].map(gcc => ({ slurm, gcc, target, runner: runnerFor(gcc, target).runner })));
    if (include.length > MAX_CELLS) {
        throw new InputError('compilers', `${include.length} cells is more than the ${MAX_CELLS} a matrix may have`);
    }
    return { include };
}

/** How much of a cell came from the build cache, from the action's `cache-hit` output. */
function cacheLabel(cacheHit) {
    switch (cacheHit) {
        case 'exact':
            return 'from the cache';
        case 'remote':
            return 'from remote build caches';
        case 'partial':
            return 'partly from the cache';
        case 'none':
            return 'from source';
        default:
            return '-';
    }
}
/** `1.5 MB`, `980 KB`, `12 B`. */
function formatSize(bytes) {
    if (bytes === null || bytes === undefined)
        return '-';
    if (bytes < 1024)
        return `${bytes} B`;
    if (bytes < 1024 * 1024)
        return `${(bytes / 1024).toFixed(0)} KB`;
    if (bytes < 1024 * 1024 * 1024)
        return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
    return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GB`;
}
/** A table cell's text: no pipes or line breaks, and no HTML (the job summary renders it). */
function md(value) {
    return value
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/\|/g, '\\|')
        .replace(/[\r\n]+/g, ' ')
        .trim();
}
const STATE_MARK = {
    built: '✅ built',
    'succeeded without a tarball': '➖ no tarball',
    failed: '❌ failed',
    cancelled: '⛔ cancelled',
    skipped: '⏭️ skipped',
    unreadable: '❓ unreadable'
};
function unpackedSize(manifest) {
    return manifest.files.reduce((sum, file) => sum + (typeof file.size === 'number' ? file.size : 0), 0);
}
function auditText(manifest) {
    if (!manifest)
        return '-';
    if (manifest.audit.ok)
        return `ok (${manifest.audit.filesScanned} files)`;
    const problems = manifest.audit.problems ?? [];
    const first = problems[0];
    return `${problems.length} problem(s)${first ? `: ${first.file} (${first.kind})` : ''}`;
}
/** The rows of the table, as plain text; a pure function of the cells. */
function summaryRows(cells) {
    return cells.map(cell => {
        const { record, manifest } = cell;
        const requested = [record?.slurm, record?.compiler].filter(Boolean).join(' ') || cell.dir;
        const slurm = manifest?.slurm.version ?? '-';
        const compiler = manifest ? `${manifest.compiler.name}@${manifest.compiler.version}` : record?.compiler || '-';
        const machine = manifest?.buildMachine;
        const runner = [
            record?.runner || (machine ? `${machine.os.id} ${machine.os.versionId}`.trim() : ''),
            machine?.glibc ? `glibc ${machine.glibc}` : ''
        ]
            .filter(Boolean)
            .join(', ');
        const name = record?.tarball || manifest?.name || '-';
        const tarball = record?.size !== null && record?.size !== undefined ? `${name} (${formatSize(record.size)})` : name;
        const unpacked = manifest ? `${formatSize(unpackedSize(manifest))}, ${manifest.files.length} files` : '-';
        const state = STATE_MARK[cellState(cell)] + (cell.errors.length > 0 ? ` (${cell.errors.join('; ')})` : '');
        return [requested, state, slurm, compiler, runner || '-', cacheLabel(record?.cacheHit), tarball, unpacked]
            .concat([auditText(manifest)])
            .map(md);
    });
}
const SUMMARY_HEADER = [
    'cell',
    'result',
    'Slurm',
    'compiler',
    'runner',
    'build cache',
    'tarball',
    'unpacked',
    'relocation audit'
];
/** The summary in Markdown: a heading, the table, and one line of totals. */
function renderSummary(cells, title = 'Slurm build matrix') {
    const lines = [`## ${md(title)}`, ''];
    if (cells.length === 0) {
        lines.push('No cell left a `cell.json` or a `manifest.json` to collect.', '');
        return `${lines.join('\n')}\n`;
    }
    lines.push(`| ${SUMMARY_HEADER.join(' | ')} |`, `|${SUMMARY_HEADER.map(() => ' --- |').join('')}`);
    for (const row of summaryRows(cells))
        lines.push(`| ${row.join(' | ')} |`);
    const t = totals(cells);
    const parts = [
        `**${t.built} of ${t.cells + t.missing} cells built**`,
        `${t.cache.exact} entirely from the build cache, ${t.cache.partial} partly, ${t.cache.none} from source`
    ];
    if (t.notBuilt > 0)
        parts.push(`${t.notBuilt} not built`);
    if (t.missing > 0)
        parts.push(`${t.missing} left nothing to collect`);
    if (t.auditFailures > 0)
        parts.push(`${t.auditFailures} failed the relocation audit`);
    lines.push('', `${parts.join('; ')}.`, '');
    return `${lines.join('\n')}\n`;
}
/** The summary as plain text for the log. */
function renderText(cells) {
    if (cells.length === 0)
        return 'No cells found.\n';
    const rows = [SUMMARY_HEADER, ...summaryRows(cells).map(row => row.map(unescapeMd))];
    const widths = SUMMARY_HEADER.map((_, i) => Math.max(...rows.map(row => (row[i] ?? '').length)));
    return (rows
        .map(row => row
        .map((value, i) => value.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd())
        .join('\n') + '\n');
}
function unescapeMd(value) {
    return value.replace(/\\\|/g, '|').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/**
 * The collector's command line (`node dist/collect.js`) and the action's collect mode. `summary DIR` prints one table
 * of the cells under DIR and appends it to a Markdown file (`$GITHUB_STEP_SUMMARY`); checks (`--require-success`,
 * `--require-audit`, `--expect N`) make it exit non-zero, and `--assets OUT` gathers the cells' tarballs into OUT with
 * a `SHA256SUMS` for a release. `matrix` turns the release workflow's lists into its matrix.
 */
const USAGE = `usage:
  node dist/collect.js [summary] DIR [--markdown FILE] [--title TEXT] [--require-success] [--require-audit]
                       [--expect N] [--assets OUTDIR]
  node dist/collect.js matrix --slurm-versions LIST --compilers LIST [--target TARGET] [--github-output FILE]

summary  reads every cell.json and manifest.json under DIR, prints the table, appends it to FILE (--markdown),
         then runs the checks asked for and exits 1 when one fails; --assets copies the built cells' tarballs
         (found under DIR) into OUTDIR, verifies their sha256 and writes OUTDIR/SHA256SUMS.
matrix   prints the release matrix as JSON ({"include": [...]}) and, with --github-output, appends
         matrix=<json> and count=<cells> to FILE. LIST is a JSON array or a comma-separated list.`;
const defaultIo = {
    out: text => process.stdout.write(text),
    err: text => process.stderr.write(text)
};
/** Runs the collector's command line; returns the exit code (0 ok, 1 a check failed, 2 a usage error). */
async function runCollectCli(argv, io = defaultIo) {
    const [first, ...rest] = argv;
    try {
        if (first === 'matrix')
            return await matrixCommand(rest, io);
        return await summaryCommand(first === 'summary' ? rest : [...argv], io);
    }
    catch (error) {
        const usage = error.code?.startsWith('ERR_PARSE_ARGS') || error instanceof UsageError;
        io.err(`collect: ${error instanceof Error ? error.message : String(error)}\n${usage ? `${USAGE}\n` : ''}`);
        return usage || error instanceof InputError ? 2 : 1;
    }
}
class UsageError extends Error {
}
/**
 * Collect mode of the action: the summary of the cells under `root`, printed and appended to `markdownFile` (the job
 * summary) when there is one. No checks: a matrix's final job decides what to require with the command line.
 */
async function writeCollectSummary(root, markdownFile, io = defaultIo) {
    const cells = await readCells(root);
    io.out(renderText(cells));
    if (markdownFile)
        await appendMarkdown(markdownFile, renderSummary(cells));
}
async function appendMarkdown(file, markdown) {
    await mkdir(path.dirname(path.resolve(file)), { recursive: true });
    await appendFile(file, markdown);
}
async function summaryCommand(argv, io) {
    const { values, positionals } = parseArgs({
        args: argv,
        allowPositionals: true,
        strict: true,
        options: {
            markdown: { type: 'string' },
            title: { type: 'string' },
            'require-success': { type: 'boolean', default: false },
            'require-audit': { type: 'boolean', default: false },
            expect: { type: 'string' },
            assets: { type: 'string' }
        }
    });
    if (positionals.length !== 1)
        throw new UsageError('give one directory of downloaded artifacts');
    const root = path.resolve(positionals[0]);
    let expect;
    if (values.expect !== undefined) {
        if (!/^\d+$/.test(values.expect))
            throw new UsageError(`--expect ${JSON.stringify(values.expect)} is not a number`);
        expect = Number(values.expect);
    }
    const cells = await readCells(root);
    io.out(renderText(cells));
    const failures = checkCells(cells, {
        requireSuccess: values['require-success'],
        requireAudit: values['require-audit'],
        ...(expect !== undefined ? { expect } : {})
    });
    let markdown = renderSummary(cells, values.title);
    if (failures.length > 0) {
        markdown += `**Checks failed:**\n\n${failures.map(f => `- ${md(f)}`).join('\n')}\n\n`;
    }
    if (values.markdown)
        await appendMarkdown(values.markdown, markdown);
    if (failures.length > 0) {
        io.err(`collect: ${failures.length} check(s) failed:\n${failures.map(f => `  ${f}\n`).join('')}`);
        return 1;
    }
    if (values.assets) {
        const assets = await gatherAssets(cells, root, path.resolve(values.assets));
        io.out(`Gathered ${assets.length} tarball(s) and ${SUMS_FILE} into ${values.assets}\n`);
    }
    return 0;
}
async function matrixCommand(argv, io) {
    const { values } = parseArgs({
        args: argv,
        allowPositionals: false,
        strict: true,
        options: {
            'slurm-versions': { type: 'string' },
            compilers: { type: 'string' },
            target: { type: 'string', default: 'x86_64_v3' },
            'github-output': { type: 'string' }
        }
    });
    if (values['slurm-versions'] === undefined || values.compilers === undefined) {
        throw new UsageError('matrix needs --slurm-versions and --compilers');
    }
    const matrix = planMatrix({
        slurmVersions: values['slurm-versions'],
        compilers: values.compilers,
        target: values.target
    });
    const json = JSON.stringify(matrix);
    io.out(`${json}\n`);
    if (values['github-output']) {
        await appendFile(values['github-output'], `matrix=${json}\ncount=${matrix.include.length}\n`);
    }
    return 0;
}

export { renderSha256Sums as a, writeCollectSummary as b, compareBytes as c, hashEntries as h, runCollectCli as r, sha256File as s, walkTree as w };
