/**
 * TLS material for tests, made with the openssl command line in a temporary directory: a certificate authority, a
 * server certificate for 127.0.0.1 signed by it, and a self-signed key pair that signs registry tokens. Nothing here
 * is trusted by the system: a client trusts the CA only when it is handed `caFile` (for Spack, through SSL_CERT_FILE).
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

export interface TlsMaterial {
  readonly dir: string
  /** PEM of the test CA: give it to a client (SSL_CERT_FILE, Node's `ca`) to trust the servers. */
  readonly caFile: string
  readonly ca: string
  /** Certificate (chain: server, then CA) and key for a server on 127.0.0.1. */
  readonly serverCertFile: string
  readonly serverKeyFile: string
  readonly serverCert: string
  readonly serverKey: string
  /** A self-signed certificate and its key that sign registry tokens (the registry's `rootcertbundle`). */
  readonly tokenCertFile: string
  readonly tokenKey: string
  readonly tokenCert: string
}

function openssl(args: readonly string[], cwd: string): void {
  execFileSync('openssl', [...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] })
}

/** Is the openssl command line available? (The unit tests that need it say so when it is not.) */
export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** Makes the CA, the 127.0.0.1 server certificate and the token-signing pair under `dir`. */
export function makeTlsMaterial(dir: string, name = 'slurm-factory test'): TlsMaterial {
  const words = (line: string): string[] => line.split(' ')
  const newKey = words('req -newkey rsa:2048 -nodes -days 2')
  openssl([...newKey, '-x509', ...words('-keyout ca.key -out ca.pem'), '-subj', `/CN=${name} CA`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir) // prettier-ignore
  writeFileSync(
    path.join(dir, 'server.ext'),
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1',
      'authorityKeyIdentifier=keyid',
      'subjectKeyIdentifier=hash',
      ''
    ].join('\n')
  )
  openssl([...newKey, ...words('-keyout server.key -out server.csr -subj /CN=127.0.0.1')], dir)
  openssl(words('x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out server-only.pem -extfile server.ext'), dir) // prettier-ignore
  openssl([...newKey, '-x509', ...words('-keyout token.key -out token.pem'), '-subj', `/CN=${name} token signer`], dir)
  const read = (file: string): string => readFileSync(path.join(dir, file), 'utf8')
  const ca = read('ca.pem')
  const serverCert = `${read('server-only.pem')}${ca}`
  writeFileSync(path.join(dir, 'server.pem'), serverCert)
  return {
    dir,
    caFile: path.join(dir, 'ca.pem'),
    ca,
    serverCertFile: path.join(dir, 'server.pem'),
    serverKeyFile: path.join(dir, 'server.key'),
    serverCert,
    serverKey: read('server.key'),
    tokenCertFile: path.join(dir, 'token.pem'),
    tokenKey: read('token.key'),
    tokenCert: read('token.pem')
  }
}
