/**
 * Runner-environment helpers for tests that drive @actions/cache and @actions/artifact against the fake services.
 *
 * Both toolkit packages read every environment variable at call time (not at import time), so setting
 * `process.env` before a call and restoring it afterwards is enough; a static import of the toolkit is fine.
 */
import { createHmac, randomBytes } from 'node:crypto'

export interface RuntimeTokenClaims {
  runBackendId: string
  jobBackendId: string
  /** extra space-separated scopes to put in `scp` */
  extraScopes?: string[]
  /** lifetime in seconds (default 6 h) */
  ttlSeconds?: number
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url')
}

/**
 * A JWT shaped like the runner's ACTIONS_RUNTIME_TOKEN. @actions/artifact only decodes it (jwt-decode, no
 * signature check) and reads `scp`, looking for the `Actions.Results:<workflowRunBackendId>:<workflowJobRunBackendId>`
 * scope; @actions/cache just sends it as a Bearer token.
 */
export function makeRuntimeToken(claims: RuntimeTokenClaims): string {
  const now = Math.floor(Date.now() / 1000)
  const header = { typ: 'JWT', alg: 'HS256' }
  const payload = {
    nameid: 'dddddddd-dddd-dddd-dddd-dddddddddddd',
    scp: [
      'Actions.ExampleScope',
      ...(claims.extraScopes ?? []),
      `Actions.Results:${claims.runBackendId}:${claims.jobBackendId}`
    ].join(' '),
    ac: '[{"Scope":"refs/heads/main","Permission":3}]',
    iss: 'vstoken.actions.githubusercontent.com',
    aud: 'vso:00000000-0000-0000-0000-000000000000',
    nbf: now - 60,
    iat: now - 60,
    exp: now + (claims.ttlSeconds ?? 6 * 3600)
  }
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`
  const signature = createHmac('sha256', randomBytes(32)).update(signingInput).digest('base64url')
  return `${signingInput}.${signature}`
}

/** Decode the payload of a JWT (no verification). */
export function decodeJwtPayload(token: string): Record<string, unknown> {
  const part = token.split('.')[1]
  if (!part) throw new Error('not a JWT')
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>
}

/**
 * Set environment variables (a value of `undefined` deletes the variable) and return a function that restores
 * exactly the previous state.
 */
export function applyEnv(env: Record<string, string | undefined>): () => void {
  const previous = new Map<string, string | undefined>()
  for (const [name, value] of Object.entries(env)) {
    previous.set(name, process.env[name])
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
  return () => {
    for (const [name, value] of previous) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  }
}

/** Run `fn` with `env` applied, restoring the environment afterwards (even on failure). */
export async function withEnv<T>(env: Record<string, string | undefined>, fn: () => Promise<T> | T): Promise<T> {
  const restore = applyEnv(env)
  try {
    return await fn()
  } finally {
    restore()
  }
}

/**
 * Make long `setTimeout` waits (>= `minMs`) `factor` times shorter, returning a restore function.
 *
 * The toolkit's Twirp clients back off 3 s, ~4.5-6.75 s, ... between their 5 attempts and the artifact download
 * waits 5 s between its 5 attempts; those sleeps are plain global `setTimeout` calls made at call time, so this
 * lets a test exercise "the service keeps failing" in well under a second without touching toolkit code.
 * It also shortens any other long timer created meanwhile (e.g. the cache `segmentTimeoutInMs` race), so only
 * use it around calls where that is acceptable. Jest's own test timeout is unaffected.
 */
export function scaleTimers(factor: number, minMs = 1000): () => void {
  const original = globalThis.setTimeout
  const scaled = ((handler: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const delay = typeof ms === 'number' && ms >= minMs ? Math.max(1, Math.round(ms / factor)) : ms
    return original(handler, delay, ...args)
  }) as unknown as typeof setTimeout
  Object.assign(scaled, original)
  globalThis.setTimeout = scaled
  return () => {
    globalThis.setTimeout = original
  }
}
