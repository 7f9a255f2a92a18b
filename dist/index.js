import { g as getInput, a as group, i as info, s as setOutput, w as which, e as error, b as warning, d as debug, c as cp, r as rmRF, m as mkdirP, f as addPath, h as exportVariable, j as summary, k as setFailed } from './lib/core.js';
import { m as maskUrlCredentials, p as parseSiteConfig, r as registerSecret, a as registerRunnerSecrets, b as runProgram, c as parseOsRelease, d as childEnv, C as CommandError, l as lastLines, e as redactBuildEnv, f as redact, g as concretizeArgs, i as installArgs, h as clingoArgs, j as environmentPythonArgs, k as gccMissing, w as withCredentials, n as adoptCachedLock, o as cachePaths, q as namedMirrors, T as TREE_NOT_RESTORED, s as keepsSpackState, t as saveBuilt, L as LOCAL_MIRROR, u as readLock, v as locationArgs, x as markComplete, y as mirrorName, P as PUSH_MIRROR, z as pythonArgs, A as plannedRepo, B as repoIndexCacheOf, D as restoreRepoIndex, F as FatalError, E as workDirs, G as cloneVerified, H as gitOutput, I as createSpackRunner, J as versionArgs, K as GIT_OPTIONS, M as cloneArgs, N as gpgTrustArgs, O as pushArgs, Q as only, R as environmentDir, S as hostTargetArgs, U as slurmSpec, V as shortened, W as logVerbatim, X as displayCommand, Y as registerRepository, Z as renderEnvironment, _ as restoreBuildCache, $ as useCachePolicy, a0 as CacheBudget, a1 as resolveBuild, a2 as planPost } from './lib/post-step.js';
import { p as parseMatrix, a as renderPlanText, b as planOutputs, c as renderPlanMarkdown, d as planWorkflow, w as walkTree, h as hashEntries, s as sha256File, e as compareBytes, f as renderSha256Sums, g as writeCollectSummary } from './lib/cli.js';
import { appendFile, writeFile, readFile, mkdir, rename, rm, copyFile, stat, chmod, symlink, lstat, readlink, realpath, readdir, open } from 'node:fs/promises';
import { existsSync, statSync, createWriteStream, realpathSync, readFileSync, writeFileSync, readdirSync, rmSync, mkdirSync, accessSync, constants, lstatSync, readlinkSync, renameSync, chmodSync, appendFileSync } from 'node:fs';
import os$1, { availableParallelism } from 'node:os';
import path$1 from 'node:path';
import { v as valueOf, l as lineOf, b as booleanOf, I as InputError, q as quoted, p as parseChoice, s as singleLine, S as SPACK_PINS, a as parseSlurmVersion, c as SECRET_INPUTS, d as parseTarget, e as parseVariants, f as parseCompiler, r as render, O as OUTPUTS, D as DEFAULT_VARIANTS, B as BUILTIN_PINS, g as distExports, T as TARGET_PARENTS } from './lib/contract.js';
import { h as hasElfMagic, b as readElfFile, E as ElfFormatError, c as readResolvedPaths, a as auditTree, D as DEFAULT_STANDARD_LIB_DIRS, f as formatReport } from './lib/relocation-record.js';
import { T as TREE_RECORDS, M as MANIFEST_FILE, S as SUMS_FILE, a as SLURM_CONF, m as moduleFile, b as MODULE_NAME, t as tarballName, c as STANDARD_DIRS, d as topDirectory } from './lib/layout.js';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { request as request$1 } from 'node:http';
import { request } from 'node:https';
import { rootCertificates } from 'node:tls';
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
import 'node:buffer';
import 'node:util';
import 'node:querystring';
import 'node:events';
import 'node:diagnostics_channel';
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

/** The remote build caches: mirrors read, the mirror pushed to, signing and trusted keys, OCI credentials. */
/** The URL schemes a mirror to read from may use (action.yml lists them; a test keeps the two equal). */
const MIRROR_SCHEMES = ['https://', 'http://', 's3://', 'oci://', 'file://'];
/** The schemes Spack v1.0 can push to (it uploads only to S3, OCI registries and directories, never over http(s)). */
const PUSH_SCHEMES = ['s3://', 'oci://', 'file://'];
function parseMirror(input, value, schemes = MIRROR_SCHEMES) {
    // A URL is shown with any credentials it carries masked: the message goes to the log and the job summary.
    const shown = quoted(maskUrlCredentials(value));
    if (/^[a-z][a-z0-9+.-]*:\/\/[^/\s]*@/i.test(value)) {
        throw new InputError(input, `${shown} carries credentials in the URL, which Spack v1.0 cannot use (it reads "user:password@host" as a host and a port) and which would be written into spack.yaml; ` +
            'give an oci:// mirror with oci-username and oci-password, or an s3:// mirror with the AWS variables of the job');
    }
    if (!schemes.some(scheme => value.startsWith(scheme)) || /\s/.test(value)) {
        const accepted = `accepted: ${schemes.map(s => `${s}...`).join(', ')}`;
        throw new InputError(input, schemes === PUSH_SCHEMES && /^https?:\/\/\S+$/.test(value)
            ? `${shown}: Spack pushes to S3, OCI registries and directories, not over http (${accepted})`
            : `${shown} is not a mirror URL (${accepted})`);
    }
    if (value.startsWith('file://') && !value.startsWith('file:///')) {
        throw new InputError(input, `${shown}: a file:// mirror needs an absolute path (file:///path/to/mirror)`);
    }
    return value.replace(/\/+$/, '');
}
function parseBuildcache(get) {
    const mirrors = valueOf(get, 'buildcache-mirrors')
        .split('\n')
        .map(line => line.trim())
        .filter(line => line && !line.startsWith('#'))
        .map(line => parseMirror('buildcache-mirrors', line));
    const pushInput = lineOf(get, 'buildcache-push');
    const push = pushInput ? parseMirror('buildcache-push', pushInput, PUSH_SCHEMES) : undefined;
    const signingKey = valueOf(get, 'signing-key') || undefined;
    const unsigned = booleanOf(get, 'unsigned');
    if (signingKey && !signingKey.includes('BEGIN PGP PRIVATE KEY BLOCK')) {
        throw new InputError('signing-key', 'is not an ASCII-armored GPG private key (expected a "-----BEGIN PGP PRIVATE KEY BLOCK-----" block)');
    }
    if (push && !signingKey && !unsigned) {
        throw new InputError('buildcache-push', `pushing to ${push} signs the binaries: give signing-key, or set unsigned: true`);
    }
    const trustedKeys = valueOf(get, 'buildcache-keys') || undefined;
    if (trustedKeys && !trustedKeys.includes('BEGIN PGP PUBLIC KEY BLOCK')) {
        throw new InputError('buildcache-keys', 'is not an ASCII-armored GPG public key (expected a "-----BEGIN PGP PUBLIC KEY BLOCK-----" block)');
    }
    const ociUsername = lineOf(get, 'oci-username') || undefined;
    const ociPassword = valueOf(get, 'oci-password') || undefined;
    return {
        mirrors,
        unsigned,
        ...(push ? { push } : {}),
        ...(signingKey ? { signingKey } : {}),
        ...(trustedKeys ? { trustedKeys } : {}),
        ...(ociUsername ? { ociUsername } : {}),
        ...(ociPassword ? { ociPassword } : {})
    };
}

/** How the job runs: the Actions cache, the artifact, parallel jobs, module files, and collect mode. */
function parseKeyPrefix(value) {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(value)) {
        throw new InputError('cache-key-prefix', `${quoted(value)} is not accepted (accepted: 1 to 64 letters, digits, '.', '_' or '-')`);
    }
    return value;
}
function parseArtifactName(value) {
    if (value === '')
        return undefined;
    if (!/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/.test(value)) {
        throw new InputError('artifact-name', `${quoted(value)} is not accepted (accepted: up to 128 letters, digits, '.', '_', '+' or '-', starting with a letter or digit)`);
    }
    return value;
}
function parseRetention(value) {
    if (value === '')
        return undefined;
    const days = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!(days >= 1 && days <= 90)) {
        throw new InputError('retention-days', `${quoted(value)} is not accepted (accepted: a whole number of days from 1 to 90, or empty for the repository's setting)`);
    }
    return days;
}
function parseJobs(value, cpus) {
    if (value === '')
        return Math.max(1, cpus);
    const jobs = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!(jobs >= 1 && jobs <= 1024)) {
        throw new InputError('jobs', `${quoted(value)} is not accepted (accepted: a whole number from 1 to 1024, or empty for the number of cores)`);
    }
    return jobs;
}
function parseCollect(value, workspace) {
    if (value === '')
        return {};
    const dir = path$1.resolve(workspace, value);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
        throw new InputError('collect', `${quoted(value)} is not a directory of downloaded cell records (looked at ${dir})`);
    }
    return { collect: dir };
}
function parseCache(get) {
    return { enabled: booleanOf(get, 'cache'), keyPrefix: parseKeyPrefix(lineOf(get, 'cache-key-prefix')) };
}
function parseArtifact(get) {
    return {
        name: parseArtifactName(valueOf(get, 'artifact-name')),
        compression: parseChoice('compression', valueOf(get, 'compression'), ['zstd', 'gzip']),
        retentionDays: parseRetention(valueOf(get, 'retention-days')),
        upload: booleanOf(get, 'upload'),
        slim: booleanOf(get, 'slim')
    };
}
/** How the job runs its build and what it ships besides the tarball. */
function parseJob(get, context) {
    return {
        jobs: parseJobs(valueOf(get, 'jobs'), context.cpus),
        modules: parseChoice('modules', valueOf(get, 'modules'), ['lmod', 'tcl', 'none']),
        dryRun: booleanOf(get, 'dry-run'),
        ...parseCollect(lineOf(get, 'collect'), context.workspace),
        offline: booleanOf(get, 'offline')
    };
}

/** The Spack to build with and the package repository that provides slurm, and the site's Spack configuration. */
function parseSpack(get, context) {
    const version = lineOf(get, 'spack-version');
    if (!/^v\d+\.\d+\.\d+$/.test(version)) {
        throw new InputError('spack-version', `${quoted(version)} is not a Spack release tag (accepted: vX.Y.Z, for example v1.0.0)`);
    }
    const commitInput = lineOf(get, 'spack-commit');
    if (commitInput && !/^[0-9a-f]{40}$/.test(commitInput)) {
        throw new InputError('spack-commit', `${quoted(commitInput)} is not a full 40-hex-digit commit id`);
    }
    const pinned = SPACK_PINS[version];
    if (commitInput && pinned && commitInput !== pinned) {
        throw new InputError('spack-commit', `${commitInput} contradicts the pin of ${version}, which is ${pinned}`);
    }
    const commit = commitInput || pinned;
    const rootInput = lineOf(get, 'spack-root');
    if (rootInput) {
        const root = path$1.resolve(context.workspace, rootInput);
        if (!existsSync(path$1.join(root, 'bin', 'spack'))) {
            throw new InputError('spack-root', `${quoted(rootInput)} is not a Spack installation (no bin/spack in ${root})`);
        }
        return { version, root, ...(commit ? { commit } : {}) };
    }
    if (!commit) {
        throw new InputError('spack-version', `${version} has no pinned commit (pinned: ${Object.keys(SPACK_PINS).join(', ')}); give its commit id in spack-commit, or use spack-root`);
    }
    return { version, commit };
}
function parseRepo(value, context) {
    value = singleLine('spack-repo', value);
    if (value === '')
        return { kind: 'bundled', path: path$1.join(context.actionPath, 'spack-repo') };
    const git = /^((?:https?|ssh|git|file):\/\/[^\s@]+|git@[A-Za-z0-9.-]+:[^\s@]+)(?:@([A-Za-z0-9._/-]+))?$/.exec(value);
    if (git) {
        const [, url, ref] = git;
        if (!ref)
            throw new InputError('spack-repo', `${quoted(value)} names a git repository but no ref; append @<tag, branch or commit>`);
        if (ref.startsWith('-') || ref.includes('..'))
            throw new InputError('spack-repo', `${quoted(ref)} is not a valid git ref`);
        const optionLike = optionLikePart(url);
        if (optionLike)
            throw new InputError('spack-repo', `${quoted(url)}: ${optionLike} starts with "-", which git would take for an option (accepted: https://host/repo.git@ref, ssh://host/repo.git@ref, git@host:repo.git@ref)`);
        return { kind: 'git', url, ref };
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
        throw new InputError('spack-repo', `${quoted(value)} is neither a path nor a git URL (accepted: empty for the bundled repo, a workspace path, or https://host/repo.git@ref)`);
    }
    const resolved = path$1.resolve(context.workspace, value);
    if (!existsSync(resolved) || !statSync(resolved).isDirectory()) {
        throw new InputError('spack-repo', `${quoted(value)} is not a directory (looked at ${resolved})`);
    }
    return { kind: 'path', path: resolved };
}
/** The host or path of a git URL when it starts with "-" (git refuses those, and no retry changes that). */
function optionLikePart(url) {
    const scp = /^[^@/]+@([^:]*):(.*)$/.exec(url);
    const [host, rest] = scp
        ? [scp[1], scp[2]]
        : [/^[a-z]+:\/\/([^/]*)/.exec(url)?.[1] ?? '', url.replace(/^[a-z]+:\/\/[^/]*\/?/, '')];
    if (host.startsWith('-'))
        return `the host ${quoted(host)}`;
    if (rest.startsWith('-'))
        return `the path ${quoted(rest)}`;
    return undefined;
}
/** `spack-config`: inline YAML or a workspace file, checked for Spack's sections. */
function parseSpackConfig(get, workspace) {
    const value = valueOf(get, 'spack-config');
    try {
        const parsed = parseSiteConfig(value, workspace);
        return parsed ? { siteConfig: parsed } : {};
    }
    catch (error) {
        throw new InputError('spack-config', error.message);
    }
}

/**
 * What the job builds: Slurm (the default), or only what Slurm needs, for the build cache a matrix's cells share.
 * A dependencies job may name several Slurm versions, whose dependencies it installs together.
 */
const STAGES = ['slurm', 'dependencies'];
/** `stage`, and `slurm-version` as one version, or (with `stage: dependencies` and the bundled recipe) a list. */
function parseStage(get, bundled) {
    const stage = parseChoice('stage', lineOf(get, 'stage'), STAGES);
    const raw = lineOf(get, 'slurm-version');
    const given = raw.trim();
    const listed = given.split(/[\s,]+/).filter(Boolean);
    if (listed.length > 1 && stage !== 'dependencies')
        throw new InputError('slurm-version', `${JSON.stringify(given)} names ${listed.length} versions: a list is accepted with stage: dependencies only (a Slurm build takes one version)`);
    if (listed.length > 1 && !bundled)
        throw new InputError('slurm-version', `${JSON.stringify(given)} names ${listed.length} versions: with your own spack-repo, a dependencies job takes one version`);
    const versions = listed.length > 1
        ? [...new Set(listed.map(version => parseSlurmVersion(version, bundled)))]
        : [parseSlurmVersion(raw, bundled)];
    return { stage, slurmVersion: versions[0], moreVersions: versions.slice(1) };
}

