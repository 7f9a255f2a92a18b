/**
 * Uploads with the real @actions/artifact against a local artifact service speaking the real protocol (Twirp and
 * blob storage): the tarball, a re-run's replacement of the earlier attempt's artifact, and a failed build's debug files.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { uploadDebugFiles, uploadTarball } from '../../src/artifact/upload.js'
import { captureWorkflowLog, type WorkflowLog } from '../helpers/workflow-log.js'
import { useLocalServices } from '../helpers/local-services.js'

const local = useLocalServices({ cache: false })
const dir = local.root
let log: WorkflowLog
beforeEach(() => {
  log = captureWorkflowLog()
})
afterEach(() => log.restore())

function tarball(name: string, content: string): string {
  const file = path.join(dir, name, `${name}.tar.zst`)
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, content)
  return file
}

describe('uploadTarball', () => {
  test('uploads the tarball under the artifact name and says what the service kept', async () => {
    const file = tarball('slurm-unit', 'the tarball')
    const uploaded = await uploadTarball('slurm-unit', file, 3)
    const stored = local.services.artifact?.get('slurm-unit')
    expect(uploaded.id).toBe(stored?.id)
    expect(stored?.entries()).toEqual(['slurm-unit.tar.zst'])
    expect(stored?.readEntry('slurm-unit.tar.zst')?.toString()).toBe('the tarball')
    expect(log.infos().join('\n')).toContain(`Uploaded artifact slurm-unit (id ${stored?.id}`)
  })

  test("a re-run finds the earlier attempt's artifact of that name: it is replaced", async () => {
    await uploadTarball('slurm-again', tarball('slurm-again', 'first attempt'), undefined)
    const second = await uploadTarball('slurm-again', tarball('slurm-again', 'second attempt'), undefined)
    const stored = local.services.artifact?.artifacts.filter(artifact => artifact.name === 'slurm-again') ?? []
    expect(stored.map(artifact => artifact.id)).toEqual([second.id])
    expect(stored[0]?.readEntry('slurm-again.tar.zst')?.toString()).toBe('second attempt')
    expect(log.infos().join('\n')).toContain('already has an artifact slurm-again (an earlier attempt): replacing it')
  })
})

describe('uploadDebugFiles', () => {
  test('copies the files, numbered in the order given, into one artifact', async () => {
    const build = path.join(dir, 'stage')
    mkdirSync(build, { recursive: true })
    const files = ['spack.yaml', 'spack-build-out.txt'].map(name => {
      writeFileSync(path.join(build, name), `${name} text`)
      return path.join(build, name)
    })
    await uploadDebugFiles('slurm-debug', files, path.join(dir, 'scratch'), 1)
    const stored = local.services.artifact?.get('slurm-debug')
    expect(stored?.entries().sort()).toEqual(['00-spack.yaml', '01-spack-build-out.txt'])
    expect(stored?.readEntry('01-spack-build-out.txt')?.toString()).toBe('spack-build-out.txt text')
    expect(readFileSync(files[0] as string, 'utf8')).toBe('spack.yaml text')
  })
})
