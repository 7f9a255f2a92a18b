/**
 * No secret leaves the runner. A failed build on the stand-in `spack` (which, as Spack does, writes every variable
 * it was given into the stage's spack-build-env.txt), with secrets planted where a runner keeps them: the step's
 * secret inputs, the runner's tokens, a secret the workflow put into the job's environment, a proxy URL with a
 * password. Then every byte the run left is scanned, archives opened: the uploaded debug artifact and the saved cache
 * entries (the local services' storage), the job summary, outputs, state, and all of RUNNER_TEMP.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { makeRunner, STAND_IN_BUILD } from './helpers/action-run.js'
import { plantedSecrets, scanForSecrets, scanSelfTest, SIGNING_KEY_LINE } from './helpers/secret-scan.js'
import { startServices, type Services } from './services/index.js'
import { OCI_PASSWORD_VAR, OCI_USERNAME_VAR } from '../src/spack/environment.js'
import { workDirs } from '../src/work.js'

let services: Services
beforeAll(async () => {
  services = await startServices()
})
afterAll(async () => {
  await services.close()
})

interface EnvCall {
  readonly args: string[]
  readonly env: string[]
}

describe('a failed build with secrets planted', () => {
  const runner = makeRunner()
  const envLog = path.join(runner.dir, 'spack-env.jsonl')
  let secrets: Record<string, string>
  let mainStdout = ''

  beforeAll(async () => {
    secrets = plantedSecrets(services.env.ACTIONS_RUNTIME_TOKEN as string)
    const inputs = {
      ...STAND_IN_BUILD,
      cache: 'true',
      upload: 'true',
      'cache-key-prefix': 'secrets',
      'buildcache-mirrors': 'oci://ghcr.io/example/slurm-cache',
      'oci-username': 'octo-user',
      'oci-password': secrets['oci-password'] as string,
      'signing-key': `-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n${SIGNING_KEY_LINE}\n=plnt\n-----END PGP PRIVATE KEY BLOCK-----`
    }
    const env = {
      ...services.env,
      STANDIN_FAIL: 'slurm',
      STANDIN_ENV_LOG: envLog,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: secrets.ACTIONS_ID_TOKEN_REQUEST_TOKEN as string,
      ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.actions.invalid/request',
      GITHUB_TOKEN: secrets.GITHUB_TOKEN as string,
      DEPLOY_SECRET: secrets['job secret'] as string,
      HTTPS_PROXY: `http://proxy-user:${secrets['proxy password']}@proxy.invalid:3128`,
      NO_PROXY: '127.0.0.1,localhost'
    }
    const main = await runner.run('index', inputs, env)
    expect(main.status).toBe(1)
    mainStdout = main.stdout
    expect((await runner.run('post', inputs, env)).status).toBe(0)
  }, 120_000)

  test('the scan finds a secret planted three archives deep (a zip holding a zstd tar holding a gzip file)', () => {
    expect(scanSelfTest(secrets['oci-password'] as string)).toEqual([
      'artifact.zip!cache.tzst!!spack-build-env.txt.gz!'
    ])
  })

  test('no planted secret in anything the run left: artifacts, cache entries, summary, outputs, state, RUNNER_TEMP', () => {
    // What is scanned is really there: the debug artifact, a saved build cache and Spack's package index.
    expect(services.artifact?.artifacts.map(a => a.name)).toContain('slurm-25.11-gcc12.2.0-x86_64_v2-debug')
    expect(services.cache?.entries.map(e => e.key).join(' ')).toMatch(/secrets-\S+-partial-101-1/)
    for (const file of ['summary.md', 'output', 'state'])
      expect(readFileSync(path.join(runner.dir, file), 'utf8')).not.toBe('')
    expect(scanForSecrets([runner.dir, services.server.stateDir], secrets)).toEqual([])
  })

  test("the failed stage's build environment is kept, redacted, on the runner and in the debug artifact", () => {
    const debug = services.artifact?.get('slurm-25.11-gcc12.2.0-x86_64_v2-debug')
    const uploaded = debug?.readEntry(debug.entries().find(name => name.endsWith('spack-build-env.txt')) as string)
    const stage = workDirs(runner.temp).layout.buildStage
    const user = readdirSync(stage)[0] as string
    const stageDir = path.join(stage, user, readdirSync(path.join(stage, user))[0] as string)
    const onRunner = readFileSync(path.join(stageDir, 'spack-build-env.txt'), 'utf8')
    for (const text of [uploaded?.toString() ?? '', onRunner]) {
      expect(text).toMatch(new RegExp(`^${OCI_PASSWORD_VAR}='\\*\\*\\*'; export ${OCI_PASSWORD_VAR}$`, 'm'))
      expect(text).toMatch(new RegExp(`^${OCI_USERNAME_VAR}=octo-user; export ${OCI_USERNAME_VAR}$`, 'm'))
      expect(text).toMatch(/^HTTPS_PROXY=http:\/\/proxy-user:\*\*\*@proxy\.invalid:3128; export HTTPS_PROXY$/m)
      expect(text).toMatch(/^SPACK_CFLAGS=-fslurm-factory-refused-flag; export SPACK_CFLAGS$/m)
    }
    expect(existsSync(path.join(stageDir, 'spack-src', 'config.log'))).toBe(true)
  })

  test('Spack is given no runner credential; the OCI credentials only on the commands that reach the mirrors', () => {
    const calls = readFileSync(envLog, 'utf8')
      .trim()
      .split('\n')
      .map(line => JSON.parse(line) as EnvCall)
    expect(calls.length).toBeGreaterThan(5)
    for (const call of calls) {
      expect(
        call.env.filter(name => /^(INPUT_|ACTIONS_|GITHUB_|RUNNER_|STATE_)|TOKEN|DEPLOY_SECRET/.test(name))
      ).toEqual([])
      const reachesMirrors = call.args.includes('concretize') || call.args.includes('install')
      expect([call.args.join(' '), call.env.includes(OCI_PASSWORD_VAR)]).toEqual([call.args.join(' '), reachesMirrors])
    }
  })

  test('the secret inputs are masked in the log, line by line for the key', () => {
    expect(mainStdout).toContain(`::add-mask::${secrets['oci-password']}`)
    expect(mainStdout).toContain(`::add-mask::${SIGNING_KEY_LINE}`)
  })
})
