/**
 * A disk-backed stand-in for Azure Blob Storage, speaking the subset of the Blob REST API that
 * `@azure/storage-blob` (BlockBlobClient.uploadFile/uploadStream/getProperties/downloadToBuffer) and the
 * toolkit's plain http-client downloads use on a SAS ("signed") URL:
 *
 * - Put Blob        `PUT  <blob>` with `x-ms-blob-type: BlockBlob` (single-shot uploads, <= maxSingleShotSize)
 * - Put Block       `PUT  <blob>?comp=block&blockid=<base64>`
 * - Put Block List  `PUT  <blob>?comp=blocklist` with an XML `<BlockList><Latest>id</Latest>...</BlockList>` body
 * - Get Block List  `GET  <blob>?comp=blocklist`
 * - Get Blob        `GET  <blob>` honouring `Range` / `x-ms-range` (206 + Content-Range)
 * - Get Properties  `HEAD <blob>`
 * - Delete Blob     `DELETE <blob>`
 *
 * SAS tokens are HMACs over (permissions, expiry, container/blob) with a per-store secret, so a URL minted for
 * upload cannot be used to read and a tampered or expired URL gets 403 AuthenticationFailed, like Azure.
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto'
import * as fs from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import * as path from 'node:path'
import { pipeline } from 'node:stream/promises'

export type BlobOp =
  | 'PutBlob'
  | 'PutBlock'
  | 'PutBlockList'
  | 'GetBlockList'
  | 'GetBlob'
  | 'GetBlobProperties'
  | 'DeleteBlob'
  | 'Unsupported'

export const BLOB_OPS: readonly BlobOp[] = [
  'PutBlob',
  'PutBlock',
  'PutBlockList',
  'GetBlockList',
  'GetBlob',
  'GetBlobProperties',
  'DeleteBlob'
]

/** SAS permissions: r = read, c = create, w = write, d = delete. */
export type BlobPermissions = string

export interface BlobRecord {
  /** `<container>/<blob name>` */
  key: string
  size: number
  etag: string
  contentType: string
  contentDisposition?: string
  createdAt: string
  lastModified: string
  /** the file holding the committed bytes */
  file: string
}

const API_VERSION = '2025-05-05'

function sha(s: string): string {
  return createHash('sha256').update(s).digest('hex')
}

export class BlobError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(message)
  }
}

export class BlobStore {
  private readonly secret: Buffer
  private readonly blobs = new Map<string, BlobRecord>()
  private readonly dataDir: string
  private readonly blockDir: string
  private readonly metaFile: string

  constructor(readonly dir: string) {
    this.dataDir = path.join(dir, 'data')
    this.blockDir = path.join(dir, 'blocks')
    this.metaFile = path.join(dir, 'blobs.json')
    fs.mkdirSync(this.dataDir, { recursive: true })
    fs.mkdirSync(this.blockDir, { recursive: true })
    const secretFile = path.join(dir, 'sas-secret')
    if (fs.existsSync(secretFile)) {
      this.secret = fs.readFileSync(secretFile)
    } else {
      this.secret = randomBytes(32)
      fs.writeFileSync(secretFile, this.secret, { mode: 0o600 })
    }
    if (fs.existsSync(this.metaFile)) {
      const saved = JSON.parse(fs.readFileSync(this.metaFile, 'utf8')) as BlobRecord[]
      for (const b of saved) if (fs.existsSync(b.file)) this.blobs.set(b.key, b)
    }
  }

  // ---- SAS ---------------------------------------------------------------------------------------------------

  /** Query string (without `?`) of a SAS token for `key` with the given permissions, valid for ttlMs. */
  sasQuery(key: string, permissions: BlobPermissions, ttlMs = 6 * 3600_000): string {
    const se = new Date(Date.now() + ttlMs).toISOString().replace(/\.\d{3}Z$/, 'Z')
    const sig = this.signature(key, permissions, se)
    const q = new URLSearchParams({ sv: API_VERSION, sr: 'b', sp: permissions, se, sig })
    return q.toString()
  }

  private signature(key: string, permissions: string, se: string): string {
    return createHmac('sha256', this.secret).update(`${permissions}\n${se}\n/${key}`).digest('base64')
  }

  private authorize(key: string, query: URLSearchParams, need: 'r' | 'w' | 'd'): void {
    const sp = query.get('sp') ?? ''
    const se = query.get('se') ?? ''
    const sig = query.get('sig') ?? ''
    if (!sig || !se || sig !== this.signature(key, sp, se)) {
      throw new BlobError(403, 'AuthenticationFailed', 'Server failed to authenticate the request: bad signature.')
    }
    if (Date.parse(se) < Date.now()) {
      throw new BlobError(403, 'AuthenticationFailed', 'Signed expiry time has passed.')
    }
    const ok = need === 'w' ? sp.includes('w') || sp.includes('c') : sp.includes(need)
    if (!ok) {
      throw new BlobError(403, 'AuthorizationPermissionMismatch', `This request is not authorized (needs '${need}').`)
    }
  }

