/**
 * Fake GitHub Actions artifact service v4 (`github.actions.results.api.v1.ArtifactService`, Twirp JSON) as used
 * by @actions/artifact 6.x (`DefaultArtifactClient`):
 *
 * - CreateArtifact {workflow_run_backend_id, workflow_job_run_backend_id, name, expires_at?, version, mime_type}
 *     -> {ok, signed_upload_url}     (the client streams a zip with BlockBlobClient.uploadStream: Put Block + Put Block List)
 * - FinalizeArtifact {..., name, size, hash: "sha256:<hex>"} -> {ok, artifact_id}
 * - ListArtifacts {..., name_filter?, id_filter?} -> {artifacts: [{workflow_run_backend_id, workflow_job_run_backend_id,
 *     database_id, name, size, created_at, digest}]}
 * - GetSignedArtifactURL {..., name} -> {signed_url}   (the client GETs it with @actions/http-client and unzips)
 * - DeleteArtifact {..., name} -> {ok, artifact_id}
 *
 * Like GitHub, names are unique per workflow run: creating a name that already has a finalized artifact in the
 * run answers 409 `already_exists`; an unfinalized one is replaced.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  ResultsServer,
  type FaultHandle,
  type FaultRule,
  type RequestLogEntry,
  type ServerOptions
} from './results-server.js'
import { field, int64Field, optionalStringField, stringField, TwirpError, type TwirpServiceDef } from './twirp.js'

export const ARTIFACT_SERVICE = 'github.actions.results.api.v1.ArtifactService'
export const ARTIFACT_CONTAINER = 'actions-results'

export type ArtifactMethod =
  'CreateArtifact' | 'FinalizeArtifact' | 'ListArtifacts' | 'GetSignedArtifactURL' | 'DeleteArtifact'

export interface ArtifactRecord {
  id: number
  name: string
  workflowRunBackendId: string
  workflowJobRunBackendId: string
  /** size declared in FinalizeArtifact */
  size: number
  /** `sha256:<hex>` declared in FinalizeArtifact */
  digest?: string
  mimeType?: string
  /** protocol version sent by the client (7 for @actions/artifact 6.x) */
  version?: number
  createdAt: string
  expiresAt?: string
  finalized: boolean
  /** blob key `<container>/<name>` */
  blob: string
}

export interface StoredArtifact extends ArtifactRecord {
  /** the raw uploaded blob (a zip unless uploaded with skipArchive) */
  bytes(): Buffer
  /** sha256 hex of the stored blob */
  sha256(): string
  /** names of the zip entries (`unzip -Z1`) */
  entries(): string[]
  /** contents of one zip entry (`unzip -p`) */
  readEntry(name: string): Buffer
  /** extract the whole zip into dir (created if needed); returns dir */
  extract(dir?: string): string
}

function unzipTool(): string {
  return 'unzip'
}

export class ArtifactServiceState {
  private readonly records = new Map<number, ArtifactRecord>()
  private nextId = 1
  private readonly file: string

  constructor(private readonly server: ResultsServer) {
    this.file = path.join(server.stateDir, 'artifacts.json')
    if (fs.existsSync(this.file)) {
      const saved = JSON.parse(fs.readFileSync(this.file, 'utf8')) as { nextId: number; artifacts: ArtifactRecord[] }
      this.nextId = saved.nextId
      for (const a of saved.artifacts) this.records.set(a.id, a)
    }
  }

  private save(): void {
    fs.writeFileSync(this.file, JSON.stringify({ nextId: this.nextId, artifacts: [...this.records.values()] }, null, 1))
  }

  list(): StoredArtifact[] {
    return [...this.records.values()].map(r => this.view(r))
  }

