/** The plan a matrix workflow's first job hands on: the cells, one dependencies job per compiler, the count. */
import { describe, expect, test } from '@jest/globals'
import { SLURM_SERIES } from '../../src/catalog.js'
import {
  dependenciesOf,
  planOutputs,
  planWorkflow,
  renderPlanMarkdown,
  renderPlanText
} from '../../src/collect/matrix-plan.js'

const request = {
  slurmVersions: '24.11, 26.05',
  compilers: 'gcc@7.5.0, gcc@13.3.0, gcc@15.2.0',
  target: 'x86_64_v3',
  leaveOut: 'outermost',
  extraCells: '25.11/gcc@14.2.0, 25.11.6/gcc@13.3.0'
}

describe('the dependencies jobs', () => {
  test("one per compiler and runner image, in the cells' order, listing the versions of that compiler's cells", () => {
    expect(dependenciesOf(planWorkflow(request).matrix.include)).toEqual({
      include: [
        { gcc: '7.5.0', runner: 'ubuntu-22.04', target: 'x86_64_v3', slurm: '24.11' },
        { gcc: '13.3.0', runner: 'ubuntu-24.04', target: 'x86_64_v3', slurm: '24.11 26.05 25.11.6' },
        { gcc: '15.2.0', runner: 'ubuntu-24.04', target: 'x86_64_v3', slurm: '26.05' },
        { gcc: '14.2.0', runner: 'ubuntu-24.04', target: 'x86_64_v3', slurm: '25.11' }
      ]
    })
  })

  test('a compiler on two runner images or targets gets a job for each; a version is listed once', () => {
    const cells = [
      { slurm: '25.11', gcc: '13.3.0', target: 'x86_64_v3', runner: 'ubuntu-24.04' },
      { slurm: '25.11', gcc: '13.3.0', target: 'neoverse_v1', runner: 'ubuntu-24.04-arm' },
      { slurm: '25.11', gcc: '13.3.0', target: 'x86_64_v3', runner: 'ubuntu-24.04' }
    ]
    expect(dependenciesOf(cells).include.map(job => `${job.runner} ${job.target} ${job.slurm}`)).toEqual([
      'ubuntu-24.04 x86_64_v3 25.11',
      'ubuntu-24.04-arm neoverse_v1 25.11'
    ])
  })

  test("with no versions given, every job lists every series of the catalog its compiler's cells have", () => {
    const plan = planWorkflow({ compilers: '11.4.0 13.3.0', target: '' }, [...SLURM_SERIES, '26.11'])
    for (const job of plan.dependencies.include) expect(job.slurm).toBe([...SLURM_SERIES, '26.11'].join(' '))
  })
})

describe('the outputs', () => {
  test('matrix and dependencies as JSON on one line each, and the number of cells', () => {
    const plan = planWorkflow(request)
    const outputs = planOutputs(plan)
    expect(outputs.map(([name]) => name)).toEqual(['matrix', 'count', 'dependencies'])
    const byName = Object.fromEntries(outputs)
    expect(JSON.parse(byName.matrix as string)).toEqual(plan.matrix)
    expect(JSON.parse(byName.dependencies as string)).toEqual(plan.dependencies)
    expect(byName.count).toBe('6')
    for (const [, value] of outputs) expect(value).not.toContain('\n')
  })

  test('the log lists every cell and every dependencies job; the summary has a row per job', () => {
    const plan = planWorkflow(request)
    const text = renderPlanText(plan)
    expect(text).toContain('6 cell(s):\n  Slurm 24.11 gcc@7.5.0 x86_64_v3 on ubuntu-22.04\n')
    expect(text).toContain('4 dependencies job(s), one per compiler and runner image:\n')
    expect(text).toContain('  gcc@13.3.0 x86_64_v3 on ubuntu-24.04: Slurm 24.11 26.05 25.11.6\n')
    const markdown = renderPlanMarkdown(plan)
    expect(markdown).toContain('## Slurm build matrix: 6 cells\n')
    expect(markdown).toContain('| gcc@13.3.0 | ubuntu-24.04 | x86_64_v3 | 24.11, 26.05, 25.11.6 |')
    expect(markdown.split('\n').filter(line => line.startsWith('| gcc@'))).toHaveLength(4)
  })
})
