/**
 * The HTTP server behind the fake GitHub "results" services: one listener on 127.0.0.1 that serves
 * - Twirp JSON routes (`/twirp/<Service>/<Method>`) registered by the cache / artifact services,
 * - the Azure-Blob-like store for the signed upload/download URLs those services hand out,
 * plus a request log and fault injection shared by both.
 *
 * Blob URL styles:
 * - `local` (default): `http://127.0.0.1:<port>/<account>/<container>/<blob>?<sas>` (Azurite-like path style).
 *   @actions/cache then downloads with a single plain http GET (it only uses the Azure SDK / ranged concurrent
 *   download when the host ends in `.blob.core.windows.net`).
 * - `azure`: `http://<account>.blob.core.windows.net/<container>/<blob>?<sas>` and the env gets `HTTP_PROXY`
 *   pointing at this server (which accepts absolute-URI proxy requests and `CONNECT` tunnels), so the toolkit
 *   takes its production path: `BlockBlobClient.getProperties()` + `downloadToBuffer()` with ranged, concurrent GETs.
 */
import { randomUUID } from 'node:crypto'
import * as fs from 'node:fs'
import * as http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import { BLOB_OPS, BlobStore, type BlobOp } from './blob-store.js'
import { makeRuntimeToken } from './runtime-env.js'
import {
  codeForStatus,
  parseTwirpPath,
  readTwirpJson,
  sendJson,
  sendTwirpError,
  TwirpError,
  type TwirpServiceDef
} from './twirp.js'

export type BlobUrlStyle = 'local' | 'azure'

export interface ServerOptions {
  /** Port to listen on (default: ephemeral). Always binds 127.0.0.1. */
  port?: number
  /** Directory for blobs and service metadata; reused across restarts. Default: a fresh temp dir removed on close. */
  stateDir?: string
  /** See module doc. Default `local`. */
  blobUrlStyle?: BlobUrlStyle
  /** Storage account name used in blob URLs. Default `slurmfactorytest`. */
  account?: string
  /** Backend ids embedded in the runtime token's `Actions.Results:<run>:<job>` scope. */
  runBackendId?: string
  jobBackendId?: string
  /** Require `Authorization: Bearer <token>` on Twirp calls (default true). */
  requireAuth?: boolean
  /** Lifetime of signed URLs in ms (default 6 h). */
  signedUrlTtlMs?: number
  /** Called when a request has been answered (or its connection closed). */
  onRequestDone?: (entry: RequestLogEntry) => void
}

export interface RequestLogEntry {
  method: string
  /** URL path without the query string */
  path: string
  /** Twirp method name (e.g. `CreateCacheEntry`), a blob operation (e.g. `PutBlock`), `CONNECT` or `unknown` */
  op: string
  /** for Twirp: the service name; for blobs: `blob` */
  service: string
  status?: number
  /** what an injected fault did to this request, if anything */
  fault?: string
  at: number
}

/**
 * A fault rule. `endpoint` matches a Twirp method name (`CreateCacheEntry`), `Service/Method`, a blob
 * operation (`PutBlob`, `PutBlock`, `PutBlockList`, `GetBlob`, `GetBlobProperties`, ...), `blob` (any blob
 * operation), `twirp` (any Twirp call) or `*`.
 * Exactly one effect: `status` (error response), `reply` (Twirp 200 with this JSON body), `reset`
 * (destroy the connection: the client sees ECONNRESET) or `delayMs` alone (hold the request, then serve it
 * normally; combine with `status`/`reset`/`reply` to delay those instead).
 */
export interface FaultRule {
  endpoint: string
  /** how many matching requests to affect (default: all until removed) */
  times?: number
  status?: number
  /** error message for `status` (Twirp `msg` / Azure `<Message>`) */
  message?: string
  /** Twirp error code for `status` (default derived from the status) */
  code?: string
  reply?: Record<string, unknown>
  reset?: boolean
  delayMs?: number
}

