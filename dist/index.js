import { g as group, d as debug, s as summary, i as info, w as which, e as error, c as cp, r as rmRF, m as mkdirP, a as warning, b as addPath, f as exportVariable, h as setOutput, j as setFailed } from './lib/core.js';
import path$1 from 'node:path';
import { r as runProgram, l as layoutUnder, e as environmentYaml, d as displayCommand, L as LOCAL_MIRROR, i as installArgs, p as pushArgs, P as PUSH_MIRROR, s as slurmSpec, a as repoAddArgs, c as concretizeArgs, C as CommandError, b as lastLines, f as compilerEnvironmentYaml, g as createSpackRunner, h as readLock, j as repoIndexCacheOf, k as restoreRepoIndex, m as cacheKeys, n as restoreBuildCache, o as savePostState, q as adoptCachedLock, O as OCI_PASSWORD_VAR, t as OCI_USERNAME_VAR } from './lib/state.js';
import { existsSync, readFileSync, mkdirSync, closeSync, openSync, writeFileSync, createWriteStream, realpathSync, rmSync, copyFileSync, chmodSync, renameSync, statSync, readdirSync, readlinkSync } from 'node:fs';
import os$1, { machine } from 'node:os';
import { T as TARGET_PARENTS, d as distExports, r as render, S as SPACK_PINS, I as InputError, p as parseVariants, D as DEFAULT_VARIANTS, a as readInputs } from './lib/inputs.js';
import { b as readElfFile, E as ElfFormatError, h as hasElfMagic, c as readResolvedPaths, a as auditTree, D as DEFAULT_STANDARD_LIB_DIRS, f as formatReport } from './lib/relocation-record.js';
import { writeFile, readFile, mkdir, rm, rename, readdir, lstat, readlink, realpath, stat, copyFile, chmod, symlink, open } from 'node:fs/promises';
import { w as walkTree, h as hashEntries, s as sha256File, c as compareBytes, r as renderSha256Sums } from './lib/checksums.js';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import 'crypto';
import * as fs from 'fs';
import { s as semverExports } from './lib/index.js';
import * as os from 'os';
import 'child_process';
import * as path from 'path';
import 'stream';
import 'util';
import { ok } from 'assert';
import 'http';
import 'https';
import 'net';
import 'tls';
import 'events';
import 'node:assert';
import 'node:net';
import 'node:http';
import 'node:buffer';
import 'node:util';
import 'node:querystring';
import 'node:events';
import 'node:diagnostics_channel';
import 'node:tls';
import 'node:zlib';
import 'node:perf_hooks';
import 'node:util/types';
import 'node:worker_threads';
import 'node:url';
import 'node:async_hooks';
import 'node:console';
import 'node:dns';
import 'string_decoder';
import 'timers';
import 'process';
import 'buffer';

/** The full version of the runner's `gcc` (`gcc -dumpfullversion`), or undefined when there is none. */
async function systemGccVersion(gcc = 'gcc') {
    try {
        const result = await runProgram(gcc, ['-dumpfullversion'], { silent: true, allowFailure: true });
        const version = result.stdout.trim();
        return result.exitCode === 0 && /^\d+\.\d+\.\d+$/.test(version) ? version : undefined;
    }
    catch {
        return undefined;
    }
}
/** The GCC version to build with; fails with a clear message when `system` is asked and the runner has no gcc. */
async function resolveGccVersion(compiler) {
    if (compiler.kind === 'gcc')
        return compiler.version;
    const found = await systemGccVersion();
    if (!found) {
        throw new Error('compiler: empty (the runner\'s GCC) but no gcc answers "gcc -dumpfullversion" on this runner; install gcc or set compiler: gcc@X.Y.Z');
    }
    return found;
}

