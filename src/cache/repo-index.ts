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
 */
import * as core from '@actions/core'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, utimesSync } from 'node:fs'
import path from 'node:path'
import { homedir } from 'node:os'
import type { ProvisionedSpack } from '../spack/provision.js'
import { currentRun, part, runKey, type JobRun } from './keys.js'
import { restoreEntry, saveEntry, stagedEntry, type GuardOptions } from './service.js'
import type { StagedDir } from './staging.js'

/** The index kinds Spack keeps per repository, each a directory of Spack's misc cache. */
export const INDEX_KINDS = ['providers', 'tags', 'patches'] as const

export interface RepoIndexCache {
  /** What the keys of this index's entries start with. */
  readonly key: string
  /** Each index kind's directory of Spack's misc cache (`live`), the builtin repository's files only, and where the
   * entry stores it. */
  readonly dirs: readonly StagedDir[]
  /** The key pins the builtin repository's content, so restored files may be marked as new. */
  readonly pinned: boolean
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
}

const short = (value: string): string => part(value).slice(0, 12)

export function repoIndexCache(inputs: RepoIndexInputs): RepoIndexCache {
  const builtin = inputs.builtinCommit
    ? `builtin${short(inputs.builtinCommit)}`
    : `site${createHash('sha256').update(inputs.spackRoot).digest('hex').slice(0, 12)}`
  const transfer = inputs.transfer ?? `${inputs.miscCache}-transfer`
  return {
    key: `${inputs.keyPrefix}-spack-index-spack${short(inputs.spack)}-${builtin}`,
    dirs: INDEX_KINDS.map(kind => ({
      stored: path.join(transfer, 'spack-index', kind),
      live: path.join(inputs.miscCache, kind),
      files: BUILTIN_INDEX
    })),
    pinned: inputs.builtinCommit !== undefined
  }
}

/**
 * The index cache of a provisioned (or site) Spack: its misc cache is `cache/` under SPACK_USER_CACHE_PATH, which the
 * action always sets, or under Spack's default `~/.spack`.
 */
export function repoIndexCacheOf(spack: ProvisionedSpack, keyPrefix: string): RepoIndexCache {
  return repoIndexCache({
    keyPrefix,
    miscCache: path.join(spack.env.SPACK_USER_CACHE_PATH ?? path.join(homedir(), '.spack'), 'cache'),
    spack: spack.commit ?? spack.version,
    ...(spack.builtin ? { builtinCommit: spack.builtin.commit } : {}),
    spackRoot: spack.root
  })
}

/** The index files present now (what a save would store). */
export function indexFiles(cache: RepoIndexCache): string[] {
  const files: string[] = []
  for (const { live } of cache.dirs) {
    if (!existsSync(live)) continue
    for (const name of readdirSync(live)) if (new RegExp(BUILTIN_INDEX).test(name)) files.push(path.join(live, name))
  }
  return files
}

/**
 * Restores the index for this Spack and builtin repository. True on a hit (then, when pinned, its files are marked
 * as new so that Spack reads them instead of rebuilding). A failing service only warns.
 */
const WHAT = "Spack's package index"

export async function restoreRepoIndex(
  cache: RepoIndexCache,
  guard: GuardOptions = {},
  run: JobRun = currentRun()
): Promise<boolean> {
  const entry = stagedEntry(WHAT, runKey(cache.key, run), cache.dirs)
  const restored = await restoreEntry(entry, { ...guard, restoreKeys: [`${cache.key}-`], without: 'Spack rebuilds it' })
  if (restored.outcome === 'missed')
    core.info(`No cached package index ${cache.key}: Spack indexes the builtin packages (about a minute)`)
  if (restored.outcome !== 'done') return false
  const files = indexFiles(cache)
  if (cache.pinned) {
    const now = new Date()
    for (const file of files) utimesSync(file, now, now)
  }
  core.info(`Restored Spack's package index ${restored.key} (${files.length} files)`)
  return files.length > 0
}

/** Saves the index Spack built in this job; nothing when it was restored or never built. A failure only warns. */
export async function saveRepoIndex(
  cache: RepoIndexCache,
  guard: GuardOptions = {},
  run: JobRun = currentRun()
): Promise<boolean> {
  if (indexFiles(cache).length === 0) {
    core.info('Spack built no package index in this job: nothing to save')
    return false
  }
  return saveEntry(stagedEntry(WHAT, runKey(cache.key, run), cache.dirs), guard)
}
