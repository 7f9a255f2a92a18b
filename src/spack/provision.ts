/**
 * Provisioning of Spack and of its builtin package repository: from the runner's tool cache when an earlier job
 * left a verified copy there, otherwise a shallow clone of the release tag checked against its pinned commit and
 * then cached. Or, with `spack-root`, an existing Spack that answers `spack --version`.
 *
 * All of Spack's user state (configuration, caches, GPG keyring, install tree and stages outside an environment)
 * lives under RUNNER_TEMP, so jobs sharing a runner do not leak into each other or into the cached copy.
 */
import * as core from '@actions/core'
import * as tc from '@actions/tool-cache'
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parse, stringify } from 'yaml'
import { BUILTIN_PINS, type BuiltinPin } from '../catalog.js'
import type { SpackSource } from '../inputs.js'
import { FatalError, type RetryOptions } from '../retry.js'
import { workDirs } from '../work.js'
import { versionArgs } from './commands.js'
import { cloneVerified } from './git.js'
import { CommandError, createSpackRunner, runProgram, type SpackRunner } from './runner.js'

/** Where Spack and its builtin packages come from unless told otherwise. */
export interface SpackSources {
  readonly spack: string
  readonly packages: string
}

export const DEFAULT_SOURCES: SpackSources = {
  spack: 'https://github.com/spack/spack.git',
  packages: 'https://github.com/spack/spack-packages.git'
}

/** Tool-cache names; prefixed so that no other action's `spack` entry is taken for ours. */
export const SPACK_TOOL = 'slurm-factory-spack'
export const PACKAGES_TOOL = 'slurm-factory-spack-packages'

/** Written into every verified copy; a cached copy without it, or with another commit, is not used. */
export const PROVENANCE_FILE = '.slurm-factory-provenance.json'

interface Provenance {
  readonly repository: string
  readonly url: string
  readonly tag: string
  readonly commit: string
}

export interface ProvisionedBuiltin {
  /** The repository directory Spack's `repos` configuration names (`<copy>/repos/spack_repo/builtin`). */
  readonly path: string
  readonly tag: string
  readonly commit: string
  readonly fromToolCache: boolean
}

export interface ProvisionedSpack {
  /** SPACK_ROOT. */
  readonly root: string
  /** `<root>/bin/spack`. */
  readonly executable: string
  /** The version `spack --version` reports, for example `1.0.0`. */
  readonly version: string
  /** The release tag asked for (`v1.0.0`); absent for an existing Spack. */
  readonly tag?: string
  /** The commit of Spack: verified for a provisioned one, as reported for an existing one (when it says). */
  readonly commit?: string
  /** The builtin packages provisioned for it; absent when Spack's own configuration names them. */
  readonly builtin?: ProvisionedBuiltin
  /** Spack was found in the tool cache (no download). */
  readonly fromToolCache: boolean
  /** An existing Spack (`spack-root`) rather than a provisioned one. */
  readonly existing: boolean
  /** Directory holding all of Spack's user state for this job (under RUNNER_TEMP). */
  readonly stateDir: string
  /** The variables every Spack command must get: SPACK_ROOT and the isolation of user state. */
  readonly env: Readonly<Record<string, string>>
  readonly runner: SpackRunner
}

export interface ProvisionOptions {
  readonly runnerTemp: string
  /** Clone sources; each defaults to the upstream GitHub repository. */
  readonly sources?: Partial<SpackSources>
  readonly retry?: RetryOptions
  /**
   * The builtin packages to provision. By default: the pin of the Spack series for a provisioned Spack, nothing
   * for an existing Spack (its own configuration names them). `'keep'` never provisions them.
   */
  readonly builtin?: BuiltinPin | 'keep'
  /** Put Spack on PATH and export SPACK_ROOT and the isolation variables for later steps (default true). */
  readonly exportToJob?: boolean
  /** No network: what is not in the tool cache is an error, never a clone. */
  readonly offline?: boolean
}

/** `v1.0.0` -> `1.0.0`, `v2025.07.0` -> `2025.7.0`: the form the tool cache can look up. */
export function toolVersion(tag: string): string {
  const match = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(tag)
  if (!match) throw new FatalError(`${JSON.stringify(tag)} is not a release tag of the form vX.Y.Z`)
  return match
    .slice(1, 4)
    .map(part => String(Number(part)))
    .join('.')
}

/** `v1.0.2` -> `v1.0`. */
export function releaseSeries(tag: string): string {
  const match = /^v?(\d+)\.(\d+)\./.exec(tag)
  return match ? `v${Number(match[1])}.${Number(match[2])}` : tag
}

/** The isolation variables for a state directory; the system scope is isolated only for a provisioned Spack. */
export function isolationEnv(stateDir: string, isolateSystemScope: boolean): Record<string, string> {
  return {
    SPACK_USER_CONFIG_PATH: path.join(stateDir, 'config'),
    SPACK_USER_CACHE_PATH: path.join(stateDir, 'cache'),
    ...(isolateSystemScope ? { SPACK_SYSTEM_CONFIG_PATH: path.join(stateDir, 'system') } : {}),
    SPACK_GNUPGHOME: path.join(stateDir, 'gpg')
  }
}

