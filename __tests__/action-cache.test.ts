/**
 * The build cache across runs, with the stand-in `spack` and a local cache service speaking the real protocol
 * (Twirp v2 and blob storage) to the real @actions/cache: each run is a fresh machine with the same paths. The action
 * runs in this process (helpers/action-run.ts), so fault tests shorten the toolkit's backoff instead of waiting it out.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { makeRunner, STAND_IN_BUILD, type Runner } from './helpers/action-run.js'
import { scaleTimers, startServices, type Services } from './services/index.js'
import { workDirs } from '../src/work.js'

const inputs = { ...STAND_IN_BUILD, cache: 'true' }
let services: Services

beforeAll(async () => {
  services = await startServices({ artifact: false })
})
afterAll(async () => {
  await services.close()
})

async function build(runner: Runner, env: Record<string, string> = {}, more: Record<string, string> = {}) {
  const main = await runner.run('index', { ...inputs, ...more }, { ...services.env, ...env })
  const post = await runner.run('post', { ...inputs, ...more }, { ...services.env, ...env })
  return {
    main,
    post,
    calls: runner.calls().map(args => args.filter(arg => !arg.startsWith('/')).join(' ')),
    outputs: runner.outputs()
  }
}

/** Keys of saved build caches (Spack's package index and the installed trees are saved under keys of their own). */
function savedKeys(): string[] {
  return (services.cache?.entries ?? [])
    .filter(entry => entry.finalized && !entry.key.includes('-spack-index-') && !entry.key.endsWith('-installed'))
    .map(entry => entry.key)
}

function savedTrees(): string[] {
  return (services.cache?.entries ?? [])
    .filter(entry => entry.finalized && entry.key.endsWith('-installed'))
    .map(entry => entry.key)
}

/** What the stand-in spack recorded about building the builtin packages' index in this run (one line per build). */
function indexBuilds(runner: Runner): string[] {
  const file = path.join(workDirs(runner.temp).spackState, 'cache', 'cache', 'standin-index-builds')
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : []
}

