/**
 * The mirror check against real servers on 127.0.0.1: a token service and an OCI registry in Node speaking the
 * distribution protocol (Bearer challenges, tokens signed with a test key, Basic-only and silent variants), TLS with a
 * CA made by openssl in the test, plain HTTPS build caches, and local directories. Each broken case is made to happen
 * and must be found with its cause and fix.
 */
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import {
  checkBuildcacheMirrors,
  checkMirrors,
  MirrorCheckError,
  mirrorsToCheck,
  probeMirror,
  type MirrorCheck
} from '../../src/spack/mirror-check.js'
import { ociReference, parseChallenges } from '../../src/spack/mirror-check-oci.js'
import { startFakeRegistry, type FakeRegistry } from '../helpers/fake-oci-registry.js'
import { hasOpenssl, makeTlsMaterial, type TlsMaterial } from '../helpers/tls-material.js'
import { startTokenService, type TokenService } from '../helpers/token-service.js'

const SERVICE = 'registry.test'
const USERS = {
  pusher: { password: 'push-secret', actions: ['pull', 'push'] },
  reader: { password: 'read-secret', actions: ['pull'] }
}
const pusher = { username: 'pusher', password: 'push-secret' }
const reader = { username: 'reader', password: 'read-secret' }

function made(dir: string): string {
  mkdirSync(dir, { recursive: true })
  return dir
}

const describeTls = hasOpenssl() ? describe : describe.skip
if (!hasOpenssl()) process.stderr.write('[mirror check] skipped: the openssl command line is not installed\n')