  private view(r: ArtifactRecord): StoredArtifact {
    const blobs = this.server.blobs
    const file = (): string => {
      const b = blobs.get(r.blob)
      if (!b) throw new Error(`artifact ${r.name} has no uploaded blob`)
      return b.file
    }
    return {
      ...r,
      bytes: () => blobs.read(r.blob),
      sha256: () => blobs.sha256(r.blob),
      entries: () =>
        execFileSync(unzipTool(), ['-Z1', file()], { encoding: 'utf8' })
          .split('\n')
          .filter(l => l !== ''),
      readEntry: name => execFileSync(unzipTool(), ['-p', file(), name], { maxBuffer: 1 << 30 }),
      extract: dir => {
        const target = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'artifact-extract-'))
        fs.mkdirSync(target, { recursive: true })
        execFileSync(unzipTool(), ['-o', '-q', file(), '-d', target])
        return target
      }
    }
  }

  definition(): TwirpServiceDef {
    return {
      service: ARTIFACT_SERVICE,
      methods: {
        CreateArtifact: body => this.create(body),
        FinalizeArtifact: body => this.finalize(body),
        ListArtifacts: body => this.listArtifacts(body),
        GetSignedArtifactURL: body => this.signedUrl(body),
        DeleteArtifact: body => this.delete(body)
      }
    }
  }

  private ids(body: Record<string, unknown>): { run: string; job: string } {
    const run = stringField(body, 'workflow_run_backend_id')
    const job = stringField(body, 'workflow_job_run_backend_id')
    if (!run || !job) throw new TwirpError('invalid_argument', 'workflow run and job backend ids are required')
    if (run !== this.server.runBackendId) {
      throw new TwirpError('permission_denied', `token is not valid for workflow run ${run}`)
    }
    return { run, job }
  }

  private findByName(run: string, name: string, finalized?: boolean): ArtifactRecord | undefined {
    return [...this.records.values()]
      .filter(
        r => r.workflowRunBackendId === run && r.name === name && (finalized === undefined || r.finalized === finalized)
      )
      .sort((a, b) => b.id - a.id)[0]
  }

  private create(body: Record<string, unknown>): Record<string, unknown> {
    const { run, job } = this.ids(body)
    const name = stringField(body, 'name')
    if (!name) throw new TwirpError('invalid_argument', 'name is required')
    if (this.findByName(run, name, true)) {
      throw new TwirpError('already_exists', 'an artifact with this name already exists on the workflow run')
    }
    const pending = this.findByName(run, name, false)
    if (pending) {
      this.records.delete(pending.id)
      this.server.blobs.delete(pending.blob)
    }
    const version = Number(field(body, 'version') ?? 0)
    const mimeType = optionalStringField(body, 'mime_type')
    const expiresAt = optionalStringField(body, 'expires_at')
    const id = this.nextId++
    // a name-independent, URL-safe blob name; `.zip` lets the downloader recognise a zip even without Content-Type
    const blobName = `${run}/${job}/${id}/${mimeType === undefined || mimeType === 'application/zip' ? 'artifact.zip' : 'artifact'}`
    const record: ArtifactRecord = {
      id,
      name,
      workflowRunBackendId: run,
      workflowJobRunBackendId: job,
      size: 0,
      mimeType,
      version,
      createdAt: new Date().toISOString(),
      expiresAt,
      finalized: false,
      blob: `${ARTIFACT_CONTAINER}/${blobName}`
    }
    this.records.set(id, record)
    this.save()
    return { ok: true, signed_upload_url: this.server.blobUrl(ARTIFACT_CONTAINER, blobName, 'cw') }
  }

  private finalize(body: Record<string, unknown>): Record<string, unknown> {
    const { run } = this.ids(body)
    const name = stringField(body, 'name')
    const size = int64Field(body, 'size')
    const hash = optionalStringField(body, 'hash')
    const record = this.findByName(run, name, false)
    if (!record) throw new TwirpError('not_found', `no pending artifact named '${name}'`)
    const blob = this.server.blobs.get(record.blob)
    if (!blob) return { ok: false, artifact_id: '0' }
    if (blob.size !== size) return { ok: false, artifact_id: '0' }
    const actual = `sha256:${this.server.blobs.sha256(record.blob)}`
    if (hash && hash !== actual) return { ok: false, artifact_id: '0' }
    record.size = size
    record.digest = hash ?? actual
    record.finalized = true
    this.save()
    return { ok: true, artifact_id: String(record.id) }
  }

  private listArtifacts(body: Record<string, unknown>): Record<string, unknown> {
    const { run } = this.ids(body)
    const nameFilter = optionalStringField(body, 'name_filter')
    const idFilter = optionalStringField(body, 'id_filter')
    const artifacts = [...this.records.values()]
      .filter(r => r.finalized && r.workflowRunBackendId === run)
      .filter(r => nameFilter === undefined || r.name === nameFilter)
      .filter(r => idFilter === undefined || String(r.id) === idFilter)
      .sort((a, b) => a.id - b.id)
      .map(r => ({
        workflow_run_backend_id: r.workflowRunBackendId,
        workflow_job_run_backend_id: r.workflowJobRunBackendId,
        database_id: String(r.id),
        name: r.name,
        size: String(r.size),
        created_at: r.createdAt,
        ...(r.digest ? { digest: r.digest } : {})
      }))
    return { artifacts }
  }

  private signedUrl(body: Record<string, unknown>): Record<string, unknown> {
    const { run } = this.ids(body)
    const name = stringField(body, 'name')
    const record = this.findByName(run, name, true)
    if (!record) throw new TwirpError('not_found', `artifact '${name}' not found`)
    // rscd = SAS "response Content-Disposition" override, as GitHub's download URLs carry the file name
    const rscd = `attachment; filename="${record.name.replace(/[^\x20-\x7e]|"/g, '_')}"; filename*=UTF-8''${encodeURIComponent(record.name)}`
    const blobName = record.blob.slice(ARTIFACT_CONTAINER.length + 1)
    return { signed_url: this.server.blobUrl(ARTIFACT_CONTAINER, blobName, 'r', { rscd }) }
  }

  private delete(body: Record<string, unknown>): Record<string, unknown> {
    const { run } = this.ids(body)
    const name = stringField(body, 'name')
    const record = this.findByName(run, name, true)
    if (!record) throw new TwirpError('not_found', `artifact '${name}' not found`)
    this.records.delete(record.id)
    this.server.blobs.delete(record.blob)
    this.save()
    return { ok: true, artifact_id: String(record.id) }
  }
}

