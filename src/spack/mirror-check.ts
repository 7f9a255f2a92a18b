/**
 * Before anything is built: can Spack read each remote build cache, and write the push target? Spack itself only
 * warns when a mirror can't be read (`==> Warning: ... CERTIFICATE_VERIFY_FAILED`) and goes on to compile what the
 * mirror would have served; a push that can't authenticate fails after the whole build. This check asks each mirror
 * what Spack would ask, the way Spack asks it (mirror-check-oci.ts: its OCI client's Bearer tokens; here: the
 * index of an http(s):// mirror, a file:// directory), and says per mirror: ok, or the cause and the fix.
 *
 * `checkBuildcacheMirrors` is the phase: a warning annotation per unreadable read mirror, an error (thrown) when the
 * push target can't be used.
 */
import * as core from '@actions/core'
import { accessSync, constants, existsSync, statSync } from 'node:fs'
import path from 'node:path'
import type { BuildRequest } from '../inputs.js'
import { mirrorName, PUSH_MIRROR } from './environment.js'
import { probeRequest, trustedCertificates, type MirrorToCheck, type ProbeContext } from './mirror-probe.js'
import { checkOciMirror } from './mirror-check-oci.js'
import { fixFor, MirrorFault, networkFault, type MirrorProblem } from './mirror-problems.js'

export type { MirrorProblem } from './mirror-problems.js'
export type { MirrorToCheck } from './mirror-probe.js'

export interface MirrorCheck extends MirrorToCheck {
  readonly ok: boolean
  /** Not probed (s3://, gs://): `ok` says nothing then. */
  readonly skipped?: boolean
  readonly problem?: MirrorProblem
  /** What went wrong, in the user's words, with the answer that showed it. */
  readonly cause?: string
  /** What to change. */
  readonly fix?: string
  /** What was found when it is fine but worth saying (no index yet, an older layout). */
  readonly note?: string
}

export interface MirrorCheckOptions {
  /** oci-username and oci-password, when both are given (as the rendered spack.yaml passes them to Spack). */
  readonly credentials?: { readonly username: string; readonly password: string }
  /** The environment Spack runs in: SSL_CERT_FILE decides which certificates are trusted. */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Per request; Spack's own `config:connect_timeout` defaults to 10 s. */
  readonly timeoutMs?: number
}

/** The mirrors of a request, named as spack.yaml names them (environment.ts). */
export function mirrorsToCheck(buildcache: BuildRequest['buildcache']): MirrorToCheck[] {
  const mirrors: MirrorToCheck[] = buildcache.mirrors.map((url, index) => ({
    name: mirrorName(index),
    url,
    push: false
  }))
  if (buildcache.push) mirrors.push({ name: PUSH_MIRROR, url: buildcache.push, push: true })
  return mirrors
}

/** An http(s):// mirror: the build cache index Spack reads first (layout v3, then v2). Spack can't push there. */
async function checkUrlMirror(mirror: MirrorToCheck, context: ProbeContext): Promise<string | undefined> {
  if (mirror.push)
    throw new MirrorFault('push-unsupported', `${mirror.url}: Spack pushes to file://, s3://, gs:// and oci:// only`)
  const base = mirror.url.replace(/\/+$/, '')
  const candidates = [
    [`${base}/v3/manifests/index/index.manifest.json`, ''],
    [`${base}/build_cache/index.json`, 'an index in the older v2 layout (Spack reads it and warns)']
  ] as const
  for (const [url, note] of candidates) {
    const answer = await probeRequest(url, { trusted: context.trusted, timeoutMs: context.timeoutMs }).catch(
      (error: unknown) => {
        throw networkFault(error, `GET ${url}`)
      }
    )
    if (answer.status === 200) return note || undefined
    if (answer.status === 401 || answer.status === 403)
      throw new MirrorFault('auth-required', `GET ${url} answered ${answer.status}`)
    if (answer.status !== 404) throw new MirrorFault('http-error', `GET ${url} answered ${answer.status}`)
  }
  return 'no build cache index yet: Spack still looks each package up by its hash'
}

