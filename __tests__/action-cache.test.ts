/**
 * The build cache across runs, with the stand-in `spack` and a local cache service speaking the real protocol
 * (Twirp v2 and blob storage) to the real @actions/cache: each run is a fresh machine with the same paths. The action
 * runs in this process (helpers/action-run.ts), so fault tests shorten the toolkit's backoff instead of waiting it out.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import {
  commandMessages,
  fileCommands,
  makeRunner,
  STAND_IN_BUILD,
  type Runner,
  DEFAULT_RELEASE
} from './helpers/action-run.js'
import { alterMember, corruptArchive } from './helpers/cache-entry.js'
import { applyEnv, scaleTimers, startServices, type Services } from './services/index.js'
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
    .filter(entry => entry.finalized && !entry.key.includes('-spack-index-') && !entry.key.includes('-installed-'))
    .map(entry => entry.key)
}

/** Removes the installed trees saved under `prefix`: the next run of the same build restores the build cache. */
function dropInstalledTrees(prefix: string): void {
  for (const entry of services.cache?.entries ?? [])
    if (entry.key.startsWith(`${prefix}-`) && entry.key.includes('-installed-')) services.cache?.state.delete(entry.key)
}

function savedTrees(): string[] {
  return (services.cache?.entries ?? [])
    .filter(entry => entry.finalized && entry.key.includes('-installed-'))
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
    const primary = (saved[0] as string).replace(/-complete-101-1$/, '')
    const tree = `${primary}-installed-complete-101-1`
    expect(savedTrees()).toEqual([tree])
    expect(cold.post.stdout).toContain(`Saved the installed tree under ${tree}`)

    runner.wipe()
    const warm = await build(runner)
    expect(warm.main.status).toBe(0)
    expect(runner.outputs()['cache-hit']).toBe('exact')
    expect(warm.main.stdout).toContain(`Restored the installed tree ${tree}`)
    expect(warm.calls).not.toContain('-e concretize')
    // The tree's check proved everything installed and the view in place: Spack is not asked to install.
    expect(warm.calls).not.toContain('-e install --jobs 2 --fail-fast')
    expect(warm.main.stdout).toContain(
      'The installed tree holds every package of the cached spack.lock: nothing to concretize or install'
    )
    expect(warm.main.stdout).not.toMatch(
      new RegExp(`==> Extracting slurm-${DEFAULT_RELEASE.replace(/\./g, '\\.')}-\\w+ from binary cache`)
    )
    expect(warm.main.stdout).not.toContain('installing from source')
    expect(warm.main.stdout).not.toContain('Executing phase')
    expect(warm.post.stdout).toContain(`The installed tree ${tree} was restored whole: nothing to save`)
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
    // Saved under a key of its own run: the index's, its compilers' fingerprint, the run and attempt.
    expect(key).toMatch(/^compilers-test-spack-index-\S+-compilers[0-9a-f]{16}-101-1$/)

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
    expect(otherKey).toMatch(/-compilers[0-9a-f]{16}-101-1$/)
    expect(otherKey).not.toBe(key)
    const fingerprintless = (k: string) => k.replace(/[0-9a-f]{16}-101-1$/, '')
    expect(fingerprintless(otherKey)).toBe(fingerprintless(key))
  })

  test("a failed build saves a partial cache that the next run restores; a complete build saves under its run's complete key", async () => {
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
    expect(complete[0]).toBe(partial[0]?.replace(/-partial-101-1$/, '-complete-101-1'))
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

  test('a cache service answering 500: one warning with its reason, every other cache call of the job skipped, the build green', async () => {
    const runner = makeRunner()
    const fault = services.fail({ endpoint: 'twirp', status: 500 })
    const restoreTimers = scaleTimers(100) // the toolkit's own retries back off for seconds
    const before = services.requests.length
    try {
      const run = await build(runner, { STANDIN_GCC: '10.5.0' })
      expect(run.main.status).toBe(0)
      expect(run.post.status).toBe(0)
      expect(run.outputs['artifact-sha256']).toMatch(/^[0-9a-f]{64}$/)
      expect(commandMessages(run.main.stdout + run.post.stdout, 'error')).toEqual([])
      expect(commandMessages(run.main.stdout + run.post.stdout, 'warning')).toEqual([
        "Restoring Spack's package index failed, Spack rebuilds it: Failed to restore: Failed to GetCacheEntryDownloadURL: " +
          'Failed to make request after 5 attempts: Failed request: (500) Internal Server Error: injected fault: 500. ' +
          "The job's other cache operations are skipped"
      ])
      expect(run.main.stdout).toMatch(
        /^Not restoring the build cache: Spack's package index: Failed to restore: .* \(earlier in this job\)$/m
      )
      expect(run.post.stdout).toMatch(
        /^Not pushing to the local build cache nor saving it: Spack's package index: .* \(earlier in this job\)$/m
      )
      // The toolkit's five attempts of the first call, and not one request after it.
      expect(
        services.requests
          .slice(before)
          .filter(r => r.service !== 'blob')
          .map(r => r.op)
      ).toEqual(Array(5).fill('GetCacheEntryDownloadURL'))
      expect(run.calls.filter(call => call.includes('buildcache push'))).toEqual([])
    } finally {
      restoreTimers()
      fault.remove()
    }
  })

  test("a cache service that does not answer: the whole job's cache traffic costs one time limit, with one warning", async () => {
    const runner = makeRunner()
    const fault = services.fail({ endpoint: 'twirp', delayMs: 60_000 })
    // Every timer of the run, the job's 3 s budget and the service's 60 s delay alike, runs ten times faster.
    const restoreTimers = scaleTimers(10)
    const before = services.requests.length
    try {
      const run = await build(runner, { STANDIN_GCC: '9.5.0', SLURM_FACTORY_CACHE_TIMEOUT_MINS: '0.05' })
      expect(run.main.status).toBe(0)
      expect(run.post.status).toBe(0)
      expect(commandMessages(run.main.stdout + run.post.stdout, 'warning')).toEqual([
        "Restoring Spack's package index failed, Spack rebuilds it: restoring Spack's package index did not finish within 3 s. " +
          "The job's other cache operations are skipped"
      ])
      expect(run.main.stdout).toContain(
        "Not restoring the build cache: Spack's package index: restoring Spack's package index did not finish within 3 s (earlier in this job)"
      )
      // One request reached the service in the whole job: the first restore's, given up on after the time limit.
      expect(
        services.requests
          .slice(before)
          .filter(r => r.service !== 'blob')
          .map(r => r.op)
      ).toEqual(['GetCacheEntryDownloadURL'])
      const budget = JSON.parse(fileCommands(path.join(runner.dir, 'state'))['slurm-factory-cache-budget'] as string)
      expect(budget).toMatchObject({ limitMs: 3000, stopped: expect.stringContaining('did not finish within 3 s') })
    } finally {
      restoreTimers()
      fault.remove()
    }
  })
})

