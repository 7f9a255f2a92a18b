import { l as setSecret, a as group, n as exec, o as saveState, p as getState, i as info, b as warning } from './core.js';
import path from 'node:path';
import { q as quoted, g as distExports, r as render, O as OUTPUTS } from './contract.js';
import { existsSync, statSync, readFileSync, rmSync, mkdirSync, symlinkSync, lstatSync, readdirSync, renameSync, cpSync, writeFileSync, readlinkSync, copyFileSync, realpathSync, utimesSync } from 'node:fs';
import { machine, homedir } from 'node:os';
import { createHash, randomBytes } from 'node:crypto';

/**
 * The job's secrets, kept out of everything the action shows or writes for people: the job summary, annotations,
 * plan mode's output and the failed build's debug artifact. The runner masks registered secrets in the log only; a
 * summary, an artifact or a file under RUNNER_TEMP is the action's to redact. Known secrets are the secret inputs,
 * the passwords written into mirror URLs, and the runner's own tokens; a URL's credentials (`https://user:pass@`) are
 * masked whether registered or not.
 */
const MASK = '***';
/** What the job knows to be secret, longest first when redacting. */
const known = new Set();
/** The runner's credentials: never in anything the action writes (the programs it starts never get them). */
const RUNNER_SECRETS = ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN', 'GITHUB_TOKEN'];
/**
 * Registers `value` as a secret: masked by the runner in the log, and redacted from what the action writes. A
 * multi-line secret (an ASCII-armored key) is registered whole and line by line, since the runner matches masks
 * within a line; lines too short to be secret on their own (armor headers, blank lines) are left out.
 */
function registerSecret(value) {
    if (!value)
        return;
    const lines = value.includes('\n') ? value.split(/\r?\n/).map(line => line.trim()) : [];
    const parts = [value, ...lines.filter(line => line.length >= 8 && !line.startsWith('-----'))];
    for (const part of parts) {
        if (known.has(part))
            continue;
        known.add(part);
        setSecret(part);
    }
}
/** Registers the runner's own tokens found in `env` (redacted from files; the runner masks them in the log). */
function registerRunnerSecrets(env = process.env) {
    for (const name of RUNNER_SECRETS) {
        const value = env[name];
        if (value && value.length >= 8)
            known.add(value);
    }
}
/** A URL's user information, with the password (or a user name standing alone, often a token) as its own group. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:'"]+)(?::([^\s/@'"]*))?@/gi;
/** `scheme://user:pass@host` -> `scheme://user:***@host`; `scheme://token@host` -> `scheme://***@host`. */
function maskUrlCredentials(text) {
    return text.replace(URL_CREDENTIALS, (_all, scheme, user, password) => password === undefined ? `${scheme}${MASK}@` : `${scheme}${user}:${MASK}@`);
}
/** `text` with every known secret and every URL's credentials masked. */
function redact(text) {
    let out = text;
    for (const secret of [...known].sort((a, b) => b.length - a.length))
        out = out.split(secret).join(MASK);
    return maskUrlCredentials(out);
}
/** Names of variables whose values are credentials, whatever their value (defense beyond the known secrets). */
const CREDENTIAL_NAME = /^(INPUT_|ACTIONS_|STATE_)|TOKEN|PASSWORD|PASSWD|SECRET|CREDENTIAL|PRIVATE_KEY|_AUTH$/i;
/**
 * A `spack-build-env.txt` as Spack writes it (`NAME=value; export NAME` for each variable, the value quoted for the
 * shell as Python's shlex.quote does, so a value may span lines), redacted: a credential-named variable's value is masked whatever it holds, then everything `redact`
 * masks.
 */
