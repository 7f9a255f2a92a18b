/**
 * A one-node cluster from the unpacked, moved Slurm tree: its own munged, slurmctld and slurmd on 127.0.0.1 and
 * unprivileged ports, with the slurm.conf at <tree>/etc/slurm.conf and no SLURM_CONF, no -f, no PluginDir: every
 * daemon and command must find its configuration, plugins and slurmstepd from the tree it was started from. When a
 * Tracer is given, every Slurm process runs under strace so that the run can prove what it touched.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { hostname, userInfo } from 'node:os'
import path from 'node:path'
import { MODULE_NAME, MODULES_DIR, SLURM_CONF } from '../src/artifact/layout.js'
import { check, freePort, run, sleep, startDaemon, type Daemon, type Finished } from './procs.js'
import type { Tracer } from './trace.js'

const LMOD_INIT = '/usr/share/lmod/lmod/init/bash'

/** Lmod, with the prefix as $1: the module's PATH must lead into the prefix. Fixed text (the layout's names). */
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

/**
 * A slurm.conf for one node on 127.0.0.1 (no PluginDir: the tree finds its plugins itself), no cgroups. The cluster
 * directory and the munge socket are reachable by other users (slurmrestd runs as nobody).
 */
export async function writeClusterConf(confFile: string, dir: string): Promise<ClusterFiles> {
  const user = userInfo().username
  const host = shortHost()
  const socket = path.join(dir, 'munge', 'munge.socket')
  const key = path.join(dir, 'munge', 'munge.key')
  const spool = path.join(dir, 'spool')
  const state = path.join(dir, 'state')
  for (const sub of [spool, state, path.join(dir, 'munge'), path.join(dir, 'log')]) mkdirSync(sub, { recursive: true })
  chmodSync(dir, 0o755)
  chmodSync(path.join(dir, 'munge'), 0o755)
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
  writeFileSync(confFile, `${lines.join('\n')}\n`, { mode: 0o644 })
  return { dir, conf: confFile, munge: { socket, key } }
}

/** A running cluster: how to run the tree's commands in it (traced when the cluster is). */
export interface Cluster {
  readonly prefix: string
  readonly files: ClusterFiles
  /** The environment every Slurm process gets: no SLURM_CONF, no path into the tree. */
  readonly env: NodeJS.ProcessEnv
  readonly tracer?: Tracer
  bin(name: string): string
  sbin(name: string): string
  /** Runs a command (traced), failing with its output unless it exits 0. */
  check(what: string, command: string, args: readonly string[], options?: RunExtra): Finished
  /** Runs a command (traced) and returns how it ended. */
  run(command: string, args: readonly string[], options?: RunExtra): Finished
  /** Starts a daemon (traced), stopped with the cluster. */
  start(name: string, command: string, args: readonly string[], env?: NodeJS.ProcessEnv): Daemon
  /** The last lines of a cluster log. */
  tail(name: string, lines?: number): string
}

export interface RunExtra {
  readonly env?: NodeJS.ProcessEnv
  readonly timeoutMs?: number
  readonly cwd?: string
}

