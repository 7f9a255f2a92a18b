/** The install phase of the bundled action, with the stand-in `spack` (its command line mirrors Spack v1.0's). */
import { describe, expect, test } from '@jest/globals'
import { makeRunner, STAND_IN_SPACK } from './helpers/action-run.js'

const inputs = { 'spack-root': STAND_IN_SPACK, compiler: 'gcc@12.2.0', target: 'x86_64_v2', cache: 'false', jobs: '3' }

describe('install phase with the stand-in spack', () => {
  test('registers the repo, finds compilers, concretizes, installs, and reports the build', () => {
    const runner = makeRunner()
    const run = runner.run('index', inputs)
    const commands = runner.calls().map(args => args.filter(arg => !arg.startsWith('/')).join(' '))
    expect(commands).toEqual([
      '--version',
      'repo add --scope user',
      'repo list',
      'python slurm_factory slurm',
      'compiler find --scope user',
      '-e concretize',
      '-e install --jobs 3 --fail-fast',
      '-e location --install-dir'
    ])
    const outputs = runner.outputs()
    expect(outputs['slurm-version']).toBe('25.11.6')
    expect(outputs['spec-hash']).toMatch(/^[a-z]{32}$/)
    expect(outputs.prefix).toContain(`/slurm-25.11.6-${outputs['spec-hash']}`)
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

  test('a failing build names the package and puts its build log tail into an error annotation', () => {
    const runner = makeRunner()
    const run = runner.run('index', inputs, { STANDIN_FAIL: 'json-c' })
    expect(run.status).not.toBe(0)
    expect(run.stdout).toMatch(/::error title=json-c failed to build::/)
    expect(run.stdout).toContain('configure: error: json-c cannot be built by the stand-in')
    expect(run.stdout).toContain('spack-build-out.txt')
    expect(run.stdout).toMatch(/::error::json-c failed to install: /)
  })
})
