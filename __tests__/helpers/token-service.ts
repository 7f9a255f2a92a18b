/**
 * A registry token service on 127.0.0.1, as ghcr.io and Docker's distribution registry use them
 * (https://distribution.github.io/distribution/spec/auth/token/): the registry answers 401 with
 * `WWW-Authenticate: Bearer realm=<this service>,service=...,scope=repository:<name>:pull[,push]`; the client asks
 * `GET <realm>?service=...&scope=...` with HTTP Basic credentials (or none, for an anonymous pull) and gets
 * `{"token": ...}`, a JWT signed RS256 whose `x5c` header carries the signing certificate (the registry trusts it
 * through its `rootcertbundle`). Like ghcr.io, wrong credentials get 403 DENIED; an anonymous request gets a token
 * with pull access when anonymous pulls are allowed, and one with no access otherwise (the registry then refuses).
 */
import { createPrivateKey, createPublicKey, randomUUID, sign, verify, X509Certificate } from 'node:crypto'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { TlsMaterial } from './tls-material.js'

/** One user of the token service and what it may do on every repository. */
export interface TokenUser {
  readonly password: string
  readonly actions: readonly string[]
}

export interface TokenServiceOptions {
  readonly tls: TlsMaterial
  readonly service: string
  readonly issuer: string
  readonly users: Readonly<Record<string, TokenUser>>
  readonly anonymousPull: boolean
}

/** What the service was asked and answered, for the tests' assertions (passwords are never recorded). */
export interface TokenRequestRecord {
  /** The Basic user name, or '' for an anonymous request. */
  readonly user: string
  readonly scope: string
  readonly clientId: string
  readonly status: number
  /** Actions granted on the scope's repository. */
  readonly granted: readonly string[]
}

export interface TokenService {
  /** The `realm` a registry names in its Bearer challenge. */
  readonly realm: string
  readonly requests: readonly TokenRequestRecord[]
  setAnonymousPull(allowed: boolean): void
  close(): Promise<void>
}

/** `repository:<name>:<actions>` → name and actions (a name may itself hold `/`, never `:`). */
export function parseScope(scope: string): { type: string; name: string; actions: string[] } | undefined {
  const match = /^([a-z]+):([^:]+):([a-z*,]*)$/.exec(scope)
  if (!match) return undefined
  return {
    type: match[1] as string,
    name: match[2] as string,
    actions: (match[3] as string).split(',').filter(Boolean)
  }
}

const base64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url')

/** A registry token: JWT, RS256, signed by the token key, its certificate in `x5c`. */
export function signToken(
  tls: TlsMaterial,
  claims: { issuer: string; service: string; subject: string; access: ReadonlyArray<Record<string, unknown>> },
  lifetimeSeconds = 300
): string {
  const der = new X509Certificate(tls.tokenCert).raw.toString('base64')
  const now = Math.floor(Date.now() / 1000)
  const header = base64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5c: [der] }))
  const payload = base64url(
    JSON.stringify({
      iss: claims.issuer,
      sub: claims.subject,
      aud: claims.service,
      exp: now + lifetimeSeconds,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access: claims.access
    })
  )
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), createPrivateKey(tls.tokenKey))
  return `${header}.${payload}.${base64url(signature)}`
}

/** The access a token grants, when it is one of ours and valid for `service`; undefined otherwise. */
export function verifyToken(
  tls: TlsMaterial,
  token: string,
  service: string
): Array<{ type: string; name: string; actions: string[] }> | undefined {
  const [header, payload, signature] = token.split('.')
  if (!header || !payload || !signature) return undefined
  const key = createPublicKey(new X509Certificate(tls.tokenCert).publicKey.export({ type: 'spki', format: 'pem' }))
  if (!verify('sha256', Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url'))) return undefined
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
    aud?: string
    exp?: number
    access?: Array<{ type: string; name: string; actions: string[] }>
  }
  if (claims.aud !== service || (claims.exp ?? 0) < Date.now() / 1000) return undefined
  return claims.access ?? []
}

function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '')
  if (!match) return undefined
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}

export async function startTokenService(options: TokenServiceOptions): Promise<TokenService> {
  const requests: TokenRequestRecord[] = []
  let anonymousPull = options.anonymousPull
  const server: Server = createServer({ cert: options.tls.serverCert, key: options.tls.serverKey }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1')
    const scope = url.searchParams.get('scope') ?? ''
    const clientId = url.searchParams.get('client_id') ?? ''
    const credentials = basicCredentials(req.headers.authorization)
    const answer = (status: number, body: unknown, granted: readonly string[] = []): void => {
      requests.push({ user: credentials?.user ?? '', scope, clientId, status, granted })
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (url.pathname !== '/token' || url.searchParams.get('service') !== options.service)
      return answer(404, { errors: [{ code: 'NOT_FOUND', message: 'no such token service' }] })
    let allowed: readonly string[]
    if (credentials) {
      const user = options.users[credentials.user]
      if (!user || user.password !== credentials.password)
        return answer(403, { errors: [{ code: 'DENIED', message: 'denied' }] })
      allowed = user.actions
    } else {
      allowed = anonymousPull ? ['pull'] : []
    }
    const parsed = parseScope(scope)
    const granted = parsed ? parsed.actions.filter(action => allowed.includes(action)) : []
    const access = parsed && granted.length ? [{ type: parsed.type, name: parsed.name, actions: granted }] : []
    const token = signToken(options.tls, {
      issuer: options.issuer,
      service: options.service,
      subject: credentials?.user ?? '',
      access
    })
    answer(200, { token, expires_in: 300, issued_at: new Date().toISOString() }, granted)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as AddressInfo
  return {
    realm: `https://127.0.0.1:${port}/token`,
    requests,
    setAnonymousPull(allowed) {
      anonymousPull = allowed
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close(error => (error ? reject(error) : resolve()))
      })
  }
}
