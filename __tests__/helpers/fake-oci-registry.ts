/**
 * A small OCI registry in Node for the unit tests (CI has no docker-registry): the endpoints Spack's OCI client and
 * the mirror check use, answered as distribution 2.8 answers them. `GET /v2/<name>/manifests/<tag>` (200 when the tag
 * was added, 404 MANIFEST_UNKNOWN otherwise), `POST /v2/<name>/blobs/uploads/` (202 with a Location) and `DELETE` of
 * that location (204). Authentication, by `auth`:
 *   - `token`: 401 with `WWW-Authenticate: Bearer realm=...,service=...,scope=repository:<name>:pull[,push]` until a
 *     token of token-service.ts granting that access comes (then 401 insufficient_scope when it does not);
 *   - `basic`: 401 with `WWW-Authenticate: Basic realm="basic-realm"` (what `auth: htpasswd` answers);
 *   - `silent`: 401 with no WWW-Authenticate at all.
 * Over TLS with the test CA's certificate, or plain HTTP with `plain: true`.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { randomUUID } from 'node:crypto'
import type { TlsMaterial } from './tls-material.js'
import { verifyToken } from './token-service.js'

export interface FakeRegistryOptions {
  readonly tls: TlsMaterial
  readonly auth: 'token' | 'basic' | 'silent'
  /** For `token`: the token service's realm and the service name its tokens carry. */
  readonly realm?: string
  readonly service?: string
  readonly plain?: boolean
}

export interface FakeRegistry {
  /** `127.0.0.1:<port>` */
  readonly host: string
  /** `METHOD /path` of every request, in order. */
  readonly requests: readonly string[]
  /** Makes `GET /v2/<name>/manifests/<tag>` answer 200. */
  addManifest(name: string, tag: string): void
  close(): Promise<void>
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body?: unknown): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'docker-distribution-api-version': 'registry/2.0',
    ...headers
  })
  res.end(body === undefined ? '' : JSON.stringify(body))
}

export async function startFakeRegistry(options: FakeRegistryOptions): Promise<FakeRegistry> {
  const requests: string[] = []
  const manifests = new Set<string>()
  const uploads = new Set<string>()

  /** Whether the request may do `actions` on `name`; answers the 401 itself when not. */
  function allowed(req: IncomingMessage, res: ServerResponse, name: string, actions: string[]): boolean {
    const scope = `repository:${name}:${actions.join(',')}`
    const unauthorized = (error = 'UNAUTHORIZED'): false => {
      const challenge =
        options.auth === 'basic'
          ? 'Basic realm="basic-realm"'
          : `Bearer realm="${options.realm}",service="${options.service}",scope="${scope}"${error === 'UNAUTHORIZED' ? '' : ',error="insufficient_scope"'}`
      send(res, 401, options.auth === 'silent' ? {} : { 'www-authenticate': challenge }, {
        errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }]
      })
      return false
    }
    if (options.auth !== 'token') return unauthorized()
    const bearer = /^Bearer\s+(\S+)$/.exec(req.headers.authorization ?? '')?.[1]
    if (!bearer) return unauthorized()
    const access = verifyToken(options.tls, bearer, options.service ?? '')
    if (!access) return unauthorized()
    const granted = access.filter(a => a.type === 'repository' && a.name === name).flatMap(a => a.actions)
    return actions.every(action => granted.includes(action)) || unauthorized('insufficient_scope')
  }

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    req.resume()
    const url = new URL(req.url ?? '/', 'https://127.0.0.1')
    requests.push(`${req.method} ${url.pathname}`)
    const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname)
    const upload = /^\/v2\/(.+)\/blobs\/uploads\/([^/]*)$/.exec(url.pathname)
    if (req.method === 'GET' && manifest) {
      const [, name, tag] = manifest as unknown as [string, string, string]
      if (!allowed(req, res, name, ['pull'])) return
      if (manifests.has(`${name}:${tag}`))
        return send(res, 200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, { schemaVersion: 2 })
      return send(res, 404, {}, { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] })
    }
    if (upload && (req.method === 'POST' || req.method === 'DELETE')) {
      const [, name, id] = upload as unknown as [string, string, string]
      if (!allowed(req, res, name, ['pull', 'push'])) return
      if (req.method === 'POST') {
        const uuid = randomUUID()
        uploads.add(uuid)
        return send(res, 202, { location: `/v2/${name}/blobs/uploads/${uuid}`, range: '0-0', 'content-length': '0' })
      }
      if (!uploads.delete(id)) return send(res, 404, {}, { errors: [{ code: 'BLOB_UPLOAD_UNKNOWN' }] })
      return send(res, 204, {})
    }
    send(res, 404, {}, { errors: [{ code: 'NOT_FOUND' }] })
  }
  const server = options.plain
    ? createHttpServer(handler)
    : createHttpsServer({ cert: options.tls.serverCert, key: options.tls.serverKey }, handler)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as AddressInfo
  return {
    host: `127.0.0.1:${port}`,
    requests,
    addManifest: (name, tag) => manifests.add(`${name}:${tag}`),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close(error => (error ? reject(error) : resolve()))
      })
  }
}
