/**
 * The fake results services (cache v2, artifacts v4, Azure-like blob store) driven by the REAL
 * @actions/cache and @actions/artifact packages over HTTP on 127.0.0.1.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, jest, test } from '@jest/globals'
import * as cache from '@actions/cache'
import { DefaultArtifactClient } from '@actions/artifact'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { createInterface } from 'node:readline'
import {
  applyEnv,
  decodeJwtPayload,
  scaleTimers,
  sha256File,
  startArtifactService,
  startCacheService,
  startServices,
  type ArtifactService,
  type CacheService
} from './services/index.js'

jest.setTimeout(30_000)

/** Capture what @actions/core prints (it writes workflow commands straight to process.stdout). */
function captureCore(): {
  lines: string[]
  warnings(): string[]
  errors(): string[]
  infos(): string[]
  restore(): void
} {
  const lines: string[] = []
  const original = process.stdout.write.bind(process.stdout)
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(
      ...String(chunk)
        .split(os.EOL)
        .filter(l => l !== '')
    )
    return true
  }) as typeof process.stdout.write
  const decode = (l: string): string => l.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%')
  return {
    lines,
    warnings: () => lines.filter(l => l.startsWith('::warning')).map(l => decode(l.replace(/^::warning[^:]*::/, ''))),
    errors: () => lines.filter(l => l.startsWith('::error')).map(l => decode(l.replace(/^::error[^:]*::/, ''))),
    infos: () => lines.filter(l => !l.startsWith('::')),
    restore: () => {
      process.stdout.write = original
    }
  }
}

function writeTree(root: string, seed: string): Record<string, Buffer> {
  const files: Record<string, Buffer> = {
    'bin/slurmd': Buffer.concat([Buffer.from(`#!/bin/sh\necho ${seed}\n`), randomBytes(64 * 1024)]),
    'lib/libslurm.so.42': randomBytes(300 * 1024),
    'share/doc/README': Buffer.from(`readme ${seed}\n`),
    'empty-file': Buffer.alloc(0)
  }
  for (const [rel, data] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true })
    fs.writeFileSync(path.join(root, rel), data)
  }
  fs.chmodSync(path.join(root, 'bin/slurmd'), 0o755)
  fs.symlinkSync('libslurm.so.42', path.join(root, 'lib/libslurm.so'))
  return files
}

function expectTree(root: string, files: Record<string, Buffer>): void {
  for (const [rel, data] of Object.entries(files)) {
    expect(fs.readFileSync(path.join(root, rel)).equals(data)).toBe(true)
  }
  expect(fs.statSync(path.join(root, 'bin/slurmd')).mode & 0o777).toBe(0o755)
  expect(fs.readlinkSync(path.join(root, 'lib/libslurm.so'))).toBe('libslurm.so.42')
}

/** A scratch "runner": workspace + temp dirs and the env the toolkit reads. */
const scratchDirs: string[] = []
afterAll(() => {
  for (const d of scratchDirs) fs.rmSync(d, { recursive: true, force: true })
})

function makeRunner(serviceEnv: Record<string, string>): { workspace: string; temp: string; restoreEnv: () => void } {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'svc-test-'))
  scratchDirs.push(base)
  const workspace = path.join(base, 'ws')
  const temp = path.join(base, 'tmp')
  fs.mkdirSync(workspace)
  fs.mkdirSync(temp)
  const restoreEnv = applyEnv({
    ...serviceEnv,
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: temp,
    ACTIONS_CACHE_MODE: undefined,
    ACTIONS_CACHE_URL: undefined,
    SEGMENT_DOWNLOAD_TIMEOUT_MINS: undefined,
    ACTIONS_ARTIFACT_UPLOAD_CONCURRENCY: undefined,
    RUNNER_DEBUG: undefined
  })
  return { workspace, temp, restoreEnv }
}

const FAST_DOWNLOAD: cache.DownloadOptions = { timeoutInMs: 5_000, segmentTimeoutInMs: 10_000 }

