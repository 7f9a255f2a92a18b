/** A build as the pipeline starts it, and the facts every phase derives from it. */
import { describe, expect, test } from '@jest/globals'
import path from 'node:path'
import { awsEnv, cachePaths, resolveBuild, usesOci, withCredentials } from '../src/build.js'
import { parseInputs } from '../src/inputs.js'
import { OCI_PASSWORD_VAR, OCI_USERNAME_VAR } from '../src/spack/environment.js'
import { createSpackRunner } from '../src/spack/runner.js'

function request(given: Record<string, string>) {
  return parseInputs(name => given[name] ?? '', { workspace: '/ws', actionPath: path.resolve('.'), cpus: 2 })
}

describe('resolveBuild', () => {
  test('a requested GCC and RUNNER_TEMP: the work directories under it', async () => {
    const build = await resolveBuild(request({ compiler: 'gcc@13.3.0', upload: 'false' }), { RUNNER_TEMP: '/rt' })
    expect(build.gccVersion).toBe('13.3.0')
    expect(build.work.root).toBe('/rt/slurm-factory')
    expect(cachePaths(build)).toEqual({
      mirror: '/rt/slurm-factory/buildcache',
      state: '/rt/slurm-factory/cache-state',
      transfer: '/rt/slurm-factory/cache-transfer'
    })
  })

  test('upload: true with no artifact service on the runner: refused before anything runs, naming the input', async () => {
    const runtime = { ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_RESULTS_URL: 'http://results' }
    await expect(resolveBuild(request({ compiler: 'gcc@13.3.0' }), { RUNNER_TEMP: '/rt' })).rejects.toThrow(
      'upload: "true" needs the workflow\'s artifact service, but ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL are not set on this runner; set upload: false'
    )
    await expect(
      resolveBuild(request({ compiler: 'gcc@13.3.0' }), { RUNNER_TEMP: '/rt', ACTIONS_RESULTS_URL: 'http://r' })
    ).rejects.toThrow('but ACTIONS_RUNTIME_TOKEN is not set')
    await expect(
      resolveBuild(request({ compiler: 'gcc@13.3.0' }), { RUNNER_TEMP: '/rt', ...runtime })
    ).resolves.toMatchObject({
      gccVersion: '13.3.0'
    })
    // plan mode uploads nothing
    await expect(
      resolveBuild(request({ compiler: 'gcc@13.3.0', 'dry-run': 'true' }), { RUNNER_TEMP: '/rt' })
    ).resolves.toMatchObject({ gccVersion: '13.3.0' })
  })

  test('no RUNNER_TEMP: refused before anything runs', async () => {
    await expect(resolveBuild(request({ compiler: 'gcc@13.3.0' }), {})).rejects.toThrow('RUNNER_TEMP is not set')
  })
})

describe('OCI credentials', () => {
  const runner = createSpackRunner('/spack', { SPACK_ROOT: '/s' })
  const oci = { 'buildcache-mirrors': 'oci://ghcr.io/o/c', 'oci-username': 'me', 'oci-password': 'token' }

  test('go to the Spack commands only when a mirror is an OCI registry', () => {
    expect(usesOci(request(oci))).toBe(true)
    expect(withCredentials(runner, request(oci)).env).toEqual({
      SPACK_ROOT: '/s',
      [OCI_USERNAME_VAR]: 'me',
      [OCI_PASSWORD_VAR]: 'token'
    })
    const https = { ...oci, 'buildcache-mirrors': 'https://m.example.org' }
    expect(withCredentials(runner, request(https))).toBe(runner)
    expect(withCredentials(runner, request({ ...oci, 'oci-password': '' }))).toBe(runner)
  })
})

describe('S3 credentials', () => {
  const runner = createSpackRunner('/spack', { SPACK_ROOT: '/s' })

  test("an s3:// mirror's commands get the job's AWS variables (the others never get them)", () => {
    const env = { AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 'shh', AWS_REGION: 'eu-west-1', HOME: '/h' }
    const s3 = request({ 'buildcache-mirrors': 's3://bucket/cache' })
    expect(awsEnv(s3, env)).toEqual({
      AWS_ACCESS_KEY_ID: 'AKIA',
      AWS_SECRET_ACCESS_KEY: 'shh',
      AWS_REGION: 'eu-west-1'
    })
    expect(awsEnv(request({ 'buildcache-mirrors': 'https://m.example.org' }), env)).toEqual({})
    const restore = applyEnvFor(env)
    try {
      expect(withCredentials(runner, s3).env).toEqual({ SPACK_ROOT: '/s', ...awsEnv(s3, process.env) })
      expect(withCredentials(runner, s3).env).toMatchObject(awsEnv(s3, env))
    } finally {
      restore()
    }
  })
})

/** Sets `env` in this process's environment; returns what undoes it. */
function applyEnvFor(env: Record<string, string>): () => void {
  const before = Object.fromEntries(Object.keys(env).map(name => [name, process.env[name]]))
  Object.assign(process.env, env)
  return () => {
    for (const [name, value] of Object.entries(before))
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
  }
}
