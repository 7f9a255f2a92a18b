/**
 * Checks of the unpacked, moved Slurm tree: Lmod loads its module, the commands report the version, and a one-node
 * cluster (its own munged, slurmctld and slurmd, on 127.0.0.1 and unprivileged ports) runs an srun and an sbatch job.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { hostname, userInfo } from 'node:os'
import path from 'node:path'
import { MODULE_NAME, MODULES_DIR, SLURM_CONF } from '../src/artifact/layout.js'
import { check, freePort, run, sleep, startDaemon, type Daemon } from './procs.js'

const LMOD_INIT = '/usr/share/lmod/lmod/init/bash'

/** Lmod, with the prefix as $1: the module's PATH must lead into the prefix. Fixed text (the layout's names), no input spliced in. */
const LMOD_SCRIPT = [
  `source ${LMOD_INIT}`,
  `module use "$1/${MODULES_DIR}" || exit 1`,
  `module load ${MODULE_NAME} || exit 1`,
  'echo "sinfo-path: $(command -v sinfo)"',
  'echo "slurm-conf: $SLURM_CONF"',
  'echo "sinfo: $(sinfo --version 2>&1)"',
  'echo "scontrol: $(scontrol --version 2>&1)"',
  'echo "slurmd: $(slurmd -V 2>&1)"'
].join('\n')

/** The short host name, as slurmd reports it. */
export function shortHost(): string {
  return hostname().split('.')[0] as string
}

/** `module load slurm` from the moved prefix; every command must print `version`. */
export function checkLmod(prefix: string, version: string): string {
  if (!existsSync(LMOD_INIT)) throw new Error(`Lmod is not installed (${LMOD_INIT} is missing)`)
  const out = check('module load slurm', 'bash', ['-c', LMOD_SCRIPT, 'lmod-check', prefix], {
    env: { ...process.env, SLURM_CONF: '' }
  }).stdout
  const field = (name: string): string => new RegExp(`^${name}: (.*)$`, 'm').exec(out)?.[1] ?? ''
  if (!field('sinfo-path').startsWith(`${prefix}/`))
    throw new Error(`after module load, sinfo is ${field('sinfo-path') || 'not found'}, not from ${prefix}:\n${out}`)
  if (field('slurm-conf') !== path.join(prefix, SLURM_CONF))
    throw new Error(`the module set SLURM_CONF to ${field('slurm-conf')}, expected ${prefix}/${SLURM_CONF}`)
  for (const name of ['sinfo', 'scontrol', 'slurmd'])
    if (!field(name).includes(version)) throw new Error(`${name} does not report ${version}:\n${out}`)
  return out.trim()
}

export interface ClusterFiles {
  readonly dir: string
  readonly conf: string
  readonly munge: { socket: string; key: string }
}

/** A slurm.conf for one node on 127.0.0.1 (no PluginDir: the tree finds its plugins itself), no cgroups. */
export async function writeClusterConf(confFile: string, dir: string): Promise<ClusterFiles> {
  const user = userInfo().username
  const host = shortHost()
  const socket = path.join(dir, 'munge', 'munge.socket')
  const key = path.join(dir, 'munge', 'munge.key')
  const spool = path.join(dir, 'spool')
  const state = path.join(dir, 'state')
  for (const sub of [spool, state, path.join(dir, 'munge'), path.join(dir, 'log')]) mkdirSync(sub, { recursive: true })
  chmodSync(path.join(dir, 'munge'), 0o700)
  const ctldPort = await freePort()
  let slurmdPort = await freePort()
  while (slurmdPort === ctldPort) slurmdPort = await freePort()
  const lines = [
    'ClusterName=e2e',
    `SlurmctldHost=${host}(127.0.0.1)`,
    `SlurmctldPort=${ctldPort}`,
    `SlurmdPort=${slurmdPort}`,
    `SlurmUser=${user}`,
    `SlurmdUser=${user}`,
    'AuthType=auth/munge',
    `AuthInfo=socket=${socket}`,
    'ProctrackType=proctrack/linuxproc',
    'TaskPlugin=task/none',
    'SelectType=select/cons_tres',
    'MpiDefault=none',
    'JobAcctGatherType=jobacct_gather/none',
    'AccountingStorageType=accounting_storage/none',
    'SlurmdParameters=config_overrides',
    'ReturnToService=2',
    `SlurmdSpoolDir=${spool}`,
    `StateSaveLocation=${state}`,
    `SlurmctldPidFile=${path.join(dir, 'slurmctld.pid')}`,
    `SlurmdPidFile=${path.join(dir, 'slurmd.pid')}`,
    `SlurmctldLogFile=${path.join(dir, 'log', 'slurmctld.log')}`,
    `SlurmdLogFile=${path.join(dir, 'log', 'slurmd.log')}`,
    'SlurmctldDebug=info',
    'SlurmdDebug=info',
    `NodeName=${host} NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN`,
    'PartitionName=debug Nodes=ALL Default=YES State=UP'
  ]
  mkdirSync(path.dirname(confFile), { recursive: true })
  writeFileSync(confFile, `${lines.join('\n')}\n`)
  return { dir, conf: confFile, munge: { socket, key } }
}