export interface FaultHandle {
  readonly rule: FaultRule
  /** number of requests this rule has affected so far */
  readonly hits: number
  remove(): void
}

interface ActiveFault {
  rule: FaultRule
  hits: number
  removed: boolean
}

export const AZURE_BLOB_SUFFIX = '.blob.core.windows.net'

export class ResultsServer {
  readonly requests: RequestLogEntry[] = []
  readonly blobs: BlobStore
  readonly stateDir: string
  readonly token: string
  readonly runBackendId: string
  readonly jobBackendId: string
  readonly blobUrlStyle: BlobUrlStyle
  readonly account: string
  private readonly server: http.Server
  private readonly services = new Map<string, TwirpServiceDef>()
  private readonly faults: ActiveFault[] = []
  private readonly sockets = new Set<Socket>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly ownsStateDir: boolean
  private port = 0
  private closed = false

  private constructor(private readonly options: ServerOptions) {
    this.ownsStateDir = !options.stateDir
    this.stateDir = options.stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'results-service-'))
    fs.mkdirSync(this.stateDir, { recursive: true })
    this.blobs = new BlobStore(path.join(this.stateDir, 'blobs'))
    this.blobUrlStyle = options.blobUrlStyle ?? 'local'
    this.account = options.account ?? 'slurmfactorytest'
    const ids = this.loadIds()
    this.runBackendId = ids.run
    this.jobBackendId = ids.job
    this.token = makeRuntimeToken({ runBackendId: this.runBackendId, jobBackendId: this.jobBackendId })
    this.server = http.createServer((req, res) => void this.dispatch(req, res))
    this.server.keepAliveTimeout = 2000
    this.server.on('connection', socket => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
    this.server.on('connect', (req, socket, head) => this.tunnel(req, socket as Socket, head))
  }

  static async start(options: ServerOptions = {}): Promise<ResultsServer> {
    const s = new ResultsServer(options)
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', reject)
      s.server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
    })
    s.port = (s.server.address() as AddressInfo).port
    return s
  }

  private loadIds(): { run: string; job: string } {
    const file = path.join(this.stateDir, 'ids.json')
    if (fs.existsSync(file)) {
      const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { run: string; job: string }
      return {
        run: this.options.runBackendId ?? saved.run,
        job: this.options.jobBackendId ?? saved.job
      }
    }
    const ids = { run: this.options.runBackendId ?? randomUUID(), job: this.options.jobBackendId ?? randomUUID() }
    fs.writeFileSync(file, JSON.stringify(ids))
    return ids
  }

  /** `http://127.0.0.1:<port>/` */
  get url(): string {
    return `http://127.0.0.1:${this.port}/`
  }

  /** Environment variables a process needs to talk to this server (cache v2 + artifacts). */
  get env(): Record<string, string> {
    const env: Record<string, string> = {
      ACTIONS_RESULTS_URL: this.url,
      ACTIONS_RUNTIME_TOKEN: this.token,
      ACTIONS_CACHE_SERVICE_V2: 'true',
      // anything but github.com / *.ghe.com / *.localhost is treated as GHES, where cache v2 and artifacts v2 are off
      GITHUB_SERVER_URL: 'https://github.com'
    }
    if (this.blobUrlStyle === 'azure') {
      const proxy = `http://127.0.0.1:${this.port}`
      Object.assign(env, {
        HTTP_PROXY: proxy,
        http_proxy: proxy,
        NO_PROXY: '127.0.0.1,localhost',
        no_proxy: '127.0.0.1,localhost'
      })
    }
    return env
  }

  register(def: TwirpServiceDef): void {
    this.services.set(def.service, def)
  }

  /** A signed URL for blob `<container>/<name>` with SAS permissions (`r`, `cw`, ...). */
  blobUrl(container: string, name: string, permissions: string, extra: Record<string, string> = {}): string {
    const key = `${container}/${name}`
    let q = this.blobs.sasQuery(key, permissions, this.options.signedUrlTtlMs)
    if (Object.keys(extra).length) q += `&${new URLSearchParams(extra).toString()}`
    const encoded = `${encodeURIComponent(container)}/${name.split('/').map(encodeURIComponent).join('/')}`
    if (this.blobUrlStyle === 'azure') return `http://${this.account}${AZURE_BLOB_SUFFIX}/${encoded}?${q}`
    return `http://127.0.0.1:${this.port}/${this.account}/${encoded}?${q}`
  }

  // ---- faults ------------------------------------------------------------------------------------------------

  fail(rule: FaultRule): FaultHandle {
    const active: ActiveFault = { rule, hits: 0, removed: false }
    this.faults.push(active)
    return {
      rule,
      get hits() {
        return active.hits
      },
      remove: () => {
        active.removed = true
      }
    }
  }

  clearFaults(): void {
    for (const f of this.faults) f.removed = true
    this.faults.length = 0
  }

  private takeFault(service: string, op: string): FaultRule | undefined {
    for (const f of this.faults) {
      if (f.removed) continue
      if (f.rule.times !== undefined && f.hits >= f.rule.times) continue
      const e = f.rule.endpoint
      const isBlob = service === 'blob'
      const matches =
        e === '*' ||
        e === op ||
        e === `${service}/${op}` ||
        (isBlob && e === 'blob') ||
        (!isBlob && e === 'twirp') ||
        (!isBlob && e === `${service.split('.').pop()}/${op}`)
      if (matches) {
        f.hits++
        return f.rule
      }
    }
    return undefined
  }

  private sleep(ms: number): Promise<void> {
    return new Promise(resolve => {
      const t = setTimeout(() => {
        this.timers.delete(t)
        resolve()
      }, ms)
      this.timers.add(t)
    })
  }

  /** Apply a fault; returns true when the response has been fully handled by the fault. */
  private async applyFault(
    rule: FaultRule,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    entry: RequestLogEntry,
    isBlob: boolean
  ): Promise<boolean> {
    const parts: string[] = []
    if (rule.delayMs) {
      parts.push(`delay ${rule.delayMs}ms`)
      entry.fault = parts.join(', ')
      await this.sleep(rule.delayMs)
      if (this.closed || req.socket.destroyed) return true
    }
    if (rule.reset) {
      entry.fault = [...parts, 'reset'].join(', ')
      req.socket.destroy()
      return true
    }
    if (rule.status) {
      entry.fault = [...parts, `status ${rule.status}`].join(', ')
      req.resume()
      const message = rule.message ?? `injected fault: ${rule.status}`
      if (isBlob) {
        const code = rule.code ?? (rule.status >= 500 ? 'InternalError' : 'InjectedFault')
        const body = Buffer.from(
          `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`
        )
        res.writeHead(rule.status, {
          'Content-Type': 'application/xml',
          'Content-Length': String(req.method === 'HEAD' ? 0 : body.length),
          'x-ms-error-code': code,
          'x-ms-request-id': randomUUID()
        })
        res.end(req.method === 'HEAD' ? undefined : body)
      } else {
        sendJson(res, rule.status, { code: rule.code ?? codeForStatus(rule.status), msg: message })
      }
      return true
    }
    if (rule.reply && !isBlob) {
      entry.fault = [...parts, 'reply'].join(', ')
      req.resume()
      sendJson(res, 200, rule.reply)
      return true
    }
    return false
  }

  // ---- dispatch ----------------------------------------------------------------------------------------------

  private tunnel(req: http.IncomingMessage, socket: Socket, head: Buffer): void {
    const target = String(req.url ?? '')
    const host = target.replace(/:\d+$/, '')
    this.requests.push({ method: 'CONNECT', path: target, op: 'CONNECT', service: 'proxy', at: Date.now() })
    if (!host.endsWith(AZURE_BLOB_SUFFIX) && host !== '127.0.0.1' && host !== 'localhost') {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n')
      return
    }
    this.sockets.add(socket)
    socket.on('close', () => this.sockets.delete(socket))
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
    if (head.length) socket.unshift(head)
    // hand the tunnelled plain-HTTP stream to this same server
    this.server.emit('connection', socket)
  }

  private async dispatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = req.url ?? '/'
    // absolute-URI requests arrive when this server is used as an HTTP proxy
    const url = /^https?:\/\//i.test(raw) ? new URL(raw) : new URL(raw, `http://${req.headers.host ?? '127.0.0.1'}`)
    const entry: RequestLogEntry = {
      method: req.method ?? 'GET',
      path: url.pathname,
      op: 'unknown',
      service: 'unknown',
      at: Date.now()
    }
    this.requests.push(entry)
    let reported = false
    const done = (): void => {
      if (reported) return
      reported = true
      if (res.headersSent) entry.status = res.statusCode
      this.options.onRequestDone?.(entry)
    }
    res.on('finish', done)
    res.on('close', done)
    try {
      const twirp = parseTwirpPath(url.pathname)
      if (twirp && !url.hostname.endsWith(AZURE_BLOB_SUFFIX)) {
        entry.op = twirp.method
        entry.service = twirp.service
        const fault = this.takeFault(twirp.service, twirp.method)
        if (fault && (await this.applyFault(fault, req, res, entry, false))) return
        await this.handleTwirp(req, res, twirp.service, twirp.method)
        return
      }
      const key = this.blobKey(url)
      if (key) {
        const op: BlobOp = this.blobs.classify(entry.method, url.searchParams, req.headers)
        entry.op = op
        entry.service = 'blob'
        const fault = BLOB_OPS.includes(op) ? this.takeFault('blob', op) : undefined
        if (fault && (await this.applyFault(fault, req, res, entry, true))) return
        await this.blobs.handle(req, res, key, url.searchParams)
        return
      }
      req.resume()
      sendTwirpError(res, 'bad_route', `no handler for ${entry.method} ${url.pathname}`)
    } catch (error) {
      req.resume()
      if (!res.headersSent) sendTwirpError(res, 'internal', String((error as Error)?.message ?? error))
      else res.destroy()
    }
  }

  private blobKey(url: URL): string | undefined {
    const segments = url.pathname.split('/').slice(1).map(decodeURIComponent)
    if (url.hostname.endsWith(AZURE_BLOB_SUFFIX)) {
      return segments.length >= 2 && segments[0] && segments[1] ? segments.join('/') : undefined
    }
    if (segments[0] === this.account && segments.length >= 3) return segments.slice(1).join('/')
    return undefined
  }

  private async handleTwirp(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    serviceName: string,
    methodName: string
  ): Promise<void> {
    try {
      if (req.method !== 'POST') throw new TwirpError('bad_route', `Twirp requires POST, got ${req.method}`)
      const service = this.services.get(serviceName)
      const method = service?.methods[methodName]
      if (!method) throw new TwirpError('bad_route', `no such method ${serviceName}/${methodName}`)
      if (this.options.requireAuth !== false) {
        const auth = String(req.headers.authorization ?? '')
        if (auth !== `Bearer ${this.token}`) throw new TwirpError('unauthenticated', 'invalid or missing runtime token')
      }
      const body = await readTwirpJson(req)
      const reply = await method(body)
      sendJson(res, 200, reply)
    } catch (error) {
      req.resume()
      if (error instanceof TwirpError) sendTwirpError(res, error.code, error.message, error.status)
      else sendTwirpError(res, 'internal', String((error as Error)?.message ?? error))
    }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    const done = new Promise<void>(resolve => this.server.close(() => resolve()))
    for (const s of this.sockets) s.destroy()
    this.server.closeAllConnections?.()
    await done
    if (this.ownsStateDir) fs.rmSync(this.stateDir, { recursive: true, force: true })
  }
}
