/**
 * Every input of the action: reading, validation and the error message for each bad value.
 * `parseInputs` is pure apart from checking that paths exist; `readInputs` binds it to the runner's inputs.
 */
import * as core from '@actions/core'
import { existsSync, statSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import path from 'node:path'
import { parseSiteConfig, type SiteConfig } from './spack/site-config.js'
import { GCC_RELEASES, SLURM_RELEASES, SLURM_SERIES, SLURM_VARIANTS, SPACK_PINS, TARGET_PARENTS } from './catalog.js'

/** A bad input value: the message names the input, the value and what is accepted. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    message: string
  ) {
    super(`${input}: ${message}`)
    this.name = 'InputError'
  }
}

export type VariantSetting =
  | { readonly kind: 'bool'; readonly name: string; readonly enabled: boolean }
  | { readonly kind: 'value'; readonly name: string; readonly value: string }

export type RepoSource =
  | { readonly kind: 'bundled'; readonly path: string }
  | { readonly kind: 'path'; readonly path: string }
  | { readonly kind: 'git'; readonly url: string; readonly ref: string }

/**
 * The Spack to build with: a release installed at the commit its tag must resolve to (the pin, or `spack-commit`), or
 * an existing installation (`spack-root`), whose version and commit Spack itself reports.
 */
export type SpackSource =
  | { readonly version: string; readonly commit: string; readonly root?: undefined }
  | { readonly version: string; readonly commit?: string; readonly root: string }

export type ModuleSystem = 'lmod' | 'tcl' | 'none'
export type Compression = 'zstd' | 'gzip'

/** Everything the action was asked to do, validated and immutable. */
export interface BuildRequest {
  /** `slurm@<version>`: a release series (`25.11`) or a full release (`25.11.6`). */
  readonly slurmVersion: string
  /** A GCC release, or `system` for the runner's own GCC (resolved when the build starts). */
  readonly compiler: { readonly kind: 'gcc'; readonly version: string } | { readonly kind: 'system' }
  /** Variants in canonical order: booleans by name, then `name=value` by name. */
  readonly variants: readonly VariantSetting[]
  readonly target: string
  readonly spack: SpackSource
  readonly repo: RepoSource
  readonly buildcache: {
    /** Remote mirrors read before building, in the order given. */
    readonly mirrors: readonly string[]
    /** Mirror the newly built specs are pushed to. */
    readonly push?: string
    readonly signingKey?: string
    /** ASCII-armored public keys trusted for signed remote mirrors. */
    readonly trustedKeys?: string
    readonly unsigned: boolean
    readonly ociUsername?: string
    readonly ociPassword?: string
  }
  readonly cache: { readonly enabled: boolean; readonly keyPrefix: string }
  readonly artifact: {
    /** Explicit name; when absent it is derived once the build is resolved. */
    readonly name?: string
    readonly compression: Compression
    readonly retentionDays?: number
    readonly upload: boolean
    readonly slim: boolean
  }
  readonly jobs: number
  readonly modules: ModuleSystem
  readonly dryRun: boolean
  /** Collect mode: the directory of a matrix's downloaded cell records, summarized instead of building. */
  readonly collect?: string
  /** Spack configuration the site merges into the environment (`spack-config`). */
  readonly siteConfig?: SiteConfig
  /** No network at all: no default mirror, no bootstrapping, sources and binaries from the given mirrors only. */
  readonly offline: boolean
}

/** Where relative paths resolve and what the runner offers. */
export interface InputContext {
  /** The workflow's workspace (`GITHUB_WORKSPACE`); relative paths resolve here. */
  readonly workspace: string
  /** The action's own checkout, holding the bundled `spack-repo/`. */
  readonly actionPath: string
  readonly cpus: number
}

type Get = (name: string) => string

const MIRROR_SCHEMES = ['https://', 'http://', 's3://', 'oci://', 'file://'] as const
const BOOLEAN_VARIANTS = SLURM_VARIANTS.filter(name => name !== 'sysconfdir')
const NAME = '[a-z][a-z0-9_-]*'
const VALUE = '[A-Za-z0-9_./,-]+'

/**
 * Reads the action's inputs from the runner; masks secrets before anything can print them. A multi-line secret (an
 * ASCII-armored key) is masked whole and line by line, since the runner matches masks within a line.
 */
export function readInputs(context: InputContext = defaultContext()): BuildRequest {
  for (const secret of ['signing-key', 'oci-password']) {
    const value = core.getInput(secret)
    if (!value) continue
    core.setSecret(value)
    for (const line of value.split(/\r?\n/))
      if (line.trim().length >= 8 && !line.startsWith('-----')) core.setSecret(line.trim())
  }
  return parseInputs(name => core.getInput(name), context)
}

export function defaultContext(): InputContext {
  return {
    workspace: process.env.GITHUB_WORKSPACE || process.cwd(),
    actionPath: process.env.GITHUB_ACTION_PATH || actionRoot(),
    cpus: availableParallelism()
  }
}

/** The action's root: the nearest directory above this module (bundled or not) that holds action.yml. */
function actionRoot(): string {
  let dir = path.dirname(new URL(import.meta.url).pathname)
  while (!existsSync(path.join(dir, 'action.yml')) && path.dirname(dir) !== dir) dir = path.dirname(dir)
  return dir
}

export function parseInputs(get: Get, context: InputContext): BuildRequest {
  const repo = parseRepo(get('spack-repo'), context)
  const buildcache = parseBuildcache(get)
  return {
    slurmVersion: parseSlurmVersion(singleLine('slurm-version', get('slurm-version') || '25.11')),
    compiler: parseCompiler(singleLine('compiler', get('compiler'))),
    variants: parseVariants(
      singleLine('variants', get('variants') || '+rest +pmix +hwloc +ucx'),
      repo.kind === 'bundled'
    ),
    target: parseTarget(singleLine('target', get('target') || 'x86_64_v3')),
    spack: parseSpack(get, context),
    repo,
    buildcache,
    cache: {
      enabled: parseBoolean('cache', get('cache'), true),
      keyPrefix: parseKeyPrefix(singleLine('cache-key-prefix', get('cache-key-prefix') || 'slurm-factory'))
    },
    artifact: {
      name: parseArtifactName(get('artifact-name')),
      compression: parseChoice('compression', get('compression') || 'zstd', ['zstd', 'gzip']),
      retentionDays: parseRetention(get('retention-days')),
      upload: parseBoolean('upload', get('upload'), true),
      slim: parseBoolean('slim', get('slim'), false)
    },
    jobs: parseJobs(get('jobs'), context.cpus),
    modules: parseChoice('modules', get('modules') || 'lmod', ['lmod', 'tcl', 'none']),
    dryRun: parseBoolean('dry-run', get('dry-run'), false),
    ...parseCollect(singleLine('collect', get('collect')), context.workspace),
    ...siteConfig(get('spack-config'), context.workspace),
    offline: parseBoolean('offline', get('offline'), false)
  }
}

function parseCollect(value: string, workspace: string): { collect?: string } {
  if (value === '') return {}
  const dir = path.resolve(workspace, value)
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new InputError(
      'collect',
      `${JSON.stringify(value)} is not a directory of downloaded cell records (looked at ${dir})`
    )
  }
  return { collect: dir }
}

