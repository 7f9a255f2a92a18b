/**
 * The bundled entry points, black-box: `node dist/index.js` and `dist/post.js` as a runner starts them,
 * `node dist/audit.js` and `node dist/collect.js` as workflows and people do. Every other test runs the source; these
 * prove the bundle is wired to it (CI also checks that dist/ is a fresh bundle of the source: .ci/check-dist).
 */
import { describe, expect, test } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { makeRunner, STAND_IN_BUILD, DEFAULT_RELEASE } from './helpers/action-run.js'

const dist = { dist: true }

describe('dist/index.js and dist/post.js', () => {
  test('a build with the stand-in spack sets the outputs and exits 0; the post step saves nothing without a cache', async () => {
    const runner = makeRunner()
    const main = await runner.run('index', STAND_IN_BUILD, {}, dist)
    expect(main.stdout).not.toContain('::error')
    expect(main.status).toBe(0)
    expect(runner.outputs()).toMatchObject({ 'slurm-version': DEFAULT_RELEASE, 'cache-hit': 'none' })
    expect(runner.outputs()['artifact-sha256']).toMatch(/^[0-9a-f]{64}$/)
    const post = await runner.run('post', STAND_IN_BUILD, {}, dist)
    expect(post.status).toBe(0)
    expect(post.stdout).toContain('slurm-factory: no build cache to save')
  })

  test('plan mode, and a bad input failing the step', async () => {
    const runner = makeRunner()
    const plan = await runner.run('index', { 'dry-run': 'true', compiler: 'gcc@13.3.0' }, {}, dist)
    expect(plan.status).toBe(0)
    expect(plan.stdout).toContain('spec: slurm@25.11 +hwloc +pmix +rest +ucx %gcc@13.3.0 target=x86_64_v3')
    const bad = await runner.run('index', { 'dry-run': 'true', target: 'pentium' }, {}, dist)
    expect(bad.status).toBe(1)
    expect(bad.stdout).toContain('::error::target: "pentium" is not a CPU target known to Spack')
  })
})

describe('dist/index.js in matrix mode', () => {
  test("plans a build matrix's cells and dependencies jobs into the step's outputs", async () => {
    const runner = makeRunner()
    const run = await runner.run('index', { matrix: 'slurm-versions: 25.11\ncompilers: 13.3.0' }, {}, dist)
    expect(run.status).toBe(0)
    expect(runner.outputs()).toEqual({
      matrix: JSON.stringify({
        include: [{ slurm: '25.11', gcc: '13.3.0', target: 'x86_64_v3', runner: 'ubuntu-24.04' }]
      }),
      count: '1',
      dependencies: JSON.stringify({
        include: [{ gcc: '13.3.0', runner: 'ubuntu-24.04', target: 'x86_64_v3', slurm: '25.11' }]
      })
    })
  })
})

describe('dist/audit.js and dist/collect.js', () => {
  const node = (args: string[]) => spawnSync(process.execPath, args, { encoding: 'utf8' })

  test('the audit passes a clean tree and fails one with a symlink out of it', () => {
    const tree = mkdtempSync(path.join(tmpdir(), 'dist-audit-'))
    mkdirSync(path.join(tree, 'bin'))
    writeFileSync(path.join(tree, 'bin', 'hello'), '#!/bin/sh\necho hello\n', { mode: 0o755 })
    expect(node(['dist/audit.js', tree]).status).toBe(0)
    symlinkSync('/etc/passwd', path.join(tree, 'bin', 'outside'))
    const broken = node(['dist/audit.js', tree])
    expect(broken.status).toBe(1)
    expect(broken.stdout + broken.stderr).toContain('bin/outside')
  })

  test('the collector prints the matrix', () => {
    const run = node(['dist/collect.js', 'matrix', '--slurm-versions', '25.11', '--compilers', '13.3.0'])
    expect(run.status).toBe(0)
    expect(JSON.parse(run.stdout)).toEqual({
      include: [{ slurm: '25.11', gcc: '13.3.0', target: 'x86_64_v3', runner: 'ubuntu-24.04' }]
    })
  })
})
