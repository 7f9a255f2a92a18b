/**
 * The main step: the phases in order, what a failed run still reports, and collect mode. The action runs in this
 * process with the stand-in `spack` (helpers/action-run.ts).
 */
import { describe, expect, test } from '@jest/globals'
import { existsSync, readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import path from 'node:path'
import { resolveBuild } from '../src/build.js'
import { parseInputs } from '../src/inputs.js'
import { planBuild } from '../src/main.js'
import { STATE } from '../src/state.js'
import { workRoot } from '../src/work.js'
import { fileCommands, makeRunner, STAND_IN_BUILD } from './helpers/action-run.js'
import { cellDir, useCellsDir, PASSED, record, stagedPrefix } from './helpers/cells.js'

const base = useCellsDir()

const inputs = STAND_IN_BUILD

async function buildFor(more: Record<string, string>, runnerTemp: string) {
  const values: Record<string, string> = { ...inputs, ...more }
  const request = parseInputs(name => values[name] ?? '', {
    workspace: base,
    actionPath: path.resolve('.'),
    cpus: availableParallelism()
  })
  return resolveBuild(request, { RUNNER_TEMP: runnerTemp })
}

describe('the phases', () => {
  test('run in the order main.ts lists them, each in its log group, and the summary times them', async () => {
    const runner = makeRunner()
    const run = await runner.run('index', { ...inputs, 'buildcache-push': `file://${base}/push`, unsigned: 'true' })
    expect(run.status).toBe(0)
    const groups = [...run.stdout.matchAll(/^::group::(.*)$/gm)].map(match => match[1])
    const phases = groups.filter(group => !/^(spack |Concretize)/.test(group as string))
    // With a remote build cache and no Actions build cache, Spack's index and the lock still go through the Actions
    // cache (here there is none: the restores find no service and say nothing).
    expect(phases).toEqual([
      'Check the build caches',
      'Provision Spack',
      "Restore Spack's package index",
      'Register the package repository',
      'Check the runner',
      'Render the environment',
      'Restore spack.lock',
      'Install Slurm',
      `Push to file://${base}/push`,
      'Package the artifact'
    ])
    const summary = readFileSync(path.join(runner.dir, 'summary.md'), 'utf8')
    for (const phase of phases) expect(summary).toContain(`time: ${phase}`)
    // The plan lists the same phases, in the same order (and those a cache or a GCC build would add).
    const planned = planBuild(
      await buildFor({ 'buildcache-push': `file://${base}/push`, unsigned: 'true' }, runner.temp)
    )
    expect(planned.phases.map(phase => phase.title).filter(title => phases.includes(title))).toEqual(phases)
  })
})

describe('a failed run', () => {
  test('a failed install: the step fails, the summary says which package and what was built before', async () => {
    const runner = makeRunner()
    const run = await runner.run('index', inputs, { STANDIN_FAIL: 'slurm' })
    expect(run.status).toBe(1)
    expect(run.stdout).toMatch(/::error::slurm failed to install: /)
    const summary = readFileSync(path.join(runner.dir, 'summary.md'), 'utf8')
    expect(summary).toContain('Slurm Factory: build failed')
    expect(summary).toContain('built from source</td><td>munge, json-c')
    expect(summary).toContain('time: Install Slurm</td><td>')
    expect(summary).toMatch(/time: Install Slurm<\/td><td>[\d.]+ s \(failed\)/)
    expect(runner.outputs()['slurm-version']).toBeUndefined()
  })

  test('with the cache on, the post step is told what to save, and that the build did not complete', async () => {
    const runner = makeRunner()
    await runner.run('index', { ...inputs, cache: 'true' }, { STANDIN_FAIL: 'slurm' })
    const state = fileCommands(path.join(runner.dir, 'state'))
    expect(JSON.parse(state[STATE.cache] as string)).toMatchObject({
      primaryKey: expect.stringMatching(/^slurm-factory-/)
    })
    expect(state[STATE.complete]).toBeUndefined()
    const done = makeRunner()
    await done.run('index', { ...inputs, cache: 'true' })
    expect(fileCommands(path.join(done.dir, 'state'))[STATE.complete]).toBe('true')
  })

  test('upload: true on a runner with no artifact service fails before any Spack work, saying what to do', async () => {
    const runner = makeRunner()
    const run = await runner.run('index', { ...inputs, upload: 'true' })
    expect(run.status).toBe(1)
    expect(run.stdout).toContain(
      '::error::upload: "true" needs the workflow\'s artifact service, but ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL are not set on this runner; set upload: false'
    )
    expect(runner.calls()).toEqual([])
  })

  test('a 100 KB input fails with one short line that states its length', async () => {
    const run = await makeRunner().run('index', { ...inputs, variants: `+${'x'.repeat(100_000)};` })
    expect(run.status).toBe(1)
    const errors = run.stdout.split('\n').filter(line => line.startsWith('::error::'))
    expect(errors).toHaveLength(1)
    expect(errors[0]?.length).toBeLessThan(400)
    expect(errors[0]).toContain('... (100002 characters) is not a Spack variant')
  })

  test('a bad input fails before any phase: no summary, no files', async () => {
    const runner = makeRunner()
    const run = await runner.run('index', { ...inputs, jobs: 'all' })
    expect(run.status).toBe(1)
    expect(run.stdout).toContain('::error::jobs: "all" is not accepted')
    expect(readFileSync(path.join(runner.dir, 'summary.md'), 'utf8')).toBe('')
    expect(existsSync(workRoot(runner.temp))).toBe(false)
  })
})

describe('collect mode', () => {
  test('`collect:` summarizes the downloaded cells into the job summary and builds nothing', async () => {
    const root = path.join(base, 'action-collect')
    const built = await stagedPrefix(base, 'slurm-25.11.6-gcc13.3.0-x86_64_v3', PASSED, '25.11.6')
    cellDir(root, '25.11-gcc13.3.0', record({ slurm: '25.11', cacheHit: 'exact' }), built)
    cellDir(root, '24.11-gcc13.3.0', record({ outcome: 'failure', cacheHit: '' }))
    const runner = makeRunner()
    const run = await runner.run('index', { collect: root })
    expect(run.stdout).not.toContain('::error')
    expect(run.status).toBe(0)
    expect(run.stdout).toMatch(/^cell\s+result\s+Slurm/m)
    const summary = readFileSync(path.join(runner.dir, 'summary.md'), 'utf8')
    expect(summary).toContain('slurm-25.11.6-gcc13.3.0-x86_64_v3')
    expect(summary).toMatch(/failed/)
    expect(existsSync(workRoot(runner.temp))).toBe(false)
    expect(runner.calls()).toEqual([])
  })

  test('a collect directory that is not there is refused, naming the input', async () => {
    const run = await makeRunner().run('index', { collect: path.join(base, 'nowhere') })
    expect(run.status).not.toBe(0)
    expect(run.stdout).toContain('::error::collect: ')
  })
})