function readProvenance(dir: string): Provenance | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, PROVENANCE_FILE), 'utf8')) as Provenance
  } catch {
    return undefined
  }
}

interface TreeRequest {
  readonly tool: string
  readonly repository: string
  readonly url: string
  readonly tag: string
  readonly commit: string
  readonly runnerTemp: string
  readonly retry?: RetryOptions
  readonly offline?: boolean
}

/** Where a fresh clone of `tag` goes before it is verified and cached. */
export function stagingDir(runnerTemp: string, tool: string, tag: string): string {
  return path.join(workDirs(runnerTemp).staging, `${tool}-${toolVersion(tag)}`)
}

/** A verified copy of `tag`: the tool cache's when it holds the same commit, else a fresh clone that is then cached. */
async function provisionTree(request: TreeRequest): Promise<{ path: string; fromToolCache: boolean }> {
  const version = toolVersion(request.tag)
  const useToolCache = Boolean(process.env.RUNNER_TOOL_CACHE)
  if (useToolCache) {
    const cached = tc.find(request.tool, version)
    if (cached) {
      const provenance = readProvenance(cached)
      if (provenance?.commit === request.commit) {
        core.info(`${request.repository} ${request.tag} (${request.commit}) found in the tool cache: ${cached}`)
        return { path: cached, fromToolCache: true }
      }
      core.warning(
        `${request.repository} ${request.tag} in the tool cache (${cached}) is at ${provenance?.commit ?? 'an unrecorded commit'}, ` +
          `not ${request.commit}; fetching it again`
      )
    }
  } else {
    core.warning('RUNNER_TOOL_CACHE is not set: the copy is kept in RUNNER_TEMP for this job only')
  }
  if (request.offline) {
    throw new FatalError(
      `offline: ${request.repository} ${request.tag} is not in the runner's tool cache and can't be cloned without network; ` +
        'run the action once with network on this runner, or give an existing Spack with spack-root'
    )
  }
  const staging = stagingDir(request.runnerTemp, request.tool, request.tag)
  core.info(`Cloning ${request.repository} ${request.tag} from ${request.url}`)
  const commit = await cloneVerified({
    repository: request.repository,
    url: request.url,
    ref: request.tag,
    dest: staging,
    expectedCommit: request.commit,
    ...(request.retry ? { retry: request.retry } : {})
  })
  core.info(`${request.repository} ${request.tag} verified at commit ${commit}`)
  rmSync(path.join(staging, '.git'), { recursive: true, force: true })
  const provenance: Provenance = { repository: request.repository, url: request.url, tag: request.tag, commit }
  writeFileSync(path.join(staging, PROVENANCE_FILE), `${JSON.stringify(provenance, null, 2)}\n`)
  if (!useToolCache) {
    const kept = path.join(workDirs(request.runnerTemp).tools, request.tool, version)
    rmSync(kept, { recursive: true, force: true })
    mkdirSync(path.dirname(kept), { recursive: true })
    renameSync(staging, kept)
    return { path: kept, fromToolCache: false }
  }
  const cachedPath = await tc.cacheDir(staging, request.tool, version)
  rmSync(staging, { recursive: true, force: true })
  return { path: cachedPath, fromToolCache: false }
}

/** The first line of `spack --version`: `1.0.0` or `1.0.0 (<commit>)`. */
export function parseSpackVersion(output: string): { version: string; commit?: string } | undefined {
  const line = output.trim().split('\n')[0]?.trim() ?? ''
  const match = /^(\d+\.\d+[^\s]*)(?:\s+\(([0-9a-f]{7,40})\))?/.exec(line)
  if (!match) return undefined
  return { version: match[1] as string, ...(match[2] ? { commit: match[2] } : {}) }
}

async function spackVersion(
  root: string,
  env: Record<string, string>,
  what: string
): Promise<{ version: string; commit?: string }> {
  const executable = path.join(root, 'bin', 'spack')
  if (!existsSync(executable)) throw new FatalError(`${what}: ${root} is not a Spack installation (no bin/spack)`)
  let output: string
  try {
    const result = await runProgram(executable, versionArgs(), { silent: true, baseEnv: env })
    output = result.stdout
  } catch (error) {
    const detail =
      error instanceof CommandError
        ? `exit code ${error.exitCode}${error.tail ? `:\n${error.tail}` : ''}`
        : String(error)
    throw new FatalError(`${what}: \`${executable} --version\` failed (${detail})`, { cause: error })
  }
  const parsed = parseSpackVersion(output)
  if (!parsed)
    throw new FatalError(
      `${what}: \`${executable} --version\` printed ${JSON.stringify(output.trim())}, not a Spack version`
    )
  return parsed
}

/** Merges `section` into `<scope>/<file>` (the isolated user scope), keeping what is already there. */
function mergeScopeFile(scopeDir: string, file: string, section: string, values: Record<string, unknown>): void {
  const target = path.join(scopeDir, file)
  let document: Record<string, unknown> = {}
  if (existsSync(target)) document = (parse(readFileSync(target, 'utf8')) as Record<string, unknown> | null) ?? {}
  const current = (document[section] as Record<string, unknown> | undefined) ?? {}
  document[section] = { ...current, ...values }
  writeFileSync(target, stringify(document, { lineWidth: 0 }))
}

