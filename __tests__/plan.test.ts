/**
 * Plan mode (`dry-run: true`), run as a runner runs the action, and held against real runs: every Spack command a
 * build runs on the stand-in `spack` (main and post step) is the one its plan lists, argument for argument, in order,
 * for the conditions that held in that run.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { cpSync, existsSync, readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import path from 'node:path'
import { parse } from 'yaml'
import { resolveBuild } from '../src/build.js'
import { parseInputs } from '../src/inputs.js'
import { planBuild } from '../src/main.js'
import { planLines } from '../src/plan.js'
import { workDirs, workRoot } from '../src/work.js'
import { makeRunner, STAND_IN_SPACK, type Runner } from './helpers/action-run.js'
import { startServices, type Services } from './services/index.js'

let services: Services
beforeAll(async () => {
  services = await startServices({ artifact: false })
})
afterAll(async () => {
  await services.close()
})

const PLACEHOLDER = /^\/<[\w.-]+>$/

/** The Spack commands the plan lists for `inputs` on `runner`, keeping the steps whose conditions all hold. */
async function plannedSpackCalls(runner: Runner, inputs: Record<string, string>, holds: ReadonlySet<string>) {
  const request = parseInputs(name => inputs[name] ?? '', {
    workspace: runner.dir,
    actionPath: path.resolve('.'),
    cpus: availableParallelism()
  })
  const plan = planBuild(await resolveBuild(request, { RUNNER_TEMP: runner.temp }))
  return plan.phases
    .flatMap(phase => phase.steps)
    .filter(step => (step.when ?? []).every(condition => holds.has(condition.id)))
    .flatMap(step => ('spack' in step ? [[...step.spack]] : []))
}

/**
 * `expected` with each placeholder argument (`/<slurm-hash-in-spack.lock>`) taken from `actual` where it fits; a last
 * placeholder standing for several packages (`/<built-from-source>`) takes all the hashes that end `actual`'s line.
 */
function filled(expected: string[][], actual: string[][]): string[][] {
  const hash = (arg: string | undefined): boolean => /^\/[a-z]{32}$/.test(arg ?? '')
  return expected.map((args, i) =>
    args.flatMap((arg, j) => {
      const got = actual[i] ?? []
      if (!PLACEHOLDER.test(arg) || !hash(got[j])) return [arg]
      return arg === '/<built-from-source>' && j === args.length - 1 ? got.slice(j) : [got[j] as string]
    })
  )
}

const standIn = { 'spack-root': STAND_IN_SPACK, target: 'x86_64_v2', upload: 'false', jobs: '3' }

