/** What the main step hands the post step: written with core.saveState, read back as the runner passes it (STATE_*). */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { loadPostState, markComplete, saveCacheState, STATE, type CacheState } from '../src/state.js'
import { fileCommands } from './helpers/action-run.js'
import { applyEnv } from './services/index.js'

const cache: CacheState = {
  primaryKey: 'slurm-factory-ubuntu-24.04-x86_64-spack443f356b12ec-gcc13.3.0-x86_64_v3-0123456789abcdef0123',
  restoredKey: 'slurm-factory-ubuntu-24.04-x86_64-spack443f356b12ec-gcc13.3.0-x86_64_v3-feedfeedfeedfeedfeed',
  paths: {
    mirror: '/t/slurm-factory/buildcache',
    state: '/t/slurm-factory/cache-state',
    transfer: '/t/slurm-factory/cache-transfer'
  },
  environments: [{ envDir: '/t/slurm-factory/environment', environment: 'spack:\n  specs: [slurm]\n' }],
  spack: { executable: '/opt/spack/bin/spack', env: { SPACK_ROOT: '/opt/spack' } }
}

let stateFile: string
let restoreEnv: () => void
beforeEach(() => {
  stateFile = path.join(mkdtempSync(path.join(tmpdir(), 'state-')), 'state')
  writeFileSync(stateFile, '')
  restoreEnv = applyEnv({
    GITHUB_STATE: stateFile,
    [`STATE_${STATE.cache}`]: undefined,
    [`STATE_${STATE.complete}`]: undefined,
    [`STATE_${STATE.built}`]: undefined
  })
})
afterEach(() => restoreEnv())

/** Hands what was saved to this process as the runner hands it to the post step. */
function asPostStep(): () => void {
  const passed: Record<string, string> = {}
  for (const [name, value] of Object.entries(fileCommands(stateFile))) passed[`STATE_${name}`] = value
  return applyEnv(passed)
}

describe('the post state', () => {
  test('round-trips through the runner, incomplete until marked complete', () => {
    saveCacheState(cache)
    let restore = asPostStep()
    expect(loadPostState()).toEqual({ ...cache, complete: false, built: {} })
    restore()
    markComplete()
    restore = asPostStep()
    expect(loadPostState()).toEqual({ ...cache, complete: true, built: {} })
    restore()
  })

  test('each key is written once, under its own name', () => {
    saveCacheState(cache)
    markComplete()
    expect(Object.keys(fileCommands(stateFile)).sort()).toEqual([STATE.cache, STATE.complete].sort())
  })

  test('nothing saved: no state (the post step then saves nothing)', () => {
    markComplete()
    const restore = asPostStep()
    expect(loadPostState()).toBeUndefined()
    restore()
  })
})
