/**
 * A matrix's dependencies job (`stage: dependencies`) and the cells after it, on the stand-in `spack` with the local
 * cache service: the job installs Slurm's dependencies for every version its cells build, not Slurm, and saves them
 * where the cells look (the build cache's family key, or a remote build cache); each cell then builds Slurm alone.
 * Every run is a fresh machine with the same paths, as GitHub's hosted runners are (same RUNNER_TEMP).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { makeRunner, STAND_IN_BUILD, type Runner } from './helpers/action-run.js'
import { startServices, type Services } from './services/index.js'
import { workDirs } from '../src/work.js'

let services: Services
let base: string
beforeAll(async () => {
  services = await startServices({ artifact: false })
  base = mkdtempSync(path.join(tmpdir(), 'dependencies-'))
})
afterAll(async () => {
  await services.close()
  rmSync(base, { recursive: true, force: true })
})

/** One job: main and post step; what Spack built from source and extracted, by package name. */
async function job(runner: Runner, inputs: Record<string, string>) {
  const all = { ...STAND_IN_BUILD, ...inputs }
  const main = await runner.run('index', all, services.env)
  const post = await runner.run('post', all, services.env)
  const names = (pattern: RegExp): string[] =>
    [...main.stdout.matchAll(pattern)].map(match => (match[1] as string).replace(/-[^-]+-[a-z]{32}$/, '')).sort()
  return {
    main,
    post,
    outputs: runner.outputs(),
    calls: runner.calls().map(args => args.filter(arg => !arg.startsWith('/')).join(' ')),
    built: names(/==> No binary for (\S+) found: installing from source/g),
    extracted: names(/==> Extracting (\S+) from binary cache/g)
  }
}

function savedKeys(prefix: string): string[] {
  return (services.cache?.entries ?? [])
    .filter(entry => entry.finalized && entry.key.startsWith(`${prefix}-`) && !entry.key.includes('-spack-index-'))
    .map(entry => entry.key)
}

/** The stand-in's build cache blobs under a mirror directory, by package name. */
function mirrored(mirror: string): string[] {
  const blobs = path.join(mirror, 'blobs')
  return existsSync(blobs)
    ? readdirSync(blobs)
        .filter(name => name.endsWith('.tar')) // not the manifests and signatures beside each archive
        .map(name => name.replace(/-[^-]+-[a-z]{32}\.tar$/, ''))
        .sort()
    : []
}

/** How often the stand-in built the builtin packages' index in this run (Spack's minute of re-reading recipes). */
function indexBuilds(runner: Runner): number {
  const file = path.join(workDirs(runner.temp).spackState, 'cache', 'cache', 'standin-index-builds')
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').length : 0
}

const DEPENDENCIES = { stage: 'dependencies', 'slurm-version': '24.11 26.05' }

