/**
 * Run the fake results services as a standalone process:
 *
 *   npx tsx __tests__/services/serve.ts [--cache] [--artifact] [--state DIR] [--port N] [--azure] [--log]
 *
 * Without --cache/--artifact both are served. The FIRST stdout line is a JSON object of the environment variables
 * a process needs (ACTIONS_RESULTS_URL, ACTIONS_RUNTIME_TOKEN, ...); with --state DIR, entries, artifacts and blobs
 * persist in DIR across restarts (and the runtime token's backend ids stay the same). --azure hands out
 * `*.blob.core.windows.net` URLs and adds HTTP_PROXY pointing at this server (see results-server.ts).
 * --log writes one JSON line per finished request to stderr. Stops on SIGINT/SIGTERM or when stdin closes
 * with --exit-on-stdin-close.
 */
import { pathToFileURL } from 'node:url'
import { startServices } from './index.js'

interface Args {
  cache: boolean
  artifact: boolean
  state?: string
  port?: number
  azure: boolean
  log: boolean
  exitOnStdinClose: boolean
}

function parseArgs(argv: string[]): Args {
  const args: Args = { cache: false, artifact: false, azure: false, log: false, exitOnStdinClose: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const value = (): string => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${a} needs a value`)
      return v
    }
    if (a === '--cache') args.cache = true
    else if (a === '--artifact') args.artifact = true
    else if (a === '--state') args.state = value()
    else if (a === '--port') args.port = Number(value())
    else if (a === '--azure') args.azure = true
    else if (a === '--log') args.log = true
    else if (a === '--exit-on-stdin-close') args.exitOnStdinClose = true
    else throw new Error(`unknown argument ${a}`)
  }
  if (!args.cache && !args.artifact) {
    args.cache = true
    args.artifact = true
  }
  return args
}

export async function serveForeground(argv: string[] = process.argv.slice(2)): Promise<void> {
  const args = parseArgs(argv)
  const services = await startServices({
    cache: args.cache,
    artifact: args.artifact,
    stateDir: args.state,
    port: args.port,
    blobUrlStyle: args.azure ? 'azure' : 'local',
    onRequestDone: args.log ? entry => process.stderr.write(`${JSON.stringify(entry)}\n`) : undefined
  })
  process.stdout.write(`${JSON.stringify(services.env)}\n`)
  const stop = (): void => {
    void services.close().then(() => process.exit(0))
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  if (args.exitOnStdinClose) {
    process.stdin.resume()
    process.stdin.on('end', stop)
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await serveForeground()
}