export interface ArtifactService {
  readonly url: string
  readonly env: Record<string, string>
  /** snapshot of all artifacts (finalized and pending), with helpers to read the stored zip */
  readonly artifacts: StoredArtifact[]
  readonly requests: RequestLogEntry[]
  readonly server: ResultsServer
  readonly state: ArtifactServiceState
  /** the newest finalized artifact with this name */
  get(name: string): StoredArtifact | undefined
  fail(rule: FaultRule): FaultHandle
  clearFaults(): void
  close(): Promise<void>
}

export function artifactServiceView(server: ResultsServer, state: ArtifactServiceState): ArtifactService {
  return {
    get url() {
      return server.url
    },
    get env() {
      return server.env
    },
    get artifacts() {
      return state.list()
    },
    requests: server.requests,
    server,
    state,
    get: name =>
      state
        .list()
        .filter(a => a.finalized && a.name === name)
        .sort((a, b) => b.id - a.id)[0],
    fail: rule => server.fail(rule),
    clearFaults: () => server.clearFaults(),
    close: () => server.close()
  }
}

/** Start a dedicated server hosting only the artifact service. */
export async function startArtifactService(options: ServerOptions = {}): Promise<ArtifactService> {
  const server = await ResultsServer.start(options)
  const state = new ArtifactServiceState(server)
  server.register(state.definition())
  return artifactServiceView(server, state)
}

/** sha256 hex of a file, handy for comparing downloads. */
export function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex')
}
