/**
 * The guarded restore/save pair every cache goes through, with a scripted cache client: each way a cache service can
 * let the build down (absent, slow, refusing, failing) is a warning and an outcome, never an exception; the policy is
 * asked for the time limit and told every outcome. (The real @actions/cache against a local service: build-cache.test.)
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { CacheBudget, cacheTimeoutMs } from '../../src/cache/budget.js'
import {
  perCallPolicy,
  restoreEntry,
  saveEntry,
  withTimeout,
  type CacheClient,
  type CacheEntry,
  type CacheOutcome,
  type CachePolicy
} from '../../src/cache/service.js'
import { captureWorkflowLog, type WorkflowLog } from '../helpers/workflow-log.js'

const entry: CacheEntry = { what: 'the test cache', key: 'k-1', paths: ['/nowhere'] }

interface Script {
  available?: boolean
  restore?: () => Promise<string | undefined>
  save?: () => Promise<number>
}

function client(script: Script): CacheClient & { calls: string[] } {
  const calls: string[] = []
  return {
    calls,
    isFeatureAvailable: () => script.available ?? true,
    restoreCache: async (paths, key, restoreKeys) => {
      calls.push(`restore ${paths.join(',')} ${key} [${(restoreKeys ?? []).join(',')}]`)
      return (script.restore ?? (async () => undefined))()
    },
    saveCache: async (paths, key) => {
      calls.push(`save ${paths.join(',')} ${key}`)
      return (script.save ?? (async () => 7))()
    }
  }
}

function recordingPolicy(limitMs = 1000): CachePolicy & { outcomes: CacheOutcome[]; asked: number } {
  const policy = {
    outcomes: [] as CacheOutcome[],
    asked: 0,
    timeLimitMs: () => {
      policy.asked++
      return limitMs
    },
    ended: (_entry: CacheEntry, outcome: CacheOutcome) => {
      policy.outcomes.push(outcome)
    }
  }
  return policy
}

let log: WorkflowLog
beforeEach(() => {
  log = captureWorkflowLog()
})
afterEach(() => log.restore())

const never = (): Promise<never> => new Promise(() => undefined)

describe('restoreEntry', () => {
  test('a hit gives the key restored and tries the restore keys in order', async () => {
    const policy = recordingPolicy()
    const c = client({ restore: async () => 'k-0' })
    const restored = await restoreEntry(entry, { client: c, policy, restoreKeys: ['k-', 'j-'], without: 'going on' })
    expect(restored).toEqual({ outcome: 'done', key: 'k-0' })
    expect(c.calls).toEqual(['restore /nowhere k-1 [k-,j-]'])
    expect(policy).toMatchObject({ asked: 1, outcomes: ['done'] })
    expect(log.warnings()).toEqual([])
  })

  test('a miss is an outcome of its own', async () => {
    const policy = recordingPolicy()
    expect(await restoreEntry(entry, { client: client({}), policy, without: 'going on' })).toEqual({
      outcome: 'missed'
    })
    expect(policy.outcomes).toEqual(['missed'])
  })

  test('no cache service: warned when the caller says so, silent otherwise, and the service is not called', async () => {
    const c = client({ available: false })
    const loud = await restoreEntry(entry, { client: c, without: 'going on', unavailable: 'no cache here' })
    const quiet = await restoreEntry(entry, { client: c, without: 'going on' })
    expect([loud, quiet]).toEqual([{ outcome: 'unavailable' }, { outcome: 'unavailable' }])
    expect(log.warnings()).toEqual(['no cache here'])
    expect(c.calls).toEqual([])
  })

  test('a failing service is a warning naming what the build does without the entry', async () => {
    const policy = recordingPolicy()
    const c = client({ restore: () => Promise.reject(new Error('HTTP 500')) })
    const restored = await restoreEntry(entry, { client: c, policy, without: 'building without it' })
    expect(restored).toEqual({ outcome: 'failed', reason: 'HTTP 500' })
    expect(log.warnings()).toEqual(['Restoring the test cache failed, building without it: HTTP 500'])
    expect(policy.outcomes).toEqual(['failed'])
  })

  test('a service that does not answer is given up after the time limit the policy sets', async () => {
    const policy = recordingPolicy(100)
    const started = Date.now()
    const restored = await restoreEntry(entry, { client: client({ restore: never }), policy, without: 'going on' })
    expect(Date.now() - started).toBeLessThan(2000)
    expect(restored).toEqual({ outcome: 'failed', reason: 'restoring the test cache did not finish within 0.1 s' })
    expect(log.warnings()).toEqual([
      'Restoring the test cache failed, going on: restoring the test cache did not finish within 0.1 s'
    ])
  })
})

describe('saveEntry', () => {
  test('a saved entry says so', async () => {
    const policy = recordingPolicy()
    const c = client({ save: async () => 42 })
    expect(await saveEntry(entry, { client: c, policy })).toBe(true)
    expect(c.calls).toEqual(['save /nowhere k-1'])
    expect(log.infos()).toEqual(['Saved the test cache under k-1'])
    expect(policy.outcomes).toEqual(['done'])
  })

  test('the service refusing (id -1, an entry of that key exists or the cache is full) is a warning', async () => {
    const policy = recordingPolicy()
    expect(await saveEntry(entry, { client: client({ save: async () => -1 }), policy })).toBe(false)
    expect(log.warnings()).toEqual(['The test cache was not saved under k-1: no reason given'])
    expect(policy.outcomes).toEqual(['refused'])
  })

  test('a failing or silent service is a warning', async () => {
    expect(await saveEntry(entry, { client: client({ save: () => Promise.reject(new Error('reset')) }) })).toBe(false)
    expect(await saveEntry(entry, { client: client({ save: never }), policy: recordingPolicy(200) })).toBe(false)
    expect(log.warnings()).toEqual([
      'Saving the test cache under k-1 failed: reset',
      'Saving the test cache under k-1 failed: saving the test cache did not finish within 0.2 s'
    ])
  })

  test('no cache service: nothing saved, the caller decides whether that is worth a warning', async () => {
    const policy = recordingPolicy()
    expect(await saveEntry(entry, { client: client({ available: false }), policy, unavailable: 'none' })).toBe(false)
    expect(log.warnings()).toEqual(['none'])
    expect(policy).toMatchObject({ asked: 0, outcomes: ['unavailable'] })
  })
})

describe("the job's cache budget", () => {
  test('SLURM_FACTORY_CACHE_TIMEOUT_MINS sets it (default 10 minutes); a value that is not minutes is refused, named', () => {
    expect(cacheTimeoutMs({})).toBe(600_000)
    expect(cacheTimeoutMs({ SLURM_FACTORY_CACHE_TIMEOUT_MINS: '0.05' })).toBe(3000)
    expect(() => cacheTimeoutMs({ SLURM_FACTORY_CACHE_TIMEOUT_MINS: 'soon' })).toThrow(
      'SLURM_FACTORY_CACHE_TIMEOUT_MINS: "soon" is not accepted (accepted: minutes above 0 and up to 1440, such as 10 or 0.5;'
    )
    expect(() => cacheTimeoutMs({ SLURM_FACTORY_CACHE_TIMEOUT_MINS: '0' })).toThrow('"0" is not accepted')
    expect(perCallPolicy.timeLimitMs(entry)).toBe(cacheTimeoutMs())
  })

  test('each call gets what the calls before it left; the first service failure stops the rest, which are skipped', async () => {
    const budget = CacheBudget.of({ limitMs: 400, spentMs: 0 })
    const c = client({ restore: () => new Promise(resolve => setTimeout(() => resolve('k-1'), 150)) })
    expect(await restoreEntry(entry, { client: c, policy: budget, without: 'going on' })).toMatchObject({
      outcome: 'done'
    })
    expect(budget.current.spentMs).toBeGreaterThanOrEqual(140)
    expect(budget.timeLimitMs()).toBeLessThanOrEqual(260)
    // What is left runs out: the call is given up on, and every later one, restore or save, is skipped.
    const slow = client({ restore: never, save: async () => 1 })
    expect(await restoreEntry(entry, { client: slow, policy: budget, without: 'going on' })).toEqual({
      outcome: 'failed',
      reason: expect.stringMatching(/^restoring the test cache did not finish within 0\.\d s$/)
    })
    expect(await restoreEntry(entry, { client: slow, policy: budget, without: 'going on' })).toEqual({
      outcome: 'skipped'
    })
    expect(await saveEntry(entry, { client: slow, policy: budget })).toBe(false)
    expect(slow.calls).toEqual(['restore /nowhere k-1 []'])
    expect(log.warnings()).toEqual([
      expect.stringMatching(
        /^Restoring the test cache failed, going on: restoring the test cache did not finish within 0\.\d s\. The job's other cache operations are skipped$/
      )
    ])
    expect(log.infos().filter(line => line.startsWith('Not '))).toEqual([
      expect.stringMatching(/^Not restoring the test cache: the test cache: restoring .* \(earlier in this job\)$/),
      expect.stringMatching(
        /^Not saving the test cache under k-1: the test cache: restoring .* \(earlier in this job\)$/
      )
    ])
  })

  test('a refused save or a miss does not stop the traffic; a spent budget does', async () => {
    const budget = CacheBudget.of({ limitMs: 1000, spentMs: 0 })
    expect(await saveEntry(entry, { client: client({ save: async () => -1 }), policy: budget })).toBe(false)
    expect(await restoreEntry(entry, { client: client({}), policy: budget, without: 'going on' })).toEqual({
      outcome: 'missed'
    })
    expect(budget.refuse()).toBeUndefined()
    expect(CacheBudget.of({ limitMs: 1000, spentMs: 1000 }).refuse()).toBe(
      "the job's cache operations used up their 0.02 min (SLURM_FACTORY_CACHE_TIMEOUT_MINS)"
    )
  })

  test('withTimeout passes a result through and leaves no timer behind', async () => {
    await expect(withTimeout(Promise.resolve(3), 10_000, 'x')).resolves.toBe(3)
    await expect(withTimeout(never(), 10, 'waiting')).rejects.toThrow('waiting did not finish within 0 s')
  })
})