describe('build cache', () => {
  test('miss then save; the next run is an exact hit that concretizes, extracts and builds nothing', async () => {
    const runner = makeRunner()
    const cold = await build(runner)
    expect(cold.main.status).toBe(0)
    expect(cold.outputs['cache-hit']).toBe('none')
    expect(cold.calls).toContain('-e concretize')
    const saved = savedKeys()
    expect(saved).toHaveLength(1)
    expect(cold.post.stdout).toContain(`Saved the build cache under ${saved[0]}`)
    expect(savedTrees()).toEqual([`${saved[0]}-installed`])
    expect(cold.post.stdout).toContain(`Saved the installed tree under ${saved[0]}-installed`)

    runner.wipe()
    const warm = await build(runner)
    expect(warm.main.status).toBe(0)
    expect(runner.outputs()['cache-hit']).toBe('exact')
    expect(warm.main.stdout).toContain(`Restored the installed tree ${saved[0]}-installed`)
    expect(warm.calls).not.toContain('-e concretize')
    // The tree's check proved everything installed and the view in place: Spack is not asked to install.
    expect(warm.calls).not.toContain('-e install --jobs 2 --fail-fast')
    expect(warm.main.stdout).toContain(
      'The installed tree holds every package of the cached spack.lock: nothing to concretize or install'
    )
    expect(warm.main.stdout).not.toContain('from binary cache')
    expect(warm.main.stdout).not.toContain('installing from source')
    expect(warm.main.stdout).not.toContain('Executing phase')
    expect(warm.post.stdout).toContain('was restored whole: nothing to save')
    expect(warm.post.stdout).not.toContain('Save the installed tree')
    expect(savedKeys()).toEqual(saved)
    expect(warm.outputs['artifact-sha256']).toBe(cold.outputs['artifact-sha256'])
  })

  test("Spack's index of the builtin packages is saved once and restored, so Spack does not index them again", async () => {
    const runner = makeRunner()
    const env = { STANDIN_GCC: '9.5.0' }
    const own = { 'cache-key-prefix': 'index-test' } // no other test has saved this index
    const cold = await build(runner, env, own)
    expect(cold.main.status).toBe(0)
    expect(indexBuilds(runner)).toEqual(['compiler'])
    expect(cold.main.stdout).toMatch(/No cached package index \S+-spack-index-\S+: Spack indexes the builtin packages/)
    const key = /Saved Spack's package index under (\S+)/.exec(cold.post.stdout)?.[1]
    expect(key).toMatch(/^index-test-spack-index-/)

    runner.wipe()
    const warm = await build(runner, env, own)
    expect(warm.main.status).toBe(0)
    expect(warm.main.stdout).toContain(`Restored Spack's package index ${key} (3 files)`)
    expect(indexBuilds(runner)).toEqual([])
    expect(warm.post.stdout).not.toContain("Save Spack's package index")
    // The runner's compilers came with the index: nothing detects them again.
    expect(warm.calls).not.toContain('compiler find --scope user')
    expect(warm.main.stdout).toMatch(/The runner's compilers as Spack found them before \(fingerprint [0-9a-f]{16}\)/)

    // A site Spack (spack-root) whose builtin packages changed after the index was saved: the restored files keep
    // their times, and Spack's own check rebuilds the index.
    runner.wipe()
    await new Promise(resolve => setTimeout(resolve, 1100)) // file times here count in whole seconds
    const now = String(Math.floor(Date.now() / 1000))
    // (Other variants: no installed tree, so Spack installs, which needs the index: first the GCC it builds.)
    const changed = await build(runner, { ...env, STANDIN_BUILTIN_MTIME: now }, { ...own, variants: '+rest +pmix' })
    expect(changed.main.status).toBe(0)
    expect(changed.main.stdout).toContain(`Restored Spack's package index ${key}`)
    expect(indexBuilds(runner)).toEqual(['install'])
  })

  test('a runner with other compilers on PATH restores the index, detects its compilers, and saves both for itself', async () => {
    const runner = makeRunner()
    const own = { 'cache-key-prefix': 'compilers-test' }
    const cold = await build(runner, {}, own)
    expect(cold.calls).toContain('compiler find --scope user')
    const key = /Saved Spack's package index under (\S+)/.exec(cold.post.stdout)?.[1] as string
    expect(key).toMatch(/^compilers-test-spack-index-\S+-compilers[0-9a-f]{16}$/)

    // Another GCC on PATH, as on another runner image or after a step that installs one.
    const bin = path.join(runner.dir, 'more-compilers')
    mkdirSync(bin)
    writeFileSync(path.join(bin, 'gcc-99'), '#!/bin/sh\n', { mode: 0o755 })
    runner.wipe()
    const other = await build(runner, { PATH: `${bin}:${process.env.PATH ?? ''}` }, own)
    expect(other.main.status).toBe(0)
    expect(other.main.stdout).toContain(
      `Restored Spack's package index ${key} (3 files, recorded with other compilers)`
    )
    expect(indexBuilds(runner)).toEqual([])
    expect(other.calls).toContain('compiler find --scope user')
    const otherKey = /Saved Spack's package index under (\S+)/.exec(other.post.stdout)?.[1] as string
    expect(otherKey).toMatch(/-compilers[0-9a-f]{16}$/)
    expect(otherKey).not.toBe(key)
    expect(otherKey.replace(/[0-9a-f]{16}$/, '')).toBe(key.replace(/[0-9a-f]{16}$/, ''))
  })

  test('a failed build saves a partial cache that the next run restores; only a complete build saves the primary key', async () => {
    const runner = makeRunner()
    const before = new Set(savedKeys())
    const failed = await build(runner, { STANDIN_FAIL: 'slurm', STANDIN_GCC: '11.4.0' })
    expect(failed.main.status).not.toBe(0)
    const partial = savedKeys().filter(key => !before.has(key))
    expect(partial).toHaveLength(1)
    expect(partial[0]).toMatch(/-partial-101-1$/)

    runner.wipe()
    const retry = await build(runner, { STANDIN_GCC: '11.4.0' })
    expect(retry.main.status).toBe(0)
    expect(retry.outputs['cache-hit']).toBe('partial')
    expect(retry.main.stdout).toMatch(/Extracting munge-[\w.-]+ from binary cache/)
    expect(retry.main.stdout).toMatch(/No binary for slurm-\S+ found: installing from source/)
    const complete = savedKeys().filter(key => !before.has(key) && !key.includes('-partial-'))
    expect(complete).toHaveLength(1)
    expect(partial[0]?.startsWith(`${complete[0]}-partial-`)).toBe(true)
  })

  test('a restored lock made from another spack.yaml is discarded with a warning and the environment concretized afresh', async () => {
    const runner = makeRunner()
    const first = await build(runner, { STANDIN_GCC: '8.5.0' })
    expect(first.main.status).toBe(0)
    runner.wipe()
    const changed = await runner.run(
      'index',
      { ...inputs, variants: '+rest +pmix' },
      { ...services.env, STANDIN_GCC: '8.5.0' }
    )
    expect(changed.status).toBe(0)
    expect(runner.outputs()['cache-hit']).toBe('partial')
    expect(changed.stdout).toContain(
      '::warning::The cached spack.lock of environment was made from a different spack.yaml: discarding it and concretizing afresh'
    )
    expect(runner.calls().map(args => args.filter(arg => !arg.startsWith('/')).join(' '))).toContain('-e concretize')
    expect(changed.stdout).toMatch(/Extracting munge-[\w.-]+ from binary cache/)
  })

  test('a GCC the runner lacks is built first, cached with the rest, and found installed on the next run', async () => {
    const runner = makeRunner()
    const wanted = { ...inputs, compiler: 'gcc@13.3.0' }
    const runBoth = async () => {
      const main = await runner.run('index', wanted, { ...services.env, STANDIN_GCC: '7.5.0' })
      const post = await runner.run('post', wanted, { ...services.env, STANDIN_GCC: '7.5.0' })
      return { main, post, calls: runner.calls().map(args => args.filter(arg => !arg.startsWith('/')).join(' ')) }
    }
    const cold = await runBoth()
    expect(cold.main.stdout).not.toContain('::error')
    expect(cold.main.stdout).toContain('::group::Build gcc@13.3.0')
    expect(cold.main.stdout).toMatch(/No binary for gcc-13\.3\.0-\w+ found: installing from source/)
    expect(cold.calls.filter(call => call === '-e concretize')).toHaveLength(2)
    expect(cold.post.stdout).toContain('Push what compiler-environment installed to the local build cache')

    runner.wipe()
    const warm = await runBoth()
    expect(warm.main.status).toBe(0)
    expect(runner.outputs()['cache-hit']).toBe('exact')
    expect(warm.calls).not.toContain('-e concretize')
    expect(warm.main.stdout).toContain('The installed tree holds every package of the cached spack.lock')
    expect(warm.calls.filter(call => call.startsWith('-e install'))).toEqual([])
    expect(warm.main.stdout).not.toContain('installing from source')
  })

  test('a cache service answering 500 gives warnings and the build still succeeds', async () => {
    const runner = makeRunner()
    const fault = services.fail({ endpoint: 'twirp', status: 500 })
    const restoreTimers = scaleTimers(100) // the toolkit backs off for seconds between its attempts
    try {
      const run = await build(runner, { STANDIN_GCC: '10.5.0' })
      expect(run.main.status).toBe(0)
      expect(run.outputs['artifact-sha256']).toMatch(/^[0-9a-f]{64}$/)
      expect(run.post.status).toBe(0)
      expect(run.main.stdout + run.post.stdout).toMatch(/::(warning|error)::.*(restore|save|reserve|Failed)/i)
    } finally {
      restoreTimers()
      fault.remove()
    }
  })

  test('a cache service that does not answer gives a warning after the time limit and the build goes on', async () => {
    const runner = makeRunner()
    const fault = services.fail({ endpoint: 'twirp', delayMs: 60_000 })
    // Every timer of the run, the action's 3 s limit and the service's 60 s delay alike, runs ten times faster.
    const restoreTimers = scaleTimers(10)
    try {
      const run = await build(runner, { STANDIN_GCC: '9.5.0', SLURM_FACTORY_CACHE_TIMEOUT_MINS: '0.05' })
      expect(run.main.status).toBe(0)
      expect(run.main.stdout).toContain('restoring the build cache did not finish within 3 s')
      expect(run.post.stdout).toContain('saving the build cache did not finish within 3 s')
    } finally {
      restoreTimers()
      fault.remove()
    }
  })
})
