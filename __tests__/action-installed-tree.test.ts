/**
 * The installed tree across runs, with the stand-in `spack` and the local cache service: the very same build finds
 * everything installed; a tree that is not whole falls back to the build cache and extracts from it, the build the
 * same; a runner whose paths differ never restores a tree made for other paths.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import * as cache from '@actions/cache'
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { makeRunner, STAND_IN_BUILD, type Runner } from './helpers/action-run.js'
import { applyEnv, startServices, type Services } from './services/index.js'
import { installedTreeOf, type InstalledTree } from '../src/cache/installed-tree.js'
import { stageForSave } from '../src/cache/staging.js'
import { workDirs } from '../src/work.js'

let services: Services
beforeAll(async () => {
  services = await startServices({ artifact: false })
})
afterAll(async () => {
  await services.close()
})

async function build(runner: Runner, prefix: string) {
  const inputs = { ...STAND_IN_BUILD, cache: 'true', 'cache-key-prefix': prefix }
  const main = await runner.run('index', inputs, services.env)
  const post = await runner.run('post', inputs, services.env)
  const calls = runner.calls().map(args => args.filter(arg => !arg.startsWith('/')).join(' '))
  return { main, post, calls, outputs: runner.outputs() }
}

function treeKeys(prefix: string): string[] {
  return (services.cache?.entries ?? [])
    .filter(entry => entry.finalized && entry.key.startsWith(`${prefix}-`) && entry.key.includes('-installed-'))
    .map(entry => entry.key)
}

describe('the installed tree', () => {
  test('a restored tree that is not whole is removed with a warning, and the build cache serves the build', async () => {
    const runner = makeRunner()
    const cold = await build(runner, 'tree-broken')
    expect(cold.main.status).toBe(0)
    const [key] = treeKeys('tree-broken')
    expect(key).toBeDefined()

    // The entry is replaced by one whose slurm prefix is gone, as a truncated or tampered entry would be: saved as
    // the action saves it, its directories staged as src/cache/installed-tree.ts stages them.
    const { layout, cacheState, cacheTransfer } = workDirs(runner.temp)
    const environment = readFileSync(path.join(layout.envDir, 'spack.yaml'), 'utf8')
    const paths = { mirror: layout.localMirror, state: cacheState, transfer: cacheTransfer }
    const { entry } = installedTreeOf('any', layout, paths, [{ envDir: layout.envDir, environment }]) as InstalledTree
    const slurm = readdirSync(layout.installRoot).find(name => name.startsWith('slurm-')) as string
    rmSync(path.join(layout.installRoot, slurm), { recursive: true })
    services.cache?.state.delete(key as string)
    const restoreEnv = applyEnv(services.env)
    const staged = stageForSave(entry.staged ?? [])
    try {
      expect(await cache.saveCache([...entry.paths], key as string)).toBeGreaterThan(0)
    } finally {
      staged.restore()
      restoreEnv()
    }

    runner.wipe()
    const warm = await build(runner, 'tree-broken')
    expect(warm.main.status).toBe(0)
    expect(warm.main.stdout).toContain(
      `::warning::The restored installed tree ${key} is not whole (slurm@${cold.outputs['slurm-version']}/`
    )
    expect(warm.main.stdout).toContain('removed, installing from the build cache instead')
    expect(warm.outputs['cache-hit']).toBe('exact')
    expect(warm.calls).not.toContain('-e concretize')
    expect(warm.main.stdout).toMatch(/==> Extracting slurm-[\w.]+-\w+ from binary cache/)
    expect(warm.main.stdout).not.toContain('installing from source')
    expect(warm.outputs['artifact-sha256']).toBe(cold.outputs['artifact-sha256'])
  })

  test('a runner whose RUNNER_TEMP lies elsewhere never gets a tree built for other paths', async () => {
    const first = makeRunner()
    expect((await build(first, 'tree-moved')).main.status).toBe(0)
    const elsewhere = makeRunner()
    expect(elsewhere.temp).not.toBe(first.temp)
    const moved = await build(elsewhere, 'tree-moved')
    expect(moved.main.status).toBe(0)
    // Another key (spack.yaml names the install root), and the Actions cache binds its entries to their paths.
    expect(moved.main.stdout).toMatch(/No installed tree tree-moved-\S+-installed: installing from the build cache/)
    expect(moved.outputs['cache-hit']).toBe('none')
    expect(moved.main.stdout).not.toContain('Restored the installed tree')
    expect(treeKeys('tree-moved')).toHaveLength(2)
  })
})
