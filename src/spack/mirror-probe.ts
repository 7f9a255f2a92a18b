/**
 * The HTTP(S) requests the mirror check makes, trusting what Spack would trust: Spack's Python opens its connections
 * with `ssl.create_default_context(cafile=$SSL_CERT_FILE)` when SSL_CERT_FILE is set (Spack's `config:ssl_certs`
 * defaults to it) and with the system's certificates otherwise. Node's own store is neither, so the probe hands Node
 * the same certificates.
 */
import { existsSync, readFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { rootCertificates } from 'node:tls'

/** Where Debian, Ubuntu and their kin (GitHub's runners) keep the system's certificate bundle. */
export const SYSTEM_CA_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt']

export interface TrustedCertificates {
  readonly ca: readonly string[]
  /** Where they came from, for the messages: `SSL_CERT_FILE=<path>` or `the system's certificates`. */
  readonly source: string
}

/** The certificates Spack trusts under `env`. An SSL_CERT_FILE that cannot be read trusts nothing, as in Spack. */
export function trustedCertificates(env: Readonly<Record<string, string | undefined>>): TrustedCertificates {
  const file = env.SSL_CERT_FILE
  if (file) {
    const ca = existsSync(file) ? [readFileSync(file, 'utf8')] : []
    return { ca, source: `SSL_CERT_FILE=${file}` }
  }
  const system = SYSTEM_CA_BUNDLES.filter(bundle => existsSync(bundle)).map(bundle => readFileSync(bundle, 'utf8'))
  return { ca: [...rootCertificates, ...system], source: "the system's certificates" }
}

/** A mirror as spack.yaml names it. `push`: the buildcache-push target (it must be written, and read). */
export interface MirrorToCheck {
  readonly name: string
  readonly url: string
  readonly push: boolean
}

/** What every request of one mirror's check shares. */
export interface ProbeContext {
  readonly trusted: TrustedCertificates
  readonly timeoutMs: number
  /** oci-username and oci-password, when both are given. */
  readonly credentials?: { readonly username: string; readonly password: string }
}

export interface HttpAnswer {
  readonly status: number
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  /** The first 64 KiB of the body, as text. */
  readonly body: string
}

/** A request that got no HTTP answer: `code` is Node's (`ECONNREFUSED`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, ...). */
export class ProbeError extends Error {
  constructor(
    readonly url: string,
    readonly code: string,
    message: string
  ) {
    super(message)
    this.name = 'ProbeError'
  }
}

export interface RequestOptions {
  readonly method?: string
  readonly headers?: Readonly<Record<string, string>>
  readonly trusted: TrustedCertificates
  readonly timeoutMs: number
}

const BODY_LIMIT = 64 * 1024

/** One request, no redirects followed; resolves with any HTTP answer, rejects with a ProbeError otherwise. */
export async function probeRequest(url: string, options: RequestOptions): Promise<HttpAnswer> {
  const parsed = new URL(url)
  const secure = parsed.protocol === 'https:'
  return new Promise<HttpAnswer>((resolve, reject) => {
    const fail = (code: string, message: string): void => reject(new ProbeError(url, code, message))
    const common = { method: options.method ?? 'GET', headers: { ...options.headers }, timeout: options.timeoutMs }
    const onAnswer = (res: import('node:http').IncomingMessage): void => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (chunk: Buffer) => {
        if (size < BODY_LIMIT) chunks.push(chunk)
        size += chunk.length
      })
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).subarray(0, BODY_LIMIT).toString('utf8')
        })
      )
      res.on('error', error => fail('ERESPONSE', error.message))
    }
    const req = secure
      ? httpsRequest(url, { ...common, ca: [...options.trusted.ca] }, onAnswer)
      : httpRequest(url, common, onAnswer)
    req.on('timeout', () => {
      req.destroy()
      fail('ETIMEDOUT', `no answer within ${options.timeoutMs} ms`)
    })
    req.on('error', (error: NodeJS.ErrnoException) => fail(error.code ?? 'EUNKNOWN', error.message))
    req.end()
  })
}

/** A response header as one string (`WWW-Authenticate` may come as several). */
export function header(answer: HttpAnswer, name: string): string {
  const value = answer.headers[name.toLowerCase()]
  return Array.isArray(value) ? value.join(', ') : (value ?? '')
}
