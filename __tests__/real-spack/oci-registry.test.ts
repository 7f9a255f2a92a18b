/**
 * Remote build caches with real Spack (SPACK_ROOT) and a real OCI registry: Debian's docker-registry (distribution
 * 2.8) on 127.0.0.1 over TLS with a CA made in the test, behind a token service that issues Bearer tokens as ghcr.io
 * does (helpers/token-service.ts), plus a registry that only offers HTTP Basic. Skipped, saying why, without SPACK_ROOT
 * or without /usr/bin/docker-registry.
 *
 * Runners are separate machines (helpers/tiny-runner.ts: own Spack user state, GPG keyring and install tree), and the
 * mirrors in their spack.yaml are the ones renderEnvironment renders from the action's inputs. Proven here:
 *   - runner 1 pushes with oci-username/oci-password; a fresh runner with no credentials pulls anonymously, extracting
 *     everything and building nothing, and cache-hit tells it was the registry;
 *   - what the mirror check finds before any build is what Spack then meets: an untrusted CA (Spack compiles,
 *     saying nothing of it), wrong credentials, a token without push, a Basic-only registry, an access_pair without variables;
 *   - signing: Spack v1.0 neither signs nor verifies OCI build caches (the signed push warns and pushes unsigned, the
 *     read extracts under any key); a signed file:// push read back over https:// is verified with buildcache-keys,
 *     and refused under another key.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parse } from 'yaml'
import { SKIP_REASON, SPACK_ROOT } from '../helpers/real-spack.js'
import { REGISTRY_PROGRAM, REGISTRY_SKIP_REASON, startRegistry, type Registry } from '../helpers/oci-registry.js'
import { makeTlsMaterial, type TlsMaterial } from '../helpers/tls-material.js'
import { startTokenService, type TokenService } from '../helpers/token-service.js'
import { makeSigningKey, stopAgent, type SigningKey } from '../helpers/gpg-keys.js'
import { serveDirectory, type StaticServer } from '../helpers/static-https.js'
import {
  copyBuiltinIndex,
  installTiny,
  names,
  runHello,
  tinyRunner,
  writeEnvironment,
  type TinyRunner
} from '../helpers/tiny-runner.js'
import { TINY_NAMESPACE, TINY_PACKAGE, TINY_REPO, writeTinySourceMirror } from '../fixtures/tiny-repo/tiny-env.js'
import { importSigningKey, trustPublicKeys } from '../../src/cache/signing.js'
import { parseInputs, type BuildRequest } from '../../src/inputs.js'
import { binarySources, cacheHitAfterInstall, countByMirror } from '../../src/spack/binary-sources.js'
import { pushArgs } from '../../src/spack/commands.js'
import {
  LOCAL_MIRROR,
  OCI_PASSWORD_VAR,
  OCI_USERNAME_VAR,
  PUSH_MIRROR,
  renderEnvironment
} from '../../src/spack/environment.js'
import { type EnvironmentLayout } from '../../src/work.js'
import { checkBuildcacheMirrors, probeMirror } from '../../src/spack/mirror-check.js'
import { detectedCompilers } from '../../src/spack/prepare.js'
import { probeRequest } from '../../src/spack/mirror-probe.js'

const SLOW = 900_000
const SERVICE = 'registry.test'
const USERS = {
  pusher: { password: 'push-secret', actions: ['pull', 'push'] },
  reader: { password: 'read-secret', actions: ['pull'] }
}

const skip = !SPACK_ROOT ? SKIP_REASON : !existsSync(REGISTRY_PROGRAM) ? REGISTRY_SKIP_REASON : undefined
const describeReal = skip ? describe.skip : describe
if (skip) {
  describe('remote build caches with real Spack and a real OCI registry', () => test.skip(skip, () => undefined))
  process.stderr.write(`[real Spack] remote build caches: ${skip}\n`)
}

describeReal('remote build caches with real Spack and a real OCI registry', () => {
  const root = SPACK_ROOT as string
  // Made in beforeAll: a skipped describe still runs its body, and must leave nothing behind.
  let base = ''
  let sourceMirror = ''
  let tls: TlsMaterial
  let tokens: TokenService
  let registry: Registry
  let basicOnly: Registry
  let signing: SigningKey
  let stranger: SigningKey
  let builder: TinyRunner
  let detected: Record<string, unknown>
  let lock: Buffer
  let built: string[] = []
  const runners: TinyRunner[] = []
  const servers: StaticServer[] = []
  const trusted = (): Record<string, string> => ({ SSL_CERT_FILE: tls.caFile })
  const oci = (name: string, host = registry.host): string => `oci://${host}/${name}`

  /** The action's request and the mirrors spack.yaml gets from it (renderEnvironment), for a runner's layout. */
  function rendered(inputs: Record<string, string>, layout: EnvironmentLayout) {
    const request = parseInputs(name => inputs[name] ?? '', { workspace: base, actionPath: process.cwd(), cpus: 2 })
    const { spack } = renderEnvironment({
      request,
      gccVersion: '12.2.0',
      repoPath: TINY_REPO,
      repoNamespace: TINY_NAMESPACE,
      layout
    }) as { spack: { mirrors: Record<string, Record<string, unknown>> } }
    return { request, mirrors: spack.mirrors }
  }

  /** What main.ts gives Spack for OCI credentials: the two variables, only when both inputs are given. */
  function credentialsEnv(request: BuildRequest): Record<string, string> {
    const { ociUsername, ociPassword } = request.buildcache
    return ociUsername && ociPassword ? { [OCI_USERNAME_VAR]: ociUsername, [OCI_PASSWORD_VAR]: ociPassword } : {}
  }

  /** A fresh runner: the builder's builtin index and detected compiler, the given request's mirrors, the lock. */
  function freshRunner(name: string, inputs: Record<string, string>, env: Record<string, string>, withLock = true) {
    const probe = tinyRunner(root, base, name)
    const { request, mirrors } = rendered(inputs, probe.layout)
    const runner = tinyRunner(root, base, name, { ...env, ...credentialsEnv(request) })
    runners.push(runner)
    copyBuiltinIndex(builder, runner)
    const yaml = writeEnvironment(runner, { sourceMirror, detected, mirrors, ...(withLock ? { lock } : {}) })
    return { runner, request, mirrors, yaml }
  }

  /**
   * Pushes the builder's installed specs with another request's push mirror and credentials: a second environment
   * over the same install tree, with the builder's lock.
   */
  async function pushAs(label: string, inputs: Record<string, string>, env: Record<string, string>) {
    const { request, mirrors } = rendered(inputs, builder.layout)
    const runner = tinyRunner(root, base, builder.name, { ...env, ...credentialsEnv(request) })
    const envDir = path.join(builder.root, `push-${label}`)
    writeEnvironment(runner, { sourceMirror, detected, mirrors, lock }, envDir)
    if (request.buildcache.signingKey)
      await importSigningKey(runner.spack, request.buildcache.signingKey, runner.scratch)
    const result = await runner.spack.run(pushArgs(envDir, PUSH_MIRROR, request.buildcache.unsigned), {
      silent: true,
      allowFailure: true
    })
    return { ...result, text: `${result.stdout}\n${result.stderr}`, request }
  }

  /** The later tests stand on runner 1's build and push. */
  function requireBuilt(): void {
    expect(built).toEqual(['compiler-wrapper', 'gcc-runtime', TINY_PACKAGE])
  }

  beforeAll(async () => {
    base = mkdtempSync(path.join(tmpdir(), 'sfa-registry-'))
    sourceMirror = path.join(base, 'sources')
    mkdirSync(path.join(base, 'tls'))
    tls = makeTlsMaterial(path.join(base, 'tls'))
    tokens = await startTokenService({ tls, service: SERVICE, issuer: 'token.test', users: USERS, anonymousPull: true })
    registry = await startRegistry(path.join(base, 'registry'), tls, {
      kind: 'token',
      realm: tokens.realm,
      service: SERVICE,
      issuer: 'token.test'
    })
    basicOnly = await startRegistry(path.join(base, 'basic-registry'), tls, {
      kind: 'basic',
      users: { pusher: 'push-secret' }
    })
    signing = makeSigningKey(path.join(base, 'keys', 'cache'), 'Slurm build cache test <cache@example.invalid>')
    stranger = makeSigningKey(path.join(base, 'keys', 'stranger'), 'Someone else <else@example.invalid>')
    writeTinySourceMirror(sourceMirror)
    builder = tinyRunner(root, base, 'builder')
    runners.push(builder)
    // The first Spack command of a fresh user cache also indexes the builtin packages (about a minute here).
    await builder.spack.run(['compiler', 'find', '--scope', 'user'], { silent: true })
    detected = detectedCompilers(builder.env.SPACK_USER_CONFIG_PATH as string)
  }, SLOW)

  afterAll(async () => {
    for (const server of servers) await server.close()
    await registry?.close()
    await basicOnly?.close()
    await tokens?.close()
    for (const runner of runners) stopAgent(runner.env.SPACK_GNUPGHOME as string)
    for (const keys of ['cache', 'stranger']) stopAgent(path.join(base, 'keys', keys))
    if (base) rmSync(base, { recursive: true, force: true })
  })

  test(
    'runner 1: the mirror check passes, then it builds hello-tiny and pushes it with oci-username/oci-password',
    async () => {
      const inputs = {
        'buildcache-push': oci('cache/slurm'),
        unsigned: 'true',
        'oci-username': 'pusher',
        'oci-password': 'push-secret'
      }
      const { request, mirrors } = rendered(inputs, builder.layout)
      expect(mirrors[PUSH_MIRROR]?.access_pair).toEqual({
        id_variable: OCI_USERNAME_VAR,
        secret_variable: OCI_PASSWORD_VAR
      })
      const checks = await checkBuildcacheMirrors(request.buildcache, { env: trusted() })
      expect(checks).toEqual([
        expect.objectContaining({ name: PUSH_MIRROR, ok: true, note: 'no build cache index yet (nothing pushed)' })
      ])
      // The registry names the scope's actions in no fixed order (a Go map): compared as a set.
      const last = tokens.requests.at(-1)
      expect({ user: last?.user, granted: [...(last?.granted ?? [])].sort() }).toEqual({
        user: 'pusher',
        granted: ['pull', 'push']
      })

      const first = writeEnvironment(builder, {
        sourceMirror,
        detected,
        mirrors: { [LOCAL_MIRROR]: mirrors[LOCAL_MIRROR] }
      })
      expect(first).toContain(TINY_PACKAGE)
      await builder.spack.run(['-e', builder.layout.envDir, 'concretize'], { silent: true })
      lock = readFileSync(path.join(builder.layout.envDir, 'spack.lock'))
      const { report } = await installTiny(builder)
      built = names(report, 'built')
      expect(built).toEqual(['compiler-wrapper', 'gcc-runtime', TINY_PACKAGE])
      expect(runHello(builder)).toBe('hello from tiny')

      const before = tokens.requests.length
      const push = await pushAs('registry', inputs, trusted())
      expect(push.exitCode).toBe(0)
      for (const name of built) expect(push.text).toMatch(new RegExp(`Pushed ${name}@[\\d.]+/[a-z0-9]{7}`))
      const asked = tokens.requests.slice(before)
      expect(asked.length).toBeGreaterThan(0)
      expect(asked.every(r => r.user === 'pusher' && r.clientId === 'spack')).toBe(true)
      expect(asked.some(r => r.granted.includes('push'))).toBe(true)
      // What the registry holds now, asked through its API with a pull token.
      const token = await probeRequest(`${tokens.realm}?service=${SERVICE}&scope=repository:cache/slurm:pull`, {
        headers: { Authorization: `Basic ${Buffer.from('reader:read-secret').toString('base64')}` },
        trusted: { ca: [tls.ca], source: 'test CA' },
        timeoutMs: 10_000
      })
      const tags = await probeRequest(`https://${registry.host}/v2/cache/slurm/tags/list`, {
        headers: { Authorization: `Bearer ${(JSON.parse(token.body) as { token: string }).token}` },
        trusted: { ca: [tls.ca], source: 'test CA' },
        timeoutMs: 10_000
      })
      const listed = (JSON.parse(tags.body) as { tags: string[] }).tags
      expect(listed).toContain('index.spack')
      for (const name of built)
        expect(listed.some(tag => tag.startsWith(`${name}-`) && tag.endsWith('.spack'))).toBe(true)
    },
    SLOW
  )

  test(
    'a fresh runner with no credentials rendered pulls anonymously: everything extracted, nothing built, cache-hit remote',
    async () => {
      requireBuilt()
      const { runner, request, yaml } = freshRunner(
        'anonymous',
        { 'buildcache-mirrors': oci('cache/slurm'), unsigned: 'true' },
        trusted(),
        false
      )
      const mirror = (parse(yaml) as { spack: { mirrors: Record<string, Record<string, unknown>> } }).spack.mirrors[
        'remote-1'
      ]
      expect(mirror).toEqual({ url: oci('cache/slurm'), signed: false })
      expect(runner.env[OCI_USERNAME_VAR]).toBeUndefined()
      const checks = await checkBuildcacheMirrors(request.buildcache, { env: trusted() })
      expect(checks).toEqual([expect.objectContaining({ name: 'remote-1', ok: true })])

      const before = tokens.requests.length
      // A cold runner concretizes: with reuse, from what the registry's index offers.
      const concretized = await runner.spack.run(['-e', runner.layout.envDir, 'concretize'], { silent: true })
      expect(concretized.stderr).not.toMatch(/Warning|Error/)
      expect(readFileSync(path.join(runner.layout.envDir, 'spack.lock')).equals(lock)).toBe(true)
      const { report, text } = await installTiny(runner)
      expect(names(report, 'built')).toEqual([])
      expect(names(report, 'extracted')).toEqual(built)
      expect(text).not.toMatch(/Executing phase|installing from source/)
      expect(runHello(runner)).toBe('hello from tiny')
      const asked = tokens.requests.slice(before)
      expect(asked.length).toBeGreaterThan(0)
      expect(asked.every(r => r.user === '' && r.granted.join() === 'pull')).toBe(true)

      const mirrors = [
        { name: LOCAL_MIRROR, url: `file://${runner.layout.localMirror}` },
        { name: 'remote-1', url: oci('cache/slurm') }
      ]
      const sources = binarySources(text, mirrors)
      expect(countByMirror(sources)).toEqual({ 'remote-1': 3 })
      expect(cacheHitAfterInstall({ restored: 'none', built: 0, sources, localMirror: LOCAL_MIRROR })).toBe('remote')
    },
    SLOW
  )

  test(
    "an access_pair whose variables aren't set (the old rendering without credentials) fails Spack",
    async () => {
      requireBuilt()
      const { mirrors } = rendered({ 'buildcache-push': oci('cache/slurm'), unsigned: 'true' }, builder.layout)
      expect(mirrors[PUSH_MIRROR]).toEqual({ url: oci('cache/slurm'), signed: false })
      const envDir = path.join(builder.root, 'push-unset-variables')
      const old = {
        ...mirrors,
        [PUSH_MIRROR]: {
          ...mirrors[PUSH_MIRROR],
          access_pair: { id_variable: OCI_USERNAME_VAR, secret_variable: OCI_PASSWORD_VAR }
        }
      }
      writeEnvironment(builder, { sourceMirror, detected, mirrors: old, lock }, envDir)
      const push = await builder.spack.run(pushArgs(envDir, PUSH_MIRROR, true), { silent: true, allowFailure: true })
      expect(push.exitCode).not.toBe(0)
      expect(push.stderr).toContain(`id_variable ${OCI_USERNAME_VAR} not set in environment`)
    },
    SLOW
  )

  test(
    'an untrusted CA: the check says so before any build; Spack silently compiles; SSL_CERT_FILE was the fix',
    async () => {
      requireBuilt()
      const inputs = { 'buildcache-mirrors': oci('cache/slurm'), unsigned: 'true' }
      const { runner, request } = freshRunner('untrusted-ca', inputs, {})
      const check = await probeMirror({ name: 'remote-1', url: oci('cache/slurm'), push: false }, { env: runner.env })
      expect(check).toMatchObject({ ok: false, problem: 'tls-untrusted' })
      expect(check.fix).toContain('SSL_CERT_FILE')
      // With the lock kept (the action's warm path), Spack says nothing of the mirror: it finds no binary, and builds.
      const { report, text } = await installTiny(runner)
      expect(text).toMatch(/No binary for hello-tiny-1\.0-[a-z0-9]{32} found: installing from source/)
      expect(text).not.toContain(registry.host)
      expect(names(report, 'extracted')).toEqual([])
      expect(names(report, 'built')).toEqual(built)
      // Concretizing (a cold run), it reads the mirror's index first: a plain warning, and the run goes on.
      const concretized = await runner.spack.run(['-e', runner.layout.envDir, 'concretize', '-f'], { silent: true })
      expect(concretized.exitCode).toBe(0)
      expect(concretized.stderr).toMatch(/==> Warning: The following issues were ignored while updating the indices/)
      expect(concretized.stderr).toContain(`https://${registry.host}/v2/cache/slurm/manifests/index.spack`)
      expect(concretized.stderr).toContain('CERTIFICATE_VERIFY_FAILED')
      // With the CA trusted (the previous test's runner had SSL_CERT_FILE), the same mirror was read.
      expect((await checkBuildcacheMirrors(request.buildcache, { env: trusted() }))[0]?.ok).toBe(true)
    },
    SLOW
  )

  test.each([
    [
      'wrong credentials',
      { 'oci-username': 'pusher', 'oci-password': 'wrong-password' },
      'cache/slurm',
      'credentials-refused',
      /token\?service=registry\.test&scope=repository%3Acache%2Fslurm%3Apull&client_id=spack returned 403/
    ],
    [
      'a token that may not push',
      { 'oci-username': 'reader', 'oci-password': 'read-secret' },
      'cache/read-only',
      'push-denied',
      /POST https:\/\/127\.0\.0\.1:\d+\/v2\/cache\/read-only\/blobs\/uploads\/ returned 401: Failed to login/
    ],
    [
      'no credentials at all',
      {},
      'cache/anonymous',
      'push-denied',
      /POST https:\/\/127\.0\.0\.1:\d+\/v2\/cache\/anonymous\/blobs\/uploads\/ returned 401: Failed to login/
    ],
    [
      'a registry that only offers HTTP Basic',
      { 'oci-username': 'pusher', 'oci-password': 'push-secret' },
      'basic',
      'basic-only',
      /Cannot login to registry, unsupported authentication scheme: Basic realm="basic-realm"/
    ]
  ] as const)(
    // Each case pushes to a repository of its own: Spack skips specs a repository already holds, asking nothing.
    'a push target with %s: the check fails the step before the build, with what Spack then fails on',
    async (label, credentials, where, problem, spackSays) => {
      requireBuilt()
      const url = where === 'basic' ? oci('cache/slurm', basicOnly.host) : oci(where)
      const inputs = { 'buildcache-push': url, unsigned: 'true', ...credentials }
      const { request } = rendered(inputs, builder.layout)
      const error = await checkBuildcacheMirrors(request.buildcache, { env: trusted() }).then(
        () => undefined,
        (e: unknown) => e as Error
      )
      expect(error?.message).toContain(`${url} (the buildcache-push target, ${PUSH_MIRROR}) can't be written by Spack`)
      const check = await probeMirror(
        { name: PUSH_MIRROR, url, push: true },
        {
          env: trusted(),
          ...(request.buildcache.ociUsername && request.buildcache.ociPassword
            ? { credentials: { username: request.buildcache.ociUsername, password: request.buildcache.ociPassword } }
            : {})
        }
      )
      expect(check.problem).toBe(problem)
      expect(error?.message).not.toContain('wrong-password')
      const push = await pushAs(label.replace(/\W+/g, '-'), inputs, trusted())
      expect(push.exitCode).not.toBe(0)
      expect(push.text).toMatch(spackSays)
    },
    SLOW
  )

  test(
    'signing on oci://: Spack v1.0 pushes unsigned even with signing-key, and reads without checking any key',
    async () => {
      requireBuilt()
      const inputs = {
        'buildcache-push': oci('cache/signed'),
        'signing-key': signing.privateKey,
        'oci-username': 'pusher',
        'oci-password': 'push-secret'
      }
      const push = await pushAs('oci-signed', inputs, trusted())
      expect(push.request.buildcache.unsigned).toBe(false)
      expect(push.exitCode).toBe(0)
      expect(push.text).toContain('Code signing is currently not supported for OCI images')
      // A runner that trusts another key only, its mirror rendered `signed: true`: Spack extracts all the same.
      const { runner, yaml } = freshRunner(
        'oci-any-key',
        { 'buildcache-mirrors': oci('cache/signed'), 'buildcache-keys': stranger.publicKey },
        trusted()
      )
      expect(yaml).toMatch(/remote-1:\n\s+url: oci:\/\/[^\n]+\n\s+signed: true/)
      await trustPublicKeys(runner.spack, stranger.publicKey, runner.scratch)
      const { report, text } = await installTiny(runner)
      expect(names(report, 'extracted')).toEqual(built)
      expect(text).not.toContain('Good signature')
    },
    SLOW
  )

  test(
    'a signed push (signing-key) to a file:// mirror, read over https:// with buildcache-keys: verified; another key: refused',
    async () => {
      requireBuilt()
      const signedDir = path.join(base, 'signed-mirror')
      const push = await pushAs(
        'file-signed',
        { 'buildcache-push': `file://${signedDir}`, 'signing-key': signing.privateKey },
        {}
      )
      expect(push.exitCode).toBe(0)
      const manifests = readdirSync(path.join(signedDir, 'v3', 'manifests', 'spec'), {
        recursive: true,
        encoding: 'utf8'
      }).filter(file => file.endsWith('.spec.manifest.json'))
      expect(manifests).toHaveLength(3)
      for (const file of manifests)
        expect(readFileSync(path.join(signedDir, 'v3', 'manifests', 'spec', file), 'utf8')).toContain(
          '-----BEGIN PGP SIGNED MESSAGE-----'
        )
      const server = await serveDirectory(signedDir, tls)
      servers.push(server)
      const inputs = (key: SigningKey) => ({ 'buildcache-mirrors': `${server.url}/`, 'buildcache-keys': key.publicKey })

      const verified = freshRunner('verified', inputs(signing), trusted())
      expect((await checkBuildcacheMirrors(verified.request.buildcache, { env: trusted() }))[0]).toMatchObject({
        ok: true
      })
      await trustPublicKeys(verified.runner.spack, signing.publicKey, verified.runner.scratch)
      const good = await installTiny(verified.runner)
      expect(names(good.report, 'extracted')).toEqual(built)
      expect(good.text).toContain('Good signature from "Slurm build cache test <cache@example.invalid>"')
      const sources = binarySources(good.text, [
        { name: LOCAL_MIRROR, url: `file://${verified.runner.layout.localMirror}` },
        { name: 'remote-1', url: `${server.url}/` }
      ])
      expect(countByMirror(sources)).toEqual({ 'remote-1': 3 })
      expect(runHello(verified.runner)).toBe('hello from tiny')

      const refused = freshRunner('wrong-key', inputs(stranger), trusted())
      await trustPublicKeys(refused.runner.spack, stranger.publicKey, refused.runner.scratch)
      const bad = await installTiny(refused.runner)
      expect(names(bad.report, 'extracted')).toEqual([])
      expect(names(bad.report, 'built')).toEqual(built)
      expect(bad.text).toContain("Can't check signature: No public key")
    },
    SLOW
  )
})