/** Facts about the runner that decide binary compatibility: OS id and version, machine architecture. */
/** Parses `/etc/os-release` (KEY=value lines, values optionally quoted). */
function parseOsRelease(text) {
    const values = new Map();
    for (const line of text.split('\n')) {
        const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
        if (!match)
            continue;
        let value = match[2].trim();
        const quote = value[0];
        if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
            value = value.slice(1, -1);
            if (quote === '"')
                value = value.replace(/\\(["\\$`])/g, '$1');
        }
        values.set(match[1], value);
    }
    return {
        id: values.get('ID') ?? 'linux',
        versionId: values.get('VERSION_ID') ?? '',
        prettyName: values.get('PRETTY_NAME') ?? values.get('NAME') ?? 'Linux'
    };
}
/** `ID-VERSION_ID` of the runner, for example `ubuntu-24.04` or `debian-12`. */
function hostOs(file = '/etc/os-release') {
    const release = parseOsRelease(existsSync(file) ? readFileSync(file, 'utf8') : '');
    return `${release.id}-${release.versionId || 'unknown'}`;
}
function hostArch() {
    return machine();
}

/** One log group per phase, and the time each phase took, for the job summary. */
class Phases {
    times = [];
    async run(name, body) {
        const started = Date.now();
        let ok = false;
        try {
            const result = await group(name, body);
            ok = true;
            return result;
        }
        finally {
            this.times.push({ name, seconds: (Date.now() - started) / 1000, ok });
        }
    }
}

/** The job summary: written when the runner offers one (GITHUB_STEP_SUMMARY), skipped with a note otherwise. */
/** Builds the summary with `fill` and writes it; a runner without a summary file gets a debug note instead. */
async function writeSummary(fill) {
    const file = process.env.GITHUB_STEP_SUMMARY;
    if (!file) {
        debug('GITHUB_STEP_SUMMARY is not set: no job summary written');
        return;
    }
    if (!existsSync(file)) {
        mkdirSync(path$1.dirname(file), { recursive: true });
        closeSync(openSync(file, 'a'));
    }
    await fill(summary).write();
}
function megabytes(bytes) {
    return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
/** The rows of the summary table, as text; a pure function of the report. */
function summaryRows(report) {
    const rows = [
        ['result', report.error ? `failed: ${report.error.split('\n')[0]}` : 'success']
    ];
    if (report.spec)
        rows.push(['spec', `<code>${report.spec}</code>`]);
    if (report.slurmVersion)
        rows.push(['Slurm', report.slurmVersion]);
    if (report.compiler)
        rows.push(['compiler', report.compiler]);
    if (report.target)
        rows.push(['target', report.target]);
    if (report.cacheHit)
        rows.push(['build cache', report.cacheHit]);
    if (report.built)
        rows.push(['built from source', report.built.length ? report.built.join(', ') : 'nothing']);
    if (report.extracted)
        rows.push(['from the build cache', report.extracted.length ? report.extracted.join(', ') : 'nothing']);
    if (report.artifact) {
        rows.push([
            'artifact',
            `${report.artifact.name}${report.artifact.uploaded ? ` (uploaded${report.artifact.id !== undefined ? `, id ${report.artifact.id}` : ''})` : ' (not uploaded)'}`
        ]);
        rows.push(['size', megabytes(report.artifact.size)]);
        rows.push(['sha256', `<code>${report.artifact.sha256}</code>`]);
    }
    if (report.audit) {
        rows.push([
            'relocation audit',
            `${report.audit.ok ? 'passed' : 'failed'}: ${report.audit.filesScanned} files, ${report.audit.errors} errors, ${report.audit.warnings} warnings`
        ]);
    }
    for (const phase of report.phases)
        rows.push([`time: ${phase.name}`, `${phase.seconds.toFixed(1)} s${phase.ok ? '' : ' (failed)'}`]);
    return rows;
}
async function writeRunSummary(report) {
    await writeSummary(summary => summary
        .addHeading(`Slurm Factory: ${report.error ? 'build failed' : (report.artifact?.name ?? 'build')}`, 2)
        .addTable([
        [
            { data: 'what', header: true },
            { data: 'value', header: true }
        ],
        ...summaryRows(report)
    ]));
}

/**
 * Can this runner run the requested target? Checked before concretizing, so that a target the host can't run fails
 * at once with the ways out, instead of Spack's late "not compatible with this machine".
 */
/** The target and every target it descends from. */
function targetLineage(name) {
    const seen = new Set();
    const visit = (target) => {
        if (seen.has(target))
            return;
        seen.add(target);
        for (const parent of TARGET_PARENTS[target] ?? [])
            visit(parent);
    };
    visit(name);
    return seen;
}
/** Pure: the decision for a requested target on a host Spack names `host`. */
function checkTarget(requested, host) {
    if (!(host in TARGET_PARENTS)) {
        return {
            ok: true,
            requested,
            host,
            message: `the runner's CPU is ${host}, unknown to this action: Spack decides whether it runs ${requested}`
        };
    }
    const lineage = targetLineage(host);
    if (lineage.has(requested))
        return { ok: true, requested, host, message: `the runner's CPU (${host}) runs ${requested}` };
    const generic = [...lineage]
        .filter(name => /^(x86_64(_v\d)?|aarch64|ppc64le|riscv64)$/.test(name))
        .sort()
        .reverse();
    const suggestion = generic[0] ?? host;
    return {
        ok: false,
        requested,
        host,
        message: `target: ${requested} can't run on this runner, whose CPU Spack sees as ${host}. ` +
            `Use target: ${suggestion}${host !== suggestion ? ` (or ${host})` : ''}, or a runner whose CPU supports ${requested}`
    };
}
/**
 * The x86-64 level a CPU's flags (from /proc/cpuinfo) reach, the way archspec decides it; undefined for other
 * architectures. Used by plan mode, which runs no Spack.
 */
function x86Level(flags) {
    const has = (...names) => names.every(name => flags.has(name));
    if (!has('cx16', 'lahf_lm', 'popcnt', 'sse4_1', 'sse4_2', 'ssse3'))
        return 'x86_64';
    if (!has('avx', 'avx2', 'bmi1', 'bmi2', 'f16c', 'fma', 'abm', 'movbe', 'xsave'))
        return 'x86_64_v2';
    if (!has('avx512f', 'avx512bw', 'avx512cd', 'avx512dq', 'avx512vl'))
        return 'x86_64_v3';
    return 'x86_64_v4';
}
/** The flags line of a /proc/cpuinfo text. */
function cpuFlags(cpuinfo) {
    const line = /^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? '';
    return new Set(line.split(/\s+/).filter(Boolean));
}
/** Asks Spack (archspec) which target this runner is, and checks the request against it. */
async function checkHostTarget(spack, requested) {
    const result = await spack.run(['arch', '--target'], { silent: true });
    const check = checkTarget(requested, result.stdout.trim());
    if (!check.ok)
        throw new Error(check.message);
    return check;
}

/**
 * Plan mode: what a build would do, shown without doing it. The resolved request, the root spec, the rendered
 * environment (written under RUNNER_TEMP so it can be tried by hand) and the command lines, in order.
 */
/** Where the action keeps its working files on the runner. */
function workRoot(runnerTemp) {
    return path$1.join(runnerTemp, 'slurm-factory');
}
/** The namespace a repository declares in its repo.yaml, or the bundled one's when it can't be read yet. */
function repoNamespace(repoPath) {
    for (const file of [
        path$1.join(repoPath, 'repo.yaml'),
        path$1.join(repoPath, 'spack_repo', 'slurm_factory', 'repo.yaml')
    ]) {
        if (existsSync(file)) {
            const doc = distExports.parse(readFileSync(file, 'utf8'));
            if (doc?.repo?.namespace)
                return doc.repo.namespace;
        }
    }
    return 'slurm_factory';
}
/** The package repository directory Spack is given: the bundled repo keeps it under spack_repo/slurm_factory. */
function repoPathFor(request, root) {
    switch (request.repo.kind) {
        case 'bundled':
            return path$1.join(request.repo.path, 'spack_repo', 'slurm_factory');
        case 'path':
            return request.repo.path;
        case 'git':
            return path$1.join(root, 'repo');
    }
}
function buildPlan(request, gccVersion, runnerTemp) {
    const root = workRoot(runnerTemp);
    const layout = layoutUnder(root);
    const repoPath = repoPathFor(request, root);
    const environment = environmentYaml({ request, gccVersion, repoPath, repoNamespace: repoNamespace(repoPath), layout });
    const spack = request.spack.root ? path$1.join(request.spack.root, 'bin', 'spack') : 'spack';
    const commands = [];
    if (!request.spack.root) {
        commands.push(`# Spack ${request.spack.version} (commit ${request.spack.commit}) from the runner's tool cache, or:`, displayCommand('git', [
            'clone',
            '--depth',
            '1',
            '--branch',
            request.spack.version,
            'https://github.com/spack/spack.git',
            '<tool cache>'
        ]));
    }
    if (request.repo.kind === 'git') {
        commands.push(displayCommand('git', ['clone', '--depth', '1', '--branch', request.repo.ref, request.repo.url, repoPath]));
    }
    if (request.cache.enabled)
        commands.push("# restore Spack's index of the builtin packages from the Actions cache");
    commands.push(displayCommand(spack, repoAddArgs(repoPath, 'user')));
    if (request.cache.enabled)
        commands.push(`# restore ${LOCAL_MIRROR} (${layout.localMirror}) and spack.lock from the Actions cache`);
    commands.push(displayCommand(spack, concretizeArgs(layout.envDir)) +
        '   # skipped when the cached spack.lock belongs to this spack.yaml', displayCommand(spack, installArgs(layout.envDir, request.jobs)), displayCommand(spack, pushArgs(layout.envDir, LOCAL_MIRROR, true)));
    if (request.buildcache.push)
        commands.push(displayCommand(spack, pushArgs(layout.envDir, PUSH_MIRROR, request.buildcache.unsigned)));
    commands.push(`# stage ${layout.viewRoot} into <artifact-name>/, relocate, audit, write ${request.modules === 'none' ? 'no module file' : `a ${request.modules} module`}, manifest.json and SHA256SUMS`, `# pack <artifact-name>.tar.${request.artifact.compression === 'zstd' ? 'zst' : 'gz'}${request.artifact.upload ? ' and upload it' : ''}`);
    if (request.cache.enabled)
        commands.push('# post step: save the build cache (a partial key after a failure)');
    return {
        request,
        gccVersion,
        spec: slurmSpec(request, gccVersion),
        layout,
        environment,
        commands,
        targetCheck: planTargetCheck(request.target)
    };
}
/** Plan mode runs no Spack: on x86-64 it reads the CPU's level from /proc/cpuinfo, as archspec would. */
function planTargetCheck(target, cpuinfoFile = '/proc/cpuinfo') {
    if (!existsSync(cpuinfoFile) || !targetLineage(target).has('x86_64')) {
        return `${target}: checked against the runner's CPU by Spack before concretizing`;
    }
    const check = checkTarget(target, x86Level(cpuFlags(readFileSync(cpuinfoFile, 'utf8'))));
    return `${check.ok ? 'passes' : 'fails'}: ${check.message} (from /proc/cpuinfo; Spack checks again before concretizing)`;
}
/** The resolved request as name/value rows, secrets left out. */
function requestRows(request) {
    const repo = request.repo.kind === 'git'
        ? `${request.repo.url}@${request.repo.ref}`
        : `${request.repo.path}${request.repo.kind === 'bundled' ? ' (bundled)' : ''}`;
    return [
        ['slurm-version', request.slurmVersion],
        ['compiler', request.compiler.kind === 'gcc' ? `gcc@${request.compiler.version}` : "the runner's GCC"],
        ['variants', request.variants.map(render).join(' ')],
        ['target', request.target],
        [
            'spack',
            request.spack.root ? `${request.spack.root} (existing)` : `${request.spack.version} (${request.spack.commit})`
        ],
        ['spack-repo', repo],
        ['buildcache-mirrors', request.buildcache.mirrors.join(', ') || '(none)'],
        [
            'buildcache-push',
            request.buildcache.push
                ? `${request.buildcache.push}${request.buildcache.unsigned ? ' (unsigned)' : ' (signed)'}`
                : '(none)'
        ],
        ['cache', request.cache.enabled ? `on (prefix ${request.cache.keyPrefix})` : 'off'],
        [
            'artifact',
            `${request.artifact.name ?? '(derived)'}, ${request.artifact.compression}${request.artifact.slim ? ', slim' : ''}${request.artifact.upload ? ', uploaded' : ', not uploaded'}`
        ],
        ['jobs', String(request.jobs)],
        ['modules', request.modules],
        ['spack-config', request.siteConfig ? Object.keys(request.siteConfig).join(', ') : '(none)'],
        ['offline', request.offline ? 'yes: no default mirror, no bootstrapping, sources from the given mirrors' : 'no']
    ];
}
/** Prints the plan in a log group and the job summary, and writes the environment directory. */
async function showPlan(plan) {
    mkdirSync(plan.layout.envDir, { recursive: true });
    const envFile = path$1.join(plan.layout.envDir, 'spack.yaml');
    writeFileSync(envFile, plan.environment);
    await group('Plan (dry-run: nothing is built)', async () => {
        for (const [name, value] of requestRows(plan.request))
            info(`${name}: ${value}`);
        info(`\nspec: ${plan.spec}`);
        info(`target check: ${plan.targetCheck}`);
        info(`\nenvironment: ${envFile} (try it: spack -e ${plan.layout.envDir} concretize)\n${plan.environment}`);
        info(`commands:\n${plan.commands.join('\n')}`);
    });
    await writeSummary(summary => summary
        .addHeading('Slurm Factory: plan (dry-run)', 2)
        .addTable([
        [
            { data: 'input', header: true },
            { data: 'resolved', header: true }
        ],
        ...requestRows(plan.request)
    ])
        .addRaw(`\n\n**Spec:** \`${plan.spec}\`\n\n**Target check:** ${plan.targetCheck}\n\n`)
        .addDetails('spack.yaml', `\n\n\`\`\`yaml\n${plan.environment}\`\`\`\n\n`)
        .addCodeBlock(plan.commands.join('\n'), 'sh'));
}

/**
 * `manifest.json` and `SHA256SUMS` of the artifact. The manifest records what was built (Slurm version, spec, DAG
 * hash, variants, compiler, target), where (OS and glibc of the build machine), with what (Spack version and
 * commit, package repository commit, dependencies with versions and hashes), the audit's result and the SHA-256 of
 * every file. `buildManifest` is pure; the same inputs always render the same bytes (no timestamps, sorted lists).
 * `SHA256SUMS` (`sha256sum -c` format) covers every regular file of the prefix, manifest.json included, but itself.
 */
const MANIFEST_FILE = 'manifest.json';
const SUMS_FILE = 'SHA256SUMS';
const MANIFEST_SCHEMA = 1;
/** The glibc version from `getconf GNU_LIBC_VERSION` (`glibc 2.39`) or the first line of `ldd --version`. */
function parseGlibcVersion(text) {
    const first = text.split('\n')[0] ?? '';
    const match = /(?:glibc|GLIBC|GNU libc)[^\d]*(\d+\.\d+(?:\.\d+)?)/.exec(first) ?? /(\d+\.\d+)\s*$/.exec(first.trim());
    return match ? match[1] : null;
}
/** Reads the build machine's OS, glibc and architecture. */
async function detectBuildMachine(osReleaseFile = '/etc/os-release') {
    const osText = await readFile(osReleaseFile, 'utf8').catch(() => '');
    let glibc = null;
    const getconf = await runProgram('getconf', ['GNU_LIBC_VERSION'], { silent: true, allowFailure: true }).catch(() => null);
    if (getconf && getconf.exitCode === 0)
        glibc = parseGlibcVersion(getconf.stdout);
    if (glibc === null) {
        const ldd = await runProgram('ldd', ['--version'], { silent: true, allowFailure: true }).catch(() => null);
        if (ldd)
            glibc = parseGlibcVersion(ldd.stdout || ldd.stderr);
    }
    return { os: parseOsRelease(osText), glibc, arch: os$1.machine() };
}
/** Builds the manifest from its inputs; lists are sorted so that the result does not depend on input order. */
function buildManifest(input) {
    const dependencies = [...input.build.dependencies]
        .map(dep => ({ name: dep.name, version: dep.version, hash: dep.hash }))
        .sort((a, b) => compareBytes(a.name, b.name) || compareBytes(a.version, b.version) || compareBytes(a.hash, b.hash));
    const problems = [...input.audit.problems]
        .map(p => ({ file: p.file, kind: p.kind, detail: p.detail }))
        .sort((a, b) => compareBytes(a.file, b.file) || compareBytes(a.kind, b.kind) || compareBytes(a.detail, b.detail));
    const { slurm, compiler, spack, repo } = input.build;
    return {
        schema: MANIFEST_SCHEMA,
        name: input.artifactName,
        slurm: { version: slurm.version, spec: slurm.spec, hash: slurm.hash, variants: [...slurm.variants] },
        compiler: { name: compiler.name, version: compiler.version },
        target: input.build.target,
        buildMachine: {
            os: { id: input.machine.os.id, versionId: input.machine.os.versionId, prettyName: input.machine.os.prettyName },
            glibc: input.machine.glibc,
            arch: input.machine.arch
        },
        spack: { version: spack.version, ...(spack.commit ? { commit: spack.commit } : {}) },
        repo: {
            namespace: repo.namespace,
            ...(repo.commit ? { commit: repo.commit } : {}),
            ...(repo.url ? { url: repo.url } : {})
        },
        dependencies,
        artifact: {
            slim: input.artifact?.slim ?? false,
            modules: input.artifact?.modules ?? 'lmod',
            compression: input.artifact?.compression ?? 'zstd'
        },
        audit: { ok: input.audit.ok, filesScanned: input.audit.filesScanned, problems },
        relocation: {
            buildPrefixes: [...(input.relocation?.buildPrefixes ?? [])].sort(compareBytes),
            resolvedAtRunTime: [...(input.relocation?.resolvedAtRunTime ?? [])].sort(compareBytes)
        },
        files: [...input.files]
            .sort((a, b) => compareBytes(a.path, b.path))
            .map(file => ({
            path: file.path,
            size: file.size,
            mode: file.mode.toString(8).padStart(4, '0'),
            sha256: file.sha256
        })),
        symlinks: [...(input.symlinks ?? [])]
            .map(link => ({ path: link.path, target: link.target }))
            .sort((a, b) => compareBytes(a.path, b.path))
    };
}
/** manifest.json's bytes: two-space JSON and a final newline. */
function renderManifest(manifest) {
    return `${JSON.stringify(manifest, null, 2)}\n`;
}
/**
 * Hashes every file of the prefix, writes manifest.json (listing every file but itself and SHA256SUMS), then
 * SHA256SUMS (every file but itself). Existing manifest.json and SHA256SUMS are replaced.
 */
async function writeManifestAndSums(prefix, input) {
    const own = new Set([MANIFEST_FILE, SUMS_FILE]);
    const entries = (await walkTree(prefix)).filter(entry => !own.has(entry.path));
    const files = await hashEntries(prefix, entries);
    const symlinks = entries
        .filter(entry => entry.type === 'symlink')
        .map(entry => ({ path: entry.path, target: entry.target }));
    const manifest = buildManifest({ ...input, files, symlinks });
    const manifestPath = path$1.join(prefix, MANIFEST_FILE);
    const text = renderManifest(manifest);
    await writeFile(manifestPath, text, { mode: 0o644 });
    const manifestFile = {
        path: MANIFEST_FILE,
        size: Buffer.byteLength(text),
        mode: 0o644,
        sha256: await sha256File(manifestPath)
    };
    const listed = [...files, manifestFile].sort((a, b) => compareBytes(a.path, b.path));
    const sumsPath = path$1.join(prefix, SUMS_FILE);
    await writeFile(sumsPath, renderSha256Sums(listed), { mode: 0o644 });
    return { manifest, manifestPath, sumsPath, files: listed };
}

/**
 * The module file shipped in the artifact, at `<prefix>/modules/slurm/<version>.lua` (Lmod) or
 * `<prefix>/modules/slurm/<version>` (Tcl), so that `module use <prefix>/modules; module load slurm` works.
 * Both find the prefix from their own location (three directories up), so they work wherever the tarball is
 * unpacked. They set PATH (bin and sbin), MANPATH, PKG_CONFIG_PATH and SLURM_CONF (to `<prefix>/etc/slurm.conf`,
 * unless SLURM_CONF is already set to something else), and never LD_LIBRARY_PATH: the binaries find their
 * libraries through their `$ORIGIN` RUNPATH.
 */
const DEFAULT_DESCRIPTION = 'Slurm workload manager: commands, daemons, libraries and plugins';
function moduleName(options) {
    return options.name ?? 'slurm';
}
function checkVersion(version) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(version))
        throw new Error(`unsuitable module version ${JSON.stringify(version)}`);
}
/** Lua long string that cannot be closed early by its content. */
function luaLong(text) {
    let level = '';
    while (text.includes(`]${level}]`))
        level += '=';
    return `[${level}[${text}]${level}]`;
}
function helpText(options) {
    return [
        `${moduleName(options)} ${options.version}${options.artifactName ? ` (${options.artifactName})` : ''}`,
        options.description ?? DEFAULT_DESCRIPTION,
        '',
        'Sets PATH, MANPATH, PKG_CONFIG_PATH, and SLURM_CONF to <prefix>/etc/slurm.conf unless SLURM_CONF is set.',
        'The prefix is found from this file: the module works wherever the tarball is unpacked.'
    ].join('\n');
}
/** The Lmod (Lua) module. */
function renderLmodModule(options) {
    checkVersion(options.version);
    const pkgConfig = options.pkgConfigDirs ?? ['lib/pkgconfig', 'share/pkgconfig'];
    const join = (rel) => `pathJoin(prefix, ${rel
        .split('/')
        .map(part => JSON.stringify(part))
        .join(', ')})`;
    return [
        '-- -*- lua -*-',
        `-- ${moduleName(options)} ${options.version}: module file written by slurm-factory-action.`,
        '',
        `help(${luaLong(helpText(options))})`,
        '',
        `whatis("Name: ${moduleName(options)}")`,
        `whatis("Version: ${options.version}")`,
        `whatis(${luaLong(`Description: ${options.description ?? DEFAULT_DESCRIPTION}`)})`,
        '',
        '-- <prefix>/modules/<name>/<version>.lua: the prefix is three levels above this file.',
        'local function parent(p)',
        '  return (p:gsub("/+[^/]*$", ""))',
        'end',
        'local prefix = parent(parent(parent(myFileName())))',
        '',
        `prepend_path("PATH", ${join('sbin')})`,
        `prepend_path("PATH", ${join('bin')})`,
        `prepend_path("MANPATH", ${join('share/man')})`,
        ...[...pkgConfig].reverse().map(dir => `prepend_path("PKG_CONFIG_PATH", ${join(dir)})`),
        '',
        '-- SLURM_CONF points at the bundled etc/slurm.conf unless it was already set to another file.',
        `local conf = ${join('etc/slurm.conf')}`,
        'local current = os.getenv("SLURM_CONF")',
        'if current == nil or current == "" or current == conf then',
        '  setenv("SLURM_CONF", conf)',
        'end',
        ''
    ].join('\n');
}
function tclQuote(text) {
    return `"${text.replace(/[\\"$[\]]/g, '\\$&')}"`;
}
/** The Tcl module (Environment Modules, or Lmod reading Tcl). */
function renderTclModule(options) {
    checkVersion(options.version);
    const pkgConfig = options.pkgConfigDirs ?? ['lib/pkgconfig', 'share/pkgconfig'];
    const join = (rel) => `[file join $prefix ${rel.split('/').join(' ')}]`;
    const help = helpText(options);
    return [
        '#%Module1.0',
        `## ${moduleName(options)} ${options.version}: module file written by slurm-factory-action.`,
        '',
        'proc ModulesHelp { } {',
        ...help.split('\n').map(line => `  puts stderr ${tclQuote(line)}`),
        '}',
        `module-whatis ${tclQuote(`${moduleName(options)} ${options.version}: ${options.description ?? DEFAULT_DESCRIPTION}`)}`,
        '',
        '# <prefix>/modules/<name>/<version>: the prefix is three levels above this file.',
        'if {[info exists ModulesCurrentModulefile]} {',
        '  set modfile $ModulesCurrentModulefile',
        '} else {',
        '  set modfile [info script]',
        '}',
        'set prefix [file dirname [file dirname [file dirname [file normalize $modfile]]]]',
        '',
        `prepend-path PATH ${join('sbin')}`,
        `prepend-path PATH ${join('bin')}`,
        `prepend-path MANPATH ${join('share/man')}`,
        ...[...pkgConfig].reverse().map(dir => `prepend-path PKG_CONFIG_PATH ${join(dir)}`),
        '',
        '# SLURM_CONF points at the bundled etc/slurm.conf unless it was already set to another file.',
        `set conf ${join('etc/slurm.conf')}`,
        'if {![info exists env(SLURM_CONF)] || $env(SLURM_CONF) eq "" || $env(SLURM_CONF) eq $conf} {',
        '  setenv SLURM_CONF $conf',
        '}',
        ''
    ].join('\n');
}
/** Where the module file of a module system goes inside the prefix, or null for `none`. */
function moduleFilePath(prefix, system, options) {
    if (system === 'none')
        return null;
    const base = path$1.join(prefix, 'modules', moduleName(options), options.version);
    return system === 'lmod' ? `${base}.lua` : base;
}
/** Writes the module file for `system` into the prefix; returns its path, or null for `none`. */
async function writeModuleFile(prefix, system, options) {
    const file = moduleFilePath(prefix, system, options);
    if (file === null)
        return null;
    await mkdir(path$1.dirname(file), { recursive: true });
    await writeFile(file, system === 'lmod' ? renderLmodModule(options) : renderTclModule(options), { mode: 0o644 });
    return file;
}

/**
 * Reproducible packing of the staged prefix into `<artifact-name>.tar.zst` (multi-threaded zstd) or `.tar.gz`.
 * The same tree always gives the same bytes: entries sorted by name, owner and group 0 (numeric), one fixed mtime
 * (SOURCE_DATE_EPOCH, or 0), permissions normalised (no group/other write), GNU format (no atime/ctime, no pax
 * headers), no ACLs or extended attributes. `tar` writes straight into the compressor through a pipe the two
 * processes share (no shell, no copy through this process); the compressed stream is hashed on its way into the file.
 */
/** The archive suffix for a compression. */
function archiveSuffix(compression) {
    return compression === 'zstd' ? '.tar.zst' : '.tar.gz';
}
/** SOURCE_DATE_EPOCH when it is a non-negative integer, else 0. */
function sourceDateEpoch(env = process.env) {
    const value = env.SOURCE_DATE_EPOCH?.trim();
    return value && /^\d+$/.test(value) ? Number(value) : 0;
}
/** GNU tar arguments that write `<parent>/<name>` to stdout, reproducibly. */
function tarArguments(parent, name, mtime) {
    return [
        '--create',
        '--file=-',
        '--format=gnu',
        '--sort=name',
        '--owner=0',
        '--group=0',
        '--numeric-owner',
        `--mtime=@${mtime}`,
        '--mode=u+rw,go-w,a+rX',
        '--no-acls',
        '--no-xattrs',
        '--no-selinux',
        `--directory=${parent}`,
        '--',
        name
    ];
}
/** Compressor command line reading stdin and writing stdout. */
function compressorCommand(options) {
    if (options.compression === 'zstd') {
        return {
            command: options.zstd ?? 'zstd',
            args: ['-q', '-c', `-T${options.threads ?? 0}`, `-${options.level ?? 3}`]
        };
    }
    return { command: options.gzip ?? 'gzip', args: ['-n', '-c', `-${options.level ?? 6}`] };
}
/** Packs `dir` into `<outDir>/<basename(dir)>.tar.zst|.tar.gz`. */
async function packArtifact(options) {
    const started = Date.now();
    const dir = path$1.resolve(options.dir);
    const topLevel = path$1.basename(dir);
    const fileName = `${topLevel}${archiveSuffix(options.compression)}`;
    await mkdir(options.outDir, { recursive: true });
    const target = path$1.resolve(options.outDir, fileName);
    if (isWithinDir(target, dir))
        throw new Error(`the archive ${target} would be written inside the packed tree ${dir}`);
    const partial = `${target}.partial`;
    const tarCommand = await which(options.tar ?? 'tar', true);
    const tarArgs = tarArguments(path$1.dirname(dir), topLevel, options.mtime ?? sourceDateEpoch());
    const compressor = compressorCommand(options);
    compressor.command = await which(compressor.command, true);
    const env = { ...process.env, LC_ALL: 'C' };
    const hash = createHash('sha256');
    let size = 0;
    let compress;
    let archive;
    try {
        compress = spawn(compressor.command, compressor.args, { stdio: ['pipe', 'pipe', 'pipe'], env });
        const compressDone = finished(compress, compressor.command, compressor.args);
        // tar writes into the compressor's stdin directly; this process then closes its own end of that pipe.
        archive = spawn(tarCommand, tarArgs, {
            stdio: ['ignore', compress.stdin, 'pipe'],
            env
        });
        const archiveDone = finished(archive, tarCommand, tarArgs);
        compress.stdin?.destroy();
        // The compressed stream is hashed on its way to the file, while compression goes on.
        const written = pipeline(compress.stdout, new Transform({
            transform(chunk, _encoding, callback) {
                hash.update(chunk);
                size += chunk.length;
                callback(null, chunk);
            }
        }), createWriteStream(partial));
        // When the compressor fails, tar only sees a broken pipe: report the compressor first.
        const results = await Promise.allSettled([compressDone, archiveDone, written]);
        for (const result of results)
            if (result.status === 'rejected')
                throw result.reason;
    }
    catch (error) {
        compress?.kill();
        archive?.kill();
        await rm(partial, { force: true });
        throw error;
    }
    await rename(partial, target);
    const sha256 = hash.digest('hex');
    return {
        path: target,
        fileName,
        topLevel,
        compression: options.compression,
        size,
        sha256,
        elapsedMs: Date.now() - started
    };
}
function isWithinDir(child, parent) {
    const rel = path$1.relative(parent, child);
    return rel === '' || (!rel.startsWith('..') && !path$1.isAbsolute(rel));
}
/** Resolves when the process exits 0; rejects with a CommandError carrying its stderr tail otherwise. */
function finished(child, command, args) {
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
        stderr += chunk.toString();
        if (stderr.length > 64 * 1024)
            stderr = stderr.slice(-32 * 1024);
    });
    return new Promise((resolve, reject) => {
        child.on('error', error => reject(new CommandError(command, args, -1, error.message)));
        child.on('close', (code, signal) => {
            if (code === 0)
                resolve();
            else
                reject(new CommandError(command, args, code ?? -1, lastLines(stderr || `terminated by ${signal ?? 'unknown'}`)));
        });
    });
}

