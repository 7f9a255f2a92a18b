/**
 * The local build cache (mirror and locks) in the Actions cache: the real @actions/cache against the local cache
 * service speaking the real protocol, real files; and the lock kept beside it, reused only for the very spack.yaml it
 * was made from.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import {
  adoptCachedLock,
  keepLock,
  restoreBuildCache,
  saveBuildCache,
  type CachePaths
} from '../../src/cache/build-cache.js'
import { CacheBudget } from '../../src/cache/budget.js'
import { cacheKeys, completeKey, partialKey, type CacheKeys, type JobRun } from '../../src/cache/keys.js'
import { useLocalServices } from '../helpers/local-services.js'
import { applyEnv, scaleTimers } from '../services/index.js'
import { captureWorkflowLog, type WorkflowLog } from '../helpers/workflow-log.js'

const local = useLocalServices({ artifact: false })
const root = local.root
let log: WorkflowLog
beforeEach(() => {
  log = captureWorkflowLog()
})
afterEach(() => log.restore())

function keysFor(environment: string, prefix = 'bc'): CacheKeys {
  return cacheKeys({
    prefix,
    os: 'ubuntu-24.04',
    arch: 'x86_64',
    spackCommit: '443f356b12ec8e5f1220f89f4ad390b817143857',
    builtinCommit: '4b8bb3514838ce9e8bbc2ca7f98e62dbd7100c63',
    repoHash: 'r',
    gccVersion: '13.3.0',
    target: 'x86_64_v3',
    environment
  })
}

/**
 * A fresh machine: empty mirror, cache-state and transfer directories, at the same paths every time (the cache
 * service files an entry under a version made from its paths, which are the same on every runner).
 */
function machine(): CachePaths {
  const dir = path.join(root, 'machine')
  rmSync(dir, { recursive: true, force: true })
  return {
    mirror: path.join(dir, 'buildcache'),
    state: path.join(dir, 'cache-state'),
    transfer: path.join(dir, 'cache-transfer')
  }
}

const run = (id: string, attempt = '1'): JobRun => ({ id, attempt })

