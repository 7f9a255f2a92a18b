/**
 * The local binary mirror and the environment's lock, kept in the GitHub Actions cache. A cache service that is down,
 * slow or full gives a warning, never a failed build. The entry is staged (src/cache/staging.ts): restored under
 * `transfer` and moved into place only when whole, so a restore given up on never writes into the mirror that
 * `spack install` reads.
 */
import * as core from '@actions/core'
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { classifyHit, completeKey, type CacheHit, type CacheKeys, type JobRun } from './keys.js'
import { sha256 } from '../spack/lock.js'
import { maskUrlCredentials } from '../secrets.js'
import { restoreEntry, saveEntry, stagedEntry, type GuardOptions } from './service.js'
import type { StagedDir } from './staging.js'

export interface CachePaths {
  /** The local Spack mirror directory. */
  readonly mirror: string
  /** Where the lock and the spack.yaml it was made from are kept between runs. */
  readonly state: string
  /** Where the entry is restored to and saved from (its paths in the cache): moved to and from the two above. */
  readonly transfer: string
}

export interface RestoreResult {
  readonly hit: CacheHit
  readonly restoredKey?: string
  /** The key of an entry that was found but could not be restored: this job saves a fresh one. */
  readonly damagedKey?: string
}

/** The entry's directories: each stored under `transfer`, used where the build reads it. */
export function stagedDirs(paths: CachePaths): StagedDir[] {
  return [
    { stored: path.join(paths.transfer, 'buildcache'), live: paths.mirror },
    { stored: path.join(paths.transfer, 'cache-state'), live: paths.state }
  ]
}

const WHAT = 'the build cache'
const UNAVAILABLE = 'The GitHub Actions cache is not available on this runner'

/** Restores the newest complete (else partial, else related) build cache into place; this run's keys from `run`. */
export async function restoreBuildCache(
  keys: CacheKeys,
  paths: CachePaths,
  run: JobRun,
  guard: GuardOptions = {}
): Promise<RestoreResult> {
  mkdirSync(paths.mirror, { recursive: true })
  mkdirSync(paths.state, { recursive: true })
  const restored = await restoreEntry(
    stagedEntry(WHAT, completeKey(keys.primary, run.id, run.attempt), stagedDirs(paths)),
    {
      ...guard,
      restoreKeys: keys.restoreKeys,
      without: 'building without it',
      unavailable: `${UNAVAILABLE}: building without the local build cache`
    }
  )
  if (restored.outcome === 'damaged') {
    core.info(`This job saves a fresh build cache, which later runs restore instead of ${restored.key}`)
    return { hit: 'none', ...(restored.key ? { damagedKey: restored.key } : {}) }
  }
  if (restored.outcome !== 'done' && restored.outcome !== 'missed') return { hit: 'none' }
  const restoredKey = restored.key
  const hit = classifyHit(keys.primary, restoredKey)
  core.info(restoredKey ? `Restored build cache ${restoredKey} (${hit})` : `No build cache for ${keys.primary}`)
  return { hit, ...(restoredKey ? { restoredKey } : {}) }
}

/** Saves the mirror and the locks under `key`; false (with a warning) when the service refused or failed. */
export async function saveBuildCache(key: string, paths: CachePaths, guard: GuardOptions = {}): Promise<boolean> {
  return saveEntry(stagedEntry(WHAT, key, stagedDirs(paths)), {
    ...guard,
    unavailable: `${UNAVAILABLE}: the build cache was not saved`
  })
}

/**
 * What a kept lock records of the spack.yaml it was made from: a digest of its text with URL credentials masked, so
 * that a password in a site's mirror URL is neither kept nor guessable from the digest (and changing it keeps the lock).
 */
export function environmentDigest(environment: string): string {
  return sha256(maskUrlCredentials(environment))
}

/** Where the lock of an environment is kept between runs: named after the environment's directory. */
export function keptLock(paths: CachePaths, envDir: string): { lock: string; madeFrom: string } {
  const name = path.basename(envDir)
  return {
    lock: path.join(paths.state, `${name}.spack.lock`),
    madeFrom: path.join(paths.state, `${name}.spack.yaml.sha256`)
  }
}

/**
 * Puts the cached lock into the environment when it was made from this very spack.yaml, so that install reuses it
 * and nothing is concretized. A lock made from another spack.yaml is discarded with a warning.
 */
export function adoptCachedLock(paths: CachePaths, envDir: string, environment: string): boolean {
  const { lock, madeFrom } = keptLock(paths, envDir)
  if (!existsSync(lock)) return false
  const recorded = existsSync(madeFrom) ? readFileSync(madeFrom, 'utf8').trim() : ''
  if (recorded !== environmentDigest(environment)) {
    core.warning(
      `The cached spack.lock of ${path.basename(envDir)} was made from a different spack.yaml: discarding it and concretizing afresh`
    )
    return false
  }
  copyFileSync(lock, path.join(envDir, 'spack.lock'))
  return true
}

/** Records the environment's lock, and the spack.yaml it was made from, for the next run. */
export function keepLock(paths: CachePaths, envDir: string, environment: string): void {
  const current = path.join(envDir, 'spack.lock')
  if (!existsSync(current)) return
  const { lock, madeFrom } = keptLock(paths, envDir)
  mkdirSync(paths.state, { recursive: true })
  copyFileSync(current, lock)
  writeFileSync(madeFrom, `${environmentDigest(environment)}\n`)
}
