/**
 * The action's matrix mode (`matrix:`): it plans the cells and the dependencies jobs, sets them as outputs, shows
 * them in the log and the job summary, and builds nothing. The action runs in this process (helpers/action-run.ts).
 */
import { describe, expect, test } from '@jest/globals'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { SLURM_SERIES } from '../../src/catalog.js'
import { workRoot } from '../../src/work.js'
import { makeRunner } from '../helpers/action-run.js'

const MATRIX = 'slurm-versions: supported\ncompilers: [gcc@11.4.0, gcc@13.3.0]\nextra-cells: 25.11/gcc@14.2.0\n'

describe('matrix mode', () => {
  test('sets matrix, dependencies and count, shows the plan, and runs no Spack; the post step saves nothing', async () => {
    const runner = makeRunner()
    const run = await runner.run('index', { matrix: MATRIX, target: 'zen4' })
    expect(run.stdout).not.toContain('::error')
    expect(run.status).toBe(0)
    const outputs = runner.outputs()
    expect(Object.keys(outputs).sort()).toEqual(['count', 'dependencies', 'matrix'])
    const cells = (JSON.parse(outputs.matrix as string) as { include: Array<Record<string, string>> }).include
    expect(cells).toHaveLength(SLURM_SERIES.length * 2 + 1)
    expect(outputs.count).toBe(String(cells.length))
    expect(cells[0]).toEqual({ slurm: SLURM_SERIES[0], gcc: '11.4.0', target: 'zen4', runner: 'ubuntu-22.04' })
    expect(JSON.parse(outputs.dependencies as string)).toEqual({
      include: [
        { gcc: '11.4.0', runner: 'ubuntu-22.04', target: 'zen4', slurm: SLURM_SERIES.join(' ') },
        { gcc: '13.3.0', runner: 'ubuntu-24.04', target: 'zen4', slurm: SLURM_SERIES.join(' ') },
        { gcc: '14.2.0', runner: 'ubuntu-24.04', target: 'zen4', slurm: '25.11' }
      ]
    })
    expect(run.stdout).toContain('::group::Plan the matrix')
    expect(run.stdout).toContain(`  Slurm 25.11 gcc@14.2.0 zen4 on ubuntu-24.04\n`)
    const summary = readFileSync(path.join(runner.dir, 'summary.md'), 'utf8')
    expect(summary).toContain(`## Slurm build matrix: ${cells.length} cells`)
    expect(summary).toContain('| gcc@14.2.0 | ubuntu-24.04 | zen4 | 25.11 |')
    expect(runner.calls()).toEqual([])
    expect(existsSync(workRoot(runner.temp))).toBe(false)
    const post = await runner.run('post', { matrix: MATRIX })
    expect(post.status).toBe(0)
    expect(post.stdout).toContain('slurm-factory: no build cache to save')
  })

  test('an aarch64 target plans the arm64 images', async () => {
    const runner = makeRunner()
    const run = await runner.run('index', { matrix: 'compilers: 13.3.0', target: 'neoverse_v1' })
    expect(run.status).toBe(0)
    const cells = (JSON.parse(runner.outputs().matrix as string) as { include: Array<Record<string, string>> }).include
    expect(new Set(cells.map(cell => cell.runner))).toEqual(new Set(['ubuntu-24.04-arm']))
  })

  test.each([
    ['compilers: gcc@6.3.0', 'matrix: compilers: "gcc@6.3.0" is outside the supported range gcc@7.5.0..15.2.0'],
    ['compilers: 13.3.0\nslurm-versions: 25.10', 'matrix: slurm-versions: "25.10" is not a supported release series'],
    ['compilers: 13.3.0\nleave-out: outermost', 'matrix: leave-out: "outermost" needs at least two Slurm versions'],
    ['compilers: 13.3.0\nextra-cells: 25.11', 'matrix: extra-cells: "25.11" is not a cell (accepted: SLURM/gcc@X.Y.Z'],
    ['slurm-versions: supported', 'matrix: names no compilers']
  ])('%j fails the step before any work: %s', async (matrix, message) => {
    const runner = makeRunner()
    const run = await runner.run('index', { matrix })
    expect(run.status).toBe(1)
    expect(run.stdout).toContain(`::error::${message}`)
    expect(runner.outputs()).toEqual({})
    expect(runner.calls()).toEqual([])
  })
})