/**
 * Staging: turns the Spack environment view (a tree of symlinks into the install tree) into one self-contained
 * prefix `<out>/<artifact-name>/` of real files. Symlinks into the install tree are dereferenced; a link that is
 * relative in the install prefix (`libfoo.so -> libfoo.so.1`) and whose target the view also holds stays a relative
 * link; links inside the view stay as they are. `slim` leaves out `include/`, static libraries and libtool archives.
 */
/** Directories every staged prefix has, whatever the view holds (`modules/` receives the module file). */
const STANDARD_DIRS = ['bin', 'sbin', 'lib', 'etc', 'share', 'modules'];
const HASHED_DIR = /^.+-[a-z0-9]{32}$/;
/** Whether `child` is `parent` or lies below it (both absolute, normalized). */
function isWithin(child, parent) {
    const rel = path$1.relative(parent, child);
    return rel === '' || (!rel.startsWith('..') && !path$1.isAbsolute(rel));
}
/**
 * The Spack install prefix holding `file`: the longest known prefix containing it, or else the first directory
 * below an install root named `<name>-<version>-<32-character hash>`. Null outside the install tree.
 */
function spackPrefixOf(file, installRoots, known = []) {
    const matches = known.filter(prefix => isWithin(file, prefix)).sort((a, b) => b.length - a.length);
    if (matches[0])
        return matches[0];
    for (const root of installRoots) {
        if (!isWithin(file, root))
            continue;
        const parts = path$1.relative(root, file).split(path$1.sep);
        for (let i = 0; i < parts.length; i++) {
            if (HASHED_DIR.test(parts[i]))
                return path$1.join(root, ...parts.slice(0, i + 1));
        }
    }
    return null;
}
/** Whether `slim` leaves out a staged path. */
function isSlimDropped(rel) {
    return rel === 'include' || rel.startsWith('include/') || rel.endsWith('.a') || rel.endsWith('.la');
}
/** Stages the view into `<outDir>/<artifactName>/`. */
async function stageView(options) {
    const viewRoot = path$1.resolve(options.viewRoot);
    const installRoots = options.installRoots.map(root => path$1.resolve(root));
    const known = (options.spackPrefixes ?? []).map(prefix => path$1.resolve(prefix));
    const prefix = path$1.resolve(options.outDir, options.artifactName);
    await rm(prefix, { recursive: true, force: true });
    await mkdir(prefix, { recursive: true });
    const entries = [];
    const dropped = [];
    const external = [];
    const fromPrefix = new Map();
    const inBuild = (target) => isWithin(target, viewRoot) || installRoots.some(root => isWithin(target, root));
    const copyReal = async (real, rel) => {
        const dest = path$1.join(prefix, rel);
        await copyFile(real, dest);
        const mode = (await stat(real)).mode & 0o777;
        await chmod(dest, mode | 0o200);
        const spackPrefix = spackPrefixOf(real, installRoots, known);
        if (spackPrefix)
            fromPrefix.set(spackPrefix, (fromPrefix.get(spackPrefix) ?? 0) + 1);
        entries.push({ path: rel, type: 'file', source: real, ...(spackPrefix ? { spackPrefix } : {}) });
    };
    const keepLink = async (rel, text) => {
        await symlink(text, path$1.join(prefix, rel));
        entries.push({ path: rel, type: 'symlink', target: text });
    };
    /**
     * Places `source` (an entry of the view, or of an install-tree directory reached through the view) at `rel`.
     * `viewPath` is where the entry sits in the view (to resolve relative links against the view); `localRoot` is the
     * directory whose relative links stay links.
     */
    const place = async (source, rel, viewPath, localRoot) => {
        if (options.slim && isSlimDropped(rel)) {
            dropped.push(rel);
            return;
        }
        const info = await lstat(source);
        if (info.isDirectory()) {
            await mkdir(path$1.join(prefix, rel), { recursive: true });
            const names = (await readdir(source)).filter(name => !name.startsWith('.spack')).sort(compareBytes);
            for (const name of names) {
                await place(path$1.join(source, name), `${rel}/${name}`, path$1.join(viewPath, name), localRoot);
            }
            return;
        }
        if (info.isFile())
            return copyReal(source, rel);
        if (!info.isSymbolicLink())
            return;
        const text = await readlink(source);
        const resolved = path$1.resolve(path$1.dirname(source), text);
        // A relative link that stays inside the view (or inside the dereferenced directory) stays a link.
        if (!path$1.isAbsolute(text) && isWithin(resolved, localRoot))
            return keepLink(rel, text);
        if (!inBuild(resolved)) {
            external.push({ path: rel, target: text });
            return keepLink(rel, text);
        }
        // A link into the install tree: keep a relative same-tree link of the install prefix when the view has its target.
        const targetInfo = await lstat(resolved).catch(() => null);
        if (targetInfo?.isSymbolicLink()) {
            const inner = await readlink(resolved);
            if (!path$1.isAbsolute(inner)) {
                const inView = path$1.resolve(path$1.dirname(viewPath), inner);
                if (isWithin(inView, viewRoot) && (await lstat(inView).catch(() => null)))
                    return keepLink(rel, inner);
            }
        }
        const real = await realpath(resolved);
        const realInfo = await stat(real);
        if (realInfo.isDirectory())
            return place(real, rel, viewPath, real);
        return copyReal(real, rel);
    };
    const top = (await readdir(viewRoot)).filter(name => !name.startsWith('.spack')).sort(compareBytes);
    for (const name of top)
        await place(path$1.join(viewRoot, name), name, path$1.join(viewRoot, name), viewRoot);
    for (const dir of STANDARD_DIRS)
        await mkdir(path$1.join(prefix, dir), { recursive: true });
    return {
        prefix,
        entries: entries.sort((a, b) => compareBytes(a.path, b.path)),
        spackPrefixes: [...fromPrefix.entries()]
            .map(([spackPrefix, files]) => ({ prefix: spackPrefix, files }))
            .sort((a, b) => compareBytes(a.prefix, b.prefix)),
        dropped: dropped.sort(compareBytes),
        external: external.sort((a, b) => compareBytes(a.path, b.path))
    };
}

/**
 * Relocation of a staged prefix: every ELF's RPATH/RUNPATH entry that points into the build (the Spack install
 * tree or the view) becomes an `$ORIGIN`-relative entry inside the prefix, written with patchelf as DT_RUNPATH;
 * text files naming the build are rewritten where a location-independent form exists (pkg-config files, script
 * interpreters) and reported where none does. ELF string tables are never patched by hand.
 *
 * Entries are handled as follows:
 * - `$ORIGIN…` entries are kept;
 * - entries into the view or an install prefix map to the same subdirectory of the staged prefix (every install
 *   prefix was merged into the one tree); when that directory was not staged they are dropped and reported;
 * - system directories (`/lib`, `/lib64`, `/usr/lib…`, `/usr/local/lib…`) are kept;
 * - any other entry (an absolute path elsewhere, a relative path, an empty entry) is "foreign": kept and reported
 *   by default, dropped with `foreign: 'drop'` (empty entries, which mean the working directory, are always dropped).
 */
