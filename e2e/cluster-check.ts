/**
 * The cluster part of `npm run e2e` alone, on any installed Slurm tree (for example one a run kept with E2E_KEEP=1):
 *
 *   npx tsx e2e/cluster-check.ts <prefix>        # with Lmod too when <prefix>/modules exists
 *
 * The cluster's slurm.conf is written where the module's SLURM_CONF points, <prefix>/etc/slurm.conf, as in
 * `npm run e2e`; a slurm.conf already there is put back afterwards.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { MODULES_DIR, SLURM_CONF } from '../src/artifact/layout.js'
import { checkLmod, runCluster, writeClusterConf } from './cluster.js'

async function main(): Promise<void> {
  const prefix = path.resolve(process.argv[2] ?? '')
  if (!process.argv[2] || !existsSync(path.join(prefix, 'sbin', 'slurmctld')))
    throw new Error('usage: npx tsx e2e/cluster-check.ts <prefix of an installed Slurm>')
  const dir = mkdtempSync(path.join(tmpdir(), 'slurm-cluster-'))
  const conf = path.join(prefix, SLURM_CONF)
  const saved = path.join(dir, 'slurm.conf.saved')
  const hadConf = existsSync(conf)
  if (hadConf) copyFileSync(conf, saved)
  try {
    const files = await writeClusterConf(conf, dir)
    if (existsSync(path.join(prefix, MODULES_DIR)))
      process.stdout.write(`${checkLmod(prefix, process.env.E2E_SLURM ?? '24.11.5')}\n`)
    const jobs = await runCluster(prefix, files)
    process.stdout.write(`srun -N1 -n2 hostname:\n${jobs.srun}\nsbatch job: ${jobs.sbatch}\n`)
  } finally {
    if (hadConf) copyFileSync(saved, conf)
    else rmSync(conf, { force: true })
    rmSync(dir, { recursive: true, force: true })
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`cluster check FAILED: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  }
)