  // ---- inspection --------------------------------------------------------------------------------------------

  get(key: string): BlobRecord | undefined {
    return this.blobs.get(key)
  }

  list(): BlobRecord[] {
    return [...this.blobs.values()]
  }

  read(key: string): Buffer {
    const b = this.blobs.get(key)
    if (!b) throw new Error(`no blob ${key}`)
    return fs.readFileSync(b.file)
  }

  sha256(key: string): string {
    return createHash('sha256').update(this.read(key)).digest('hex')
  }

  delete(key: string): boolean {
    const b = this.blobs.get(key)
    if (!b) return false
    this.blobs.delete(key)
    fs.rmSync(b.file, { force: true })
    fs.rmSync(path.join(this.blockDir, sha(key)), { recursive: true, force: true })
    this.save()
    return true
  }

  private save(): void {
    fs.writeFileSync(this.metaFile, JSON.stringify(this.list(), null, 1))
  }

  // ---- REST --------------------------------------------------------------------------------------------------

  classify(method: string, query: URLSearchParams, headers: IncomingMessage['headers']): BlobOp {
    const comp = query.get('comp')
    if (method === 'PUT') {
      if (comp === 'block') return 'PutBlock'
      if (comp === 'blocklist') return 'PutBlockList'
      if (!comp && headers['x-ms-blob-type']) return 'PutBlob'
      return 'Unsupported'
    }
    if (method === 'GET') {
      if (comp === 'blocklist') return 'GetBlockList'
      return comp ? 'Unsupported' : 'GetBlob'
    }
    if (method === 'HEAD') return comp ? 'Unsupported' : 'GetBlobProperties'
    if (method === 'DELETE') return comp ? 'Unsupported' : 'DeleteBlob'
    return 'Unsupported'
  }

  /** Answer one Blob REST request for `key` (`<container>/<blob>`). Never throws. */
  async handle(req: IncomingMessage, res: ServerResponse, key: string, query: URLSearchParams): Promise<void> {
    const op = this.classify(req.method ?? 'GET', query, req.headers)
    try {
      switch (op) {
        case 'PutBlob':
          this.authorize(key, query, 'w')
          return await this.putBlob(req, res, key)
        case 'PutBlock':
          this.authorize(key, query, 'w')
          return await this.putBlock(req, res, key, query)
        case 'PutBlockList':
          this.authorize(key, query, 'w')
          return await this.putBlockList(req, res, key)
        case 'GetBlockList':
          this.authorize(key, query, 'r')
          return this.getBlockList(req, res, key)
        case 'GetBlob':
          this.authorize(key, query, 'r')
          return await this.getBlob(req, res, key, query)
        case 'GetBlobProperties':
          this.authorize(key, query, 'r')
          return this.getProperties(req, res, key)
        case 'DeleteBlob':
          this.authorize(key, query, 'd')
          req.resume()
          if (!this.delete(key)) throw new BlobError(404, 'BlobNotFound', 'The specified blob does not exist.')
          res.writeHead(202, this.commonHeaders())
          res.end()
          return
        default:
          throw new BlobError(400, 'UnsupportedHttpVerb', `Unsupported blob operation ${req.method} ${query}`)
      }
    } catch (error) {
      BlobStore.sendError(res, req, error)
    }
  }

  static sendError(res: ServerResponse, req: IncomingMessage, error: unknown): void {
    const e =
      error instanceof BlobError
        ? error
        : new BlobError(500, 'InternalError', String((error as Error)?.message ?? error))
    req.resume()
    if (res.headersSent) {
      res.destroy()
      return
    }
    const requestId = randomUUID()
    const body =
      req.method === 'HEAD'
        ? Buffer.alloc(0)
        : Buffer.from(
            `<?xml version="1.0" encoding="utf-8"?><Error><Code>${e.code}</Code><Message>${escapeXml(e.message)}\n` +
              `RequestId:${requestId}\nTime:${new Date().toISOString()}</Message></Error>`
          )
    res.writeHead(e.status, {
      'Content-Type': 'application/xml',
      'Content-Length': String(body.length),
      'x-ms-error-code': e.code,
      'x-ms-request-id': requestId,
      'x-ms-version': API_VERSION,
      Date: new Date().toUTCString()
    })
    res.end(body)
  }

  private commonHeaders(): Record<string, string> {
    return {
      'x-ms-request-id': randomUUID(),
      'x-ms-version': API_VERSION,
      Date: new Date().toUTCString()
    }
  }