describe('cache service + real @actions/cache (plain-http blob URLs)', () => {
  let service: CacheService
  let runner: ReturnType<typeof makeRunner>
  let out: ReturnType<typeof captureCore>
  let n = 0
  const dir = (): string => path.join(runner.workspace, 'opt')

  beforeAll(async () => {
    service = await startCacheService()
    runner = makeRunner(service.env)
  })
  afterAll(async () => {
    runner.restoreEnv()
    await service.close()
  })
  beforeEach(() => {
    n++
    fs.rmSync(dir(), { recursive: true, force: true })
    out = captureCore()
  })
  afterEach(() => {
    out.restore()
    service.clearFaults()
    service.setFull(false)
  })

  test('the env is all the toolkit needs to see the v2 service', () => {
    expect(service.env.ACTIONS_CACHE_SERVICE_V2).toBe('true')
    expect(service.env.ACTIONS_RESULTS_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    expect(cache.isFeatureAvailable()).toBe(true)
  })

  test('saveCache then restoreCache into a cleaned dir gives the same files', async () => {
    const files = writeTree(dir(), 'a')
    const key = `slurm-${n}-linux-x64`
    const id = await cache.saveCache([dir()], key)
    expect(id).toBeGreaterThan(0)
    const entry = service.entries.find(e => e.key === key)
    expect(entry).toMatchObject({ id, finalized: true, key })
    expect(entry?.version).toMatch(/^[0-9a-f]{64}$/)
    // zstd-compressed tar (the toolkit shells out to tar + zstd)
    expect(
      service
        .read(entry!)
        .subarray(0, 4)
        .equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))
    ).toBe(true)
    expect(entry?.size).toBe(service.read(entry!).length)
    const ops = service.requests.map(r => r.op)
    expect(ops).toEqual(expect.arrayContaining(['CreateCacheEntry', 'PutBlob', 'FinalizeCacheEntryUpload']))

    fs.rmSync(dir(), { recursive: true })
    const hit = await cache.restoreCache([dir()], key, [], FAST_DOWNLOAD)
    expect(hit).toBe(key)
    expectTree(dir(), files)
    expect(out.warnings()).toEqual([])
  })

  test('restore-key prefix match returns the newest matching entry; exact key wins; a miss is undefined', async () => {
    writeTree(dir(), 'old')
    const prefix = `spack-${n}-`
    expect(await cache.saveCache([dir()], `${prefix}aaa`)).toBeGreaterThan(0)
    fs.rmSync(dir(), { recursive: true })
    const newer = writeTree(dir(), 'new')
    await new Promise(r => setTimeout(r, 5))
    expect(await cache.saveCache([dir()], `${prefix}bbb`)).toBeGreaterThan(0)

    fs.rmSync(dir(), { recursive: true })
    expect(await cache.restoreCache([dir()], `${prefix}zzz`, [prefix], FAST_DOWNLOAD)).toBe(`${prefix}bbb`)
    expectTree(dir(), newer)
    expect(out.infos()).toContain(`Cache hit for restore-key: ${prefix}bbb`)

    // exact primary key beats a newer prefix match
    expect(await cache.restoreCache([dir()], `${prefix}aaa`, [prefix], { lookupOnly: true })).toBe(`${prefix}aaa`)
    // a restore key that matches exactly is preferred over newer prefix matches
    expect(await cache.restoreCache([dir()], 'nope', [`${prefix}aaa`], { lookupOnly: true })).toBe(`${prefix}aaa`)
    // miss
    expect(await cache.restoreCache([dir()], 'nope', ['also-nope-'])).toBeUndefined()
    // same key but different paths => different version => miss
    expect(await cache.restoreCache([path.join(runner.workspace, 'other')], `${prefix}aaa`, [prefix])).toBeUndefined()
    expect(out.warnings()).toEqual([])
  })

  test('entries are immutable: saving an existing key is a ReserveCacheError, reported as info', async () => {
    writeTree(dir(), 'x')
    const key = `immutable-${n}`
    expect(await cache.saveCache([dir()], key)).toBeGreaterThan(0)
    expect(await cache.saveCache([dir()], key)).toBe(-1)
    expect(out.infos().some(l => l.startsWith(`Failed to save: Unable to reserve cache with key ${key}`))).toBe(true)
    expect(out.warnings()).toEqual([])
    const create = service.requests.filter(r => r.op === 'CreateCacheEntry').pop()
    expect(create?.status).toBe(409)
    expect(service.entries.filter(e => e.key === key)).toHaveLength(1)
  })

  test('an entry is not visible until FinalizeCacheEntryUpload succeeds', async () => {
    writeTree(dir(), 'y')
    const key = `unfinalized-${n}`
    const fault = service.fail({ endpoint: 'FinalizeCacheEntryUpload', status: 400, message: 'nope' })
    expect(await cache.saveCache([dir()], key)).toBe(-1)
    expect(fault.hits).toBe(1)
    expect(out.warnings().join('\n')).toMatch(
      /Failed to save: Failed to FinalizeCacheEntryUpload: Received non-retryable error/
    )
    expect(service.entries.find(e => e.key === key)).toMatchObject({ finalized: false })
    expect(await cache.restoreCache([dir()], key, [], { lookupOnly: true })).toBeUndefined()
  })

  test('cache full: CreateCacheEntry 429 "insufficient usage" => saveCache returns -1 (ReserveCacheError, info only)', async () => {
    writeTree(dir(), 'z')
    service.setFull(true)
    expect(await cache.saveCache([dir()], `full-${n}`)).toBe(-1)
    expect(out.infos().some(l => l.startsWith('Failed to save: Unable to reserve cache'))).toBe(true)
    expect(out.warnings()).toEqual([])
    expect(service.requests.filter(r => r.op === 'CreateCacheEntry').pop()?.status).toBe(429)
  })

  test('CreateCacheEntry ok:false => warning "Cache reservation failed" + ReserveCacheError info', async () => {
    writeTree(dir(), 'z')
    service.fail({ endpoint: 'CreateCacheEntry', reply: { ok: false, message: 'quota exceeded' }, times: 1 })
    expect(await cache.saveCache([dir()], `okfalse-${n}`)).toBe(-1)
    expect(out.warnings()).toEqual(['Cache reservation failed: quota exceeded'])
  })

  test('a 500 once on each Twirp call is retried and the round trip still works', async () => {
    const files = writeTree(dir(), 'r')
    const key = `retry-${n}`
    const faults = ['CreateCacheEntry', 'FinalizeCacheEntryUpload', 'GetCacheEntryDownloadURL'].map(endpoint =>
      service.fail({ endpoint, status: 500, times: 1 })
    )
    const restoreTimers = scaleTimers(100) // the toolkit backs off 3 s before the 2nd attempt
    try {
      expect(await cache.saveCache([dir()], key)).toBeGreaterThan(0)
      fs.rmSync(dir(), { recursive: true })
      expect(await cache.restoreCache([dir()], key, [], FAST_DOWNLOAD)).toBe(key)
    } finally {
      restoreTimers()
    }
    expect(faults.map(f => f.hits)).toEqual([1, 1, 1])
    expectTree(dir(), files)
    expect(out.infos().filter(l => /^Attempt 1 of 5 failed with error: Failed request: \(500\)/.test(l))).toHaveLength(
      3
    )
  })

  test('Twirp 500 every time: restore => undefined + warning, save => -1 + ReserveCacheError info (bounded)', async () => {
    writeTree(dir(), 's')
    const seen = service.requests.length
    service.fail({ endpoint: 'twirp', status: 500 })
    const restoreTimers = scaleTimers(100)
    const started = Date.now()
    try {
      expect(await cache.restoreCache([dir()], `down-${n}`, [], FAST_DOWNLOAD)).toBeUndefined()
      expect(await cache.saveCache([dir()], `down-${n}`)).toBe(-1)
    } finally {
      restoreTimers()
    }
    expect(Date.now() - started).toBeLessThan(10_000)
    const mine = service.requests.slice(seen)
    expect(mine.filter(r => r.op === 'GetCacheEntryDownloadURL' && r.status === 500)).toHaveLength(5)
    expect(mine.filter(r => r.op === 'CreateCacheEntry' && r.status === 500)).toHaveLength(5)
    expect(out.warnings()).toEqual([
      expect.stringMatching(
        /^Failed to restore: Failed to GetCacheEntryDownloadURL: Failed to make request after 5 attempts: Failed request: \(500\)/
      )
    ])
    expect(out.infos()).toContain(
      `Failed to save: Unable to reserve cache with key down-${n}, another job may be creating this cache.`
    )
  })

  test('connection reset on a Twirp call => NetworkError, not retried, turned into a warning', async () => {
    service.fail({ endpoint: 'GetCacheEntryDownloadURL', reset: true })
    expect(await cache.restoreCache([dir()], `reset-${n}`)).toBeUndefined()
    expect(out.warnings()[0]).toMatch(
      /^Failed to restore: Failed to GetCacheEntryDownloadURL: Unable to make request: ECONNRESET/
    )
    expect(service.requests.filter(r => r.op === 'GetCacheEntryDownloadURL' && r.fault === 'reset')).toHaveLength(1)
  })

  test('the toolkit puts no timeout on Twirp calls: a slow lookup just takes as long as the server', async () => {
    writeTree(dir(), 'slow')
    const key = `slow-${n}`
    expect(await cache.saveCache([dir()], key)).toBeGreaterThan(0)
    service.fail({ endpoint: 'GetCacheEntryDownloadURL', delayMs: 1_500, times: 1 })
    const started = Date.now()
    // timeoutInMs / segmentTimeoutInMs only govern the blob download, not the service call
    expect(await cache.restoreCache([dir()], key, [], { ...FAST_DOWNLOAD, timeoutInMs: 100, lookupOnly: true })).toBe(
      key
    )
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400)
  })

  test('blob download failing with 500 => restore warns and returns undefined', async () => {
    writeTree(dir(), 'b')
    const key = `blob500-${n}`
    expect(await cache.saveCache([dir()], key)).toBeGreaterThan(0)
    fs.rmSync(dir(), { recursive: true })
    service.fail({ endpoint: 'GetBlob', status: 500 })
    expect(await cache.restoreCache([dir()], key, [], FAST_DOWNLOAD)).toBeUndefined()
    expect(out.warnings()).toEqual(['Failed to restore: downloadCache failed: Cache service responded with 500'])
    expect(fs.existsSync(dir())).toBe(false)
  })

  test('blob upload failing with 500 => SDK retries; persistent failure => saveCache -1 with warnings', async () => {
    writeTree(dir(), 'u')
    const once = service.fail({ endpoint: 'PutBlob', status: 500, times: 1 })
    expect(await cache.saveCache([dir()], `put-once-${n}`)).toBeGreaterThan(0)
    expect(once.hits).toBe(1)

    service.fail({ endpoint: 'PutBlob', status: 500 })
    const restoreTimers = scaleTimers(100) // SDK retry delays: 0, 4 s, 12 s
    try {
      expect(await cache.saveCache([dir()], `put-always-${n}`)).toBe(-1)
    } finally {
      restoreTimers()
    }
    expect(service.requests.filter(r => r.op === 'PutBlob' && r.fault === 'status 500').length).toBe(5)
    const warnings = out.warnings().join('\n')
    expect(warnings).toMatch(/uploadCacheArchiveSDK: internal error uploading cache archive/)
    expect(warnings).toMatch(/Failed to save:/)
  })
})

