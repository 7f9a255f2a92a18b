/**
 * GPG keys for build-cache signing tests, made with `gpg --batch --quick-gen-key` in a keyring of their own (never the
 * user's), in the shapes the action's inputs take: `signing-key` an ASCII-armored private key without passphrase,
 * `buildcache-keys` an ASCII-armored public key.
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync } from 'node:fs'

export interface SigningKey {
  readonly fingerprint: string
  /** `-----BEGIN PGP PRIVATE KEY BLOCK-----` ... (the signing-key input). */
  readonly privateKey: string
  /** `-----BEGIN PGP PUBLIC KEY BLOCK-----` ... (the buildcache-keys input). */
  readonly publicKey: string
}

export function makeSigningKey(gnupgHome: string, userId: string): SigningKey {
  mkdirSync(gnupgHome, { recursive: true })
  chmodSync(gnupgHome, 0o700)
  const gpg = (args: readonly string[]): string =>
    execFileSync('gpg', ['--homedir', gnupgHome, '--batch', ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe']
    })
  gpg(['--passphrase', '', '--quick-gen-key', userId, 'rsa2048', 'sign', 'never'])
  const listing = gpg(['--with-colons', '--list-secret-keys', userId])
  const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(listing)?.[1]
  if (!fingerprint) throw new Error(`gpg made no key for ${userId}:\n${listing}`)
  return {
    fingerprint,
    privateKey: gpg([
      '--pinentry-mode',
      'loopback',
      '--passphrase',
      '',
      '--armor',
      '--export-secret-keys',
      fingerprint
    ]),
    publicKey: gpg(['--armor', '--export', fingerprint])
  }
}

/** Stops the gpg-agent that gpg (or Spack's gpg) started for `gnupgHome`, if any. */
export function stopAgent(gnupgHome: string): void {
  try {
    execFileSync('gpgconf', ['--homedir', gnupgHome, '--kill', 'gpg-agent'], { stdio: 'ignore' })
  } catch {
    // no agent, or no gpgconf: nothing to stop
  }
}
