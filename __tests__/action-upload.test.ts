/**
 * Upload of the tarball and of a failed build's debug files, by the bundled action, to a local artifact service
 * speaking the real protocol (Twirp and blob storage) to the real @actions/artifact.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { makeRunner, STAND_IN_BUILD } from './helpers/action-run.js'
import { scaleTimers, startServices, type Services } from './services/index.js'

const inputs = { ...STAND_IN_BUILD, upload: 'true', 'retention-days': '3' }
let services: Services

beforeAll(async () => {
  services = await startServices({ cache: false })
})
afterAll(async () => {
  await services.close()
})

/** What a failed build's debug artifact holds, whatever failed: the environment, the lock and the package's logs. */
const DEBUG_FILES = [
  'config.log',
  'spack-build-env.txt',
  'spack-build-out.txt',
  'spack-configure-args.txt',
  'spack.lock',
  'spack.yaml'
]

/** The files of an uploaded artifact by name, without the upload order's numbering; [] when there is none. */
function debugFiles(artifact: { entries(): string[] } | undefined): string[] {
  return (artifact?.entries() ?? []).map(name => name.replace(/^\d+-/, '')).sort()
}

describe('artifact upload', () => {
  test('the tarball is uploaded under the artifact name; a service error on the first try is retried', async () => {
    const fault = services.fail({ endpoint: 'CreateArtifact', status: 500, times: 1 })
    const runner = makeRunner()
    const restoreTimers = scaleTimers(100) // the toolkit waits seconds before it tries again
    const run = await runner
      .run('index', { ...inputs, 'artifact-name': 'slurm-upload-test' }, services.env)
      .finally(restoreTimers)
    expect(run.stdout).not.toContain('::error')
    expect(run.status).toBe(0)
    expect(fault.hits).toBe(1)
    const outputs = runner.outputs()
    const stored = services.artifact?.get('slurm-upload-test')
    expect(stored).toBeDefined()
    expect(outputs['artifact-id']).toBe(String(stored?.id))
    expect(stored?.entries()).toEqual(['slurm-upload-test.tar.zst'])
    const uploaded = stored?.readEntry('slurm-upload-test.tar.zst') as Buffer
    expect(createHash('sha256').update(uploaded).digest('hex')).toBe(outputs['artifact-sha256'])
    expect(uploaded.equals(readFileSync(outputs['artifact-path'] as string))).toBe(true)
    expect(readFileSync(`${runner.dir}/summary.md`, 'utf8')).toContain(`slurm-upload-test (uploaded, id ${stored?.id})`)
  }, 120_000)

  test("a re-run of the job replaces the earlier attempt's artifact of the same name", async () => {
    const name = 'slurm-rerun-test'
    const first = makeRunner()
    expect((await first.run('index', { ...inputs, 'artifact-name': name }, services.env)).status).toBe(0)
    const firstId = services.artifact?.get(name)?.id
    const again = makeRunner()
    const rerun = await again.run(
      'index',
      { ...inputs, 'artifact-name': name },
      { ...services.env, GITHUB_RUN_ATTEMPT: '2' }
    )
    expect(rerun.status).toBe(0)
    expect(rerun.stdout).toContain(
      `This workflow run already has an artifact ${name} (an earlier attempt): replacing it`
    )
    const stored = services.artifact?.artifacts.filter(a => a.name === name) ?? []
    expect(stored).toHaveLength(1)
    expect(stored[0]?.id).not.toBe(firstId)
    expect(again.outputs()['artifact-id']).toBe(String(stored[0]?.id))
    const uploaded = stored[0]?.readEntry(`${name}.tar.zst`) as Buffer
    expect(createHash('sha256').update(uploaded).digest('hex')).toBe(again.outputs()['artifact-sha256'])
  }, 120_000)

  test("a failed build uploads a debug artifact: spack.yaml, spack.lock, the failing package's log, redacted build environment, configure arguments and config.log", async () => {
    const runner = makeRunner()
    const run = await runner.run('index', inputs, { ...services.env, STANDIN_FAIL: 'slurm' })
    expect(run.status).not.toBe(0)
    const debug = services.artifact?.get('slurm-25.11-gcc12.2.0-x86_64_v2-debug')
    expect(debugFiles(debug)).toEqual(DEBUG_FILES)
    const configLog = debug?.readEntry(debug.entries().find(name => name.endsWith('config.log')) as string)
    expect(configLog?.toString()).toContain(
      "gcc: error: unrecognized command-line option '-fslurm-factory-refused-flag'"
    )
    const buildEnv = debug?.readEntry(debug.entries().find(name => name.endsWith('spack-build-env.txt')) as string)
    // kept for what it tells; Spack was given no runner credential to write into it (action-secrets.test plants them)
    expect(buildEnv?.toString()).toMatch(/^SPACK_CFLAGS=-fslurm-factory-refused-flag; export SPACK_CFLAGS$/m)
    expect(buildEnv?.toString()).not.toMatch(/^(ACTIONS_|INPUT_|GITHUB_)/m)
    expect(run.stdout).toContain(
      'Uploaded the debug artifact slurm-25.11-gcc12.2.0-x86_64_v2-debug (redacted copies): '
    )
  }, 120_000)

  test("a failed dependencies job uploads its own debug artifact, with the failing dependency's logs", async () => {
    const runner = makeRunner()
    const run = await runner.run(
      'index',
      { ...inputs, stage: 'dependencies', 'slurm-version': '24.11 26.05' },
      { ...services.env, STANDIN_FAIL: 'munge' }
    )
    expect(run.status).not.toBe(0)
    expect(run.stdout).toContain('::error title=munge failed to build::')
    const debug = services.artifact?.get('slurm-24.11-gcc12.2.0-x86_64_v2-dependencies-debug')
    expect(debugFiles(debug)).toEqual(DEBUG_FILES)
  }, 120_000)

  test('upload: false uploads nothing', async () => {
    const before = services.artifact?.artifacts.length
    const runner = makeRunner()
    const run = await runner.run('index', { ...inputs, upload: 'false', 'artifact-name': 'not-uploaded' }, services.env)
    expect(run.status).toBe(0)
    expect(services.artifact?.artifacts.length).toBe(before)
    expect(runner.outputs()['artifact-id']).toBeUndefined()
  }, 120_000)
})