/**
 * Every input of the action: reading, validation and the error message for each bad value, one group of inputs per
 * module of src/inputs/. `parseInputs` is pure apart from checking that paths exist; `readInputs` binds it to the
 * runner's inputs.
 */
/**
 * Reads the action's inputs from the runner; registers the secrets (the secret inputs, and the runner's own tokens)
 * before anything can print or write them (src/secrets.ts).
 */
function readInputs(context = defaultContext()) {
    for (const secret of SECRET_INPUTS)
        registerSecret(getInput(secret));
    registerRunnerSecrets();
    return parseInputs(name => getInput(name), context);
}
function defaultContext() {
    return {
        workspace: process.env.GITHUB_WORKSPACE || process.cwd(),
        actionPath: process.env.GITHUB_ACTION_PATH || actionRoot(),
        cpus: availableParallelism()
    };
}
/** The action's root: the nearest directory above this module (bundled or not) that holds action.yml. */
function actionRoot() {
    let dir = path$1.dirname(new URL(import.meta.url).pathname);
    while (!existsSync(path$1.join(dir, 'action.yml')) && path$1.dirname(dir) !== dir)
        dir = path$1.dirname(dir);
    return dir;
}
function parseInputs(get, context) {
    const repo = parseRepo(valueOf(get, 'spack-repo'), context);
    const buildcache = parseBuildcache(get);
    const target = parseTarget(lineOf(get, 'target'));
    const job = parseJob(get, context);
    return {
        ...parseStage(get, repo.kind === 'bundled'),
        compiler: parseCompiler(lineOf(get, 'compiler')),
        variants: parseVariants(lineOf(get, 'variants'), repo.kind === 'bundled'),
        target,
        spack: parseSpack(get, context),
        repo,
        buildcache,
        cache: parseCache(get),
        artifact: parseArtifact(get),
        ...job,
        ...parseMatrix(valueOf(get, 'matrix'), target, job.collect !== undefined),
        ...parseSpackConfig(get, context.workspace)
    };
}

/**
 * The action's matrix mode (`matrix:`), for a build matrix's first job: plans the cells and the dependencies jobs
 * from the input's options and the `target` input, sets the outputs `matrix`, `dependencies` and `count` (the ones
 * the collector's `matrix` command writes), and shows the plan in the log and the job summary. It builds nothing.
 */
/** The plan, its errors named after the action's input: `matrix: compilers: "gcc@6.3.0" is outside ...`. */
function planFor(request) {
    try {
        return planWorkflow(request);
    }
    catch (error) {
        if (error instanceof InputError && error.input !== 'target')
            throw new InputError('matrix', error.message);
        throw error;
    }
}
async function writeMatrixPlan(request, summaryFile) {
    const plan = planFor(request);
    await group('Plan the matrix', async () => info(renderPlanText(plan).trimEnd()));
    for (const [name, value] of planOutputs(plan))
        setOutput(name, value);
    if (summaryFile)
        await appendFile(summaryFile, renderPlanMarkdown(plan));
}

