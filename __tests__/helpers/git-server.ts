/**
 * Local git sources for tests: small repositories built in temp directories, and a smart-HTTP server on
 * 127.0.0.1 that bridges to `git http-backend` (CGI), counts requests and can be told to fail.
 */
import { execFileSync, spawn } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'

const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null'
}

export function git(args: readonly string[], cwd: string): string {
  return execFileSync('git', [...args], { cwd, env: { ...process.env, ...GIT_IDENTITY }, encoding: 'utf8' }).trim()
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `${prefix}-`))
}

/** A file of a test repository: text, or text with a mode (0o755 for scripts). */
export type FileSpec = string | { readonly content: string; readonly mode: number }

export function writeFiles(dir: string, files: Readonly<Record<string, FileSpec>>): void {
  for (const [relative, spec] of Object.entries(files)) {
    const full = path.join(dir, relative)
    mkdirSync(path.dirname(full), { recursive: true })
    const content = typeof spec === 'string' ? spec : spec.content
    writeFileSync(full, content)
    if (typeof spec !== 'string') chmodSync(full, spec.mode)
  }
}

/** A work tree with one commit of `files`; returns its directory and commit. */
export function makeRepo(
  files: Readonly<Record<string, FileSpec>>,
  dir = tempDir('git-work')
): { dir: string; commit: string } {
  git(['init', '--quiet', '--initial-branch=main'], dir)
  return { dir, commit: commitFiles(dir, files, 'initial') }
}

export function commitFiles(dir: string, files: Readonly<Record<string, FileSpec>>, message: string): string {
  writeFiles(dir, files)
  git(['add', '--all'], dir)
  git(['commit', '--quiet', '--allow-empty', '-m', message], dir)
  return git(['rev-parse', 'HEAD'], dir)
}

/** Tags `commit` (annotated when `annotated`), moving the tag if it exists. */
export function tag(dir: string, name: string, commit: string, annotated = false): void {
  git(['tag', '--force', ...(annotated ? ['-a', '-m', name] : []), name, commit], dir)
}

/** A bare copy of `workDir` named `<name>.git` under `root`, as the servers publish it; returns its path. */
export function publish(workDir: string, root: string, name: string): string {
  const bare = path.join(root, `${name}.git`)
  rmSync(bare, { recursive: true, force: true })
  git(['clone', '--quiet', '--bare', workDir, bare], root)
  return bare
}

export interface GitHttpServer {
  /** `http://127.0.0.1:<port>/<name>.git` */
  url(name: string): string
  /** Requests received so far. */
  readonly requests: number
  /** Answer the next `count` requests with HTTP 500. */
  failNext(count: number): void
  close(): Promise<void>
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** Splits CGI output into status, headers and body. */
function parseCgi(output: Buffer): { status: number; headers: Array<[string, string]>; body: Buffer } {
  let end = output.indexOf('\r\n\r\n')
  let separator = 4
  if (end < 0) {
    end = output.indexOf('\n\n')
    separator = 2
  }
  if (end < 0) return { status: 502, headers: [], body: output }
  const headers: Array<[string, string]> = []
  let status = 200
  for (const line of output.subarray(0, end).toString('latin1').split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon < 0) continue
    const name = line.slice(0, colon).trim()
    const value = line.slice(colon + 1).trim()
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10)
    else headers.push([name, value])
  }
  return { status, headers, body: output.subarray(end + separator) }
}

async function bridge(root: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1')
  const body = await readBody(request)
  const header = (name: string): string => {
    const value = request.headers[name]
    return Array.isArray(value) ? value.join(', ') : (value ?? '')
  }
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    GIT_CONFIG_NOSYSTEM: '1',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ''),
    REQUEST_METHOD: request.method ?? 'GET',
    CONTENT_TYPE: header('content-type'),
    CONTENT_LENGTH: String(body.length),
    REMOTE_ADDR: '127.0.0.1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1'
  }
  if (header('content-encoding')) env.HTTP_CONTENT_ENCODING = header('content-encoding')
  if (header('git-protocol')) env.GIT_PROTOCOL = header('git-protocol')
  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] })
  const out: Buffer[] = []
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
  child.stderr.resume()
  // A backend that answers without reading its input (a ref listing) closes the pipe: that is no error of the request.
  child.stdin.on('error', () => undefined)
  child.stdin.end(body)
  await new Promise<void>(resolve => child.on('close', () => resolve()))
  const cgi = parseCgi(Buffer.concat(out))
  response.statusCode = cgi.status
  for (const [name, value] of cgi.headers) response.setHeader(name, value)
  response.end(cgi.body)
}

/** Serves every bare repository under `root` over smart HTTP on 127.0.0.1. */
export async function startGitHttpServer(root: string): Promise<GitHttpServer> {
  let requests = 0
  let failing = 0
  const server = createServer((request, response) => {
    requests++
    if (failing > 0) {
      failing--
      request.resume()
      response.statusCode = 500
      response.end('injected failure\n')
      return
    }
    bridge(root, request, response).catch(error => {
      response.statusCode = 500
      response.end(String(error))
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as AddressInfo
  return {
    url: name => `http://127.0.0.1:${port}/${name}.git`,
    get requests() {
      return requests
    },
    failNext(count) {
      failing = count
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close(error => (error ? reject(error) : resolve()))
      })
  }
}