describe('plan mode lists the commands a real run runs', () => {
  test.each([
    ['cache off, the runner has the GCC', { compiler: 'gcc@12.2.0', cache: 'false' }, {}],
    ['cache off, Spack builds the GCC first', { compiler: 'gcc@13.3.0', cache: 'false' }, { STANDIN_GCC: '7.5.0' }],
    [
      'a dependencies job for two versions, Spack builds the GCC first',
      { compiler: 'gcc@13.3.0', cache: 'false', stage: 'dependencies', 'slurm-version': '24.11 26.05' },
      { STANDIN_GCC: '7.5.0' }
    ],
    [
      'offline, with a push mirror and a workspace repository shaped like slurm-factory-spack-repo',
      {
        compiler: 'gcc@12.2.0',
        cache: 'false',
        offline: 'true',
        'buildcache-mirrors': 'file:///srv/mirror',
        'buildcache-push': 'file:///srv/push',
        unsigned: 'true',
        'spack-repo': 'checkout'
      },
      {}
    ]
  ])('%s', async (_name, more, env) => {
    const runner = makeRunner()
    cpSync('spack-repo', path.join(runner.dir, 'checkout'), { recursive: true })
    const inputs = { ...standIn, ...more }
    const holds = new Set([
      'no-recorded-compilers',
      'no-cached-lock',
      'not-restored-whole',
      ...('STANDIN_GCC' in env ? ['gcc-missing'] : [])
    ])
    const plan = await runner.run('index', { ...inputs, 'dry-run': 'true' }, env)
    expect(plan.status).toBe(0)
    expect(runner.calls()).toEqual([]) // plan mode runs no Spack
    const planned = await plannedSpackCalls(runner, inputs, holds)

    const main = await runner.run('index', inputs, env)
    expect(main.stdout).not.toContain('::error')
    await runner.run('post', inputs, env)
    const actual = runner.calls()
    expect(actual).toEqual(filled(planned, actual))
  })

  test.each([
    ['a Slurm build', {}, 'plan-test'],
    ['a dependencies job', { stage: 'dependencies', 'slurm-version': '24.11 26.05' }, 'plan-dependencies']
  ])('%s, cold then warm with the cache on: the warm run skips what its plan says it may', async (_, more, prefix) => {
    const runner = makeRunner()
    const inputs = { ...standIn, ...more, compiler: 'gcc@12.2.0', 'cache-key-prefix': prefix }
    const cold = new Set([
      'no-recorded-compilers',
      'no-cached-lock',
      'not-restored-whole',
      'built-from-source',
      'tree-not-restored',
      'build-complete'
    ])
    for (const [hit, holds] of [
      ['none', cold],
      ['exact', new Set<string>()]
    ] as const) {
      runner.wipe()
      const main = await runner.run('index', inputs, services.env)
      expect(main.stdout).not.toContain('::error')
      expect(runner.outputs()['cache-hit']).toBe(hit)
      await runner.run('post', inputs, services.env)
      const actual = runner.calls()
      expect(actual).toEqual(filled(await plannedSpackCalls(runner, inputs, holds), actual))
    }
  })
})