describe('restore and save', () => {
  test("a miss, a save under the run's complete key, then an exact hit on a fresh machine, then a partial hit for a changed environment", async () => {
    const keys = keysFor('spack: {specs: [slurm]}')
    const first = machine()
    expect(await restoreBuildCache(keys, first, run('1'))).toEqual({ hit: 'none' })
    expect(existsSync(first.mirror) && existsSync(first.state)).toBe(true)
    writeFileSync(path.join(first.mirror, 'index.json'), '{"built": 1}')
    const saved = completeKey(keys.primary, '1', '1')
    expect(await saveBuildCache(saved, first)).toBe(true)
    expect(log.infos()).toContain(`Saved the build cache under ${saved}`)
    // Saved from the transfer directory, and put back where the build uses it.
    expect(readFileSync(path.join(first.mirror, 'index.json'), 'utf8')).toBe('{"built": 1}')
    expect(existsSync(path.join(first.transfer, 'buildcache'))).toBe(false)

    const second = machine()
    expect(await restoreBuildCache(keys, second, run('2'))).toEqual({ hit: 'exact', restoredKey: saved })
    expect(readFileSync(path.join(second.mirror, 'index.json'), 'utf8')).toBe('{"built": 1}')

    const changed = keysFor('spack: {specs: [slurm+nvml]}')
    const third = machine()
    expect(await restoreBuildCache(changed, third, run('3'))).toEqual({ hit: 'partial', restoredKey: saved })
    expect(log.warnings()).toEqual([])
  })

  test("a complete build's entry is restored before a failed build's, which comes before the family's", async () => {
    const keys = keysFor('partial', 'bp')
    const failed = machine()
    mkdirSync(failed.mirror, { recursive: true })
    writeFileSync(path.join(failed.mirror, 'from'), 'the failed run')
    expect(await saveBuildCache(partialKey(keys.primary, '7', '1'), failed)).toBe(true)
    const retry = machine()
    expect(await restoreBuildCache(keys, retry, run('8'))).toEqual({
      hit: 'partial',
      restoredKey: `${keys.primary}-partial-7-1`
    })
    expect(readFileSync(path.join(retry.mirror, 'from'), 'utf8')).toBe('the failed run')
    writeFileSync(path.join(retry.mirror, 'from'), 'the complete run')
    expect(await saveBuildCache(completeKey(keys.primary, '8', '1'), retry)).toBe(true)
    expect(await restoreBuildCache(keys, machine(), run('9'))).toEqual({
      hit: 'exact',
      restoredKey: `${keys.primary}-complete-8-1`
    })
  })

  test('the same key twice: the service refuses the second save, which is one warning with its reason', async () => {
    const keys = keysFor('twice', 'bt')
    const paths = machine()
    mkdirSync(paths.mirror, { recursive: true })
    expect(await saveBuildCache(keys.primary, paths)).toBe(true)
    expect(await saveBuildCache(keys.primary, paths)).toBe(false)
    expect(log.warnings()).toEqual([
      expect.stringMatching(
        new RegExp(`^The build cache was not saved under ${keys.primary}: Failed to reserve cache: .*\\(409\\)`)
      )
    ])
  })

  test('a runner without the cache service: the build goes on without it, warned', async () => {
    const restore = applyEnv({ ACTIONS_RESULTS_URL: undefined, ACTIONS_CACHE_URL: undefined })
    try {
      expect(await restoreBuildCache(keysFor('x'), machine(), run('1'))).toEqual({ hit: 'none' })
      expect(await saveBuildCache('k', machine())).toBe(false)
    } finally {
      restore()
    }
    expect(log.warnings()).toEqual([
      'The GitHub Actions cache is not available on this runner: building without the local build cache',
      'The GitHub Actions cache is not available on this runner: the build cache was not saved'
    ])
  })

  test("a failing service: one warning with the toolkit's reason (no ::error:: of its own), and the job's budget skips the save", async () => {
    const fault = local.services.fail({ endpoint: 'twirp', status: 500 })
    const restoreTimers = scaleTimers(100) // the toolkit backs off for seconds between attempts
    const policy = CacheBudget.of({ limitMs: 60_000, spentMs: 0 })
    try {
      expect(await restoreBuildCache(keysFor('fault', 'bf'), machine(), run('1'), { policy })).toEqual({ hit: 'none' })
      expect(await saveBuildCache('bf-key', machine(), { policy })).toBe(false)
    } finally {
      restoreTimers()
      fault.remove()
    }
    expect(log.errors()).toEqual([])
    expect(log.warnings()).toEqual([
      'Restoring the build cache failed, building without it: Failed to restore: Failed to GetCacheEntryDownloadURL: ' +
        "Failed to make request after 5 attempts: Failed request: (500) Internal Server Error: injected fault: 500. The job's other cache operations are skipped"
    ])
    expect(log.infos()).toContain(
      'Not saving the build cache under bf-key: the build cache: Failed to restore: Failed to GetCacheEntryDownloadURL: ' +
        'Failed to make request after 5 attempts: Failed request: (500) Internal Server Error: injected fault: 500 (earlier in this job)'
    )
  })

  test('an entry whose archive does not unpack is reported damaged, and the next save replaces it for later runs', async () => {
    const keys = keysFor('damaged', 'bd')
    const built = machine()
    mkdirSync(built.mirror, { recursive: true })
    writeFileSync(path.join(built.mirror, 'from'), 'the first run')
    expect(await saveBuildCache(completeKey(keys.primary, '1', '1'), built)).toBe(true)
    corruptEntry(completeKey(keys.primary, '1', '1'))

    const damaged = machine()
    expect(await restoreBuildCache(keys, damaged, run('2'))).toEqual({
      hit: 'none',
      damagedKey: completeKey(keys.primary, '1', '1')
    })
    expect(log.warnings()).toEqual([
      expect.stringMatching(
        new RegExp(
          `^The build cache ${keys.primary}-complete-1-1 was found but could not be restored, building without it: Failed to restore: `
        )
      )
    ])
    expect(existsSync(path.join(damaged.mirror, 'from'))).toBe(false)
    writeFileSync(path.join(damaged.mirror, 'from'), 'the second run')
    expect(await saveBuildCache(completeKey(keys.primary, '2', '1'), damaged)).toBe(true)

    const healed = machine()
    expect(await restoreBuildCache(keys, healed, run('3'))).toEqual({
      hit: 'exact',
      restoredKey: completeKey(keys.primary, '2', '1')
    })
    expect(readFileSync(path.join(healed.mirror, 'from'), 'utf8')).toBe('the second run')
  })

  test('a restore given up on never writes into the mirror the build uses, even once it completes', async () => {
    const keys = keysFor('abandoned', 'ba')
    const built = machine()
    mkdirSync(built.mirror, { recursive: true })
    writeFileSync(path.join(built.mirror, 'restored-late'), 'from the cache')
    expect(await saveBuildCache(completeKey(keys.primary, '1', '1'), built)).toBe(true)

    const slow = local.services.fail({ endpoint: 'GetBlob', delayMs: 1500, times: 1 })
    const paths = machine()
    const policy = CacheBudget.of({ limitMs: 300, spentMs: 0 })
    expect(await restoreBuildCache(keys, paths, run('2'), { policy })).toEqual({ hit: 'none' })
    expect(log.warnings()).toEqual([
      "Restoring the build cache failed, building without it: restoring the build cache did not finish within 0.3 s. The job's other cache operations are skipped"
    ])
    // The toolkit goes on in the background and unpacks the entry once the blob arrives: into the transfer directory.
    await waitFor(() => existsSync(path.join(paths.transfer, 'buildcache', 'restored-late')))
    expect(existsSync(path.join(paths.mirror, 'restored-late'))).toBe(false)
    expect(slow.hits).toBe(1)
  })
})

