/** The remote build caches: mirrors read, the mirror pushed to, signing and trusted keys, OCI credentials. */
import { booleanOf, InputError, lineOf, quoted } from './fields.js'
import { valueOf, type Get } from './names.js'
import type { BuildRequest } from './request.js'
import { maskUrlCredentials } from '../secrets.js'

/** The URL schemes a mirror to read from may use (action.yml lists them; a test keeps the two equal). */
export const MIRROR_SCHEMES = ['https://', 'http://', 's3://', 'oci://', 'file://'] as const
/** The schemes Spack v1.0 can push to (it uploads only to S3, OCI registries and directories, never over http(s)). */
export const PUSH_SCHEMES = ['s3://', 'oci://', 'file://'] as const

function parseMirror(input: string, value: string, schemes: readonly string[] = MIRROR_SCHEMES): string {
  // A URL is shown with any credentials it carries masked: the message goes to the log and the job summary.
  const shown = quoted(maskUrlCredentials(value))
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/\s]*@/i.test(value)) {
    throw new InputError(
      input,
      `${shown} carries credentials in the URL, which Spack v1.0 cannot use (it reads "user:password@host" as a host and a port) and which would be written into spack.yaml; ` +
        'give an oci:// mirror with oci-username and oci-password, or an s3:// mirror with the AWS variables of the job'
    )
  }
  if (!schemes.some(scheme => value.startsWith(scheme)) || /\s/.test(value)) {
    const accepted = `accepted: ${schemes.map(s => `${s}...`).join(', ')}`
    throw new InputError(
      input,
      schemes === PUSH_SCHEMES && /^https?:\/\/\S+$/.test(value)
        ? `${shown}: Spack pushes to S3, OCI registries and directories, not over http (${accepted})`
        : `${shown} is not a mirror URL (${accepted})`
    )
  }
  if (value.startsWith('file://') && !value.startsWith('file:///')) {
    throw new InputError(input, `${shown}: a file:// mirror needs an absolute path (file:///path/to/mirror)`)
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
  const push = pushInput ? parseMirror('buildcache-push', pushInput, PUSH_SCHEMES) : undefined
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