function redactBuildEnv(text) {
    const masked = text.replace(/^(#?)([A-Za-z_][A-Za-z0-9_%-]*)=('[^']*'(?:"'"'[^']*')*|[^\s;']*); export \2$/gm, (line, hidden, name) => CREDENTIAL_NAME.test(name) ? `${hidden}${name}='${MASK}'; export ${name}` : line);
    return redact(masked);
}

/**
 * The `spack-config` input: Spack configuration a site adds to the rendered environment (externals, compilers,
 * config, concretizer, mirrors, ...), and how it merges. Pure apart from reading the file a path names.
 *
 * Merging follows Spack's precedence between configuration scopes, the site's configuration being the higher one:
 * mappings merge key by key, the site's scalar wins, the site's list entries come first, and a key written with two
 * colons (`mirrors::`) replaces the rendered section whole.
 */
/** Sections of Spack's configuration an environment may hold, as Spack v1.0's schema names them. */
const CONFIG_SECTIONS = [
    'bootstrap',
    'cdash',
    'ci',
    'compilers',
    'concretizer',
    'config',
    'container',
    'definitions',
    'develop',
    'env_vars',
    'include',
    'mirrors',
    'modules',
    'packages',
    'repos',
    'toolchains',
    'upstreams',
    'view'
];
/** Sections the action owns: a site can't set them through spack-config. */
const OWNED = ['specs'];
function isMapping(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
/**
 * Reads `spack-config`: empty, inline YAML, or a path (relative to the workspace) to a YAML file. Throws an Error
 * whose message says what is wrong; the input's reader names the input.
 */
function parseSiteConfig(value, workspace) {
    const text = value.trim();
    if (text === '')
        return undefined;
    let source = 'inline YAML';
    let yamlText = text;
    if (!text.includes('\n') && !text.includes(':')) {
        const file = path.resolve(workspace, text);
        if (!existsSync(file) || !statSync(file).isFile()) {
            throw new Error(`${quoted(text)} is neither inline YAML nor a readable file (looked at ${file})`);
        }
        source = file;
        yamlText = readFileSync(file, 'utf8');
    }
    let doc;
    try {
        doc = distExports.parse(yamlText);
    }
    catch (error) {
        throw new Error(`${source} is not valid YAML: ${error.message.split('\n')[0]}`);
    }
    // A whole spack.yaml or a scope file is accepted: `spack:` around the sections is optional.
    if (isMapping(doc) && Object.keys(doc).length === 1 && isMapping(doc.spack))
        doc = doc.spack;
    if (!isMapping(doc)) {
        throw new Error(`${source} must be a mapping of Spack configuration sections (accepted: ${CONFIG_SECTIONS.join(', ')})`);
    }
    for (const [key, section] of Object.entries(doc)) {
        const name = key.replace(/:$/, '');
        if (OWNED.includes(name)) {
            throw new Error(`section "${name}" is set by the action from its inputs (slurm-version, variants, compiler, target); remove it`);
        }
        if (!CONFIG_SECTIONS.includes(name)) {
            throw new Error(`section "${name}" is not a Spack configuration section (accepted: ${CONFIG_SECTIONS.join(', ')})`);
        }
        const listSections = ['compilers', 'definitions', 'include'];
        if (listSections.includes(name) ? !Array.isArray(section) : !isMapping(section)) {
            throw new Error(`section "${name}" must be a ${listSections.includes(name) ? 'list' : 'mapping'}, not ${quoted(maskUrlCredentials(JSON.stringify(section) ?? String(section)))}`);
        }
        if (name === 'mirrors')
            refuseUrlCredentials(section, key);
    }
    return doc;
}
/**
 * A mirror whose URL carries credentials (`https://user:password@host`): Spack v1.0 cannot use it (it reads
 * "user:password@host" as a host and a port), and spack.yaml, the plan and the logs would show it. Refused, masked.
 */
function refuseUrlCredentials(value, where) {
    if (typeof value === 'string') {
        if (/^[a-z][a-z0-9+.-]*:\/\/[^/\s]*@/i.test(value))
            throw new Error(`${where}: ${quoted(maskUrlCredentials(value))} carries credentials in the URL, which Spack v1.0 cannot use; ` +
                'give an oci:// mirror with oci-username and oci-password (access_pair), or an s3:// one with the AWS variables of the job');
        return;
    }
    if (Array.isArray(value))
        value.forEach((item, index) => refuseUrlCredentials(item, `${where}[${index}]`));
    else if (isMapping(value))
        for (const [key, item] of Object.entries(value))
            refuseUrlCredentials(item, `${where}.${key}`);
}
/** Merges `high` (the site's) over `low` (the rendered section), the way Spack merges a higher scope over a lower. */
function mergeConfig(low, high) {
    if (Array.isArray(low) && Array.isArray(high))
        return [...high, ...low.filter(item => !high.some(h => JSON.stringify(h) === JSON.stringify(item)))];
    if (!isMapping(low) || !isMapping(high))
        return high;
    const out = {};
    for (const [key, value] of Object.entries(low)) {
        if (!(`${key}:` in high))
            out[key] = value;
    }
    for (const [key, value] of Object.entries(high)) {
        if (key.endsWith(':')) {
            out[key] = value;
            continue;
        }
        out[key] = key in low ? mergeConfig(low[key], value) : value;
    }
    return out;
}

/**
 * The environment every program the action starts gets (Spack, git, tar, zstd, patchelf, gcc, getconf): built from
 * an allow-list of the runner's variables, never the whole of it. The runner's environment holds the job's
 * credentials (ACTIONS_RUNTIME_TOKEN, ACTIONS_ID_TOKEN_REQUEST_*, a GITHUB_TOKEN the workflow exported, the INPUT_*
 * values of this step, among them oci-password and signing-key, and whatever secrets the workflow puts into `env:`);
 * Spack writes every variable it is given into each build's `spack-build-env.txt`, so what is not passed cannot leak
 * there. What a command needs beyond the list (Spack's isolation variables, OCI credentials for the commands that
 * reach an OCI mirror) is added by its caller, for that command only.
 */
/** Variables passed by name. */
const NAMES = new Set([
    // Where programs, home and temporary files are; who runs them.
    'PATH',
    'HOME',
    'USER',
    'LOGNAME',
    'SHELL',
    'TMPDIR',
    'TZ',
    'CI',
    // Language of messages (a build's messages are parsed in English: Spack sets LC_ALL itself when configured to).
    'LANG',
    'LANGUAGE',
    // Spack's Python and the libraries a site's toolchain needs to start (Spack unsets them for builds itself).
    'PYTHONPATH',
    'PYTHONHOME',
    'LD_LIBRARY_PATH',
    // Proxies and certificate authorities, for mirrors and git behind a site's proxy.
    'HTTP_PROXY',
    'HTTPS_PROXY',
    'NO_PROXY',
    'ALL_PROXY',
    'FTP_PROXY',
    'http_proxy',
    'https_proxy',
    'no_proxy',
    'all_proxy',
    'ftp_proxy',
    'SSL_CERT_FILE',
    'SSL_CERT_DIR',
    'CURL_CA_BUNDLE',
    'REQUESTS_CA_BUNDLE',
    // Environment modules on a self-hosted runner (Spack finds external compilers and packages through them).
    'MODULEPATH',
    'MODULESHOME',
    'LOADEDMODULES',
    '_LMFILES_',
    // Reproducible archives.
    'SOURCE_DATE_EPOCH'
]);
/** Variables passed by prefix: locale categories, Spack's own settings (SPACK_PYTHON, ...), Lmod's. */
const PREFIXES = ['LC_', 'SPACK_', 'LMOD_'];
/** Never passed, whatever the lists above say: the runner's and the workflow's credentials. */
const NEVER = /^(INPUT_|ACTIONS_|GITHUB_TOKEN$|STATE_)|TOKEN|PASSWORD|SECRET/i;
/** Whether a variable of the runner's environment is passed to the programs the action starts. */
function passed(name) {
    if (NEVER.test(name))
        return false;
    return NAMES.has(name) || PREFIXES.some(prefix => name.startsWith(prefix));
}
/** The allow-listed part of `source`, then `extra` (the caller's own variables for this command) over it. */
function childEnv(source = process.env, extra = {}) {
    const env = {};
    for (const [name, value] of Object.entries(source))
        if (value !== undefined && passed(name))
            env[name] = value;
    return { ...env, ...extra };
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
/**
 * Runs any program with an argument array; the shared mechanism under the Spack runner. The program gets the
 * allow-listed part of the runner's environment (never its credentials), then `baseEnv` and `env`.
 */
async function runProgram(command, args, options = {}) {
    const started = Date.now();
    let stdout = '';
    let stderr = '';
    let combined = '';
    const env = childEnv(process.env, { ...(options.baseEnv ?? {}), ...(options.env ?? {}) });
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
/**
 * One remote mirror. An `oci://` mirror names the credential variables only when both oci-username and oci-password
 * are given: Spack fails on an `access_pair` whose variable is unset (`id_variable ... not set in environment`), and
 * without one it asks the registry for an anonymous token, which is how a public package is pulled.
 */
function mirrorEntry(url, signed, credentials) {
    const entry = { url, signed };
    if (url.startsWith('oci://') && credentials)
        entry.access_pair = { id_variable: OCI_USERNAME_VAR, secret_variable: OCI_PASSWORD_VAR };
    return entry;
}
/** The build caches spack.yaml names, in its order: the local mirror, the remote ones, the push mirror. */
function namedMirrors(request, layout) {
    return [
        { name: LOCAL_MIRROR, url: `file://${layout.localMirror}` },
        ...request.buildcache.mirrors.map((url, index) => ({ name: mirrorName(index), url })),
        ...(request.buildcache.push ? [{ name: PUSH_MIRROR, url: request.buildcache.push }] : [])
    ];
}
/** The `spack.yaml` document as data. */
function renderEnvironment$1(inputs) {
    const { request, layout } = inputs;
    const signed = !request.buildcache.unsigned;
    const credentials = Boolean(request.buildcache.ociUsername && request.buildcache.ociPassword);
    const mirrors = {
        [LOCAL_MIRROR]: { url: `file://${layout.localMirror}`, signed: false }
    };
    request.buildcache.mirrors.forEach((url, index) => {
        mirrors[mirrorName(index)] = mirrorEntry(url, signed, credentials);
    });
    if (request.buildcache.push)
        mirrors[PUSH_MIRROR] = mirrorEntry(request.buildcache.push, signed, credentials);
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
    return toYaml(renderEnvironment$1(inputs));
}
/**
 * The environment that builds `gcc@<version>` with the runner's compiler, when the runner doesn't have it: Spack v1.0
 * only compiles with a compiler that is external or already installed. Same store, mirrors and site configuration as
 * the build's environment, so the compiler lands in the build cache like any package; no view, no modules.
 */
function compilerEnvironmentYaml(inputs) {
    const { spack } = renderEnvironment$1(inputs);
    spack.specs = [`gcc@${inputs.gccVersion} target=${inputs.request.target}`];
    delete spack.view;
    delete spack.modules;
    return toYaml({ spack: { ...spack, view: false } });
}
/**
 * The environment of a dependencies job: one root per Slurm version (`slurmVersion`, then `moreVersions`), each as a
 * Slurm build would name it, installed with `--only dependencies`. Their dependencies are unified where they can be,
 * so a dependency the versions share is built once and every cell reuses it. Same store, mirrors and site
 * configuration as a Slurm build; no view, no modules.
 */
function dependenciesEnvironmentYaml(inputs) {
    const { spack } = renderEnvironment$1(inputs);
    const { request, gccVersion } = inputs;
    spack.specs = [request.slurmVersion, ...request.moreVersions].map(version => slurmSpec({ ...request, slurmVersion: version }, gccVersion));
    const concretizer = 'concretizer:' in spack ? 'concretizer:' : 'concretizer';
    spack[concretizer] = { ...spack[concretizer], unify: 'when_possible' };
    delete spack.view;
    delete spack.modules;
    return toYaml({ spack: { ...spack, view: false } });
}
function toYaml(document) {
    return `# Rendered by slurm-factory-action; edits are overwritten on the next run.\n${distExports.stringify(document, { lineWidth: 0 })}`;
}

/**
 * Where the action keeps its files on the runner: everything under `RUNNER_TEMP/slurm-factory`, one directory per
 * use. The only place these paths are spelled; every phase, the post step, plan mode, e2e and the benches read them
 * from here.
 */
/** The name of the action's directory under RUNNER_TEMP. */
const WORK_DIR = 'slurm-factory';
function workRoot(runnerTemp) {
    return path.join(runnerTemp, WORK_DIR);
}
function layoutUnder(root) {
    return {
        envDir: path.join(root, 'environment'),
        compilerEnvDir: path.join(root, 'compiler-environment'),
        dependenciesEnvDir: path.join(root, 'dependencies-environment'),
        installRoot: path.join(root, 'opt'),
        viewRoot: path.join(root, 'view'),
        moduleRoot: path.join(root, 'modules'),
        localMirror: path.join(root, 'buildcache'),
        buildStage: path.join(root, 'stage'),
        sourceCache: path.join(root, 'source-cache')
    };
}
function workDirs(runnerTemp) {
    const root = workRoot(runnerTemp);
    return {
        root,
        scratch: path.join(root, 'scratch'),
        artifact: path.join(root, 'artifact'),
        spackState: path.join(root, 'spack-state'),
        cacheState: path.join(root, 'cache-state'),
        detectedCompilers: path.join(root, 'compiler-detection', 'detected.json'),
        cacheTransfer: path.join(root, 'cache-transfer'),
        repoSources: path.join(root, 'repo-source'),
        staging: path.join(root, 'staging'),
        tools: root,
        layout: layoutUnder(root)
    };
}
/** Where a git package repository is checked out: one directory per URL and ref. */
function repoCheckout(runnerTemp, url, ref) {
    const key = createHash('sha256').update(`${url}@${ref}`).digest('hex').slice(0, 16);
    return path.join(workDirs(runnerTemp).repoSources, key);
}
/** RUNNER_TEMP, which every run needs: the action's files live below it. */
function runnerTemp(env = process.env) {
    const dir = env.RUNNER_TEMP;
    if (!dir)
        throw new Error('RUNNER_TEMP is not set: the action must run on a GitHub Actions runner (or under `npm run local`)');
    return dir;
}

async function resolveBuild(request, env = process.env) {
    const temp = runnerTemp(env);
    if (!request.dryRun)
        checkArtifactService(request, env);
    const gccVersion = await resolveGccVersion(request.compiler);
    return { request, gccVersion, runnerTemp: temp, work: workDirs(temp) };
}
/** What the artifact client needs from the runner to upload: the job's runtime token and the results service. */
const ARTIFACT_SERVICE_VARIABLES = ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_RESULTS_URL'];
/**
 * `upload: true` with no artifact service (a runner that is not GitHub Actions', `act`, a container step that dropped
 * the variables) fails before any work, not after the build: nothing could be uploaded.
 */
function checkArtifactService(request, env) {
    if (!request.artifact.upload)
        return;
    const missing = ARTIFACT_SERVICE_VARIABLES.filter(name => !env[name]);
    if (missing.length === 0)
        return;
    throw new Error(`upload: "true" needs the workflow's artifact service, but ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not set on this runner; ` +
        'set upload: false to build without uploading (the tarball stays at the artifact-path output)');
}
/** The local mirror and the kept locks: what the build cache saves and restores. */
function cachePaths(build) {
    return { mirror: build.work.layout.localMirror, state: build.work.cacheState, transfer: build.work.cacheTransfer };
}
/** The build's mirrors: those read, and the one pushed to. */
function mirrorsOf(request) {
    return [...request.buildcache.mirrors, ...(request.buildcache.push ? [request.buildcache.push] : [])];
}
/** The environment a build installs Slurm in, or a dependencies job Slurm's dependencies. */
function environmentDir(build) {
    return build.request.stage === 'dependencies' ? build.work.layout.dependenciesEnvDir : build.work.layout.envDir;
}
/** What of that environment is installed and pushed: all of it, or (a dependencies job) all but its roots. */
function only(build) {
    return build.request.stage === 'dependencies' ? 'dependencies' : undefined;
}
/**
 * Whether Spack's package index, the runner's compilers and the kept locks go through the Actions cache: beside the
 * build cache, or on their own when remote build caches (`buildcache-mirrors`, `buildcache-push`) carry the binaries.
 */
function keepsSpackState(request) {
    return request.cache.enabled || request.buildcache.mirrors.length > 0 || request.buildcache.push !== undefined;
}
/** Whether any mirror of the build is an OCI registry, whose credentials spack.yaml names by variable. */
function usesOci(request) {
    return mirrorsOf(request).some(url => url.startsWith('oci://'));
}
/** The AWS variables an s3:// mirror reads its credentials and region from (boto3's environment). */
function awsEnv(request, env = process.env) {
    if (!mirrorsOf(request).some(url => url.startsWith('s3://')))
        return {};
    const out = {};
    for (const [name, value] of Object.entries(env))
        if (name.startsWith('AWS_') && value)
            out[name] = value;
    return out;
}
/**
 * The runner for the main step's Spack commands that reach the mirrors: with the OCI credentials, which spack.yaml
 * names by variable, and an s3:// mirror's AWS variables. No other command gets them (src/child-env.ts): not the
 * checks, not the post step, which pushes to the local mirror only.
 */
function withCredentials(runner, request) {
    const { ociUsername, ociPassword } = request.buildcache;
    const oci = usesOci(request) && ociUsername && ociPassword
        ? { [OCI_USERNAME_VAR]: ociUsername, [OCI_PASSWORD_VAR]: ociPassword }
        : {};
    const credentials = { ...oci, ...awsEnv(request) };
    if (Object.keys(credentials).length === 0)
        return runner;
    return createSpackRunner(runner.executable, { ...runner.env, ...credentials });
}

/**
 * What the main step hands to the post step (core.saveState), typed in one place. Each key is written by the one
 * module that owns it: the build cache phase writes what to save and where, the install phases what they built from
 * source, the phase that reads the installed build marks it complete, and the job's cache budget (src/cache/budget.ts)
 * what its cache calls spent and whether they were stopped.
 */
const STATE = {
    /** The build cache to save: written once the cache is restored (only when the cache is on). */
    cache: 'slurm-factory',
    /** Set once the build completed: only then is the primary key saved. */
    complete: 'slurm-factory-complete',
    /** The packages built from source, by environment (rewritten after each environment's install). */
    built: 'slurm-factory-built',
    /** The job's cache budget: time spent, and why the cache traffic stopped (src/cache/budget.ts). */
    cacheBudget: 'slurm-factory-cache-budget'
};
function saveCacheState(state) {
    saveState(STATE.cache, JSON.stringify(state));
}
function markComplete() {
    saveState(STATE.complete, 'true');
}
/** Records what `envDir` built from source, with what earlier environments of the job built. */
function saveBuilt(built) {
    saveState(STATE.built, JSON.stringify(built));
}
/** What the main step left for the post step; undefined when it saved no build cache state (cache off, or early failure). */
function loadPostState() {
    const raw = getState(STATE.cache);
    if (!raw)
        return undefined;
    const built = getState(STATE.built);
    return {
        ...JSON.parse(raw),
        complete: getState(STATE.complete) === 'true',
        built: built ? JSON.parse(built) : {}
    };
}

/**
 * One time budget for all of a job's cache traffic, the main step's restores and the post step's saves together:
 * SLURM_FACTORY_CACHE_TIMEOUT_MINS minutes (default 10). Each call may take what is left of it; once a call fails for
 * the service's sake (it timed out, or the service failed after the toolkit's retries), every later cache call of the
 * job, in the main step and in the post step, is skipped with a line in the log: a cache service that hangs costs
 * the job one timeout, not one per call. What is spent and why the traffic stopped travel to the post step in its
 * state (src/state.ts).
 */
/** The variable that sets the budget, in minutes. */
const TIMEOUT_VARIABLE = 'SLURM_FACTORY_CACHE_TIMEOUT_MINS';
const DEFAULT_TIMEOUT_MINUTES = 10;
/** The budget in milliseconds; a value that is not a positive number of minutes is refused, naming the variable. */
function cacheTimeoutMs(env = process.env) {
    const raw = env[TIMEOUT_VARIABLE]?.trim();
    if (raw === undefined || raw === '')
        return DEFAULT_TIMEOUT_MINUTES * 60_000;
    const minutes = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
    if (!(minutes > 0 && minutes <= 24 * 60))
        throw new Error(`${TIMEOUT_VARIABLE}: ${JSON.stringify(raw.slice(0, 40))} is not accepted (accepted: minutes above 0 and up to 1440, such as 10 or 0.5; ` +
            `the time all of the job's cache operations may take together, default ${DEFAULT_TIMEOUT_MINUTES})`);
    return minutes * 60_000;
}
/** What the job's cache calls may still cost; told how each ended, it stops them all after a service failure. */
class CacheBudget {
    state;
    persist;
    constructor(state, persist) {
        this.state = state;
        this.persist = persist;
    }
    /** The main step's budget: the whole of it, written to the post state after every call. */
    static forMain(env = process.env) {
        return new CacheBudget({ limitMs: cacheTimeoutMs(env), spentMs: 0 }, state => saveState(STATE.cacheBudget, JSON.stringify(state)));
    }
    /** The post step's budget: what the main step left of it (the whole budget when the main step made no call). */
    static forPost(env = process.env) {
        const saved = getState(STATE.cacheBudget);
        const state = saved ? JSON.parse(saved) : { limitMs: cacheTimeoutMs(env), spentMs: 0 };
        return new CacheBudget(state, () => undefined);
    }
    /** A budget kept in memory only (tests, benches). */
    static of(state) {
        return new CacheBudget(state, () => undefined);
    }
    get current() {
        return this.state;
    }
    refuse() {
        if (this.state.stopped)
            return this.state.stopped;
        if (this.state.spentMs >= this.state.limitMs)
            return `the job's cache operations used up their ${minutes(this.state.limitMs)} (${TIMEOUT_VARIABLE})`;
        return undefined;
    }
    timeLimitMs() {
        return Math.max(0, this.state.limitMs - this.state.spentMs);
    }
    ended(entry, outcome, elapsedMs = 0, reason) {
        const stopped = this.state.stopped ??
            (outcome === 'failed' ? `${entry.what}: ${reason ?? 'the cache service failed'}` : undefined);
        this.state = { ...this.state, spentMs: this.state.spentMs + elapsedMs, ...(stopped ? { stopped } : {}) };
        this.persist(this.state);
    }
}
function minutes(ms) {
    const value = ms / 60_000;
    return `${Number.isInteger(value) ? value : value.toFixed(2)} min`;
}

/**
 * Cache entries restored into staging directories and moved into place only once whole. The toolkit unpacks an entry
 * where its paths say; a restore that is given up on (its time ran out) may go on unpacking in the background, so an
 * entry restored straight into the directories the build uses could change them under a running `spack install`. A
 * staged entry's paths are directories of its own (`stored`), which nothing but the cache reads or writes; a complete
 * restore is then moved to where the job uses it (`live`), and a save moves the live directory there first (and back
 * after). With `files`, only the matching files of a live directory belong to the entry (a directory Spack shares
 * among several repositories' indexes): they are copied there and moved back file by file. A `link` is kept as its
 * target and made again.
 */
/** Whether `file` is there, a link counted as itself (its target may have moved, or not be back yet). */
function present(file) {
    try {
        lstatSync(file);
        return true;
    }
    catch {
        return false;
    }
}
/** Moves a directory (or a link), or copies it when the two are on different file systems. */
function move(from, to) {
    mkdirSync(path.dirname(to), { recursive: true });
    try {
        renameSync(from, to);
    }
    catch {
        cpSync(from, to, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
        rmSync(from, { recursive: true, force: true });
    }
}
function matching(dir, files) {
    const pattern = new RegExp(files);
    return existsSync(dir) ? readdirSync(dir).filter(name => pattern.test(name)) : [];
}
/** Empties the staging directories before a restore: what is there after it came from the cache. */
function clearStaged(dirs) {
    for (const dir of dirs)
        rmSync(dir.stored, { recursive: true, force: true });
}
/** Moves a complete restore into place: a whole directory replaces the live one; matching files join it. */
function placeRestored(dirs) {
    for (const dir of dirs) {
        if (!present(dir.stored))
            continue;
        if (dir.link) {
            const target = readFileSync(dir.stored, 'utf8');
            rmSync(dir.live, { recursive: true, force: true });
            mkdirSync(path.dirname(dir.live), { recursive: true });
            symlinkSync(target, dir.live);
            rmSync(dir.stored, { force: true });
        }
        else if (dir.files) {
            mkdirSync(dir.live, { recursive: true });
            for (const name of matching(dir.stored, dir.files))
                move(path.join(dir.stored, name), path.join(dir.live, name));
            rmSync(dir.stored, { recursive: true, force: true });
        }
        else {
            rmSync(dir.live, { recursive: true, force: true });
            move(dir.stored, dir.live);
        }
    }
}
/** Puts what the job made where the entry is saved from; `restore` undoes it once the save is over. */
function stageForSave(dirs) {
    clearStaged(dirs);
    for (const dir of dirs) {
        if (!present(dir.live))
            continue;
        if (dir.link) {
            mkdirSync(path.dirname(dir.stored), { recursive: true });
            writeFileSync(dir.stored, readlinkSync(dir.live));
        }
        else if (dir.files) {
            mkdirSync(dir.stored, { recursive: true });
            for (const name of matching(dir.live, dir.files))
                cpSync(path.join(dir.live, name), path.join(dir.stored, name), { preserveTimestamps: true });
        }
        else
            move(dir.live, dir.stored);
    }
    return {
        restore: () => {
            for (const dir of dirs) {
                if (dir.files || dir.link)
                    rmSync(dir.stored, { recursive: true, force: true });
                else if (present(dir.stored))
                    move(dir.stored, dir.live);
            }
        }
    };
}

/**
 * What @actions/cache said during one of its calls. The toolkit swallows a failing service: `restoreCache` returns
 * undefined as on a miss, also when the entry was found but could not be downloaded or unpacked, and `saveCache`
 * returns -1 as when the key already exists; the cause is only written to the log, as the toolkit's own warnings and
 * errors (an `::error::` annotation in a green build for a 5xx) and, for a failed reservation, as a debug line. To tell
 * a miss from a failure, and a damaged entry from a missing one, the workflow commands written while a call runs are
 * read: the toolkit's warnings and errors are held back (the guard reports the outcome once, in its own words, with
 * the toolkit's reason), everything else passes to the log unchanged.
 */
/** How every warning and error of @actions/cache 6 begins: what is held back of a call given up on. */
const TOOLKIT_MESSAGE = /^(Failed to (restore|save): |Cache reservation failed: |uploadCacheArchiveSDK: |You've hit a rate limit)/;
function unescape(text) {
    return text.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%');
}
/** Starts reading what the toolkit writes to stdout (where @actions/core writes every workflow command). */
function watchToolkit() {
    const report = { failures: [], debug: [] };
    const original = process.stdout.write;
    let abandoned = false;
    const watcher = function (chunk, ...rest) {
        const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString() : '';
        const command = /^::(warning|error|debug)(?: [^:]*)?::(.*)/.exec(text.trimEnd());
        if (command?.[1] === 'warning' || command?.[1] === 'error') {
            const said = unescape(command[2]);
            if (!abandoned || TOOLKIT_MESSAGE.test(said)) {
                report.failures.push(said);
                return true;
            }
        }
        if (command)
            report.debug.push(unescape(command[2]));
        else {
            const hit = /^Cache hit for(?: restore-key)?: (\S+)/.exec(text);
            if (hit)
                report.hit = hit[1];
        }
        return original.call(this, chunk, ...rest);
    };
    process.stdout.write = watcher;
    return {
        report,
        abandon() {
            abandoned = true;
        },
        stop() {
            // Someone who replaced stdout's write after this watcher started keeps theirs.
            if (process.stdout.write === watcher)
                process.stdout.write = original;
        }
    };
}
/** A failure of the service itself (not of the entry): retries exhausted, a 5xx, a network error, rate limiting. */
const SERVICE_FAILURE = /after \d+ attempts|\((5\d\d)\)|\b5\d\d\b.*(error|unavailable)|ECONNRESET|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|socket hang up|NetworkError|Rate limited|timed? ?out/i;
/** What the service answered a save that returned -1: refused (the key exists, the cache is full) or failed. */
function saveFailure(report) {
    const said = [...report.failures, ...report.debug.filter(line => /Failed to (reserve|save|finalize)/i.test(line))];
    return said.find(line => SERVICE_FAILURE.test(line));
}
/** The reason a toolkit call gave, for a warning: its first warning or error, else its last debug line about it. */
function reasonOf(report) {
    return (report.failures.find(line => SERVICE_FAILURE.test(line)) ??
        report.failures[0] ??
        report.debug.filter(line => /Failed to/i.test(line)).pop() ??
        'no reason given');
}

/**
 * The one guarded restore/save pair every cache of the action goes through (the build cache, Spack's package index):
 * the feature check, a time limit on each call, the service's "not saved" answer, and a warning instead of a failed
 * build when the service is down, slow, full or serves a damaged entry. The toolkit hides most of that (a failing
 * service looks like a miss); src/cache/toolkit-log.ts reads what it said, so each call ends in a precise outcome.
 *
 * What a call may cost is asked of a `CachePolicy`, which is also told how every call ended. The job's policy is one
 * time budget for all its cache traffic, main and post step (src/cache/budget.ts), installed by each step
 * (`useCachePolicy`); after a service failure it refuses every later call, which is then skipped with a line in the
 * log. An entry may be staged (src/cache/staging.ts): restored into directories of its own and moved into place only
 * when whole, so a restore given up on never touches what the build uses.
 */
async function cacheClient() {
    return import('./cache.js');
}
/** An entry whose directories are staged: its paths are where it is stored, moved to (and from) where it is used. */
function stagedEntry(what, key, dirs) {
    return { what, key, paths: dirs.map(dir => dir.stored), staged: dirs };
}
function message(error) {
    return error instanceof Error ? error.message : String(error);
}
/** A policy without memory: every call gets the whole time limit; outcomes change nothing. */
const perCallPolicy = {
    timeLimitMs: () => cacheTimeoutMs(),
    ended: () => undefined
};
let jobPolicy = perCallPolicy;
/** Installs the policy every cache call of this step uses unless given another (the job's budget). */
function useCachePolicy(policy) {
    jobPolicy = policy;
}
/** `3 s`, `0.3 s`, `600 s`. */
function seconds(ms) {
    const value = ms / 1000;
    return `${value >= 10 ? Math.round(value) : Number(value.toFixed(1))} s`;
}
/** Resolves with `work`'s result, or rejects once `ms` have passed; the timer never keeps the process alive. */
async function withTimeout(work, ms, what) {
    let timer;
    const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not finish within ${seconds(ms)}`)), ms);
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
 * A toolkit call, its messages read while it runs. A call given up on (its time ran out) goes on in the background:
 * only the toolkit's own failure messages are then held back, until it settles.
 */
async function watched(call, limitMs, what) {
    const watch = watchToolkit();
    const started = Date.now();
    const running = call();
    running.then(watch.stop, watch.stop);
    try {
        const value = await withTimeout(running, limitMs, what);
        return { value, report: watch.report, ms: Date.now() - started };
    }
    catch (error) {
        watch.abandon();
        return { error, report: watch.report, ms: Date.now() - started };
    }
}
/** The warning of a failed call, which also says when the policy now stops the job's other cache calls. */
function warnFailed(text, entry, policy) {
    const stopped = policy.refuse?.(entry);
    warning(stopped ? `${text}. The job's other cache operations are skipped` : text);
}
/** Restores `entry`. A missing service, a refusal or a failure (warned once) is an outcome, never an exception. */
async function restoreEntry(entry, options) {
    const policy = options.policy ?? jobPolicy;
    const refused = policy.refuse?.(entry);
    if (refused) {
        info(`Not restoring ${entry.what}: ${refused} (earlier in this job)`);
        return { outcome: 'skipped' };
    }
    const client = options.client ?? (await cacheClient());
    const ended = (outcome, ms = 0, key, reason) => {
        policy.ended(entry, outcome, ms, reason);
        return { outcome, ...(key ? { key } : {}), ...(reason ? { reason } : {}) };
    };
    if (!client.isFeatureAvailable()) {
        if (options.unavailable)
            warning(options.unavailable);
        return ended('unavailable');
    }
    if (entry.staged)
        clearStaged(entry.staged);
    const { value, error, report, ms } = await watched(() => client.restoreCache([...entry.paths], entry.key, [...(options.restoreKeys ?? [])]), policy.timeLimitMs(entry), `restoring ${entry.what}`);
    if (value) {
        if (entry.staged)
            placeRestored(entry.staged);
        return ended('done', ms, value);
    }
    if (error === undefined && report.failures.length === 0)
        return ended('missed', ms);
    const reason = error === undefined ? reasonOf(report) : message(error);
    if (error === undefined && report.hit) {
        warning(`${capitalized(entry.what)} ${report.hit} was found but could not be restored, ${options.without}: ${reason}`);
        return ended('damaged', ms, report.hit, reason);
    }
    const result = ended('failed', ms, undefined, reason);
    warnFailed(`Restoring ${entry.what} failed, ${options.without}: ${reason}`, entry, policy);
    return result;
}
/** Saves `entry`; false (with a warning, or a line when the policy skips it) when it was not saved. */
async function saveEntry(entry, options = {}) {
    const policy = options.policy ?? jobPolicy;
    const refused = policy.refuse?.(entry);
    if (refused) {
        info(`Not saving ${entry.what} under ${entry.key}: ${refused} (earlier in this job)`);
        return false;
    }
    const client = options.client ?? (await cacheClient());
    if (!client.isFeatureAvailable()) {
        if (options.unavailable)
            warning(options.unavailable);
        policy.ended(entry, 'unavailable');
        return false;
    }
    const staged = entry.staged ? stageForSave(entry.staged) : undefined;
    try {
        const { value, error, report, ms } = await watched(() => client.saveCache([...entry.paths], entry.key), policy.timeLimitMs(entry), `saving ${entry.what}`);
        if (value !== undefined && value !== -1) {
            info(`Saved ${entry.what} under ${entry.key}`);
            policy.ended(entry, 'done', ms);
            return true;
        }
        const failure = error === undefined ? saveFailure(report) : message(error);
        if (failure) {
            policy.ended(entry, 'failed', ms, failure);
            warnFailed(`Saving ${entry.what} under ${entry.key} failed: ${failure}`, entry, policy);
            return false;
        }
        warning(`${capitalized(entry.what)} was not saved under ${entry.key}: ${reasonOf(report)}`);
        policy.ended(entry, 'refused', ms);
        return false;
    }
    finally {
        staged?.restore();
    }
}
function capitalized(text) {
    return text.charAt(0).toUpperCase() + text.slice(1);
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

/**
 * Build-cache keys, computed before concretizing from everything that decides the concretization. Pure.
 *
 * primary:  <prefix>-<os>-<arch>-spack<commit>-gcc<version>-<target>-<fingerprint>   (what every key below starts with)
 *           (a dependencies job: ...-<target>-dependencies-<fingerprint>, which the cells' family prefix finds)
 * complete: <primary>-complete-<run id>-<attempt>   (saved by a complete build that did not restore one whole)
 * partial:  <primary>-partial-<run id>-<attempt>    (saved by a failed or incomplete build)
 * restore:  <primary>-complete-, then <primary>-partial-, then <prefix>-<os>-<arch>-spack<commit>-gcc<version>-<target>-
 *
 * Every save goes under a key of its own run, never one that may exist: the service keeps an entry forever under its
 * key and restores the newest entry of a prefix, so an entry that turns out damaged (an archive that does not unpack,
 * a package Spack had to build again) is replaced for later runs by the next one saved, instead of being restored by
 * every run. The run looks itself up under its own complete key first, which exists only on a re-run of the attempt.
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
    const primary = [family, ...(inputs.label ? [inputs.label] : []), fingerprint(inputs)].join('-');
    return { primary, restoreKeys: [`${primary}-complete-`, `${primary}-partial-`, `${family}-`] };
}
function currentRun(env = process.env) {
    return { id: env.GITHUB_RUN_ID ?? '0', attempt: env.GITHUB_RUN_ATTEMPT ?? '1' };
}
/** `<base>-<run id>-<attempt>`: a key no earlier job has saved under. */
function runKey(base, run) {
    return `${base}-${part(run.id)}-${part(run.attempt)}`;
}
/** The key a complete build of this run saves under. */
function completeKey(primary, runId, attempt) {
    return `${primary}-complete-${part(runId)}-${part(attempt)}`;
}
/** The key a failed or incomplete build of this run saves under. */
function partialKey(primary, runId, attempt) {
    return `${primary}-partial-${part(runId)}-${part(attempt)}`;
}
/** Whether `key` holds a complete build of `primary` (saved under its own key before keys had a run of their own). */
function isComplete(primary, key) {
    return key === primary || key.startsWith(`${primary}-complete-`);
}
/** What a restore means for the build: a complete build of this very configuration, another entry, or nothing. */
function classifyHit(primary, restored) {
    if (restored === undefined)
        return 'none';
    return isComplete(primary, restored) ? 'exact' : 'partial';
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
/** Every spec of a spack.lock document, whatever its roots: what an environment installs. */
function lockedSpecs(text) {
    const specs = JSON.parse(text).concrete_specs ?? {};
    return Object.entries(specs).map(([hash, raw]) => locked(hash, raw, specs));
}
function sha256(text) {
    return createHash('sha256').update(text).digest('hex');
}

/**
 * The local binary mirror and the environment's lock, kept in the GitHub Actions cache. A cache service that is down,
 * slow or full gives a warning, never a failed build. The entry is staged (src/cache/staging.ts): restored under
 * `transfer` and moved into place only when whole, so a restore given up on never writes into the mirror that
 * `spack install` reads.
 */
/** The entry's directories: each stored under `transfer`, used where the build reads it. */
function stagedDirs(paths) {
    return [
        { stored: path.join(paths.transfer, 'buildcache'), live: paths.mirror },
        { stored: path.join(paths.transfer, 'cache-state'), live: paths.state }
    ];
}
const WHAT$2 = 'the build cache';
const UNAVAILABLE = 'The GitHub Actions cache is not available on this runner';
/** Restores the newest complete (else partial, else related) build cache into place; this run's keys from `run`. */
async function restoreBuildCache$1(keys, paths, run, guard = {}) {
    mkdirSync(paths.mirror, { recursive: true });
    mkdirSync(paths.state, { recursive: true });
    const restored = await restoreEntry(stagedEntry(WHAT$2, completeKey(keys.primary, run.id, run.attempt), stagedDirs(paths)), {
        ...guard,
        restoreKeys: keys.restoreKeys,
        without: 'building without it',
        unavailable: `${UNAVAILABLE}: building without the local build cache`
    });
    if (restored.outcome === 'damaged') {
        info(`This job saves a fresh build cache, which later runs restore instead of ${restored.key}`);
        return { hit: 'none', ...(restored.key ? { damagedKey: restored.key } : {}) };
    }
    if (restored.outcome !== 'done' && restored.outcome !== 'missed')
        return { hit: 'none' };
    const restoredKey = restored.key;
    const hit = classifyHit(keys.primary, restoredKey);
    info(restoredKey ? `Restored build cache ${restoredKey} (${hit})` : `No build cache for ${keys.primary}`);
    return { hit, ...(restoredKey ? { restoredKey } : {}) };
}
/** Saves the mirror and the locks under `key`; false (with a warning) when the service refused or failed. */
async function saveBuildCache(key, paths, guard = {}) {
    return saveEntry(stagedEntry(WHAT$2, key, stagedDirs(paths)), {
        ...guard,
        unavailable: `${UNAVAILABLE}: the build cache was not saved`
    });
}
/**
 * What a kept lock records of the spack.yaml it was made from: a digest of its text with URL credentials masked, so
 * that a password in a site's mirror URL is neither kept nor guessable from the digest (and changing it keeps the lock).
 */
function environmentDigest(environment) {
    return sha256(maskUrlCredentials(environment));
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
    if (recorded !== environmentDigest(environment)) {
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
    writeFileSync(madeFrom, `${environmentDigest(environment)}\n`);
}

/**
 * The installed tree, kept in the Actions cache beside the build cache: Spack's install tree (the packages and Spack's
 * database, `.spack-db/`), the environment's view and the kept locks, saved by the post step of a complete build and
 * restored, on the next run of the very same build, at the very same paths. Nothing is left to install: a warm run
 * pays for one download and a `tar -x`, not for Spack unpacking, checking and relocating each binary package, nor for
 * `spack install` confirming what the tree's check already proved.
 *
 * Its key is the build cache's primary key with `-installed`: the primary key hashes the rendered spack.yaml, which
 * names the install tree's root, so a runner whose RUNNER_TEMP lies elsewhere has another key and never gets a tree
 * built for other paths. (The family restore key does not find these entries either: the Actions cache matches keys
 * only among entries of the same paths.) A tree that the rendered spack.yaml does not place at the action's install
 * root (a site's `spack-config` moved it) is not kept at all.
 *
 * A restored tree is used only when it is whole: every package of every kept lock, made from this very spack.yaml,
 * is recorded as installed in Spack's database, its prefix holds Spack's `.spack/spec.json`, and the view links to
 * a directory of its own. Otherwise it is removed and the build restores the build cache as before.
 */
const WHAT$1 = 'the installed tree';
/**
 * What the keys of a build's installed trees start with. Each is saved under `<this>-complete-<run>-<attempt>` and the
 * newest is restored, so a tree that turns out damaged is replaced by the next complete build's.
 */
function installedTreeKey(primaryKey) {
    return `${primaryKey}-installed`;
}
/** The key this run saves a tree under: `<tree key>-complete-<run>-<attempt>`, which the restore's prefix finds. */
function installedTreeSaveKey(tree, run) {
    return completeKey(tree.entry.key, run.id, run.attempt);
}
/** The install tree's root as a rendered spack.yaml sets it (`config:install_tree:root`), if it does. */
function renderedInstallRoot(environment) {
    const doc = distExports.parse(environment);
    const config = (doc?.spack?.['config:'] ?? doc?.spack?.config);
    const tree = (config?.['install_tree:'] ?? config?.install_tree);
    const root = typeof tree === 'string' ? tree : tree?.root;
    return typeof root === 'string' ? root : undefined;
}
/** The root of a rendered spack.yaml's view (`view:default:root`, or `view: <path>`); undefined for `view: false`. */
function renderedViewRoot(environment) {
    const doc = distExports.parse(environment);
    const view = (doc?.spack?.['view:'] ?? doc?.spack?.view);
    const root = typeof view === 'string' ? view : typeof view === 'object' ? view?.default?.root : undefined;
    return typeof root === 'string' ? root : undefined;
}
/** Where Spack keeps the directories a view links to: `._<name>` beside the view. */
function viewStore(viewRoot) {
    return path.join(path.dirname(viewRoot), `._${path.basename(viewRoot)}`);
}
/**
 * The installed tree of a build, or undefined (with the reason in the log) when an environment installs, or keeps
 * its view, elsewhere than the action's layout.
 */
function installedTreeOf(primaryKey, layout, paths, environments) {
    const { installRoot, viewRoot } = layout;
    for (const { envDir, environment } of environments) {
        const root = renderedInstallRoot(environment);
        const view = renderedViewRoot(environment);
        if (root === installRoot && (view === undefined || view === viewRoot))
            continue;
        const where = root !== installRoot ? `installs into ${root ?? "Spack's default tree"}` : `keeps its view in ${view}`;
        info(`${path.basename(envDir)} ${where}, not where the action's layout has it: the installed tree is not kept`);
        return undefined;
    }
    const viewed = environments.some(env => renderedViewRoot(env.environment) !== undefined);
    const stored = (name) => path.join(paths.transfer, 'installed-tree', name);
    // Staged (src/cache/staging.ts): unpacked beside and moved into place when whole. The view's link is kept as its
    // target and made again after the directory it points to is in place.
    const dirs = [
        { stored: stored('install'), live: installRoot },
        { stored: stored('cache-state'), live: paths.state },
        ...(viewed
            ? [
                { stored: stored('view-store'), live: viewStore(viewRoot) },
                { stored: stored('view-link'), live: viewRoot, link: true }
            ]
            : [])
    ];
    const entry = stagedEntry(WHAT$1, installedTreeKey(primaryKey), dirs);
    return { entry, installRoot, ...(viewed ? { viewRoot } : {}), paths, environments };
}
const PLACEHOLDER = '__spack_path_placeholder__';
/**
 * Spack's database file: `.spack-db/index.json` at the store's root, which with `padded_length` lies below the
 * configured root in directories named after Spack's path placeholder (the last one cut to length).
 */
function databaseFile(installRoot) {
    let dir = installRoot;
    for (let depth = 0; depth < 64; depth++) {
        const file = path.join(dir, '.spack-db', 'index.json');
        if (existsSync(file) || !existsSync(dir))
            return file;
        const padding = readdirSync(dir).filter(name => name.length > 2 && PLACEHOLDER.startsWith(name));
        if (padding.length !== 1)
            return file;
        dir = path.join(dir, padding[0]);
    }
    return path.join(dir, '.spack-db', 'index.json');
}
function readDatabase(installRoot) {
    const file = databaseFile(installRoot);
    if (!existsSync(file))
        return `Spack's database ${file} is missing`;
    try {
        const doc = JSON.parse(readFileSync(file, 'utf8'));
        return doc.database?.installs ?? `Spack's database ${file} records no installs`;
    }
    catch (error) {
        return `Spack's database ${file} is not JSON: ${error instanceof Error ? error.message : String(error)}`;
    }
}
/** What keeps the tree from being used as installed; empty when it is whole. */
function treeProblems(tree) {
    const installs = readDatabase(tree.installRoot);
    if (typeof installs === 'string')
        return [installs];
    const problems = [];
    if (tree.viewRoot && !viewInPlace(tree.viewRoot))
        problems.push(`the view ${tree.viewRoot} is missing`);
    for (const { envDir, environment } of tree.environments) {
        const { lock, madeFrom } = keptLock(tree.paths, envDir);
        const name = path.basename(envDir);
        if (!existsSync(lock)) {
            problems.push(`no kept lock of ${name}`);
            continue;
        }
        if (!existsSync(madeFrom) || readFileSync(madeFrom, 'utf8').trim() !== environmentDigest(environment)) {
            problems.push(`the kept lock of ${name} was made from another spack.yaml`);
            continue;
        }
        for (const spec of lockedSpecs(readFileSync(lock, 'utf8'))) {
            if (spec.external)
                continue;
            const record = installs[spec.hash];
            const id = `${spec.name}@${spec.version}/${spec.hash.slice(0, 7)}`;
            if (!record?.installed || !record.path)
                problems.push(`${id} is not recorded as installed`);
            else if (!existsSync(path.join(record.path, '.spack', 'spec.json')))
                problems.push(`${id}: ${record.path} is missing or incomplete`);
        }
    }
    return problems;
}
/** A view as Spack leaves it: a link to a directory in the view's store. */
function viewInPlace(viewRoot) {
    try {
        if (!lstatSync(viewRoot).isSymbolicLink())
            return false;
        const target = realpathSync(viewRoot);
        return statSync(target).isDirectory() && path.dirname(target) === realpathSync(viewStore(viewRoot));
    }
    catch {
        return false;
    }
}
/**
 * Restores the newest tree of this very build. Its key when it came back whole; a tree that did not is removed, with
 * the restored locks, so that the build cache's restore starts from a clean slate.
 */
async function restoreInstalledTree(tree, guard = {}) {
    const restored = await restoreEntry(tree.entry, {
        ...guard,
        restoreKeys: [`${tree.entry.key}-complete-`],
        without: 'installing from the build cache instead'
    });
    if (restored.outcome === 'missed')
        info(`No installed tree ${tree.entry.key}: installing from the build cache`);
    if (restored.outcome !== 'done')
        return undefined;
    const problems = treeProblems(tree);
    if (problems.length === 0) {
        info(`Restored the installed tree ${restored.key}: every package is installed, and the view in place`);
        return restored.key ?? tree.entry.key;
    }
    warning(`The restored installed tree ${restored.key} is not whole (${problems.slice(0, 3).join('; ')}${problems.length > 3 ? `; ${problems.length - 3} more` : ''}): removed, installing from the build cache instead`);
    for (const dir of tree.entry.staged ?? [])
        rmSync(dir.live, { recursive: true, force: true });
    return undefined;
}
/** Saves the tree after a complete build under `key`; nothing (said in the log) when it is not whole. */
async function saveInstalledTree(tree, key, guard = {}) {
    const problems = treeProblems(tree);
    if (problems.length > 0) {
        info(`The installed tree is not whole, not saved: ${problems.slice(0, 3).join('; ')}`);
        return false;
    }
    return saveEntry({ ...tree.entry, key }, guard);
}

/**
 * The kept locks alone in the Actions cache, for builds that take their binaries from remote build caches instead of
 * keeping them in the Actions cache (`cache: false` with `buildcache-mirrors` or `buildcache-push`): the next run of
 * the same build adopts its lock and concretizes nothing, as a run with the build cache does. A few kilobytes.
 *
 * Key: the build cache's primary key with `-locks`, restored by that key only (a lock is adopted only when it was
 * made from the very same spack.yaml, which the key hashes).
 */
/** The entry: the kept locks' directory, staged under the transfer directory (src/cache/staging.ts). */
function keptLocksEntry(primaryKey, paths) {
    return stagedEntry('the kept spack.lock', `${primaryKey}-locks`, [
        { stored: path.join(paths.transfer, 'kept-locks'), live: paths.state }
    ]);
}
/** Restores the locks of this very build; true when they came back. */
async function restoreKeptLocks(entry, guard = {}) {
    const restored = await restoreEntry(entry, { ...guard, without: 'concretizing' });
    if (restored.outcome === 'done')
        info(`Restored the kept spack.lock ${entry.key}`);
    else if (restored.outcome === 'missed')
        info(`No kept spack.lock ${entry.key}: Spack concretizes`);
    return restored.outcome === 'done';
}
async function saveKeptLocks(entry, guard = {}) {
    return saveEntry(entry, guard);
}

/**
 * Restore the build cache: keys made from everything that decides the concretization; on the very same build, the
 * installed tree at the same paths (nothing to extract), else the local mirror and the kept locks; and what the post
 * step must save handed to it. A build whose binaries come from remote build caches alone (`cache: false`) restores
 * its kept locks only.
 */
/** The condition under which a run restores the build cache and installs from it: no whole installed tree. */
const TREE_NOT_RESTORED = {
    id: 'tree-not-restored',
    text: 'the installed tree of this very build was not restored whole'
};
function keysOf({ build, spack, repo, environment }) {
    return cacheKeys({
        prefix: build.request.cache.keyPrefix,
        os: hostOs(),
        arch: hostArch(),
        spackCommit: spack.commit ?? spack.version,
        builtinCommit: spack.builtin?.commit ?? 'site',
        repoHash: repo.contentHash,
        gccVersion: build.gccVersion,
        target: build.request.target,
        // URL credentials a site's spack-config may hold change nothing Spack concretizes: left out of the key.
        environment: maskUrlCredentials([environment.compiler?.environment ?? '', environment.environment].join('\n')),
        ...(build.request.stage === 'dependencies' ? { label: 'dependencies' } : {})
    });
}
async function restoreCache(input) {
    const { build, spack, index, environment } = input;
    const keys = keysOf(input);
    const paths = cachePaths(build);
    const base = {
        primaryKey: keys.primary,
        paths,
        environments: [
            ...(environment.compiler ? [environment.compiler] : []),
            {
                envDir: environment.envDir,
                environment: environment.environment,
                ...(only(build) ? { only: only(build) } : {})
            }
        ].map(written => ({ ...written, environment: maskUrlCredentials(written.environment) })),
        spack: { executable: spack.executable, env: spack.env },
        repoIndex: index
    };
    if (!build.request.cache.enabled) {
        const locks = keptLocksEntry(keys.primary, paths);
        const restored = await restoreKeptLocks(locks);
        saveCacheState({ ...base, keptLocks: { entry: locks, restored } });
        return { hit: 'none', keptLocks: restored };
    }
    // A dependencies job's roots are not installed: its tree is never whole, and no cell would restore it.
    const tree = build.request.stage === 'dependencies'
        ? undefined
        : installedTreeOf(keys.primary, build.work.layout, paths, base.environments);
    const treeKey = tree ? await restoreInstalledTree(tree) : undefined;
    const treeRestored = treeKey !== undefined;
    const restored = treeKey
        ? { hit: 'exact', restoredKey: treeKey, installedTree: true }
        : await restoreBuildCache$1(keys, paths, currentRun());
    saveCacheState({
        ...base,
        ...(restored.restoredKey ? { restoredKey: restored.restoredKey } : {}),
        ...(tree ? { installedTree: { tree, restored: treeRestored } } : {})
    });
    return restored;
}
function planRestore(build) {
    const { layout } = build.work;
    if (!build.request.cache.enabled)
        return keepsSpackState(build.request)
            ? [
                {
                    note: `restore spack.lock of this very build from the Actions cache (unpacked under ${build.work.cacheTransfer}, moved into place when whole; the binaries come from remote build caches)`
                }
            ]
            : [];
    return [
        ...(build.request.stage === 'dependencies'
            ? []
            : [
                {
                    note: `restore the installed tree (${layout.installRoot}) and spack.lock of this very build from the Actions cache (unpacked under ${build.work.cacheTransfer}, moved into place when whole)`
                }
            ]),
        {
            note: `restore ${LOCAL_MIRROR} (${layout.localMirror}) and spack.lock from the Actions cache (unpacked under ${build.work.cacheTransfer}, moved into place when whole)`,
            ...(build.request.stage === 'dependencies' ? {} : { when: [TREE_NOT_RESTORED] })
        }
    ];
}
const restoreBuildCache = {
    key: 'cache',
    title: build => (build.request.cache.enabled ? 'Restore the build cache' : 'Restore spack.lock'),
    plan: planRestore,
    skip: ({ build }) => (keepsSpackState(build.request) ? undefined : { hit: 'none' }),
    run: restoreCache,
    outputs: restored => ({ [OUTPUTS.cacheHit]: restored.hit })
};

/**
 * Every Spack command line the action runs, as argument arrays. The phases run them and plan mode shows them, so
 * what a plan shows is what a build does (a test runs both on the stand-in Spack and compares).
 */
/** `spack --version`: the first command, which proves the installation answers. */
function versionArgs() {
    return ['--version'];
}
function repoAddArgs(repoPath, scope) {
    return ['repo', 'add', '--scope', scope, repoPath];
}
function repoRemoveArgs(namespace, scope) {
    return ['repo', 'remove', '--scope', scope, namespace];
}
function repoListArgs() {
    return ['repo', 'list'];
}
/** `spack python <script> <args>`: a check run by Spack's own Python, with its modules. */
function pythonArgs(script, args = []) {
    return ['python', script, ...args];
}
/** The host's target as archspec names it. */
function hostTargetArgs() {
    return ['arch', '--target'];
}
/** Whether Spack's Python imports clingo, its concretizer (which it can't bootstrap offline). */
function clingoArgs() {
    return ['python', '-c', 'import clingo; print(clingo.__version__)'];
}
function compilerFindArgs(scope) {
    return ['compiler', 'find', '--scope', scope];
}
/** `spack -e <env> python <script>`: a check run inside the environment. */
function environmentPythonArgs(envDir, script) {
    return ['-e', envDir, 'python', script];
}
function concretizeArgs(envDir) {
    return ['-e', envDir, 'concretize'];
}
function installArgs(envDir, jobs, only) {
    return ['-e', envDir, 'install', '--jobs', String(jobs), '--fail-fast', ...(only ? ['--only', only] : [])];
}
function pushArgs(envDir, mirror, unsigned, only) {
    return [
        '-e',
        envDir,
        'buildcache',
        'push',
        '--update-index',
        ...(only ? ['--only', only] : []),
        ...(unsigned ? ['--unsigned'] : []),
        mirror
    ];
}
/**
 * Pushes these packages alone (`/<hash>`), overwriting what the mirror holds of them: a package built from source
 * although the mirror had it (its archive there was damaged, so Spack quietly built it again). A plain push would skip
 * it as "already in the buildcache" and keep the damaged archive.
 */
function forcePushArgs(envDir, mirror, unsigned, hashes) {
    return [
        '-e',
        envDir,
        'buildcache',
        'push',
        '--force',
        '--only',
        'package',
        ...(['--unsigned'] ),
        mirror,
        ...hashes.map(hash => `/${hash}`)
    ];
}
function locationArgs(envDir, hash) {
    return ['-e', envDir, 'location', '--install-dir', `/${hash}`];
}
/** `spack gpg trust <file>`: a key into Spack's keyring (public keys to read with, the private key to sign with). */
function gpgTrustArgs(keyFile) {
    return ['gpg', 'trust', keyFile];
}
/** A command line for people: arguments that need it are single-quoted. Display only, never executed. */
function displayCommand(program, args) {
    return [program, ...args]
        .map(arg => (/^[A-Za-z0-9_@%+=:,./<>-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`))
        .join(' ');
}

/**
 * The runner's compilers as `spack compiler find` detected them, kept with Spack's package index in the Actions cache
 * (the same entry, its key the index's plus a fingerprint of the compilers on PATH), so that a warm run puts the
 * recorded detection into Spack's user scope instead of running `spack compiler find` (seconds, every job).
 *
 * The fingerprint hashes every executable on the PATH Spack is given whose name says compiler (gcc, g++, gfortran,
 * clang, flang, Intel's and NVIDIA's), with the size and time of the file it resolves to: a runner image with another
 * GCC, or a step that installs one, has another fingerprint and detects afresh. The key's other parts (Spack, its
 * builtin packages) are the index's. What is recorded is the whole `packages.yaml` that `spack compiler find` wrote
 * into the action's isolated user scope, and is written back byte for byte.
 */
const COMPILER_NAME = /gcc|g\+\+|gfortran|clang|flang|icx|icpx|ifx|ifort|nvc|nvfortran/;
/** The compilers Spack would find on `pathVariable`, as a short hash. */
function compilerFingerprint(pathVariable) {
    const hash = createHash('sha256');
    const dirs = [...new Set(pathVariable.split(path.delimiter).filter(dir => path.isAbsolute(dir)))];
    for (const dir of dirs) {
        let names;
        try {
            names = readdirSync(dir).filter(name => COMPILER_NAME.test(name));
        }
        catch {
            continue;
        }
        if (names.length > 0)
            hash.update(`dir ${dir}\n`);
        for (const name of names.sort()) {
            let what = 'unreadable';
            try {
                const target = realpathSync(path.join(dir, name));
                const stat = statSync(target);
                what = `${target} ${stat.size} ${Math.floor(stat.mtimeMs)}`;
            }
            catch {
                // a dangling link: its name is still part of the fingerprint
            }
            hash.update(`${name} ${what}\n`);
        }
    }
    return hash.digest('hex').slice(0, 16);
}
function userPackages(userConfigDir) {
    return path.join(userConfigDir, 'packages.yaml');
}
/**
 * Writes the recorded detection into Spack's user scope when it was made for these very compilers; false (nothing
 * written) otherwise.
 */
function useRecordedDetection(detection, userConfigDir) {
    if (!existsSync(detection.file))
        return false;
    let recorded;
    try {
        recorded = JSON.parse(readFileSync(detection.file, 'utf8'));
    }
    catch {
        return false;
    }
    if (recorded.fingerprint !== detection.fingerprint)
        return false;
    if (recorded.packagesYaml !== null) {
        mkdirSync(userConfigDir, { recursive: true });
        writeFileSync(userPackages(userConfigDir), recorded.packagesYaml);
    }
    return true;
}
/** Records what `spack compiler find` just wrote into the user scope, for these compilers. */
function recordDetection(detection, userConfigDir) {
    const file = userPackages(userConfigDir);
    const recorded = {
        fingerprint: detection.fingerprint,
        packagesYaml: existsSync(file) ? readFileSync(file, 'utf8') : null
    };
    mkdirSync(path.dirname(detection.file), { recursive: true });
    writeFileSync(detection.file, `${JSON.stringify(recorded)}\n`);
}

/**
 * How text that came from the user is shown. Text that came from the user (a spack-config's YAML, a rendered spack.yaml, resolved inputs) written into the log as
 * it is: between `::stop-commands::<token>` and `::<token>::`, so that a line in it that looks like a workflow
 * command (`::warning::`, `::add-mask::`, `::set-output`, indented or not) is shown, never acted on. The token is
 * random for each echo, so the text cannot end the pause itself. URL credentials are masked (src/secrets.ts). And a
 * long value in a one-line message (a summary row, an annotation) is cut, its length stated.
 */
function logVerbatim(text) {
    const token = `slurm-factory-${randomBytes(16).toString('hex')}`;
    info(`::stop-commands::${token}`);
    info(redact(text));
    info(`::${token}::`);
}
/** `text` cut after `max` characters, its full length stated: `aaaa... (100000 characters)`. */
function shortened(text, max) {
    return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} characters)`;
}

/**
 * Prepares the environment directory: detects the runner's compilers with Spack, renders spack.yaml with them, and
 * writes it. The rendered text is what the cache key hashes, so a different compiler on the runner changes the key.
 */
/** The `gcc` entry that `spack compiler find` wrote into the isolated user scope, if any. */
function detectedCompilers(userConfigDir) {
    const file = path.join(userConfigDir, 'packages.yaml');
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
/**
 * The runner's compilers into Spack's user scope: as recorded for these very compilers (restored with Spack's
 * package index), or found by `spack compiler find` and recorded for the next run.
 */
async function findCompilers(spack, detection) {
    const userConfig = spack.env.SPACK_USER_CONFIG_PATH;
    if (detection && userConfig && useRecordedDetection(detection, userConfig)) {
        info(`The runner's compilers as Spack found them before (fingerprint ${detection.fingerprint})`);
        return;
    }
    await spack.run(compilerFindArgs('user'), { silent: true });
    if (detection && userConfig)
        recordDetection(detection, userConfig);
}
async function prepareEnvironment(spack, request, gccVersion, repo, layout, detection) {
    await findCompilers(spack, detection);
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
    // A dependencies job renders its own environment: the roots' dependencies only, for one or more Slurm versions.
    const dependencies = request.stage === 'dependencies';
    const environment = dependencies ? dependenciesEnvironmentYaml(inputs) : environmentYaml(inputs);
    const envDir = dependencies ? layout.dependenciesEnvDir : layout.envDir;
    writeEnvironment(envDir, environment);
    logVerbatim(environment);
    return { envDir, environment, foundGcc, ...(compiler ? { compiler } : {}) };
}
function writeEnvironment(envDir, environment) {
    mkdirSync(envDir, { recursive: true });
    writeFileSync(path.join(envDir, 'spack.yaml'), environment);
    return { envDir, environment };
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
 * Every git call goes through `runProgram` with an argument array and an allow-listed environment; network failures
 * are retried, a wrong commit, a missing ref or a URL git refuses is not.
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
/**
 * What git gets of the runner's environment beyond the common allow-list (src/child-env.ts): its own variables
 * (GIT_SSH_COMMAND, GIT_CONFIG_COUNT/KEY_n/VALUE_n with which a workflow hands git credentials for a private
 * spack-repo, TLS settings) and an ssh agent. Git writes none of them anywhere; Spack never gets them.
 */
function gitEnv() {
    const env = {};
    for (const [name, value] of Object.entries(process.env))
        if (value !== undefined && (name.startsWith('GIT_') || name === 'SSH_AUTH_SOCK'))
            env[name] = value;
    // No prompt may wait for credentials on a runner.
    return { ...env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '', SSH_ASKPASS: '' };
}
/** Every git command line starts so: a detached checkout is what is wanted, not something to advise about. */
const GIT_OPTIONS = ['-c', 'advice.detachedHead=false'];
/** git's output of a command run in `cwd` (a clone), as it printed it. */
async function gitOutput(args, cwd) {
    const result = await runProgram('git', args, { silent: true, env: gitEnv(), cwd });
    return result.stdout;
}
async function git(args, cwd) {
    const result = await runProgram('git', [...GIT_OPTIONS, ...args], {
        silent: true,
        env: gitEnv(),
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
        env: gitEnv()
    });
    const commit = result.stdout.trim();
    return result.exitCode === 0 && COMMIT.test(commit) ? commit : undefined;
}
function missingRef(error) {
    return error instanceof CommandError && /not found in upstream origin|couldn't find remote ref/i.test(error.message);
}
/**
 * git's answers that no retry changes: a URL git refuses (a host or path starting with "-"), a protocol it does not
 * speak, a repository that is not there, credentials refused or missing, an unknown host key. A network error, a
 * server error (5xx) or a timeout is retried.
 */
const NOT_RETRIED = /strange (hostname|pathname) .* blocked|protocol .* is not supported|transport .* not allowed|unable to find remote helper|repository .* not found|does not appear to be a git repository|could not read (username|password)|authentication failed|permission denied \(|host key verification failed|requested URL returned error: (40[0-79]|41\d|42[0-8]|4[3-9]\d)|URL using bad\/illegal format/i;
/** The line of git's message that says why it refused, when no retry can help. */
function refusal(error) {
    if (!(error instanceof CommandError))
        return undefined;
    return error.tail
        .split('\n')
        .find(line => NOT_RETRIED.test(line))
        ?.trim();
}
/** The clone of a tag or branch: shallow, that ref only, checked out afterwards (see `checkOutAsCommitted`). */
function cloneArgs(url, ref, dest) {
    return ['clone', '--depth', '1', '--branch', ref, '--single-branch', '--no-checkout', '--', url, dest];
}
/**
 * Checks out `ref` with every file exactly as committed: no end-of-line conversion (Spack's .gitattributes gives
 * `*.bat` CRLF on checkout), no filter, no keyword expansion. A copy's files then hash to the commit's own tree,
 * which is how a provisioned copy is verified later (src/spack/tool-cache.ts).
 */
async function checkOutAsCommitted(dest, ref) {
    mkdirSync(path.join(dest, '.git', 'info'), { recursive: true });
    writeFileSync(path.join(dest, '.git', 'info', 'attributes'), '* -text -eol -filter -ident -working-tree-encoding\n');
    await git(['checkout', '--quiet', '--detach', ref], dest);
}
/** One attempt: `git clone --depth 1 --branch <ref>`, or a fetch of the commit when `ref` is a commit id. */
async function cloneOnce(request) {
    rmSync(request.dest, { recursive: true, force: true });
    mkdirSync(path.dirname(request.dest), { recursive: true });
    const { url, ref, dest } = request;
    try {
        if (!COMMIT.test(ref)) {
            await git(cloneArgs(url, ref, dest));
            await checkOutAsCommitted(dest, 'HEAD');
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
                allowFailure: true,
                env: gitEnv()
            });
            if (found.exitCode !== 0)
                throw new FatalError(`${request.repository} at ${url}: commit ${ref} does not exist there`);
            await checkOutAsCommitted(dest, ref);
        }
    }
    catch (error) {
        if (missingRef(error)) {
            throw new FatalError(`${request.repository} at ${url}: there is no tag or branch ${ref}`, { cause: error });
        }
        const refused = refusal(error);
        if (refused)
            throw new FatalError(`${request.repository} at ${url}: git refused it: ${refused}`, { cause: error });
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
 * Registration of the package repository that provides slurm (the bundled `spack-repo/`, a workspace path, or a
 * git URL at a ref), checked with Spack itself: every package the repository defines, slurm first, must resolve
 * to its namespace ahead of builtin. Also the repository's content hash and commit for the cache key.
 */
const IGNORED_DIRS = new Set(['__pycache__', '.git']);
/** The directory holding repo.yaml: `dir` itself, or the single one under `dir/spack_repo/` or `dir/repos/spack_repo/`. */
function findRepoRoot(dir) {
    if (existsSync(path.join(dir, 'repo.yaml')))
        return dir;
    const candidates = [];
    for (const parent of [path.join(dir, 'spack_repo'), path.join(dir, 'repos', 'spack_repo')]) {
        if (!existsSync(parent) || !statSync(parent).isDirectory())
            continue;
        for (const entry of readdirSync(parent, { withFileTypes: true })) {
            if (entry.isDirectory() && existsSync(path.join(parent, entry.name, 'repo.yaml')))
                candidates.push(path.join(parent, entry.name));
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
    const file = path.join(repoRoot, 'repo.yaml');
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
    for (const entry of readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
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
        const full = path.join(dir, ...relative.split('/'));
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
/** Where the repository check is written for `spack python` to run. */
function checkScript(scratchDir) {
    return path.join(scratchDir, 'check-repo.py');
}
/** The packages a repository must define unless told otherwise. */
const REQUIRED_PACKAGES = ['slurm'];
/** Where a source's files are: its path, or where a git source is (or will be) checked out. */
function repoBase(source, runnerTemp) {
    return source.kind === 'git' ? repoCheckout(runnerTemp, source.url, source.ref) : path.resolve(source.path);
}
/**
 * The repository directory Spack is given (`base` itself, or the one repository below `base/spack_repo/`, as in
 * vantagecompute/slurm-factory-spack-repo) and the namespace its repo.yaml declares. The real run and plan mode both
 * resolve a source here.
 */
function resolveRepo(base) {
    const root = findRepoRoot(base);
    const namespace = readNamespace(root);
    if (namespace === 'builtin') {
        throw new FatalError(`the package repository ${root} uses the namespace builtin, which is Spack's own; give it another namespace`);
    }
    return { root, namespace };
}
/** A bundled or workspace source, resolved as `resolveRepo` does; fails first when it is not there. */
function resolveLocalRepo(source, base) {
    if (!existsSync(base)) {
        throw new FatalError(source.kind === 'bundled'
            ? `the bundled package repository is missing from the action (${base})`
            : `the package repository ${base} does not exist`);
    }
    return resolveRepo(base);
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
    const script = checkScript(scratchDir);
    writeFileSync(script, CHECK_SCRIPT);
    const result = await runner.run(pythonArgs(script, [repo.namespace, ...required]), { silent: true });
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
async function addToScope(runner, repoRoot, namespace, scope) {
    try {
        await runner.run(repoAddArgs(repoRoot, scope), { silent: true });
    }
    catch (error) {
        if (!(error instanceof CommandError && /already exists/.test(error.message)))
            throw error;
        // Registered earlier in this job (the same scope): replace the entry so it names this checkout.
        await runner.run(repoRemoveArgs(namespace, scope), { silent: true });
        await runner.run(repoAddArgs(repoRoot, scope), { silent: true });
    }
}
/**
 * Makes `source` available (cloning a git source shallowly at its ref), registers it with `spack repo add` in the
 * isolated user scope, where it comes ahead of builtin, and checks that Spack resolves slurm (and every other
 * package of the repository) to it.
 */
async function registerRepo(source, runner, options) {
    const base = repoBase(source, options.runnerTemp);
    let commit;
    if (source.kind === 'git') {
        commit = await cloneVerified({
            repository: 'the Spack package repository',
            url: source.url,
            ref: source.ref,
            dest: base,
            ...(/^[0-9a-f]{40}$/.test(source.ref) ? { expectedCommit: source.ref } : {}),
            ...(options.retry ? { retry: options.retry } : {})
        });
    }
    const { root: repoRoot, namespace } = source.kind === 'git' ? resolveRepo(base) : resolveLocalRepo(source, base);
    if (source.kind !== 'git')
        commit = await headCommit(repoRoot);
    const contentHash = repoContentHash(repoRoot);
    await addToScope(runner, repoRoot, namespace, options.scope ?? 'user');
    const list = await runner.run(repoListArgs(), { silent: true });
    info(`spack repo list:\n${list.stdout.trimEnd()}`);
    const packages = await checkRepo(runner, { path: repoRoot, namespace }, options.required ?? REQUIRED_PACKAGES, workDirs(options.runnerTemp).scratch);
    info(`Package repository ${namespace} at ${repoRoot}: content ${contentHash}${commit ? `, commit ${commit}` : ''}`);
    return { path: repoRoot, namespace, contentHash, ...(commit ? { commit } : {}), packages };
}

/**
 * The repository directory and namespace a build registers, as far as they are known before it runs: resolved as
 * the run resolves them for a bundled or workspace repository (failing as it would); for a git repository, the
 * checkout directory and the bundled repository's namespace until the clone says otherwise.
 */
function plannedRepo(build) {
    const source = build.request.repo;
    const base = repoBase(source, build.runnerTemp);
    if (source.kind === 'git')
        return { root: base, namespace: 'slurm_factory', known: false };
    return { ...resolveLocalRepo(source, base), known: true };
}
function planRegistration(build) {
    const source = build.request.repo;
    const repo = plannedRepo(build);
    const script = checkScript(build.work.scratch);
    return [
        ...(source.kind === 'git'
            ? [
                { program: 'git', args: [...GIT_OPTIONS, ...cloneArgs(source.url, source.ref, repo.root)] },
                {
                    note: `${repo.root}: the repository is the clone itself, or the one under spack_repo/ in it, as its repo.yaml says`
                }
            ]
            : []),
        { spack: repoAddArgs(repo.root, 'user') },
        { spack: repoListArgs() },
        { writes: script },
        { spack: pythonArgs(script, [repo.namespace, ...REQUIRED_PACKAGES]) }
    ];
}
const registerRepository = {
    key: 'repo',
    title: () => 'Register the package repository',
    plan: planRegistration,
    run: ({ build, spack }) => registerRepo(build.request.repo, spack.runner, { runnerTemp: build.runnerTemp })
};

/** Render the Spack environment: the runner's compilers found by Spack, and spack.yaml written from the request. */
/** Spack v1.0 compiles only with a compiler on the runner or already installed: the others are built first. */
function gccMissing(build) {
    return { id: 'gcc-missing', text: `gcc@${build.gccVersion} is not on the runner` };
}
/** The build's spack.yaml as plan mode can render it: without the compilers only `spack compiler find` can name. */
function plannedEnvironment(build) {
    const repo = plannedRepo(build);
    return (build.request.stage === 'dependencies' ? dependenciesEnvironmentYaml : environmentYaml)({
        request: build.request,
        gccVersion: build.gccVersion,
        repoPath: repo.root,
        repoNamespace: repo.namespace,
        layout: build.work.layout
    });
}
/** The runner's compilers are detected unless a detection of these very compilers came with the package index. */
const NO_RECORDED_COMPILERS = {
    id: 'no-recorded-compilers',
    text: "no detection of the runner's compilers by this Spack came with its package index"
};
function planEnvironment(build) {
    const { layout } = build.work;
    return [
        { spack: compilerFindArgs('user'), ...(keepsSpackState(build.request) ? { when: [NO_RECORDED_COMPILERS] } : {}) },
        { writes: path.join(layout.compilerEnvDir, 'spack.yaml'), when: [gccMissing(build)] },
        { writes: path.join(environmentDir(build), 'spack.yaml'), content: plannedEnvironment(build) }
    ];
}
const renderEnvironment = {
    key: 'environment',
    title: () => 'Render the environment',
    plan: planEnvironment,
    run: ({ build, spack, index, repo }) => prepareEnvironment(spack.runner, build.request, build.gccVersion, repo, build.work.layout, index.cache.detection)
};

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
 * The entry is staged (src/cache/staging.ts): unpacked beside the misc cache and its files moved in when whole. Each
 * save goes under a key of its own run (`<key>-<run>-<attempt>`), and the newest is restored, so an index entry that
 * turns out damaged is replaced by the next job's.
 *
 * The same entry holds the runner's compilers as `spack compiler find` detected them (src/spack/compiler-detection.ts):
 * its key is the index's plus the compilers' fingerprint, and a run on other compilers restores the index by the
 * key without it, detects its compilers, and saves both under its own key.
 */
/** The index kinds Spack keeps per repository, each a directory of Spack's misc cache. */
const INDEX_KINDS = ['providers', 'tags', 'patches'];
/** The builtin repository's index files in an index kind's directory (as a regular expression's source). */
const BUILTIN_INDEX = '^builtin-.*index\\.json$';
const short = (value) => part(value).slice(0, 12);
function repoIndexCache(inputs) {
    const builtin = inputs.builtinCommit
        ? `builtin${short(inputs.builtinCommit)}`
        : `site${createHash('sha256').update(inputs.spackRoot).digest('hex').slice(0, 12)}`;
    const transfer = inputs.transfer ?? `${inputs.miscCache}-transfer`;
    const base = `${inputs.keyPrefix}-spack-index-spack${short(inputs.spack)}-${builtin}`;
    const { detection } = inputs;
    return {
        key: detection ? `${base}-compilers${detection.fingerprint}` : base,
        ...(detection ? { otherCompilers: `${base}-compilers` } : {}),
        dirs: [
            ...INDEX_KINDS.map(kind => ({
                stored: path.join(transfer, 'spack-index', kind),
                live: path.join(inputs.miscCache, kind),
                files: BUILTIN_INDEX
            })),
            // The detection's directory holds nothing else (src/work.ts): it is the entry's whole.
            ...(detection
                ? [{ stored: path.join(transfer, 'spack-index', 'compilers'), live: path.dirname(detection.file) }]
                : [])
        ],
        pinned: inputs.builtinCommit !== undefined,
        ...(detection ? { detection } : {})
    };
}
/**
 * The index cache of a provisioned (or site) Spack: its misc cache is `cache/` under SPACK_USER_CACHE_PATH, which the
 * action always sets, or under Spack's default `~/.spack`.
 */
function repoIndexCacheOf(spack, keyPrefix, detectionFile) {
    const pathVariable = spack.env.PATH ?? process.env.PATH ?? '';
    return repoIndexCache({
        keyPrefix,
        miscCache: path.join(spack.env.SPACK_USER_CACHE_PATH ?? path.join(homedir(), '.spack'), 'cache'),
        spack: spack.commit ?? spack.version,
        ...(spack.builtin ? { builtinCommit: spack.builtin.commit } : {}),
        spackRoot: spack.root,
        ...(detectionFile ? { detection: { file: detectionFile, fingerprint: compilerFingerprint(pathVariable) } } : {})
    });
}
/** The index files present now (what a save would store). */
function indexFiles(cache) {
    const files = [];
    for (const { live, files: pattern } of cache.dirs) {
        if (pattern !== BUILTIN_INDEX || !existsSync(live))
            continue;
        for (const name of readdirSync(live))
            if (new RegExp(BUILTIN_INDEX).test(name))
                files.push(path.join(live, name));
    }
    return files;
}
const WHAT = "Spack's package index";
/**
 * Restores the index for this Spack and builtin repository (then, when pinned, its files are marked as new so that
 * Spack reads them instead of rebuilding), by its own key or, recorded with other compilers, by the key without
 * them. True when an entry of this very key came back: nothing to save. A failing service only warns.
 */
async function restoreRepoIndex(cache, guard = {}, run = currentRun()) {
    const entry = stagedEntry(WHAT, runKey(cache.key, run), cache.dirs);
    const restoreKeys = [`${cache.key}-`, ...(cache.otherCompilers ? [cache.otherCompilers] : [])];
    const restored = await restoreEntry(entry, { ...guard, restoreKeys, without: 'Spack rebuilds it' });
    if (restored.outcome === 'missed')
        info(`No cached package index ${cache.key}: Spack indexes the builtin packages (about a minute)`);
    if (restored.outcome !== 'done')
        return false;
    const files = indexFiles(cache);
    if (cache.pinned) {
        const now = new Date();
        for (const file of files)
            utimesSync(file, now, now);
    }
    const own = restored.key?.startsWith(`${cache.key}-`) === true;
    info(`Restored Spack's package index ${restored.key} (${files.length} files${own ? '' : ', recorded with other compilers'})`);
    return files.length > 0 && own;
}
/**
 * Saves the index Spack built or restored in this job with the compilers it detected; nothing when the index was
 * never built, or the compilers never detected (the step failed before). A failure only warns.
 */
async function saveRepoIndex(cache, guard = {}, run = currentRun()) {
    if (indexFiles(cache).length === 0) {
        info('Spack built no package index in this job: nothing to save');
        return false;
    }
    if (cache.detection && !existsSync(cache.detection.file)) {
        info("The runner's compilers were not detected in this job: the package index is not saved");
        return false;
    }
    return saveEntry(stagedEntry(WHAT, runKey(cache.key, run), cache.dirs), guard);
}

/**
 * The post step (runs also after a failed build): pushes whatever was installed to the local mirror and saves the
 * build cache, under a key of this run's own: a complete build's, or a partial one that later runs restore. A package
 * Spack built from source although the restored mirror held it (its archive was damaged) is pushed again over it,
 * and the cache saved afresh, so the next run finds it whole. A complete build also saves its installed tree, and
 * Spack's package index is saved with the runner's compilers, each unless it was restored. Without the build cache
 * (remote build caches serve the binaries), a complete build saves its kept locks alone. Its cache calls spend what
 * the main step left of the job's cache budget, and are skipped when the main step's were stopped
 * (src/cache/budget.ts).
 */
/** Whether the main step built anything from source, in any environment. */
function builtAnything(state) {
    return Object.values(state.built).some(hashes => hashes.length > 0);
}
/**
 * The key this run saves under, or undefined when a complete cache of this configuration (or its installed tree) was
 * restored and nothing had to be built again.
 */
function keyToSave(state, runId, attempt) {
    if (state.installedTree?.restored)
        return undefined;
    if (!state.complete)
        return partialKey(state.primaryKey, runId, attempt);
    const whole = state.restoredKey !== undefined && isComplete(state.primaryKey, state.restoredKey);
    return whole && !builtAnything(state) ? undefined : completeKey(state.primaryKey, runId, attempt);
}
const COMPLETE = { id: 'build-complete', text: 'the build completed' };
/** What the post step would do for `build`. */
function planPost(build) {
    const { layout } = build.work;
    const notWhole = {
        id: 'not-restored-whole',
        text: 'the build cache was not restored whole, or something was built from source'
    };
    const builtFromSource = {
        id: 'built-from-source',
        text: 'packages were built from source (<built-from-source>: their hashes), pushed over what the mirror held of them'
    };
    const index = { note: "save Spack's package index and the runner's compilers unless they were restored" };
    const title = 'Post step (also after a failed build)';
    if (!build.request.cache.enabled)
        return {
            title,
            steps: keepsSpackState(build.request)
                ? [
                    index,
                    { note: 'save spack.lock', when: [{ id: 'no-cached-lock', text: 'no kept lock was restored' }, COMPLETE] }
                ]
                : []
        };
    const envDir = environmentDir(build);
    return {
        title,
        steps: [
            index,
            {
                spack: forcePushArgs(layout.compilerEnvDir, LOCAL_MIRROR, true, ['<built-from-source>']),
                when: [TREE_NOT_RESTORED, builtFromSource, gccMissing(build)]
            },
            {
                spack: pushArgs(layout.compilerEnvDir, LOCAL_MIRROR, true),
                when: [TREE_NOT_RESTORED, notWhole, gccMissing(build)]
            },
            {
                spack: forcePushArgs(envDir, LOCAL_MIRROR, true, ['<built-from-source>']),
                when: [TREE_NOT_RESTORED, builtFromSource]
            },
            { spack: pushArgs(envDir, LOCAL_MIRROR, true, only(build)), when: [TREE_NOT_RESTORED, notWhole] },
            { note: 'save the build cache (a partial key after a failure)', when: [TREE_NOT_RESTORED, notWhole] },
            ...(build.request.stage === 'dependencies'
                ? []
                : [
                    {
                        note: `save the installed tree (${layout.installRoot}) and spack.lock`,
                        when: [TREE_NOT_RESTORED, COMPLETE]
                    }
                ])
        ]
    };
}
async function runPost() {
    try {
        const state = loadPostState();
        if (!state) {
            info('slurm-factory: no build cache to save');
            return;
        }
        const budget = CacheBudget.forPost();
        useCachePolicy(budget);
        if (state.repoIndex && !state.repoIndex.restored && !budget.refuse()) {
            const index = state.repoIndex.cache;
            await group(`Save Spack's package index`, () => saveRepoIndex(index));
        }
        // The pushes only serve the save: none once the job's cache traffic has stopped.
        const stopped = budget.refuse();
        if (stopped) {
            info(`Not pushing to the local build cache nor saving it: ${stopped} (earlier in this job)`);
            return;
        }
        if (state.keptLocks)
            return await saveLocks(state, state.keptLocks);
        const run = currentRun();
        const key = keyToSave(state, run.id, run.attempt);
        if (key)
            await saveBuild(state, key);
        else if (state.installedTree?.restored)
            info(`The installed tree ${state.restoredKey ?? ''} was restored whole: nothing to save`);
        else
            info(`The build cache ${state.restoredKey} was restored whole and nothing was built: nothing to save`);
        const installed = state.installedTree;
        if (state.complete && installed && !installed.restored && !budget.refuse()) {
            const treeKey = installedTreeSaveKey(installed.tree, run);
            await group(`Save the installed tree as ${treeKey}`, () => saveInstalledTree(installed.tree, treeKey));
        }
    }
    catch (error) {
        warning(`Saving the build cache failed: ${error instanceof Error ? error.message : String(error)}`);
    }
}
/** Pushes what each environment installed to the local mirror, keeps the locks, and saves the build cache as `key`. */
async function saveBuild(state, key) {
    const spack = createSpackRunner(state.spack.executable, state.spack.env);
    for (const { envDir, environment, only } of state.environments) {
        await pushToLocalMirror(spack, envDir, state.built[envDir] ?? [], only);
        keepLock(state.paths, envDir, environment);
    }
    await group(`Save the build cache as ${key}`, () => saveBuildCache(key, state.paths));
}
/** Pushes what `envDir` installed to the local mirror; what it built from source over what the mirror held of it. */
async function pushToLocalMirror(spack, envDir, built, only) {
    await group(`Push what ${path.basename(envDir)} installed to the local build cache`, async () => {
        if (built.length) {
            const forced = await spack.run(forcePushArgs(envDir, LOCAL_MIRROR, true, built), { allowFailure: true });
            if (forced.exitCode !== 0)
                warning(`The packages built from source could not be pushed again: ${lastLines(forced.stderr, 3)}`);
        }
        const push = await spack.run(pushArgs(envDir, LOCAL_MIRROR, true, only), { allowFailure: true });
        if (push.exitCode !== 0) {
            warning(`Some packages could not be pushed to the local build cache (not installed): ${lastLines(push.stderr, 3)}`);
        }
    });
}
/** Without the build cache: a complete build keeps its locks for the next run, unless they were restored. */
async function saveLocks(state, locks) {
    if (locks.restored || !state.complete) {
        info(locks.restored ? 'The kept spack.lock was restored: nothing to save' : 'The build did not complete: no lock kept');
        return;
    }
    for (const { envDir, environment } of state.environments)
        keepLock(state.paths, envDir, environment);
    await group(`Save the kept spack.lock as ${locks.entry.key}`, () => saveKeptLocks(locks.entry));
}

export { useCachePolicy as $, plannedRepo as A, repoIndexCacheOf as B, CommandError as C, restoreRepoIndex as D, workDirs as E, FatalError as F, cloneVerified as G, gitOutput as H, createSpackRunner as I, versionArgs as J, GIT_OPTIONS as K, LOCAL_MIRROR as L, cloneArgs as M, gpgTrustArgs as N, pushArgs as O, PUSH_MIRROR as P, only as Q, environmentDir as R, hostTargetArgs as S, TREE_NOT_RESTORED as T, slurmSpec as U, shortened as V, logVerbatim as W, displayCommand as X, registerRepository as Y, renderEnvironment as Z, restoreBuildCache as _, registerRunnerSecrets as a, CacheBudget as a0, resolveBuild as a1, planPost as a2, runPost as a3, runProgram as b, parseOsRelease as c, childEnv as d, redactBuildEnv as e, redact as f, concretizeArgs as g, clingoArgs as h, installArgs as i, environmentPythonArgs as j, gccMissing as k, lastLines as l, maskUrlCredentials as m, adoptCachedLock as n, cachePaths as o, parseSiteConfig as p, namedMirrors as q, registerSecret as r, keepsSpackState as s, saveBuilt as t, readLock as u, locationArgs as v, withCredentials as w, markComplete as x, mirrorName as y, pythonArgs as z };
