/** Offline and host checks of the bundled action, with the stand-in `spack`. */
import { describe, expect, test } from '@jest/globals'
import { makeRunner, STAND_IN_BUILD, DEFAULT_RELEASE } from './helpers/action-run.js'

const inputs = STAND_IN_BUILD

describe('offline and host checks', () => {
  test('an offline run whose source is missing fails before installing, naming the package and its checksum', async () => {
    const runner = makeRunner()
    const run = await runner.run(
      'index',
      { ...inputs, offline: 'true', 'buildcache-mirrors': 'file:///srv/mirror' },
      { STANDIN_MISSING_SOURCE: 'slurm' }
    )
    expect(run.status).not.toBe(0)
    expect(run.stdout).toMatch(/::error::offline: 1 package\(s\) to build have no source archive/)
    expect(run.stdout).toMatch(
      new RegExp(
        `slurm@${DEFAULT_RELEASE.replace(/\./g, '\\.')}: source archive _source-cache/archive/\\w\\w/\\w{64}\\.tar\\.gz \\(sha256 \\w{64}\\)`
      )
    )
    const calls = runner.calls().map(args => args.filter(arg => !arg.startsWith('/')).join(' '))
    expect(calls.some(call => call.includes('install'))).toBe(false)
  })

  test('an offline run with every source present builds', async () => {
    const runner = makeRunner()
    const run = await runner.run('index', { ...inputs, offline: 'true' })
    expect(run.stdout).not.toContain('::error')
    expect(run.stdout).toContain('offline: Spack imports clingo 5.8.0')
  })

  test('offline without an importable clingo fails up front with the way out', async () => {
    const runner = makeRunner()
    const run = await runner.run('index', { ...inputs, offline: 'true' }, { STANDIN_NO_CLINGO: '1' })
    expect(run.status).not.toBe(0)
    expect(run.stdout).toMatch(/::error::offline: Spack can't import clingo.*No module named 'clingo'/)
    expect(runner.calls().some(args => args.includes('concretize'))).toBe(false)
  })

  test('a target the runner cannot run fails before concretizing, with both targets named', async () => {
    const runner = makeRunner()
    const run = await runner.run('index', { ...inputs, target: 'x86_64_v3' }, { STANDIN_HOST_TARGET: 'x86_64_v2' })
    expect(run.status).not.toBe(0)
    expect(run.stdout).toContain(
      "::error::target: x86_64_v3 can't run on this runner, whose CPU Spack sees as x86_64_v2. Use target: x86_64_v2"
    )
    expect(runner.calls().some(args => args.includes('concretize'))).toBe(false)
  })
})