function siteConfig(value: string, workspace: string): { siteConfig?: SiteConfig } {
  try {
    const parsed = parseSiteConfig(value, workspace)
    return parsed ? { siteConfig: parsed } : {}
  } catch (error) {
    throw new InputError('spack-config', (error as Error).message)
  }
}

function singleLine(input: string, value: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) {
    throw new InputError(input, `${JSON.stringify(value)} contains a newline or control character; give it on one line`)
  }
  return value
}

export function parseSlurmVersion(value: string): string {
  const accepted = `accepted: ${SLURM_SERIES.join(', ')} or a full release such as ${SLURM_RELEASES[2]}`
  const match = /^(\d+\.\d+)(\.\d+)?$/.exec(value)
  if (!match) throw new InputError('slurm-version', `${JSON.stringify(value)} is not a Slurm version (${accepted})`)
  const series = match[1] as string
  if (!(SLURM_SERIES as readonly string[]).includes(series)) {
    throw new InputError('slurm-version', `${JSON.stringify(value)} is not a supported release series (${accepted})`)
  }
  return value
}

export function parseCompiler(value: string): BuildRequest['compiler'] {
  if (value === '' || value === 'system') return { kind: 'system' }
  const range = `gcc@${GCC_RELEASES[0]}..${GCC_RELEASES[GCC_RELEASES.length - 1]}`
  const match = /^gcc@(\d+)\.(\d+)\.(\d+)$/.exec(value)
  if (!match) {
    throw new InputError(
      'compiler',
      `${JSON.stringify(value)} is not of the form gcc@X.Y.Z (accepted: ${range}, or empty for the runner's GCC)`
    )
  }
  const version = `${match[1]}.${match[2]}.${match[3]}`
  if (!(GCC_RELEASES as readonly string[]).includes(version)) {
    const inRange = compareVersions(version, GCC_RELEASES[0]) >= 0 && compareVersions(version, '15.2.0') <= 0
    throw new InputError(
      'compiler',
      inRange
        ? `${JSON.stringify(value)} is not a GCC release (accepted: ${GCC_RELEASES.map(v => `gcc@${v}`).join(', ')})`
        : `${JSON.stringify(value)} is outside the supported range ${range}`
    )
  }
  return { kind: 'gcc', version }
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number)
  const pb = b.split('.').map(Number)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

