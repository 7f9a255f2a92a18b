/**
 * The kept locks alone in the Actions cache, for builds that take their binaries from remote build caches instead of
 * keeping them in the Actions cache (`cache: false` with `buildcache-mirrors` or `buildcache-push`): the next run of
 * the same build adopts its lock and concretizes nothing, as a run with the build cache does. A few kilobytes.
 *
 * Key: the build cache's primary key with `-locks`, restored by that key only (a lock is adopted only when it was
 * made from the very same spack.yaml, which the key hashes).
 */
import * as core from '@actions/core'
import path from 'node:path'
import type { CachePaths } from './build-cache.js'
import { restoreEntry, saveEntry, stagedEntry, type CacheEntry, type GuardOptions } from './service.js'

/** The entry: the kept locks' directory, staged under the transfer directory (src/cache/staging.ts). */
export function keptLocksEntry(primaryKey: string, paths: CachePaths): CacheEntry {
  return stagedEntry('the kept spack.lock', `${primaryKey}-locks`, [
    { stored: path.join(paths.transfer, 'kept-locks'), live: paths.state }
  ])
}

/** Restores the locks of this very build; true when they came back. */
export async function restoreKeptLocks(entry: CacheEntry, guard: GuardOptions = {}): Promise<boolean> {
  const restored = await restoreEntry(entry, { ...guard, without: 'concretizing' })
  if (restored.outcome === 'done') core.info(`Restored the kept spack.lock ${entry.key}`)
  else if (restored.outcome === 'missed') core.info(`No kept spack.lock ${entry.key}: Spack concretizes`)
  return restored.outcome === 'done'
}

export async function saveKeptLocks(entry: CacheEntry, guard: GuardOptions = {}): Promise<boolean> {
  return saveEntry(entry, guard)
}