describe('cache service + real @actions/cache (Azure-style URLs: SDK ranged/concurrent download)', () => {
  let service: CacheService
  let runner: ReturnType<typeof makeRunner>
  let out: ReturnType<typeof captureCore>
  const dir = (): string => path.join(runner.workspace, 'big')

  beforeAll(async () => {
    service = await startCacheService({ blobUrlStyle: 'azure' })
    runner = makeRunner(service.env)
  })
  afterAll(async () => {
    runner.restoreEnv()
    await service.close()
  })
  beforeEach(() => {
    out = captureCore()
  })
  afterEach(() => {
    out.restore()
    service.clearFaults()
  })

  test('save + restore of a ~9 MB archive uses HEAD + ranged GETs through the proxy', async () => {
    fs.rmSync(dir(), { recursive: true, force: true })
    fs.mkdirSync(dir(), { recursive: true })
    const data = randomBytes(9 * 1024 * 1024) // incompressible => 3 x 4 MiB ranges
    fs.writeFileSync(path.join(dir(), 'blob.bin'), data)
    const key = 'azure-big'
    expect(await cache.saveCache([dir()], key)).toBeGreaterThan(0)
    fs.rmSync(dir(), { recursive: true })
    expect(await cache.restoreCache([dir()], key, [], { ...FAST_DOWNLOAD, downloadConcurrency: 4 })).toBe(key)
    expect(fs.readFileSync(path.join(dir(), 'blob.bin')).equals(data)).toBe(true)
    const blobOps = service.requests.filter(r => r.service === 'blob').map(r => r.op)
    expect(blobOps.filter(o => o === 'GetBlobProperties')).toHaveLength(1)
    expect(blobOps.filter(o => o === 'GetBlob').length).toBeGreaterThanOrEqual(3)
    expect(out.warnings()).toEqual([])
  })

  test('a stalled blob download is abandoned after segmentTimeoutInMs with a warning', async () => {
    fs.rmSync(dir(), { recursive: true, force: true })
    fs.mkdirSync(dir(), { recursive: true })
    fs.writeFileSync(path.join(dir(), 'f'), 'small')
    const key = 'azure-stall'
    expect(await cache.saveCache([dir()], key)).toBeGreaterThan(0)
    fs.rmSync(dir(), { recursive: true })
    service.fail({ endpoint: 'GetBlob', delayMs: 60_000 })
    const started = Date.now()
    const hit = await cache.restoreCache([dir()], key, [], { timeoutInMs: 60_000, segmentTimeoutInMs: 1_000 })
    expect(hit).toBeUndefined()
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(out.warnings()).toEqual([
      'Failed to restore: Aborting cache download as the download time exceeded the timeout.'
    ])
  })
})

