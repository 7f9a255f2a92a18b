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
 *
 * The same entry holds the runner's compilers as `spack compiler find` detected them (src/spack/compiler-detection.ts):
 * its key is the index's plus the compilers' fingerprint, and a run on other compilers restores the index by the
 * key without it, detects its compilers, and saves both under its own key.
 */
import * as core from '@actions/core'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, utimesSync } from 'node:fs'
import path from 'node:path'
import { homedir } from 'node:os'
import { compilerFingerprint, type CompilerDetection } from '../spack/compiler-detection.js'
import type { ProvisionedSpack } from '../spack/provision.js'
import { part } from './keys.js'
import { restoreEntry, saveEntry, type GuardOptions } from './service.js'

/** The index kinds Spack keeps per repository, each a directory of Spack's misc cache. */
export const INDEX_KINDS = ['providers', 'tags', 'patches'] as const

export interface RepoIndexCache {
  readonly key: string
  /** The index restored from an entry of other compilers (the key without their fingerprint). */
  readonly restoreKeys: readonly string[]
  /** Glob patterns of the builtin repository's index files, and the detection's file (the cache entry's paths). */
  readonly patterns: readonly string[]
  /** The key pins the builtin repository's content, so restored files may be marked as new. */
  readonly pinned: boolean
  /** Where the runner's compilers are recorded, and their fingerprint (part of the key). */
  readonly detection?: CompilerDetection
}

export interface RepoIndexInputs {
  readonly keyPrefix: string
  /** Spack's misc cache: `$SPACK_USER_CACHE_PATH/cache` unless configured otherwise. */
  readonly miscCache: string
  /** The commit (or, lacking one, the version) of Spack: the index format follows Spack. */
  readonly spack: string
  /** The builtin repository's commit when it was provisioned at a pinned commit. */
  readonly builtinCommit?: string
  /** Where Spack lives, for a builtin repository that its own configuration names. */
  readonly spackRoot: string
  readonly detection?: CompilerDetection
}

const short = (value: string): string => part(value).slice(0, 12)

export function repoIndexCache(inputs: RepoIndexInputs): RepoIndexCache {
  const builtin = inputs.builtinCommit
    ? `builtin${short(inputs.builtinCommit)}`
    : `site${createHash('sha256').update(inputs.spackRoot).digest('hex').slice(0, 12)}`
  const base = `${inputs.keyPrefix}-spack-index-spack${short(inputs.spack)}-${builtin}`
  const { detection } = inputs
  return {
    key: detection ? `${base}-compilers${detection.fingerprint}` : base,
    restoreKeys: detection ? [`${base}-compilers`] : [],
    patterns: [
      ...INDEX_KINDS.map(kind => path.join(inputs.miscCache, kind, 'builtin-*index.json')),
      ...(detection ? [detection.file] : [])
    ],
    pinned: inputs.builtinCommit !== undefined,
    ...(detection ? { detection } : {})
  }
}

/**
 * The index cache of a provisioned (or site) Spack: its misc cache is `cache/` under SPACK_USER_CACHE_PATH, which the
 * action always sets, or under Spack's default `~/.spack`.
 */
export function repoIndexCacheOf(spack: ProvisionedSpack, keyPrefix: string, detectionFile?: string): RepoIndexCache {
  const pathVariable = spack.env.PATH ?? process.env.PATH ?? ''
  return repoIndexCache({
    keyPrefix,
    miscCache: path.join(spack.env.SPACK_USER_CACHE_PATH ?? path.join(homedir(), '.spack'), 'cache'),
    spack: spack.commit ?? spack.version,
    ...(spack.builtin ? { builtinCommit: spack.builtin.commit } : {}),
    spackRoot: spack.root,
    ...(detectionFile ? { detection: { file: detectionFile, fingerprint: compilerFingerprint(pathVariable) } } : {})
  })
}

/** The index files present now (what a save would store). */
export function indexFiles(cache: RepoIndexCache): string[] {
  const files: string[] = []
  for (const pattern of cache.patterns.filter(p => p !== cache.detection?.file)) {
    const dir = path.dirname(pattern)
    if (!existsSync(dir)) continue
    for (const name of readdirSync(dir)) if (/^builtin-.*index\.json$/.test(name)) files.push(path.join(dir, name))
  }
  return files
}

const WHAT = "Spack's package index"

/**
 * Restores the index for this Spack and builtin repository (then, when pinned, its files are marked as new so that
 * Spack reads them instead of rebuilding), by its own key or, recorded with other compilers, by the key without
 * them. True when the entry of this very key came back: nothing to save. A failing service only warns.
 */
export async function restoreRepoIndex(cache: RepoIndexCache, guard: GuardOptions = {}): Promise<boolean> {
  const entry = { what: WHAT, key: cache.key, paths: cache.patterns }
  const restored = await restoreEntry(entry, { ...guard, restoreKeys: cache.restoreKeys, without: 'Spack rebuilds it' })
  if (restored.outcome === 'missed')
    core.info(`No cached package index ${cache.key}: Spack indexes the builtin packages (about a minute)`)
  if (restored.outcome !== 'done') return false
  const files = indexFiles(cache)
  if (cache.pinned) {
    const now = new Date()
    for (const file of files) utimesSync(file, now, now)
  }
  const other = restored.key !== cache.key ? ', recorded with other compilers' : ''
  core.info(`Restored Spack's package index ${restored.key} (${files.length} files${other})`)
  return files.length > 0 && restored.key === cache.key
}

/**
 * Saves the index Spack built or restored in this job with the compilers it detected; nothing when the index was
 * never built, or the compilers never detected (the step failed before). A failure only warns.
 */
export async function saveRepoIndex(cache: RepoIndexCache, guard: GuardOptions = {}): Promise<boolean> {
  if (indexFiles(cache).length === 0) {
    core.info('Spack built no package index in this job: nothing to save')
    return false
  }
  if (cache.detection && !existsSync(cache.detection.file)) {
    core.info("The runner's compilers were not detected in this job: the package index is not saved")
    return false
  }
  return saveEntry({ what: WHAT, key: cache.key, paths: cache.patterns }, guard)
}
