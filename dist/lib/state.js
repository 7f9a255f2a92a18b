import { a as warning, i as info, g as group, k as exec, l as saveState, n as getState } from './core.js';
import { mkdirSync, existsSync, readFileSync, copyFileSync, writeFileSync, utimesSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { r as render, d as distExports, m as mergeConfig } from './inputs.js';

/**
 * Build-cache keys, computed before concretizing from everything that decides the concretization. Pure.
 *
 * primary:  <prefix>-<os>-<arch>-spack<commit>-gcc<version>-<target>-<fingerprint>
 * partial:  <primary>-partial-<run id>-<attempt>   (saved by a failed or incomplete build)
 * restore:  <primary>-partial-, then <prefix>-<os>-<arch>-spack<commit>-gcc<version>-<target>-
 *
 * The fallback prefix leaves out the fingerprint, so a matrix cell that only changes Slurm's version or variants
 * restores the newest cache of the same OS, architecture, Spack, compiler and target, and reuses every dependency.
 */
/** Characters a key part may hold; anything else becomes `_` so keys stay readable and valid. */
function part(value) {
    return value.replace(/[^A-Za-z0-9._]/g, '_');
}
function fingerprint(inputs) {
    const hash = createHash('sha256');
    for (const value of [
        inputs.os,
        inputs.arch,
        inputs.spackCommit,
        inputs.builtinCommit,
        inputs.repoHash,
        inputs.environment
    ]) {
        hash.update(`${value.length}:${value}\n`);
    }
    return hash.digest('hex').slice(0, 20);
}
function cacheKeys(inputs) {
    const family = [
        inputs.prefix,
        part(inputs.os),
        part(inputs.arch),
        `spack${inputs.spackCommit.slice(0, 12)}`,
        `gcc${part(inputs.gccVersion)}`,
        part(inputs.target)
    ].join('-');
    const primary = `${family}-${fingerprint(inputs)}`;
    return { primary, restoreKeys: [`${primary}-partial-`, `${family}-`] };
}
function partialKey(primary, runId, attempt) {
    return `${primary}-partial-${part(runId)}-${part(attempt)}`;
}
/** What a restore means for the build: the primary key itself, another key, or nothing. */
function classifyHit(primary, restored) {
    if (restored === undefined)
        return 'none';
    return restored === primary ? 'exact' : 'partial';
}

/**
 * The concretized environment, read from `spack.lock`: the root slurm spec, its hash and its dependencies. Pure
 * parsing plus the check that a cached lock was made from the very spack.yaml about to be used.
 */
function locked(hash, raw, all) {
    const target = typeof raw.arch?.target === 'string' ? raw.arch.target : raw.arch?.target?.name;
    const compilerDep = raw.dependencies?.find(dep => dep.parameters?.virtuals?.includes('c'));
    const compiler = compilerDep?.hash ? all[compilerDep.hash] : undefined;
    return {
        name: raw.name ?? '?',
        version: raw.version ?? '?',
        hash,
        ...(raw.namespace ? { namespace: raw.namespace } : {}),
        external: raw.external !== undefined && raw.external !== null,
        ...(raw.external?.path ? { externalPrefix: raw.external.path } : {}),
        ...(target ? { target } : {}),
        ...(compiler ? { compiler: `${compiler.name}@${compiler.version}` } : {})
    };
}
/** Reads a spack.lock document; fails clearly when it has no slurm root. */
function readLock(text, rootName = 'slurm') {
    const lock = JSON.parse(text);
    const specs = lock.concrete_specs ?? {};
    const rootHash = (lock.roots ?? []).map(root => root.hash).find(hash => hash && specs[hash]?.name === rootName);
    if (!rootHash)
        throw new Error(`spack.lock has no ${rootName} root spec`);
    const dependencies = Object.entries(specs)
        .filter(([hash]) => hash !== rootHash)
        .map(([hash, raw]) => locked(hash, raw, specs))
        .sort((a, b) => a.name.localeCompare(b.name) || a.hash.localeCompare(b.hash));
    return { root: locked(rootHash, specs[rootHash], specs), dependencies };
}
function sha256(text) {
    return createHash('sha256').update(text).digest('hex');
}

/**
 * The GitHub Actions cache client, loaded on first use, and the time limit every restore and save runs under. A cache
 * service that is down, slow or full costs a warning, never a failed build.
 */
/** The cache client, loaded on first use: a run that neither restores nor saves never pays for loading it. */
async function cacheClient() {
    return import('./cache.js');
}
function message(error) {
    return error instanceof Error ? error.message : String(error);
}
/**
 * How long one cache restore or save may take before the build goes on without it. The toolkit's service calls
 * have no time limit of their own; SLURM_FACTORY_CACHE_TIMEOUT_MINS (default 10) sets this one.
 */
function cacheTimeoutMs(env = process.env) {
    const minutes = Number(env.SLURM_FACTORY_CACHE_TIMEOUT_MINS);
    return (Number.isFinite(minutes) && minutes > 0 ? minutes : 10) * 60_000;
}
/** Resolves with `work`'s result, or rejects once `ms` have passed; the timer never keeps the process alive. */
async function withTimeout(work, ms, what) {
    let timer;
    const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`)), ms);
        timer.unref();
    });
    try {
        return await Promise.race([work, timeout]);
    }
    finally {
        clearTimeout(timer);
    }
}

/**
 * The local binary mirror and the environment's lock, kept in the GitHub Actions cache. A cache service that is down,
 * slow or full gives a warning, never a failed build.
 */
function cachedPaths(paths) {
    return [paths.mirror, paths.state];
}
async function restoreBuildCache(keys, paths) {
    mkdirSync(paths.mirror, { recursive: true });
    mkdirSync(paths.state, { recursive: true });
    const cache = await cacheClient();
    if (!cache.isFeatureAvailable()) {
        warning('The GitHub Actions cache is not available on this runner: building without the local build cache');
        return { hit: 'none' };
    }
    try {
        const restoredKey = await withTimeout(cache.restoreCache(cachedPaths(paths), keys.primary, [...keys.restoreKeys]), cacheTimeoutMs(), 'restoring the build cache');
        const hit = classifyHit(keys.primary, restoredKey);
        info(restoredKey ? `Restored build cache ${restoredKey} (${hit})` : `No build cache for ${keys.primary}`);
        return { hit, ...(restoredKey ? { restoredKey } : {}) };
    }
    catch (error) {
        warning(`Restoring the build cache failed, building without it: ${message(error)}`);
        return { hit: 'none' };
    }
}
/** Saves the mirror and the lock under `key`; false (with a warning) when the service refused or failed. */
async function saveBuildCache(key, paths) {
    const cache = await cacheClient();
    if (!cache.isFeatureAvailable()) {
        warning('The GitHub Actions cache is not available on this runner: the build cache was not saved');
        return false;
    }
    try {
        const id = await withTimeout(cache.saveCache(cachedPaths(paths), key), cacheTimeoutMs(), 'saving the build cache');
        if (id === -1) {
            warning(`The build cache was not saved under ${key} (see the messages above)`);
            return false;
        }
        info(`Saved the build cache under ${key}`);
        return true;
    }
    catch (error) {
        warning(`Saving the build cache under ${key} failed: ${message(error)}`);
        return false;
    }
}
/** Where the lock of an environment is kept between runs: named after the environment's directory. */
function keptLock(paths, envDir) {
    const name = path.basename(envDir);
    return {
        lock: path.join(paths.state, `${name}.spack.lock`),
        madeFrom: path.join(paths.state, `${name}.spack.yaml.sha256`)
    };
}
/**
 * Puts the cached lock into the environment when it was made from this very spack.yaml, so that install reuses it
 * and nothing is concretized. A lock made from another spack.yaml is discarded with a warning.
 */
function adoptCachedLock(paths, envDir, environment) {
    const { lock, madeFrom } = keptLock(paths, envDir);
    if (!existsSync(lock))
        return false;
    const recorded = existsSync(madeFrom) ? readFileSync(madeFrom, 'utf8').trim() : '';
    if (recorded !== sha256(environment)) {
        warning(`The cached spack.lock of ${path.basename(envDir)} was made from a different spack.yaml: discarding it and concretizing afresh`);
        return false;
    }
    copyFileSync(lock, path.join(envDir, 'spack.lock'));
    return true;
}
/** Records the environment's lock, and the spack.yaml it was made from, for the next run. */
function keepLock(paths, envDir, environment) {
    const current = path.join(envDir, 'spack.lock');
    if (!existsSync(current))
        return;
    const { lock, madeFrom } = keptLock(paths, envDir);
    mkdirSync(paths.state, { recursive: true });
    copyFileSync(current, lock);
    writeFileSync(madeFrom, `${sha256(environment)}\n`);
}

/**
 * Spack's indexes of the builtin package repository (virtual providers, tags, patches), kept in the GitHub Actions
 * cache. Spack builds them in its user cache by importing every one of the builtin repository's ~8,500 package.py
 * files: over a minute on a 2-core runner, paid by the first command that needs them (`spack compiler find`), and by
 * every job, as the action's user cache lives under RUNNER_TEMP.
 *
 * Spack reuses an index file only when it is newer than every package.py of its repository. A provisioned builtin
 * repository is a fresh checkout (files as new as the job), but it is pinned to a commit that is part of the key:
 * the restored index is known to match, so its files are marked as new. For a builtin repository that Spack's own
 * configuration names (`spack-root`), the key can't pin its content: the files keep their saved times and Spack's
 * own check decides, updating the index for package.py files changed since.
 *
 * Only the builtin repository's files are kept; this project's repository (three packages) is indexed in a moment.
 */
/** The index kinds Spack keeps per repository, each a directory of Spack's misc cache. */
const INDEX_KINDS = ['providers', 'tags', 'patches'];
const short = (value) => part(value).slice(0, 12);
function repoIndexCache(inputs) {
    const builtin = inputs.builtinCommit
        ? `builtin${short(inputs.builtinCommit)}`
        : `site${createHash('sha256').update(inputs.spackRoot).digest('hex').slice(0, 12)}`;
    return {
        key: `${inputs.keyPrefix}-spack-index-spack${short(inputs.spack)}-${builtin}`,
        patterns: INDEX_KINDS.map(kind => path.join(inputs.miscCache, kind, 'builtin-*index.json')),
        pinned: inputs.builtinCommit !== undefined
    };
}
/**
 * The index cache of a provisioned (or site) Spack: its misc cache is `cache/` under SPACK_USER_CACHE_PATH, which the
 * action always sets, or under Spack's default `~/.spack`.
 */
function repoIndexCacheOf(spack, keyPrefix) {
    return repoIndexCache({
        keyPrefix,
        miscCache: path.join(spack.env.SPACK_USER_CACHE_PATH ?? path.join(homedir(), '.spack'), 'cache'),
        spack: spack.commit ?? spack.version,
        ...(spack.builtin ? { builtinCommit: spack.builtin.commit } : {}),
        spackRoot: spack.root
    });
}
/** The index files present now (what a save would store). */
function indexFiles(cache) {
    const files = [];
    for (const pattern of cache.patterns) {
        const dir = path.dirname(pattern);
        if (!existsSync(dir))
            continue;
        for (const name of readdirSync(dir))
            if (/^builtin-.*index\.json$/.test(name))
                files.push(path.join(dir, name));
    }
    return files;
}
/**
 * Restores the index for this Spack and builtin repository. True on a hit (then, when pinned, its files are marked
 * as new so that Spack reads them instead of rebuilding). A failing service only warns.
 */
async function restoreRepoIndex(cache) {
    const client = await cacheClient();
    if (!client.isFeatureAvailable())
        return false;
    try {
        const restored = await withTimeout(client.restoreCache([...cache.patterns], cache.key), cacheTimeoutMs(), "restoring Spack's package index");
        if (!restored) {
            info(`No cached package index ${cache.key}: Spack indexes the builtin packages (about a minute)`);
            return false;
        }
        const files = indexFiles(cache);
        if (cache.pinned) {
            const now = new Date();
            for (const file of files)
                utimesSync(file, now, now);
        }
        info(`Restored Spack's package index ${restored} (${files.length} files)`);
        return files.length > 0;
    }
    catch (error) {
        warning(`Restoring Spack's package index failed, Spack rebuilds it: ${message(error)}`);
        return false;
    }
}
/** Saves the index Spack built in this job; nothing when it was restored or never built. A failure only warns. */
async function saveRepoIndex(cache) {
    if (indexFiles(cache).length === 0) {
        info('Spack built no package index in this job: nothing to save');
        return false;
    }
    const client = await cacheClient();
    if (!client.isFeatureAvailable())
        return false;
    try {
        const id = await withTimeout(client.saveCache([...cache.patterns], cache.key), cacheTimeoutMs(), "saving Spack's package index");
        if (id === -1) {
            warning(`Spack's package index was not saved under ${cache.key} (see the messages above)`);
            return false;
        }
        info(`Saved Spack's package index under ${cache.key}`);
        return true;
    }
    catch (error) {
        warning(`Saving Spack's package index under ${cache.key} failed: ${message(error)}`);
        return false;
    }
}

