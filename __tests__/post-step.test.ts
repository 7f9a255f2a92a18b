/**
 * The post step, also after a failed build: which key it saves under, what it pushes to the local mirror first, and
 * that nothing it meets (no state, a refused push, a failing service) fails the job. The action runs in this process
 * with the stand-in `spack` and a local cache service speaking the real protocol.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { keyToSave } from '../src/post-step.js'
import { STATE, type PostState } from '../src/state.js'
import { commandMessages, makeRunner, STAND_IN_BUILD } from './helpers/action-run.js'
import { scaleTimers, startServices, type Services } from './services/index.js'

let services: Services
beforeAll(async () => {
  services = await startServices({ artifact: false })
})
afterAll(async () => {
  await services.close()
})

const inputs = { ...STAND_IN_BUILD, cache: 'true' }

function postCalls(calls: string[][], from: number): string[] {
  return calls.slice(from).map(args => args.filter(arg => !arg.startsWith('/')).join(' '))
}

describe('keyToSave', () => {
  const state = (complete: boolean, restoredKey?: string, built: PostState['built'] = {}): PostState => ({
    primaryKey: 'p',
    ...(restoredKey ? { restoredKey } : {}),
    paths: { mirror: '/m', state: '/s', transfer: '/t' },
    environments: [],
    spack: { executable: '/spack', env: {} },
    complete,
    built
  })

  test("a complete build saves under its run's complete key, unless it restored a complete one and built nothing", () => {
    expect(keyToSave(state(true), '7', '1')).toBe('p-complete-7-1')
    expect(keyToSave(state(true, 'p-partial-6-1'), '7', '1')).toBe('p-complete-7-1')
    expect(keyToSave(state(true, 'p-complete-6-1'), '7', '1')).toBeUndefined()
    // an entry saved before keys named their run
    expect(keyToSave(state(true, 'p'), '7', '1')).toBeUndefined()
  })

  test('a complete entry after which Spack still built something (a damaged archive) is saved afresh', () => {
    expect(keyToSave(state(true, 'p-complete-6-1', { '/env': ['abc'] }), '7', '1')).toBe('p-complete-7-1')
    expect(keyToSave(state(true, 'p-complete-6-1', { '/env': [] }), '7', '1')).toBeUndefined()
  })

  test('an incomplete build saves a partial key of its run and attempt, whatever it restored', () => {
    expect(keyToSave(state(false), '7', '2')).toBe('p-partial-7-2')
    expect(keyToSave(state(false, 'p-complete-6-1'), '7', '2')).toBe('p-partial-7-2')
  })
})

describe('runPost', () => {
  test('no state (cache off, or the main step failed before the cache): nothing to save', async () => {
    const runner = makeRunner()
    await runner.run('index', { ...inputs, cache: 'false' })
    const post = await runner.run('post', inputs)
    expect(post.status).toBe(0)
    expect(post.stdout).toContain('slurm-factory: no build cache to save')
    expect(post.stdout).not.toContain('::warning')
  })

  test('a failed build: pushes what it built over the mirror, then the rest (warning about what is missing), and saves a partial key', async () => {
    const runner = makeRunner()
    const more = { 'cache-key-prefix': 'post-partial' }
    await runner.run('index', { ...inputs, ...more }, { ...services.env, STANDIN_FAIL: 'slurm' })
    const before = runner.calls().length
    const post = await runner.run('post', { ...inputs, ...more }, services.env)
    expect(post.status).toBe(0)
    const pushes = runner.calls().slice(before)
    expect(postCalls(pushes, 0)).toEqual([
      '-e buildcache push --force --only package --unsigned slurm-factory-local',
      '-e buildcache push --update-index --unsigned slurm-factory-local'
    ])
    // the packages built from source before slurm failed: munge and json-c, by hash
    expect(pushes[0]?.filter(arg => /^\/[a-z]{32}$/.test(arg))).toHaveLength(2)
    expect(post.stdout).toContain(
      '::warning::Some packages could not be pushed to the local build cache (not installed)'
    )
    expect(post.stdout).toMatch(/Saved the build cache under post-partial-\S+-partial-101-1/)
  })

  test('a build restored whole saves nothing and pushes nothing', async () => {
    const runner = makeRunner()
    const more = { 'cache-key-prefix': 'post-whole' }
    await runner.run('index', { ...inputs, ...more }, services.env)
    await runner.run('post', { ...inputs, ...more }, services.env)
    runner.wipe()
    await runner.run('index', { ...inputs, ...more }, services.env)
    expect(runner.outputs()['cache-hit']).toBe('exact')
    const before = runner.calls().length
    const post = await runner.run('post', { ...inputs, ...more }, services.env)
    expect(post.stdout).toMatch(
      /The installed tree post-whole-\S+-installed-complete-101-1 was restored whole: nothing to save/
    )
    expect(postCalls(runner.calls(), before)).toEqual([])
  })

  test('a failing cache service and a state that cannot be read are warnings, never a failed job', async () => {
    const runner = makeRunner()
    const more = { 'cache-key-prefix': 'post-fault' }
    await runner.run('index', { ...inputs, ...more }, services.env)
    const fault = services.fail({ endpoint: 'twirp', status: 500 })
    const restoreTimers = scaleTimers(100)
    try {
      const post = await runner.run('post', { ...inputs, ...more }, services.env)
      expect(post.status).toBe(0)
      expect(commandMessages(post.stdout, 'error')).toEqual([])
      // One warning with the service's reason; the build cache is then neither pushed nor saved.
      expect(commandMessages(post.stdout, 'warning')).toEqual([
        expect.stringMatching(
          /^Saving Spack's package index under post-fault-spack-index-\S+-101-1 failed: Failed to reserve cache: .*Failed to make request after 5 attempts: Failed request: \(500\) Internal Server Error: injected fault: 500\. The job's other cache operations are skipped$/
        )
      ])
      expect(post.stdout).toContain("Not pushing to the local build cache nor saving it: Spack's package index: ")
    } finally {
      restoreTimers()
      fault.remove()
    }
    const corrupt = await makeRunner().run('post', inputs, { [`STATE_${STATE.cache}`]: '{not json' })
    expect(corrupt.status).toBe(0)
    expect(corrupt.stdout).toContain('::warning::Saving the build cache failed: ')
  })
})
