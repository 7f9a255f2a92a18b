/** A build as the pipeline starts it, and the facts every phase derives from it. */
import { describe, expect, test } from '@jest/globals'
import path from 'node:path'
import { cachePaths, resolveBuild, usesOci, withCredentials } from '../src/build.js'
import { parseInputs } from '../src/inputs.js'
import { OCI_PASSWORD_VAR, OCI_USERNAME_VAR } from '../src/spack/environment.js'
import { createSpackRunner } from '../src/spack/runner.js'

function request(given: Record<string, string>) {
  return parseInputs(name => given[name] ?? '', { workspace: '/ws', actionPath: path.resolve('.'), cpus: 2 })
}

describe('resolveBuild', () => {
  test('a requested GCC and RUNNER_TEMP: the work directories under it', async () => {
    const build = await resolveBuild(request({ compiler: 'gcc@13.3.0' }), { RUNNER_TEMP: '/rt' })
    expect(build.gccVersion).toBe('13.3.0')
    expect(build.work.root).toBe('/rt/slurm-factory')
    expect(cachePaths(build)).toEqual({
      mirror: '/rt/slurm-factory/buildcache',
      state: '/rt/slurm-factory/cache-state'
    })
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