/** How many files one patchelf invocation receives. */
const PATCHELF_BATCH = 64;
const SYSTEM_DIR = /^\/(usr\/)?(local\/)?lib(32|64|x32)?(\/|$)/;
const PATH_CHAR = 'A-Za-z0-9._+@%~-';
/** Whether a RUNPATH entry names a system library directory. */
function isSystemDir(entry) {
    return SYSTEM_DIR.test(path$1.posix.normalize(entry));
}
function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
/** Maps build paths to their place in the staged prefix. */
class BuildPaths {
    viewRoot;
    installRoots;
    known;
    roots;
    pattern;
    constructor(options) {
        this.viewRoot = options.viewRoot ? path$1.resolve(options.viewRoot) : undefined;
        this.installRoots = options.installRoots.map(root => path$1.resolve(root));
        this.known = (options.spackPrefixes ?? []).map(prefix => path$1.resolve(prefix));
        const roots = [...(this.viewRoot ? [this.viewRoot] : []), ...this.installRoots, ...(options.otherBuildPaths ?? [])]
            .map(root => path$1.resolve(root))
            .sort((a, b) => b.length - a.length);
        this.roots = roots;
        const alternatives = roots.map(escapeRegExp).join('|') || '(?!)';
        this.pattern = new RegExp(`(?:${alternatives})(?![${PATH_CHAR}])(?:/[${PATH_CHAR}]+)*`, 'g');
    }
    /** A fresh global regular expression matching build paths (with their trailing components). */
    matcher() {
        return new RegExp(this.pattern.source, 'g');
    }
    /** Whether an absolute path lies in the build (view, install tree, or another build path). */
    contains(entry) {
        return this.roots.some(root => isWithin(path$1.resolve(entry), root));
    }
    /** The '/'-separated path inside the staged prefix that a build path corresponds to ('' for the root), or null. */
    staged(entry) {
        const abs = path$1.resolve(entry);
        if (this.viewRoot && isWithin(abs, this.viewRoot))
            return path$1.relative(this.viewRoot, abs).split(path$1.sep).join('/');
        const spackPrefix = spackPrefixOf(abs, this.installRoots, this.known);
        if (spackPrefix)
            return path$1.relative(spackPrefix, abs).split(path$1.sep).join('/');
        return null;
    }
}
/** The new RUNPATH entries for one ELF file at `file` (relative to the prefix). Pure apart from `dirExists`. */
function planRunpath(file, entries, build, dirExists, foreignMode = 'keep') {
    const out = [];
    const dropped = [];
    const foreign = [];
    const add = (entry) => {
        if (!out.includes(entry))
            out.push(entry);
    };
    const fileDir = path$1.posix.dirname(file);
    for (const entry of entries) {
        if (entry === '') {
            dropped.push(entry);
        }
        else if (entry.startsWith('$ORIGIN') || entry.startsWith('${ORIGIN}')) {
            add(entry);
        }
        else if (path$1.isAbsolute(entry) && build.contains(path$1.resolve(entry))) {
            const rel = build.staged(entry);
            if (rel === null || !dirExists(rel)) {
                dropped.push(entry);
            }
            else {
                const up = path$1.posix.relative(fileDir, rel || '.');
                add(up ? `$ORIGIN/${up}` : '$ORIGIN');
            }
        }
        else if (path$1.isAbsolute(entry) && isSystemDir(entry)) {
            add(entry);
        }
        else {
            foreign.push(entry);
            if (foreignMode === 'keep')
                add(entry);
        }
    }
    return { entries: out, dropped, foreign };
}
/** Relocates the staged prefix in place. */
async function relocatePrefix(options) {
    const prefix = path$1.resolve(options.prefix);
    const build = new BuildPaths(options);
    const patchelf = options.patchelf ?? 'patchelf';
    const maxText = options.maxTextBytes ?? 64 * 1024 * 1024;
    const tree = await walkTree(prefix);
    const dirs = new Set(tree.filter(entry => entry.type === 'dir').map(entry => entry.path));
    dirs.add('');
    const dirExists = (rel) => dirs.has(rel);
    const elf = [];
    const rewritten = [];
    const remaining = [];
    const groups = new Map();
    let elfFiles = 0;
    for (const entry of tree) {
        if (entry.type !== 'file')
            continue;
        const full = path$1.join(prefix, entry.path);
        if (await startsWithElfMagic(full)) {
            elfFiles++;
            let info;
            try {
                info = readElfFile(full);
            }
            catch (error) {
                if (!(error instanceof ElfFormatError))
                    throw error;
                remaining.push({ file: entry.path, kind: 'runpath', detail: `unreadable ELF, not relocated: ${error.reason}` });
                continue;
            }
            if (info.kind !== 'elf' || !info.dynamic)
                continue;
            const tag = info.runpath !== null ? 'RUNPATH' : info.rpath !== null ? 'RPATH' : null;
            if (tag === null)
                continue;
            const before = (tag === 'RUNPATH' ? info.runpath : info.rpath);
            const plan = planRunpath(entry.path, before.split(':'), build, dirExists, options.foreign);
            const after = plan.entries.join(':');
            const changed = after !== before || info.rpath !== null;
            elf.push({ file: entry.path, tag, before, after, changed, dropped: plan.dropped, foreign: plan.foreign });
            for (const item of plan.foreign) {
                remaining.push({ file: entry.path, kind: 'runpath', detail: `foreign RUNPATH entry ${JSON.stringify(item)}` });
            }
            for (const item of plan.dropped) {
                if (item)
                    remaining.push({ file: entry.path, kind: 'runpath', detail: `dropped unstaged build entry ${item}` });
            }
            if (changed)
                groups.set(after, [...(groups.get(after) ?? []), full]);
            continue;
        }
        if (entry.size > maxText)
            continue;
        await relocateText(prefix, entry.path, await readFile(full), build, rewritten, remaining);
    }
    let patchelfRuns = 0;
    const keys = [...groups.keys()].sort(compareBytes);
    for (const value of keys) {
        const files = groups.get(value);
        for (let i = 0; i < files.length; i += PATCHELF_BATCH) {
            const batch = files.slice(i, i + PATCHELF_BATCH);
            const restore = await makeWritable(batch);
            try {
                const args = value === '' ? ['--remove-rpath', ...batch] : ['--set-rpath', value, ...batch];
                await runProgram(patchelf, args, { silent: true });
                patchelfRuns++;
            }
            finally {
                for (const [file, mode] of restore)
                    await chmod(file, mode);
            }
        }
    }
    const byFile = (a, b) => compareBytes(a.file, b.file);
    return {
        elfFiles,
        elf: elf.sort(byFile),
        rewritten: rewritten.sort(byFile),
        remaining: remaining.sort(byFile),
        patchelfRuns
    };
}
async function startsWithElfMagic(file) {
    const handle = await open(file, 'r');
    try {
        const head = Buffer.alloc(4);
        const { bytesRead } = await handle.read(head, 0, 4, 0);
        return bytesRead === 4 && hasElfMagic(head);
    }
    finally {
        await handle.close();
    }
}
async function makeWritable(files) {
    const restore = new Map();
    for (const file of files) {
        const mode = (await stat(file)).mode & 0o7777;
        if ((mode & 0o200) === 0) {
            await chmod(file, mode | 0o200);
            restore.set(file, mode);
        }
    }
    return restore;
}
function textKind(rel, text) {
    if (rel.endsWith('.pc') && path$1.posix.basename(path$1.posix.dirname(rel)) === 'pkgconfig')
        return 'pkgconfig';
    if (rel.endsWith('.la'))
        return 'libtool';
    if (text.startsWith('#!'))
        return 'script';
    return 'text';
}
async function relocateText(prefix, rel, data, build, rewritten, remaining) {
    const probe = data.toString('latin1');
    if (!build.matcher().test(probe))
        return;
    if (data.includes(0)) {
        remaining.push({
            file: rel,
            kind: 'binary',
            detail: `names ${firstMatch(probe, build)} (binary file, not rewritten)`
        });
        return;
    }
    const text = data.toString('utf8');
    const kind = textKind(rel, text);
    let next = text;
    const changes = [];
    let count = 0;
    if (kind === 'pkgconfig') {
        const root = path$1.posix.relative(path$1.posix.dirname(rel), '.') || '';
        const pcRoot = root ? `\${pcfiledir}/${root}` : '${pcfiledir}';
        const hasPrefixVar = /^prefix=/m.test(text);
        next = text
            .split('\n')
            .map(line => {
            const own = line.startsWith('prefix=') || !hasPrefixVar;
            return line.replace(build.matcher(), match => {
                const sub = build.staged(match);
                if (sub === null)
                    return match;
                count++;
                const base = own ? pcRoot : '${prefix}';
                return sub ? `${base}/${sub}` : base;
            });
        })
            .join('\n');
        if (count > 0)
            changes.push('prefix');
    }
    else if (kind === 'script') {
        const lines = text.split('\n');
        if (/^#!\s*\/bin\/(ba)?sh\s+\S*\/sbang\s*$/.test(lines[0]) && (lines[1] ?? '').startsWith('#!')) {
            lines.shift();
            changes.push('sbang');
            count++;
        }
        const shebang = /^#!\s*(\S+)(?:\s+(.*))?$/.exec(lines[0]);
        if (shebang && build.contains(path$1.resolve(shebang[1]))) {
            const program = path$1.posix.basename(shebang[1]);
            const rest = (shebang[2] ?? '').trim();
            lines[0] = rest ? `#!/usr/bin/env -S ${program} ${rest}` : `#!/usr/bin/env ${program}`;
            changes.push('shebang');
            count++;
        }
        next = lines.join('\n');
    }
    if (next !== text) {
        await writeFile(path$1.join(prefix, rel), next);
        rewritten.push({ file: rel, kind, changes, count });
    }
    const left = next.match(build.matcher());
    if (left) {
        const unique = [...new Set(left)];
        const shown = unique.slice(0, 3).join(', ');
        const more = unique.length > 3 ? ` and ${unique.length - 3} more` : '';
        const why = kind === 'libtool' ? 'libtool archives have no relocatable form' : 'no relocatable form; left as is';
        remaining.push({ file: rel, kind, detail: `names ${shown}${more} (${why})` });
    }
}
function firstMatch(text, build) {
    return (text.match(build.matcher()) ?? [''])[0];
}

/**
 * The artifact phase: stage the environment's view into one prefix, relocate it, audit it, write the module file,
 * the manifest and SHA256SUMS, and pack it. The audit decides: a tree that would not work elsewhere fails the step.
 */
class AuditError extends Error {
    report;
    constructor(report) {
        super(`the relocation audit found ${report.errors} problem(s) in the staged tree:\n${formatReport(report)}`);
        this.report = report;
        this.name = 'AuditError';
    }
}
/** `slurm-25.11.6-gcc13.3.0-x86_64_v3`, unless the request names the artifact. */
function artifactName(request, slurmVersion, gccVersion) {
    return request.artifact.name ?? `slurm-${slurmVersion}-gcc${gccVersion}-${request.target}`;
}
/**
 * Library directories of the build's external packages (system libraries Spack was told to use, such as Debian's
 * PMIx under /usr/lib/x86_64-linux-gnu/pmix2): the tarball links to them by design, like to the system's own
 * directories, so RUNPATH entries into them are not relocation problems.
 */
function externalLibraryDirs(build) {
    const dirs = build.dependencies
        .filter(dep => dep.external && dep.externalPrefix && dep.externalPrefix !== '/usr')
        .flatMap(dep => ['lib', 'lib64'].map(lib => path$1.join(dep.externalPrefix, lib)));
    return [...new Set(dirs)].sort();
}
function resolvedBuild(inputs) {
    const { build, request } = inputs;
    return {
        slurm: {
            version: build.root.version,
            spec: `slurm@${build.root.version} ${request.variants.map(render).join(' ')} %gcc@${inputs.gccVersion} target=${request.target}`,
            hash: build.root.hash,
            variants: request.variants.map(render)
        },
        compiler: { name: 'gcc', version: inputs.gccVersion },
        target: request.target,
        spack: { version: inputs.spack.version, ...(inputs.spack.commit ? { commit: inputs.spack.commit } : {}) },
        repo: { namespace: inputs.repo.namespace, ...(inputs.repo.commit ? { commit: inputs.repo.commit } : {}) },
        dependencies: build.dependencies.map(dep => ({ name: dep.name, version: dep.version, hash: dep.hash }))
    };
}
async function buildArtifact(inputs) {
    const { request, layout } = inputs;
    const name = artifactName(request, inputs.build.root.version, inputs.gccVersion);
    const installRoots = [realpathSync(layout.installRoot)];
    const viewRoot = realpathSync(layout.viewRoot);
    const staged = await stageView({
        viewRoot,
        installRoots,
        outDir: inputs.outDir,
        artifactName: name,
        slim: request.artifact.slim
    });
    info(`Staged ${staged.entries.length} entries from ${staged.spackPrefixes.length} Spack prefixes into ${staged.prefix}`);
    const relocation = await relocatePrefix({
        prefix: staged.prefix,
        installRoots,
        viewRoot,
        otherBuildPaths: [inputs.spack.root]
    });
    info(`Relocated ${relocation.elf.filter(e => e.changed).length} of ${relocation.elfFiles} ELF files; rewrote ${relocation.rewritten.length} text files`);
    for (const left of relocation.remaining)
        info(`left as built: ${left.file} (${left.kind}): ${left.detail}`);
    const externalDirs = externalLibraryDirs(inputs.build);
    if (externalDirs.length > 0)
        info(`Library directories of external packages, accepted like the system's: ${externalDirs.join(', ')}`);
    const relocationRecord = {
        buildPrefixes: [...new Set([...installRoots, layout.installRoot, layout.viewRoot])].sort(),
        resolvedAtRunTime: readResolvedPaths(staged.prefix)
    };
    info(relocationRecord.resolvedAtRunTime.length > 0
        ? `Compiled-in paths the recipe resolves at run time: ${relocationRecord.resolvedAtRunTime.join(', ')}`
        : 'The recipe records no compiled-in paths resolved at run time');
    const audit = await auditTree(staged.prefix, {
        ...relocationRecord,
        standardLibDirs: [...DEFAULT_STANDARD_LIB_DIRS, ...externalDirs],
        warningKinds: ['build-prefix-in-elf', 'build-prefix-in-text']
    });
    info(formatReport(audit));
    if (!audit.ok)
        throw new AuditError(audit);
    if (request.modules !== 'none')
        await writeModuleFile(staged.prefix, request.modules, { version: inputs.build.root.version, artifactName: name });
    const manifest = await writeManifestAndSums(staged.prefix, {
        artifactName: name,
        build: resolvedBuild(inputs),
        machine: await detectBuildMachine(),
        audit: {
            ok: audit.ok,
            filesScanned: audit.filesScanned,
            problems: audit.problems.map(({ file, kind, detail }) => ({ file, kind, detail }))
        },
        relocation: relocationRecord,
        artifact: { slim: request.artifact.slim, modules: request.modules, compression: request.artifact.compression }
    });
    const tarball = await packArtifact({
        dir: staged.prefix,
        outDir: inputs.outDir,
        compression: request.artifact.compression
    });
    info(`Packed ${tarball.path}: ${tarball.size} bytes, sha256 ${tarball.sha256}`);
    return { name, prefix: staged.prefix, tarball, audit, relocation, files: manifest.files.length };
}

/** Uploads the tarball as a workflow artifact with @actions/artifact. */
/** The service's answer when the workflow run already holds an artifact of that name (a re-run of the job). */
function nameTaken(error) {
    const text = error instanceof Error ? error.message : String(error);
    return /\(409\)|already exists/i.test(text);
}
/**
 * Uploads `files` as `name`. Artifact names are unique within a workflow run, so a re-run of the job finds the
 * earlier attempt's artifact: that one is deleted and the upload made again, as upload-artifact's `overwrite` does.
 */
