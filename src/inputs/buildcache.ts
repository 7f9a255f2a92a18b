/** The remote build caches: mirrors read, the mirror pushed to, signing and trusted keys, OCI credentials. */
import { booleanOf, InputError, lineOf } from './fields.js'
import { valueOf, type Get } from './names.js'
import type { BuildRequest } from './request.js'

const MIRROR_SCHEMES = ['https://', 'http://', 's3://', 'oci://', 'file://'] as const

function parseMirror(input: string, value: string): string {
  if (!MIRROR_SCHEMES.some(scheme => value.startsWith(scheme)) || /\s/.test(value)) {
    throw new InputError(
      input,
      `${JSON.stringify(value)} is not a mirror URL (accepted: ${MIRROR_SCHEMES.map(s => `${s}...`).join(', ')})`
    )
  }
  if (value.startsWith('file://') && !value.startsWith('file:///')) {
    throw new InputError(
      input,
      `${JSON.stringify(value)}: a file:// mirror needs an absolute path (file:///path/to/mirror)`
    )
  }
  return value.replace(/\/+$/, '')
}

export function parseBuildcache(get: Get): BuildRequest['buildcache'] {
  const mirrors = valueOf(get, 'buildcache-mirrors')
    .split('\n')
    .map(line => line.trim())
    .filter(line => line && !line.startsWith('#'))
    .map(line => parseMirror('buildcache-mirrors', line))
  const pushInput = lineOf(get, 'buildcache-push')
  const push = pushInput ? parseMirror('buildcache-push', pushInput) : undefined
  const signingKey = valueOf(get, 'signing-key') || undefined
  const unsigned = booleanOf(get, 'unsigned')
  if (signingKey && !signingKey.includes('BEGIN PGP PRIVATE KEY BLOCK')) {
    throw new InputError(
      'signing-key',
      'is not an ASCII-armored GPG private key (expected a "-----BEGIN PGP PRIVATE KEY BLOCK-----" block)'
    )
  }
  if (push && !signingKey && !unsigned) {
    throw new InputError(
      'buildcache-push',
      `pushing to ${push} signs the binaries: give signing-key, or set unsigned: true`
    )
  }
  const trustedKeys = valueOf(get, 'buildcache-keys') || undefined
  if (trustedKeys && !trustedKeys.includes('BEGIN PGP PUBLIC KEY BLOCK')) {
    throw new InputError(
      'buildcache-keys',
      'is not an ASCII-armored GPG public key (expected a "-----BEGIN PGP PUBLIC KEY BLOCK-----" block)'
    )
  }
  const ociUsername = lineOf(get, 'oci-username') || undefined
  const ociPassword = valueOf(get, 'oci-password') || undefined
  return {
    mirrors,
    unsigned,
    ...(push ? { push } : {}),
    ...(signingKey ? { signingKey } : {}),
    ...(trustedKeys ? { trustedKeys } : {}),
    ...(ociUsername ? { ociUsername } : {}),
    ...(ociPassword ? { ociPassword } : {})
  }
}