  private async receive(req: IncomingMessage, file: string): Promise<{ size: number; md5: string }> {
    const md5 = createHash('md5')
    let size = 0
    const tmp = `${file}.${randomUUID()}.part`
    fs.mkdirSync(path.dirname(file), { recursive: true })
    try {
      await pipeline(
        req,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            size += chunk.length
            md5.update(chunk)
            yield chunk
          }
        },
        fs.createWriteStream(tmp)
      )
      const declared = req.headers['content-length']
      if (declared !== undefined && Number(declared) !== size) {
        throw new BlobError(400, 'InvalidHeaderValue', `Content-Length ${declared} does not match body ${size}`)
      }
      fs.renameSync(tmp, file)
    } finally {
      fs.rmSync(tmp, { force: true })
    }
    return { size, md5: md5.digest('base64') }
  }

  private checkConditions(req: IncomingMessage, key: string): void {
    const existing = this.blobs.get(key)
    const ifMatch = req.headers['if-match']
    if (ifMatch && ifMatch !== '*' && (!existing || existing.etag !== ifMatch)) {
      throw new BlobError(
        412,
        'ConditionNotMet',
        'The condition specified using HTTP conditional header(s) is not met.'
      )
    }
    if (ifMatch === '*' && !existing) {
      throw new BlobError(
        412,
        'ConditionNotMet',
        'The condition specified using HTTP conditional header(s) is not met.'
      )
    }
    const ifNoneMatch = req.headers['if-none-match']
    if (ifNoneMatch === '*' && existing && req.method === 'PUT') {
      throw new BlobError(409, 'BlobAlreadyExists', 'The specified blob already exists.')
    }
    if (ifNoneMatch && ifNoneMatch !== '*' && existing && existing.etag === ifNoneMatch) {
      throw new BlobError(req.method === 'PUT' ? 412 : 304, 'ConditionNotMet', 'The condition is not met.')
    }
  }

  private commit(req: IncomingMessage, key: string, file: string, size: number): BlobRecord {
    const now = new Date()
    const prev = this.blobs.get(key)
    const record: BlobRecord = {
      key,
      size,
      etag: `"0x${randomBytes(8).toString('hex').toUpperCase()}"`,
      contentType: String(req.headers['x-ms-blob-content-type'] ?? 'application/octet-stream'),
      contentDisposition: req.headers['x-ms-blob-content-disposition']
        ? String(req.headers['x-ms-blob-content-disposition'])
        : undefined,
      createdAt: prev?.createdAt ?? now.toISOString(),
      lastModified: now.toISOString(),
      file
    }
    this.blobs.set(key, record)
    this.save()
    return record
  }

  private writeHeaders(record: BlobRecord, md5?: string): Record<string, string> {
    return {
      ...this.commonHeaders(),
      ETag: record.etag,
      'Last-Modified': new Date(record.lastModified).toUTCString(),
      ...(md5 ? { 'Content-MD5': md5 } : {}),
      'x-ms-request-server-encrypted': 'true',
      'Content-Length': '0'
    }
  }

  private async putBlob(req: IncomingMessage, res: ServerResponse, key: string): Promise<void> {
    if (String(req.headers['x-ms-blob-type']) !== 'BlockBlob') {
      throw new BlobError(400, 'InvalidHeaderValue', 'Only BlockBlob is supported.')
    }
    this.checkConditions(req, key)
    const file = path.join(this.dataDir, sha(key))
    const { size, md5 } = await this.receive(req, file)
    const record = this.commit(req, key, file, size)
    fs.rmSync(path.join(this.blockDir, sha(key)), { recursive: true, force: true })
    res.writeHead(201, this.writeHeaders(record, md5))
    res.end()
  }

  private async putBlock(
    req: IncomingMessage,
    res: ServerResponse,
    key: string,
    query: URLSearchParams
  ): Promise<void> {
    const blockId = query.get('blockid')
    if (!blockId) throw new BlobError(400, 'MissingRequiredQueryParameter', 'blockid is required')
    const { md5 } = await this.receive(req, path.join(this.blockDir, sha(key), sha(blockId)))
    res.writeHead(201, {
      ...this.commonHeaders(),
      'Content-MD5': md5,
      'x-ms-request-server-encrypted': 'true',
      'Content-Length': '0'
    })
    res.end()
  }

  private async putBlockList(req: IncomingMessage, res: ServerResponse, key: string): Promise<void> {
    this.checkConditions(req, key)
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const xml = Buffer.concat(chunks).toString('utf8')
    const ids = [...xml.matchAll(/<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g)].map(m => unescapeXml(m[2] ?? ''))
    if (!/<BlockList>/.test(xml)) throw new BlobError(400, 'InvalidXmlDocument', 'Expected a BlockList document')
    const blockDir = path.join(this.blockDir, sha(key))
    const parts = ids.map(id => path.join(blockDir, sha(id)))
    for (const [i, p] of parts.entries()) {
      if (!fs.existsSync(p))
        throw new BlobError(400, 'InvalidBlockList', `The specified block list is invalid: ${ids[i]}`)
    }
    const file = path.join(this.dataDir, sha(key))
    const tmp = `${file}.${randomUUID()}.part`
    let size = 0
    try {
      const out = fs.openSync(tmp, 'w')
      try {
        for (const p of parts) {
          const data = fs.readFileSync(p)
          fs.writeSync(out, data)
          size += data.length
        }
      } finally {
        fs.closeSync(out)
      }
      fs.renameSync(tmp, file)
    } finally {
      fs.rmSync(tmp, { force: true })
    }
    fs.rmSync(blockDir, { recursive: true, force: true })
    const record = this.commit(req, key, file, size)
    res.writeHead(201, this.writeHeaders(record))
    res.end()
  }

  private getBlockList(req: IncomingMessage, res: ServerResponse, key: string): void {
    req.resume()
    const record = this.blobs.get(key)
    if (!record) throw new BlobError(404, 'BlobNotFound', 'The specified blob does not exist.')
    const body = Buffer.from(
      `<?xml version="1.0" encoding="utf-8"?><BlockList><CommittedBlocks><Block><Name>${Buffer.from('0').toString('base64')}</Name>` +
        `<Size>${record.size}</Size></Block></CommittedBlocks><UncommittedBlocks /></BlockList>`
    )
    res.writeHead(200, {
      ...this.commonHeaders(),
      'Content-Type': 'application/xml',
      'Content-Length': String(body.length),
      ETag: record.etag,
      'x-ms-blob-content-length': String(record.size)
    })
    res.end(body)
  }

  private propertyHeaders(record: BlobRecord): Record<string, string> {
    return {
      ...this.commonHeaders(),
      'Content-Type': record.contentType,
      ...(record.contentDisposition ? { 'Content-Disposition': record.contentDisposition } : {}),
      ETag: record.etag,
      'Last-Modified': new Date(record.lastModified).toUTCString(),
      'Accept-Ranges': 'bytes',
      'x-ms-blob-type': 'BlockBlob',
      'x-ms-creation-time': new Date(record.createdAt).toUTCString(),
      'x-ms-lease-status': 'unlocked',
      'x-ms-lease-state': 'available',
      'x-ms-server-encrypted': 'true',
      'x-ms-access-tier': 'Hot',
      'x-ms-access-tier-inferred': 'true'
    }
  }

  private getProperties(req: IncomingMessage, res: ServerResponse, key: string): void {
    req.resume()
    const record = this.blobs.get(key)
    if (!record) throw new BlobError(404, 'BlobNotFound', 'The specified blob does not exist.')
    this.checkConditions(req, key)
    res.writeHead(200, { ...this.propertyHeaders(record), 'Content-Length': String(record.size) })
    res.end()
  }

  private async getBlob(req: IncomingMessage, res: ServerResponse, key: string, query: URLSearchParams): Promise<void> {
    req.resume()
    const record = this.blobs.get(key)
    if (!record) throw new BlobError(404, 'BlobNotFound', 'The specified blob does not exist.')
    this.checkConditions(req, key)
    const rangeHeader = String(req.headers['x-ms-range'] ?? req.headers['range'] ?? '')
    const headers = this.propertyHeaders(record)
    // SAS response-header overrides
    const rscd = query.get('rscd')
    const rsct = query.get('rsct')
    if (rscd) headers['Content-Disposition'] = rscd
    if (rsct) headers['Content-Type'] = rsct
    let start = 0
    let end = record.size - 1
    let status = 200
    if (rangeHeader) {
      const m = /^bytes=(\d*)-(\d*)$/.exec(rangeHeader.trim())
      if (!m) throw new BlobError(400, 'InvalidRange', `Bad range ${rangeHeader}`)
      if (m[1] === '' && m[2] !== '') {
        start = Math.max(0, record.size - Number(m[2]))
      } else {
        start = Number(m[1])
        if (m[2] !== '') end = Math.min(end, Number(m[2]))
      }
      if (start >= record.size || start > end) {
        throw new BlobError(416, 'InvalidRange', 'The range specified is invalid for the current size of the resource.')
      }
      status = 206
      headers['Content-Range'] = `bytes ${start}-${end}/${record.size}`
    }
    headers['Content-Length'] = String(end - start + 1)
    if (status === 206) headers['x-ms-blob-content-length'] = String(record.size)
    res.writeHead(status, headers)
    if (record.size === 0) {
      res.end()
      return
    }
    await pipeline(fs.createReadStream(record.file, { start, end }), res).catch(() => res.destroy())
  }
}

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, c => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c)
}

function unescapeXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&')
}
