/**
 * What `npm run e2e` builds: its arguments are release series (the newest release of each is built), full releases,
 * or `all` (every supported series); `--compiler gcc@X.Y.Z` builds with that GCC (one found on the runner).
 */
import { SLURM_RELEASES, SLURM_SERIES } from '../src/catalog.js'
import { parseCompiler, parseSlurmVersion } from '../src/inputs.js'

export interface Target {
  /** What the action is asked for (`slurm-version`). */
  readonly request: string
  /** The release it must build. */
  readonly expect: string
  readonly compiler?: string
  /** For work directory names and the summary. */
  readonly label: string
}

/** The newest release of `series` the catalog lists. */
export function newestOf(series: string): string {
  const release = SLURM_RELEASES.find(r => r.startsWith(`${series}.`))
  if (!release) throw new Error(`the catalog lists no release of ${series}`)
  return release
}

export function targetsOf(argv: readonly string[], fallback: string): Target[] {
  let compiler: string | undefined
  const versions: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--compiler') {
      compiler = argv[++i]
      if (!compiler) throw new Error('--compiler needs gcc@X.Y.Z')
      parseCompiler(compiler)
    } else if (arg === 'all') versions.push(...SLURM_SERIES)
    else versions.push(arg)
  }
  if (versions.length === 0) versions.push(fallback)
  return versions.map(request => {
    parseSlurmVersion(request)
    const expect = request.split('.').length === 3 ? request : newestOf(request)
    const label = `${expect}${compiler ? `-${compiler.replace('@', '')}` : ''}`
    return { request, expect, label, ...(compiler ? { compiler } : {}) }
  })
}