describe('pure parts', () => {
  test("oci:// references as Spack's ImageReference reads them", () => {
    expect(ociReference('oci://ghcr.io/My-Org/slurm-cache')).toEqual({ host: 'ghcr.io', name: 'my-org/slurm-cache' })
    expect(ociReference('oci://127.0.0.1:5000/cache/slurm:v1')).toEqual({ host: '127.0.0.1:5000', name: 'cache/slurm' })
    expect(ociReference('oci://localhost/x')).toEqual({ host: 'localhost', name: 'x' })
    expect(ociReference('oci://org/cache')).toEqual({ host: 'index.docker.io', name: 'org/cache' })
    expect(ociReference('oci://ubuntu')).toEqual({ host: 'index.docker.io', name: 'library/ubuntu' })
  })

  test('WWW-Authenticate challenges', () => {
    expect(
      parseChallenges('Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:o/c:pull"')
    ).toEqual([
      { scheme: 'Bearer', params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:o/c:pull' } }
    ])
    expect(parseChallenges('Basic realm="basic-realm", Bearer realm="https://t/x",service=s,scope="a:b:c"')).toEqual([
      { scheme: 'Basic', params: { realm: 'basic-realm' } },
      { scheme: 'Bearer', params: { realm: 'https://t/x', service: 's', scope: 'a:b:c' } }
    ])
  })

  test('the mirrors of a request, named as spack.yaml names them', () => {
    expect(
      mirrorsToCheck({
        mirrors: ['oci://ghcr.io/o/a', 'https://b.example/c'],
        push: 'oci://ghcr.io/o/a',
        unsigned: true
      })
    ).toEqual([
      { name: 'remote-1', url: 'oci://ghcr.io/o/a', push: false },
      { name: 'remote-2', url: 'https://b.example/c', push: false },
      { name: 'slurm-factory-push', url: 'oci://ghcr.io/o/a', push: true }
    ])
  })
})

describeTls('OCI registries', () => {
  let dir: string
  let tls: TlsMaterial
  let otherCa: TlsMaterial
  let tokens: TokenService
  let registry: FakeRegistry
  let basicOnly: FakeRegistry
  let silent: FakeRegistry
  let plain: FakeRegistry
  let insecureRealm: FakeRegistry
  let oddTokens: Server
  let oddRegistry: FakeRegistry
  const trusted = (): Record<string, string> => ({ SSL_CERT_FILE: tls.caFile })
  const oci = (host: string, name = 'cache/slurm', push = false) => ({
    name: push ? 'slurm-factory-push' : 'remote-1',
    url: `oci://${host}/${name}`,
    push
  })

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'mirror-check-'))
    tls = makeTlsMaterial(made(path.join(dir, 'tls')))
    otherCa = makeTlsMaterial(made(path.join(dir, 'other')), 'another')
    tokens = await startTokenService({ tls, service: SERVICE, issuer: 'token.test', users: USERS, anonymousPull: true })
    const token = { tls, auth: 'token' as const, realm: tokens.realm, service: SERVICE }
    registry = await startFakeRegistry(token)
    registry.addManifest('cache/slurm', 'index.spack')
    basicOnly = await startFakeRegistry({ tls, auth: 'basic' })
    silent = await startFakeRegistry({ tls, auth: 'silent' })
    plain = await startFakeRegistry({ ...token, plain: true })
    insecureRealm = await startFakeRegistry({ ...token, realm: 'http://127.0.0.1:9/token' })
    // A token service that answers OAuth2's `access_token` only: Spack reads `token`.
    oddTokens = createServer({ cert: tls.serverCert, key: tls.serverKey }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ access_token: 'abc' }))
    })
    await new Promise<void>(resolve => oddTokens.listen(0, '127.0.0.1', () => resolve()))
    const oddPort = (oddTokens.address() as AddressInfo).port
    oddRegistry = await startFakeRegistry({ ...token, realm: `https://127.0.0.1:${oddPort}/token` })
  })

  afterAll(async () => {
    for (const server of [registry, basicOnly, silent, plain, insecureRealm, oddRegistry]) await server?.close()
    oddTokens?.closeAllConnections()
    await new Promise<void>(resolve => (oddTokens ? oddTokens.close(() => resolve()) : resolve()))
    await tokens?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  test('anonymous read of a public cache with the CA trusted through SSL_CERT_FILE: ok', async () => {
    const check = await probeMirror(oci(registry.host), { env: trusted() })
    expect(check).toMatchObject({ ok: true, name: 'remote-1' })
    expect(check.note).toBeUndefined()
    const asked = tokens.requests.at(-1)
    expect(asked).toMatchObject({
      user: '',
      scope: 'repository:cache/slurm:pull',
      clientId: 'spack',
      granted: ['pull']
    })
  })

  test('a repository with nothing pushed yet is readable, and says so', async () => {
    const check = await probeMirror(oci(registry.host, 'cache/empty'), { env: trusted(), credentials: reader })
    expect(check).toMatchObject({ ok: true, note: 'no build cache index yet (nothing pushed)' })
    expect(tokens.requests.at(-1)).toMatchObject({ user: 'reader', granted: ['pull'] })
  })

  test('an untrusted CA: the cause names the certificates trusted, the fix SSL_CERT_FILE', async () => {
    const system = await probeMirror(oci(registry.host), { env: {} })
    expect(system).toMatchObject({ ok: false, problem: 'tls-untrusted' })
    expect(system.cause).toContain("(the system's certificates)")
    expect(system.cause).toContain('SELF_SIGNED_CERT_IN_CHAIN')
    expect(system.fix).toContain('SSL_CERT_FILE')
    // SSL_CERT_FILE set, to another CA: Spack then trusts that file alone, and so does the check.
    const other = await probeMirror(oci(registry.host), { env: { SSL_CERT_FILE: otherCa.caFile } })
    expect(other).toMatchObject({ ok: false, problem: 'tls-untrusted' })
    expect(other.cause).toContain(`SSL_CERT_FILE=${otherCa.caFile}`)
  })

  test('a registry that only offers HTTP Basic: Spack only speaks Bearer', async () => {
    const check = await probeMirror(oci(basicOnly.host), { env: trusted(), credentials: pusher })
    expect(check).toMatchObject({ ok: false, problem: 'basic-only' })
    expect(check.cause).toContain('WWW-Authenticate: Basic realm="basic-realm"')
    expect(check.cause).toContain('unsupported authentication scheme: Basic')
    expect(check.fix).toContain('Bearer tokens')
  })

  test('wrong credentials are refused by the token service', async () => {
    const check = await probeMirror(oci(registry.host), {
      env: trusted(),
      credentials: { username: 'pusher', password: 'wrong' }
    })
    expect(check).toMatchObject({ ok: false, problem: 'credentials-refused' })
    expect(check.cause).toContain('answered 403 (DENIED: denied)')
    expect(check.cause).not.toContain('wrong')
    expect(check.fix).toContain('oci-password')
    expect(tokens.requests.at(-1)).toMatchObject({ user: 'pusher', status: 403 })
  })

  test('a private cache read anonymously: the registry refuses the anonymous token', async () => {
    tokens.setAnonymousPull(false)
    try {
      const check = await probeMirror(oci(registry.host), { env: trusted() })
      expect(check).toMatchObject({ ok: false, problem: 'anonymous-refused' })
      expect(check.cause).toContain('401 with the token (UNAUTHORIZED')
      expect(check.fix).toContain('give oci-username and oci-password')
    } finally {
      tokens.setAnonymousPull(true)
    }
  })

  test('the push target: an upload is started and cancelled with push rights, refused without', async () => {
    const before = registry.requests.length
    const ok = await probeMirror(oci(registry.host, 'cache/new', true), { env: trusted(), credentials: pusher })
    expect(ok).toMatchObject({ ok: true, push: true })
    const made = registry.requests.slice(before)
    expect(made.filter(r => r === 'POST /v2/cache/new/blobs/uploads/')).toHaveLength(2) // 401, then with the token
    expect(made.some(r => /^DELETE \/v2\/cache\/new\/blobs\/uploads\/[0-9a-f-]{36}$/.test(r))).toBe(true)

    const readOnly = await probeMirror(oci(registry.host, 'cache/new', true), { env: trusted(), credentials: reader })
    expect(readOnly).toMatchObject({ ok: false, problem: 'push-denied' })
    expect(readOnly.fix).toContain('packages: write')
    const anonymous = await probeMirror(oci(registry.host, 'cache/new', true), { env: trusted() })
    expect(anonymous).toMatchObject({ ok: false, problem: 'push-denied' })
    expect(anonymous.fix).toContain('give oci-username and oci-password')
  })

  test('plain HTTP, no challenge, a token realm on http://, a token answer without `token`, nobody listening', async () => {
    const checks = await checkMirrors(
      [oci(plain.host), oci(silent.host), oci(insecureRealm.host), oci(oddRegistry.host), oci('127.0.0.1:9')],
      { env: trusted(), credentials: pusher, timeoutMs: 5000 }
    )
    expect(checks.map(c => c.problem)).toEqual([
      'plain-http',
      'no-challenge',
      'insecure-realm',
      'bad-token-response',
      'unreachable'
    ])
    expect(checks[3]?.cause).toContain('"access_token":"abc"')
    expect(checks.every(c => !c.ok && c.cause && c.fix)).toBe(true)
  })

  test('the phase: a read mirror that fails is a warning naming it, the cause and the fix; a push target an error', async () => {
    const written: string[] = []
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk))
      return true
    })
    const env = { SSL_CERT_FILE: otherCa.caFile }
    let error: unknown
    let checks: MirrorCheck[] | undefined
    try {
      checks = await checkBuildcacheMirrors(
        { mirrors: [`oci://${basicOnly.host}/cache/slurm`], unsigned: true, ociUsername: 'pusher', ociPassword: 'x' },
        { env: trusted() }
      )
      await checkBuildcacheMirrors(
        { mirrors: [], push: `oci://${registry.host}/cache/slurm`, unsigned: true },
        { env }
      ).catch((e: unknown) => {
        error = e
      })
    } finally {
      spy.mockRestore()
    }
    expect(checks?.[0]).toMatchObject({ ok: false, problem: 'basic-only' })
    const warning = written.find(line => line.startsWith('::warning'))
    // Annotation properties are escaped (`:` as %3A); the message is not.
    expect(warning).toContain(
      `title=Build cache oci%3A//${basicOnly.host.replace(':', '%3A')}/cache/slurm can't be read::`
    )
    expect(warning).toContain(`oci://${basicOnly.host}/cache/slurm (a buildcache-mirrors entry, remote-1)`)
    expect(warning).toContain('Fix: use a registry that issues Bearer tokens')
    expect(error).toBeInstanceOf(MirrorCheckError)
    expect((error as Error).message).toContain(`oci://${registry.host}/cache/slurm (the buildcache-push target`)
    expect((error as Error).message).toContain('Fix: trust the CA')
    expect(written.join('')).not.toContain('push-secret')
  })
})

