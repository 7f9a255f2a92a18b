/**
 * slurmrestd from the moved tree (the `+rest` default): listening on a unix socket with rest_auth/local, it serves
 * its OpenAPI description and answers `GET /slurm/<version>/ping/` with the controller. slurmrestd refuses to run as
 * root or as SlurmUser, so it and its client run as nobody (setpriv), with the configuration and the munge socket
 * readable by that user.
 */
import { chownSync, existsSync, mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { shortHost, type Cluster } from './cluster.js'
import { run, sleep } from './procs.js'

const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups']

export interface RestCheck {
  /** The OpenAPI description's title and version. */
  readonly openapi: string
  /** The ping path used and the controller's answer. */
  readonly ping: string
}

/** `curl` over the unix socket as nobody; the body parsed as JSON. */
function get(socket: string, url: string): unknown {
  const result = run(
    'setpriv',
    [...NOBODY, 'curl', '-sS', '--fail-with-body', '--unix-socket', socket, `http://localhost${url}`],
    {
      timeoutMs: 60_000
    }
  )
  if (result.status !== 0)
    throw new Error(`GET ${url} over ${socket} failed (exit ${result.status}): ${result.stdout}${result.stderr}`)
  try {
    return JSON.parse(result.stdout) as unknown
  } catch {
    throw new Error(`GET ${url} did not answer JSON: ${result.stdout.slice(0, 500)}`)
  }
}

/** The newest `/slurm/v0.0.N/ping/` path the description offers (23.11 lists it without the final slash). */
export function pingPath(openapi: { paths?: Record<string, unknown> }): string {
  const versions = Object.keys(openapi.paths ?? {})
    .map(p => /^\/slurm\/v0\.0\.(\d+)\/ping\/?$/.exec(p))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(b[1]) - Number(a[1]))
  if (!versions[0]) {
    const offered = Object.keys(openapi.paths ?? {})
    throw new Error(
      `the OpenAPI description offers no /slurm/v0.0.N/ping/ path (${offered.length} paths: ${offered.filter(p => p.includes('ping')).join(', ') || offered.slice(0, 10).join(', ')})`
    )
  }
  return versions[0][0]
}

export async function restCheck(c: Cluster): Promise<RestCheck> {
  const dir = path.join(c.files.dir, 'rest')
  mkdirSync(dir, { recursive: true })
  chownSync(dir, 65534, 65534)
  const socket = path.join(dir, 'slurmrestd.socket')
  const daemon = c.start('slurmrestd', 'setpriv', [
    ...NOBODY,
    c.sbin('slurmrestd'),
    '-a',
    'rest_auth/local',
    '-s',
    'openapi/slurmctld',
    `unix:${socket}`
  ])
  const deadline = Date.now() + 60_000
  while (!existsSync(socket)) {
    if (daemon.child.exitCode !== null || Date.now() > deadline) {
      const out = path.join(c.files.dir, 'log', 'slurmrestd.out')
      throw new Error(
        `slurmrestd did not open ${socket} (${daemon.child.exitCode !== null ? `exited ${daemon.child.exitCode}` : 'timed out'}):\n${existsSync(out) ? readFileSync(out, 'utf8').slice(-3000) : ''}`
      )
    }
    await sleep(300)
  }
  const description = get(socket, '/openapi/v3') as {
    info?: { title?: string; version?: string }
    paths?: Record<string, unknown>
  }
  const openapi = `${description.info?.title ?? '?'} ${description.info?.version ?? '?'}, ${Object.keys(description.paths ?? {}).length} paths`
  const ping = pingPath(description)
  const answer = get(socket, ping) as {
    pings?: Array<{ hostname?: string; pinged?: string; responding?: boolean; mode?: string }>
  }
  const controller = answer.pings?.find(p => p.hostname === shortHost())
  if (!controller || !(controller.responding === true || controller.pinged === 'UP'))
    throw new Error(
      `GET ${ping} did not report the controller ${shortHost()} up: ${JSON.stringify(answer).slice(0, 1000)}`
    )
  await daemon.stop()
  return { openapi, ping: `GET ${ping} -> ${JSON.stringify(answer.pings)}` }
}