/**
 * Spack variant syntax, token by token: `+name`, `~name` (several may be joined: `+rest+pmix`) or `name=value`.
 * Nothing else passes, so no shell or YAML syntax can reach a command line or a file.
 */
export function parseVariants(value: string, knownNamesOnly: boolean): VariantSetting[] {
  const settings = new Map<string, VariantSetting>()
  const add = (setting: VariantSetting, token: string): void => {
    if (knownNamesOnly && !(SLURM_VARIANTS as readonly string[]).includes(setting.name)) {
      throw new InputError(
        'variants',
        `${JSON.stringify(token)}: slurm has no variant "${setting.name}" (accepted: ${SLURM_VARIANTS.join(', ')})`
      )
    }
    if (knownNamesOnly && setting.kind === 'value' && setting.name !== 'sysconfdir') {
      throw new InputError(
        'variants',
        `${JSON.stringify(token)}: "${setting.name}" is an on/off variant; write +${setting.name} or ~${setting.name}`
      )
    }
    if (knownNamesOnly && setting.kind === 'bool' && setting.name === 'sysconfdir') {
      throw new InputError('variants', `${JSON.stringify(token)}: "sysconfdir" takes a value; write sysconfdir=/path`)
    }
    const earlier = settings.get(setting.name)
    if (earlier && render(earlier) !== render(setting)) {
      throw new InputError('variants', `"${setting.name}" is set twice (${render(earlier)} and ${render(setting)})`)
    }
    settings.set(setting.name, setting)
  }
  for (const token of value.split(/\s+/).filter(Boolean)) {
    if (new RegExp(`^([+~]${NAME})+$`).test(token)) {
      for (const part of token.match(new RegExp(`[+~]${NAME}`, 'g')) ?? []) {
        add({ kind: 'bool', name: part.slice(1), enabled: part.startsWith('+') }, token)
      }
      continue
    }
    const pair = new RegExp(`^(${NAME})=(${VALUE})$`).exec(token)
    if (pair) {
      const [, name, raw] = pair as unknown as [string, string, string]
      const lowered = raw.toLowerCase()
      const isBool =
        (BOOLEAN_VARIANTS as readonly string[]).includes(name) && (lowered === 'true' || lowered === 'false')
      add(isBool ? { kind: 'bool', name, enabled: lowered === 'true' } : { kind: 'value', name, value: raw }, token)
      continue
    }
    throw new InputError(
      'variants',
      `${JSON.stringify(token)} is not a Spack variant (accepted tokens: +name, ~name, name=value with letters, digits and _ . / , -)`
    )
  }
  return [...settings.values()].sort((a, b) =>
    a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'bool' ? -1 : 1
  )
}