async function uploadReplacing(name, files, root, retentionDays) {
    const { DefaultArtifactClient } = await import('./lib/artifact.js');
    const client = new DefaultArtifactClient();
    const upload = () => client.uploadArtifact(name, [...files], root, retentionDays ? { retentionDays } : {});
    try {
        return await upload();
    }
    catch (error) {
        if (!nameTaken(error))
            throw error;
        info(`This workflow run already has an artifact ${name} (an earlier attempt): replacing it`);
        await client.deleteArtifact(name);
        return upload();
    }
}
async function uploadTarball(name, file, retentionDays) {
    const result = await uploadReplacing(name, [file], path$1.dirname(file), retentionDays);
    info(`Uploaded artifact ${name} (id ${result.id ?? '?'}, ${result.size ?? '?'} bytes)`);
    return {
        ...(result.id !== undefined ? { id: result.id } : {}),
        ...(result.size !== undefined ? { size: result.size } : {})
    };
}
/** Uploads the files that explain a failed build (spack.yaml, spack.lock, build logs) as `<name>`. */
async function uploadDebugFiles(name, files, scratch, retentionDays) {
    const dir = path$1.join(scratch, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const copies = files.map((file, index) => {
        const copy = path$1.join(dir, `${String(index).padStart(2, '0')}-${path$1.basename(file)}`);
        copyFileSync(file, copy);
        return copy;
    });
    await uploadReplacing(name, copies, dir, retentionDays);
    info(`Uploaded the debug artifact ${name}: ${files.join(', ')}`);
}

/**
 * Concretize and install the environment, read what happened from Spack's own messages, and on failure point at the
 * failing package and its build log.
 */
class InstallError extends Error {
    failure;
    report;
    constructor(failure, report) {
        super(`${failure.packageName} failed to install: ${failure.message}${failure.buildLog ? ` (build log: ${failure.buildLog})` : ''}`);
        this.failure = failure;
        this.report = report;
        this.name = 'InstallError';
    }
}
const ANSI = new RegExp(String.raw `\u001b\[[0-9;]*m`, 'g');
function packageId(id) {
    const match = /^(.+)-([a-z0-9]{32})$/.exec(id);
    const base = match ? match[1] : id;
    const name = base.replace(/-[^-]*$/, '');
    return { id, name, hash: match ? match[2] : '' };
}
/** Reads Spack's install messages: what was extracted from a build cache, what was installed, what failed. */
function parseInstallOutput(output) {
    const text = output.replace(ANSI, '');
    const extracted = new Map();
    const installed = new Map();
    for (const match of text.matchAll(/==> Extracting (\S+) from binary cache/g))
        extracted.set(match[1], packageId(match[1]));
    for (const match of text.matchAll(/==> \S+: Successfully installed (\S+)/g))
        installed.set(match[1], packageId(match[1]));
    const built = [...installed.values()].filter(pkg => !extracted.has(pkg.id));
    const failedLine = /Error: Failed to install (\S+) due to ([^\n]*)/.exec(text);
    const notInstalled = /Error: (\S+): Package was not installed/.exec(text);
    const firstError = /==> Error: ([^\n]*)/.exec(text)?.[1];
    const buildLog = /See build log for details:\s*\n\s*(\S+)/.exec(text)?.[1];
    const report = { built, extracted: [...extracted.values()].filter(pkg => installed.has(pkg.id)) };
    if (!failedLine && !notInstalled && !buildLog)
        return report;
    const packageName = failedLine?.[1] ??
        (buildLog ? packageFromLog(buildLog) : undefined) ??
        (notInstalled ? packageId(notInstalled[1]).name : 'unknown');
    const message = (failedLine?.[2] ?? firstError ?? 'see the build log').trim();
    return { ...report, failure: { packageName, message, ...(buildLog ? { buildLog } : {}) } };
}
/** Spack stages a package in `spack-stage-<name>-<version>-<hash>/`: the name from a build log's path. */
function packageFromLog(log) {
    const stage = log.split('/').find(part => part.startsWith('spack-stage-'));
    return stage ? packageId(stage.slice('spack-stage-'.length)).name : undefined;
}
async function concretize(spack, envDir) {
    await spack.run(concretizeArgs(envDir), { group: 'Concretize' });
}
/** Installs the environment; on failure annotates the failing package with its build log's last lines. */
async function install(spack, envDir, jobs) {
    const result = await spack.run(installArgs(envDir, jobs), { group: 'spack install', allowFailure: true });
    const report = parseInstallOutput(result.stdout + result.stderr);
    if (result.exitCode === 0 && !report.failure)
        return report;
    const failure = report.failure ?? {
        packageName: 'spack install',
        message: `spack install exited with code ${result.exitCode}: ${lastLines(result.stderr || result.stdout, 5)}`
    };
    annotateFailure(failure);
    throw new InstallError(failure, report);
}
function annotateFailure(failure) {
    const log = failure.buildLog && existsSync(failure.buildLog) ? lastLines(readFileSync(failure.buildLog, 'utf8'), 40) : '';
    error(`${failure.message}${log ? `\n\nLast lines of ${path$1.basename(failure.buildLog)}:\n${log}` : ''}`, {
        title: `${failure.packageName} failed to build`
    });
}
/** The files worth keeping from a failed build: the build log and its neighbours in the stage directory. */
function debugFiles(failure, envDir) {
    const files = [path$1.join(envDir, 'spack.yaml'), path$1.join(envDir, 'spack.lock')];
    if (failure?.buildLog) {
        const stage = path$1.dirname(failure.buildLog);
        files.push(failure.buildLog, path$1.join(stage, 'spack-build-env.txt'));
        const source = path$1.join(stage, 'spack-src');
        for (const candidate of [path$1.join(stage, 'config.log'), path$1.join(source, 'config.log')])
            files.push(candidate);
    }
    return files.filter(file => existsSync(file));
}

/**
 * GPG keys for build caches: public keys trusted for reading signed mirrors, and the private key that signs what is
 * pushed. Keys go into Spack's keyring (SPACK_GNUPGHOME, under RUNNER_TEMP) through files that only the runner's
 * user can read, removed once imported; a key is never printed.
 */
async function trustFile(spack, dir, name, key) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = path$1.join(dir, name);
    writeFileSync(file, key, { mode: 0o600 });
    try {
        await spack.run(['gpg', 'trust', file], { silent: true });
    }
    finally {
        rmSync(file, { force: true });
    }
}
async function trustPublicKeys(spack, keys, scratch) {
    await trustFile(spack, scratch, 'buildcache-keys.asc', keys);
}
async function importSigningKey(spack, key, scratch) {
    await trustFile(spack, scratch, 'signing-key.asc', key);
}

/**
 * Offline builds: checks that fail at once, naming what is missing, instead of a download that times out later.
 * Clingo must be importable (Spack can't bootstrap it), and every package to build from source must find its source
 * archive in a local mirror or the source cache, or its binary in a build cache.
 */
/** Run by `spack -e <env> python`: lists the specs to build whose source no local mirror or cache holds. */
const SOURCE_CHECK_SCRIPT = `import json, os
import spack.binary_distribution as bindist
import spack.config
import spack.environment as ev
import spack.mirrors.layout
import spack.mirrors.mirror
import spack.util.path

env = ev.active_environment()
roots = [spack.util.path.canonicalize_path(spack.config.get("config:source_cache"))]
remote = False
for mirror in spack.mirrors.mirror.MirrorCollection(source=True).values():
    url = mirror.fetch_url
    if url.startswith("file://"):
        roots.append(url[len("file://"):])
    else:
        remote = True
missing = []
for spec in env.all_specs():
    if spec.external or spec.installed:
        continue
    pkg = spec.package
    if not pkg.has_code:
        continue
    try:
        if bindist.get_mirrors_for_spec(spec):
            continue
    except Exception:
        pass
    fetcher = pkg.fetcher
    url = getattr(fetcher, "url", None) or ""
    if url.startswith("file://") and os.path.exists(url[len("file://"):]):
        continue
    layout = spack.mirrors.layout.default_mirror_layout(fetcher, os.path.join(spec.name, spec.name), spec)
    paths = [p for p in (layout.path, getattr(layout, "cosmetic_path", None)) if p]
    if any(os.path.exists(os.path.join(root, p)) for root in roots for p in paths):
        continue
    if remote:
        continue
    missing.append({"name": spec.name, "version": str(spec.version), "sha256": getattr(fetcher, "digest", None), "archive": layout.path, "url": getattr(fetcher, "url", None)})
print("SLURM_FACTORY_OFFLINE_CHECK " + json.dumps(missing))
`;
function parseSourceCheck(output) {
    const line = output.split('\n').find(text => text.startsWith('SLURM_FACTORY_OFFLINE_CHECK '));
    if (!line)
        throw new Error(`the offline source check printed nothing:\n${output.slice(-2e3)}`);
    return JSON.parse(line.slice('SLURM_FACTORY_OFFLINE_CHECK '.length));
}
function missingSourcesMessage(missing) {
    const lines = missing.map(item => `  ${item.name}@${item.version}: source archive ${item.archive ?? '?'}${item.sha256 ? ` (sha256 ${item.sha256})` : ''}${item.url ? `, upstream ${item.url}` : ''}`);
    return `offline: ${missing.length} package(s) to build have no source archive in a local mirror or the source cache, and no binary in a build cache:\n${lines.join('\n')}\nAdd them to a mirror given in buildcache-mirrors (spack mirror create), or build once with network.`;
}
/** Clingo must be importable by Spack's Python: without network Spack can't bootstrap it. */
async function checkClingo(spack) {
    const result = await spack.run(['python', '-c', 'import clingo; print(clingo.__version__)'], {
        silent: true,
        allowFailure: true
    });
    if (result.exitCode !== 0) {
        throw new Error(`offline: Spack can't import clingo, its concretizer, and can't bootstrap it without network (${result.stderr.trim().split('\n').slice(-1)[0] ?? ''}). ` +
            'Install clingo for the Python Spack uses (for example on PYTHONPATH), or use a spack-root whose Python has it');
    }
    return result.stdout.trim();
}
async function checkSources(spack, envDir, scratch) {
    mkdirSync(scratch, { recursive: true });
    const script = path$1.join(scratch, 'offline-check.py');
    writeFileSync(script, SOURCE_CHECK_SCRIPT);
    const result = await spack.run(['-e', envDir, 'python', script], { silent: true });
    const missing = parseSourceCheck(result.stdout);
    if (missing.length > 0)
        throw new Error(missingSourcesMessage(missing));
}

/**
 * Prepares the environment directory: detects the runner's compilers with Spack, renders spack.yaml with them, and
 * writes it. The rendered text is what the cache key hashes, so a different compiler on the runner changes the key.
 */
/** The `gcc` entry that `spack compiler find` wrote into the isolated user scope, if any. */
function detectedCompilers(userConfigDir) {
    const file = path$1.join(userConfigDir, 'packages.yaml');
    if (!existsSync(file))
        return {};
    const doc = distExports.parse(readFileSync(file, 'utf8'));
    const gcc = doc?.packages?.gcc;
    return gcc ? { gcc } : {};
}
function gccVersions(detected) {
    const externals = detected.gcc?.externals ?? [];
    const versions = externals.map(external => /^gcc@=?([\d.]+)/.exec(external.spec ?? '')?.[1]);
    return [...new Set(versions.filter((v) => Boolean(v)))];
}
async function prepareEnvironment(spack, request, gccVersion, repo, layout) {
    await spack.run(['compiler', 'find', '--scope', 'user'], { silent: true });
    const userConfig = spack.env.SPACK_USER_CONFIG_PATH;
    const detected = userConfig ? detectedCompilers(userConfig) : {};
    const foundGcc = gccVersions(detected);
    info(`GCC found by Spack: ${foundGcc.join(', ') || 'none'}`);
    const inputs = { request, gccVersion, repoPath: repo.path, repoNamespace: repo.namespace, layout, detected };
    let compiler;
    if (!foundGcc.includes(gccVersion)) {
        info(`gcc@${gccVersion} is not on this runner: Spack builds it first with the runner's compiler (it is cached like any package)`);
        compiler = writeEnvironment(layout.compilerEnvDir, compilerEnvironmentYaml(inputs));
    }
    const environment = environmentYaml(inputs);
    writeEnvironment(layout.envDir, environment);
    info(environment);
    return { envDir: layout.envDir, environment, foundGcc, ...(compiler ? { compiler } : {}) };
}
function writeEnvironment(envDir, environment) {
    mkdirSync(envDir, { recursive: true });
    writeFileSync(path$1.join(envDir, 'spack.yaml'), environment);
    return { envDir, environment };
}

(undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};

(undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};

var __awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};
process.platform === 'win32';
process.platform === 'darwin';
/**
 * Caches a directory and installs it into the tool cacheDir
 *
 * @param sourceDir    the directory to cache into tools
 * @param tool          tool name
 * @param version       version of the tool.  semver format
 * @param arch          architecture of the tool.  Optional.  Defaults to machine architecture
 */
function cacheDir(sourceDir, tool, version, arch) {
    return __awaiter(this, void 0, void 0, function* () {
        version = semverExports.clean(version) || version;
        arch = arch || os.arch();
        debug(`Caching tool ${tool} ${version} ${arch}`);
        debug(`source dir: ${sourceDir}`);
        if (!fs.statSync(sourceDir).isDirectory()) {
            throw new Error('sourceDir is not a directory');
        }
        // Create the tool dir
        const destPath = yield _createToolPath(tool, version, arch);
        // copy each child item. do not move. move can fail on Windows
        // due to anti-virus software having an open handle on a file.
        for (const itemName of fs.readdirSync(sourceDir)) {
            const s = path.join(sourceDir, itemName);
            yield cp(s, destPath, { recursive: true });
        }
        // write .complete
        _completeToolPath(tool, version, arch);
        return destPath;
    });
}
/**
 * Finds the path to a tool version in the local installed tool cache
 *
 * @param toolName      name of the tool
 * @param versionSpec   version of the tool
 * @param arch          optional arch.  defaults to arch of computer
 */
function find(toolName, versionSpec, arch) {
    if (!toolName) {
        throw new Error('toolName parameter is required');
    }
    if (!versionSpec) {
        throw new Error('versionSpec parameter is required');
    }
    arch = arch || os.arch();
    // attempt to resolve an explicit version
    if (!isExplicitVersion(versionSpec)) {
        const localVersions = findAllVersions(toolName, arch);
        const match = evaluateVersions(localVersions, versionSpec);
        versionSpec = match;
    }
    // check for the explicit version in the cache
    let toolPath = '';
    if (versionSpec) {
        versionSpec = semverExports.clean(versionSpec) || '';
        const cachePath = path.join(_getCacheDirectory(), toolName, versionSpec, arch);
        debug(`checking cache: ${cachePath}`);
        if (fs.existsSync(cachePath) && fs.existsSync(`${cachePath}.complete`)) {
            debug(`Found tool in cache ${toolName} ${versionSpec} ${arch}`);
            toolPath = cachePath;
        }
        else {
            debug('not found');
        }
    }
    return toolPath;
}
/**
 * Finds the paths to all versions of a tool that are installed in the local tool cache
 *
 * @param toolName  name of the tool
 * @param arch      optional arch.  defaults to arch of computer
 */
function findAllVersions(toolName, arch) {
    const versions = [];
    arch = arch || os.arch();
    const toolPath = path.join(_getCacheDirectory(), toolName);
    if (fs.existsSync(toolPath)) {
        const children = fs.readdirSync(toolPath);
        for (const child of children) {
            if (isExplicitVersion(child)) {
                const fullPath = path.join(toolPath, child, arch || '');
                if (fs.existsSync(fullPath) && fs.existsSync(`${fullPath}.complete`)) {
                    versions.push(child);
                }
            }
        }
    }
    return versions;
}
function _createToolPath(tool, version, arch) {
    return __awaiter(this, void 0, void 0, function* () {
        const folderPath = path.join(_getCacheDirectory(), tool, semverExports.clean(version) || version, arch || '');
        debug(`destination ${folderPath}`);
        const markerPath = `${folderPath}.complete`;
        yield rmRF(folderPath);
        yield rmRF(markerPath);
        yield mkdirP(folderPath);
        return folderPath;
    });
}
function _completeToolPath(tool, version, arch) {
    const folderPath = path.join(_getCacheDirectory(), tool, semverExports.clean(version) || version, arch || '');
    const markerPath = `${folderPath}.complete`;
    fs.writeFileSync(markerPath, '');
    debug('finished caching tool');
}
/**
 * Check if version string is explicit
 *
 * @param versionSpec      version string to check
 */