describe('a dependencies job, then the cells', () => {
  test('through the Actions cache: the job installs the dependencies only, and each cell builds slurm alone', async () => {
    const runner = makeRunner()
    const cache = { cache: 'true', 'cache-key-prefix': 'matrix' }
    const deps = await job(runner, { ...cache, ...DEPENDENCIES })
    expect(deps.main.status).toBe(0)
    expect(deps.main.stdout).not.toContain('::error')
    expect(deps.built).toEqual(['json-c', 'munge'])
    expect(deps.calls).toContain('-e install --jobs 2 --fail-fast --only dependencies')
    expect(deps.calls).toContain('-e buildcache push --update-index --only dependencies --unsigned slurm-factory-local')
    // One root per version, no Slurm installed, no artifact.
    const lock = JSON.parse(
      readFileSync(path.join(workDirs(runner.temp).layout.dependenciesEnvDir, 'spack.lock'), 'utf8')
    ) as { roots: Array<{ spec: string }> }
    expect(lock.roots.map(root => root.spec.split(' ')[0])).toEqual(['slurm@24.11', 'slurm@26.05'])
    expect(readdirSync(workDirs(runner.temp).layout.installRoot).some(name => name.startsWith('slurm-'))).toBe(false)
    expect(deps.outputs['artifact-name']).toBeUndefined()
    expect(mirrored(workDirs(runner.temp).layout.localMirror)).toEqual(['json-c', 'munge'])
    const [saved] = savedKeys('matrix')
    expect(saved).toMatch(/^matrix-\S+-gcc12\.2\.0-x86_64_v2-dependencies-[0-9a-f]{20}-complete-101-1$/)

    for (const version of ['24.11', '26.05']) {
      // The cells start together once the job is done: each restores the job's entry, none another cell's.
      for (const key of savedKeys('matrix')) if (key !== saved) services.cache?.state.delete(key)
      runner.wipe()
      const cell = await job(runner, { ...cache, 'slurm-version': version })
      expect(cell.main.status).toBe(0)
      expect(cell.outputs['cache-hit']).toBe('partial')
      expect(cell.main.stdout).toContain(`Restored build cache ${saved} (partial)`)
      expect(cell.built).toEqual(['slurm'])
      expect(cell.extracted).toEqual(['json-c', 'munge'])
      expect(cell.outputs['slurm-version']).toMatch(new RegExp(`^${version.replace('.', '\\.')}\\.`))
      // The job's lock is kept under its own environment's name: no cell takes it for its own, nor warns about it.
      expect(cell.main.stdout).not.toContain('was made from a different spack.yaml')
    }

    // The job's next run finds everything: nothing is built, nothing saved.
    runner.wipe()
    const again = await job(runner, { ...cache, ...DEPENDENCIES })
    expect(again.outputs['cache-hit']).toBe('exact')
    expect(again.built).toEqual([])
    expect(again.calls).not.toContain('-e concretize')
    expect(again.post.stdout).toContain('was restored whole and nothing was built: nothing to save')
  })

  test('through a remote build cache, no Actions build cache: Spack index and locks still come from the Actions cache', async () => {
    const runner = makeRunner()
    const remote = `file://${path.join(base, 'remote')}`
    const shared = { cache: 'false', 'cache-key-prefix': 'remote', unsigned: 'true', 'buildcache-push': remote }
    const deps = await job(runner, { ...shared, ...DEPENDENCIES })
    expect(deps.main.status).toBe(0)
    expect(deps.built).toEqual(['json-c', 'munge'])
    expect(deps.calls).toContain('-e buildcache push --update-index --only dependencies --unsigned slurm-factory-push')
    expect(mirrored(path.join(base, 'remote'))).toEqual(['json-c', 'munge'])
    expect(deps.post.stdout).toMatch(/Saved Spack's package index under remote-spack-index-/)
    expect(deps.post.stdout).toMatch(/Saved the kept spack\.lock under remote-\S+-dependencies-[0-9a-f]{20}-locks/)

    const cell = { ...shared, 'buildcache-mirrors': remote, 'slurm-version': '24.11' }
    runner.wipe()
    const first = await job(runner, cell)
    expect(first.main.status).toBe(0)
    // Nothing from the Actions cache, the dependencies from the remote build cache, Slurm built: partial.
    expect(first.outputs['cache-hit']).toBe('partial')
    expect(first.built).toEqual(['slurm'])
    expect(first.extracted).toEqual(['json-c', 'munge'])
    expect(indexBuilds(runner)).toBe(0) // Spack's index came with the Actions cache
    expect(first.calls).not.toContain('compiler find --scope user') // and the runner's compilers with it
    expect(first.calls).toContain('-e concretize') // this cell's spack.yaml was never concretized before
    expect(first.post.stdout).toMatch(/Saved the kept spack\.lock under remote-\S+-locks/)

    // The cell's next run, on a fresh runner: the binaries from the remote build cache, the lock from the Actions cache.
    runner.wipe()
    const next = await job(runner, cell)
    expect(next.main.status).toBe(0)
    expect(next.main.stdout).toMatch(/Restored the kept spack\.lock remote-\S+-locks/)
    expect(next.calls).not.toContain('-e concretize')
    expect(next.main.stdout).toContain('nothing to concretize')
    expect(next.built).toEqual([])
    expect(next.extracted).toEqual(['json-c', 'munge', 'slurm'])
    // Everything from the remote build cache, told apart from a miss, and counted by mirror in the summary.
    expect(next.outputs['cache-hit']).toBe('remote')
    const summary = readFileSync(path.join(runner.dir, 'summary.md'), 'utf8')
    expect(summary).toContain('<td>served by</td><td>remote-1: 3</td>')
    expect(indexBuilds(runner)).toBe(0)
    expect(next.post.stdout).toContain('The kept spack.lock was restored: nothing to save')
  })

  test('a list of versions is a dependencies job only, and the plan says what the job does', async () => {
    const runner = makeRunner()
    const refused = await runner.run('index', { ...STAND_IN_BUILD, 'slurm-version': '24.11 26.05' })
    expect(refused.status).not.toBe(0)
    expect(refused.stdout).toContain(
      '::error::slurm-version: "24.11 26.05" names 2 versions: a list is accepted with stage: dependencies only'
    )
    const plan = await runner.run('index', { ...STAND_IN_BUILD, ...DEPENDENCIES, 'dry-run': 'true' })
    expect(plan.status).toBe(0)
    expect(plan.stdout).toContain('--fail-fast --only dependencies')
    expect(plan.stdout).toContain("Install Slurm's dependencies")
    expect(plan.stdout).not.toContain('Package the artifact')
    expect(plan.stdout).toMatch(/- slurm@24\.11 \S+.*\n\s+- slurm@26\.05 /)
  })
})
