/** A directory served read-only over HTTPS on 127.0.0.1 (GET and HEAD), as a web server serves a Spack mirror. */
import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import type { TlsMaterial } from './tls-material.js'

export interface StaticServer {
  readonly url: string
  /** Paths asked for, in order. */
  readonly requests: readonly string[]
  close(): Promise<void>
}

export async function serveDirectory(root: string, tls: TlsMaterial): Promise<StaticServer> {
  const requests: string[] = []
  const server = createServer({ cert: tls.serverCert, key: tls.serverKey }, (req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'https://127.0.0.1').pathname)
    requests.push(`${req.method} ${pathname}`)
    const file = path.join(root, path.normalize(pathname))
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-length': String(statSync(file).size) })
    if (req.method === 'HEAD') res.end()
    else createReadStream(file).pipe(res)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()))
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