function prepareState(stateDir: string, env: Record<string, string>): void {
  for (const dir of Object.values(env)) mkdirSync(dir, { recursive: true })
  // GnuPG warns about, and Spack's keyring must not have, a home directory others can read.
  chmodSync(env.SPACK_GNUPGHOME as string, 0o700)
  mkdirSync(stateDir, { recursive: true })
}

/**
 * Provisions Spack for this job (or checks the existing one `request.root` names), isolates its user state under
 * `options.runnerTemp`, and, unless told not to, puts it on PATH and exports SPACK_ROOT and the isolation variables.
 */
export async function provisionSpack(request: SpackSource, options: ProvisionOptions): Promise<ProvisionedSpack> {
  const sources: SpackSources = { ...DEFAULT_SOURCES, ...(options.sources ?? {}) }
  const existing = Boolean(request.root)
  const stateDir = workDirs(options.runnerTemp).spackState
  const isolation = isolationEnv(stateDir, !existing)
  prepareState(stateDir, isolation)
  if (process.env.SPACK_DISABLE_LOCAL_CONFIG !== undefined) {
    core.warning('SPACK_DISABLE_LOCAL_CONFIG is set: Spack ignores the isolated user scope the action configures')
  }

  let root: string
  let fromToolCache = false
  let verifiedCommit: string | undefined
  if (request.root !== undefined) {
    root = path.resolve(request.root)
  } else {
    const commit = request.commit
    const tree = await provisionTree({
      tool: SPACK_TOOL,
      repository: 'Spack',
      url: sources.spack,
      tag: request.version,
      commit,
      runnerTemp: options.runnerTemp,
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.offline ? { offline: true } : {})
    })
    root = tree.path
    fromToolCache = tree.fromToolCache
    verifiedCommit = commit
  }

  const env: Record<string, string> = { SPACK_ROOT: root, ...isolation }
  const what = existing ? `spack-root ${root}` : `Spack ${request.version} (${root})`
  const reported = await spackVersion(root, env, what)
  if (!existing && toolVersion(request.version) !== reported.version) {
    core.warning(`Spack ${request.version} reports its version as ${reported.version}`)
  }

  const builtin = await provisionBuiltin(request, root, existing, sources, options)
  const userScope = isolation.SPACK_USER_CONFIG_PATH as string
  if (builtin) mergeScopeFile(userScope, 'repos.yaml', 'repos', { builtin: builtin.path })
  if (!existing) {
    // Outside an environment Spack would write into its own tree, which is the shared tool-cache copy.
    mergeScopeFile(userScope, 'config.yaml', 'config', {
      install_tree: { root: path.join(stateDir, 'opt') },
      source_cache: path.join(stateDir, 'source-cache'),
      build_stage: [path.join(stateDir, 'stage')]
    })
  }

  const executable = path.join(root, 'bin', 'spack')
  if (options.exportToJob ?? true) {
    core.addPath(path.join(root, 'bin'))
    for (const [name, value] of Object.entries(env)) core.exportVariable(name, value)
  }
  const commit = verifiedCommit ?? reported.commit
  core.info(
    `Spack ${reported.version}${commit ? ` (${commit})` : ''} at ${root}` +
      (existing ? ' (spack-root)' : fromToolCache ? ' (tool cache)' : ' (fetched and cached)') +
      (builtin ? `; builtin packages ${builtin.tag} (${builtin.commit}) at ${builtin.path}` : '') +
      `; user state in ${stateDir}`
  )
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
  }
}

async function provisionBuiltin(
  request: SpackSource,
  root: string,
  existing: boolean,
  sources: SpackSources,
  options: ProvisionOptions
): Promise<ProvisionedBuiltin | undefined> {
  if (options.builtin === 'keep') return undefined
  let pin = options.builtin
  if (!pin) {
    // An existing Spack's own configuration names its builtin packages; Spack before v1.0 carries them inside.
    if (existing || existsSync(path.join(root, 'var', 'spack', 'repos', 'builtin', 'repo.yaml'))) return undefined
    pin = BUILTIN_PINS[releaseSeries(request.version)]
    if (!pin) {
      core.warning(
        `No builtin package repository is pinned for Spack ${releaseSeries(request.version)} ` +
          `(pinned: ${Object.keys(BUILTIN_PINS).join(', ')}); Spack fetches its default one, unverified, at first use`
      )
      return undefined
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
  })
  const repoPath = path.join(tree.path, 'repos', 'spack_repo', 'builtin')
  if (!existsSync(path.join(repoPath, 'repo.yaml'))) {
    throw new FatalError(`Spack builtin packages ${pin.tag} from ${sources.packages}: ${repoPath} holds no repo.yaml`)
  }
  return { path: repoPath, tag: pin.tag, commit: pin.commit, fromToolCache: tree.fromToolCache }
}
