/**
 * GPG keys into Spack's keyring: each key waits in a file only the runner's user can read, is given to
 * `spack gpg trust`, and is gone afterwards, also when Spack refuses it. A recording runner stands in for Spack.
 */
import { describe, expect, test } from '@jest/globals'
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { importSigningKey, keyFile, trustPublicKeys } from '../../src/cache/signing.js'
import { CommandError, type RunResult, type SpackRunner } from '../../src/spack/runner.js'

const PUBLIC = '-----BEGIN PGP PUBLIC KEY BLOCK-----\nmQINBGabc\n-----END PGP PUBLIC KEY BLOCK-----\n'
const PRIVATE = '-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQcYBGsecret\n-----END PGP PRIVATE KEY BLOCK-----\n'

interface Seen {
  readonly args: readonly string[]
  readonly content: string
  readonly mode: number
  readonly dirMode: number
}

/** A runner that looks at the key file while Spack would be reading it; `refuse` makes the command fail. */
function recordingRunner(refuse = false): SpackRunner & { seen: Seen[] } {
  const seen: Seen[] = []
  return {
    executable: '/spack/bin/spack',
    env: {},
    seen,
    onCommand: () => undefined,
    run: async (args): Promise<RunResult> => {
      const file = args[args.length - 1] as string
      seen.push({
        args,
        content: readFileSync(file, 'utf8'),
        mode: statSync(file).mode & 0o777,
        dirMode: statSync(path.dirname(file)).mode & 0o777
      })
      if (refuse) throw new CommandError('spack', [...args], 1, 'gpg: no valid OpenPGP data found')
      return { args, exitCode: 0, stdout: '', stderr: '', elapsedMs: 1 }
    }
  }
}

describe('keys into the keyring', () => {
  test.each([
    ['public keys of the mirrors', trustPublicKeys, PUBLIC, 'public keys'],
    ['the signing key', importSigningKey, PRIVATE, 'signing key']
  ] as const)('%s: trusted from a private file that is removed afterwards', async (_what, trust, key, kind) => {
    const scratch = path.join(mkdtempSync(path.join(tmpdir(), 'signing-')), 'scratch')
    const spack = recordingRunner()
    await trust(spack, key, scratch)
    const file = keyFile(scratch, kind)
    expect(spack.seen).toEqual([{ args: ['gpg', 'trust', file], content: key, mode: 0o600, dirMode: 0o700 }])
    expect(existsSync(file)).toBe(false)
  })

  test('a key Spack refuses: the error reaches the caller and the key file is still removed', async () => {
    const scratch = mkdtempSync(path.join(tmpdir(), 'signing-'))
    await expect(importSigningKey(recordingRunner(true), PRIVATE, scratch)).rejects.toThrow(
      'gpg: no valid OpenPGP data found'
    )
    expect(existsSync(keyFile(scratch, 'signing key'))).toBe(false)
  })

  test('the two kinds of key never share a file', () => {
    expect(keyFile('/s', 'public keys')).not.toBe(keyFile('/s', 'signing key'))
  })
})