/**
 * The only place that spawns `spack`: argument arrays (never a shell string), output streamed into the log,
 * stdout and stderr kept, and a non-zero exit turned into an error carrying the command and its last lines.
 */
/** How many trailing lines of output an error carries. */
const TAIL_LINES = 30;
class CommandError extends Error {
    command;
    args;
    exitCode;
    tail;
    constructor(command, args, exitCode, tail) {
        super(`${[command, ...args].join(' ')} failed with exit code ${exitCode}${tail ? `:\n${tail}` : ''}`);
        this.command = command;
        this.args = args;
        this.exitCode = exitCode;
        this.tail = tail;
        this.name = 'CommandError';
    }
}
function lastLines(text, count = TAIL_LINES) {
    const lines = text.replace(/\s+$/, '').split('\n');
    return lines.slice(-count).join('\n');
}
/** Runs any program with an argument array; the shared mechanism under the Spack runner. */
async function runProgram(command, args, options = {}) {
    const started = Date.now();
    let stdout = '';
    let stderr = '';
    let combined = '';
    const env = { ...stringEnv(process.env), ...(options.baseEnv ?? {}), ...(options.env ?? {}) };
    const execute = async () => exec(command, [...args], {
        cwd: options.cwd,
        env,
        silent: options.silent ?? false,
        ignoreReturnCode: true,
        ...(options.input !== undefined ? { input: Buffer.from(options.input) } : {}),
        listeners: {
            stdout: (data) => {
                const text = data.toString();
                stdout += text;
                combined += text;
            },
            stderr: (data) => {
                const text = data.toString();
                stderr += text;
                combined += text;
            }
        }
    });
    const exitCode = options.group ? await group(options.group, execute) : await execute();
    const result = { args: [command, ...args], exitCode, stdout, stderr, elapsedMs: Date.now() - started };
    if (exitCode !== 0 && !options.allowFailure)
        throw commandError(result, combined);
    return result;
}
/** The error for a failed command: its stderr's last lines, or the combined output's when stderr is empty. */
function commandError(result, combined = result.stdout + result.stderr) {
    const [command, ...args] = result.args;
    return new CommandError(command, args, result.exitCode, lastLines(result.stderr.trim() ? result.stderr : combined));
}
function createSpackRunner(executable, env) {
    const listeners = [];
    return {
        executable,
        env,
        onCommand(listener) {
            listeners.push(listener);
        },
        async run(args, options = {}) {
            const result = await runProgram(executable, args, { ...options, baseEnv: env, allowFailure: true });
            for (const listener of listeners)
                listener(result);
            if (result.exitCode !== 0 && !options.allowFailure)
                throw commandError(result);
            return result;
        }
    };
}
function stringEnv(source) {
    const out = {};
    for (const [key, value] of Object.entries(source))
        if (value !== undefined)
            out[key] = value;
    return out;
}

