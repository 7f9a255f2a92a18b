/** Pushing to buildcache-push: signed with signing-key (imported into the job's keyring, never left on disk), or unsigned. */
import { describe, expect, test } from '@jest/globals'
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { makeRunner, STAND_IN_BUILD } from './helpers/action-run.js'
import { workDirs } from '../src/work.js'

const inputs = STAND_IN_BUILD
const privateKey =
  '-----BEGIN PGP PRIVATE KEY BLOCK-----\nsecret-material-of-the-test\n-----END PGP PRIVATE KEY BLOCK-----\n'
const publicKey = '-----BEGIN PGP PUBLIC KEY BLOCK-----\npublic-material\n-----END PGP PUBLIC KEY BLOCK-----\n'

function blobs(mirror: string): string[] {
  const dir = path.join(mirror, 'blobs')
  return existsSync(dir) ? readdirSync(dir).sort() : []
}

describe('buildcache-push', () => {
  test('signed: the signing key is imported, masked, and removed from disk; every package is pushed with a signature', async () => {
    const mirror = mkdtempSync(path.join(tmpdir(), 'push-'))
    const runner = makeRunner()
    const run = await runner.run('index', {
      ...inputs,
      'buildcache-push': `file://${mirror}`,
      'signing-key': privateKey,
      'buildcache-keys': publicKey
    })
    expect(run.stdout).not.toContain('::error')
    const masks = run.stdout.split('\n').filter(line => line.startsWith('::add-mask::'))
    expect(masks).toContain('::add-mask::secret-material-of-the-test')
    const printed = run.stdout.split('\n').filter(line => !line.startsWith('::add-mask::'))
    expect(printed.join('\n')).not.toContain('secret-material-of-the-test')
    const calls = runner.calls().map(args => args.filter(arg => !arg.startsWith('/')).join(' '))
    expect(calls).toContain('gpg trust')
    expect(calls.filter(call => call === 'gpg trust')).toHaveLength(2)
    expect(calls).toContain('-e buildcache push --update-index slurm-factory-push')
    expect(blobs(mirror).filter(name => name.endsWith('.tar'))).toHaveLength(3)
    expect(blobs(mirror).filter(name => name.endsWith('.sig'))).toHaveLength(3)
    const scratch = workDirs(runner.temp).scratch
    expect(existsSync(scratch) ? readdirSync(scratch).filter(name => name.endsWith('.asc')) : []).toEqual([])
    const keyring = readFileSync(path.join(workDirs(runner.temp).spackState, 'gpg', 'keys'), 'utf8')
    expect(keyring.split('\n').filter(Boolean).sort()).toEqual(['PRIVATE', 'PUBLIC'])
  })

  test('unsigned: pushed with --unsigned and no key', async () => {
    const mirror = mkdtempSync(path.join(tmpdir(), 'push-'))
    const runner = makeRunner()
    const run = await runner.run('index', { ...inputs, 'buildcache-push': `file://${mirror}`, unsigned: 'true' })
    expect(run.stdout).not.toContain('::error')
    const calls = runner.calls().map(args => args.filter(arg => !arg.startsWith('/')).join(' '))
    expect(calls).toContain('-e buildcache push --update-index --unsigned slurm-factory-push')
    expect(calls).not.toContain('gpg trust')
    expect(blobs(mirror).filter(name => name.endsWith('.sig'))).toEqual([])
    expect(blobs(mirror).filter(name => name.endsWith('.tar'))).toHaveLength(3)
  })
})
