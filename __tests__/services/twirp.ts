/**
 * Minimal Twirp (JSON flavour) plumbing shared by the fake cache and artifact services.
 *
 * The toolkit's generated clients POST `application/json` bodies to `/twirp/<package.Service>/<Method>`,
 * serialised with protobuf-ts `toJson({ useProtoFieldName: true })`, i.e. snake_case field names, int64 as
 * decimal strings, wrapper types (`StringValue`, `Int64Value`) as bare values and `Timestamp` as RFC 3339 strings.
 * Responses are parsed with `fromJson({ ignoreUnknownFields: true })`, which accepts snake_case names too.
 * Errors are JSON objects `{ code, msg }` with the HTTP status Twirp assigns to the code; the toolkit only reads
 * the HTTP status and `msg` (a non-JSON error body is treated as a retryable failure).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

export type TwirpCode =
  | 'canceled'
  | 'invalid_argument'
  | 'malformed'
  | 'deadline_exceeded'
  | 'not_found'
  | 'bad_route'
  | 'already_exists'
  | 'permission_denied'
  | 'unauthenticated'
  | 'resource_exhausted'
  | 'failed_precondition'
  | 'aborted'
  | 'out_of_range'
  | 'unimplemented'
  | 'internal'
  | 'unavailable'
  | 'dataloss'
  | 'unknown'

/** HTTP status Twirp uses for each error code. */
export const TWIRP_STATUS: Record<TwirpCode, number> = {
  canceled: 408,
  invalid_argument: 400,
  malformed: 400,
  deadline_exceeded: 408,
  not_found: 404,
  bad_route: 404,
  already_exists: 409,
  permission_denied: 403,
  unauthenticated: 401,
  resource_exhausted: 429,
  failed_precondition: 412,
  aborted: 409,
  out_of_range: 400,
  unimplemented: 501,
  internal: 500,
  unavailable: 503,
  dataloss: 500,
  unknown: 500
}

/** A Twirp error a handler can throw; the server turns it into the JSON error response. */
export class TwirpError extends Error {
  readonly status: number
  constructor(
    readonly code: TwirpCode,
    msg: string,
    status?: number
  ) {
    super(msg)
    this.name = 'TwirpError'
    this.status = status ?? TWIRP_STATUS[code]
  }
}

/** The Twirp code conventionally associated with an HTTP status (used for injected faults). */
export function codeForStatus(status: number): TwirpCode {
  const found = (Object.entries(TWIRP_STATUS) as [TwirpCode, number][]).find(([, s]) => s === status)
  if (found) return found[0]
  return status >= 500 ? 'internal' : 'unknown'
}

export type TwirpMethod = (body: Record<string, unknown>) => Promise<Record<string, unknown>> | Record<string, unknown>

export interface TwirpServiceDef {
  /** Fully qualified service name, e.g. `github.actions.results.api.v1.CacheService`. */
  service: string
  methods: Record<string, TwirpMethod>
}

export const TWIRP_PREFIX = '/twirp/'

/** Split `/twirp/pkg.Service/Method` into its parts, or undefined when the path is not a Twirp route. */
export function parseTwirpPath(pathname: string): { service: string; method: string } | undefined {
  if (!pathname.startsWith(TWIRP_PREFIX)) return undefined
  const rest = pathname.slice(TWIRP_PREFIX.length).split('/')
  if (rest.length !== 2 || !rest[0] || !rest[1]) return undefined
  return { service: rest[0], method: rest[1] }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {}
): void {
  const payload = Buffer.from(JSON.stringify(body))
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(payload.length), ...headers })
  res.end(payload)
}

export function sendTwirpError(res: ServerResponse, code: TwirpCode, msg: string, status = TWIRP_STATUS[code]): void {
  sendJson(res, status, { code, msg })
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** Parse a Twirp JSON request body; throws a `malformed` TwirpError on bad input. */
export async function readTwirpJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const ct = String(req.headers['content-type'] ?? '')
  if (!ct.startsWith('application/json')) {
    throw new TwirpError('bad_route', `unsupported content type ${ct || '(none)'}; only application/json is served`)
  }
  const raw = (await readBody(req)).toString('utf8')
  if (raw.trim() === '') return {}
  try {
    const parsed: unknown = JSON.parse(raw)
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error('not an object')
    }
    return parsed as Record<string, unknown>
  } catch (error) {
    throw new TwirpError('malformed', `could not parse request body: ${(error as Error).message}`)
  }
}

/** Helpers to read protobuf JSON fields written with proto (snake_case) or json (camelCase) names. */
export function field(body: Record<string, unknown>, snake: string): unknown {
  if (snake in body) return body[snake]
  const camel = snake.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())
  return body[camel]
}

export function stringField(body: Record<string, unknown>, snake: string): string {
  const v = field(body, snake)
  if (v === undefined || v === null) return ''
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'bigint') return String(v)
  // wrapper types may arrive as { value } from some encoders
  if (typeof v === 'object' && 'value' in (v as Record<string, unknown>)) {
    return String((v as Record<string, unknown>).value)
  }
  throw new TwirpError('malformed', `field ${snake} must be a string`)
}

export function optionalStringField(body: Record<string, unknown>, snake: string): string | undefined {
  const v = field(body, snake)
  if (v === undefined || v === null) return undefined
  return stringField(body, snake)
}

export function int64Field(body: Record<string, unknown>, snake: string): number {
  const s = stringField(body, snake)
  if (s === '') return 0
  const n = Number(s)
  if (!Number.isSafeInteger(n)) throw new TwirpError('malformed', `field ${snake} must be an int64`)
  return n
}

export function stringArrayField(body: Record<string, unknown>, snake: string): string[] {
  const v = field(body, snake)
  if (v === undefined || v === null) return []
  if (!Array.isArray(v) || !v.every(x => typeof x === 'string')) {
    throw new TwirpError('malformed', `field ${snake} must be a list of strings`)
  }
  return v as string[]
}