describe('artifact service + real @actions/artifact', () => {
  let service: ArtifactService
  let runner: ReturnType<typeof makeRunner>
  let out: ReturnType<typeof captureCore>
  const client = new DefaultArtifactClient()
  let root: string
  let tarball: string

  beforeAll(async () => {
    service = await startArtifactService()
    runner = makeRunner(service.env)
    root = path.join(runner.workspace, 'dist')
    fs.mkdirSync(root, { recursive: true })
    tarball = path.join(root, 'slurm-25.11-x86_64_v3.tar.gz')
    fs.writeFileSync(tarball, randomBytes(3 * 1024 * 1024 + 17))
  })
  afterAll(async () => {
    runner.restoreEnv()
    await service.close()
  })
  beforeEach(() => {
    out = captureCore()
  })
  afterEach(() => {
    out.restore()
    service.clearFaults()
  })

  test('the runtime token carries the Actions.Results scope the client decodes', () => {
    const scp = String(decodeJwtPayload(service.env.ACTIONS_RUNTIME_TOKEN!).scp)
    expect(scp).toContain(`Actions.Results:${service.server.runBackendId}:${service.server.jobBackendId}`)
  })

  test('upload, find, list and download back byte-identical', async () => {
    const up = await client.uploadArtifact('slurm-tarball', [tarball], root, { retentionDays: 3 })
    expect(up.id).toBeGreaterThan(0)
    const stored = service.get('slurm-tarball')!
    expect(stored).toMatchObject({ id: up.id, finalized: true, mimeType: 'application/zip', version: 7 })
    expect(stored.size).toBe(up.size)
    expect(stored.digest).toBe(`sha256:${up.digest}`)
    expect(stored.sha256()).toBe(up.digest)
    expect(Date.parse(stored.expiresAt!) - Date.now()).toBeGreaterThan(2.9 * 86400_000)
    expect(stored.entries()).toEqual([path.basename(tarball)])
    expect(stored.readEntry(path.basename(tarball)).equals(fs.readFileSync(tarball))).toBe(true)
    const extracted = stored.extract(path.join(runner.temp, 'extracted'))
    expect(sha256File(path.join(extracted, path.basename(tarball)))).toBe(sha256File(tarball))
    // the zip stream is uploaded with Put Block + Put Block List
    const ops = service.requests.map(r => r.op)
    expect(ops).toEqual(expect.arrayContaining(['CreateArtifact', 'PutBlock', 'PutBlockList', 'FinalizeArtifact']))

    const { artifact } = await client.getArtifact('slurm-tarball')
    expect(artifact).toMatchObject({ id: up.id, name: 'slurm-tarball', size: up.size, digest: `sha256:${up.digest}` })
    expect(artifact.createdAt).toBeInstanceOf(Date)
    const { artifacts } = await client.listArtifacts()
    expect(artifacts.map(a => a.name)).toContain('slurm-tarball')

    const into = path.join(runner.temp, 'download')
    const down = await client.downloadArtifact(up.id!, { path: into, expectedHash: `sha256:${up.digest}` })
    expect(down).toEqual({ downloadPath: into, digestMismatch: false })
    expect(fs.readFileSync(path.join(into, path.basename(tarball))).equals(fs.readFileSync(tarball))).toBe(true)
  })

  test('a second upload with the same name is rejected (409 already_exists)', async () => {
    await client.uploadArtifact('dup', [tarball], root)
    await expect(client.uploadArtifact('dup', [tarball], root)).rejects.toThrow(
      /Failed to CreateArtifact: Received non-retryable error: Failed request: \(409\) Conflict: an artifact with this name already exists/
    )
  })

  test('CreateArtifact 500 once and a failed Put Block are retried; the upload succeeds', async () => {
    const create = service.fail({ endpoint: 'CreateArtifact', status: 500, times: 1 })
    const block = service.fail({ endpoint: 'PutBlock', status: 500, times: 1 })
    const restoreTimers = scaleTimers(100)
    try {
      const up = await client.uploadArtifact('retried', [tarball], root)
      expect(service.get('retried')?.id).toBe(up.id)
    } finally {
      restoreTimers()
    }
    expect([create.hits, block.hits]).toEqual([1, 1])
    expect(out.infos().some(l => /^Attempt 1 of 5 failed with error: Failed request: \(500\)/.test(l))).toBe(true)
  })

  test('CreateArtifact failing every time => uploadArtifact rejects after 5 attempts', async () => {
    service.fail({ endpoint: 'CreateArtifact', status: 503 })
    const restoreTimers = scaleTimers(100)
    try {
      await expect(client.uploadArtifact('never', [tarball], root)).rejects.toThrow(
        /Failed to CreateArtifact: Failed to make request after 5 attempts: Failed request: \(503\)/
      )
    } finally {
      restoreTimers()
    }
    expect(service.artifacts.find(a => a.name === 'never')).toBeUndefined()
  })

  test('download: a 500 from the blob GET once is retried by downloadArtifact', async () => {
    const up = await client.uploadArtifact('dl-retry', [tarball], root)
    const fault = service.fail({ endpoint: 'GetBlob', status: 500, times: 1 })
    const into = path.join(runner.temp, 'dl-retry')
    const restoreTimers = scaleTimers(100) // 5 s between download attempts
    try {
      await client.downloadArtifact(up.id!, { path: into })
    } finally {
      restoreTimers()
    }
    expect(fault.hits).toBe(1)
    expect(sha256File(path.join(into, path.basename(tarball)))).toBe(sha256File(tarball))
  })

  test('deleteArtifact removes it', async () => {
    await client.uploadArtifact('to-delete', [tarball], root)
    const { id } = await client.deleteArtifact('to-delete')
    expect(id).toBeGreaterThan(0)
    await expect(client.getArtifact('to-delete')).rejects.toThrow(/Artifact not found/)
  })
})

