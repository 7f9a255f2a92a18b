/** The environment every program the action starts gets: the runner's, allow-listed, never its credentials. */
import { describe, expect, test } from '@jest/globals'
import { childEnv, passed } from '../src/child-env.js'
import { runProgram } from '../src/spack/runner.js'
import { applyEnv } from './services/index.js'

const RUNNER: NodeJS.ProcessEnv = {
  PATH: '/usr/bin:/bin',
  HOME: '/home/runner',
  LANG: 'C.UTF-8',
  LC_ALL: 'C',
  TMPDIR: '/tmp',
  SPACK_PYTHON: '/usr/bin/python3',
  HTTPS_PROXY: 'http://proxy:3128',
  SSL_CERT_FILE: '/etc/ssl/certs/ca.pem',
  'INPUT_OCI-PASSWORD': 'p',
  'INPUT_SIGNING-KEY': 'k',
  INPUT_JOBS: '2',
  ACTIONS_RUNTIME_TOKEN: 't',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'i',
  ACTIONS_ID_TOKEN_REQUEST_URL: 'u',
  ACTIONS_RESULTS_URL: 'r',
  GITHUB_TOKEN: 'g',
  GITHUB_WORKSPACE: '/w',
  RUNNER_TEMP: '/rt',
  DEPLOY_SECRET: 's',
  AWS_SECRET_ACCESS_KEY: 'a',
  SPACK_TOKEN: 'x',
  STATE_slurm: '{}'
}

describe('childEnv', () => {
  test('passes what programs need and nothing of the runner credentials or the step inputs', () => {
    expect(childEnv(RUNNER)).toEqual({
      PATH: '/usr/bin:/bin',
      HOME: '/home/runner',
      LANG: 'C.UTF-8',
      LC_ALL: 'C',
      TMPDIR: '/tmp',
      SPACK_PYTHON: '/usr/bin/python3',
      HTTPS_PROXY: 'http://proxy:3128',
      SSL_CERT_FILE: '/etc/ssl/certs/ca.pem'
    })
    expect(passed('SPACK_TOKEN')).toBe(false)
  })

  test("the caller's own variables for a command go over it", () => {
    expect(childEnv({ PATH: '/bin', LC_ALL: 'en_US' }, { LC_ALL: 'C', SLURM_FACTORY_OCI_PASSWORD: 'o' })).toEqual({
      PATH: '/bin',
      LC_ALL: 'C',
      SLURM_FACTORY_OCI_PASSWORD: 'o'
    })
  })

  test('a program started by the action sees only that', async () => {
    const restore = applyEnv({ GITHUB_TOKEN: 'ghs_visible?', 'INPUT_OCI-PASSWORD': 'pw', MY_SECRET: 's' })
    try {
      const result = await runProgram('env', [], { silent: true, env: { EXTRA: '1' } })
      const names = result.stdout.split('\n').map(line => line.split('=')[0])
      expect(names).toContain('PATH')
      expect(names).toContain('EXTRA')
      for (const name of ['GITHUB_TOKEN', 'INPUT_OCI-PASSWORD', 'MY_SECRET']) expect(names).not.toContain(name)
    } finally {
      restore()
    }
  })
})
