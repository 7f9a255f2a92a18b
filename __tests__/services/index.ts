/**
 * Local stand-ins for the GitHub Actions "results" backend (cache v2 + artifacts v4) and its Azure blob storage,
 * speaking the real wire protocols of @actions/cache 6.x / @actions/artifact 6.x on 127.0.0.1.
 */
import { ArtifactServiceState, artifactServiceView, type ArtifactService } from './artifact-service.js'
import { CacheServiceState, cacheServiceView, type CacheService, type CacheServiceOptions } from './cache-service.js'
import {
  ResultsServer,
  type FaultHandle,
  type FaultRule,
  type RequestLogEntry,
  type ServerOptions
} from './results-server.js'

export * from './artifact-service.js'
export * from './cache-service.js'
export * from './results-server.js'
export { applyEnv, decodeJwtPayload, makeRuntimeToken, scaleTimers, withEnv } from './runtime-env.js'

export interface ServicesOptions extends ServerOptions {
  /** host the cache service (default true); an object passes cache options */
  cache?: boolean | CacheServiceOptions
  /** host the artifact service (default true) */
  artifact?: boolean
}

export interface Services {
  /** the shared ACTIONS_RESULTS_URL */
  readonly url: string
  /** env vars for a process using both services */
  readonly env: Record<string, string>
  readonly cache?: CacheService
  readonly artifact?: ArtifactService
  readonly requests: RequestLogEntry[]
  readonly server: ResultsServer
  fail(rule: FaultRule): FaultHandle
  clearFaults(): void
  close(): Promise<void>
}

/**
 * Start cache and/or artifact services on ONE server, as on GitHub where both live behind ACTIONS_RESULTS_URL
 * (a process can only point at one results URL, so use this when a process needs both).
 */
export async function startServices(options: ServicesOptions = {}): Promise<Services> {
  const server = await ResultsServer.start(options)
  let cache: CacheService | undefined
  let artifact: ArtifactService | undefined
  if (options.cache !== false) {
    const state = new CacheServiceState(server, typeof options.cache === 'object' ? options.cache : {})
    server.register(state.definition())
    cache = cacheServiceView(server, state)
  }
  if (options.artifact !== false) {
    const state = new ArtifactServiceState(server)
    server.register(state.definition())
    artifact = artifactServiceView(server, state)
  }
  return {
    get url() {
      return server.url
    },
    get env() {
      return server.env
    },
    cache,
    artifact,
    requests: server.requests,
    server,
    fail: rule => server.fail(rule),
    clearFaults: () => server.clearFaults(),
    close: () => server.close()
  }
}
