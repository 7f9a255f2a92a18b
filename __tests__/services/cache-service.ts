/**
 * Fake GitHub Actions cache service v2 (`github.actions.results.api.v1.CacheService`, Twirp JSON) as used by
 * @actions/cache 6.x when `ACTIONS_CACHE_SERVICE_V2` is set:
 *
 * - CreateCacheEntry {key, version}              -> {ok, signed_upload_url}   (Azure SDK uploadFile to that URL)
 * - FinalizeCacheEntryUpload {key, version, size_bytes} -> {ok, entry_id}
 * - GetCacheEntryDownloadURL {key, restore_keys, version} -> {ok, signed_download_url, matched_key}
 *
 * Matching follows GitHub: entries are scoped by `version` (a hash of the paths + compression method computed by
 * the toolkit); the primary key must match exactly; then each restore key in order, exact match first, else the
 * newest entry whose key starts with it. Entries are immutable: CreateCacheEntry for an existing key+version
 * (committed, or reserved by an upload in progress) answers 409 `already_exists`. An entry is only visible to
 * lookups after FinalizeCacheEntryUpload.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {
  ResultsServer,
  type FaultHandle,
  type FaultRule,
  type RequestLogEntry,
  type ServerOptions
} from './results-server.js'
import { int64Field, stringArrayField, stringField, TwirpError, type TwirpServiceDef } from './twirp.js'

export const CACHE_SERVICE = 'github.actions.results.api.v1.CacheService'
export const CACHE_CONTAINER = 'actions-cache'

export type CacheMethod = 'CreateCacheEntry' | 'FinalizeCacheEntryUpload' | 'GetCacheEntryDownloadURL'

export interface CacheEntry {
  id: number
  key: string
  version: string
  /** bytes of the archive as committed to the blob store (0 until uploaded) */
  size: number
  /** size the client declared in FinalizeCacheEntryUpload */
  declaredSize?: number
  /** ISO timestamps */
  createdAt: string
  finalizedAt?: string
  lastAccessedAt?: string
  finalized: boolean
  /** blob key `<container>/<name>` */
  blob: string
}

export interface CacheServiceOptions {
  /**
   * When true, CreateCacheEntry answers like a repository whose cache quota is exhausted:
   * HTTP 429 `resource_exhausted` with a message containing "insufficient usage" (the toolkit turns it into a
   * UsageError, then a ReserveCacheError).
   */
  full?: boolean
  /** A reservation older than this can be taken over by a new CreateCacheEntry (default 10 min). */
  reservationTtlMs?: number
  /** Reject uploads whose finalized size exceeds this many bytes (FinalizeCacheEntryUpload ok:false). */
  maxEntryBytes?: number
}

export class CacheServiceState {
  private readonly entries = new Map<string, CacheEntry>()
  private nextId = 1
  private readonly file: string
  full: boolean

  constructor(
    private readonly server: ResultsServer,
    private readonly options: CacheServiceOptions = {}
  ) {
    this.full = options.full ?? false
    this.file = path.join(server.stateDir, 'cache-entries.json')
    if (fs.existsSync(this.file)) {
      const saved = JSON.parse(fs.readFileSync(this.file, 'utf8')) as { nextId: number; entries: CacheEntry[] }
      this.nextId = saved.nextId
      for (const e of saved.entries) this.entries.set(this.id(e.key, e.version), e)
    }
  }

  private id(key: string, version: string): string {
    return `${version}\u0000${key}`
  }

  private save(): void {
    fs.writeFileSync(this.file, JSON.stringify({ nextId: this.nextId, entries: this.list() }, null, 1))
  }

  list(): CacheEntry[] {
    return [...this.entries.values()].map(e => ({ ...e }))
  }

  delete(key: string, version?: string): number {
    let n = 0
    for (const [id, e] of this.entries) {
      if (e.key === key && (version === undefined || e.version === version)) {
        this.entries.delete(id)
        this.server.blobs.delete(e.blob)
        n++
      }
    }
    this.save()
    return n
  }

  read(entry: Pick<CacheEntry, 'blob'>): Buffer {
    return this.server.blobs.read(entry.blob)
  }

  definition(): TwirpServiceDef {
    return {
      service: CACHE_SERVICE,
      methods: {
        CreateCacheEntry: body => this.create(body),
        FinalizeCacheEntryUpload: body => this.finalize(body),
        GetCacheEntryDownloadURL: body => this.lookup(body)
      }
    }
  }

  private create(body: Record<string, unknown>): Record<string, unknown> {
    const key = stringField(body, 'key')
    const version = stringField(body, 'version')
    if (!key) throw new TwirpError('invalid_argument', 'key is required')
    if (!version) throw new TwirpError('invalid_argument', 'version is required')
    if (key.length > 512) throw new TwirpError('invalid_argument', 'key is longer than 512 characters')
    if (this.full) {
      throw new TwirpError(
        'resource_exhausted',
        'insufficient usage: the repository cache storage limit has been reached'
      )
    }
    const existing = this.entries.get(this.id(key, version))
    if (existing) {
      const ttl = this.options.reservationTtlMs ?? 10 * 60_000
      const stale = !existing.finalized && Date.now() - Date.parse(existing.createdAt) > ttl
      if (!stale) {
        throw new TwirpError(
          'already_exists',
          existing.finalized
            ? `cache entry with key '${key}' and version '${version}' already exists`
            : `cache entry with key '${key}' is being created by another job`
        )
      }
      this.server.blobs.delete(existing.blob)
    }
    const id = this.nextId++
    const entry: CacheEntry = {
      id,
      key,
      version,
      size: 0,
      createdAt: new Date().toISOString(),
      finalized: false,
      blob: `${CACHE_CONTAINER}/${id}/cache.tzst`
    }
    this.entries.set(this.id(key, version), entry)
    this.save()
    return {
      ok: true,
      signed_upload_url: this.server.blobUrl(CACHE_CONTAINER, `${id}/cache.tzst`, 'cw')
    }
  }