/**
 * `manifest.json` and `SHA256SUMS` of the artifact. The manifest records what was built (Slurm version, spec, DAG
 * hash, variants, compiler, target), where (OS and glibc of the build machine), with what (Spack version and
 * commit, package repository commit, dependencies with versions and hashes), the audit's result and the SHA-256 of
 * every file. `buildManifest` is pure; the same inputs always render the same bytes (no timestamps, sorted lists).
 * `SHA256SUMS` (`sha256sum -c` format) covers every regular file of the prefix, manifest.json included, but itself.
 */
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
    const own = new Set(TREE_RECORDS);
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
    return options.name ?? MODULE_NAME;
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
        `Sets PATH, MANPATH, PKG_CONFIG_PATH, and SLURM_CONF to <prefix>/${SLURM_CONF} unless SLURM_CONF is set.`,
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
        `-- SLURM_CONF points at the bundled ${SLURM_CONF} unless it was already set to another file.`,
        `local conf = ${join(SLURM_CONF)}`,
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
        `# SLURM_CONF points at the bundled ${SLURM_CONF} unless it was already set to another file.`,
        `set conf ${join(SLURM_CONF)}`,
        'if {![info exists env(SLURM_CONF)] || $env(SLURM_CONF) eq "" || $env(SLURM_CONF) eq $conf} {',
        '  setenv SLURM_CONF $conf',
        '}',
        ''
    ].join('\n');
}
/** Where the module file of a module system goes inside the prefix, or null for `none`. */
function moduleFilePath(prefix, system, options) {
    const relative = moduleFile(system, options.version, moduleName(options));
    return relative === null ? null : path$1.join(prefix, ...relative.split('/'));
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

/** Path relations shared by staging, relocation and packing. */
/** Whether `child` is `parent` or lies below it (both absolute, normalized). */
function isWithin(child, parent) {
    const rel = path$1.relative(parent, child);
    return rel === '' || (rel !== '..' && !rel.startsWith(`..${path$1.sep}`) && !path$1.isAbsolute(rel));
}

/**
 * Reproducible packing of the staged prefix into `<artifact-name>.tar.zst` (multi-threaded zstd) or `.tar.gz`.
 * The same tree always gives the same bytes: entries sorted by name, owner and group 0 (numeric), one fixed mtime
 * (SOURCE_DATE_EPOCH, or 0), permissions normalised (no group/other write), GNU format (no atime/ctime, no pax
 * headers), no ACLs or extended attributes. `tar` writes straight into the compressor through a pipe the two
 * processes share (no shell, no copy through this process); the compressed stream is hashed on its way into the file.
 */
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
/**
 * Runs `tar | compressor > file`: tar writes into the compressor's stdin directly, and the compressed stream is
 * hashed on its way into the file while compression goes on. A failure kills both and removes the file.
 */
async function streamArchive(tar, compressor, file) {
    const env = childEnv(process.env, { LC_ALL: 'C' });
    const hash = createHash('sha256');
    let size = 0;
    let compress;
    let archive;
    try {
        compress = spawn(compressor.command, [...compressor.args], { stdio: ['pipe', 'pipe', 'pipe'], env });
        const compressDone = finished(compress, compressor.command, compressor.args);
        archive = spawn(tar.command, [...tar.args], {
            stdio: ['ignore', compress.stdin, 'pipe'],
            env
        });
        const archiveDone = finished(archive, tar.command, tar.args);
        // tar holds the compressor's stdin now; this process closes its own end of that pipe.
        compress.stdin?.destroy();
        const counted = new Transform({
            transform(chunk, _encoding, callback) {
                hash.update(chunk);
                size += chunk.length;
                callback(null, chunk);
            }
        });
        const written = pipeline(compress.stdout, counted, createWriteStream(file));
        // When the compressor fails, tar only sees a broken pipe: report the compressor first.
        const results = await Promise.allSettled([compressDone, archiveDone, written]);
        for (const result of results)
            if (result.status === 'rejected')
                throw result.reason;
    }
    catch (error) {
        compress?.kill();
        archive?.kill();
        await rm(file, { force: true });
        throw error;
    }
    return { size, sha256: hash.digest('hex') };
}
/** Packs `dir` into `<outDir>/<basename(dir)>.tar.zst|.tar.gz`. */
async function packArtifact(options) {
    const started = Date.now();
    const dir = path$1.resolve(options.dir);
    const topLevel = path$1.basename(dir);
    const fileName = tarballName(topLevel, options.compression);
    await mkdir(options.outDir, { recursive: true });
    const target = path$1.resolve(options.outDir, fileName);
    if (isWithin(target, dir))
        throw new Error(`the archive ${target} would be written inside the packed tree ${dir}`);
    const tar = {
        command: await which(options.tar ?? 'tar', true),
        args: tarArguments(path$1.dirname(dir), topLevel, options.mtime ?? sourceDateEpoch())
    };
    const compressor = compressorCommand(options);
    compressor.command = await which(compressor.command, true);
    const partial = `${target}.partial`;
    const { size, sha256 } = await streamArchive(tar, compressor, partial);
    await rename(partial, target);
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
const HASHED_DIR = /^.+-[a-z0-9]{32}$/;
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
/** One staging: the prefix being filled, and what was placed in it. */
class Stager {
    prefix;
    viewRoot;
    installRoots;
    known;
    slim;
    entries = [];
    dropped = [];
    external = [];
    fromPrefix = new Map();
    constructor(prefix, viewRoot, installRoots, known, slim) {
        this.prefix = prefix;
        this.viewRoot = viewRoot;
        this.installRoots = installRoots;
        this.known = known;
        this.slim = slim;
    }
    inBuild(target) {
        return isWithin(target, this.viewRoot) || this.installRoots.some(root => isWithin(target, root));
    }
    async copyReal(real, rel) {
        const dest = path$1.join(this.prefix, rel);
        await copyFile(real, dest);
        const mode = (await stat(real)).mode & 0o777;
        await chmod(dest, mode | 0o200);
        const spackPrefix = spackPrefixOf(real, this.installRoots, this.known);
        if (spackPrefix)
            this.fromPrefix.set(spackPrefix, (this.fromPrefix.get(spackPrefix) ?? 0) + 1);
        this.entries.push({ path: rel, type: 'file', source: real, ...(spackPrefix ? { spackPrefix } : {}) });
    }
    async keepLink(rel, text) {
        await symlink(text, path$1.join(this.prefix, rel));
        this.entries.push({ path: rel, type: 'symlink', target: text });
    }
    /**
     * Places `source` (an entry of the view, or of an install-tree directory reached through the view) at `rel`.
     * `viewPath` is where the entry sits in the view (to resolve relative links against the view); `localRoot` is the
     * directory whose relative links stay links.
     */
    async place(source, rel, viewPath, localRoot) {
        if (this.slim && isSlimDropped(rel)) {
            this.dropped.push(rel);
            return;
        }
        const info = await lstat(source);
        if (info.isDirectory()) {
            await mkdir(path$1.join(this.prefix, rel), { recursive: true });
            for (const name of await viewEntries(source))
                await this.place(path$1.join(source, name), `${rel}/${name}`, path$1.join(viewPath, name), localRoot);
            return;
        }
        if (info.isFile())
            return this.copyReal(source, rel);
        if (info.isSymbolicLink())
            return this.placeLink(source, rel, viewPath, localRoot);
    }
    async placeLink(source, rel, viewPath, localRoot) {
        const text = await readlink(source);
        const resolved = path$1.resolve(path$1.dirname(source), text);
        // A relative link that stays inside the view (or inside the dereferenced directory) stays a link.
        if (!path$1.isAbsolute(text) && isWithin(resolved, localRoot))
            return this.keepLink(rel, text);
        if (!this.inBuild(resolved)) {
            this.external.push({ path: rel, target: text });
            return this.keepLink(rel, text);
        }
        // A link into the install tree: keep a relative same-tree link of the install prefix when the view has its target.
        const targetInfo = await lstat(resolved).catch(() => null);
        if (targetInfo?.isSymbolicLink()) {
            const inner = await readlink(resolved);
            if (!path$1.isAbsolute(inner)) {
                const inView = path$1.resolve(path$1.dirname(viewPath), inner);
                if (isWithin(inView, this.viewRoot) && (await lstat(inView).catch(() => null)))
                    return this.keepLink(rel, inner);
            }
        }
        const real = await realpath(resolved);
        if ((await stat(real)).isDirectory())
            return this.place(real, rel, viewPath, real);
        return this.copyReal(real, rel);
    }
    result() {
        return {
            prefix: this.prefix,
            entries: this.entries.sort((a, b) => compareBytes(a.path, b.path)),
            spackPrefixes: [...this.fromPrefix.entries()]
                .map(([spackPrefix, files]) => ({ prefix: spackPrefix, files }))
                .sort((a, b) => compareBytes(a.prefix, b.prefix)),
            dropped: this.dropped.sort(compareBytes),
            external: this.external.sort((a, b) => compareBytes(a.path, b.path))
        };
    }
}
/** A directory's entries as the view shows them: Spack's own `.spack*` bookkeeping left out, in byte order. */
async function viewEntries(dir) {
    return (await readdir(dir)).filter(name => !name.startsWith('.spack')).sort(compareBytes);
}
/** Stages the view into `<outDir>/<artifactName>/`. */
async function stageView(options) {
    const viewRoot = path$1.resolve(options.viewRoot);
    const prefix = path$1.resolve(options.outDir, options.artifactName);
    await rm(prefix, { recursive: true, force: true });
    await mkdir(prefix, { recursive: true });
    const stager = new Stager(prefix, viewRoot, options.installRoots.map(root => path$1.resolve(root)), (options.spackPrefixes ?? []).map(known => path$1.resolve(known)), options.slim ?? false);
    for (const name of await viewEntries(viewRoot))
        await stager.place(path$1.join(viewRoot, name), name, path$1.join(viewRoot, name), viewRoot);
    for (const dir of STANDARD_DIRS)
        await mkdir(path$1.join(prefix, dir), { recursive: true });
    return stager.result();
}

/**
 * Where a build path lands in the staged prefix: the view and every Spack install prefix were merged into one tree,
 * so a path into either maps to the same subdirectory of the prefix. And the new RUNPATH of one ELF file, from its
 * old entries (see relocate.ts for what happens to each kind of entry). Pure.
 */
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

/**
 * Text files of a staged prefix that name the build: rewritten where a location-independent form exists (pkg-config
 * files, script interpreters), reported where none does (libtool archives, other text, binary files).
 */
function textKind(rel, text) {
    if (rel.endsWith('.pc') && path$1.posix.basename(path$1.posix.dirname(rel)) === 'pkgconfig')
        return 'pkgconfig';
    if (rel.endsWith('.la'))
        return 'libtool';
    if (text.startsWith('#!'))
        return 'script';
    return 'text';
}
/** pkg-config paths into the build become paths relative to the file (`${pcfiledir}`), or to `${prefix}`. */
function rewritePkgConfig(rel, text, build) {
    const root = path$1.posix.relative(path$1.posix.dirname(rel), '.') || '';
    const pcRoot = root ? `\${pcfiledir}/${root}` : '${pcfiledir}';
    const hasPrefixVar = /^prefix=/m.test(text);
    let count = 0;
    const next = text
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
    return { next, changes: count > 0 ? ['prefix'] : [], count };
}
/** A script's Spack `sbang` line is dropped and an interpreter in the build found on PATH instead. */
function rewriteScript(text, build) {
    const lines = text.split('\n');
    const changes = [];
    if (/^#!\s*\/bin\/(ba)?sh\s+\S*\/sbang\s*$/.test(lines[0]) && (lines[1] ?? '').startsWith('#!')) {
        lines.shift();
        changes.push('sbang');
    }
    const shebang = /^#!\s*(\S+)(?:\s+(.*))?$/.exec(lines[0]);
    if (shebang && build.contains(path$1.resolve(shebang[1]))) {
        const program = path$1.posix.basename(shebang[1]);
        const rest = (shebang[2] ?? '').trim();
        lines[0] = rest ? `#!/usr/bin/env -S ${program} ${rest}` : `#!/usr/bin/env ${program}`;
        changes.push('shebang');
    }
    return { next: lines.join('\n'), changes, count: changes.length };
}
/** Rewrites one text file that names the build where it can, and reports what it leaves. */
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
    const { next, changes, count } = kind === 'pkgconfig'
        ? rewritePkgConfig(rel, text, build)
        : kind === 'script'
            ? rewriteScript(text, build)
            : { next: text, changes: [], count: 0 };
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
/** Plans the new RUNPATH of one ELF file and notes what it leaves behind; an unreadable ELF is reported. */
function relocateElf(rel, full, build, dirExists, foreign, found) {
    let info;
    try {
        info = readElfFile(full);
    }
    catch (error) {
        if (!(error instanceof ElfFormatError))
            throw error;
        found.remaining.push({ file: rel, kind: 'runpath', detail: `unreadable ELF, not relocated: ${error.reason}` });
        return;
    }
    if (info.kind !== 'elf' || !info.dynamic)
        return;
    const tag = info.runpath !== null ? 'RUNPATH' : info.rpath !== null ? 'RPATH' : null;
    if (tag === null)
        return;
    const before = (tag === 'RUNPATH' ? info.runpath : info.rpath);
    const plan = planRunpath(rel, before.split(':'), build, dirExists, foreign);
    const after = plan.entries.join(':');
    const changed = after !== before || info.rpath !== null;
    found.elf.push({ file: rel, tag, before, after, changed, dropped: plan.dropped, foreign: plan.foreign });
    for (const item of plan.foreign)
        found.remaining.push({ file: rel, kind: 'runpath', detail: `foreign RUNPATH entry ${JSON.stringify(item)}` });
    for (const item of plan.dropped)
        if (item)
            found.remaining.push({ file: rel, kind: 'runpath', detail: `dropped unstaged build entry ${item}` });
    if (changed)
        found.runpaths.set(after, [...(found.runpaths.get(after) ?? []), full]);
}
/** Writes the new RUNPATHs with patchelf, batched by value; read-only files are made writable for the call. */
async function writeRunpaths(runpaths, patchelf) {
    let runs = 0;
    for (const value of [...runpaths.keys()].sort(compareBytes)) {
        const files = runpaths.get(value);
        for (let i = 0; i < files.length; i += PATCHELF_BATCH) {
            const batch = files.slice(i, i + PATCHELF_BATCH);
            const restore = await makeWritable(batch);
            try {
                const args = value === '' ? ['--remove-rpath', ...batch] : ['--set-rpath', value, ...batch];
                await runProgram(patchelf, args, { silent: true });
                runs++;
            }
            finally {
                for (const [file, mode] of restore)
                    await chmod(file, mode);
            }
        }
    }
    return runs;
}
/** Relocates the staged prefix in place. */
async function relocatePrefix(options) {
    const prefix = path$1.resolve(options.prefix);
    const build = new BuildPaths(options);
    const maxText = options.maxTextBytes ?? 64 * 1024 * 1024;
    const tree = await walkTree(prefix);
    const dirs = new Set(['', ...tree.filter(entry => entry.type === 'dir').map(entry => entry.path)]);
    const found = { elf: [], rewritten: [], remaining: [], runpaths: new Map() };
    let elfFiles = 0;
    for (const entry of tree) {
        if (entry.type !== 'file')
            continue;
        const full = path$1.join(prefix, entry.path);
        if (await startsWithElfMagic(full)) {
            elfFiles++;
            relocateElf(entry.path, full, build, rel => dirs.has(rel), options.foreign, found);
        }
        else if (entry.size <= maxText) {
            await relocateText(prefix, entry.path, await readFile(full), build, found.rewritten, found.remaining);
        }
    }
    const patchelfRuns = await writeRunpaths(found.runpaths, options.patchelf ?? 'patchelf');
    const byFile = (a, b) => compareBytes(a.file, b.file);
    return {
        elfFiles,
        elf: found.elf.sort(byFile),
        rewritten: found.rewritten.sort(byFile),
        remaining: found.remaining.sort(byFile),
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
    return request.artifact.name ?? topDirectory({ slurmVersion, gccVersion, target: request.target });
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
/**
 * Audits the staged tree against the build's paths, the external packages' library directories and the compiled-in
 * paths the recipe resolves at run time; returns the report and the relocation record the manifest carries.
 */
async function auditStaged(inputs, prefix, installRoots) {
    const { layout } = inputs;
    const externalDirs = externalLibraryDirs(inputs.build);
    if (externalDirs.length > 0)
        info(`Library directories of external packages, accepted like the system's: ${externalDirs.join(', ')}`);
    const record = {
        buildPrefixes: [...new Set([...installRoots, layout.installRoot, layout.viewRoot])].sort(),
        resolvedAtRunTime: readResolvedPaths(prefix)
    };
    info(record.resolvedAtRunTime.length > 0
        ? `Compiled-in paths the recipe resolves at run time: ${record.resolvedAtRunTime.join(', ')}`
        : 'The recipe records no compiled-in paths resolved at run time');
    const audit = await auditTree(prefix, {
        ...record,
        standardLibDirs: [...DEFAULT_STANDARD_LIB_DIRS, ...externalDirs],
        warningKinds: ['build-prefix-in-elf', 'build-prefix-in-text']
    });
    info(formatReport(audit));
    return { audit, record };
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
    const { audit, record: relocationRecord } = await auditStaged(inputs, staged.prefix, installRoots);
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

/** Package the artifact: stage, relocate, audit, module file, manifest and checksums, packed into one tarball. */
/** The artifact's name as far as the request tells it: a release series' full version is known once concretized. */
function plannedArtifactName(build) {
    const version = build.request.slurmVersion;
    return artifactName(build.request, version.split('.').length === 3 ? version : `${version}.x`, build.gccVersion);
}
function planArtifact(build) {
    const { request, work } = build;
    const name = plannedArtifactName(build);
    const prefix = path$1.join(work.artifact, name);
    const version = request.slurmVersion.split('.').length === 3 ? request.slurmVersion : `${request.slurmVersion}.x`;
    const module = moduleFile(request.modules, version);
    const compressor = compressorCommand({
        outDir: work.artifact,
        compression: request.artifact.compression
    });
    return [
        { note: `stage ${work.layout.viewRoot} into ${prefix}/, relocate it and audit it` },
        ...(module ? [{ writes: path$1.join(prefix, module) }] : []),
        { writes: path$1.join(prefix, MANIFEST_FILE) },
        { writes: path$1.join(prefix, SUMS_FILE) },
        { program: 'tar', args: tarArguments(work.artifact, name, sourceDateEpoch()) },
        { program: compressor.command, args: compressor.args },
        { writes: path$1.join(work.artifact, tarballName(name, request.artifact.compression)) }
    ];
}
const packageArtifact = {
    key: 'artifact',
    title: () => 'Package the artifact',
    plan: planArtifact,
    run: ({ build, spack, repo, slurm }) => buildArtifact({
        request: build.request,
        build: slurm,
        gccVersion: build.gccVersion,
        spack,
        repo,
        layout: build.work.layout,
        outDir: build.work.artifact
    }),
    outputs: artifact => ({
        [OUTPUTS.artifactName]: artifact.name,
        [OUTPUTS.artifactPath]: artifact.tarball.path,
        [OUTPUTS.artifactSha256]: artifact.tarball.sha256
    })
};

/**
 * What a failed build leaves in Spack's stage, as Spack v1.0 lays it out: `<build_stage>/<user>/spack-stage-<name>-
 * <version>-<hash>/` holding `spack-build-out.txt` (the build's log), `spack-build-NN-<phase>-out.txt` (each phase's),
 * `spack-build-env.txt` (every variable the build was given, `NAME=value; export NAME`), `spack-build-env-mods.txt`,
 * `spack-configure-args.txt`, the source archive and `spack-src/` (with `config.log` for an autotools package built
 * in its source tree). Here: the files worth keeping, the failing configure check read from config.log, and the
 * build environments redacted where they lie.
 */
const BUILD_ENV_FILE = 'spack-build-env.txt';
/** Where an autotools build keeps config.log: in the source tree, or in an out-of-tree build directory. */
function configLogOf(stage) {
    const dirs = [
        stage,
        ...readdirOrEmpty(stage)
            .filter(name => /^spack-(src|build)/.test(name))
            .map(name => path$1.join(stage, name))
    ];
    const logs = dirs.map(dir => path$1.join(dir, 'config.log')).filter(file => existsSync(file));
    return logs.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}
function readdirOrEmpty(dir) {
    try {
        return readdirSync(dir);
    }
    catch {
        return [];
    }
}
/** The most lines of a failing check an annotation shows. */
const CHECK_LINES = 25;
/**
 * The failing check of an autoconf `config.log`: from the last `checking ...` line before configure's error to the
 * error itself, with what the compiler or linker said (`gcc: error: unrecognized command-line option ...`,
 * `/usr/bin/ld: cannot find -lfoo`). The program configure tried (`| ` lines) and the `error: in <dir>` line are left
 * out. Empty when the log holds no configure error.
 */
function failingCheck(configLog) {
    const lines = configLog.split('\n');
    let end = -1;
    for (let i = lines.length - 1; i >= 0; i--) {
        if (/^configure(:\d+)?: error: /.test(lines[i])) {
            end = i;
            break;
        }
    }
    if (end < 0)
        return [];
    let start = end;
    while (start > 0 && !/^configure:\d+: checking /.test(lines[start]))
        start--;
    const kept = lines
        .slice(start, end + 1)
        .filter(line => line.trim() && !line.startsWith('|') && !/^configure(:\d+)?: (failed program was:|error: in )/.test(line));
    return kept.length > CHECK_LINES ? [...kept.slice(0, CHECK_LINES - 1), kept[kept.length - 1]] : kept;
}
/** The stage directories under `buildStage` (`<user>/spack-stage-*`, or `spack-stage-*` directly). */
function stageDirs(buildStage) {
    const found = [];
    for (const name of readdirOrEmpty(buildStage)) {
        const full = path$1.join(buildStage, name);
        if (name.startsWith('spack-stage-'))
            found.push(full);
        else
            for (const inner of readdirOrEmpty(full))
                if (inner.startsWith('spack-stage-'))
                    found.push(path$1.join(full, inner));
    }
    return found;
}
/**
 * Redacts every build environment file left under `buildStage` where it lies: Spack writes all the variables a build
 * was given, and a build that reaches an OCI mirror is given its credentials (src/build.ts). The file stays, for
 * whoever debugs on the runner, without them.
 */
function redactStagedEnvironments(buildStage) {
    let redacted = 0;
    for (const stage of stageDirs(buildStage)) {
        const file = path$1.join(stage, BUILD_ENV_FILE);
        if (!existsSync(file))
            continue;
        const text = readFileSync(file, 'utf8');
        const clean = redactBuildEnv(text);
        if (clean !== text) {
            writeFileSync(file, clean, { mode: 0o600 });
            redacted++;
        }
    }
    return redacted;
}
/**
 * The files that explain a failed build: the environment's spack.yaml and spack.lock, and from the failing package's
 * stage its log, its build environment (redacted when uploaded), its configure arguments and config.log.
 */
function debugFiles(buildLog, envDir) {
    const files = [path$1.join(envDir, 'spack.yaml'), path$1.join(envDir, 'spack.lock')];
    if (buildLog) {
        const stage = path$1.dirname(buildLog);
        files.push(buildLog, path$1.join(stage, BUILD_ENV_FILE), path$1.join(stage, 'spack-configure-args.txt'));
        const configLog = configLogOf(stage);
        if (configLog)
            files.push(configLog);
    }
    return files.filter(file => existsSync(file));
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
/**
 * Uploads the files that explain a failed build (spack.yaml, spack.lock, build logs, config.log, the build
 * environment) as `<name>`: copies, redacted (src/secrets.ts), never the files themselves. A build's environment file
 * is kept for what it tells (compiler wrappers, flags, paths), its credential variables masked.
 */
async function uploadDebugFiles(name, files, scratch, retentionDays) {
    const dir = path$1.join(scratch, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const copies = files.map((file, index) => {
        const copy = path$1.join(dir, `${String(index).padStart(2, '0')}-${path$1.basename(file)}`);
        const text = readFileSync(file, 'utf8');
        writeFileSync(copy, path$1.basename(file) === BUILD_ENV_FILE ? redactBuildEnv(text) : redact(text), { mode: 0o600 });
        return copy;
    });
    await uploadReplacing(name, copies, dir, retentionDays);
    info(`Uploaded the debug artifact ${name} (redacted copies): ${files.join(', ')}`);
}

/**
 * The HTTP(S) requests the mirror check makes, trusting what Spack would trust: Spack's Python opens its connections
 * with `ssl.create_default_context(cafile=$SSL_CERT_FILE)` when SSL_CERT_FILE is set (Spack's `config:ssl_certs`
 * defaults to it) and with the system's certificates otherwise. Node's own store is neither, so the probe hands Node
 * the same certificates.
 */
/** Where Debian, Ubuntu and their kin (GitHub's runners) keep the system's certificate bundle. */
const SYSTEM_CA_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt'];
/** The certificates Spack trusts under `env`. An SSL_CERT_FILE that cannot be read trusts nothing, as in Spack. */
function trustedCertificates(env) {
    const file = env.SSL_CERT_FILE;
    if (file) {
        const ca = existsSync(file) ? [readFileSync(file, 'utf8')] : [];
        return { ca, source: `SSL_CERT_FILE=${file}` };
    }
    const system = SYSTEM_CA_BUNDLES.filter(bundle => existsSync(bundle)).map(bundle => readFileSync(bundle, 'utf8'));
    return { ca: [...rootCertificates, ...system], source: "the system's certificates" };
}
/** A request that got no HTTP answer: `code` is Node's (`ECONNREFUSED`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, ...). */
class ProbeError extends Error {
    url;
    code;
    constructor(url, code, message) {
        super(message);
        this.url = url;
        this.code = code;
        this.name = 'ProbeError';
    }
}
const BODY_LIMIT = 64 * 1024;
/** One request, no redirects followed; resolves with any HTTP answer, rejects with a ProbeError otherwise. */
async function probeRequest(url, options) {
    const parsed = new URL(url);
    const secure = parsed.protocol === 'https:';
    return new Promise((resolve, reject) => {
        const fail = (code, message) => reject(new ProbeError(url, code, message));
        const common = { method: options.method ?? 'GET', headers: { ...options.headers }, timeout: options.timeoutMs };
        const onAnswer = (res) => {
            const chunks = [];
            let size = 0;
            res.on('data', (chunk) => {
                if (size < BODY_LIMIT)
                    chunks.push(chunk);
                size += chunk.length;
            });
            res.on('end', () => resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                body: Buffer.concat(chunks).subarray(0, BODY_LIMIT).toString('utf8')
            }));
            res.on('error', error => fail('ERESPONSE', error.message));
        };
        const req = secure
            ? request(url, { ...common, ca: [...options.trusted.ca] }, onAnswer)
            : request$1(url, common, onAnswer);
        req.on('timeout', () => {
            req.destroy();
            fail('ETIMEDOUT', `no answer within ${options.timeoutMs} ms`);
        });
        req.on('error', (error) => fail(error.code ?? 'EUNKNOWN', error.message));
        req.end();
    });
}
/** A response header as one string (`WWW-Authenticate` may come as several). */
function header(answer, name) {
    const value = answer.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(', ') : (value ?? '');
}

/**
 * What can keep Spack from a build cache, and what to do about each: the texts of the mirror check's annotations.
 * Pure: a problem, the detail that showed it and the mirror's situation give the cause and the fix.
 */
/** A finding: the problem, and the detail that showed it. */
class MirrorFault extends Error {
    problem;
    constructor(problem, detail) {
        super(detail);
        this.problem = problem;
        this.name = 'MirrorFault';
    }
}
const UNTRUSTED = new Set([
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'UNABLE_TO_GET_ISSUER_CERT',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'CERT_UNTRUSTED',
    'CERT_SIGNATURE_FAILURE'
]);
/** A request that got no HTTP answer, as a fault: TLS trust, host name, validity, plain HTTP, or unreachable. */
function networkFault(error, what) {
    if (!(error instanceof ProbeError))
        return new MirrorFault('unreachable', `${what}: ${String(error)}`);
    const detail = `${what}: ${error.code} (${error.message})`;
    if (UNTRUSTED.has(error.code))
        return new MirrorFault('tls-untrusted', detail);
    if (error.code === 'ERR_TLS_CERT_ALTNAME_INVALID')
        return new MirrorFault('tls-hostname', detail);
    if (error.code === 'CERT_HAS_EXPIRED' || error.code === 'CERT_NOT_YET_VALID')
        return new MirrorFault('tls-expired', detail);
    if (error.code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number/i.test(error.message))
        return new MirrorFault('plain-http', detail);
    return new MirrorFault('unreachable', detail);
}
const GIVE_CREDENTIALS = 'give oci-username and oci-password (for ghcr.io: github.actor and GITHUB_TOKEN, the defaults)';
const TOKEN_REGISTRY = 'use a registry that issues Bearer tokens (ghcr.io, Docker Hub, Harbor, a distribution registry with `auth: token`), ' +
    'or serve the build cache as an https:// or s3:// mirror';
function ghcrAccess(push) {
    return push
        ? 'for ghcr.io the job needs `permissions: packages: write`, and a package that already exists needs this ' +
            'repository given Write access in its settings (Manage Actions access); elsewhere, a token that may push'
        : 'for ghcr.io the job needs `permissions: packages: read`, and a private package needs this repository given ' +
            'access in its settings (Manage Actions access), or make the package public';
}
/**
 * The cause (with `detail`, the answer that showed it) and the fix of `problem`. Long because it is a table: one
 * case per kind of problem, each a cause and a fix.
 */
function fixFor(problem, detail, situation) {
    const { push, credentials, trusted } = situation;
    switch (problem) {
        case 'tls-untrusted':
            return {
                cause: `its TLS certificate is not signed by a CA Spack trusts (${trusted}): ${detail}`,
                fix: 'trust the CA that signed it: set SSL_CERT_FILE in the step’s env to a PEM bundle that holds it (Spack reads ' +
                    'SSL_CERT_FILE and then trusts that file alone, so append the CA to the system bundle: ' +
                    '`cat /etc/ssl/certs/ca-certificates.crt my-ca.pem > bundle.pem`)'
            };
        case 'tls-hostname':
            return {
                cause: `its TLS certificate names another host: ${detail}`,
                fix: 'use the host name the certificate names'
            };
        case 'tls-expired':
            return { cause: `its TLS certificate is expired or not valid yet: ${detail}`, fix: 'renew the certificate' };
        case 'plain-http':
            return {
                cause: `it answers plain HTTP where Spack speaks TLS (Spack's OCI client uses https:// only): ${detail}`,
                fix: 'serve the registry over HTTPS'
            };
        case 'basic-only':
            return {
                cause: `the registry only offers HTTP Basic authentication, and Spack's OCI client only speaks Bearer tokens ` +
                    `(Spack fails with "unsupported authentication scheme: Basic"): ${detail}`,
                fix: TOKEN_REGISTRY
            };
        case 'unsupported-scheme':
            return { cause: `the registry asks for an authentication Spack can't do: ${detail}`, fix: TOKEN_REGISTRY };
        case 'no-challenge':
            return {
                cause: `the registry refused the request without saying how to log in (no WWW-Authenticate): ${detail}`,
                fix: 'check that the URL names an OCI registry and repository'
            };
        case 'insecure-realm':
            return {
                cause: `its token service is not on https://, and Spack sends no credentials over plain HTTP: ${detail}`,
                fix: "serve the registry's token service (its Bearer realm) over HTTPS"
            };
        case 'credentials-refused':
            return {
                cause: `the token service refused oci-username/oci-password: ${detail}`,
                fix: `check oci-username and oci-password; ${ghcrAccess(push)}`
            };
        case 'anonymous-refused':
            return {
                cause: `the registry doesn't let anonymous users ${push ? 'push' : 'read'} (no oci-username/oci-password): ${detail}`,
                fix: push ? GIVE_CREDENTIALS : `${GIVE_CREDENTIALS}, or make the package public`
            };
        case 'denied':
            return { cause: `the registry refused the token for this repository: ${detail}`, fix: ghcrAccess(false) };
        case 'push-denied':
            return {
                cause: `the registry refused to start an upload: ${detail}`,
                fix: credentials ? ghcrAccess(true) : GIVE_CREDENTIALS
            };
        case 'bad-token-response':
            return {
                cause: `the token service's answer has no "token" field, which Spack reads: ${detail}`,
                fix: 'use a registry whose token service answers as the distribution token specification says'
            };
        case 'token-error':
            return { cause: `the token service failed: ${detail}`, fix: 'check the registry (and retry the job)' };
        case 'auth-required':
            return {
                cause: `the server wants credentials: ${detail}`,
                fix: 'the action passes credentials to oci:// mirrors only: make this cache public, or serve it from an OCI registry'
            };
        case 'push-unsupported':
            return { cause: detail, fix: 'push to an oci://, s3:// or file:// mirror' };
        case 'not-writable':
            return { cause: detail, fix: "give the runner's user write access to it, or push elsewhere" };
        case 'not-readable':
            return { cause: detail, fix: "give the runner's user read access to it, or correct the path" };
        case 'http-error':
            return { cause: `unexpected answer: ${detail}`, fix: 'check that the URL names a Spack build cache' };
        case 'unreachable':
            return {
                cause: `no answer: ${detail}`,
                fix: 'check the URL, and that the runner reaches the host (DNS, firewall, proxy)'
            };
    }
}

/**
 * An `oci://` mirror, asked what Spack's OCI client asks (spack/oci/opener.py in Spack v1.0): every request goes to
 * `https://<host>/v2/<name>/...`; on 401 the registry's `WWW-Authenticate` must hold a `Bearer` challenge with realm,
 * service and scope (Spack handles no other scheme), the realm must be https://, and
 * `GET <realm>?service=&scope=&client_id=spack` (HTTP Basic with oci-username/oci-password when given) must answer
 * JSON with a `token`, which the request is then retried with.
 *
 * Reading: the build cache index Spack fetches first, `<name>:index.spack` (404: nothing pushed yet, fine).
 * Pushing: the upload Spack starts for each blob, `POST /v2/<name>/blobs/uploads/` (202, the session then cancelled).
 */
/** What Spack's ImageReference makes of `oci://<reference>`: the registry host and the repository name. */
function ociReference(url) {
    const reference = url.replace(/^oci:\/\//i, '').replace(/@.*$/, '');
    const slash = reference.indexOf('/');
    let host = slash > 0 ? reference.slice(0, slash) : '';
    let name = slash > 0 ? reference.slice(slash + 1) : reference;
    // Spack (as Docker) reads a first part without a dot or a port as a Docker Hub namespace.
    if (!host || (!host.includes('.') && !host.includes(':') && host !== 'localhost' && host === host.toLowerCase())) {
        name = host ? `${host}/${name}` : `library/${name}`;
        host = 'index.docker.io';
    }
    name = name.replace(/:[\w][\w.-]{0,127}$/, '').toLowerCase();
    return { host, name };
}
/** The challenges of a `WWW-Authenticate` value (RFC 7235, without token68), as Spack's parser reads them. */
function parseChallenges(value) {
    const challenges = [];
    const pattern = /\s*(?:,\s*)?([!#$%&'*+\-.^_`|~0-9A-Za-z]+)(?:\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]+))?/gy;
    for (let match = pattern.exec(value); match; match = pattern.exec(value)) {
        const [, token, raw] = match;
        if (raw === undefined) {
            challenges.push({ scheme: token, params: {} });
            continue;
        }
        const current = challenges[challenges.length - 1];
        if (!current)
            break;
        current.params[token.toLowerCase()] = raw.startsWith('"')
            ? raw.slice(1, -1).replace(/\\(.)/g, '$1')
            : raw;
    }
    return challenges;
}
/** A request with Spack's authentication: plain, then (on 401) once more with a Bearer token (returned too). */
async function authorized(url, method, context, headers = {}) {
    const ask = async (extra) => probeRequest(url, {
        method,
        headers: { ...headers, ...extra },
        trusted: context.trusted,
        timeoutMs: context.timeoutMs
    }).catch((error) => {
        throw networkFault(error, `${method} ${url}`);
    });
    const first = await ask({});
    if (first.status !== 401)
        return first;
    const value = header(first, 'www-authenticate');
    if (!value)
        throw new MirrorFault('no-challenge', `${method} ${url} answered 401 without WWW-Authenticate`);
    const challenges = parseChallenges(value);
    const bearer = challenges.find(c => c.scheme === 'Bearer');
    if (!bearer || !bearer.params.realm || !bearer.params.service || !bearer.params.scope) {
        const basic = challenges.some(c => c.scheme.toLowerCase() === 'basic');
        throw new MirrorFault(basic ? 'basic-only' : 'unsupported-scheme', `${method} ${url}: WWW-Authenticate: ${value}`);
    }
    const token = await bearerToken(bearer.params, context);
    const second = await ask({ Authorization: `Bearer ${token}` });
    if (second.status === 401 || second.status === 403) {
        const detail = `${method} ${url} answered ${second.status} with the token (${errorCode(second)})`;
        if (method === 'POST')
            throw new MirrorFault('push-denied', detail);
        throw new MirrorFault(context.credentials ? 'denied' : 'anonymous-refused', detail);
    }
    return { ...second, token };
}
/** The registry's error code from its JSON body (`UNAUTHORIZED`, `DENIED`, ...), or the status. */
function errorCode(answer) {
    try {
        const parsed = JSON.parse(answer.body);
        const first = parsed.errors?.[0];
        if (first?.code)
            return `${first.code}${first.message ? `: ${first.message}` : ''}`;
    }
    catch {
        // not JSON
    }
    return `HTTP ${answer.status}`;
}
async function bearerToken(challenge, context) {
    const realm = new URL(challenge.realm);
    if (realm.protocol !== 'https:')
        throw new MirrorFault('insecure-realm', `the Bearer realm is ${challenge.realm}`);
    realm.search = new URLSearchParams({
        service: challenge.service,
        scope: challenge.scope,
        client_id: 'spack'
    }).toString();
    const headers = {};
    const { credentials } = context;
    if (credentials)
        headers.Authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    const url = realm.toString();
    const answer = await probeRequest(url, { headers, trusted: context.trusted, timeoutMs: context.timeoutMs }).catch((error) => {
        throw networkFault(error, `GET ${url} (the token service)`);
    });
    const detail = `GET ${realm.origin}${realm.pathname} (scope ${challenge.scope}) answered ${answer.status} (${errorCode(answer)})`;
    if (answer.status === 401 || answer.status === 403)
        throw new MirrorFault(credentials ? 'credentials-refused' : 'anonymous-refused', detail);
    if (answer.status !== 200)
        throw new MirrorFault('token-error', detail);
    try {
        const token = JSON.parse(answer.body).token;
        if (typeof token === 'string' && token)
            return token;
    }
    catch {
        // handled below
    }
    throw new MirrorFault('bad-token-response', `GET ${realm.origin}${realm.pathname} answered ${answer.body.slice(0, 200)}`);
}
/** Reads the index (and, for the push target, starts and cancels an upload); returns a note, or throws a fault. */
async function checkOciMirror(mirror, context) {
    const { host, name } = ociReference(mirror.url);
    const base = `https://${host}/v2/${name}`;
    const manifest = `${base}/manifests/index.spack`;
    const index = await authorized(manifest, 'GET', context, { Accept: 'application/vnd.oci.image.manifest.v1+json' });
    let note;
    if (index.status === 404)
        note = 'no build cache index yet (nothing pushed)';
    else if (index.status !== 200)
        throw new MirrorFault('http-error', `GET ${manifest} answered ${index.status} (${errorCode(index)})`);
    if (!mirror.push)
        return note;
    const upload = await authorized(`${base}/blobs/uploads/`, 'POST', context, { 'Content-Length': '0' });
    if (upload.status !== 202)
        throw new MirrorFault('push-denied', `POST ${base}/blobs/uploads/ answered ${upload.status} (${errorCode(upload)})`);
    const location = header(upload, 'location');
    if (location) {
        // Best effort, with the upload's token (a DELETE would need a `delete` grant of its own, which nothing else
        // needs): the registry expires an unfinished upload anyway, and ghcr.io answers 405 here.
        const authorization = upload.token ? { Authorization: `Bearer ${upload.token}` } : {};
        await probeRequest(new URL(location, base).toString(), {
            method: 'DELETE',
            headers: authorization,
            trusted: context.trusted,
            timeoutMs: context.timeoutMs
        }).catch(() => undefined);
    }
    return note;
}

/**
 * Which build cache each package Spack extracted came from, read from `spack install`'s own output, and what that
 * makes of the `cache-hit` output. Pure functions.
 *
 * Spack v1.0 fetches a binary's blobs (`==> Fetching <url>`: the spec file and the tarball) right before it says
 * `==> Extracting <name>-<version>-<hash> from binary cache`; the URL is under the mirror it came from:
 *   - `file:///<dir>/blobs/sha256/..`                 for `file:///<dir>` (the local mirror kept in the Actions cache);
 *   - `https://<host>/v2/<name>/blobs/sha256:..`      for `oci://<host>/<name>`;
 *   - `https://<host>/<path>/blobs/sha256/..`          for `https://<host>/<path>` (and http://, s3://).
 * Fetches of a package built from source (its source archive) come after `==> Installing ...` and before
 * `Successfully installed`, never before an `Extracting` line, so they are not mistaken for a binary's.
 */
const ANSI$1 = new RegExp(String.raw `\u001b\[[0-9;]*m`, 'g');
/** The URL prefix under which Spack fetches a mirror's blobs, without a trailing slash. */
function fetchPrefix(mirrorUrl) {
    if (/^oci:\/\//i.test(mirrorUrl)) {
        const { host, name } = ociReference(mirrorUrl);
        return `https://${host}/v2/${name}`;
    }
    return normalize(mirrorUrl);
}
/** `file:` URLs with any number of slashes as `file:///...`; no trailing slash. */
function normalize(url) {
    return url.replace(/^file:\/*/i, 'file:///').replace(/\/+$/, '');
}
/** The mirror whose blobs `url` is under: the longest matching prefix wins. */
function mirrorOfUrl(url, mirrors) {
    const fetched = normalize(url);
    let best;
    for (const mirror of mirrors) {
        const prefix = fetchPrefix(mirror.url);
        if ((fetched === prefix || fetched.startsWith(`${prefix}/`)) && (!best || prefix.length > best.length))
            best = { name: mirror.name, length: prefix.length };
    }
    return best?.name;
}
/** `<name>-<version>-<hash>` as Spack prints it (install.ts reads it the same way). */
function packageOf(id) {
    const match = /^(.+)-([a-z0-9]{32})$/.exec(id);
    const base = match ? match[1] : id;
    return { id, name: base.replace(/-[^-]*$/, ''), hash: match ? match[2] : '' };
}
/**
 * Every package `spack install` extracted from a binary cache, with the mirror it was fetched from. It does not import
 * install.ts at run time, so that install.ts can call it on the output it reads.
 */
function binarySources(output, mirrors) {
    const text = output.replace(ANSI$1, '');
    // Extracted and then installed (a failed extraction falls back to building, and is not a cache hit).
    const installed = new Set([...text.matchAll(/==> \S+: Successfully installed (\S+)/g)].map(match => match[1]));
    const sources = new Map();
    let fetched = [];
    for (const line of text.split('\n')) {
        const fetch = /^==> Fetching (\S+)/.exec(line);
        if (fetch) {
            fetched.push(fetch[1]);
            continue;
        }
        const extract = /^==> Extracting (\S+) from binary cache/.exec(line);
        if (extract) {
            const id = extract[1];
            const url = fetched[fetched.length - 1];
            const mirror = fetched.map(u => mirrorOfUrl(u, mirrors)).find(Boolean);
            if (installed.has(id))
                sources.set(id, { pkg: packageOf(id), ...(mirror ? { mirror } : {}), ...(url ? { url } : {}) });
        }
        if (extract || /^==> (Installing|No binary for) /.test(line) || /: Successfully installed /.test(line))
            fetched = [];
    }
    return [...sources.values()];
}
/** How many packages each mirror served (`unknown` for those with no attributable fetch). */
function countByMirror(sources) {
    const counts = {};
    for (const source of sources)
        counts[source.mirror ?? 'unknown'] = (counts[source.mirror ?? 'unknown'] ?? 0) + 1;
    return counts;
}
/**
 * The `cache-hit` output once the install has run. The Actions cache's own answer (`restored`: exact, partial or none)
 * stands whenever it found something; when it found nothing, what remote mirrors served is told apart from nothing:
 * `remote` when nothing was built and at least one package came from a remote mirror, `partial` when some came from
 * one and others were built, `none` otherwise. (Packages extracted from the local mirror only happen after a restore.)
 */
function cacheHitAfterInstall(inputs) {
    if (inputs.restored !== 'none')
        return inputs.restored;
    const remote = inputs.sources.filter(source => source.mirror !== inputs.localMirror).length;
    if (remote === 0)
        return 'none';
    return inputs.built === 0 ? 'remote' : 'partial';
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
/** Installs the environment; on failure annotates the failing package with why it failed and its log's last lines. */
async function install(spack, envDir, jobs, only, mirrors = []) {
    const result = await spack.run(installArgs(envDir, jobs, only), { group: 'spack install', allowFailure: true });
    const output = result.stdout + result.stderr;
    const parsed = parseInstallOutput(output);
    const report = mirrors.length ? { ...parsed, sources: binarySources(output, mirrors) } : parsed;
    if (result.exitCode === 0 && !report.failure)
        return report;
    const failure = withFailingCheck(report.failure ?? {
        packageName: 'spack install',
        message: `spack install exited with code ${result.exitCode}: ${lastLines(result.stderr || result.stdout, 5)}`
    });
    annotateFailure(failure);
    throw new InstallError(failure, report);
}
/** The failure with the failing configure check, when its stage holds a config.log that ends in configure's error. */
function withFailingCheck(failure) {
    const configLog = failure.buildLog ? configLogOf(path$1.dirname(failure.buildLog)) : undefined;
    const check = configLog ? failingCheck(readFileSync(configLog, 'utf8')) : [];
    return check.length ? { ...failure, check } : failure;
}
/** The lines of build log an annotation shows: fewer when the failing check already says why. */
const LOG_LINES = { withCheck: 12, alone: 40 };
function annotateFailure(failure) {
    const log = failure.buildLog && existsSync(failure.buildLog)
        ? lastLines(readFileSync(failure.buildLog, 'utf8'), failure.check ? LOG_LINES.withCheck : LOG_LINES.alone)
        : '';
    const parts = [
        failure.message,
        ...(failure.check ? [`The failing check in config.log:\n${failure.check.join('\n')}`] : []),
        ...(log ? [`Last lines of ${path$1.basename(failure.buildLog)}:\n${log}`] : [])
    ];
    error(redact(parts.join('\n\n')), { title: `${failure.packageName} failed to build` });
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
    const result = await spack.run(clingoArgs(), {
        silent: true,
        allowFailure: true
    });
    if (result.exitCode !== 0) {
        throw new Error(`offline: Spack can't import clingo, its concretizer, and can't bootstrap it without network (${result.stderr.trim().split('\n').slice(-1)[0] ?? ''}). ` +
            'Install clingo for the Python Spack uses (for example on PYTHONPATH), or use a spack-root whose Python has it');
    }
    return result.stdout.trim();
}
/** Where the source check is written for `spack -e <env> python` to run. */
function sourceCheckScript(scratch) {
    return path$1.join(scratch, 'offline-check.py');
}
async function checkSources(spack, envDir, scratch) {
    mkdirSync(scratch, { recursive: true });
    const script = sourceCheckScript(scratch);
    writeFileSync(script, SOURCE_CHECK_SCRIPT);
    const result = await spack.run(environmentPythonArgs(envDir, script), { silent: true });
    const missing = parseSourceCheck(result.stdout);
    if (missing.length > 0)
        throw new Error(missingSourcesMessage(missing));
}

/**
 * Build the requested GCC when the runner lacks it, then install Slurm (or, for a dependencies job, Slurm's
 * dependencies): each environment concretized (unless the cached lock was made from its very spack.yaml), its sources
 * checked when offline, and installed; nothing at all when the installed tree of this very build was restored whole.
 */
/** The hashes of what an install built from source. */
function builtHashes(report) {
    return report.built.map(pkg => pkg.hash).filter(Boolean);
}
/**
 * Records, for the post step, what the install of `envDir` built from source (also when it failed part way), with
 * what `earlier` environments of the job built.
 */
function recordBuilt(earlier, envDir, report) {
    saveBuilt({ ...earlier, [envDir]: builtHashes(report) });
}
/**
 * Concretizes (unless the cached lock was made from this spack.yaml), checks offline sources, installs (only the
 * roots' dependencies, for a dependencies job). A whole installed tree leaves nothing to do but to adopt its lock.
 */
async function installEnvironment(written, { build, spack, cache }, earlier, only) {
    const runner = withCredentials(spack.runner, build.request);
    const locked = cache.hit !== 'none' || cache.keptLocks === true;
    const adopted = locked && adoptCachedLock(cachePaths(build), written.envDir, written.environment);
    if (cache.installedTree && adopted) {
        // The tree's check proved every package of this lock installed and the view in place.
        info('The installed tree holds every package of the cached spack.lock: nothing to concretize or install');
        return { built: [], extracted: [] };
    }
    if (adopted)
        info('Using the cached spack.lock made from this spack.yaml: nothing to concretize');
    else
        await concretize(runner, written.envDir);
    if (build.request.offline)
        await checkSources(runner, written.envDir, build.work.scratch);
    try {
        const report = await install(runner, written.envDir, build.request.jobs, only, namedMirrors(build.request, build.work.layout));
        recordBuilt(earlier, written.envDir, report);
        return report;
    }
    catch (error) {
        if (error instanceof InstallError)
            recordBuilt(earlier, written.envDir, error.report);
        throw error;
    }
    finally {
        // A failed build's stage stays on the runner for debugging; its environment file must not keep credentials.
        redactStagedEnvironments(build.work.layout.buildStage);
    }
}
/** What installing the environment in `envDir` would run, when `when` holds. */
function planInstall(build, envDir, when, only) {
    const noLock = { id: 'no-cached-lock', text: 'no cached spack.lock was made from this spack.yaml' };
    const script = sourceCheckScript(build.work.scratch);
    // A whole installed tree (a Slurm build with the cache on) leaves nothing to check or install.
    const tree = build.request.cache.enabled && build.request.stage === 'slurm';
    const installWhen = [...when, ...(tree ? [TREE_NOT_RESTORED] : [])];
    return [
        { spack: concretizeArgs(envDir), when: [...when, ...(keepsSpackState(build.request) ? [noLock] : [])] },
        ...(build.request.offline
            ? [
                { writes: script, when: installWhen },
                { spack: environmentPythonArgs(envDir, script), when: installWhen }
            ]
            : []),
        { spack: installArgs(envDir, build.request.jobs, only), when: installWhen }
    ];
}
const buildCompiler = {
    key: 'compiler',
    title: build => `Build gcc@${build.gccVersion}`,
    plan: build => planInstall(build, build.work.layout.compilerEnvDir, [gccMissing(build)]),
    skip: ({ environment }) => (environment.compiler ? undefined : {}),
    run: async (input) => ({
        report: await installEnvironment(input.environment.compiler, input, {})
    })
};
/**
 * A failed build's debug artifact: spack.yaml, spack.lock and the failing package's log, build environment, configure
 * arguments and config.log, every file redacted (src/artifact/upload.ts). A failure here only warns.
 */
async function uploadDebug(error, build, envDir) {
    const { request } = build;
    try {
        await uploadDebugFiles(debugName(build), debugFiles(error.failure.buildLog, envDir), build.work.scratch, request.artifact.retentionDays);
    }
    catch (uploadError) {
        warning(`The debug artifact could not be uploaded: ${uploadError instanceof Error ? uploadError.message : String(uploadError)}`);
    }
}
/** The debug artifact's name: the tarball's with `-debug` (a dependencies job's: with `-dependencies-debug`). */
function debugName(build) {
    const name = artifactName(build.request, build.request.slurmVersion, build.gccVersion);
    return build.request.stage === 'dependencies' ? `${name}-dependencies-debug` : `${name}-debug`;
}
function planDebug(build) {
    return build.request.artifact.upload
        ? [
            {
                note: `upload ${debugName(build)} (spack.yaml, spack.lock, the failing package's logs and config.log, its build environment redacted)`,
                when: [{ id: 'install-failed', text: 'the install fails' }]
            }
        ]
        : [];
}
/**
 * The `cache-hit` output once everything is installed. An exact hit after which Spack still built something (an
 * archive in the restored mirror was damaged, so Spack quietly built the package again) is not exact: it says
 * `partial`, and the post step saves afresh. Without an Actions cache hit, what remote mirrors served is told apart
 * from nothing (src/spack/binary-sources.ts).
 */
function cacheHitAfter(restored, reports) {
    const built = reports.reduce((sum, report) => sum + report.built.length, 0);
    if (restored === 'exact')
        return built > 0 ? 'partial' : 'exact';
    const sources = reports.flatMap(report => report.sources ?? []);
    return cacheHitAfterInstall({ restored, built, sources, localMirror: LOCAL_MIRROR });
}
/**
 * Installs the build's environment, after the `before` installs of the job (the compiler's), and says how much came
 * from build caches; a failed install uploads the debug artifact when uploads are on.
 */
async function installAndReport(input, before, only) {
    const earlier = Object.fromEntries(before.map(({ envDir, report }) => [envDir, builtHashes(report)]));
    try {
        const report = await installEnvironment(input.environment, input, earlier, only);
        const reports = [...before.map(done => done.report), report];
        const cacheHit = cacheHitAfter(input.cache.hit, reports);
        if (input.cache.hit === 'exact' && cacheHit !== 'exact') {
            const rebuilt = reports.flatMap(r => r.built.map(pkg => pkg.name)).join(', ');
            info(`Spack built ${rebuilt} from source although the build cache was restored whole: cache-hit is ${cacheHit}, and the post step saves a fresh build cache`);
        }
        if (cacheHit === 'remote')
            info('Nothing was built: remote build caches served what the Actions cache did not');
        return { ...report, cacheHit, servedBy: countByMirror(reports.flatMap(r => r.sources ?? [])) };
    }
    catch (error) {
        if (error instanceof InstallError && input.build.request.artifact.upload)
            await uploadDebug(error, input.build, input.environment.envDir);
        throw error;
    }
}
const installSlurm = {
    key: 'install',
    title: () => 'Install Slurm',
    plan: build => [...planInstall(build, build.work.layout.envDir, []), ...planDebug(build)],
    run: input => {
        const report = input.compiler.report;
        const compiler = input.environment.compiler;
        return installAndReport(input, report && compiler ? [{ envDir: compiler.envDir, report }] : []);
    },
    outputs: installed => ({ [OUTPUTS.cacheHit]: installed.cacheHit })
};
/** A dependencies job's install: every dependency of the roots, not the roots (Slurm) themselves. */
const installDependencies = {
    key: 'install',
    title: () => "Install Slurm's dependencies",
    plan: build => [...planInstall(build, build.work.layout.dependenciesEnvDir, [], 'dependencies'), ...planDebug(build)],
    run: input => installAndReport(input, [], 'dependencies'),
    outputs: installed => ({ [OUTPUTS.cacheHit]: installed.cacheHit })
};

/** What the install produced: the locked slurm spec, its dependencies and its install prefix. */
async function readBuild(spack, envDir) {
    const lock = readLock(readFileSync(path$1.join(envDir, 'spack.lock'), 'utf8'));
    const location = await spack.run(locationArgs(envDir, lock.root.hash), { silent: true });
    return { ...lock, prefix: location.stdout.trim() };
}

const readInstalled = {
    key: 'slurm',
    title: () => 'Read what was installed',
    grouped: false,
    plan: build => [{ spack: locationArgs(build.work.layout.envDir, '<slurm-hash-in-spack.lock>') }],
    run: async ({ spack, environment }) => {
        const build = await readBuild(spack.runner, environment.envDir);
        markComplete();
        return build;
    },
    outputs: slurm => ({
        [OUTPUTS.slurmVersion]: slurm.root.version,
        [OUTPUTS.specHash]: slurm.root.hash,
        [OUTPUTS.prefix]: slurm.prefix
    })
};
/** A dependencies job ends once its dependencies are installed (and pushed): it marks the build complete. */
const dependenciesInstalled = {
    key: 'done',
    title: () => 'Dependencies installed',
    grouped: false,
    plan: () => [],
    run: async () => {
        markComplete();
        return { complete: true };
    }
};

/**
 * Before anything is built: can Spack read each remote build cache, and write the push target? Spack itself only
 * warns when a mirror can't be read (`==> Warning: ... CERTIFICATE_VERIFY_FAILED`) and goes on to compile what the
 * mirror would have served; a push that can't authenticate fails after the whole build. This check asks each mirror
 * what Spack would ask, the way Spack asks it (mirror-check-oci.ts: its OCI client's Bearer tokens; here: the
 * index of an http(s):// mirror, a file:// directory), and says per mirror: ok, or the cause and the fix.
 *
 * `checkBuildcacheMirrors` is the phase: a warning annotation per unreadable read mirror, an error (thrown) when the
 * push target can't be used.
 */
/** The mirrors of a request, named as spack.yaml names them (environment.ts). */
function mirrorsToCheck(buildcache) {
    const mirrors = buildcache.mirrors.map((url, index) => ({
        name: mirrorName(index),
        url,
        push: false
    }));
    if (buildcache.push)
        mirrors.push({ name: PUSH_MIRROR, url: buildcache.push, push: true });
    return mirrors;
}
/** An http(s):// mirror: the build cache index Spack reads first (layout v3, then v2). Spack can't push there. */
async function checkUrlMirror(mirror, context) {
    if (mirror.push)
        throw new MirrorFault('push-unsupported', `${mirror.url}: Spack pushes to file://, s3://, gs:// and oci:// only`);
    const base = mirror.url.replace(/\/+$/, '');
    const candidates = [
        [`${base}/v3/manifests/index/index.manifest.json`, ''],
        [`${base}/build_cache/index.json`, 'an index in the older v2 layout (Spack reads it and warns)']
    ];
    for (const [url, note] of candidates) {
        const answer = await probeRequest(url, { trusted: context.trusted, timeoutMs: context.timeoutMs }).catch((error) => {
            throw networkFault(error, `GET ${url}`);
        });
        if (answer.status === 200)
            return note || undefined;
        if (answer.status === 401 || answer.status === 403)
            throw new MirrorFault('auth-required', `GET ${url} answered ${answer.status}`);
        if (answer.status !== 404)
            throw new MirrorFault('http-error', `GET ${url} answered ${answer.status}`);
    }
    return 'no build cache index yet: Spack still looks each package up by its hash';
}
/** A file:// mirror: a directory Spack can read (and, for the push target, create or write). */
function checkFileMirror(mirror) {
    const dir = decodeURIComponent(new URL(mirror.url).pathname);
    if (!existsSync(dir)) {
        if (!mirror.push)
            return `${dir} does not exist yet: nothing to read`;
        let parent = path$1.dirname(dir);
        while (!existsSync(parent))
            parent = path$1.dirname(parent);
        try {
            accessSync(parent, constants.W_OK);
            return undefined;
        }
        catch {
            throw new MirrorFault('not-writable', `${dir} does not exist and ${parent} is not writable`);
        }
    }
    if (!statSync(dir).isDirectory())
        throw new MirrorFault('not-readable', `${dir} is not a directory`);
    try {
        accessSync(dir, mirror.push ? constants.R_OK | constants.W_OK | constants.X_OK : constants.R_OK | constants.X_OK);
    }
    catch {
        throw new MirrorFault(mirror.push ? 'not-writable' : 'not-readable', `${dir} is not ${mirror.push ? 'writable' : 'readable'}`);
    }
    return undefined;
}
/** Checks one mirror; never throws. */
async function probeMirror(mirror, options = {}) {
    const context = {
        trusted: trustedCertificates(options.env ?? process.env),
        timeoutMs: options.timeoutMs ?? 10_000,
        ...(options.credentials ? { credentials: options.credentials } : {})
    };
    const scheme = /^([a-z0-9+.-]+):\/\//i.exec(mirror.url)?.[1]?.toLowerCase() ?? '';
    try {
        let note;
        if (scheme === 'oci')
            note = await checkOciMirror(mirror, context);
        else if (scheme === 'https' || scheme === 'http')
            note = await checkUrlMirror(mirror, context);
        else if (scheme === 'file')
            note = checkFileMirror(mirror);
        else
            return { ...mirror, ok: true, skipped: true, note: `${scheme}:// mirrors are not checked before the build` };
        return { ...mirror, ok: true, ...(note ? { note } : {}) };
    }
    catch (error) {
        const fault = error instanceof MirrorFault ? error : new MirrorFault('unreachable', String(error));
        const { cause, fix } = fixFor(fault.problem, fault.message, {
            push: mirror.push,
            credentials: Boolean(options.credentials),
            trusted: context.trusted.source
        });
        return { ...mirror, ok: false, problem: fault.problem, cause, fix };
    }
}
/** Checks every mirror at once (each request bounded by `timeoutMs`). */
async function checkMirrors(mirrors, options = {}) {
    return Promise.all(mirrors.map(async (mirror) => probeMirror(mirror, options)));
}
/** The annotation's text: the mirror, the cause, the fix. */
function mirrorMessage(check) {
    const role = check.push ? 'the buildcache-push target' : 'a buildcache-mirrors entry';
    return `${check.url} (${role}, ${check.name}) can't be ${check.push ? 'written' : 'read'} by Spack: ${check.cause}. Fix: ${check.fix}`;
}
class MirrorCheckError extends Error {
    checks;
    constructor(checks) {
        super(checks
            .filter(check => !check.ok && check.push)
            .map(mirrorMessage)
            .join('\n'));
        this.checks = checks;
        this.name = 'MirrorCheckError';
    }
}
/**
 * The phase: checks the request's mirrors; a read mirror that fails is a warning annotation (the build goes on and
 * compiles what it would have served), a push target that fails is an error (thrown: the build would be lost).
 */
async function checkBuildcacheMirrors(buildcache, options = {}) {
    const { ociUsername, ociPassword } = buildcache;
    const credentials = ociUsername && ociPassword ? { username: ociUsername, password: ociPassword } : undefined;
    const checks = await checkMirrors(mirrorsToCheck(buildcache), { ...options, ...(credentials ? { credentials } : {}) });
    for (const check of checks) {
        if (check.ok)
            info(`mirror ${check.name} ${check.url}: ${check.skipped ? 'not checked' : 'ok'}${check.note ? ` (${check.note})` : ''}`);
        else if (!check.push)
            warning(mirrorMessage(check), { title: `Build cache ${check.url} can't be read` });
    }
    if (checks.some(check => !check.ok && check.push))
        throw new MirrorCheckError(checks);
    return checks;
}

function planCheck$2(build) {
    return mirrorsToCheck(build.request.buildcache).map(mirror => ({
        note: `ask ${mirror.name} (${mirror.url}) for its build cache index${mirror.push ? ', and whether it takes a push' : ''}, as Spack will`
    }));
}
const checkBuildCaches = {
    key: 'mirrors',
    title: () => 'Check the build caches',
    plan: planCheck$2,
    skip: ({ build }) => (mirrorsToCheck(build.request.buildcache).length === 0 ? { checks: [] } : undefined),
    run: async ({ build }) => ({ checks: await checkBuildcacheMirrors(build.request.buildcache) })
};

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
/** Where the check's script is written. */
function recipeScriptPath(scratchDir) {
    return path$1.join(scratchDir, 'recipe-check.py');
}
/** The command that asks Spack for the slurm recipe of the repository `namespace`. */
function recipeCheckArgs(script, namespace) {
    return pythonArgs(script, [namespace]);
}
/** Asks Spack for the slurm recipe of the registered repository `repo`. */
async function readSlurmRecipe(runner, repo, scratchDir) {
    mkdirSync(scratchDir, { recursive: true });
    const script = recipeScriptPath(scratchDir);
    writeFileSync(script, RECIPE_SCRIPT);
    const result = await runner.run(recipeCheckArgs(script, repo.namespace), { silent: true });
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

function planCheck$1(build) {
    if (build.request.repo.kind === 'bundled')
        return [];
    const script = recipeScriptPath(build.work.scratch);
    return [{ writes: script }, { spack: recipeCheckArgs(script, plannedRepo(build).namespace) }];
}
const checkRecipe = {
    key: 'build',
    title: () => "Check the repository's slurm recipe",
    plan: planCheck$1,
    skip: ({ build }) => (build.request.repo.kind === 'bundled' ? build : undefined),
    run: async ({ build, spack, repo }) => ({
        ...build,
        request: await fitRequestToRepo(build.request, spack.runner, repo, build.work.scratch)
    })
};

/**
 * Restore Spack's index of its builtin packages, so that no job spends a minute re-reading 8,500 recipes, and with it
 * the runner's compilers as Spack found them, so that no warm job runs `spack compiler find`.
 */
const restorePackageIndex = {
    key: 'index',
    title: () => "Restore Spack's package index",
    plan: build => keepsSpackState(build.request)
        ? [
            {
                note: "restore Spack's index of the builtin packages, and the runner's compilers it found, from the Actions cache"
            }
        ]
        : [],
    skip: ({ build, spack }) => keepsSpackState(build.request)
        ? undefined
        : { cache: repoIndexCacheOf(spack, build.request.cache.keyPrefix), restored: false },
    run: async ({ build, spack }) => {
        const cache = repoIndexCacheOf(spack, build.request.cache.keyPrefix, build.work.detectedCompilers);
        return { cache, restored: await restoreRepoIndex(cache) };
    }
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
 * A directory checked against a git commit without git: its files hashed as git hashes them (blobs, trees, file
 * modes) and the root compared with the tree the commit names. The commit object is kept beside the copy when it is
 * cloned; only the commit id it must hash to comes from the action's pins, so nothing on the runner can vouch for a
 * copy it changed: a file edited, added or removed anywhere changes the root.
 *
 * Git's object ids: a blob is sha1("blob <size>\0<bytes>"); a tree sha1("tree <size>\0" + for each entry, sorted by
 * name with a directory's name compared as if it ended in "/": "<mode> <name>\0<20-byte id>"), where the mode is
 * 100644, 100755 (owner may execute), 120000 (symbolic link, whose blob is the link's target) or 40000 (tree); empty
 * directories are not in a tree. A commit is sha1("commit <size>\0<text>"), its text starting "tree <id>".
 */
function objectId(kind, body) {
    return createHash('sha1').update(`${kind} ${body.length}\0`).update(body).digest('hex');
}
/** The tree a commit object names, when the object is that commit (it hashes to `commit`); otherwise undefined. */
function treeOfCommit(commit, object) {
    if (objectId('commit', Buffer.from(object, 'utf8')) !== commit)
        return undefined;
    return /^tree ([0-9a-f]{40})\n/.exec(object)?.[1];
}
/** Git's order of a tree's entries: by name, a directory's as if it ended in "/". */
function gitOrder(a, b) {
    const key = (entry) => Buffer.from(entry.mode === '40000' ? `${entry.name}/` : entry.name);
    return Buffer.compare(key(a), key(b));
}
/**
 * The git tree id of `dir` and of every directory below it (relative path -> id, `''` for the root). A directory
 * that holds nothing git would record has no id, as git records no empty tree.
 */
function treeIds(dir, options = {}) {
    const ids = new Map();
    const walk = (relative) => {
        const entries = [];
        for (const name of readdirSync(path$1.join(dir, relative))) {
            const child = relative ? `${relative}/${name}` : name;
            const full = path$1.join(dir, child);
            const stat = lstatSync(full);
            if (options.ignore?.(child, stat.isDirectory()))
                continue;
            if (stat.isDirectory()) {
                const id = walk(child);
                if (id)
                    entries.push({ name, mode: '40000', id });
            }
            else if (stat.isSymbolicLink()) {
                entries.push({ name, mode: '120000', id: objectId('blob', Buffer.from(readlinkSync(full))) });
            }
            else if (stat.isFile()) {
                const mode = stat.mode & 0o100 ? '100755' : '100644';
                entries.push({ name, mode, id: objectId('blob', readFileSync(full)) });
            }
        }
        if (entries.length === 0)
            return undefined;
        const body = Buffer.concat(entries
            .sort(gitOrder)
            .flatMap(entry => [Buffer.from(`${entry.mode} ${entry.name}\0`), Buffer.from(entry.id, 'hex')]));
        const id = objectId('tree', body);
        ids.set(relative, id);
        return id;
    };
    walk('');
    return ids;
}
/** `git ls-tree -r -t --full-tree HEAD` output as a listing. */
function parseListing(text) {
    const listing = new Map();
    for (const line of text.split('\n')) {
        const match = /^\d+ (?:blob|tree|commit) ([0-9a-f]{40})\t(.+)$/.exec(line);
        if (match)
            listing.set(match[2], match[1]);
    }
    return listing;
}
/**
 * What differs between the directory (its tree ids, and the ids of its files) and the listing recorded at the clone:
 * the shallowest paths that changed, were added or were removed, for a message. Empty when they agree.
 */
function differences(dir, listing, options = {}, limit = 5) {
    const found = [];
    const walk = (relative) => {
        const names = new Set(readdirSync(path$1.join(dir, relative)));
        const prefix = relative ? `${relative}/` : '';
        for (const [recorded] of listing)
            if (recorded.startsWith(prefix) && !recorded.slice(prefix.length).includes('/'))
                names.add(recorded.slice(prefix.length));
        for (const name of [...names].sort()) {
            if (found.length >= limit)
                return;
            const child = `${prefix}${name}`;
            const full = path$1.join(dir, child);
            let stat;
            try {
                stat = lstatSync(full);
            }
            catch {
                found.push(`${child} removed`);
                continue;
            }
            if (options.ignore?.(child, stat.isDirectory()))
                continue;
            const expected = listing.get(child);
            const ignore = (inner, isDir) => options.ignore?.(`${child}/${inner}`, isDir) ?? false;
            if (expected === undefined) {
                // A directory holding nothing git would record (only what is ignored) is not there for git either.
                if (!stat.isDirectory() || treeIds(full, { ignore }).has(''))
                    found.push(`${child} added`);
                continue;
            }
            if (stat.isDirectory()) {
                if (treeIds(full, { ignore }).get('') === expected)
                    continue;
                const before = found.length;
                walk(child);
                if (found.length === before)
                    found.push(`${child}/ changed (a file's mode)`);
            }
            else {
                const data = stat.isSymbolicLink() ? Buffer.from(readlinkSync(full)) : readFileSync(full);
                if (objectId('blob', data) !== expected)
                    found.push(`${child} changed`);
            }
        }
    };
    walk('');
    return found;
}

/**
 * Verified copies of Spack and of its builtin packages in the runner's tool cache. A copy is used only when its files
 * still are the commit its tag is pinned to: hashed as git hashes them and compared with the tree of that commit,
 * whose commit object was recorded at the clone (src/spack/tree-hash.ts), so a file changed, added or removed in the
 * tool cache after it was cached (a self-hosted runner keeps it between jobs) is caught before anything runs. Python
 * byte code is kept out of the copy (PYTHONPYCACHEPREFIX, src/spack/provision.ts) and out of the comparison. A copy
 * that does not verify is cloned again (shallowly, checked against the pin, and cached for the next job, or kept under
 * RUNNER_TEMP when the runner has no tool cache); offline, it fails naming the tree.
 */
/** Tool-cache names; prefixed so that no other action's `spack` entry is taken for ours. */
const SPACK_TOOL = 'slurm-factory-spack';
const PACKAGES_TOOL = 'slurm-factory-spack-packages';
/** Written into every verified copy; a cached copy without it, or with another commit, is not used. */
const PROVENANCE_FILE = '.slurm-factory-provenance.json';
/** The copy's listing at the clone (`git ls-tree -r -t`): names what differs when a copy does not verify. */
const LISTING_FILE = '.slurm-factory-listing.txt';
/**
 * What the comparison leaves out: the action's own records, and byte code Python wrote beside sources after the clone
 * (a `__pycache__` directory the commit does not hold; Python never reads one, PYTHONPYCACHEPREFIX sends it elsewhere).
 */
function notPartOfTheCommit(listing) {
    return (relative, isDirectory) => {
        if (relative === PROVENANCE_FILE || relative === LISTING_FILE)
            return true;
        return isDirectory && path$1.basename(relative) === '__pycache__' && !listing.has(relative);
    };
}
/** Why the copy in `dir` is not the commit `commit`, or undefined when it is (its files are that commit's tree). */
function verifyCopy(dir, commit) {
    const provenance = readProvenance(dir);
    if (!provenance)
        return 'has no record of the commit it was cloned at';
    if (provenance.commit !== commit)
        return `is at ${provenance.commit ?? 'an unrecorded commit'}, not ${commit}`;
    if (!provenance.commitObject)
        return 'was cached without the commit object its files are checked against';
    const tree = treeOfCommit(commit, provenance.commitObject);
    if (!tree)
        return `holds a commit object that is not ${commit}`;
    const listing = existsSync(path$1.join(dir, LISTING_FILE))
        ? parseListing(readFileSync(path$1.join(dir, LISTING_FILE), 'utf8'))
        : new Map();
    const ignore = notPartOfTheCommit(listing);
    if (treeIds(dir, { ignore }).get('') === tree)
        return undefined;
    const changed = differences(dir, listing, { ignore });
    return `does not match commit ${commit}, its files were changed after it was cached${changed.length ? ` (${changed.join(', ')})` : ''}`;
}
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
function readProvenance(dir) {
    try {
        return JSON.parse(readFileSync(path$1.join(dir, PROVENANCE_FILE), 'utf8'));
    }
    catch {
        return undefined;
    }
}
/** Where a fresh clone of `tag` goes before it is verified and cached. */
function stagingDir(runnerTemp, tool, tag) {
    return path$1.join(workDirs(runnerTemp).staging, `${tool}-${toolVersion(tag)}`);
}
/** The tool cache's copy of `request` when it verifies; otherwise why it was refused (undefined when there is none). */
function cachedCopy(request, version) {
    if (!process.env.RUNNER_TOOL_CACHE) {
        warning('RUNNER_TOOL_CACHE is not set: the copy is kept in RUNNER_TEMP for this job only');
        return {};
    }
    const cached = find(request.tool, version);
    if (!cached)
        return {};
    const problem = verifyCopy(cached, request.commit);
    if (!problem) {
        info(`${request.repository} ${request.tag} (${request.commit}) found in the tool cache and verified: ${cached}`);
        return { path: cached };
    }
    const refused = `${request.repository} ${request.tag} in the runner's tool cache (${cached}) ${problem}`;
    if (!request.offline)
        warning(`${refused}; fetching it again`);
    return { refused };
}
/** Records in a verified clone what later jobs check it against, then drops its git directory. */
async function recordClone(staging, request, commit) {
    const provenance = {
        repository: request.repository,
        url: request.url,
        tag: request.tag,
        commit,
        commitObject: await gitOutput(['cat-file', 'commit', 'HEAD'], staging)
    };
    writeFileSync(path$1.join(staging, LISTING_FILE), await gitOutput(['ls-tree', '-r', '-t', '--full-tree', 'HEAD'], staging));
    rmSync(path$1.join(staging, '.git'), { recursive: true, force: true });
    writeFileSync(path$1.join(staging, PROVENANCE_FILE), `${JSON.stringify(provenance, null, 2)}\n`);
    const unverifiable = verifyCopy(staging, commit);
    if (unverifiable)
        warning(`${request.repository} ${request.tag} as cloned ${unverifiable}: this file system does not keep what git recorded (modes, links), so the copy is cloned again by every job`);
}
/** A verified copy of `tag`: the tool cache's when its files are that commit's, else a fresh clone that is then cached. */
async function provisionTree(request) {
    const version = toolVersion(request.tag);
    const useToolCache = Boolean(process.env.RUNNER_TOOL_CACHE);
    const cached = cachedCopy(request, version);
    if ('path' in cached)
        return { path: cached.path, fromToolCache: true };
    if (request.offline) {
        throw new FatalError(cached.refused
            ? `offline: ${cached.refused}, and it can't be cloned again without network; remove it from the tool cache and run the action once with network on this runner, or give an existing Spack with spack-root`
            : `offline: ${request.repository} ${request.tag} is not in the runner's tool cache and can't be cloned without network; ` +
                'run the action once with network on this runner, or give an existing Spack with spack-root');
    }
    const staging = stagingDir(request.runnerTemp, request.tool, request.tag);
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
    await recordClone(staging, request, commit);
    if (!useToolCache) {
        const kept = path$1.join(workDirs(request.runnerTemp).tools, request.tool, version);
        rmSync(kept, { recursive: true, force: true });
        mkdirSync(path$1.dirname(kept), { recursive: true });
        renameSync(staging, kept);
        return { path: kept, fromToolCache: false };
    }
    const cachedPath = await cacheDir(staging, request.tool, version);
    rmSync(staging, { recursive: true, force: true });
    return { path: cachedPath, fromToolCache: false };
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
        const result = await runProgram(executable, versionArgs(), { silent: true, baseEnv: env });
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
/** The Spack tree to use: the existing one `spack-root` names, or a verified copy of the release. */
async function spackTree(request, sources, options) {
    if (request.root !== undefined)
        return { root: path$1.resolve(request.root), fromToolCache: false };
    const tree = await provisionTree({
        tool: SPACK_TOOL,
        repository: 'Spack',
        url: sources.spack,
        tag: request.version,
        commit: request.commit,
        runnerTemp: options.runnerTemp,
        ...(options.retry ? { retry: options.retry } : {}),
        ...(options.offline ? { offline: true } : {})
    });
    return { root: tree.path, fromToolCache: tree.fromToolCache, verifiedCommit: request.commit };
}
/**
 * The isolated user scope: the builtin packages provisioned for this Spack, and, for a provisioned Spack, an install
 * tree and stages of its own (outside an environment Spack would write into its own tree, the shared tool-cache copy).
 */
function configureUserScope(userScope, stateDir, builtin, existing) {
    if (builtin)
        mergeScopeFile(userScope, 'repos.yaml', 'repos', { builtin: builtin.path });
    if (existing)
        return;
    mergeScopeFile(userScope, 'config.yaml', 'config', {
        install_tree: { root: path$1.join(stateDir, 'opt') },
        source_cache: path$1.join(stateDir, 'source-cache'),
        build_stage: [path$1.join(stateDir, 'stage')]
    });
}
/**
 * Provisions Spack for this job (or checks the existing one `request.root` names), isolates its user state under
 * `options.runnerTemp`, and, unless told not to, puts it on PATH and exports SPACK_ROOT and the isolation variables.
 */
async function provisionSpack(request, options) {
    const sources = { ...DEFAULT_SOURCES, ...(options.sources ?? {}) };
    const existing = request.root !== undefined;
    const stateDir = workDirs(options.runnerTemp).spackState;
    const isolation = isolationEnv(stateDir, !existing);
    prepareState(stateDir, isolation);
    if (process.env.SPACK_DISABLE_LOCAL_CONFIG !== undefined) {
        warning('SPACK_DISABLE_LOCAL_CONFIG is set: Spack ignores the isolated user scope the action configures');
    }
    const { root, fromToolCache, verifiedCommit } = await spackTree(request, sources, options);
    const env = { SPACK_ROOT: root, ...isolation };
    // Python's byte code goes under RUNNER_TEMP, never beside the sources of a verified copy: Python then neither writes
    // into the tool cache nor reads byte code a job may have left there (src/spack/tool-cache.ts). Not exported.
    const byteCode = { PYTHONPYCACHEPREFIX: path$1.join(stateDir, 'pycache') };
    const reported = await spackVersion(root, existing ? env : { ...env, ...byteCode }, existing ? `spack-root ${root}` : `Spack ${request.version} (${root})`);
    if (!existing && toolVersion(request.version) !== reported.version) {
        warning(`Spack ${request.version} reports its version as ${reported.version}`);
    }
    const builtin = await provisionBuiltin(request, root, existing, sources, options);
    configureUserScope(isolation.SPACK_USER_CONFIG_PATH, stateDir, builtin, existing);
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
    const executable = path$1.join(root, 'bin', 'spack');
    const spackEnv = existing && !builtin ? env : { ...env, ...byteCode };
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
        env: spackEnv,
        runner: createSpackRunner(executable, spackEnv)
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

/** Provision Spack: a verified release from the tool cache or a fresh clone, or the runner's own (`spack-root`). */
function planProvision(build) {
    const spack = build.request.spack;
    if (spack.root !== undefined)
        return [{ spack: versionArgs() }];
    const clone = (repository, tool, url, tag, commit) => ({
        program: 'git',
        args: [...GIT_OPTIONS, ...cloneArgs(url, tag, stagingDir(build.runnerTemp, tool, tag))],
        when: [{ id: 'not-in-tool-cache', text: `${repository} ${tag} (${commit}) is not in the runner's tool cache` }]
    });
    const builtin = BUILTIN_PINS[releaseSeries(spack.version)];
    return [
        clone('Spack', SPACK_TOOL, DEFAULT_SOURCES.spack, spack.version, spack.commit),
        ...(builtin
            ? [clone('Spack builtin packages', PACKAGES_TOOL, DEFAULT_SOURCES.packages, builtin.tag, builtin.commit)]
            : []),
        { spack: versionArgs() }
    ];
}
const provision = {
    key: 'spack',
    title: () => 'Provision Spack',
    plan: planProvision,
    run: ({ build }) => provisionSpack(build.request.spack, { runnerTemp: build.runnerTemp, offline: build.request.offline })
};

/**
 * GPG keys for build caches: public keys trusted for reading signed mirrors, and the private key that signs what is
 * pushed. Keys go into Spack's keyring (SPACK_GNUPGHOME, under RUNNER_TEMP) through files that only the runner's
 * user can read, removed once imported; a key is never printed.
 */
/** Where a key waits, readable by the runner's user only, until Spack has imported it. */
function keyFile(scratch, kind) {
    return path$1.join(scratch, kind === 'public keys' ? 'buildcache-keys.asc' : 'signing-key.asc');
}
async function trustFile(spack, file, key) {
    mkdirSync(path$1.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, key, { mode: 0o600 });
    try {
        await spack.run(gpgTrustArgs(file), { silent: true });
    }
    finally {
        rmSync(file, { force: true });
    }
}
async function trustPublicKeys(spack, keys, scratch) {
    await trustFile(spack, keyFile(scratch, 'public keys'), keys);
}
async function importSigningKey(spack, key, scratch) {
    await trustFile(spack, keyFile(scratch, 'signing key'), key);
}

/** Push what was built to the `buildcache-push` mirror, signed with `signing-key` unless `unsigned`. */
function planPush(build) {
    const { buildcache } = build.request;
    if (!buildcache.push)
        return [];
    const key = keyFile(build.work.scratch, 'signing key');
    return [
        ...(buildcache.signingKey ? [{ writes: key }, { spack: gpgTrustArgs(key) }] : []),
        { spack: pushArgs(environmentDir(build), PUSH_MIRROR, buildcache.unsigned, only(build)) }
    ];
}
const pushToMirror = {
    key: 'pushed',
    title: build => `Push to ${build.request.buildcache.push}`,
    plan: planPush,
    skip: ({ build }) => (build.request.buildcache.push ? undefined : {}),
    run: async ({ build, spack, environment }) => {
        const { buildcache } = build.request;
        const runner = withCredentials(spack.runner, build.request);
        if (buildcache.signingKey)
            await importSigningKey(runner, buildcache.signingKey, build.work.scratch);
        await runner.run(pushArgs(environment.envDir, PUSH_MIRROR, buildcache.unsigned, only(build)), {
            group: `spack buildcache push ${buildcache.push}`
        });
        return { mirror: buildcache.push };
    }
};

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
    const result = await spack.run(hostTargetArgs(), { silent: true });
    const check = checkTarget(requested, result.stdout.trim());
    if (!check.ok)
        throw new Error(check.message);
    return check;
}
/** Plan mode runs no Spack: on x86-64 it reads the CPU's level from /proc/cpuinfo, as archspec would. */
function planTargetCheck(target, cpuinfoFile = '/proc/cpuinfo') {
    if (!existsSync(cpuinfoFile) || !targetLineage(target).has('x86_64')) {
        return `${target}: checked against the runner's CPU by Spack before concretizing`;
    }
    const check = checkTarget(target, x86Level(cpuFlags(readFileSync(cpuinfoFile, 'utf8'))));
    return `${check.ok ? 'passes' : 'fails'}: ${check.message} (from /proc/cpuinfo; Spack checks again before concretizing)`;
}

/** Check the runner before concretizing: can it run the target, and (offline) can Spack import clingo? */
function planCheck(build) {
    return [{ spack: hostTargetArgs() }, ...(build.request.offline ? [{ spack: clingoArgs() }] : [])];
}
const checkRunner = {
    key: 'runner',
    title: () => 'Check the runner',
    plan: planCheck,
    run: async ({ build, spack }) => {
        // Neither check reaches a mirror: no credentials (src/build.ts withCredentials).
        const runner = spack.runner;
        const target = await checkHostTarget(runner, build.request.target);
        info(target.message);
        if (!build.request.offline)
            return { target };
        const clingo = await checkClingo(runner);
        info(`offline: Spack imports clingo ${clingo}`);
        return { target, clingo };
    }
};

const trustBuildCacheKeys = {
    key: 'trusted',
    title: () => "Trust the build caches' public keys",
    grouped: false,
    plan: build => {
        if (!build.request.buildcache.trustedKeys)
            return [];
        const file = keyFile(build.work.scratch, 'public keys');
        return [{ writes: file }, { spack: gpgTrustArgs(file) }];
    },
    skip: ({ build }) => (build.request.buildcache.trustedKeys ? undefined : { keys: false }),
    run: async ({ build, spack }) => {
        const keys = build.request.buildcache.trustedKeys;
        // Keys go into the local keyring: no mirror is reached, no credentials given.
        await trustPublicKeys(spack.runner, keys, build.work.scratch);
        return { keys: true };
    }
};

/** Upload the tarball as a workflow artifact (a re-run of the job replaces the earlier attempt's). */
const uploadArtifact = {
    key: 'upload',
    title: () => 'Upload the artifact',
    plan: build => {
        if (!build.request.artifact.upload)
            return [];
        const name = plannedArtifactName(build);
        return [
            { note: `upload ${tarballName(name, build.request.artifact.compression)} as the workflow artifact ${name}` }
        ];
    },
    skip: ({ build }) => (build.request.artifact.upload ? undefined : { uploaded: false }),
    run: async ({ build, artifact }) => ({
        uploaded: true,
        ...(await uploadTarball(artifact.name, artifact.tarball.path, build.request.artifact.retentionDays))
    }),
    outputs: upload => ({ [OUTPUTS.artifactId]: upload.id === undefined ? undefined : String(upload.id) })
};

/**
 * The pipeline a build walks: a list of phases, each a function from the results so far to its own result, run one
 * after the other in a log group of their own and timed for the job summary. Plan mode walks the very same list and
 * asks each phase what it would do instead: the commands it would run, as argument arrays, and the files it would
 * write. A phase's plan is made from the same functions as its run, so a dry run cannot drift from a real one.
 */
/** What a run went through: the time of each phase and the results as far as it got (also when it failed). */
class Progress {
    results;
    times = [];
    constructor(results) {
        this.results = results;
    }
    /** Runs `body` in a log group named `name` and records how long it took and whether it succeeded. */
    async timed(name, body) {
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
class Pipeline {
    phases;
    constructor(phases) {
        this.phases = phases;
    }
    static start() {
        return new Pipeline([]);
    }
    /** The pipeline followed by `phase`, which reads everything before it. */
    then(phase) {
        return new Pipeline([...this.phases, phase]);
    }
    /** Runs every phase in order; `progress.results` holds what was done when a phase throws. */
    async run(progress) {
        for (const phase of this.phases) {
            const input = progress.results;
            const skipped = phase.skip?.(input);
            const value = skipped ??
                (phase.grouped === false
                    ? await phase.run(input)
                    : await progress.timed(phase.title(input.build), () => phase.run(input)));
            progress.results = { ...progress.results, [phase.key]: value };
            for (const [name, output] of Object.entries(phase.outputs?.(value) ?? {}))
                if (output !== undefined)
                    setOutput(name, output);
        }
        return progress.results;
    }
    /** What each phase would do for `build`; phases that would do nothing are left out. */
    plan(build) {
        return this.phases
            .map(phase => ({ title: phase.title(build), steps: phase.plan(build) }))
            .filter(planned => planned.steps.length > 0);
    }
}

/**
 * The job summary: written when the runner offers one (GITHUB_STEP_SUMMARY), skipped with a note otherwise. A build's
 * summary is made from the phases' results, as far as the run got.
 */
/** Builds the summary with `fill` and writes it; a runner without a summary file gets a debug note instead. */
async function writeSummary(fill) {
    const file = process.env.GITHUB_STEP_SUMMARY;
    if (!file) {
        debug('GITHUB_STEP_SUMMARY is not set: no job summary written');
        return;
    }
    // Appended here rather than by summary.write(), which keeps the first file it was given for the process's life.
    // The last safety net for secrets: whatever a row holds (an error message, a URL), no known secret and no URL
    // credentials reach the summary, which the runner does not mask.
    const text = redact(fill(summary.emptyBuffer()).stringify());
    summary.emptyBuffer();
    mkdirSync(path$1.dirname(file), { recursive: true });
    appendFileSync(file, text, 'utf8');
}
function installedNames(reports) {
    return {
        built: reports.flatMap(r => r.built.map(pkg => pkg.name)),
        extracted: reports.flatMap(r => r.extracted.map(pkg => pkg.name))
    };
}
/** What a build reports, from the results of the phases that ran and the error that stopped it, if one did. */
function runReport(results, phases, error) {
    const { build, cache, compiler, install, slurm, artifact, upload } = results;
    // A failed Slurm install still tells what it built and extracted before failing.
    const slurmInstall = install ?? (compiler && error instanceof InstallError ? error.report : undefined);
    const audit = artifact?.audit ?? (error instanceof AuditError ? error.report : undefined);
    return {
        phases,
        spec: slurmSpec(build.request, build.gccVersion),
        compiler: `gcc@${build.gccVersion}`,
        target: build.request.target,
        ...(cache ? { cacheHit: describeHit(install?.cacheHit ?? cache.hit, cache) } : {}),
        ...(slurmInstall ? installedNames([...(compiler?.report ? [compiler.report] : []), slurmInstall]) : {}),
        ...(install?.servedBy && Object.keys(install.servedBy).length ? { servedBy: install.servedBy } : {}),
        ...(slurm ? { slurmVersion: slurm.root.version } : {}),
        ...(audit ? { audit } : {}),
        ...(artifact
            ? {
                artifact: {
                    name: artifact.name,
                    size: artifact.tarball.size,
                    sha256: artifact.tarball.sha256,
                    uploaded: upload?.uploaded ?? false,
                    ...(upload?.id !== undefined ? { id: upload.id } : {})
                }
            }
            : {}),
        ...(error !== undefined ? { error: error instanceof Error ? error.message : String(error) } : {}),
        ...(error instanceof InstallError
            ? {
                failure: {
                    packageName: error.failure.packageName,
                    ...(error.failure.check ? { check: error.failure.check } : {})
                }
            }
            : {})
    };
}
function escapeHtml(text) {
    return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
/** The build cache row: the hit, the key restored (or the installed tree's), and a damaged entry this job replaces. */
function describeHit(hit, cache) {
    const rebuilt = cache.hit === 'exact' && hit !== 'exact' ? ', some packages in it were damaged and built again' : '';
    if (hit === 'remote')
        return 'remote (nothing built: remote build caches served what the Actions cache did not hold)';
    const tree = cache.installedTree ? ', the installed tree' : '';
    if (cache.restoredKey)
        return `${hit} (${cache.restoredKey}${tree}${rebuilt})`;
    if (cache.damagedKey)
        return `${hit} (${cache.damagedKey} could not be restored: this job saves a fresh one)`;
    return hit;
}
function megabytes(bytes) {
    return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
/** The longest failure line the summary's result row shows whole. */
const RESULT_CHARACTERS = 500;
/** The rows of the summary table, as text; a pure function of the report. */
function summaryRows(report) {
    const rows = [
        [
            'result',
            report.error ? `failed: ${shortened(report.error.split('\n')[0], RESULT_CHARACTERS)}` : 'success'
        ]
    ];
    if (report.failure?.check)
        rows.push([
            `why ${report.failure.packageName} failed`,
            `config.log, the failing check:<pre>${escapeHtml(report.failure.check.join('\n'))}</pre>`
        ]);
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
    if (report.servedBy)
        rows.push([
            'served by',
            Object.entries(report.servedBy)
                .map(([mirror, count]) => `${mirror}: ${count}`)
                .join(', ')
        ]);
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
 * Plan mode (`dry-run: true`): what a build would do, shown without doing it. Each phase of the very pipeline a build
 * runs says what it would do (its commands as argument arrays, the files it would write); this module only shows
 * that: the resolved request, the root spec, the rendered environment (written under RUNNER_TEMP so that it can be
 * tried by hand) and the steps in order, in a log group and in the job summary.
 */
function planOf(build, phases) {
    return {
        build,
        spec: slurmSpec(build.request, build.gccVersion),
        phases,
        targetCheck: planTargetCheck(build.request.target)
    };
}
/** The `spack` a plan shows: the existing one, or the one the action provisions (from the tool cache). */
function spackProgram(request) {
    return request.spack.root !== undefined ? path$1.join(request.spack.root, 'bin', 'spack') : 'spack';
}
function stepLine(step, spack) {
    const when = step.when?.length ? `   # when ${step.when.map(condition => condition.text).join(' and ')}` : '';
    if ('spack' in step)
        return displayCommand(spack, step.spack) + when;
    if ('program' in step)
        return displayCommand(step.program, step.args) + when;
    if ('writes' in step)
        return `# writes ${step.writes}${when}`;
    return `# ${step.note}${when}`;
}
/** The plan's steps as lines for people: a heading per phase, then its commands and files. */
function planLines(plan) {
    const spack = spackProgram(plan.build.request);
    return plan.phases.flatMap(phase => [`# ${phase.title}:`, ...phase.steps.map(step => stepLine(step, spack))]);
}
/** The spack.yaml the plan writes: the one file of the plan whose content is known and that is written whatever happens. */
function environmentFile(plan) {
    for (const step of plan.phases.flatMap(phase => phase.steps))
        if ('writes' in step && step.content !== undefined && !step.when?.length)
            return { path: step.writes, content: step.content };
    return undefined;
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
            request.spack.root !== undefined
                ? `${request.spack.root} (existing)`
                : `${request.spack.version} (${request.spack.commit})`
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
/** Prints the plan in a log group and the job summary, and writes the environment's spack.yaml. */
async function showPlan(plan) {
    const env = environmentFile(plan);
    if (env) {
        mkdirSync(path$1.dirname(env.path), { recursive: true });
        writeFileSync(env.path, env.content);
    }
    const lines = planLines(plan);
    const rows = requestRows(plan.build.request);
    // Everything shown comes from the inputs, the site's spack-config among them: echoed verbatim, commands paused.
    await group('Plan (dry-run: nothing is built)', async () => {
        logVerbatim([
            ...rows.map(([name, value]) => `${name}: ${value}`),
            `\nspec: ${plan.spec}`,
            `target check: ${plan.targetCheck}`,
            ...(env
                ? [`\nenvironment: ${env.path} (try it: spack -e ${path$1.dirname(env.path)} concretize)\n${env.content}`]
                : []),
            `commands:\n${lines.join('\n')}`
        ].join('\n'));
    });
    await writeSummary(summary => summary
        .addHeading('Slurm Factory: plan (dry-run)', 2)
        .addTable([
        [
            { data: 'input', header: true },
            { data: 'resolved', header: true }
        ],
        ...rows
    ])
        .addRaw(`\n\n**Spec:** \`${plan.spec}\`\n\n**Target check:** ${plan.targetCheck}\n\n`)
        .addDetails('spack.yaml', `\n\n\`\`\`yaml\n${env?.content ?? ''}\`\`\`\n\n`)
        .addCodeBlock(lines.join('\n'), 'sh'));
}

/**
 * The action's main step, as the list of its phases. Each phase is a module of src/phases/ exporting one function
 * from the results so far to its own; plan mode (`dry-run: true`) asks the same list what it would do.
 */
/** What every build does before its install: the build caches, Spack, the recipe, the runner, the environment. */
const PREPARE = Pipeline.start()
    .then(checkBuildCaches)
    .then(provision)
    .then(restorePackageIndex)
    .then(registerRepository)
    .then(checkRecipe)
    .then(checkRunner)
    .then(renderEnvironment)
    .then(restoreBuildCache)
    .then(trustBuildCacheKeys)
    .then(buildCompiler);
const BUILD = PREPARE.then(installSlurm)
    .then(pushToMirror)
    .then(readInstalled)
    .then(packageArtifact)
    .then(uploadArtifact);
/** A dependencies job (`stage: dependencies`): the same phases up to the install, which leaves Slurm out; no artifact. */
const DEPENDENCIES = PREPARE.then(installDependencies).then(pushToMirror).then(dependenciesInstalled);
function pipelineOf(build) {
    return build.request.stage === 'dependencies' ? DEPENDENCIES : BUILD;
}
/** What plan mode shows: the main step's phases, then the post step. */
function planBuild(build) {
    return planOf(build, [...pipelineOf(build).plan(build), planPost(build)].filter(phase => phase.steps.length > 0));
}
/** The step's failure message: no secret, no URL credentials, and not longer than a log can show. */
function failureMessage(error) {
    return shortened(redact(error instanceof Error ? error.message : String(error)), 20_000);
}
async function run() {
    let progress;
    let failure;
    try {
        const request = readInputs();
        useCachePolicy(CacheBudget.forMain());
        if (request.collect)
            return await writeCollectSummary(request.collect, process.env.GITHUB_STEP_SUMMARY);
        if (request.matrix)
            return await writeMatrixPlan(request.matrix, process.env.GITHUB_STEP_SUMMARY);
        const build = await resolveBuild(request);
        if (request.dryRun)
            return await showPlan(planBuild(build));
        progress = new Progress({ build });
        await pipelineOf(build).run(progress);
    }
    catch (error) {
        failure = error;
        setFailed(failureMessage(error));
    }
    finally {
        if (progress?.times.length)
            await writeRunSummary(runReport(progress.results, progress.times, failure));
    }
}

// The action's main step. It exits as soon as the phases are done: a cache or artifact service that stopped
// answering must not keep the job waiting on an open connection.
await run();
process.exit();
