/**
 * The workflows under .github/workflows read as GitHub runs them: a job's matrix either written out (expanded with
 * GitHub's include/exclude rules) or `fromJSON` of a plan job's output, which is planned here the way that job plans
 * it (the action in matrix mode, or the collector's command line) with a list of Slurm series given by the test.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import { planOutputs, planWorkflow, type MatrixPlan } from '../../src/collect/matrix-plan.js'
import { parseInputs, type InputContext } from '../../src/inputs.js'
import { MATRIX_OPTIONS, type MatrixRequest } from '../../src/inputs/matrix.js'

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..')
export const WORKFLOWS = path.join(ROOT, '.github', 'workflows')

export type Scalar = string | number | boolean
export type Cell = Record<string, Scalar>
export type Step = {
  uses?: string
  run?: string
  with?: Record<string, Scalar>
  env?: Record<string, Scalar>
  id?: string
  name?: string
}
export type Job = {
  'runs-on'?: string
  needs?: string | string[]
  if?: string
  permissions?: Record<string, string>
  strategy?: { 'fail-fast'?: boolean; matrix?: unknown }
  outputs?: Record<string, string>
  steps?: Step[]
  env?: Record<string, Scalar>
}
export type Workflow = {
  on: Record<string, any>
  env?: Record<string, Scalar>
  permissions?: any
  jobs: Record<string, Job>
}

export function load(name: string): Workflow {
  return parse(readFileSync(path.join(WORKFLOWS, name), 'utf8')) as Workflow
}

/**
 * A static matrix expanded the way GitHub does: the product of the keys, minus the `exclude` entries that match
 * (partially), then each `include` entry added to every combination whose original values it does not change, or
 * appended as a combination of its own when it fits none.
 */
export function expandMatrix(matrix: Record<string, unknown>): Cell[] {
  const { include = [], exclude = [], ...axes } = matrix as { include?: Cell[]; exclude?: Cell[] }
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
export function substitute(value: Scalar, matrix: Cell, env: Record<string, Scalar>): string {
  return String(value).replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_, expr: string) => {
    const m = /^(matrix|env)\.([A-Za-z0-9_-]+)$/.exec(expr)
    const source = m?.[1] === 'matrix' ? matrix : m?.[1] === 'env' ? env : undefined
    const found = m && source ? source[m[2] as string] : undefined
    if (found === undefined) throw new Error(`cannot evaluate \${{ ${expr} }} for ${JSON.stringify(matrix)}`)
    return String(found)
  })
}

/** The action's declared defaults, with the two expressions action.yml uses. */
export function actionDefaults(): Record<string, string> {
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

/** The one step of `job` that uses the action. */
export function actionStep(job: Job): Step {
  const steps = (job.steps ?? []).filter(step => step.uses === './')
  if (steps.length !== 1) throw new Error(`expected one step with uses: ./, found ${steps.length}`)
  return steps[0] as Step
}

/** What `step` passes to the action for `cell`, each name one action.yml declares. */
export function givenInputs(step: Step, cell: Cell, env: Record<string, Scalar>): Record<string, string> {
  const defaults = actionDefaults()
  const given: Record<string, string> = {}
  for (const [name, value] of Object.entries(step.with ?? {})) {
    if (!(name in defaults)) throw new Error(`the action has no input ${name}`)
    given[name] = substitute(value, cell, env)
  }
  return given
}

/** Runs parseInputs on what `step` passes to the action for `cell`; returns the request. */
export function inputsOf(step: Step, cell: Cell, env: Record<string, Scalar>): ReturnType<typeof parseInputs> {
  const defaults = actionDefaults()
  const given = givenInputs(step, cell, env)
  return parseInputs(name => given[name] ?? defaults[name] ?? '', CONTEXT)
}

/**
 * The collector options of a `node dist/collect.js matrix` script, each written `--name="${INPUT:-$DEFAULT}"`, as the
 * scheduled run (every input empty) gives them: the workflow's `env:` default.
 */
export function collectorOptions(run: string, env: Record<string, Scalar>): Record<string, string> {
  if (!/\bnode dist\/collect\.js matrix\b/.test(run)) throw new Error('the script does not run the collector')
  const options: Record<string, string> = {}
  for (const [, name, , fallback] of run.matchAll(/--([\w-]+)="\$\{(\w+):-\$(\w+)\}"/g))
    options[name as string] = String(env[fallback as string] ?? '')
  return options
}

/** The planner's request from the collector's options. */
export function requestOf(options: Record<string, string>): MatrixRequest {
  return {
    slurmVersions: options[MATRIX_OPTIONS.slurmVersions] ?? '',
    compilers: options[MATRIX_OPTIONS.compilers] ?? '',
    target: options[MATRIX_OPTIONS.target] ?? '',
    leaveOut: options[MATRIX_OPTIONS.leaveOut] ?? '',
    extraCells: options[MATRIX_OPTIONS.extraCells] ?? ''
  }
}

/** How the plan job's step plans the matrix: the action's `matrix` input, or the collector's command line. */
export function planRequest(step: Step, env: Record<string, Scalar>): MatrixRequest {
  if (step.uses === './') {
    const request = inputsOf(step, {}, env).matrix
    if (!request) throw new Error('the plan step uses the action without matrix:')
    return request
  }
  return requestOf(collectorOptions(step.run ?? '', env))
}

/** The step outputs of a plan, by name, parsed from JSON where they are JSON. */
export function outputsOf(plan: MatrixPlan): Record<string, unknown> {
  return Object.fromEntries(planOutputs(plan).map(([name, value]) => [name, JSON.parse(value) as unknown]))
}

/**
 * The combinations GitHub runs for `jobName` of `workflow` when the catalog has `series`: its written-out matrix, or
 * the plan job's output it reads with `fromJSON(needs.<job>.outputs.<name>)`.
 */
export function jobCells(workflow: Workflow, jobName: string, series: readonly string[]): Cell[] {
  if (!workflow.jobs[jobName]) throw new Error(`the workflow has no job ${jobName}`)
  const matrix = workflow.jobs[jobName].strategy?.matrix
  if (typeof matrix === 'object' && matrix !== null) return expandMatrix(matrix as Record<string, unknown>)
  const read = /^\$\{\{\s*fromJSON\(needs\.([\w-]+)\.outputs\.([\w-]+)\)\s*\}\}$/.exec(String(matrix))
  if (!read) throw new Error(`${jobName}: cannot read the matrix ${JSON.stringify(matrix)}`)
  const [, planJob, output] = read as unknown as [string, string, string]
  const job = workflow.jobs[planJob] as Job
  const from = /^\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}$/.exec(job.outputs?.[output] ?? '')
  if (!from) throw new Error(`${planJob}: output ${output} is not a step's output`)
  const step = (job.steps ?? []).find(s => s.id === from[1]) as Step
  const outputs = outputsOf(planWorkflow(planRequest(step, { ...workflow.env, ...job.env }), series))
  return ((outputs[from[2] as string] as { include: Cell[] } | undefined)?.include ?? []).map(cell => ({ ...cell }))
}
