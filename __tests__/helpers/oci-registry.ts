/**
 * A real OCI registry for tests: Debian's `docker-registry` (distribution 2.8) serving TLS on 127.0.0.1 with the test
 * CA's certificate, its storage in a temporary directory, and either token authentication (Bearer, through
 * token-service.ts, as ghcr.io) or HTTP Basic only (htpasswd). The suites that use it skip, saying so, when the
 * program is not installed (`apt-get install docker-registry`; CI does not install it).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, openSync, closeSync, writeFileSync, readFileSync } from 'node:fs'
import { request } from 'node:https'
import { createServer, type AddressInfo } from 'node:net'
import path from 'node:path'
import { stringify } from 'yaml'
import type { TlsMaterial } from './tls-material.js'

export const REGISTRY_PROGRAM = '/usr/bin/docker-registry'
export const REGISTRY_SKIP_REASON =
  'skipped: /usr/bin/docker-registry is not installed (apt-get install docker-registry: Debian distribution 2.8)'

export type RegistryAuth =
  | { readonly kind: 'token'; readonly realm: string; readonly service: string; readonly issuer: string }
  | { readonly kind: 'basic'; readonly users: Readonly<Record<string, string>> }

export interface Registry {
  /** `127.0.0.1:<port>`, as an `oci://` URL names it. */
  readonly host: string
  readonly log: string
  close(): Promise<void>
}

/** A free TCP port on 127.0.0.1 (the registry's config needs a number before it starts). */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as AddressInfo
  await new Promise<void>(resolve => server.close(() => resolve()))
  return port
}

/** htpasswd lines with bcrypt hashes (the only kind distribution accepts), made by python3's crypt module. */
function htpasswd(users: Readonly<Record<string, string>>): string {
  const script =
    'import crypt, json, sys, warnings\n' +
    'warnings.simplefilter("ignore")\n' +
    'for user, password in json.load(sys.stdin).items():\n' +
    '    print(f"{user}:{crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH))}")\n'
  return execFileSync('python3', ['-W', 'ignore', '-c', script], { input: JSON.stringify(users), encoding: 'utf8' })
}

/** Resolves once the registry answers `GET /v2/` over TLS (any status), or rejects after `timeoutMs`. */
async function waitUntilServing(host: string, ca: string, child: ChildProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with code ${child.exitCode}`)
    const answered = await new Promise<boolean>(resolve => {
      const req = request(`https://${host}/v2/`, { ca, timeout: 1000 }, res => {
        res.resume()
        resolve(true)
      })
      req.on('error', () => resolve(false))
      req.on('timeout', () => req.destroy())
      req.end()
    })
    if (answered) return
    if (Date.now() > deadline) throw new Error(`docker-registry did not answer on ${host} within ${timeoutMs} ms`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

/** Starts `docker-registry serve` under `dir` (config, storage, log); stop it with `close`. */
export async function startRegistry(dir: string, tls: TlsMaterial, auth: RegistryAuth): Promise<Registry> {
  mkdirSync(path.join(dir, 'storage'), { recursive: true })
  const port = await freePort()
  const host = `127.0.0.1:${port}`
  let authSection: Record<string, unknown>
  if (auth.kind === 'token') {
    authSection = {
      token: { realm: auth.realm, service: auth.service, issuer: auth.issuer, rootcertbundle: tls.tokenCertFile }
    }
  } else {
    writeFileSync(path.join(dir, 'htpasswd'), htpasswd(auth.users))
    authSection = { htpasswd: { realm: 'basic-realm', path: path.join(dir, 'htpasswd') } }
  }
  const config = {
    version: 0.1,
    log: { level: 'info', accesslog: { disabled: false } },
    storage: { filesystem: { rootdirectory: path.join(dir, 'storage') }, delete: { enabled: true } },
    http: {
      addr: host,
      secret: 'slurm-factory-test-secret',
      tls: { certificate: tls.serverCertFile, key: tls.serverKeyFile }
    },
    auth: authSection
  }
  const configFile = path.join(dir, 'config.yml')
  writeFileSync(configFile, stringify(config))
  const log = path.join(dir, 'registry.log')
  const out = openSync(log, 'a')
  const child = spawn(REGISTRY_PROGRAM, ['serve', configFile], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir },
    stdio: ['ignore', out, out]
  })
  closeSync(out)
  try {
    await waitUntilServing(host, tls.ca, child)
  } catch (error) {
    child.kill('SIGTERM')
    const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-20).join('\n') : ''
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${tail}`)
  }
  return {
    host,
    log,
    close: async () => {
      if (child.exitCode !== null) return
      const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
      child.kill('SIGTERM')
      await exited
    }
  }
}