/**
 * The Spack command lines the action runs, as argument arrays. Phases run them and plan mode prints them, so what
 * the plan shows is what a build does.
 */
function concretizeArgs(envDir) {
    return ['-e', envDir, 'concretize'];
}
function installArgs(envDir, jobs) {
    return ['-e', envDir, 'install', '--jobs', String(jobs), '--fail-fast'];
}
function pushArgs(envDir, mirror, unsigned) {
    return ['-e', envDir, 'buildcache', 'push', '--update-index', ...(unsigned ? ['--unsigned'] : []), mirror];
}
function repoAddArgs(repoPath, scope) {
    return ['repo', 'add', '--scope', scope, repoPath];
}
/** A command line for people: arguments that need it are single-quoted. Display only, never executed. */
function displayCommand(program, args) {
    return [program, ...args]
        .map(arg => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`))
        .join(' ');
}

/**
 * The Spack environment the build runs in: the root spec and `spack.yaml`, rendered from a BuildRequest.
 * Pure functions: the same request and layout always render the same bytes (the cache key hashes them).
 */
/** Name of the local build-cache mirror in spack.yaml. */
const LOCAL_MIRROR = 'slurm-factory-local';
/** Name of the push mirror in spack.yaml. */
const PUSH_MIRROR = 'slurm-factory-push';
/** Environment variables holding OCI credentials, referenced by name from spack.yaml. */
const OCI_USERNAME_VAR = 'SLURM_FACTORY_OCI_USERNAME';
const OCI_PASSWORD_VAR = 'SLURM_FACTORY_OCI_PASSWORD';
function layoutUnder(root) {
    return {
        envDir: path.join(root, 'environment'),
        compilerEnvDir: path.join(root, 'compiler-environment'),
        installRoot: path.join(root, 'opt'),
        viewRoot: path.join(root, 'view'),
        moduleRoot: path.join(root, 'modules'),
        localMirror: path.join(root, 'buildcache'),
        buildStage: path.join(root, 'stage'),
        sourceCache: path.join(root, 'source-cache')
    };
}
/** The root spec, for example `slurm@25.11 +hwloc +pmix +rest +ucx %gcc@13.3.0 target=x86_64_v3`. */
function slurmSpec(request, gccVersion) {
    return [
        `slurm@${request.slurmVersion}`,
        ...request.variants.map(render),
        `%gcc@${gccVersion}`,
        `target=${request.target}`
    ].join(' ');
}
function mirrorName(index) {
    return `remote-${index + 1}`;
}
function mirrorEntry(url, signed) {
    const entry = { url, signed };
    if (url.startsWith('oci://'))
        entry.access_pair = { id_variable: OCI_USERNAME_VAR, secret_variable: OCI_PASSWORD_VAR };
    return entry;
}
/** The `spack.yaml` document as data. */
function renderEnvironment(inputs) {
    const { request, layout } = inputs;
    const signed = !request.buildcache.unsigned;
    const mirrors = {
        [LOCAL_MIRROR]: { url: `file://${layout.localMirror}`, signed: false }
    };
    request.buildcache.mirrors.forEach((url, index) => {
        mirrors[mirrorName(index)] = mirrorEntry(url, signed);
    });
    if (request.buildcache.push)
        mirrors[PUSH_MIRROR] = mirrorEntry(request.buildcache.push, signed);
    const spack = {
        specs: [slurmSpec(request, inputs.gccVersion)],
        repos: { [inputs.repoNamespace]: inputs.repoPath },
        concretizer: { unify: true, reuse: true },
        config: {
            install_tree: { root: layout.installRoot, padded_length: 128 },
            shared_linking: { type: 'runpath', bind: false },
            build_stage: [layout.buildStage],
            source_cache: layout.sourceCache,
            build_jobs: request.jobs
        },
        packages: { all: { target: [request.target] }, ...(inputs.detected ?? {}) },
        mirrors,
        view: { default: { root: layout.viewRoot, select: ['slurm'], link: 'run', link_type: 'symlink' } }
    };
    if (request.modules !== 'none') {
        spack.modules = {
            default: {
                enable: [request.modules],
                roots: { [request.modules]: layout.moduleRoot },
                ...(request.modules === 'lmod' ? { lmod: { core_compilers: [`gcc@${inputs.gccVersion}`], hierarchy: [] } } : {})
            }
        };
    }
    if (request.offline) {
        // Two colons: Spack's own scopes add no mirror (its default one is remote), and nothing is bootstrapped.
        spack['mirrors:'] = spack.mirrors;
        delete spack.mirrors;
        spack.bootstrap = { enable: false };
    }
    if (request.siteConfig)
        applySiteConfig(spack, request.siteConfig);
    return { spack };
}
/** Merges the site's sections over the rendered ones; a site section written `name:` replaces the rendered one. */
function applySiteConfig(spack, site) {
    for (const [key, value] of Object.entries(site)) {
        const name = key.replace(/:$/, '');
        if (key.endsWith(':')) {
            delete spack[name];
            delete spack[`${name}:`];
            spack[key] = value;
            continue;
        }
        const existing = `${name}:` in spack ? `${name}:` : name;
        spack[existing] = existing in spack ? mergeConfig(spack[existing], value) : value;
    }
}
/** `spack.yaml` text: a header comment, then the document with keys in rendering order. */
function environmentYaml(inputs) {
    return toYaml(renderEnvironment(inputs));
}
/**
 * The environment that builds `gcc@<version>` with the runner's compiler, when the runner doesn't have it: Spack v1.0
 * only compiles with a compiler that is external or already installed. Same store, mirrors and site configuration as
 * the build's environment, so the compiler lands in the build cache like any package; no view, no modules.
 */
