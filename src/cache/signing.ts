/**
 * GPG keys for build caches: public keys trusted for reading signed mirrors, and the private key that signs what is
 * pushed. Keys go into Spack's keyring (SPACK_GNUPGHOME, under RUNNER_TEMP) through files that only the runner's
 * user can read, removed once imported; a key is never printed.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { gpgTrustArgs } from '../spack/commands.js'
import type { SpackRunner } from '../spack/runner.js'

/** Where a key waits, readable by the runner's user only, until Spack has imported it. */
export function keyFile(scratch: string, kind: 'public keys' | 'signing key'): string {
  return path.join(scratch, kind === 'public keys' ? 'buildcache-keys.asc' : 'signing-key.asc')
}

async function trustFile(spack: SpackRunner, file: string, key: string): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
  writeFileSync(file, key, { mode: 0o600 })
  try {
    await spack.run(gpgTrustArgs(file), { silent: true })
  } finally {
    rmSync(file, { force: true })
  }
}

export async function trustPublicKeys(spack: SpackRunner, keys: string, scratch: string): Promise<void> {
  await trustFile(spack, keyFile(scratch, 'public keys'), keys)
}

export async function importSigningKey(spack: SpackRunner, key: string, scratch: string): Promise<void> {
  await trustFile(spack, keyFile(scratch, 'signing key'), key)
}
