/**
 * What can keep Spack from a build cache, and what to do about each: the texts of the mirror check's annotations.
 * Pure: a problem, the detail that showed it and the mirror's situation give the cause and the fix.
 */
import { ProbeError } from './mirror-probe.js'

export type MirrorProblem =
  | 'unreachable'
  | 'tls-untrusted'
  | 'tls-hostname'
  | 'tls-expired'
  | 'plain-http'
  | 'basic-only'
  | 'unsupported-scheme'
  | 'no-challenge'
  | 'insecure-realm'
  | 'credentials-refused'
  | 'anonymous-refused'
  | 'denied'
  | 'push-denied'
  | 'bad-token-response'
  | 'token-error'
  | 'auth-required'
  | 'http-error'
  | 'push-unsupported'
  | 'not-writable'
  | 'not-readable'

/** A finding: the problem, and the detail that showed it. */
export class MirrorFault extends Error {
  constructor(
    readonly problem: MirrorProblem,
    detail: string
  ) {
    super(detail)
    this.name = 'MirrorFault'
  }
}

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE'
])

/** A request that got no HTTP answer, as a fault: TLS trust, host name, validity, plain HTTP, or unreachable. */
export function networkFault(error: unknown, what: string): MirrorFault {
  if (!(error instanceof ProbeError)) return new MirrorFault('unreachable', `${what}: ${String(error)}`)
  const detail = `${what}: ${error.code} (${error.message})`
  if (UNTRUSTED.has(error.code)) return new MirrorFault('tls-untrusted', detail)
  if (error.code === 'ERR_TLS_CERT_ALTNAME_INVALID') return new MirrorFault('tls-hostname', detail)
  if (error.code === 'CERT_HAS_EXPIRED' || error.code === 'CERT_NOT_YET_VALID')
    return new MirrorFault('tls-expired', detail)
  if (error.code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number/i.test(error.message))
    return new MirrorFault('plain-http', detail)
  return new MirrorFault('unreachable', detail)
}

export interface ProblemSituation {
  /** The mirror is the buildcache-push target. */
  readonly push: boolean
  /** oci-username and oci-password were given. */
  readonly credentials: boolean
  /** Which certificates were trusted (`SSL_CERT_FILE=...` or the system's). */
  readonly trusted: string
}

const GIVE_CREDENTIALS = 'give oci-username and oci-password (for ghcr.io: github.actor and GITHUB_TOKEN, the defaults)'
const TOKEN_REGISTRY =
  'use a registry that issues Bearer tokens (ghcr.io, Docker Hub, Harbor, a distribution registry with `auth: token`), ' +
  'or serve the build cache as an https:// or s3:// mirror'

function ghcrAccess(push: boolean): string {
  return push
    ? 'for ghcr.io the job needs `permissions: packages: write`, and a package that already exists needs this ' +
        'repository given Write access in its settings (Manage Actions access); elsewhere, a token that may push'
    : 'for ghcr.io the job needs `permissions: packages: read`, and a private package needs this repository given ' +
        'access in its settings (Manage Actions access), or make the package public'
}

/**
 * The cause (with `detail`, the answer that showed it) and the fix of `problem`. Long because it is a table: one
 * case per kind of problem, each a cause and a fix.
 */
export function fixFor(
  problem: MirrorProblem,
  detail: string,
  situation: ProblemSituation
): { cause: string; fix: string } {
  const { push, credentials, trusted } = situation
  switch (problem) {
    case 'tls-untrusted':
      return {
        cause: `its TLS certificate is not signed by a CA Spack trusts (${trusted}): ${detail}`,
        fix:
          'trust the CA that signed it: set SSL_CERT_FILE in the step’s env to a PEM bundle that holds it (Spack reads ' +
          'SSL_CERT_FILE and then trusts that file alone, so append the CA to the system bundle: ' +
          '`cat /etc/ssl/certs/ca-certificates.crt my-ca.pem > bundle.pem`)'
      }
    case 'tls-hostname':
      return {
        cause: `its TLS certificate names another host: ${detail}`,
        fix: 'use the host name the certificate names'
      }
    case 'tls-expired':
      return { cause: `its TLS certificate is expired or not valid yet: ${detail}`, fix: 'renew the certificate' }
    case 'plain-http':
      return {
        cause: `it answers plain HTTP where Spack speaks TLS (Spack's OCI client uses https:// only): ${detail}`,
        fix: 'serve the registry over HTTPS'
      }
    case 'basic-only':
      return {
        cause:
          `the registry only offers HTTP Basic authentication, and Spack's OCI client only speaks Bearer tokens ` +
          `(Spack fails with "unsupported authentication scheme: Basic"): ${detail}`,
        fix: TOKEN_REGISTRY
      }
    case 'unsupported-scheme':
      return { cause: `the registry asks for an authentication Spack can't do: ${detail}`, fix: TOKEN_REGISTRY }
    case 'no-challenge':
      return {
        cause: `the registry refused the request without saying how to log in (no WWW-Authenticate): ${detail}`,
        fix: 'check that the URL names an OCI registry and repository'
      }
    case 'insecure-realm':
      return {
        cause: `its token service is not on https://, and Spack sends no credentials over plain HTTP: ${detail}`,
        fix: "serve the registry's token service (its Bearer realm) over HTTPS"
      }
    case 'credentials-refused':
      return {
        cause: `the token service refused oci-username/oci-password: ${detail}`,
        fix: `check oci-username and oci-password; ${ghcrAccess(push)}`
      }
    case 'anonymous-refused':
      return {
        cause: `the registry doesn't let anonymous users ${push ? 'push' : 'read'} (no oci-username/oci-password): ${detail}`,
        fix: push ? GIVE_CREDENTIALS : `${GIVE_CREDENTIALS}, or make the package public`
      }
    case 'denied':
      return { cause: `the registry refused the token for this repository: ${detail}`, fix: ghcrAccess(false) }
    case 'push-denied':
      return {
        cause: `the registry refused to start an upload: ${detail}`,
        fix: credentials ? ghcrAccess(true) : GIVE_CREDENTIALS
      }
    case 'bad-token-response':
      return {
        cause: `the token service's answer has no "token" field, which Spack reads: ${detail}`,
        fix: 'use a registry whose token service answers as the distribution token specification says'
      }
    case 'token-error':
      return { cause: `the token service failed: ${detail}`, fix: 'check the registry (and retry the job)' }
    case 'auth-required':
      return {
        cause: `the server wants credentials: ${detail}`,
        fix: 'the action passes credentials to oci:// mirrors only: make this cache public, or serve it from an OCI registry'
      }
    case 'push-unsupported':
      return { cause: detail, fix: 'push to an oci://, s3:// or file:// mirror' }
    case 'not-writable':
      return { cause: detail, fix: "give the runner's user write access to it, or push elsewhere" }
    case 'not-readable':
      return { cause: detail, fix: "give the runner's user read access to it, or correct the path" }
    case 'http-error':
      return { cause: `unexpected answer: ${detail}`, fix: 'check that the URL names a Spack build cache' }
    case 'unreachable':
      return {
        cause: `no answer: ${detail}`,
        fix: 'check the URL, and that the runner reaches the host (DNS, firewall, proxy)'
      }
  }
}
