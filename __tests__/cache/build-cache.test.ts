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
  cachedPaths,
  keepLock,
  restoreBuildCache,
  saveBuildCache,
  type CachePaths
} from '../../src/cache/build-cache.js'
import { cacheKeys, partialKey, type CacheKeys } from '../../src/cache/keys.js'
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
 * A fresh machine: empty mirror and cache-state directories, at the same paths every time (the cache service files
 * an entry under a version made from its paths, which are the same on every runner).
 */
function machine(): CachePaths {
  const dir = path.join(root, 'machine')
  rmSync(dir, { recursive: true, force: true })
  return { mirror: path.join(dir, 'buildcache'), state: path.join(dir, 'cache-state') }
}

describe('restore and save', () => {
  test('a miss, a save, then an exact hit on a fresh machine, then a partial hit for a changed environment', async () => {
    const keys = keysFor('spack: {specs: [slurm]}')
    const first = machine()
    expect(await restoreBuildCache(keys, first)).toEqual({ hit: 'none' })
    expect(existsSync(first.mirror) && existsSync(first.state)).toBe(true)
    writeFileSync(path.join(first.mirror, 'index.json'), '{"built": 1}')
    expect(await saveBuildCache(keys.primary, first)).toBe(true)
    expect(log.infos()).toContain(`Saved the build cache under ${keys.primary}`)

    const second = machine()
    expect(await restoreBuildCache(keys, second)).toEqual({ hit: 'exact', restoredKey: keys.primary })
    expect(readFileSync(path.join(second.mirror, 'index.json'), 'utf8')).toBe('{"built": 1}')

    const changed = keysFor('spack: {specs: [slurm+nvml]}')
    const third = machine()
    expect(await restoreBuildCache(changed, third)).toEqual({ hit: 'partial', restoredKey: keys.primary })
    expect(log.warnings()).toEqual([])
  })

  test("a failed build's partial key is restored before any other cache of the family", async () => {
    const keys = keysFor('partial', 'bp')
    const failed = machine()
    mkdirSync(failed.mirror, { recursive: true })
    writeFileSync(path.join(failed.mirror, 'from'), 'the failed run')
    expect(await saveBuildCache(partialKey(keys.primary, '7', '1'), failed)).toBe(true)
    const retry = machine()
    expect(await restoreBuildCache(keys, retry)).toEqual({
      hit: 'partial',
      restoredKey: `${keys.primary}-partial-7-1`
    })
    expect(readFileSync(path.join(retry.mirror, 'from'), 'utf8')).toBe('the failed run')
  })

  test('the same key twice: the service refuses the second save, which is a warning', async () => {
    const keys = keysFor('twice', 'bt')
    const paths = machine()
    mkdirSync(paths.mirror, { recursive: true })
    expect(await saveBuildCache(keys.primary, paths)).toBe(true)
    expect(await saveBuildCache(keys.primary, paths)).toBe(false)
    expect(log.warnings().join('\n')).toContain(`The build cache was not saved under ${keys.primary}`)
  })

  test('a runner without the cache service: the build goes on without it, warned', async () => {
    const restore = applyEnv({ ACTIONS_RESULTS_URL: undefined, ACTIONS_CACHE_URL: undefined })
    try {
      expect(await restoreBuildCache(keysFor('x'), machine())).toEqual({ hit: 'none' })
      expect(await saveBuildCache('k', machine())).toBe(false)
    } finally {
      restore()
    }
    expect(log.warnings()).toEqual([
      'The GitHub Actions cache is not available on this runner: building without the local build cache',
      'The GitHub Actions cache is not available on this runner: the build cache was not saved'
    ])
  })

  test('a failing service costs warnings, not the build', async () => {
    const fault = local.services.fail({ endpoint: 'twirp', status: 500 })
    const restoreTimers = scaleTimers(100) // the toolkit backs off for seconds between attempts
    try {
      expect(await restoreBuildCache(keysFor('fault', 'bf'), machine())).toEqual({ hit: 'none' })
      expect(await saveBuildCache('bf-key', machine())).toBe(false)
    } finally {
      restoreTimers()
      fault.remove()
    }
    expect(log.warnings().length).toBeGreaterThan(0)
  })

  test('the cached paths are the mirror and the lock directory', () => {
    expect(cachedPaths({ mirror: '/m', state: '/s' })).toEqual(['/m', '/s'])
  })
})

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