/** A file:// mirror: a directory Spack can read (and, for the push target, create or write). */
function checkFileMirror(mirror: MirrorToCheck): string | undefined {
  const dir = decodeURIComponent(new URL(mirror.url).pathname)
  if (!existsSync(dir)) {
    if (!mirror.push) return `${dir} does not exist yet: nothing to read`
    let parent = path.dirname(dir)
    while (!existsSync(parent)) parent = path.dirname(parent)
    try {
      accessSync(parent, constants.W_OK)
      return undefined
    } catch {
      throw new MirrorFault('not-writable', `${dir} does not exist and ${parent} is not writable`)
    }
  }
  if (!statSync(dir).isDirectory()) throw new MirrorFault('not-readable', `${dir} is not a directory`)
  try {
    accessSync(dir, mirror.push ? constants.R_OK | constants.W_OK | constants.X_OK : constants.R_OK | constants.X_OK)
  } catch {
    throw new MirrorFault(
      mirror.push ? 'not-writable' : 'not-readable',
      `${dir} is not ${mirror.push ? 'writable' : 'readable'}`
    )
  }
  return undefined
}

/** Checks one mirror; never throws. */
export async function probeMirror(mirror: MirrorToCheck, options: MirrorCheckOptions = {}): Promise<MirrorCheck> {
  const context: ProbeContext = {
    trusted: trustedCertificates(options.env ?? process.env),
    timeoutMs: options.timeoutMs ?? 10_000,
    ...(options.credentials ? { credentials: options.credentials } : {})
  }
  const scheme = /^([a-z0-9+.-]+):\/\//i.exec(mirror.url)?.[1]?.toLowerCase() ?? ''
  try {
    let note: string | undefined
    if (scheme === 'oci') note = await checkOciMirror(mirror, context)
    else if (scheme === 'https' || scheme === 'http') note = await checkUrlMirror(mirror, context)
    else if (scheme === 'file') note = checkFileMirror(mirror)
    else return { ...mirror, ok: true, skipped: true, note: `${scheme}:// mirrors are not checked before the build` }
    return { ...mirror, ok: true, ...(note ? { note } : {}) }
  } catch (error) {
    const fault = error instanceof MirrorFault ? error : new MirrorFault('unreachable', String(error))
    const { cause, fix } = fixFor(fault.problem, fault.message, {
      push: mirror.push,
      credentials: Boolean(options.credentials),
      trusted: context.trusted.source
    })
    return { ...mirror, ok: false, problem: fault.problem, cause, fix }
  }
}

/** Checks every mirror at once (each request bounded by `timeoutMs`). */
export async function checkMirrors(
  mirrors: readonly MirrorToCheck[],
  options: MirrorCheckOptions = {}
): Promise<MirrorCheck[]> {
  return Promise.all(mirrors.map(async mirror => probeMirror(mirror, options)))
}

/** The annotation's text: the mirror, the cause, the fix. */
export function mirrorMessage(check: MirrorCheck): string {
  const role = check.push ? 'the buildcache-push target' : 'a buildcache-mirrors entry'
  return `${check.url} (${role}, ${check.name}) can't be ${check.push ? 'written' : 'read'} by Spack: ${check.cause}. Fix: ${check.fix}`
}

export class MirrorCheckError extends Error {
  constructor(readonly checks: readonly MirrorCheck[]) {
    super(
      checks
        .filter(check => !check.ok && check.push)
        .map(mirrorMessage)
        .join('\n')
    )
    this.name = 'MirrorCheckError'
  }
}

/**
 * The phase: checks the request's mirrors; a read mirror that fails is a warning annotation (the build goes on and
 * compiles what it would have served), a push target that fails is an error (thrown: the build would be lost).
 */
export async function checkBuildcacheMirrors(
  buildcache: BuildRequest['buildcache'],
  options: Omit<MirrorCheckOptions, 'credentials'> = {}
): Promise<MirrorCheck[]> {
  const { ociUsername, ociPassword } = buildcache
  const credentials = ociUsername && ociPassword ? { username: ociUsername, password: ociPassword } : undefined
  const checks = await checkMirrors(mirrorsToCheck(buildcache), { ...options, ...(credentials ? { credentials } : {}) })
  for (const check of checks) {
    if (check.ok)
      core.info(
        `mirror ${check.name} ${check.url}: ${check.skipped ? 'not checked' : 'ok'}${check.note ? ` (${check.note})` : ''}`
      )
    else if (!check.push) core.warning(mirrorMessage(check), { title: `Build cache ${check.url} can't be read` })
  }
  if (checks.some(check => !check.ok && check.push)) throw new MirrorCheckError(checks)
  return checks
}
