/**
 * The local binary mirror and the environment's lock, kept in the GitHub Actions cache. A cache service that is down,
 * slow or full gives a warning, never a failed build.
 */
import * as core from '@actions/core'
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { classifyHit, type CacheHit, type CacheKeys } from './keys.js'
import { sha256 } from '../spack/lock.js'
import { restoreEntry, saveEntry, type GuardOptions } from './service.js'

export interface CachePaths {
  /** The local Spack mirror directory. */
  readonly mirror: string
  /** Where the lock and the spack.yaml it was made from are kept between runs. */
  readonly state: string
}

export interface RestoreResult {
  readonly hit: CacheHit
  readonly restoredKey?: string
}

export function cachedPaths(paths: CachePaths): string[] {
  return [paths.mirror, paths.state]
}

const WHAT = 'the build cache'
const UNAVAILABLE = 'The GitHub Actions cache is not available on this runner'

export async function restoreBuildCache(
  keys: CacheKeys,
  paths: CachePaths,
  guard: GuardOptions = {}
): Promise<RestoreResult> {
  mkdirSync(paths.mirror, { recursive: true })
  mkdirSync(paths.state, { recursive: true })
  const restored = await restoreEntry(
    { what: WHAT, key: keys.primary, paths: cachedPaths(paths) },
    {
      ...guard,
      restoreKeys: keys.restoreKeys,
      without: 'building without it',
      unavailable: `${UNAVAILABLE}: building without the local build cache`
    }
  )
  if (restored.outcome !== 'done' && restored.outcome !== 'missed') return { hit: 'none' }
  const restoredKey = restored.key
  const hit = classifyHit(keys.primary, restoredKey)
  core.info(restoredKey ? `Restored build cache ${restoredKey} (${hit})` : `No build cache for ${keys.primary}`)
  return { hit, ...(restoredKey ? { restoredKey } : {}) }
}

/** Saves the mirror and the lock under `key`; false (with a warning) when the service refused or failed. */
export async function saveBuildCache(key: string, paths: CachePaths, guard: GuardOptions = {}): Promise<boolean> {
  return saveEntry(
    { what: WHAT, key, paths: cachedPaths(paths) },
    { ...guard, unavailable: `${UNAVAILABLE}: the build cache was not saved` }
  )
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
  if (recorded !== sha256(environment)) {
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
  writeFileSync(madeFrom, `${sha256(environment)}\n`)
}