describe('shared server and standalone process', () => {
  test('startServices hosts cache and artifacts behind one ACTIONS_RESULTS_URL', async () => {
    const services = await startServices()
    const runner = makeRunner(services.env)
    const out = captureCore()
    try {
      fs.mkdirSync(path.join(runner.workspace, 'c'))
      fs.writeFileSync(path.join(runner.workspace, 'c', 'f'), 'hello')
      expect(await cache.saveCache([path.join(runner.workspace, 'c')], 'both')).toBeGreaterThan(0)
      const up = await new DefaultArtifactClient().uploadArtifact(
        'both',
        [path.join(runner.workspace, 'c', 'f')],
        runner.workspace
      )
      expect(services.cache?.entries.map(e => e.key)).toEqual(['both'])
      expect(services.artifact?.get('both')?.id).toBe(up.id)
    } finally {
      out.restore()
      runner.restoreEnv()
      await services.close()
    }
  })

  test('serve.ts prints the env as JSON on its first stdout line and keeps state in --state DIR', async () => {
    const state = fs.mkdtempSync(path.join(os.tmpdir(), 'svc-state-'))
    const tsx = path.join(process.cwd(), 'node_modules/.bin/tsx')
    const start = async (): Promise<{ env: Record<string, string>; stop: () => Promise<void> }> => {
      const child = spawn(tsx, ['__tests__/services/serve.ts', '--cache', '--artifact', '--state', state], {
        cwd: process.cwd(),
        stdio: ['ignore', 'pipe', 'inherit']
      })
      const line = await new Promise<string>((resolve, reject) => {
        const rl = createInterface({ input: child.stdout! })
        rl.once('line', resolve)
        child.once('exit', code => reject(new Error(`serve.ts exited with ${code}`)))
      })
      return {
        env: JSON.parse(line) as Record<string, string>,
        stop: () =>
          new Promise<void>(resolve => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve()
            child.once('exit', () => resolve())
            child.kill('SIGTERM')
          })
      }
    }
    const first = await start()
    let second: Awaited<ReturnType<typeof start>> | undefined
    const out = captureCore()
    try {
      expect(Object.keys(first.env).sort()).toEqual([
        'ACTIONS_CACHE_SERVICE_V2',
        'ACTIONS_RESULTS_URL',
        'ACTIONS_RUNTIME_TOKEN',
        'GITHUB_SERVER_URL'
      ])
      const one = makeRunner(first.env)
      const p = path.join(one.workspace, 'p')
      try {
        fs.mkdirSync(p)
        fs.writeFileSync(path.join(p, 'f'), 'persisted')
        expect(await cache.saveCache([p], 'persist')).toBeGreaterThan(0)
      } finally {
        one.restoreEnv()
      }
      await first.stop()
      // a new process on the same state dir still has the entry
      second = await start()
      const two = makeRunner(second.env)
      // same workspace as the save: tar archives paths relative to GITHUB_WORKSPACE
      const restoreWs = applyEnv({ GITHUB_WORKSPACE: path.dirname(p) })
      try {
        fs.rmSync(p, { recursive: true })
        expect(await cache.restoreCache([p], 'persist')).toBe('persist')
        expect(fs.readFileSync(path.join(p, 'f'), 'utf8')).toBe('persisted')
      } finally {
        restoreWs()
        two.restoreEnv()
      }
    } finally {
      out.restore()
      await first.stop()
      await second?.stop()
      fs.rmSync(state, { recursive: true, force: true })
    }
  })
})