describe('a damaged build cache heals itself', () => {
  test('an archive that does not unpack: warned, built without it, and the fresh entry saved replaces it for the next run', async () => {
    const runner = makeRunner()
    const own = { 'cache-key-prefix': 'heal-archive' }
    const first = await build(runner, { STANDIN_GCC: '8.1.0' }, own)
    expect(first.main.status).toBe(0)
    const [damaged] = savedKeys().filter(key => key.startsWith('heal-archive-'))
    corruptArchive(services, damaged as string)
    // The build cache is what this is about: no installed tree stands in for it.
    dropInstalledTrees('heal-archive')

    runner.wipe()
    const second = await build(runner, { STANDIN_GCC: '8.1.0', GITHUB_RUN_ID: '102' }, own)
    expect(second.main.status).toBe(0)
    expect(second.outputs['cache-hit']).toBe('none')
    expect(commandMessages(second.main.stdout, 'warning')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^The build cache ${damaged} was found but could not be restored, building without it: Failed to restore: `
        )
      )
    ])
    expect(second.main.stdout).toContain(
      `This job saves a fresh build cache, which later runs restore instead of ${damaged}`
    )
    const fresh = (damaged as string).replace(/-101-1$/, '-102-1')
    expect(second.post.stdout).toContain(`Saved the build cache under ${fresh}`)

    runner.wipe()
    dropInstalledTrees('heal-archive')
    const third = await build(runner, { STANDIN_GCC: '8.1.0', GITHUB_RUN_ID: '103' }, own)
    expect(third.outputs['cache-hit']).toBe('exact')
    expect(third.main.stdout).toContain(`Restored build cache ${fresh} (exact)`)
    expect(third.main.stdout).not.toContain('installing from source')
    expect(commandMessages(third.main.stdout + third.post.stdout, 'warning')).toEqual([])
  })

  test('a damaged package in an exact hit: Spack builds it again, cache-hit says partial, and the next run extracts it whole', async () => {
    const runner = makeRunner()
    const own = { 'cache-key-prefix': 'heal-package' }
    expect((await build(runner, { STANDIN_GCC: '8.2.0' }, own)).main.status).toBe(0)
    const [saved] = savedKeys().filter(key => key.startsWith('heal-package-'))
    expect(
      alterMember(services, saved as string, /buildcache\/blobs\/munge-[^/]+\.tar\/lib\/libmunge\.so\.txt$/)
    ).toBeTruthy()
    dropInstalledTrees('heal-package')

    runner.wipe()
    const second = await build(runner, { STANDIN_GCC: '8.2.0', GITHUB_RUN_ID: '102' }, own)
    expect(second.main.status).toBe(0)
    // Spack passes over the damaged binary quietly and builds munge; only munge.
    expect(second.main.stdout).toMatch(/No binary for munge-\S+ found: installing from source/)
    expect(second.main.stdout.match(/installing from source/g)).toHaveLength(1)
    expect(second.outputs['cache-hit']).toBe('partial')
    const summary = readFileSync(path.join(runner.dir, 'summary.md'), 'utf8')
    expect(summary).toContain(
      `<td>build cache</td><td>partial (${saved}, some packages in it were damaged and built again)</td>`
    )
    expect(second.calls).toContain('-e buildcache push --force --only package --unsigned slurm-factory-local')
    const fresh = (saved as string).replace(/-101-1$/, '-102-1')
    expect(second.post.stdout).toContain(`Saved the build cache under ${fresh}`)

    runner.wipe()
    dropInstalledTrees('heal-package')
    const third = await build(runner, { STANDIN_GCC: '8.2.0', GITHUB_RUN_ID: '103' }, own)
    expect(third.outputs['cache-hit']).toBe('exact')
    expect(third.main.stdout).toContain(`Restored build cache ${fresh} (exact)`)
    expect(third.main.stdout).toMatch(/Extracting munge-\S+ from binary cache/)
    expect(third.main.stdout).not.toContain('installing from source')
    expect(third.post.stdout).toContain('was restored whole and nothing was built: nothing to save')
  })

  test('a restore given up on goes on in the background without ever touching the mirror the build uses', async () => {
    const runner = makeRunner()
    const own = { 'cache-key-prefix': 'abandoned' }
    expect((await build(runner, { STANDIN_GCC: '8.3.0' }, own)).main.status).toBe(0)
    // Spack's package index misses, so the one blob download of the next run is the build cache's: held 10 s, given
    // up on after the job's 3 s budget (every timer of the run ten times faster).
    for (const entry of services.cache?.entries ?? [])
      if (entry.key.startsWith('abandoned-spack-index-')) services.cache?.state.delete(entry.key)
    dropInstalledTrees('abandoned')
    const slow = services.fail({ endpoint: 'GetBlob', delayMs: 10_000, times: 1 })
    // The toolkit unpacks relative to the workspace it reads when it gets there: after the run, still the runner's.
    const restoreEnv = applyEnv({ GITHUB_WORKSPACE: runner.dir })
    const restoreTimers = scaleTimers(10)
    runner.wipe()
    const run = await runner.run(
      'index',
      { ...inputs, ...own },
      {
        ...services.env,
        STANDIN_GCC: '8.3.0',
        SLURM_FACTORY_CACHE_TIMEOUT_MINS: '0.05'
      }
    )
    expect(run.status).toBe(0)
    expect(commandMessages(run.stdout, 'warning')).toEqual([
      "Restoring the build cache failed, building without it: restoring the build cache did not finish within 3 s. The job's other cache operations are skipped"
    ])
    const { localMirror } = workDirs(runner.temp).layout
    const transfer = workDirs(runner.temp).cacheTransfer
    const blobs = (dir: string): string[] =>
      existsSync(path.join(dir, 'blobs')) ? readdirSync(path.join(dir, 'blobs')) : []
    // The toolkit unpacks the entry once the blob arrives, after the build was done with the mirror.
    const until = Date.now() + 15_000
    while (blobs(localMirror).length === 0 && blobs(path.join(transfer, 'buildcache')).length === 0) {
      if (Date.now() > until) throw new Error('the abandoned restore never finished')
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    restoreTimers()
    restoreEnv()
    expect(slow.hits).toBe(1)
    expect(blobs(path.join(transfer, 'buildcache')).length).toBeGreaterThan(0)
    expect(blobs(localMirror)).toEqual([])
  })
})