async function waitFor(
  what: string,
  timeoutMs: number,
  test: () => boolean,
  daemons: readonly Daemon[]
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (test()) return
    const dead = daemons.find(d => d.child.exitCode !== null || d.child.signalCode !== null)
    if (dead)
      throw new Error(`${dead.name} exited (${dead.child.exitCode ?? dead.child.signalCode}) while waiting for ${what}`)
    await sleep(500)
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`)
}

function tail(file: string, lines = 25): string {
  return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '(no log)'
}

export interface JobResult {
  readonly srun: string
  readonly sbatch: string
}

/** Starts munged, slurmctld and slurmd from `prefix`, runs the jobs, and stops every daemon by its PID. */
export async function runCluster(prefix: string, files: ClusterFiles): Promise<JobResult> {
  const { dir, conf, munge } = files
  const env: NodeJS.ProcessEnv = { ...process.env, SLURM_CONF: conf }
  const bin = (name: string): string => path.join(prefix, 'bin', name)
  const sbin = (name: string): string => path.join(prefix, 'sbin', name)
  writeFileSync(munge.key, randomBytes(1024), { mode: 0o600 })
  const daemons: Daemon[] = []
  const logs = {
    munged: path.join(dir, 'log', 'munged.log'),
    slurmctld: path.join(dir, 'log', 'slurmctld.log'),
    slurmd: path.join(dir, 'log', 'slurmd.log')
  }
  try {
    const mungeArgs = [
      '--foreground',
      `--socket=${munge.socket}`,
      `--key-file=${munge.key}`,
      `--pid-file=${path.join(dir, 'munge', 'munged.pid')}`,
      `--log-file=${logs.munged}`,
      `--seed-file=${path.join(dir, 'munge', 'munged.seed')}`
    ]
    if (userInfo().uid === 0) mungeArgs.unshift('--force')
    daemons.push(startDaemon('munged', 'munged', mungeArgs, path.join(dir, 'log', 'munged.out')))
    await waitFor('the munge socket', 20_000, () => existsSync(munge.socket), daemons)
    check('munge round trip', 'bash', ['-c', 'munge --socket="$1" -n | unmunge --socket="$1"', 'munge', munge.socket])

    daemons.push(
      startDaemon('slurmctld', sbin('slurmctld'), ['-D', '-f', conf], path.join(dir, 'log', 'slurmctld.out'), env)
    )
    daemons.push(startDaemon('slurmd', sbin('slurmd'), ['-D', '-f', conf], path.join(dir, 'log', 'slurmd.out'), env))
    let last = ''
    await waitFor(
      'the node to be idle in sinfo',
      90_000,
      () => {
        const state = run(bin('sinfo'), ['-h', '-N', '-o', '%N %T'], { env, timeoutMs: 15_000 })
        last = `${state.stdout}${state.stderr}`.trim()
        return state.status === 0 && /\bidle\b/.test(state.stdout)
      },
      daemons
    ).catch((error: unknown) => {
      throw new Error(
        `${(error as Error).message}; sinfo: ${last}\n--- slurmctld.log\n${tail(logs.slurmctld)}\n--- slurmd.log\n${tail(logs.slurmd)}`
      )
    })
    process.stdout.write(`  sinfo: ${last}\n`)

    const srun = check('srun -N1 -n2 hostname', bin('srun'), ['-N1', '-n2', 'hostname'], { env, timeoutMs: 120_000 })
    const names = srun.stdout.trim().split('\n')
    if (names.length !== 2) throw new Error(`srun -N1 -n2 hostname printed ${names.length} lines:\n${srun.stdout}`)

    const script = path.join(dir, 'job.sh')
    const out = path.join(dir, 'job.out')
    writeFileSync(script, '#!/bin/bash\necho "job $SLURM_JOB_ID ran on $(hostname) in $SLURM_JOB_PARTITION" > "$1"\n', {
      mode: 0o755
    })
    check(
      'sbatch --wait',
      bin('sbatch'),
      ['--wait', '-N1', '-n1', `--chdir=${dir}`, `--output=${path.join(dir, 'slurm-%j.out')}`, script, out],
      { env, timeoutMs: 180_000 }
    )
    if (!existsSync(out)) throw new Error(`the sbatch job did not write ${out}`)
    return { srun: srun.stdout.trim(), sbatch: readFileSync(out, 'utf8').trim() }
  } catch (error) {
    throw new Error(
      `${(error as Error).message}\n--- slurmctld.log\n${tail(logs.slurmctld, 15)}\n--- slurmd.log\n${tail(logs.slurmd, 15)}\n--- munged.log\n${tail(logs.munged, 5)}`
    )
  } finally {
    for (const daemon of [...daemons].reverse()) await daemon.stop()
  }
}