describe('plan mode (dry-run: true)', () => {
  test('prints the request, spec, environment and commands, writes the environment, and builds nothing', async () => {
    const runner = makeRunner()
    const inputs = { 'dry-run': 'true', compiler: 'gcc@13.3.0', 'slurm-version': '24.11', variants: '+rest ~ucx' }
    const run = await runner.run('index', inputs)
    expect(run.status).toBe(0)
    expect(run.stdout).toContain('::group::Plan (dry-run: nothing is built)')
    expect(run.stdout).toContain('spec: slurm@24.11 +rest ~ucx %gcc@13.3.0 target=x86_64_v3')
    expect(run.stdout).toContain('install --jobs')
    expect(run.stdout).not.toContain('::error::')
    const envFile = path.join(workDirs(runner.temp).layout.envDir, 'spack.yaml')
    expect(existsSync(envFile)).toBe(true)
    const env = parse(readFileSync(envFile, 'utf8')) as { spack: { specs: string[] } }
    expect(env.spack.specs).toEqual(['slurm@24.11 +rest ~ucx %gcc@13.3.0 target=x86_64_v3'])
    const summary = readFileSync(path.join(runner.dir, 'summary.md'), 'utf8')
    expect(summary).toContain('Slurm Factory: plan (dry-run)')
    expect(summary).toContain('slurm@24.11 +rest ~ucx %gcc@13.3.0 target=x86_64_v3')
    // What the log shows is the plan the phases give.
    const request = parseInputs(name => (inputs as Record<string, string>)[name] ?? '', {
      workspace: runner.dir,
      actionPath: path.resolve('.'),
      cpus: availableParallelism()
    })
    const lines = planLines(planBuild(await resolveBuild(request, { RUNNER_TEMP: runner.temp })))
    expect(run.stdout).toContain(lines.join('\n'))
    // Nothing but the environment was written: no install tree, no stage, no build cache.
    for (const dir of ['opt', 'stage', 'buildcache', 'view']) {
      expect(existsSync(path.join(workRoot(runner.temp), dir))).toBe(false)
    }
  })

  test('a repository checked out like slurm-factory-spack-repo is registered at spack_repo/<namespace>, as a run does', async () => {
    const runner = makeRunner()
    cpSync('spack-repo', path.join(runner.dir, 'checkout'), { recursive: true })
    const run = await runner.run('index', { ...standIn, 'dry-run': 'true', 'spack-repo': 'checkout' })
    expect(run.status).toBe(0)
    const repo = path.join(runner.dir, 'checkout', 'spack_repo', 'slurm_factory')
    expect(run.stdout).toContain(`repo add --scope user ${repo}\n`)
    const envFile = path.join(workDirs(runner.temp).layout.envDir, 'spack.yaml')
    const env = parse(readFileSync(envFile, 'utf8')) as { spack: { repos: Record<string, string> } }
    expect(env.spack.repos).toEqual({ slurm_factory: repo })
  })

  test('a workspace path that is no package repository fails the plan as it would fail the run', async () => {
    const run = await makeRunner().run('index', { 'dry-run': 'true', 'spack-repo': '.' })
    expect(run.status).not.toBe(0)
    expect(run.stdout).toMatch(/::error::.* is not a Spack package repository \(no repo.yaml in it/)
  })

  test('a bad input fails the step before any work, naming the input', async () => {
    const runner = makeRunner()
    const run = await runner.run('index', { 'dry-run': 'true', compiler: 'gcc@6.3.0' })
    expect(run.status).not.toBe(0)
    expect(run.stdout).toContain('::error::compiler: "gcc@6.3.0" is outside the supported range gcc@7.5.0..15.2.0')
    expect(existsSync(workRoot(runner.temp))).toBe(false)
  })

  test('user text is echoed between stop-commands tokens: a workflow command hidden in spack-config is shown, never run', async () => {
    const runner = makeRunner()
    const siteConfig =
      'packages:\n  all:\n    require: |\n      ::warning::planted by spack-config\n      ::add-mask::planted\n'
    const run = await runner.run('index', { 'dry-run': 'true', compiler: 'gcc@13.3.0', 'spack-config': siteConfig })
    expect(run.status).toBe(0)
    // The runner reads a line as a command, indented or not, unless commands are paused by ::stop-commands::<token>.
    let pausedBy: string | undefined
    const planted: Array<string | undefined> = []
    for (const line of run.stdout.split('\n')) {
      const stop = /^::stop-commands::(.+)$/.exec(line)
      if (stop) pausedBy = stop[1]
      else if (pausedBy && line === `::${pausedBy}::`) pausedBy = undefined
      else if (/^\s*::(warning|add-mask)::planted/.test(line)) planted.push(pausedBy)
    }
    expect(planted).toHaveLength(2)
    for (const token of planted) expect(token).toMatch(/^slurm-factory-[0-9a-f]{32}$/)
    expect(pausedBy).toBeUndefined()
  })

  test('a URL with credentials is refused before the plan, masked: neither the log nor the summary shows the password', async () => {
    const runner = makeRunner()
    const run = await runner.run('index', {
      'dry-run': 'true',
      compiler: 'gcc@13.3.0',
      'buildcache-mirrors': 'https://mirror-user:planted-pass@mirror.example.org/cache'
    })
    expect(run.status).not.toBe(0)
    expect(run.stdout).toContain(
      '::error::buildcache-mirrors: "https://mirror-user:***@mirror.example.org/cache" carries credentials in the URL'
    )
    expect(run.stdout + readFileSync(path.join(runner.dir, 'summary.md'), 'utf8')).not.toContain('planted-pass')
  })

  test('an injection attempt in variants is refused', async () => {
    const run = await makeRunner().run('index', {
      'dry-run': 'true',
      compiler: 'gcc@13.3.0',
      variants: '+rest; rm -rf /'
    })
    expect(run.status).not.toBe(0)
    expect(run.stdout).toContain('::error::variants: "+rest;" is not a Spack variant')
  })
})
