import { r as runProgram, g as group, d as debug, s as summary, l as layoutUnder, e as environmentYaml, a as displayCommand, L as LOCAL_MIRROR, p as pushArgs, P as PUSH_MIRROR, b as slurmSpec, c as distExports, f as repoAddArgs, h as concretizeArgs, i as installArgs, j as info, k as render, m as lastLines, n as error, o as semverExports, q as cp, t as rmRF, u as mkdirP, w as warning, C as CommandError, S as SPACK_PINS, v as addPath, x as exportVariable, y as createSpackRunner, z as readLock, A as readInputs, B as cacheKeys, D as restoreBuildCache, E as savePostState, F as setOutput, G as adoptCachedLock, H as setFailed } from './state.js';
import path$1 from 'node:path';
import { existsSync, readFileSync, mkdirSync, closeSync, openSync, writeFileSync, rmSync, chmodSync, renameSync, statSync, readdirSync, readlinkSync } from 'node:fs';
import { machine } from 'node:os';
import 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import 'child_process';
import * as path from 'path';
import 'stream';
import 'util';
import { ok } from 'assert';
import { createHash } from 'node:crypto';
import 'url';
import 'node:stream';
import 'buffer';
import 'node:util';
import 'node:process';
import 'node:http';
import 'node:https';
import 'node:zlib';
import 'events';
import 'node:buffer';
import 'net';
import 'tls';
import 'tty';
import 'http';
import 'https';
import 'process';
import 'node:assert';
import 'node:net';
import 'node:querystring';
import 'node:events';
import 'node:diagnostics_channel';
import 'node:tls';
import 'node:perf_hooks';
import 'node:util/types';
import 'node:worker_threads';
import 'node:url';
import 'node:async_hooks';
import 'node:console';
import 'node:dns';
import 'string_decoder';
import 'timers';

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
/** `ID-VERSION_ID` from an os-release document, for example `ubuntu-24.04` or `debian-12`. */
function osFromRelease(text) {
    const field = (name) => {
        const match = new RegExp(`^${name}=(.*)$`, 'm').exec(text);
        return match ? match[1].trim().replace(/^"(.*)"$/, '$1') : '';
    };
    return [field('ID') || 'linux', field('VERSION_ID') || 'unknown'].join('-');
}
function hostOs(file = '/etc/os-release') {
    return osFromRelease(existsSync(file) ? readFileSync(file, 'utf8') : '');
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
    return { request, gccVersion, spec: slurmSpec(request, gccVersion), layout, environment, commands };
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
        ['modules', request.modules]
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
        .addRaw(`\n\n**Spec:** \`${plan.spec}\`\n\n`)
        .addDetails('spack.yaml', `\n\n\`\`\`yaml\n${plan.environment}\`\`\`\n\n`)
        .addCodeBlock(plan.commands.join('\n'), 'sh'));
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
        packageName: 'unknown',
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
    return externals
        .map(external => /^gcc@=?([\d.]+)/.exec(external.spec ?? '')?.[1])
        .filter((v) => Boolean(v));
}
async function prepareEnvironment(spack, request, gccVersion, repo, layout) {
    await spack.run(['compiler', 'find', '--scope', 'user'], { silent: true });
    const userConfig = spack.env.SPACK_USER_CONFIG_PATH;
    const detected = userConfig ? detectedCompilers(userConfig) : {};
    const foundGcc = gccVersions(detected);
    info(`GCC found by Spack: ${foundGcc.join(', ') || 'none'}`);
    if (!foundGcc.includes(gccVersion)) {
        info(`gcc@${gccVersion} is not on this runner: Spack builds it first with the runner's compiler (it is cached like any package)`);
    }
    const environment = environmentYaml({
        request,
        gccVersion,
        repoPath: repo.path,
        repoNamespace: repo.namespace,
        layout,
        detected
    });
    mkdirSync(layout.envDir, { recursive: true });
    writeFileSync(path$1.join(layout.envDir, 'spack.yaml'), environment);
    info(environment);
    return { envDir: layout.envDir, environment, foundGcc };
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
            ...(options.retry ? { retry: options.retry } : {})
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
        ...(options.retry ? { retry: options.retry } : {})
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
    try {
        const request = readInputs();
        const gccVersion = await resolveGccVersion(request.compiler);
        const temp = runnerTemp();
        const plan = buildPlan(request, gccVersion, temp);
        if (request.dryRun)
            return await showPlan(plan);
        const phases = new Phases();
        const { layout } = plan;
        const spack = await phases.run('Provision Spack', () => provisionSpack(request.spack, { runnerTemp: temp }));
        const repo = await phases.run('Register the package repository', () => registerRepo(request.repo, spack.runner, { runnerTemp: temp }));
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
            environment: env.environment
        });
        const paths = { mirror: layout.localMirror, state: path$1.join(path$1.dirname(layout.envDir), 'cache-state') };
        const state = {
            cacheEnabled: request.cache.enabled,
            primaryKey: keys.primary,
            paths,
            envDir: env.envDir,
            environment: env.environment,
            spack: { executable: spack.executable, env: spack.env },
            complete: false
        };
        const restored = request.cache.enabled
            ? await phases.run('Restore the build cache', () => restoreBuildCache(keys, paths))
            : { hit: 'none' };
        savePostState({ ...state, ...(restored.restoredKey ? { restoredKey: restored.restoredKey } : {}) });
        setOutput('cache-hit', restored.hit);
        const lockAdopted = restored.hit !== 'none' && adoptCachedLock(paths, env.envDir, env.environment);
        await phases.run('Install Slurm', async () => {
            if (!lockAdopted)
                await concretize(spack.runner, env.envDir);
            else
                info('Using the cached spack.lock made from this spack.yaml: nothing to concretize');
            return install(spack.runner, env.envDir, request.jobs);
        });
        const build = await readBuild(spack.runner, env.envDir);
        setOutput('slurm-version', build.root.version);
        setOutput('spec-hash', build.root.hash);
        setOutput('prefix', build.prefix);
        savePostState({ ...state, ...(restored.restoredKey ? { restoredKey: restored.restoredKey } : {}), complete: true });
        notImplemented('package the artifact');
    }
    catch (error) {
        setFailed(error instanceof Error ? error.message : String(error));
    }
}
function runnerTemp() {
    const dir = process.env.RUNNER_TEMP;
    if (!dir)
        throw new Error('RUNNER_TEMP is not set: the action must run on a GitHub Actions runner (or under `npm run local`)');
    return dir;
}
function notImplemented(phase) {
    throw new Error(`${phase}: not implemented yet in this version of the action; use dry-run: true to see the plan`);
}

// The action's main step.
await run();