function isExplicitVersion(versionSpec) {
    const c = semverExports.clean(versionSpec) || '';
    debug(`isExplicit: ${c}`);
    const valid = semverExports.valid(c) != null;
    debug(`explicit? ${valid}`);
    return valid;
}
/**
 * Get the highest satisfiying semantic version in `versions` which satisfies `versionSpec`
 *
 * @param versions        array of versions to evaluate
 * @param versionSpec     semantic version spec to satisfy
 */
function evaluateVersions(versions, versionSpec) {
    let version = '';
    debug(`evaluating ${versions.length} versions`);
    versions = versions.sort((a, b) => {
        if (semverExports.gt(a, b)) {
            return 1;
        }
        return -1;
    });
    for (let i = versions.length - 1; i >= 0; i--) {
        const potential = versions[i];
        const satisfied = semverExports.satisfies(potential, versionSpec);
        if (satisfied) {
            version = potential;
            break;
        }
    }
    if (version) {
        debug(`matched: ${version}`);
    }
    else {
        debug('match not found');
    }
    return version;
}
/**
 * Gets RUNNER_TOOL_CACHE
 */
function _getCacheDirectory() {
    const cacheDirectory = process.env['RUNNER_TOOL_CACHE'] || '';
    ok(cacheDirectory, 'Expected RUNNER_TOOL_CACHE to be defined');
    return cacheDirectory;
}

/**
 * Retries with exponential backoff for work that can fail for passing reasons (downloads, clones).
 * An error marked fatal (a checksum or commit mismatch, a ref that does not exist) is thrown at once.
 */
/** An error that no retry can cure. */
class FatalError extends Error {
    constructor(message, options) {
        super(message, options);
        this.name = 'FatalError';
    }
}
function isFatal(error) {
    return error instanceof FatalError;
}
const defaultSleep = (ms) => new Promise(resolve => setTimeout(resolve, ms));
/** The waits between attempts: `initial`, `2 * initial`, ... each capped at `max`. */
function backoffDelays(options = {}) {
    const attempts = Math.max(1, options.attempts ?? 4);
    const initial = Math.max(0, options.initialDelayMs ?? 2000);
    const max = Math.max(initial, options.maxDelayMs ?? 30000);
    return Array.from({ length: attempts - 1 }, (_, index) => Math.min(max, initial * 2 ** index));
}
/**
 * Runs `work` until it succeeds, a fatal error is thrown, or the attempts run out; the last error is rethrown
 * with the attempt count in its message.
 */
async function withRetry(what, work, options = {}) {
    const delays = backoffDelays(options);
    const sleep = options.sleep ?? defaultSleep;
    for (let attempt = 1;; attempt++) {
        try {
            return await work(attempt);
        }
        catch (error) {
            if (isFatal(error))
                throw error;
            const delay = delays[attempt - 1];
            if (delay === undefined) {
                const message = error instanceof Error ? error.message : String(error);
                throw new Error(`${what} failed after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${message}`, {
                    cause: error
                });
            }
            const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
            warning(`${what} failed (attempt ${attempt} of ${delays.length + 1}): ${reason}; retrying in ${Math.round(delay / 1000)}s`);
            await sleep(delay);
        }
    }
}

/**
 * Shallow clones of a tag, branch or commit, checked against the commit they must resolve to.
 * Every git call goes through `runProgram` with an argument array; network failures are retried,
 * a wrong commit or a missing ref is not.
 */
/** A tag resolved to another commit than the one it is pinned to. */
class CommitMismatchError extends FatalError {
    repository;
    url;
    ref;
    expected;
    actual;
    constructor(repository, url, ref, expected, actual) {
        super(`${repository} at ${url}: ${ref} resolves to commit ${actual}, but it is pinned to ${expected}; ` +
            'refusing to use it (the tag was moved or the source is not the expected repository)');
        this.repository = repository;
        this.url = url;
        this.ref = ref;
        this.expected = expected;
        this.actual = actual;
        this.name = 'CommitMismatchError';
    }
}
const COMMIT = /^[0-9a-f]{40}$/;
/** No prompt may wait for credentials on a runner. */
const GIT_ENV = { GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '', SSH_ASKPASS: '' };
async function git(args, cwd) {
    const result = await runProgram('git', ['-c', 'advice.detachedHead=false', ...args], {
        silent: true,
        env: GIT_ENV,
        ...(cwd ? { cwd } : {})
    });
    return result.stdout.trim();
}
/** The commit checked out in `dir`, or undefined when it is not a git work tree. */
async function headCommit(dir) {
    const result = await runProgram('git', ['rev-parse', '--verify', 'HEAD^{commit}'], {
        cwd: dir,
        silent: true,
        allowFailure: true,
        env: GIT_ENV
    });
    const commit = result.stdout.trim();
    return result.exitCode === 0 && COMMIT.test(commit) ? commit : undefined;
}
function missingRef(error) {
    return error instanceof CommandError && /not found in upstream origin|couldn't find remote ref/i.test(error.message);
}
/** One attempt: `git clone --depth 1 --branch <ref>`, or a fetch of the commit when `ref` is a commit id. */
async function cloneOnce(request) {
    rmSync(request.dest, { recursive: true, force: true });
    mkdirSync(path$1.dirname(request.dest), { recursive: true });
    const { url, ref, dest } = request;
    try {
        if (!COMMIT.test(ref)) {
            await git(['clone', '--depth', '1', '--branch', ref, '--single-branch', '--', url, dest]);
        }
        else {
            mkdirSync(dest, { recursive: true });
            await git(['init', '--quiet'], dest);
            await git(['remote', 'add', 'origin', url], dest);
            try {
                await git(['fetch', '--depth', '1', 'origin', ref], dest);
            }
            catch {
                // Servers that refuse to serve an unadvertised commit: fetch everything and look for it.
                await git(['fetch', '--tags', 'origin', '+refs/heads/*:refs/remotes/origin/*'], dest);
            }
            const found = await runProgram('git', ['cat-file', '-e', `${ref}^{commit}`], {
                cwd: dest,
                silent: true,
                allowFailure: true
            });
            if (found.exitCode !== 0)
                throw new FatalError(`${request.repository} at ${url}: commit ${ref} does not exist there`);
            await git(['checkout', '--quiet', '--detach', ref], dest);
        }
    }
    catch (error) {
        if (missingRef(error)) {
            throw new FatalError(`${request.repository} at ${url}: there is no tag or branch ${ref}`, { cause: error });
        }
        throw error;
    }
    const commit = await headCommit(dest);
    if (!commit)
        throw new Error(`${request.repository}: the clone of ${url} at ${ref} has no commit checked out`);
    return commit;
}
/**
 * Clones `ref` of `url` into `dest` (shallowly where the server allows) with retries, checks the commit against
 * `expectedCommit`, and returns the commit checked out. A mismatch removes the clone and throws
 * `CommitMismatchError`.
 */
async function cloneVerified(request) {
    const commit = await withRetry(`Cloning ${request.repository} ${request.ref} from ${request.url}`, () => cloneOnce(request), request.retry);
    if (request.expectedCommit && commit !== request.expectedCommit) {
        rmSync(request.dest, { recursive: true, force: true });
        throw new CommitMismatchError(request.repository, request.url, request.ref, request.expectedCommit, commit);
    }
    return commit;
}

/**
 * Provisioning of Spack and of its builtin package repository: from the runner's tool cache when an earlier job
 * left a verified copy there, otherwise a shallow clone of the release tag checked against its pinned commit and
 * then cached. Or, with `spack-root`, an existing Spack that answers `spack --version`.
 *
 * All of Spack's user state (configuration, caches, GPG keyring, install tree and stages outside an environment)
 * lives under RUNNER_TEMP, so jobs sharing a runner do not leak into each other or into the cached copy.
 */
const DEFAULT_SOURCES = {
    spack: 'https://github.com/spack/spack.git',
    packages: 'https://github.com/spack/spack-packages.git'
};
/** The builtin packages each Spack release series is used with, by series (`v1.0`). */
const BUILTIN_PINS = {
    'v1.0': { tag: 'v2025.07.0', commit: '4b8bb3514838ce9e8bbc2ca7f98e62dbd7100c63' }
};
/** Tool-cache names; prefixed so that no other action's `spack` entry is taken for ours. */
const SPACK_TOOL = 'slurm-factory-spack';
const PACKAGES_TOOL = 'slurm-factory-spack-packages';
/** Written into every verified copy; a cached copy without it, or with another commit, is not used. */
const PROVENANCE_FILE = '.slurm-factory-provenance.json';
/** `v1.0.0` -> `1.0.0`, `v2025.07.0` -> `2025.7.0`: the form the tool cache can look up. */
function toolVersion(tag) {
    const match = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(tag);
    if (!match)
        throw new FatalError(`${JSON.stringify(tag)} is not a release tag of the form vX.Y.Z`);
    return match
        .slice(1, 4)
        .map(part => String(Number(part)))
        .join('.');
}
/** `v1.0.2` -> `v1.0`. */
function releaseSeries(tag) {
    const match = /^v?(\d+)\.(\d+)\./.exec(tag);
    return match ? `v${Number(match[1])}.${Number(match[2])}` : tag;
}
/** The isolation variables for a state directory; the system scope is isolated only for a provisioned Spack. */
function isolationEnv(stateDir, isolateSystemScope) {
    return {
        SPACK_USER_CONFIG_PATH: path$1.join(stateDir, 'config'),
        SPACK_USER_CACHE_PATH: path$1.join(stateDir, 'cache'),
        ...(isolateSystemScope ? { SPACK_SYSTEM_CONFIG_PATH: path$1.join(stateDir, 'system') } : {}),
        SPACK_GNUPGHOME: path$1.join(stateDir, 'gpg')
    };
}
function readProvenance(dir) {
    try {
        return JSON.parse(readFileSync(path$1.join(dir, PROVENANCE_FILE), 'utf8'));
    }
    catch {
        return undefined;
    }
}
/** A verified copy of `tag`: the tool cache's when it holds the same commit, else a fresh clone that is then cached. */
async function provisionTree(request) {
    const version = toolVersion(request.tag);
    const useToolCache = Boolean(process.env.RUNNER_TOOL_CACHE);
    if (useToolCache) {
        const cached = find(request.tool, version);
        if (cached) {
            const provenance = readProvenance(cached);
            if (provenance?.commit === request.commit) {
                info(`${request.repository} ${request.tag} (${request.commit}) found in the tool cache: ${cached}`);
                return { path: cached, fromToolCache: true };
            }
            warning(`${request.repository} ${request.tag} in the tool cache (${cached}) is at ${provenance?.commit ?? 'an unrecorded commit'}, ` +
                `not ${request.commit}; fetching it again`);
        }
    }
    else {
        warning('RUNNER_TOOL_CACHE is not set: the copy is kept in RUNNER_TEMP for this job only');
    }
    if (request.offline) {
        throw new FatalError(`offline: ${request.repository} ${request.tag} is not in the runner's tool cache and can't be cloned without network; ` +
            'run the action once with network on this runner, or give an existing Spack with spack-root');
    }
    const staging = path$1.join(request.runnerTemp, 'slurm-factory', 'staging', `${request.tool}-${version}`);
    info(`Cloning ${request.repository} ${request.tag} from ${request.url}`);
    const commit = await cloneVerified({
        repository: request.repository,
        url: request.url,
        ref: request.tag,
        dest: staging,
        expectedCommit: request.commit,
        ...(request.retry ? { retry: request.retry } : {})
    });
    info(`${request.repository} ${request.tag} verified at commit ${commit}`);
    rmSync(path$1.join(staging, '.git'), { recursive: true, force: true });
    const provenance = { repository: request.repository, url: request.url, tag: request.tag, commit };
    writeFileSync(path$1.join(staging, PROVENANCE_FILE), `${JSON.stringify(provenance, null, 2)}\n`);
    if (!useToolCache) {
        const kept = path$1.join(request.runnerTemp, 'slurm-factory', request.tool, version);
        rmSync(kept, { recursive: true, force: true });
        mkdirSync(path$1.dirname(kept), { recursive: true });
        renameSync(staging, kept);
        return { path: kept, fromToolCache: false };
    }
    const cachedPath = await cacheDir(staging, request.tool, version);
    rmSync(staging, { recursive: true, force: true });
    return { path: cachedPath, fromToolCache: false };
}
/** The first line of `spack --version`: `1.0.0` or `1.0.0 (<commit>)`. */
function parseSpackVersion(output) {
    const line = output.trim().split('\n')[0]?.trim() ?? '';
    const match = /^(\d+\.\d+[^\s]*)(?:\s+\(([0-9a-f]{7,40})\))?/.exec(line);
    if (!match)
        return undefined;
    return { version: match[1], ...(match[2] ? { commit: match[2] } : {}) };
}
async function spackVersion(root, env, what) {
    const executable = path$1.join(root, 'bin', 'spack');
    if (!existsSync(executable))
        throw new FatalError(`${what}: ${root} is not a Spack installation (no bin/spack)`);
    let output;
    try {
        const result = await runProgram(executable, ['--version'], { silent: true, baseEnv: env });
        output = result.stdout;
    }
    catch (error) {
        const detail = error instanceof CommandError
            ? `exit code ${error.exitCode}${error.tail ? `:\n${error.tail}` : ''}`
            : String(error);
        throw new FatalError(`${what}: \`${executable} --version\` failed (${detail})`, { cause: error });
    }
    const parsed = parseSpackVersion(output);
    if (!parsed)
        throw new FatalError(`${what}: \`${executable} --version\` printed ${JSON.stringify(output.trim())}, not a Spack version`);
    return parsed;
}
/** Merges `section` into `<scope>/<file>` (the isolated user scope), keeping what is already there. */
function mergeScopeFile(scopeDir, file, section, values) {
    const target = path$1.join(scopeDir, file);
    let document = {};
    if (existsSync(target))
        document = distExports.parse(readFileSync(target, 'utf8')) ?? {};
    const current = document[section] ?? {};
    document[section] = { ...current, ...values };
    writeFileSync(target, distExports.stringify(document, { lineWidth: 0 }));
}
function prepareState(stateDir, env) {
    for (const dir of Object.values(env))
        mkdirSync(dir, { recursive: true });
    // GnuPG warns about, and Spack's keyring must not have, a home directory others can read.
    chmodSync(env.SPACK_GNUPGHOME, 0o700);
    mkdirSync(stateDir, { recursive: true });
}
/**
 * Provisions Spack for this job (or checks the existing one `request.root` names), isolates its user state under
 * `options.runnerTemp`, and, unless told not to, puts it on PATH and exports SPACK_ROOT and the isolation variables.
 */
