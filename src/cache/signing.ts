/**
 * GPG keys for build caches: public keys trusted for reading signed mirrors, and the private key that signs what is
 * pushed. Keys go into Spack's keyring (SPACK_GNUPGHOME, under RUNNER_TEMP) through files that only the runner's
 * user can read, removed once imported; a key is never printed.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { SpackRunner } from '../spack/runner.js'

async function trustFile(spack: SpackRunner, dir: string, name: string, key: string): Promise<void> {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const file = path.join(dir, name)
  writeFileSync(file, key, { mode: 0o600 })
  try {
    await spack.run(['gpg', 'trust', file], { silent: true })
  } finally {
    rmSync(file, { force: true })
  }
}

export async function trustPublicKeys(spack: SpackRunner, keys: string, scratch: string): Promise<void> {
  await trustFile(spack, scratch, 'buildcache-keys.asc', keys)
}

export async function importSigningKey(spack: SpackRunner, key: string, scratch: string): Promise<void> {
  await trustFile(spack, scratch, 'signing-key.asc', key)
}
