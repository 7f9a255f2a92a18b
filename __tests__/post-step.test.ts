/**
 * The post step, also after a failed build: which key it saves under, what it pushes to the local mirror first, and
 * that nothing it meets (no state, a refused push, a failing service) fails the job. The action runs in this process
 * with the stand-in `spack` and a local cache service speaking the real protocol.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { keyToSave } from '../src/post-step.js'
import { STATE, type PostState } from '../src/state.js'
import { makeRunner, STAND_IN_BUILD } from './helpers/action-run.js'
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
  const state = (complete: boolean, restoredKey?: string): PostState => ({
    primaryKey: 'p',
    ...(restoredKey ? { restoredKey } : {}),
    paths: { mirror: '/m', state: '/s' },
    environments: [],
    spack: { executable: '/spack', env: {} },
    complete
  })

  test('a complete build saves the primary key, unless that is what it restored', () => {
    expect(keyToSave(state(true), '7', '1')).toBe('p')
    expect(keyToSave(state(true, 'p-partial-6-1'), '7', '1')).toBe('p')
    expect(keyToSave(state(true, 'p'), '7', '1')).toBeUndefined()
  })

  test('an incomplete build saves a partial key of its run and attempt, whatever it restored', () => {
    expect(keyToSave(state(false), '7', '2')).toBe('p-partial-7-2')
    expect(keyToSave(state(false, 'p'), '7', '2')).toBe('p-partial-7-2')
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

  test('a failed build: pushes what was installed (warning about the rest) and saves a partial key', async () => {
    const runner = makeRunner()
    const more = { 'cache-key-prefix': 'post-partial' }
    await runner.run('index', { ...inputs, ...more }, { ...services.env, STANDIN_FAIL: 'slurm' })
    const before = runner.calls().length
    const post = await runner.run('post', { ...inputs, ...more }, services.env)
    expect(post.status).toBe(0)
    expect(postCalls(runner.calls(), before)).toEqual([
      '-e buildcache push --update-index --unsigned slurm-factory-local'
    ])
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
    expect(post.stdout).toMatch(/The build cache post-whole-\S+ was restored whole: nothing to save/)
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
      expect(post.stdout).toMatch(/::warning::/)
    } finally {
      restoreTimers()
      fault.remove()
    }
    const corrupt = await makeRunner().run('post', inputs, { [`STATE_${STATE.cache}`]: '{not json' })
    expect(corrupt.status).toBe(0)
    expect(corrupt.stdout).toContain('::warning::Saving the build cache failed: ')
  })
})
