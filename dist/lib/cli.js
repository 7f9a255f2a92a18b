import { readdir, lstat, readlink, stat, readFile, mkdir, copyFile, writeFile, appendFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { M as MANIFEST_FILE, t as tarballName, S as SUMS_FILE } from './layout.js';
import './core.js';
import { createReadStream } from 'node:fs';
import 'node:os';
import { I as InputError, q as quoted, g as distExports, h as compareVersions, i as SLURM_SERIES, d as parseTarget, R as RUNNER_GCC, a as parseSlurmVersion, T as TARGET_PARENTS, f as parseCompiler, O as OUTPUTS } from './contract.js';
import { createHash } from 'node:crypto';

/**
 * Matrix mode (`matrix`), for a build matrix's first job: the planner's options, one `name: value` per line, as the
 * collector's `matrix` command takes them. The values are checked by the planner (src/collect/matrix.ts); this reads
 * the lines and their names.
 */
/** The planner's options by name, as the collector's command line and the `matrix` input spell them. */
const MATRIX_OPTIONS = {
    slurmVersions: 'slurm-versions',
    compilers: 'compilers',
    target: 'target',
    leaveOut: 'leave-out',
    extraCells: 'extra-cells'
};
/** The options the `matrix` input takes; the cells' target is the `target` input. */
const NAMES = [
    MATRIX_OPTIONS.slurmVersions,
    MATRIX_OPTIONS.compilers,
    MATRIX_OPTIONS.leaveOut,
    MATRIX_OPTIONS.extraCells
];
const FORM = `one "name: value" per line (names: ${NAMES.join(', ')}; the cells' CPU target is the target input)`;
function optionsOf(value) {
    let parsed;
    try {
        // Failsafe: every value a string, so 25.10 stays "25.10" instead of becoming the number 25.1.
        parsed = distExports.parse(value, { schema: 'failsafe', uniqueKeys: true });
    }
    catch (error) {
        const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
        throw new InputError('matrix', `is not valid YAML (${reason}); give ${FORM}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new InputError('matrix', `${quoted(value)} is not the planner's options: give ${FORM}`);
    return parsed;
}
/** An option's value: a string, or a YAML list of strings (joined by commas, as the planner's lists are). */
function optionValue(name, value) {
    if (typeof value === 'string')
        return value;
    if (Array.isArray(value) && value.every(item => typeof item === 'string'))
        return value.join(', ');
    throw new InputError('matrix', `${name}: give a value or a list of values, not ${JSON.stringify(value)}`);
}
/** `matrix`, with the `target` input: the planner's request, or nothing when the input is empty. */
function parseMatrix(value, target, collect) {
    if (value.trim() === '')
        return {};
    if (collect)
        throw new InputError('matrix', 'and collect are two modes of the action; give one of them');
    const options = optionsOf(value);
    const given = new Map();
    for (const [name, raw] of Object.entries(options)) {
        if (!NAMES.includes(name))
            throw new InputError('matrix', `${quoted(name)} is not one of its options; give ${FORM}`);
        given.set(name, optionValue(name, raw));
    }
    const compilers = given.get(MATRIX_OPTIONS.compilers);
    if (compilers === undefined)
        throw new InputError('matrix', `names no compilers (such as "compilers: gcc@11.4.0, gcc@13.3.0"); give ${FORM}`);
    return {
        matrix: {
            slurmVersions: given.get(MATRIX_OPTIONS.slurmVersions) ?? '',
            compilers,
            target,
            leaveOut: given.get(MATRIX_OPTIONS.leaveOut) ?? '',
            extraCells: given.get(MATRIX_OPTIONS.extraCells) ?? ''
        }
    };
}

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
 * The matrix planner: a workflow's lists of Slurm versions and compilers turned into its cells, each value validated
 * as the action's inputs are, each compiler on the runner image that suits it. The versions default to the word
 * `supported`, every series of the catalog (src/catalog.ts), so a series added there reaches every planned matrix.
 */
/** GitHub runs at most 256 jobs of one matrix. */
const MAX_CELLS = 256;
/** The Slurm versions that mean every series of the catalog, the newest release of each. */
const SUPPORTED = 'supported';
/** What `leave-out` accepts: `outermost`, the oldest series with the newest GCC and the newest with the oldest. */
const LEAVE_OUT = ['outermost'];
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
/** A Slurm version of option `input`: a series of `series` as it is, anything else checked as `slurm-version` is. */
function slurmVersionOf(input, value, series) {
    return series.includes(value) ? value : renamed(input, () => parseSlurmVersion(value));
}
/** The GCC version (without `gcc@`) of `gcc@X.Y.Z` or `X.Y.Z`, checked as `compiler` is. */
function gccOf(input, value) {
    return renamed(input, () => {
        const compiler = parseCompiler(value.startsWith('gcc@') ? value : `gcc@${value}`);
        if (compiler.kind !== 'gcc')
            throw new InputError('compiler', `${quoted(value)} is not a GCC release`);
        return compiler.version;
    });
}
/** The Slurm versions of the matrix: the list given, `supported` standing for every series of `series`. */
function slurmVersionsOf(value, series) {
    const listed = value.trim() === '' ? [SUPPORTED] : parseList(MATRIX_OPTIONS.slurmVersions, value);
    const versions = listed.flatMap(v => v === SUPPORTED ? series : [slurmVersionOf(MATRIX_OPTIONS.slurmVersions, v, series)]);
    return [...new Set(versions)];
}
/** The oldest and the newest of `versions`, by version order (not by the order given). */
function ends(versions) {
    const sorted = [...versions].sort(compareVersions);
    return [sorted[0], sorted[sorted.length - 1]];
}
/** The pairs `leave-out` drops: none, or (`outermost`) oldest series × newest GCC and newest series × oldest GCC. */
function leftOut(value, versions, gccs) {
    const choice = value.trim();
    if (choice === '')
        return [];
    if (!LEAVE_OUT.includes(choice)) {
        throw new InputError(MATRIX_OPTIONS.leaveOut, `${quoted(value)} is not accepted (accepted: ${LEAVE_OUT.join(', ')}, or empty to leave nothing out)`);
    }
    if (versions.length < 2 || gccs.length < 2) {
        throw new InputError(MATRIX_OPTIONS.leaveOut, `${quoted(choice)} needs at least two Slurm versions and two compilers (given ${versions.length} and ${gccs.length})`);
    }
    const [oldest, newest] = ends(versions);
    const [oldestGcc, newestGcc] = ends(gccs);
    return [
        { slurm: oldest, gcc: newestGcc },
        { slurm: newest, gcc: oldestGcc }
    ];
}
/** The `extra-cells` list: each `SLURM/gcc@X.Y.Z` (or `SLURM/X.Y.Z`), both halves checked. */
function extraCellsOf(value, series) {
    if (value.trim() === '')
        return [];
    return parseList(MATRIX_OPTIONS.extraCells, value).map(cell => {
        const match = /^([^/]+)\/([^/]+)$/.exec(cell);
        if (!match) {
            throw new InputError(MATRIX_OPTIONS.extraCells, `${quoted(cell)} is not a cell (accepted: SLURM/gcc@X.Y.Z, such as ${series[series.length - 1]}/gcc@13.3.0)`);
        }
        const slurm = slurmVersionOf(MATRIX_OPTIONS.extraCells, match[1], series);
        return { slurm, gcc: gccOf(MATRIX_OPTIONS.extraCells, match[2]) };
    });
}
/**
 * The matrix (`{ include: [...] }`): every Slurm version with every compiler, in the order given, less the pairs
 * `leave-out` drops, then the extra cells; each value validated, an error naming the option and the value. `series`
 * is what `supported` stands for: the catalog's series (a test passes a longer list).
 */
function planMatrix(request, series = SLURM_SERIES) {
    const versions = slurmVersionsOf(request.slurmVersions ?? '', series);
    const gccs = [
        ...new Set(parseList(MATRIX_OPTIONS.compilers, request.compilers).map(v => gccOf(MATRIX_OPTIONS.compilers, v)))
    ];
    const target = renamed(MATRIX_OPTIONS.target, () => parseTarget(request.target.trim() || 'x86_64_v3'));
    const dropped = leftOut(request.leaveOut ?? '', versions, gccs);
    const pairs = versions
        .flatMap(slurm => gccs.map(gcc => ({ slurm, gcc })))
        .filter(pair => !dropped.some(drop => drop.slurm === pair.slurm && drop.gcc === pair.gcc));
    for (const extra of extraCellsOf(request.extraCells ?? '', series))
        if (!pairs.some(pair => pair.slurm === extra.slurm && pair.gcc === extra.gcc))
            pairs.push(extra);
    const include = pairs.map(({ slurm, gcc }) => ({ slurm, gcc, target, runner: runnerFor(gcc, target).runner }));
    if (include.length > MAX_CELLS) {
        throw new InputError(MATRIX_OPTIONS.compilers, `${include.length} cells is more than the ${MAX_CELLS} a matrix may have`);
    }
    return { include };
}

/**
 * What a matrix workflow's first job hands the jobs after it: the cells, one dependencies job per compiler and runner
 * image (the Slurm versions of that compiler's cells, installed once for the build cache the cells restore), and the
 * number of cells. The collector's `matrix` command and the action's matrix mode write the same three outputs.
 */
/** One dependencies job per (compiler, runner image, target) of `cells`, in the order the cells first name them. */
function dependenciesOf(cells) {
    const jobs = new Map();
    for (const { slurm, gcc, runner, target } of cells) {
        const key = JSON.stringify([gcc, runner, target]);
        const job = jobs.get(key) ?? { gcc, runner, target, versions: [] };
        if (!job.versions.includes(slurm))
            job.versions.push(slurm);
        jobs.set(key, job);
    }
    return { include: [...jobs.values()].map(({ versions, ...job }) => ({ ...job, slurm: versions.join(' ') })) };
}
/** The cells and their dependencies jobs; `series` is what `supported` stands for (the catalog's series). */
function planWorkflow(request, series = SLURM_SERIES) {
    const matrix = planMatrix(request, series);
    return { matrix, dependencies: dependenciesOf(matrix.include) };
}
/** The plan as step outputs, by name: `matrix` and `dependencies` (JSON on one line each) and `count`. */
function planOutputs(plan) {
    return [
        [OUTPUTS.matrix, JSON.stringify(plan.matrix)],
        [OUTPUTS.cellCount, String(plan.matrix.include.length)],
        [OUTPUTS.dependencies, JSON.stringify(plan.dependencies)]
    ];
}
/** The plan for a log: one line per cell and per dependencies job. */
function renderPlanText(plan) {
    const cells = plan.matrix.include.map(c => `  Slurm ${c.slurm} gcc@${c.gcc} ${c.target} on ${c.runner}\n`);
    const jobs = plan.dependencies.include.map(j => `  gcc@${j.gcc} ${j.target} on ${j.runner}: Slurm ${j.slurm}\n`);
    return (`${cells.length} cell(s):\n${cells.join('')}` +
        `${jobs.length} dependencies job(s), one per compiler and runner image:\n${jobs.join('')}`);
}
/** The plan for a job summary: a table of the cells, grouped by compiler as the dependencies jobs are. */
function renderPlanMarkdown(plan) {
    const rows = plan.dependencies.include.map(job => {
        const cells = plan.matrix.include.filter(c => c.gcc === job.gcc && c.runner === job.runner && c.target === job.target);
        return `| gcc@${job.gcc} | ${job.runner} | ${job.target} | ${cells.map(c => c.slurm).join(', ')} |`;
    });
    return [
        `## Slurm build matrix: ${plan.matrix.include.length} cells`,
        '',
        '| compiler | runner image | target | Slurm (one cell each) |',
        '| --- | --- | --- | --- |',
        ...rows,
        '',
        ''
    ].join('\n');
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
 * a `SHA256SUMS` for a release. `matrix` turns a workflow's lists into its matrix and dependencies jobs.
 */
const USAGE = `usage:
  node dist/collect.js [summary] DIR [--markdown FILE] [--title TEXT] [--require-success] [--require-audit]
                       [--expect N] [--assets OUTDIR]
  node dist/collect.js matrix [--slurm-versions LIST] --compilers LIST [--target TARGET] [--leave-out outermost]
                       [--extra-cells LIST] [--github-output FILE]

summary  reads every cell.json and manifest.json under DIR, prints the table, appends it to FILE (--markdown),
         then runs the checks asked for and exits 1 when one fails; --assets copies the built cells' tarballs
         (found under DIR) into OUTDIR, verifies their sha256 and writes OUTDIR/SHA256SUMS.
matrix   prints the matrix of every Slurm version with every compiler as JSON ({"include": [...]}) and, with
         --github-output, appends matrix=<json>, count=<cells> and dependencies=<json> (one job per compiler and
         runner image, with the versions of its cells) to FILE. LIST is a JSON array or a comma-separated list;
         the Slurm versions default to supported, every series the action supports. --leave-out outermost drops
         the oldest series with the newest compiler and the newest series with the oldest; --extra-cells adds
         cells written SLURM/gcc@X.Y.Z.`;
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
            [MATRIX_OPTIONS.slurmVersions]: { type: 'string', default: SUPPORTED },
            [MATRIX_OPTIONS.compilers]: { type: 'string' },
            [MATRIX_OPTIONS.target]: { type: 'string', default: 'x86_64_v3' },
            [MATRIX_OPTIONS.leaveOut]: { type: 'string', default: '' },
            [MATRIX_OPTIONS.extraCells]: { type: 'string', default: '' },
            'github-output': { type: 'string' }
        }
    });
    const compilers = values[MATRIX_OPTIONS.compilers];
    if (compilers === undefined)
        throw new UsageError('matrix needs --compilers');
    const plan = planWorkflow({
        slurmVersions: values[MATRIX_OPTIONS.slurmVersions],
        compilers,
        target: values[MATRIX_OPTIONS.target],
        leaveOut: values[MATRIX_OPTIONS.leaveOut],
        extraCells: values[MATRIX_OPTIONS.extraCells]
    });
    io.out(`${JSON.stringify(plan.matrix)}\n`);
    const output = values['github-output'];
    if (output)
        await appendFile(output, planOutputs(plan)
            .map(([name, value]) => `${name}=${value}\n`)
            .join(''));
    return 0;
}

export { renderPlanText as a, planOutputs as b, renderPlanMarkdown as c, planWorkflow as d, compareBytes as e, renderSha256Sums as f, writeCollectSummary as g, hashEntries as h, parseMatrix as p, runCollectCli as r, sha256File as s, walkTree as w };
