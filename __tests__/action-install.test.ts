/** The install phase of the bundled action, with the stand-in `spack` (its command line mirrors Spack v1.0's). */
import { describe, expect, test } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { commandMessages, makeRunner, STAND_IN_BUILD, DEFAULT_RELEASE } from './helpers/action-run.js'

const inputs = { ...STAND_IN_BUILD, jobs: '3' }

describe('install phase with the stand-in spack', () => {
  test('registers the repo, finds compilers, concretizes, installs, and reports the build', async () => {
    const runner = makeRunner()
    const run = await runner.run('index', inputs)
    const commands = runner.calls().map(args => args.filter(arg => !arg.startsWith('/')).join(' '))
    expect(commands).toEqual([
      '--version',
      'repo add --scope user',
      'repo list',
      'python slurm_factory slurm',
      'arch --target',
      'compiler find --scope user',
      '-e concretize',
      '-e install --jobs 3 --fail-fast',
      '-e location --install-dir'
    ])
    const outputs = runner.outputs()
    expect(outputs['slurm-version']).toBe(DEFAULT_RELEASE)
    expect(outputs['spec-hash']).toMatch(/^[a-z]{32}$/)
    expect(outputs.prefix).toContain(`/slurm-${DEFAULT_RELEASE}-${outputs['spec-hash']}`)
    expect(outputs['cache-hit']).toBe('none')
    for (const phase of [
      'Provision Spack',
      'Register the package repository',
      'Render the environment',
      'Install Slurm'
    ]) {
      expect(run.stdout).toContain(`::group::${phase}`)
    }
  })

  test("a failing configure: the annotation and the summary carry the failing check's own lines from config.log", async () => {
    const runner = makeRunner()
    const run = await runner.run('index', inputs, { STANDIN_FAIL: 'json-c' })
    expect(run.status).not.toBe(0)
    const [annotation] = commandMessages(run.stdout, 'error title=json-c failed to build')
    // The compiler's own complaint, which spack-build-out.txt only points at ("See `config.log' for more details").
    expect(annotation).toContain(
      `The failing check in config.log:\nconfigure:3411: checking whether the C compiler works\n`
    )
    expect(annotation).toContain("gcc: error: unrecognized command-line option '-fslurm-factory-refused-flag'")
    expect(annotation).toContain(
      'configure:3484: error: C compiler cannot create executables\n\nLast lines of spack-build-out.txt:'
    )
    expect(annotation).not.toMatch(/^\|/m)
    expect(run.stdout).toMatch(/::error::json-c failed to install: ProcessError: Command exited with status 77:/)
    const summary = readFileSync(path.join(runner.dir, 'summary.md'), 'utf8')
    expect(summary).toContain(
      '<td>why json-c failed</td><td>config.log, the failing check:<pre>configure:3411: checking whether the C compiler works'
    )
    expect(summary).toContain("gcc: error: unrecognized command-line option '-fslurm-factory-refused-flag'")
  })
})

describe('artifact phase with the stand-in spack', () => {
  test('stages the view, audits, writes module and manifest, packs, and reports it all', async () => {
    const runner = makeRunner()
    const run = await runner.run('index', { ...inputs, upload: 'false', 'artifact-name': 'slurm-test' })
    expect(run.stdout).not.toContain('::error')
    expect(run.status).toBe(0)
    const outputs = runner.outputs()
    expect(outputs['artifact-name']).toBe('slurm-test')
    expect(outputs['artifact-path']).toMatch(/slurm-test\.tar\.zst$/)
    expect(outputs['artifact-sha256']).toMatch(/^[0-9a-f]{64}$/)
    const listing = spawnSync('tar', ['--zstd', '-tf', outputs['artifact-path'] as string], {
      encoding: 'utf8'
    }).stdout.split('\n')
    for (const entry of [
      'slurm-test/bin/sinfo',
      'slurm-test/lib/libmunge.so.txt',
      'slurm-test/manifest.json',
      'slurm-test/SHA256SUMS',
      `slurm-test/modules/slurm/${DEFAULT_RELEASE}.lua`
    ]) {
      expect(listing).toContain(entry)
    }
    const summary = readFileSync(path.join(runner.dir, 'summary.md'), 'utf8')
    for (const fragment of [
      'slurm-test (not uploaded)',
      'built from source</td><td>munge, json-c, slurm',
      'relocation audit</td><td>passed',
      outputs['artifact-sha256'] as string
    ]) {
      expect(summary).toContain(fragment)
    }
  })
})
