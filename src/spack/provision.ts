/**
 * Provisioning of Spack and of its builtin package repository: from the runner's tool cache when an earlier job
 * left a verified copy there, otherwise a shallow clone of the release tag checked against its pinned commit and
 * then cached. Or, with `spack-root`, an existing Spack that answers `spack --version`.
 *
 * All of Spack's user state (configuration, caches, GPG keyring, install tree and stages outside an environment)
 * lives under RUNNER_TEMP, so jobs sharing a runner do not leak into each other or into the cached copy.
 */
import * as core from '@actions/core'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parse, stringify } from 'yaml'
import { BUILTIN_PINS, type BuiltinPin } from '../catalog.js'
import type { SpackSource } from '../inputs.js'
import { FatalError, type RetryOptions } from '../retry.js'
import { workDirs } from '../work.js'
import { versionArgs } from './commands.js'
import { provisionTree, SPACK_TOOL, PACKAGES_TOOL, toolVersion } from './tool-cache.js'
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

/** The Spack tree to use: the existing one `spack-root` names, or a verified copy of the release. */
async function spackTree(
  request: SpackSource,
  sources: SpackSources,
  options: ProvisionOptions
): Promise<{ root: string; fromToolCache: boolean; verifiedCommit?: string }> {
  if (request.root !== undefined) return { root: path.resolve(request.root), fromToolCache: false }
  const tree = await provisionTree({
    tool: SPACK_TOOL,
    repository: 'Spack',
    url: sources.spack,
    tag: request.version,
    commit: request.commit,
    runnerTemp: options.runnerTemp,
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.offline ? { offline: true } : {})
  })
  return { root: tree.path, fromToolCache: tree.fromToolCache, verifiedCommit: request.commit }
}

/**
 * The isolated user scope: the builtin packages provisioned for this Spack, and, for a provisioned Spack, an install
 * tree and stages of its own (outside an environment Spack would write into its own tree, the shared tool-cache copy).
 */
function configureUserScope(
  userScope: string,
  stateDir: string,
  builtin: ProvisionedBuiltin | undefined,
  existing: boolean
): void {
  if (builtin) mergeScopeFile(userScope, 'repos.yaml', 'repos', { builtin: builtin.path })
  if (existing) return
  mergeScopeFile(userScope, 'config.yaml', 'config', {
    install_tree: { root: path.join(stateDir, 'opt') },
    source_cache: path.join(stateDir, 'source-cache'),
    build_stage: [path.join(stateDir, 'stage')]
  })
}

/**
 * Provisions Spack for this job (or checks the existing one `request.root` names), isolates its user state under
 * `options.runnerTemp`, and, unless told not to, puts it on PATH and exports SPACK_ROOT and the isolation variables.
 */
export async function provisionSpack(request: SpackSource, options: ProvisionOptions): Promise<ProvisionedSpack> {
  const sources: SpackSources = { ...DEFAULT_SOURCES, ...(options.sources ?? {}) }
  const existing = request.root !== undefined
  const stateDir = workDirs(options.runnerTemp).spackState
  const isolation = isolationEnv(stateDir, !existing)
  prepareState(stateDir, isolation)
  if (process.env.SPACK_DISABLE_LOCAL_CONFIG !== undefined) {
    core.warning('SPACK_DISABLE_LOCAL_CONFIG is set: Spack ignores the isolated user scope the action configures')
  }
  const { root, fromToolCache, verifiedCommit } = await spackTree(request, sources, options)
  const env: Record<string, string> = { SPACK_ROOT: root, ...isolation }
  // Python's byte code goes under RUNNER_TEMP, never beside the sources of a verified copy: Python then neither writes
  // into the tool cache nor reads byte code a job may have left there (src/spack/tool-cache.ts). Not exported.
  const byteCode = { PYTHONPYCACHEPREFIX: path.join(stateDir, 'pycache') }
  const reported = await spackVersion(
    root,
    existing ? env : { ...env, ...byteCode },
    existing ? `spack-root ${root}` : `Spack ${request.version} (${root})`
  )
  if (!existing && toolVersion(request.version) !== reported.version) {
    core.warning(`Spack ${request.version} reports its version as ${reported.version}`)
  }
  const builtin = await provisionBuiltin(request, root, existing, sources, options)
  configureUserScope(isolation.SPACK_USER_CONFIG_PATH as string, stateDir, builtin, existing)
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
  const executable = path.join(root, 'bin', 'spack')
  const spackEnv = existing && !builtin ? env : { ...env, ...byteCode }
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
