/**
 * The moved-tree part of `npm run e2e` alone, on any unpacked Slurm tree (for example one a run kept with
 * E2E_KEEP=1): Lmod, then a traced one-node cluster (srun, sbatch, MPI over PMIx, PMI-2, slurmrestd), then the trace
 * scan against the paths given with --forbid (which must not exist: the build tree, deleted).
 *
 *   npx tsx e2e/cluster-check.ts <prefix> [--forbid <build work root>]...
 *
 * The cluster's slurm.conf is written to <prefix>/etc/slurm.conf, as in `npm run e2e`; a slurm.conf already there is
 * put back afterwards.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { SLURM_CONF } from '../src/artifact/layout.js'
import { checkMovedTree, missingTools } from './moved-tree.js'

async function main(): Promise<void> {
  const args = process.argv.slice(2)
  const forbidden: string[] = []
  let prefixArg: string | undefined
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--forbid') forbidden.push(path.resolve(args[++i] ?? ''))
    else prefixArg = args[i]
  }
  const prefix = path.resolve(prefixArg ?? '')
  if (!prefixArg || !existsSync(path.join(prefix, 'sbin', 'slurmctld')))
    throw new Error('usage: npx tsx e2e/cluster-check.ts <prefix of an installed Slurm> [--forbid PATH]...')
  const missing = missingTools()
  if (missing.length) throw new Error(`missing tools: ${missing.join(', ')}`)
  const work = mkdtempSync(path.join(tmpdir(), 'slurm-cluster-'))
  const conf = path.join(prefix, SLURM_CONF)
  const saved = path.join(work, 'slurm.conf.saved')
  const hadConf = existsSync(conf)
  if (hadConf) copyFileSync(conf, saved)
  try {
    const version = /slurm (\S+)/.exec(path.basename(prefix))?.[1] ?? /slurm-([\d.]+)/.exec(prefix)?.[1] ?? ''
    const r = await checkMovedTree({
      prefix,
      version,
      work,
      forbidden: forbidden.length ? forbidden : ['/nonexistent-build-tree']
    })
    process.stdout.write(
      `${r.lmod}\nSLURM_CONF found: ${r.slurmConf}\nsrun:\n${r.srun}\nsbatch: ${r.sbatch}\nsrun --mpi=list: ${r.mpiList}\n` +
        `MPI:\n${r.allreduce}\nPMI-2:\n${r.pmi2Kvs}\nPMI-2 spawn:\n${r.pmi2Spawn}\nslurmrestd: ${r.rest.openapi}\n${r.rest.ping}\n` +
        `traces: ${r.trace.files} processes, ${r.trace.calls} calls, none into ${forbidden.join(', ') || '(nothing forbidden)'}; self-test caught: ${r.trace.selfTest}\n`
    )
  } finally {
    if (hadConf) copyFileSync(saved, conf)
    else rmSync(conf, { force: true })
    if (process.env.E2E_KEEP !== '1') rmSync(work, { recursive: true, force: true })
    else process.stdout.write(`kept ${work}\n`)
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`cluster check FAILED: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  }
)
