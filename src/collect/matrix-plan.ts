/**
 * What a matrix workflow's first job hands the jobs after it: the cells, one dependencies job per compiler and runner
 * image (the Slurm versions of that compiler's cells, installed once for the build cache the cells restore), and the
 * number of cells. The collector's `matrix` command and the action's matrix mode write the same three outputs.
 */
import { SLURM_SERIES } from '../catalog.js'
import { OUTPUTS } from '../contract.js'
import type { MatrixRequest } from '../inputs/matrix.js'
import { planMatrix, type MatrixCell } from './matrix.js'

/** A dependencies job: `slurm` lists, separated by spaces, the versions of its compiler's cells. */
export interface DependenciesJob {
  readonly gcc: string
  readonly runner: string
  readonly target: string
  readonly slurm: string
}

export interface MatrixPlan {
  readonly matrix: { readonly include: readonly MatrixCell[] }
  readonly dependencies: { readonly include: readonly DependenciesJob[] }
}

/** One dependencies job per (compiler, runner image, target) of `cells`, in the order the cells first name them. */
export function dependenciesOf(cells: readonly MatrixCell[]): { include: DependenciesJob[] } {
  const jobs = new Map<string, { gcc: string; runner: string; target: string; versions: string[] }>()
  for (const { slurm, gcc, runner, target } of cells) {
    const key = JSON.stringify([gcc, runner, target])
    const job = jobs.get(key) ?? { gcc, runner, target, versions: [] }
    if (!job.versions.includes(slurm)) job.versions.push(slurm)
    jobs.set(key, job)
  }
  return { include: [...jobs.values()].map(({ versions, ...job }) => ({ ...job, slurm: versions.join(' ') })) }
}

/** The cells and their dependencies jobs; `series` is what `supported` stands for (the catalog's series). */
export function planWorkflow(request: MatrixRequest, series: readonly string[] = SLURM_SERIES): MatrixPlan {
  const matrix = planMatrix(request, series)
  return { matrix, dependencies: dependenciesOf(matrix.include) }
}

/** The plan as step outputs, by name: `matrix` and `dependencies` (JSON on one line each) and `count`. */
export function planOutputs(plan: MatrixPlan): Array<[string, string]> {
  return [
    [OUTPUTS.matrix, JSON.stringify(plan.matrix)],
    [OUTPUTS.cellCount, String(plan.matrix.include.length)],
    [OUTPUTS.dependencies, JSON.stringify(plan.dependencies)]
  ]
}

/** The plan for a log: one line per cell and per dependencies job. */
export function renderPlanText(plan: MatrixPlan): string {
  const cells = plan.matrix.include.map(c => `  Slurm ${c.slurm} gcc@${c.gcc} ${c.target} on ${c.runner}\n`)
  const jobs = plan.dependencies.include.map(j => `  gcc@${j.gcc} ${j.target} on ${j.runner}: Slurm ${j.slurm}\n`)
  return (
    `${cells.length} cell(s):\n${cells.join('')}` +
    `${jobs.length} dependencies job(s), one per compiler and runner image:\n${jobs.join('')}`
  )
}

/** The plan for a job summary: a table of the cells, grouped by compiler as the dependencies jobs are. */
export function renderPlanMarkdown(plan: MatrixPlan): string {
  const rows = plan.dependencies.include.map(job => {
    const cells = plan.matrix.include.filter(
      c => c.gcc === job.gcc && c.runner === job.runner && c.target === job.target
    )
    return `| gcc@${job.gcc} | ${job.runner} | ${job.target} | ${cells.map(c => c.slurm).join(', ')} |`
  })
  return [
    `## Slurm build matrix: ${plan.matrix.include.length} cells`,
    '',
    '| compiler | runner image | target | Slurm (one cell each) |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    ''
  ].join('\n')
}