export function render(setting: VariantSetting): string {
  return setting.kind === 'bool' ? `${setting.enabled ? '+' : '~'}${setting.name}` : `${setting.name}=${setting.value}`
}

export function parseTarget(value: string): string {
  if (!(value in TARGET_PARENTS)) {
    throw new InputError(
      'target',
      `${JSON.stringify(value)} is not a CPU target known to Spack (accepted: x86_64, x86_64_v2, x86_64_v3, x86_64_v4, aarch64, ` +
        `or a microarchitecture such as ${['haswell', 'skylake_avx512', 'zen3', 'zen4', 'neoverse_v1'].join(', ')}; all: ${Object.keys(TARGET_PARENTS).join(', ')})`
    )
  }
  return value
}

function parseSpack(get: Get, context: InputContext): BuildRequest['spack'] {
  const version = singleLine('spack-version', get('spack-version') || 'v1.0.0')
  if (!/^v\d+\.\d+\.\d+$/.test(version)) {
    throw new InputError(
      'spack-version',
      `${JSON.stringify(version)} is not a Spack release tag (accepted: vX.Y.Z, for example v1.0.0)`
    )
  }
  const commitInput = singleLine('spack-commit', get('spack-commit'))
  if (commitInput && !/^[0-9a-f]{40}$/.test(commitInput)) {
    throw new InputError('spack-commit', `${JSON.stringify(commitInput)} is not a full 40-hex-digit commit id`)
  }
  const pinned = SPACK_PINS[version]
  if (commitInput && pinned && commitInput !== pinned) {
    throw new InputError('spack-commit', `${commitInput} contradicts the pin of ${version}, which is ${pinned}`)
  }
  const commit = commitInput || pinned
  const rootInput = singleLine('spack-root', get('spack-root'))
  if (rootInput) {
    const root = path.resolve(context.workspace, rootInput)
    if (!existsSync(path.join(root, 'bin', 'spack'))) {
      throw new InputError(
        'spack-root',
        `${JSON.stringify(rootInput)} is not a Spack installation (no bin/spack in ${root})`
      )
    }
    return { version, root, ...(commit ? { commit } : {}) }
  }
  if (!commit) {
    throw new InputError(
      'spack-version',
      `${version} has no pinned commit (pinned: ${Object.keys(SPACK_PINS).join(', ')}); give its commit id in spack-commit, or use spack-root`
    )
  }
  return { version, commit }
}

export function parseRepo(value: string, context: InputContext): RepoSource {
  value = singleLine('spack-repo', value)
  if (value === '') return { kind: 'bundled', path: path.join(context.actionPath, 'spack-repo') }
  const git = /^((?:https?|ssh|git|file):\/\/[^\s@]+|git@[A-Za-z0-9.-]+:[^\s@]+)(?:@([A-Za-z0-9._/-]+))?$/.exec(value)
  if (git) {
    const [, url, ref] = git as unknown as [string, string, string | undefined]
    if (!ref)
      throw new InputError(
        'spack-repo',
        `${JSON.stringify(value)} names a git repository but no ref; append @<tag, branch or commit>`
      )
    if (ref.startsWith('-') || ref.includes('..'))
      throw new InputError('spack-repo', `${JSON.stringify(ref)} is not a valid git ref`)
    return { kind: 'git', url, ref }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new InputError(
      'spack-repo',
      `${JSON.stringify(value)} is neither a path nor a git URL (accepted: empty for the bundled repo, a workspace path, or https://host/repo.git@ref)`
    )
  }
  const resolved = path.resolve(context.workspace, value)
  if (!existsSync(resolved) || !statSync(resolved).isDirectory()) {
    throw new InputError('spack-repo', `${JSON.stringify(value)} is not a directory (looked at ${resolved})`)
  }
  return { kind: 'path', path: resolved }
}

function parseMirror(input: string, value: string): string {
  if (!MIRROR_SCHEMES.some(scheme => value.startsWith(scheme)) || /\s/.test(value)) {
    throw new InputError(
      input,
      `${JSON.stringify(value)} is not a mirror URL (accepted: ${MIRROR_SCHEMES.map(s => `${s}...`).join(', ')})`
    )
  }
  if (value.startsWith('file://') && !value.startsWith('file:///')) {
    throw new InputError(
      input,
      `${JSON.stringify(value)}: a file:// mirror needs an absolute path (file:///path/to/mirror)`
    )
  }
  return value.replace(/\/+$/, '')
}