/** Flips bytes in the middle of a saved entry's archive, as a storage fault would: zstd finds it corrupt. */
function corruptEntry(key: string): void {
  const entry = local.services.cache?.entries.find(e => e.key === key)
  if (!entry) throw new Error(`no entry ${key}`)
  const record = local.services.server.blobs.get(entry.blob)
  if (!record) throw new Error(`no blob for ${key}`)
  const data = readFileSync(record.file)
  for (let i = Math.floor(data.length / 2); i < Math.min(data.length - 8, Math.floor(data.length / 2) + 64); i++)
    data[i] = (data[i] as number) ^ 0xff
  writeFileSync(record.file, data)
}

async function waitFor(done: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms
  while (!done()) {
    if (Date.now() > until) throw new Error('timed out waiting')
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

describe('the lock kept with the cache', () => {
  const environment = 'spack:\n  specs: [slurm@25.11]\n'

  function envDir(name: string): string {
    const dir = path.join(root, 'locks', name, 'environment')
    mkdirSync(dir, { recursive: true })
    return dir
  }

  test('kept after a build and adopted by the next run made from the same spack.yaml', () => {
    const paths = machine()
    const built = envDir('built')
    writeFileSync(path.join(built, 'spack.lock'), '{"roots": []}')
    keepLock(paths, built, environment)
    const next = envDir('next')
    expect(adoptCachedLock(paths, next, environment)).toBe(true)
    expect(readFileSync(path.join(next, 'spack.lock'), 'utf8')).toBe('{"roots": []}')
  })

  test('a lock made from another spack.yaml is discarded with a warning', () => {
    const paths = machine()
    const built = envDir('built-b')
    writeFileSync(path.join(built, 'spack.lock'), '{}')
    keepLock(paths, built, environment)
    const next = envDir('next-b')
    expect(adoptCachedLock(paths, next, `${environment}# changed\n`)).toBe(false)
    expect(existsSync(path.join(next, 'spack.lock'))).toBe(false)
    expect(log.warnings()).toEqual([
      'The cached spack.lock of environment was made from a different spack.yaml: discarding it and concretizing afresh'
    ])
  })

  test('nothing kept when the environment never concretized; nothing adopted when nothing was kept', () => {
    const paths = machine()
    keepLock(paths, envDir('never'), environment)
    expect(existsSync(paths.state)).toBe(false)
    expect(adoptCachedLock(paths, envDir('fresh'), environment)).toBe(false)
  })
})