  private finalize(body: Record<string, unknown>): Record<string, unknown> {
    const key = stringField(body, 'key')
    const version = stringField(body, 'version')
    const sizeBytes = int64Field(body, 'size_bytes')
    const entry = this.entries.get(this.id(key, version))
    if (!entry) return { ok: false, entry_id: '0', message: `no cache reservation for key '${key}'` }
    if (entry.finalized) return { ok: false, entry_id: '0', message: `cache entry '${key}' is already finalized` }
    const blob = this.server.blobs.get(entry.blob)
    if (!blob) return { ok: false, entry_id: '0', message: `no upload found for cache entry '${key}'` }
    if (blob.size !== sizeBytes) {
      return { ok: false, entry_id: '0', message: `uploaded ${blob.size} bytes but size_bytes says ${sizeBytes}` }
    }
    if (this.options.maxEntryBytes !== undefined && blob.size > this.options.maxEntryBytes) {
      this.entries.delete(this.id(key, version))
      this.server.blobs.delete(entry.blob)
      this.save()
      return { ok: false, entry_id: '0', message: `cache entry of ${blob.size} bytes exceeds the size limit` }
    }
    entry.size = blob.size
    entry.declaredSize = sizeBytes
    entry.finalized = true
    entry.finalizedAt = new Date().toISOString()
    this.save()
    return { ok: true, entry_id: String(entry.id) }
  }

  /** The entry GitHub would restore for these keys, or undefined. */
  match(key: string, restoreKeys: string[], version: string): CacheEntry | undefined {
    const candidates = [...this.entries.values()].filter(e => e.finalized && e.version === version)
    const newestFirst = (a: CacheEntry, b: CacheEntry): number =>
      Date.parse(b.finalizedAt ?? b.createdAt) - Date.parse(a.finalizedAt ?? a.createdAt) || b.id - a.id
    const exact = candidates.find(e => e.key === key)
    if (exact) return exact
    for (const rk of restoreKeys) {
      const hit =
        candidates.find(e => e.key === rk) ?? candidates.filter(e => e.key.startsWith(rk)).sort(newestFirst)[0]
      if (hit) return hit
    }
    return undefined
  }

  private lookup(body: Record<string, unknown>): Record<string, unknown> {
    const key = stringField(body, 'key')
    const version = stringField(body, 'version')
    const restoreKeys = stringArrayField(body, 'restore_keys')
    const hit = this.match(key, restoreKeys, version)
    if (!hit) return { ok: false, signed_download_url: '', matched_key: '' }
    hit.lastAccessedAt = new Date().toISOString()
    this.save()
    const name = hit.blob.slice(CACHE_CONTAINER.length + 1)
    return { ok: true, signed_download_url: this.server.blobUrl(CACHE_CONTAINER, name, 'r'), matched_key: hit.key }
  }
}

export interface CacheService {
  /** base URL (`ACTIONS_RESULTS_URL`) */
  readonly url: string
  /** env vars a process needs to use this service with @actions/cache */
  readonly env: Record<string, string>
  /** snapshot of all entries (finalized and reserved) */
  readonly entries: CacheEntry[]
  /** log of every HTTP request the server saw (Twirp and blob) */
  readonly requests: RequestLogEntry[]
  readonly server: ResultsServer
  readonly state: CacheServiceState
  /** the archive bytes of an entry */
  read(entry: Pick<CacheEntry, 'blob'>): Buffer
  /** inject a fault (see FaultRule); endpoints: the CacheMethod names or blob ops such as `PutBlob`, `GetBlob` */
  fail(rule: FaultRule): FaultHandle
  clearFaults(): void
  /** toggle the "cache storage full" behaviour of CreateCacheEntry */
  setFull(full: boolean): void
  close(): Promise<void>
}

export function cacheServiceView(server: ResultsServer, state: CacheServiceState): CacheService {
  return {
    get url() {
      return server.url
    },
    get env() {
      return server.env
    },
    get entries() {
      return state.list()
    },
    requests: server.requests,
    server,
    state,
    read: entry => state.read(entry),
    fail: rule => server.fail(rule),
    clearFaults: () => server.clearFaults(),
    setFull: full => {
      state.full = full
    },
    close: () => server.close()
  }
}

/** Start a dedicated server hosting only the cache service. */
export async function startCacheService(options: CacheServiceOptions & ServerOptions = {}): Promise<CacheService> {
  const server = await ResultsServer.start(options)
  const state = new CacheServiceState(server, options)
  server.register(state.definition())
  return cacheServiceView(server, state)
}
