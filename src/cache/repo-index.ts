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
import * as core from '@actions/core'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, utimesSync } from 'node:fs'
import path from 'node:path'
import { homedir } from 'node:os'
import { compilerFingerprint, type CompilerDetection } from '../spack/compiler-detection.js'
import type { ProvisionedSpack } from '../spack/provision.js'
import { currentRun, part, runKey, type JobRun } from './keys.js'
import { restoreEntry, saveEntry, stagedEntry, type GuardOptions } from './service.js'
import type { StagedDir } from './staging.js'

/** The index kinds Spack keeps per repository, each a directory of Spack's misc cache. */
export const INDEX_KINDS = ['providers', 'tags', 'patches'] as const

export interface RepoIndexCache {
  /** What the keys of this index's entries start with. */
  readonly key: string
  /** Prefixes of the entries restored when none of this key is found: the index recorded with other compilers. */
  readonly otherCompilers?: string
  /** Each index kind's directory of Spack's misc cache (`live`), the builtin repository's files only, and where the
   * entry stores it. */
  readonly dirs: readonly StagedDir[]
  /** The key pins the builtin repository's content, so restored files may be marked as new. */
  readonly pinned: boolean
  /** Where the runner's compilers are recorded, and their fingerprint (part of the key). */
  readonly detection?: CompilerDetection
}

/** The builtin repository's index files in an index kind's directory (as a regular expression's source). */
const BUILTIN_INDEX = '^builtin-.*index\\.json$'

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
  /** Where the entry is unpacked before its files are moved into the misc cache (default: beside the misc cache). */
  readonly transfer?: string
  readonly detection?: CompilerDetection
}

const short = (value: string): string => part(value).slice(0, 12)

export function repoIndexCache(inputs: RepoIndexInputs): RepoIndexCache {
  const builtin = inputs.builtinCommit
    ? `builtin${short(inputs.builtinCommit)}`
    : `site${createHash('sha256').update(inputs.spackRoot).digest('hex').slice(0, 12)}`
  const transfer = inputs.transfer ?? `${inputs.miscCache}-transfer`
  const base = `${inputs.keyPrefix}-spack-index-spack${short(inputs.spack)}-${builtin}`
  const { detection } = inputs
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
  for (const { live, files: pattern } of cache.dirs) {
    if (pattern !== BUILTIN_INDEX || !existsSync(live)) continue
    for (const name of readdirSync(live)) if (new RegExp(BUILTIN_INDEX).test(name)) files.push(path.join(live, name))
  }
  return files
}

const WHAT = "Spack's package index"

/**
 * Restores the index for this Spack and builtin repository (then, when pinned, its files are marked as new so that
 * Spack reads them instead of rebuilding), by its own key or, recorded with other compilers, by the key without
 * them. True when an entry of this very key came back: nothing to save. A failing service only warns.
 */
export async function restoreRepoIndex(
  cache: RepoIndexCache,
  guard: GuardOptions = {},
  run: JobRun = currentRun()
): Promise<boolean> {
  const entry = stagedEntry(WHAT, runKey(cache.key, run), cache.dirs)
  const restoreKeys = [`${cache.key}-`, ...(cache.otherCompilers ? [cache.otherCompilers] : [])]
  const restored = await restoreEntry(entry, { ...guard, restoreKeys, without: 'Spack rebuilds it' })
  if (restored.outcome === 'missed')
    core.info(`No cached package index ${cache.key}: Spack indexes the builtin packages (about a minute)`)
  if (restored.outcome !== 'done') return false
  const files = indexFiles(cache)
  if (cache.pinned) {
    const now = new Date()
    for (const file of files) utimesSync(file, now, now)
  }
  const own = restored.key?.startsWith(`${cache.key}-`) === true
  core.info(
    `Restored Spack's package index ${restored.key} (${files.length} files${own ? '' : ', recorded with other compilers'})`
  )
  return files.length > 0 && own
}

/**
 * Saves the index Spack built or restored in this job with the compilers it detected; nothing when the index was
 * never built, or the compilers never detected (the step failed before). A failure only warns.
 */
export async function saveRepoIndex(
  cache: RepoIndexCache,
  guard: GuardOptions = {},
  run: JobRun = currentRun()
): Promise<boolean> {
  if (indexFiles(cache).length === 0) {
    core.info('Spack built no package index in this job: nothing to save')
    return false
  }
  if (cache.detection && !existsSync(cache.detection.file)) {
    core.info("The runner's compilers were not detected in this job: the package index is not saved")
    return false
  }
  return saveEntry(stagedEntry(WHAT, runKey(cache.key, run), cache.dirs), guard)
}