/** What the Slurm processes get: the system PATH only (the tree must not be found through PATH), no SLURM_CONF. */
export function clusterEnv(dir: string): NodeJS.ProcessEnv {
  return { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8', TMPDIR: '/tmp' }
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

function tailOf(file: string, lines = 25): string {
  return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '(no log)'
}

/**
 * Starts munged, slurmctld and slurmd from `prefix`, waits for the node to be idle, runs `body`, and stops every
 * daemon by its PID, also when `body` fails (its error then carries the daemons' log tails).
 */
export async function withCluster<T>(
  prefix: string,
  files: ClusterFiles,
  tracer: Tracer | undefined,
  body: (cluster: Cluster) => Promise<T>
): Promise<T> {
  const { dir, munge } = files
  const env = clusterEnv(dir)
  const daemons: Daemon[] = []
  const log = (name: string): string => path.join(dir, 'log', `${name}.log`)
  const traced = (label: string, command: string, args: readonly string[]): [string, string[]] =>
    tracer ? tracer.wrap(label, command, args) : [command, [...args]]
  const cluster: Cluster = {
    prefix,
    files,
    env,
    ...(tracer ? { tracer } : {}),
    bin: name => path.join(prefix, 'bin', name),
    sbin: name => path.join(prefix, 'sbin', name),
    run: (command, args, options = {}) => {
      const [cmd, wrapped] = traced(path.basename(command), command, args)
      return run(cmd, wrapped, {
        env: options.env ?? env,
        timeoutMs: options.timeoutMs ?? 120_000,
        ...(options.cwd ? { cwd: options.cwd } : {})
      })
    },
    check: (what, command, args, options = {}) => {
      const result = cluster.run(command, args, options)
      if (result.status !== 0)
        throw new Error(`${what} failed (exit ${result.status}):\n${result.stdout}${result.stderr}`.trimEnd())
      return result
    },
    start: (name, command, args, daemonEnv = env) => {
      const [cmd, wrapped] = traced(name, command, args)
      const daemon = startDaemon(name, cmd, wrapped, path.join(dir, 'log', `${name}.out`), daemonEnv)
      daemons.push(daemon)
      return daemon
    },
    tail: (name, lines) => tailOf(log(name), lines)
  }
  writeFileSync(munge.key, randomBytes(1024), { mode: 0o600 })
  try {
    const mungeArgs = [
      '--foreground',
      `--socket=${munge.socket}`,
      `--key-file=${munge.key}`,
      `--pid-file=${path.join(dir, 'munge', 'munged.pid')}`,
      `--log-file=${log('munged')}`,
      `--seed-file=${path.join(dir, 'munge', 'munged.seed')}`
    ]
    if (userInfo().uid === 0) mungeArgs.unshift('--force')
    // munged is the system's, not the tree's: it runs untraced.
    daemons.push(startDaemon('munged', 'munged', mungeArgs, path.join(dir, 'log', 'munged.out')))
    await waitFor('the munge socket', 20_000, () => existsSync(munge.socket), daemons)
    check('munge round trip', 'bash', ['-c', 'munge --socket="$1" -n | unmunge --socket="$1"', 'munge', munge.socket])

    cluster.start('slurmctld', cluster.sbin('slurmctld'), ['-D'])
    cluster.start('slurmd', cluster.sbin('slurmd'), ['-D'])
    let last = ''
    await waitFor(
      'the node to be idle in sinfo',
      90_000,
      () => {
        const state = cluster.run(cluster.bin('sinfo'), ['-h', '-N', '-o', '%N %T'], { timeoutMs: 15_000 })
        last = `${state.stdout}${state.stderr}`.trim()
        return state.status === 0 && /\bidle\b/.test(state.stdout)
      },
      daemons
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; sinfo: ${last}`)
    })
    process.stdout.write(`  sinfo: ${last}\n`)
    return await body(cluster)
  } catch (error) {
    throw new Error(
      `${(error as Error).message}\n--- slurmctld.log\n${tailOf(log('slurmctld'), 15)}\n--- slurmd.log\n${tailOf(log('slurmd'), 15)}\n--- munged.log\n${tailOf(log('munged'), 5)}`
    )
  } finally {
    for (const daemon of [...daemons].reverse()) await daemon.stop()
  }
}

export interface BasicJobs {
  /** `scontrol show config`'s SLURM_CONF: the configuration file the commands found without being told. */
  readonly slurmConf: string
  readonly srun: string
  readonly sbatch: string
}

/** srun and sbatch jobs, and where the commands found slurm.conf with SLURM_CONF unset. */
export function basicJobs(c: Cluster): BasicJobs {
  const config = c.check('scontrol show config', c.bin('scontrol'), ['show', 'config'])
  const slurmConf = /^SLURM_CONF\s*=\s*(\S+)/m.exec(config.stdout)?.[1] ?? ''
  if (slurmConf !== c.files.conf)
    throw new Error(`with SLURM_CONF unset, scontrol read ${slurmConf || 'no slurm.conf'}, not ${c.files.conf}`)

  const srun = c.check('srun -N1 -n2 hostname', c.bin('srun'), ['-N1', '-n2', 'hostname'], { timeoutMs: 120_000 })
  const names = srun.stdout.trim().split('\n')
  if (names.length !== 2) throw new Error(`srun -N1 -n2 hostname printed ${names.length} lines:\n${srun.stdout}`)

  const script = path.join(c.files.dir, 'job.sh')
  const out = path.join(c.files.dir, 'job.out')
  writeFileSync(script, '#!/bin/bash\necho "job $SLURM_JOB_ID ran on $(hostname) in $SLURM_JOB_PARTITION" > "$1"\n', {
    mode: 0o755
  })
  c.check(
    'sbatch --wait',
    c.bin('sbatch'),
    [
      '--wait',
      '-N1',
      '-n1',
      `--chdir=${c.files.dir}`,
      `--output=${path.join(c.files.dir, 'slurm-%j.out')}`,
      script,
      out
    ],
    { timeoutMs: 180_000 }
  )
  if (!existsSync(out)) throw new Error(`the sbatch job did not write ${out}`)
  return { slurmConf, srun: srun.stdout.trim(), sbatch: readFileSync(out, 'utf8').trim() }
}