function parseBuildcache(get: Get): BuildRequest['buildcache'] {
  const mirrors = get('buildcache-mirrors')
    .split('\n')
    .map(line => line.trim())
    .filter(line => line && !line.startsWith('#'))
    .map(line => parseMirror('buildcache-mirrors', line))
  const pushInput = singleLine('buildcache-push', get('buildcache-push'))
  const push = pushInput ? parseMirror('buildcache-push', pushInput) : undefined
  const signingKey = get('signing-key') || undefined
  const unsigned = parseBoolean('unsigned', get('unsigned'), false)
  if (signingKey && !signingKey.includes('BEGIN PGP PRIVATE KEY BLOCK')) {
    throw new InputError(
      'signing-key',
      'is not an ASCII-armored GPG private key (expected a "-----BEGIN PGP PRIVATE KEY BLOCK-----" block)'
    )
  }
  if (push && !signingKey && !unsigned) {
    throw new InputError(
      'buildcache-push',
      `pushing to ${push} signs the binaries: give signing-key, or set unsigned: true`
    )
  }
  const trustedKeys = get('buildcache-keys') || undefined
  if (trustedKeys && !trustedKeys.includes('BEGIN PGP PUBLIC KEY BLOCK')) {
    throw new InputError(
      'buildcache-keys',
      'is not an ASCII-armored GPG public key (expected a "-----BEGIN PGP PUBLIC KEY BLOCK-----" block)'
    )
  }
  const ociUsername = singleLine('oci-username', get('oci-username')) || undefined
  const ociPassword = get('oci-password') || undefined
  return {
    mirrors,
    unsigned,
    ...(push ? { push } : {}),
    ...(signingKey ? { signingKey } : {}),
    ...(trustedKeys ? { trustedKeys } : {}),
    ...(ociUsername ? { ociUsername } : {}),
    ...(ociPassword ? { ociPassword } : {})
  }
}

export function parseBoolean(input: string, value: string, fallback: boolean): boolean {
  if (value === '') return fallback
  if (['true', 'True', 'TRUE'].includes(value)) return true
  if (['false', 'False', 'FALSE'].includes(value)) return false
  throw new InputError(input, `${JSON.stringify(value)} is not a boolean (accepted: true, false)`)
}

function parseChoice<T extends string>(input: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw new InputError(input, `${JSON.stringify(value)} is not accepted (accepted: ${choices.join(', ')})`)
  }
  return value as T
}

function parseKeyPrefix(value: string): string {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(value)) {
    throw new InputError(
      'cache-key-prefix',
      `${JSON.stringify(value)} is not accepted (accepted: 1 to 64 letters, digits, '.', '_' or '-')`
    )
  }
  return value
}

function parseArtifactName(value: string): string | undefined {
  if (value === '') return undefined
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/.test(value)) {
    throw new InputError(
      'artifact-name',
      `${JSON.stringify(value)} is not accepted (accepted: up to 128 letters, digits, '.', '_', '+' or '-', starting with a letter or digit)`
    )
  }
  return value
}

function parseRetention(value: string): number | undefined {
  if (value === '') return undefined
  const days = /^\d+$/.test(value) ? Number(value) : NaN
  if (!(days >= 1 && days <= 90)) {
    throw new InputError(
      'retention-days',
      `${JSON.stringify(value)} is not accepted (accepted: a whole number of days from 1 to 90, or empty for the repository's setting)`
    )
  }
  return days
}

function parseJobs(value: string, cpus: number): number {
  if (value === '') return Math.max(1, cpus)
  const jobs = /^\d+$/.test(value) ? Number(value) : NaN
  if (!(jobs >= 1 && jobs <= 1024)) {
    throw new InputError(
      'jobs',
      `${JSON.stringify(value)} is not accepted (accepted: a whole number from 1 to 1024, or empty for the number of cores)`
    )
  }
  return jobs
}