function compilerEnvironmentYaml(inputs) {
    const { spack } = renderEnvironment(inputs);
    spack.specs = [`gcc@${inputs.gccVersion} target=${inputs.request.target}`];
    delete spack.view;
    delete spack.modules;
    return toYaml({ spack: { ...spack, view: false } });
}
function toYaml(document) {
    return `# Rendered by slurm-factory-action; edits are overwritten on the next run.\n${distExports.stringify(document, { lineWidth: 0 })}`;
}

/** What the main step hands to the post step (core.saveState), typed in one place. */
const KEY = 'slurm-factory';
function savePostState(state) {
    saveState(KEY, JSON.stringify(state));
}
function loadPostState() {
    const raw = getState(KEY);
    return raw ? JSON.parse(raw) : undefined;
}

export { CommandError as C, LOCAL_MIRROR as L, OCI_PASSWORD_VAR as O, PUSH_MIRROR as P, repoAddArgs as a, lastLines as b, concretizeArgs as c, displayCommand as d, environmentYaml as e, compilerEnvironmentYaml as f, createSpackRunner as g, readLock as h, installArgs as i, repoIndexCacheOf as j, restoreRepoIndex as k, layoutUnder as l, cacheKeys as m, restoreBuildCache as n, savePostState as o, pushArgs as p, adoptCachedLock as q, runProgram as r, slurmSpec as s, OCI_USERNAME_VAR as t, loadPostState as u, saveRepoIndex as v, keepLock as w, saveBuildCache as x, partialKey as y };