describeTls('https://, file:// and other mirrors', () => {
  let dir: string
  let tls: TlsMaterial
  let server: Server
  let base: string
  const files = new Map<string, string>()

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'mirror-check-url-'))
    tls = makeTlsMaterial(made(path.join(dir, 'tls')))
    files.set('/v3cache/v3/manifests/index/index.manifest.json', '{}')
    files.set('/v2cache/build_cache/index.json', '{}')
    server = createServer({ cert: tls.serverCert, key: tls.serverKey }, (req, res) => {
      const url = new URL(req.url ?? '/', 'https://127.0.0.1')
      if (url.pathname.startsWith('/private/')) res.writeHead(401, { 'www-authenticate': 'Basic realm="cache"' }).end()
      else if (files.has(url.pathname)) res.writeHead(200).end(files.get(url.pathname))
      else res.writeHead(404).end()
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()))
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
  })

  afterAll(async () => {
    server.closeAllConnections()
    await new Promise<void>(resolve => server.close(() => resolve()))
    rmSync(dir, { recursive: true, force: true })
  })

  test('https:// caches: index found (v3, v2), none yet, credentials wanted, untrusted, and no push', async () => {
    const read = (url: string) => ({ name: 'remote-1', url, push: false })
    const env = { SSL_CERT_FILE: tls.caFile }
    const [v3, v2, empty, secret] = await checkMirrors(
      [read(`${base}/v3cache/`), read(`${base}/v2cache`), read(`${base}/empty`), read(`${base}/private/c`)],
      { env }
    )
    expect(v3).toEqual({ ...read(`${base}/v3cache/`), ok: true })
    expect(v2).toMatchObject({ ok: true, note: expect.stringContaining('v2 layout') })
    expect(empty).toMatchObject({ ok: true, note: expect.stringContaining('no build cache index yet') })
    expect(secret).toMatchObject({ ok: false, problem: 'auth-required' })
    expect(secret?.fix).toContain('oci:// mirrors only')
    expect(await probeMirror(read(`${base}/v3cache`), { env: {} })).toMatchObject({ problem: 'tls-untrusted' })
    const push = await probeMirror({ name: 'slurm-factory-push', url: `${base}/v3cache`, push: true }, { env })
    expect(push).toMatchObject({ ok: false, problem: 'push-unsupported' })
  })

  test('file:// directories, and schemes left to Spack', async () => {
    const mirror = path.join(dir, 'local')
    mkdirSync(mirror)
    writeFileSync(path.join(dir, 'a-file'), '')
    const checks = await checkMirrors([
      { name: 'remote-1', url: `file://${mirror}`, push: false },
      { name: 'remote-2', url: `file://${path.join(dir, 'missing')}`, push: false },
      { name: 'remote-3', url: `file://${path.join(dir, 'a-file')}`, push: false },
      { name: 'slurm-factory-push', url: `file://${path.join(dir, 'new', 'mirror')}`, push: true },
      { name: 'remote-4', url: 's3://bucket/cache', push: false }
    ])
    expect(checks.map(c => [c.ok, c.problem ?? c.note ?? ''])).toEqual([
      [true, ''],
      [true, `${path.join(dir, 'missing')} does not exist yet: nothing to read`],
      [false, 'not-readable'],
      [true, ''],
      [true, 's3:// mirrors are not checked before the build']
    ])
    expect(checks[4]?.skipped).toBe(true)
  })
})
