/**
 * An `oci://` mirror, asked what Spack's OCI client asks (spack/oci/opener.py in Spack v1.0): every request goes to
 * `https://<host>/v2/<name>/...`; on 401 the registry's `WWW-Authenticate` must hold a `Bearer` challenge with realm,
 * service and scope (Spack handles no other scheme), the realm must be https://, and
 * `GET <realm>?service=&scope=&client_id=spack` (HTTP Basic with oci-username/oci-password when given) must answer
 * JSON with a `token`, which the request is then retried with.
 *
 * Reading: the build cache index Spack fetches first, `<name>:index.spack` (404: nothing pushed yet, fine).
 * Pushing: the upload Spack starts for each blob, `POST /v2/<name>/blobs/uploads/` (202, the session then cancelled).
 */
import { header, probeRequest, type HttpAnswer, type MirrorToCheck, type ProbeContext } from './mirror-probe.js'
import { MirrorFault, networkFault } from './mirror-problems.js'

/** What Spack's ImageReference makes of `oci://<reference>`: the registry host and the repository name. */
export function ociReference(url: string): { host: string; name: string } {
  const reference = url.replace(/^oci:\/\//i, '').replace(/@.*$/, '')
  const slash = reference.indexOf('/')
  let host = slash > 0 ? reference.slice(0, slash) : ''
  let name = slash > 0 ? reference.slice(slash + 1) : reference
  // Spack (as Docker) reads a first part without a dot or a port as a Docker Hub namespace.
  if (!host || (!host.includes('.') && !host.includes(':') && host !== 'localhost' && host === host.toLowerCase())) {
    name = host ? `${host}/${name}` : `library/${name}`
    host = 'index.docker.io'
  }
  name = name.replace(/:[\w][\w.-]{0,127}$/, '').toLowerCase()
  return { host, name }
}

interface Challenge {
  readonly scheme: string
  readonly params: Readonly<Record<string, string>>
}

/** The challenges of a `WWW-Authenticate` value (RFC 7235, without token68), as Spack's parser reads them. */
export function parseChallenges(value: string): Challenge[] {
  const challenges: Array<{ scheme: string; params: Record<string, string> }> = []
  const pattern = /\s*(?:,\s*)?([!#$%&'*+\-.^_`|~0-9A-Za-z]+)(?:\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]+))?/gy
  for (let match = pattern.exec(value); match; match = pattern.exec(value)) {
    const [, token, raw] = match
    if (raw === undefined) {
      challenges.push({ scheme: token as string, params: {} })
      continue
    }
    const current = challenges[challenges.length - 1]
    if (!current) break
    current.params[(token as string).toLowerCase()] = raw.startsWith('"')
      ? raw.slice(1, -1).replace(/\\(.)/g, '$1')
      : raw
  }
  return challenges
}

/** A request with Spack's authentication: plain, then (on 401) once more with a Bearer token (returned too). */
async function authorized(
  url: string,
  method: string,
  context: ProbeContext,
  headers: Readonly<Record<string, string>> = {}
): Promise<HttpAnswer & { token?: string }> {
  const ask = async (extra: Record<string, string>): Promise<HttpAnswer> =>
    probeRequest(url, {
      method,
      headers: { ...headers, ...extra },
      trusted: context.trusted,
      timeoutMs: context.timeoutMs
    }).catch((error: unknown) => {
      throw networkFault(error, `${method} ${url}`)
    })
  const first = await ask({})
  if (first.status !== 401) return first
  const value = header(first, 'www-authenticate')
  if (!value) throw new MirrorFault('no-challenge', `${method} ${url} answered 401 without WWW-Authenticate`)
  const challenges = parseChallenges(value)
  const bearer = challenges.find(c => c.scheme === 'Bearer')
  if (!bearer || !bearer.params.realm || !bearer.params.service || !bearer.params.scope) {
    const basic = challenges.some(c => c.scheme.toLowerCase() === 'basic')
    throw new MirrorFault(basic ? 'basic-only' : 'unsupported-scheme', `${method} ${url}: WWW-Authenticate: ${value}`)
  }
  const token = await bearerToken(bearer.params as Required<Challenge['params']>, context)
  const second = await ask({ Authorization: `Bearer ${token}` })
  if (second.status === 401 || second.status === 403) {
    const detail = `${method} ${url} answered ${second.status} with the token (${errorCode(second)})`
    if (method === 'POST') throw new MirrorFault('push-denied', detail)
    throw new MirrorFault(context.credentials ? 'denied' : 'anonymous-refused', detail)
  }
  return { ...second, token }
}

/** The registry's error code from its JSON body (`UNAUTHORIZED`, `DENIED`, ...), or the status. */
function errorCode(answer: HttpAnswer): string {
  try {
    const parsed = JSON.parse(answer.body) as { errors?: Array<{ code?: string; message?: string }> }
    const first = parsed.errors?.[0]
    if (first?.code) return `${first.code}${first.message ? `: ${first.message}` : ''}`
  } catch {
    // not JSON
  }
  return `HTTP ${answer.status}`
}

async function bearerToken(challenge: Readonly<Record<string, string>>, context: ProbeContext): Promise<string> {
  const realm = new URL(challenge.realm as string)
  if (realm.protocol !== 'https:') throw new MirrorFault('insecure-realm', `the Bearer realm is ${challenge.realm}`)
  realm.search = new URLSearchParams({
    service: challenge.service as string,
    scope: challenge.scope as string,
    client_id: 'spack'
  }).toString()
  const headers: Record<string, string> = {}
  const { credentials } = context
  if (credentials)
    headers.Authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`
  const url = realm.toString()
  const answer = await probeRequest(url, { headers, trusted: context.trusted, timeoutMs: context.timeoutMs }).catch(
    (error: unknown) => {
      throw networkFault(error, `GET ${url} (the token service)`)
    }
  )
  const detail = `GET ${realm.origin}${realm.pathname} (scope ${challenge.scope}) answered ${answer.status} (${errorCode(answer)})`
  if (answer.status === 401 || answer.status === 403)
    throw new MirrorFault(credentials ? 'credentials-refused' : 'anonymous-refused', detail)
  if (answer.status !== 200) throw new MirrorFault('token-error', detail)
  try {
    const token = (JSON.parse(answer.body) as { token?: unknown }).token
    if (typeof token === 'string' && token) return token
  } catch {
    // handled below
  }
  throw new MirrorFault(
    'bad-token-response',
    `GET ${realm.origin}${realm.pathname} answered ${answer.body.slice(0, 200)}`
  )
}

/** Reads the index (and, for the push target, starts and cancels an upload); returns a note, or throws a fault. */
export async function checkOciMirror(mirror: MirrorToCheck, context: ProbeContext): Promise<string | undefined> {
  const { host, name } = ociReference(mirror.url)
  const base = `https://${host}/v2/${name}`
  const manifest = `${base}/manifests/index.spack`
  const index = await authorized(manifest, 'GET', context, { Accept: 'application/vnd.oci.image.manifest.v1+json' })
  let note: string | undefined
  if (index.status === 404) note = 'no build cache index yet (nothing pushed)'
  else if (index.status !== 200)
    throw new MirrorFault('http-error', `GET ${manifest} answered ${index.status} (${errorCode(index)})`)
  if (!mirror.push) return note
  const upload = await authorized(`${base}/blobs/uploads/`, 'POST', context, { 'Content-Length': '0' })
  if (upload.status !== 202)
    throw new MirrorFault('push-denied', `POST ${base}/blobs/uploads/ answered ${upload.status} (${errorCode(upload)})`)
  const location = header(upload, 'location')
  if (location) {
    // Best effort, with the upload's token (a DELETE would need a `delete` grant of its own, which nothing else
    // needs): the registry expires an unfinished upload anyway, and ghcr.io answers 405 here.
    const authorization: Record<string, string> = upload.token ? { Authorization: `Bearer ${upload.token}` } : {}
    await probeRequest(new URL(location, base).toString(), {
      method: 'DELETE',
      headers: authorization,
      trusted: context.trusted,
      timeoutMs: context.timeoutMs
    }).catch(() => undefined)
  }
  return note
}
