/**
 * Everything `npm run e2e` checks on the unpacked, moved tree once the build tree is gone: Lmod, then a one-node
 * cluster whose every Slurm process is traced (srun, sbatch, MPI over PMIx, PMI-2, slurmrestd, commands finding
 * <tree>/etc/slurm.conf with SLURM_CONF unset), and finally the traces, which must not name a forbidden path.
 */
import { chmodSync, existsSync } from 'node:fs'
import path from 'node:path'
import { SLURM_CONF } from '../src/artifact/layout.js'
import { basicJobs, checkLmod, withCluster, writeClusterConf, type BasicJobs } from './cluster.js'
import { mpiJobs, type MpiJobs } from './cluster-jobs.js'
import { restCheck, type RestCheck } from './cluster-rest.js'
import { selfTest, Tracer } from './trace.js'

export interface MovedTreeResult extends BasicJobs, MpiJobs {
  readonly lmod: string
  readonly rest: RestCheck
  /** What the trace scan saw: processes and calls traced, and the self-test's catch. */
  readonly trace: { readonly files: number; readonly calls: number; readonly selfTest: string }
}

/** Tools the checks use besides the tree: each missing one is named, with the Debian package that has it. */
export function missingTools(): string[] {
  const tools: Array<[string, string]> = [
    ['strace', 'strace'],
    ['mpicc', 'libopenmpi-dev openmpi-bin'],
    ['setpriv', 'util-linux'],
    ['curl', 'curl'],
    ['munged', 'munge'],
    ['gcc', 'gcc']
  ]
  const paths = (process.env.PATH ?? '/usr/bin:/bin').split(':')
  return tools
    .filter(([tool]) => !paths.some(dir => existsSync(path.join(dir, tool))))
    .map(([tool, pkg]) => `${tool} (${pkg})`)
}

/** Makes every directory from `dir` up to `/` traversable by others (slurmrestd runs as nobody). */
function openPath(dir: string): void {
  for (let d = dir; d !== path.dirname(d); d = path.dirname(d)) {
    if (d.startsWith('/tmp') && d.length <= 4) break
    chmodSync(d, 0o755)
  }
}

export async function checkMovedTree(options: {
  readonly prefix: string
  readonly version: string
  /** Where the cluster's files and the traces go. */
  readonly work: string
  /** Paths that must be gone, and that no traced process may touch (the build machine's Spack work root). */
  readonly forbidden: readonly string[]
  /** Paths that stay on this machine but that no traced process may touch either (Spack itself, its mirror). */
  readonly untouchable?: readonly string[]
}): Promise<MovedTreeResult> {
  const { prefix, version, work } = options
  for (const gone of options.forbidden)
    if (existsSync(gone)) throw new Error(`${gone} still exists: the moved tree must run with the build tree gone`)
  const forbidden = [...options.forbidden, ...(options.untouchable ?? [])]
  openPath(prefix)
  const dir = path.join(work, 'cluster')
  const files = await writeClusterConf(path.join(prefix, SLURM_CONF), dir)
  openPath(dir)
  const lmod = checkLmod(prefix, version)
  const tracer = new Tracer(path.join(work, 'traces'), forbidden)
  // The scan is trusted only after it caught a command made to read the build tree's slurm.conf.
  const probe = path.join(forbidden[0] ?? '/nonexistent', SLURM_CONF)
  const caught = selfTest(
    path.join(work, 'trace-self-test'),
    forbidden[0] ?? '/nonexistent',
    path.join(prefix, 'bin', 'sinfo'),
    [],
    {
      PATH: '/usr/bin:/bin',
      SLURM_CONF: probe
    }
  )
  const result = await withCluster(prefix, files, tracer, async cluster => {
    const basic = basicJobs(cluster)
    const mpi = mpiJobs(cluster)
    const rest = await restCheck(cluster)
    return { ...basic, ...mpi, rest }
  })
  const touches = tracer.touches()
  if (touches.length > 0)
    throw new Error(
      `the moved tree's processes touched the build tree ${touches.length} time(s):\n` +
        touches
          .slice(0, 20)
          .map(t => `  ${t.file}: ${t.line}`)
          .join('\n')
    )
  return { ...result, lmod, trace: { files: tracer.files().length, calls: tracer.calls(), selfTest: caught } }
}