async function provisionSpack(request, options) {
    const sources = { ...DEFAULT_SOURCES, ...(options.sources ?? {}) };
    const existing = Boolean(request.root);
    const stateDir = path$1.join(options.runnerTemp, 'slurm-factory', 'spack-state');
    const isolation = isolationEnv(stateDir, !existing);
    prepareState(stateDir, isolation);
    if (process.env.SPACK_DISABLE_LOCAL_CONFIG !== undefined) {
        warning('SPACK_DISABLE_LOCAL_CONFIG is set: Spack ignores the isolated user scope the action configures');
    }
    let root;
    let fromToolCache = false;
    let verifiedCommit;
    if (request.root) {
        root = path$1.resolve(request.root);
    }
    else {
        const commit = request.commit ?? SPACK_PINS[request.version];
        if (!commit) {
            throw new FatalError(`Spack ${request.version} has no pinned commit (pinned: ${Object.keys(SPACK_PINS).join(', ')}); ` +
                'give its commit id in spack-commit, or use an existing Spack with spack-root');
        }
        const tree = await provisionTree({
            tool: SPACK_TOOL,
            repository: 'Spack',
            url: sources.spack,
            tag: request.version,
            commit,
            runnerTemp: options.runnerTemp,
            ...(options.retry ? { retry: options.retry } : {}),
            ...(options.offline ? { offline: true } : {})
        });
        root = tree.path;
        fromToolCache = tree.fromToolCache;
        verifiedCommit = commit;
    }
    const env = { SPACK_ROOT: root, ...isolation };
    const what = existing ? `spack-root ${root}` : `Spack ${request.version} (${root})`;
    const reported = await spackVersion(root, env, what);
    if (!existing && toolVersion(request.version) !== reported.version) {
        warning(`Spack ${request.version} reports its version as ${reported.version}`);
    }
    const builtin = await provisionBuiltin(request, root, existing, sources, options);
    const userScope = isolation.SPACK_USER_CONFIG_PATH;
    if (builtin)
        mergeScopeFile(userScope, 'repos.yaml', 'repos', { builtin: builtin.path });
    if (!existing) {
        // Outside an environment Spack would write into its own tree, which is the shared tool-cache copy.
        mergeScopeFile(userScope, 'config.yaml', 'config', {
            install_tree: { root: path$1.join(stateDir, 'opt') },
            source_cache: path$1.join(stateDir, 'source-cache'),
            build_stage: [path$1.join(stateDir, 'stage')]
        });
    }
    const executable = path$1.join(root, 'bin', 'spack');
    if (options.exportToJob ?? true) {
        addPath(path$1.join(root, 'bin'));
        for (const [name, value] of Object.entries(env))
            exportVariable(name, value);
    }
    const commit = verifiedCommit ?? reported.commit;
    info(`Spack ${reported.version}${commit ? ` (${commit})` : ''} at ${root}` +
        (existing ? ' (spack-root)' : fromToolCache ? ' (tool cache)' : ' (fetched and cached)') +
        (builtin ? `; builtin packages ${builtin.tag} (${builtin.commit}) at ${builtin.path}` : '') +
        `; user state in ${stateDir}`);
    return {
        root,
        executable,
        version: reported.version,
        ...(existing ? {} : { tag: request.version }),
        ...(commit ? { commit } : {}),
        ...(builtin ? { builtin } : {}),
        fromToolCache,
        existing,
        stateDir,
        env,
        runner: createSpackRunner(executable, env)
    };
}
async function provisionBuiltin(request, root, existing, sources, options) {
    if (options.builtin === 'keep')
        return undefined;
    let pin = options.builtin;
    if (!pin) {
        // An existing Spack's own configuration names its builtin packages; Spack before v1.0 carries them inside.
        if (existing || existsSync(path$1.join(root, 'var', 'spack', 'repos', 'builtin', 'repo.yaml')))
            return undefined;
        pin = BUILTIN_PINS[releaseSeries(request.version)];
        if (!pin) {
            warning(`No builtin package repository is pinned for Spack ${releaseSeries(request.version)} ` +
                `(pinned: ${Object.keys(BUILTIN_PINS).join(', ')}); Spack fetches its default one, unverified, at first use`);
            return undefined;
        }
    }
    const tree = await provisionTree({
        tool: PACKAGES_TOOL,
        repository: 'Spack builtin packages',
        url: sources.packages,
        tag: pin.tag,
        commit: pin.commit,
        runnerTemp: options.runnerTemp,
        ...(options.retry ? { retry: options.retry } : {}),
        ...(options.offline ? { offline: true } : {})
    });
    const repoPath = path$1.join(tree.path, 'repos', 'spack_repo', 'builtin');
    if (!existsSync(path$1.join(repoPath, 'repo.yaml'))) {
        throw new FatalError(`Spack builtin packages ${pin.tag} from ${sources.packages}: ${repoPath} holds no repo.yaml`);
    }
    return { path: repoPath, tag: pin.tag, commit: pin.commit, fromToolCache: tree.fromToolCache };
}

/**
 * Registration of the package repository that provides slurm (the bundled `spack-repo/`, a workspace path, or a
 * git URL at a ref), checked with Spack itself: every package the repository defines, slurm first, must resolve
 * to its namespace ahead of builtin. Also the repository's content hash and commit for the cache key.
 */
const IGNORED_DIRS = new Set(['__pycache__', '.git']);
/** The directory holding repo.yaml: `dir` itself, or the single one under `dir/spack_repo/` or `dir/repos/spack_repo/`. */
function findRepoRoot(dir) {
    if (existsSync(path$1.join(dir, 'repo.yaml')))
        return dir;
    const candidates = [];
    for (const parent of [path$1.join(dir, 'spack_repo'), path$1.join(dir, 'repos', 'spack_repo')]) {
        if (!existsSync(parent) || !statSync(parent).isDirectory())
            continue;
        for (const entry of readdirSync(parent, { withFileTypes: true })) {
            if (entry.isDirectory() && existsSync(path$1.join(parent, entry.name, 'repo.yaml')))
                candidates.push(path$1.join(parent, entry.name));
        }
    }
    if (candidates.length === 1)
        return candidates[0];
    if (candidates.length === 0) {
        throw new FatalError(`${dir} is not a Spack package repository (no repo.yaml in it, nor in spack_repo/<namespace>/ below it)`);
    }
    throw new FatalError(`${dir} holds several Spack package repositories (${candidates.join(', ')}); name one of them`);
}
/** The namespace repo.yaml declares. */
function readNamespace(repoRoot) {
    const file = path$1.join(repoRoot, 'repo.yaml');
    let document;
    try {
        document = distExports.parse(readFileSync(file, 'utf8'));
    }
    catch (error) {
        throw new FatalError(`${file} is not valid YAML: ${error instanceof Error ? error.message : String(error)}`);
    }
    const namespace = document?.repo?.namespace;
    if (typeof namespace !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(namespace)) {
        throw new FatalError(`${file} declares no valid repo.namespace`);
    }
    return namespace;
}
/** Files under `dir`, as sorted relative POSIX paths, without __pycache__, .git and .pyc. */
function listFiles(dir, prefix = '') {
    const out = [];
    for (const entry of readdirSync(path$1.join(dir, prefix), { withFileTypes: true })) {
        const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
        if (entry.isDirectory()) {
            if (!IGNORED_DIRS.has(entry.name))
                out.push(...listFiles(dir, relative));
        }
        else if (!entry.name.endsWith('.pyc')) {
            out.push(relative);
        }
    }
    return out;
}
/**
 * sha256 over every file of `dir` in sorted order of relative path: for each, the path, a NUL, the length,
 * a NUL and the bytes (a symbolic link contributes its target). Independent of where `dir` is and of mtimes.
 */
function repoContentHash(dir) {
    const hash = createHash('sha256');
    const files = listFiles(dir).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const relative of files) {
        const full = path$1.join(dir, ...relative.split('/'));
        const stat = statSync(full, { throwIfNoEntry: false });
        const bytes = stat?.isFile() ? readFileSync(full) : Buffer.from(`symlink:${readlinkSync(full)}`);
        hash.update(relative);
        hash.update('\0');
        hash.update(String(bytes.length));
        hash.update('\0');
        hash.update(bytes);
    }
    return hash.digest('hex');
}
/** Runs inside `spack python`: what the merged configuration makes of the repository. */
const CHECK_SCRIPT = `import json
import sys

import spack.repo

namespace = sys.argv[1]
required = sys.argv[2:]
out = {"order": [r.namespace for r in spack.repo.PATH.repos], "resolved": {}, "packages": None}
try:
    repo = spack.repo.PATH.get_repo(namespace)
    out["packages"] = sorted(repo.all_package_names())
except Exception as error:
    out["error"] = type(error).__name__ + ": " + str(error)
for name in sorted(set((out["packages"] or []) + required)):
    try:
        out["resolved"][name] = spack.repo.PATH.repo_for_pkg(name).namespace
    except Exception:
        out["resolved"][name] = None
print("SLURM_FACTORY_REPO_CHECK " + json.dumps(out))
`;
/**
 * Asks Spack which repository each of the repository's packages (and each required one) resolves to; fails
 * clearly when the repository is not seen, lacks a required package, or is shadowed by another one.
 */
async function checkRepo(runner, repo, required, scratchDir) {
    mkdirSync(scratchDir, { recursive: true });
    const script = path$1.join(scratchDir, 'check-repo.py');
    writeFileSync(script, CHECK_SCRIPT);
    const result = await runner.run(['python', script, repo.namespace, ...required], { silent: true });
    const line = result.stdout.split('\n').find(text => text.startsWith('SLURM_FACTORY_REPO_CHECK '));
    if (!line)
        throw new Error(`spack python printed no repository check:\n${result.stdout}${result.stderr}`);
    const check = JSON.parse(line.slice('SLURM_FACTORY_REPO_CHECK '.length));
    const where = `the package repository ${repo.path} (namespace ${repo.namespace})`;
    const order = check.order.join(', ');
    if (check.packages === null) {
        throw new FatalError(`${where} is not visible to Spack after \`spack repo add\` (Spack sees: ${order}): ${check.error ?? ''}`);
    }
    const missing = required.filter(name => !check.packages?.includes(name));
    if (missing.length > 0) {
        throw new FatalError(`${where} does not define ${missing.join(', ')}; it must provide a package for ${missing.join(', ')}`);
    }
    const shadowed = Object.entries(check.resolved).filter(([name, namespace]) => (check.packages?.includes(name) || required.includes(name)) && namespace !== repo.namespace);
    if (shadowed.length > 0) {
        const detail = shadowed.map(([name, namespace]) => `${name} resolves to ${namespace ?? 'nothing'}`).join(', ');
        throw new FatalError(`${where} does not take precedence: ${detail}, not ${repo.namespace} (Spack's repositories in order: ${order})`);
    }
    info(`Spack resolves ${check.packages.join(', ')} to ${repo.namespace} (repositories in order: ${order})`);
    return check.packages;
}
/** Where a git source is checked out: one directory per URL and ref. */
function checkoutDir(runnerTemp, url, ref) {
    const key = createHash('sha256').update(`${url}@${ref}`).digest('hex').slice(0, 16);
    return path$1.join(runnerTemp, 'slurm-factory', 'repo-source', key);
}
async function addToScope(runner, repoRoot, namespace, scope) {
    try {
        await runner.run(['repo', 'add', '--scope', scope, repoRoot], { silent: true });
    }
    catch (error) {
        if (!(error instanceof CommandError && /already exists/.test(error.message)))
            throw error;
        // Registered earlier in this job (the same scope): replace the entry so it names this checkout.
        await runner.run(['repo', 'remove', '--scope', scope, namespace], { silent: true });
        await runner.run(['repo', 'add', '--scope', scope, repoRoot], { silent: true });
    }
}
/**
 * Makes `source` available (cloning a git source shallowly at its ref), registers it with `spack repo add` in the
 * isolated user scope, where it comes ahead of builtin, and checks that Spack resolves slurm (and every other
 * package of the repository) to it.
 */
async function registerRepo(source, runner, options) {
    let base;
    let commit;
    if (source.kind === 'git') {
        base = checkoutDir(options.runnerTemp, source.url, source.ref);
        commit = await cloneVerified({
            repository: 'the Spack package repository',
            url: source.url,
            ref: source.ref,
            dest: base,
            ...(/^[0-9a-f]{40}$/.test(source.ref) ? { expectedCommit: source.ref } : {}),
            ...(options.retry ? { retry: options.retry } : {})
        });
    }
    else {
        base = path$1.resolve(source.path);
        if (!existsSync(base)) {
            throw new FatalError(source.kind === 'bundled'
                ? `the bundled package repository is missing from the action (${base})`
                : `the package repository ${base} does not exist`);
        }
    }
    const repoRoot = findRepoRoot(base);
    const namespace = readNamespace(repoRoot);
    if (namespace === 'builtin') {
        throw new FatalError(`the package repository ${repoRoot} uses the namespace builtin, which is Spack's own; give it another namespace`);
    }
    if (source.kind !== 'git')
        commit = await headCommit(repoRoot);
    const contentHash = repoContentHash(repoRoot);
    await addToScope(runner, repoRoot, namespace, options.scope ?? 'user');
    const list = await runner.run(['repo', 'list'], { silent: true });
    info(`spack repo list:\n${list.stdout.trimEnd()}`);
    const packages = await checkRepo(runner, { path: repoRoot, namespace }, options.required ?? ['slurm'], path$1.join(options.runnerTemp, 'slurm-factory', 'scratch'));
    info(`Package repository ${namespace} at ${repoRoot}: content ${contentHash}${commit ? `, commit ${commit}` : ''}`);
    return { path: repoRoot, namespace, contentHash, ...(commit ? { commit } : {}), packages };
}

/**
 * A user's package repository against the request, before concretizing: Spack (`spack python`, seconds) reads the
 * repository's `slurm` recipe, and the request is fitted to it. A version it cannot give, or a variant asked for that
 * it does not define, fails naming what it lacks and what it has; a recipe that names versions after GitHub's tags
 * (`25-11-6-1`) gets the dotted request mapped to them; the action's default variants it lacks are dropped with a
 * warning. (The bundled repository needs none of this: the catalog and the input checks describe it.)
 */
const MARKER = 'SLURM_FACTORY_RECIPE_CHECK ';
/** Runs inside `spack python`: the versions and variants of the namespace's slurm class. */
const RECIPE_SCRIPT = `import json
import sys

import spack.repo

namespace = sys.argv[1]
out = {}
try:
    cls = spack.repo.PATH.get_repo(namespace).get_pkg_class("slurm")
    out["versions"] = [
        {"version": str(v), "deprecated": bool(info.get("deprecated", False))} for v, info in cls.versions.items()
    ]
    out["variants"] = {
        name: sorted({variant.variant_type.string for _, variant in cls.variant_definitions(name)})
        for name in cls.variant_names()
    }
except Exception as error:
    out = {"error": type(error).__name__ + ": " + str(error)}
print("${MARKER}" + json.dumps(out))
`;
/** Asks Spack for the slurm recipe of the registered repository `repo`. */
async function readSlurmRecipe(runner, repo, scratchDir) {
    mkdirSync(scratchDir, { recursive: true });
    const script = path$1.join(scratchDir, 'recipe-check.py');
    writeFileSync(script, RECIPE_SCRIPT);
    const result = await runner.run(['python', script, repo.namespace], { silent: true });
    const line = result.stdout.split('\n').find(text => text.startsWith(MARKER));
    if (!line)
        throw new Error(`spack python printed no recipe check:\n${result.stdout}${result.stderr}`);
    const out = JSON.parse(line.slice(MARKER.length));
    if (out.error || !out.versions || !out.variants) {
        throw new InputError('spack-repo', `Spack cannot load slurm from ${where(repo)}: ${out.error ?? 'no answer'}`);
    }
    return { versions: out.versions, variants: out.variants };
}
function where(repo) {
    return `the package repository ${repo.path} (namespace ${repo.namespace})`;
}
/** A version's numbers, whatever the separators (`25-11-6-1`, `25.11.6`); undefined for `master` and the like. */
function numbers(version) {
    const parts = version.split(/[.\-_]/);
    return parts.every(part => /^\d+$/.test(part)) ? parts.map(Number) : undefined;
}
function newer(a, b) {
    for (let i = 0; i < Math.max(a.length, b.length); i++)
        if ((a[i] ?? -1) !== (b[i] ?? -1))
            return (a[i] ?? -1) - (b[i] ?? -1);
    return 0;
}
/**
 * The version to ask Spack for: the request itself when the recipe spells it (or a release of it) with dots, as
 * Spack then matches it; otherwise the recipe's newest version whose numbers start with the request's.
 */
function fitVersion(requested, recipe, repo) {
    const wanted = requested.split('.').map(Number);
    const matching = recipe.versions.filter(({ version }) => {
        const n = numbers(version);
        return n !== undefined && wanted.every((part, i) => n[i] === part);
    });
    if (matching.length === 0) {
        throw new InputError('slurm-version', `${JSON.stringify(requested)}: slurm in ${where(repo)} has no such version (its versions: ${recipe.versions.map(v => v.version).join(', ') || 'none'})`);
    }
    if (matching.every(({ version }) => version === requested || version.startsWith(`${requested}.`)))
        return requested;
    const usable = matching.some(v => !v.deprecated) ? matching.filter(v => !v.deprecated) : matching;
    const best = usable.reduce((a, b) => (newer(numbers(b.version) ?? [], numbers(a.version) ?? []) > 0 ? b : a));
    return best.version;
}
/** The request's variants the recipe defines; an explicit one it lacks is an error, a default one is dropped. */
function fitVariants(variants, recipe, repo) {
    const defaults = parseVariants(DEFAULT_VARIANTS, false).map(render).join(' ');
    const byDefault = variants.map(render).join(' ') === defaults;
    const has = Object.keys(recipe.variants).sort();
    const hasText = has.length ? has.join(', ') : 'none';
    const kept = [];
    const dropped = [];
    for (const setting of variants) {
        const kinds = recipe.variants[setting.name];
        if (!kinds) {
            if (byDefault) {
                dropped.push(setting);
                continue;
            }
            throw new InputError('variants', `${render(setting)}: slurm in ${where(repo)} has no variant "${setting.name}" (its variants: ${hasText})`);
        }
        kept.push(fitKind(setting, kinds, repo));
    }
    return { variants: kept, dropped };
}
/** An on/off setting for an on/off variant, a value for a valued one (`name=true` counts as on/off). */
function fitKind(setting, kinds, repo) {
    const isBool = kinds.includes('bool');
    if (setting.kind === 'value' && isBool && /^(true|false)$/i.test(setting.value))
        return { kind: 'bool', name: setting.name, enabled: setting.value.toLowerCase() === 'true' };
    if (setting.kind === 'bool' && !isBool)
        throw new InputError('variants', `${render(setting)}: "${setting.name}" of slurm in ${where(repo)} takes a value; write ${setting.name}=...`);
    if (setting.kind === 'value' && isBool && kinds.length === 1)
        throw new InputError('variants', `${render(setting)}: "${setting.name}" of slurm in ${where(repo)} is on/off; write +${setting.name} or ~${setting.name}`);
    return setting;
}
/** The request fitted to the recipe (pure). */
function fitRequest(request, recipe, repo) {
    const version = fitVersion(request.slurmVersion, recipe, repo);
    const { variants, dropped } = fitVariants(request.variants, recipe, repo);
    const notes = [];
    if (version !== request.slurmVersion)
        notes.push(`slurm-version ${request.slurmVersion} is ${version} in ${where(repo)}, which names versions its own way`);
    const warnings = dropped.map(setting => `${render(setting)} (a default of the action) is dropped: slurm in ${where(repo)} has no variant "${setting.name}"`);
    return { request: { ...request, slurmVersion: version, variants }, notes, warnings };
}
/**
 * For a user's repository: reads its slurm recipe with Spack and returns the request fitted to it, logging what was
 * mapped and warning about what was dropped. The bundled repository's request is returned as it is.
 */
async function fitRequestToRepo(request, runner, repo, scratchDir) {
    if (request.repo.kind === 'bundled')
        return request;
    const recipe = await readSlurmRecipe(runner, repo, scratchDir);
    info(`slurm in ${where(repo)}: versions ${recipe.versions.map(v => v.version).join(', ')}; variants ${Object.keys(recipe.variants).sort().join(', ')}`);
    const fitted = fitRequest(request, recipe, repo);
    for (const note of fitted.notes)
        info(note);
    for (const warning$1 of fitted.warnings)
        warning(warning$1);
    return fitted.request;
}

/** What the install produced: the locked slurm spec, its dependencies and its install prefix. */
async function readBuild(spack, envDir) {
    const lock = readLock(readFileSync(path$1.join(envDir, 'spack.lock'), 'utf8'));
    const location = await spack.run(['-e', envDir, 'location', '--install-dir', `/${lock.root.hash}`], { silent: true });
    return { ...lock, prefix: location.stdout.trim() };
}

/**
 * The action's main step, as the list of its phases. Each phase is one call into its own module, taking the previous
 * phase's typed result.
 */
async function run() {
    const phases = new Phases();
    let report = { phases: phases.times };
    try {
        let request = readInputs();
        if (request.collect)
            return await collectCells(request.collect);
        const gccVersion = await resolveGccVersion(request.compiler);
        const temp = runnerTemp();
        const plan = buildPlan(request, gccVersion, temp);
        if (request.dryRun)
            return await showPlan(plan);
        const { layout } = plan;
        report = { ...report, spec: plan.spec, compiler: `gcc@${gccVersion}`, target: request.target };
        const spack = await phases.run('Provision Spack', () => provisionSpack(request.spack, { runnerTemp: temp, offline: request.offline }));
        const index = repoIndexCacheOf(spack, request.cache.keyPrefix);
        const indexRestored = request.cache.enabled
            ? await phases.run("Restore Spack's package index", () => restoreRepoIndex(index))
            : false;
        const repo = await phases.run('Register the package repository', () => registerRepo(request.repo, spack.runner, { runnerTemp: temp }));
        if (request.repo.kind !== 'bundled') {
            const asked = request;
            request = await phases.run("Check the repository's slurm recipe", () => fitRequestToRepo(asked, spack.runner, repo, path$1.join(temp, 'slurm-factory', 'scratch')));
            report = { ...report, spec: slurmSpec(request, gccVersion) };
        }
        const spackRunner = withCredentials(spack.runner, request);
        await phases.run('Check the runner', async () => {
            info((await checkHostTarget(spackRunner, request.target)).message);
            if (request.offline)
                info(`offline: Spack imports clingo ${await checkClingo(spackRunner)}`);
        });
        const env = await phases.run('Render the environment', () => prepareEnvironment(spack.runner, request, gccVersion, repo, layout));
        const keys = cacheKeys({
            prefix: request.cache.keyPrefix,
            os: hostOs(),
            arch: hostArch(),
            spackCommit: spack.commit ?? spack.version,
            builtinCommit: spack.builtin?.commit ?? 'site',
            repoHash: repo.contentHash,
            gccVersion,
            target: request.target,
            environment: [env.compiler?.environment ?? '', env.environment].join('\n')
        });
        const paths = { mirror: layout.localMirror, state: path$1.join(path$1.dirname(layout.envDir), 'cache-state') };
        const state = {
            cacheEnabled: request.cache.enabled,
            primaryKey: keys.primary,
            paths,
            environments: [...(env.compiler ? [env.compiler] : []), { envDir: env.envDir, environment: env.environment }],
            spack: { executable: spack.executable, env: spack.env },
            repoIndex: { cache: index, restored: indexRestored },
            complete: false
        };
        const restored = request.cache.enabled
            ? await phases.run('Restore the build cache', () => restoreBuildCache(keys, paths))
            : { hit: 'none' };
        savePostState({ ...state, ...(restored.restoredKey ? { restoredKey: restored.restoredKey } : {}) });
        setOutput('cache-hit', restored.hit);
        report = { ...report, cacheHit: restored.restoredKey ? `${restored.hit} (${restored.restoredKey})` : restored.hit };
        const scratch = path$1.join(temp, 'slurm-factory', 'scratch');
        const steps = {
            spack: spackRunner,
            paths,
            restored: restored.hit !== 'none',
            offline: request.offline,
            jobs: request.jobs,
            scratch
        };
        if (request.buildcache.trustedKeys)
            await trustPublicKeys(spackRunner, request.buildcache.trustedKeys, scratch);
        const compiler = env.compiler;
        const compilerInstalled = compiler
            ? await phases.run(`Build gcc@${gccVersion}`, () => installEnvironment(compiler, steps))
            : undefined;
        const installed = await phases.run('Install Slurm', () => installEnvironment(env, steps).catch(async (error) => {
            if (error instanceof InstallError) {
                report = { ...report, ...installedNames(error.report, compilerInstalled) };
                if (request.artifact.upload)
                    await uploadDebug(error, request, gccVersion, env.envDir, scratch);
            }
            throw error;
        }));
        report = { ...report, ...installedNames(installed, compilerInstalled) };
        if (request.buildcache.push) {
            const push = request.buildcache.push;
            await phases.run(`Push to ${push}`, async () => {
                if (request.buildcache.signingKey)
                    await importSigningKey(spackRunner, request.buildcache.signingKey, path$1.join(temp, 'slurm-factory', 'scratch'));
                await spackRunner.run(pushArgs(env.envDir, PUSH_MIRROR, request.buildcache.unsigned), {
                    group: `spack buildcache push ${push}`
                });
            });
        }
        const build = await readBuild(spack.runner, env.envDir);
        setOutput('slurm-version', build.root.version);
        setOutput('spec-hash', build.root.hash);
        setOutput('prefix', build.prefix);
        savePostState({ ...state, ...(restored.restoredKey ? { restoredKey: restored.restoredKey } : {}), complete: true });
        report = { ...report, slurmVersion: build.root.version };
        const artifact = await phases.run('Package the artifact', () => buildArtifact({
            request,
            build,
            gccVersion,
            spack,
            repo,
            layout,
            outDir: path$1.join(temp, 'slurm-factory', 'artifact')
        }));
        setOutput('artifact-name', artifact.name);
        setOutput('artifact-path', artifact.tarball.path);
        setOutput('artifact-sha256', artifact.tarball.sha256);
        report = {
            ...report,
            audit: artifact.audit,
            artifact: { name: artifact.name, size: artifact.tarball.size, sha256: artifact.tarball.sha256, uploaded: false }
        };
        if (request.artifact.upload) {
            const uploaded = await phases.run('Upload the artifact', () => uploadTarball(artifact.name, artifact.tarball.path, request.artifact.retentionDays));
            if (uploaded.id !== undefined)
                setOutput('artifact-id', String(uploaded.id));
            report = {
                ...report,
                artifact: { ...report.artifact, uploaded: true, ...(uploaded.id !== undefined ? { id: uploaded.id } : {}) }
            };
        }
    }
    catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (error instanceof AuditError)
            report = { ...report, audit: error.report };
        report = { ...report, error: message };
        setFailed(message);
    }
    finally {
        if (report.phases.length > 0)
            await writeRunSummary(report);
    }
}
/** The runner with the OCI credentials that spack.yaml names by variable; only the main step's commands get them. */
function withCredentials(runner, request) {
    const { ociUsername, ociPassword } = request.buildcache;
    const usesOci = [...request.buildcache.mirrors, request.buildcache.push ?? ''].some(url => url.startsWith('oci://'));
    if (!usesOci || !ociUsername || !ociPassword)
        return runner;
    return createSpackRunner(runner.executable, {
        ...runner.env,
        [OCI_USERNAME_VAR]: ociUsername,
        [OCI_PASSWORD_VAR]: ociPassword
    });
}
/** A failed build's debug artifact: spack.yaml, spack.lock and the failing package's logs. A failure here only warns. */
async function uploadDebug(error, request, gccVersion, envDir, scratch) {
    try {
        const name = `${artifactName(request, request.slurmVersion, gccVersion)}-debug`;
        await uploadDebugFiles(name, debugFiles(error.failure, envDir), scratch, request.artifact.retentionDays);
    }
    catch (uploadError) {
        warning(`The debug artifact could not be uploaded: ${uploadError instanceof Error ? uploadError.message : String(uploadError)}`);
    }
}
function installedNames(installed, before) {
    const all = [...(before ? [before] : []), installed];
    return {
        built: all.flatMap(r => r.built.map(pkg => pkg.name)),
        extracted: all.flatMap(r => r.extracted.map(pkg => pkg.name))
    };
}
/** Concretizes (unless the cached lock was made from this spack.yaml), checks offline sources, installs. */
async function installEnvironment(written, steps) {
    if (steps.restored && adoptCachedLock(steps.paths, written.envDir, written.environment)) {
        info('Using the cached spack.lock made from this spack.yaml: nothing to concretize');
    }
    else {
        await concretize(steps.spack, written.envDir);
    }
    if (steps.offline)
        await checkSources(steps.spack, written.envDir, steps.scratch);
    return install(steps.spack, written.envDir, steps.jobs);
}
/** Collect mode: one summary table of a matrix's cells, from their downloaded records, into the job summary. */
async function collectCells(dir) {
    const { runCollectCli } = await import('./lib/collect.js');
    const summary = process.env.GITHUB_STEP_SUMMARY;
    const code = await runCollectCli(['summary', dir, ...(summary ? ['--markdown', summary] : [])]);
    if (code !== 0)
        setFailed(`collect: the summary of ${dir} failed (exit code ${code})`);
}
function runnerTemp() {
    const dir = process.env.RUNNER_TEMP;
    if (!dir)
        throw new Error('RUNNER_TEMP is not set: the action must run on a GitHub Actions runner (or under `npm run local`)');
    return dir;
}

// The action's main step. It exits as soon as the phases are done: a cache or artifact service that stopped
// answering must not keep the job waiting on an open connection.
await run();
process.exit();
