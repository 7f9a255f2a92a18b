/**
 * `npm run e2e`: a real build of Slurm by the bundled action, then checks of what it uploaded.
 *
 *   source /tmp/offline-spack/env.sh && npx tsx e2e/run.ts      # with a prepared Spack (offline kit or site Spack)
 *   E2E_REAL=1 npx tsx e2e/run.ts                                # no SPACK_ROOT: the action provisions Spack itself
 *
 * Without SPACK_ROOT (and without E2E_REAL=1) it says why it skipped and exits 0. Otherwise:
 *   1. cold run: `node dist/index.js` + `node dist/post.js` against the local cache and artifact services (127.0.0.1);
 *   2. the uploaded artifact is downloaded back, unpacked into a directory of another path length, checked with
 *      `sha256sum -c SHA256SUMS` and the bundled audit;
 *   3. Lmod loads the module from the moved tree; sinfo, scontrol and slurmd report the version;
 *   4. a one-node cluster (own munged, slurmctld, slurmd) runs `srun -N1 -n2 hostname` and an `sbatch --wait` job;
 *   5. warm run on a wiped runner (same paths, same cache service): nothing compiled, nothing concretized.
 * Environment: E2E_VARIANTS (default: the richest set the mode can satisfy, see KIT_VARIANTS), E2E_SLURM
 * (24.11.5), E2E_TARGET (x86_64_v2 with a SPACK_ROOT, x86_64_v3 otherwise), E2E_JOBS (2), E2E_TIMEOUT_MIN (90, per
 * action step), E2E_WORKDIR (the temp directory the work directory goes in), E2E_KEEP=1 keeps the work directory
 * (kept anyway on failure).
 */
import { DefaultArtifactClient } from '@actions/artifact'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { applyEnv, startServices, type Services } from '../__tests__/services/index.js'
import { fileCommands, reset, runnerDirs, runStep, snapshotAction, summaryRows, type RunnerDirs } from './action.js'
import { checkLmod, runCluster, writeClusterConf } from './cluster.js'
import { pureExtraction } from './extraction.js'
import { countSpackWork, type SpackWork } from './log.js'
import { check, run } from './procs.js'
import { SLURM_CONF, SUMS_FILE } from '../src/artifact/layout.js'
import { layoutUnder, workRoot } from '../src/work.js'

const SLURM = process.env.E2E_SLURM ?? '24.11.5'
const JOBS = process.env.E2E_JOBS ?? '2'

/**
 * The richest variant set each mode can satisfy. With the offline kit, Debian's libraries are externals, so cgroup
 * (dbus), pam (linux-pam), readline and mariadb cost nothing to add. nvml needs CUDA and rsmi ROCm, which these
 * machines lack; hdf5 and gtk have no kit externals and their dependency trees can't be downloaded offline. With
 * network downloads (no externals) every dependency is built from source, so the slower ones (mariadb, dbus,
 * linux-pam) are left out to keep the weekly run near an hour.
 */
const KIT_VARIANTS = '+rest +pmix +hwloc +ucx +cgroup +pam +readline +mariadb'
const NETWORK_VARIANTS = '+rest +pmix +hwloc +ucx +readline'
const VARIANT_NOTE =
  'variants: nvml (CUDA) and rsmi (ROCm) have no libraries here; hdf5 and gtk have no kit externals and their ' +
  'sources cannot be downloaded offline; with network downloads mariadb, dbus (cgroup) and linux-pam would be ' +
  'compiled too, so that mode leaves them out'

interface Mode {
  readonly inputs: Record<string, string>
  readonly describe: string
}

function mode(): Mode | string {
  const root = process.env.SPACK_ROOT
  const real = process.env.E2E_REAL === '1'
  if (!root && !real)
    return 'SPACK_ROOT is not set (source the offline kit env.sh, or set E2E_REAL=1 to let the action install Spack)'
  if (root && !existsSync(path.join(root, 'bin', 'spack'))) return `SPACK_ROOT=${root} has no bin/spack`
  if (!existsSync('dist/index.js') || !existsSync('dist/post.js') || !existsSync('dist/audit.js'))
    return 'dist/ is not built (npm run build)'
  const inputs: Record<string, string> = {
    'slurm-version': SLURM,
    variants: process.env.E2E_VARIANTS ?? NETWORK_VARIANTS,
    target: process.env.E2E_TARGET ?? (root ? 'x86_64_v2' : 'x86_64_v3'),
    jobs: JOBS,
    'cache-key-prefix': 'slurm-factory-e2e',
    'retention-days': '1'
  }
  let describe = 'network downloads'
  if (root) inputs['spack-root'] = root
  else describe = 'Spack provisioned by the action, network downloads'
  const externals = process.env.OFFLINE_EXTERNALS
  const mirror = process.env.OFFLINE_SOURCE_MIRROR
  if (externals && mirror) {
    inputs['spack-config'] = externals
    inputs['buildcache-mirrors'] = mirror
    inputs.offline = 'true'
    inputs.variants = process.env.E2E_VARIANTS ?? KIT_VARIANTS
    describe = `offline kit (externals ${externals}, mirror ${mirror})`
  }
  return { inputs, describe }
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`

interface RunResult {
  readonly ms: number
  readonly mainMs: number
  readonly outputs: Record<string, string>
  readonly summary: Map<string, string>
  readonly work: SpackWork
  readonly log: string
}

async function actionRun(
  label: string,
  dirs: RunnerDirs,
  inputs: Record<string, string>,
  services: Services,
  work: string,
  actionDir: string,
  attempt = '1'
): Promise<RunResult> {
  const log = path.join(work, `${label}.log`)
  process.stdout.write(`e2e: ${label} run (log ${log})\n`)
  const env = { ...services.env, GITHUB_RUN_ATTEMPT: attempt }
  const main = await runStep('index', dirs, inputs, env, log, label, actionDir)
  const outputs = fileCommands(dirs.files.GITHUB_OUTPUT)
  const post = await runStep('post', dirs, inputs, env, log, `${label} post`, actionDir)
  const summary = summaryRows(dirs.files.GITHUB_STEP_SUMMARY)
  const result = { ms: main.ms + post.ms, mainMs: main.ms, outputs, summary, work: countSpackWork(log), log }
  if (main.status !== 0)
    throw new Error(`${label} run: the action failed (exit ${main.status}): ${summary.get('result') ?? ''}; see ${log}`)
  if (post.status !== 0) throw new Error(`${label} run: the post step failed (exit ${post.status}); see ${log}`)
  return result
}

/** Downloads the uploaded artifact back from the artifact service, as another job would. */
async function download(services: Services, id: string, into: string): Promise<string> {
  mkdirSync(into, { recursive: true })
  const restore = applyEnv(services.env)
  try {
    const result = await new DefaultArtifactClient().downloadArtifact(Number(id), { path: into })
    if (!result.downloadPath) throw new Error(`artifact ${id} was not downloaded`)
  } finally {
    restore()
  }
  const tarball = readdirSync(into).find(name => /\.tar\.(zst|gz)$/.test(name))
  if (!tarball) throw new Error(`artifact ${id} holds no tarball: ${readdirSync(into).join(', ')}`)
  return path.join(into, tarball)
}

async function main(): Promise<number> {
  const chosen = mode()
  if (typeof chosen === 'string') {
    process.stdout.write(`e2e: skipped: ${chosen}\n`)
    return 0
  }
  const work = mkdtempSync(path.join(process.env.E2E_WORKDIR ?? tmpdir(), 'slurm-e2e-'))
  const dirs = runnerDirs(path.join(work, 'runner'))
  const actionDir = snapshotAction(path.join(work, 'action'))
  process.stdout.write(
    `e2e: work directory ${work}; ${chosen.describe}\ne2e: inputs ${JSON.stringify(chosen.inputs)}\n`
  )
  process.stdout.write(`e2e: ${VARIANT_NOTE}\n`)
  const services = await startServices()
  let ok = false
  try {
    // 1. cold
    reset(dirs)
    const cold = await actionRun('cold', dirs, chosen.inputs, services, work, actionDir)
    const version = cold.outputs['slurm-version'] ?? ''
    const id = cold.outputs['artifact-id']
    const sha = cold.outputs['artifact-sha256'] ?? ''
    const buildPrefix = cold.outputs.prefix ?? ''
    if (!version.startsWith(SLURM.split('.').length === 3 ? SLURM : `${SLURM}.`))
      throw new Error(`cold run built Slurm ${version}, asked for ${SLURM}`)
    if (!id) throw new Error('cold run: no artifact-id output (the artifact was not uploaded)')
    process.stdout.write(
      `e2e: cold ${seconds(cold.ms)}; built ${cold.work.built.join(', ') || 'nothing'}; extracted ${cold.work.extracted.length}\n`
    )

    // 2. the uploaded artifact, moved
    const tarball = await download(services, id, path.join(work, 'download'))
    const size = statSync(tarball).size
    const actualSha = check('sha256sum', 'sha256sum', [tarball]).stdout.split(' ')[0] ?? ''
    if (actualSha !== sha) throw new Error(`downloaded tarball sha256 ${actualSha}, the action reported ${sha}`)
    let unpackRoot = path.join(work, 'moved', 'elsewhere')
    const top = path.basename(tarball).replace(/\.tar\.(zst|gz)$/, '')
    if (path.join(unpackRoot, top).length === buildPrefix.length) unpackRoot = path.join(work, 'moved', 'elsewhere-x')
    mkdirSync(unpackRoot, { recursive: true })
    const decompress = tarball.endsWith('.zst') ? ['-I', 'zstd'] : ['-z']
    check('unpacking the tarball', 'tar', [...decompress, '-xf', tarball, '-C', unpackRoot])
    const prefix = path.join(unpackRoot, top)
    if (!existsSync(prefix)) throw new Error(`the tarball has no top directory ${top}`)
    process.stdout.write(`e2e: unpacked into ${prefix} (${prefix.length} chars; build prefix ${buildPrefix.length})\n`)
    check(`sha256sum -c ${SUMS_FILE}`, 'sha256sum', ['--quiet', '--strict', '-c', SUMS_FILE], { cwd: prefix })
    const auditArgs = [
      path.join(actionDir, 'dist', 'audit.js'),
      prefix,
      '--json',
      // As in the action: Slurm compiles its default paths in (the plugin directory is found at run time instead).
      ...(buildPrefix ? ['--build-prefix', buildPrefix, '--warn', 'build-prefix-in-elf'] : [])
    ]
    const auditRun = run(process.execPath, auditArgs, { timeoutMs: 600_000 })
    const report = JSON.parse(auditRun.stdout || '{}') as {
      ok?: boolean
      filesScanned?: number
      elfFiles?: number
      errors?: number
      warnings?: number
    }
    const auditLine = `${report.ok ? 'passed' : 'FAILED'} (${report.filesScanned} files, ${report.elfFiles} ELF, ${report.errors} errors, ${report.warnings} warnings)`
    if (auditRun.status !== 0 || !report.ok)
      throw new Error(
        `the relocation audit of ${prefix} ${auditLine}, exit ${auditRun.status}:\n${auditRun.stdout.slice(0, 4000)}${auditRun.stderr}`
      )
    process.stdout.write(`e2e: sha256sum -c: OK; audit: ${auditLine}\n`)

    // 3. Lmod, with the cluster's slurm.conf where the module's SLURM_CONF default points
    const files = await writeClusterConf(path.join(prefix, SLURM_CONF), path.join(work, 'cluster'))
    process.stdout.write(`${checkLmod(prefix, version).replace(/^/gm, '  lmod: ')}\n`)

    // 4. the cluster
    const jobs = await runCluster(prefix, files)
    process.stdout.write(
      `e2e: srun -N1 -n2 hostname:\n${jobs.srun.replace(/^/gm, '  ')}\ne2e: sbatch job: ${jobs.sbatch}\n`
    )

    // 5. warm, on a fresh runner with the same paths: only the Actions cache carries over. It is the job's second
    // attempt in the same workflow run, so its artifact replaces the first one's (names are unique per run).
    reset(dirs)
    const warm = await actionRun('warm', dirs, chosen.inputs, services, work, actionDir, '2')
    const problems: string[] = []
    if (warm.outputs['cache-hit'] !== 'exact') problems.push(`cache-hit is ${warm.outputs['cache-hit']}, not exact`)
    if (warm.work.built.length) problems.push(`built from source: ${warm.work.built.join(', ')}`)
    if (warm.work.concretizeCommands.length)
      problems.push(`concretize ran: ${warm.work.concretizeCommands.join(' | ')}`)
    if (!warm.work.nothingToConcretize) problems.push('no "nothing to concretize" line')
    if (warm.work.phasesExecuted) problems.push(`Spack executed ${warm.work.phasesExecuted} build phase(s)`)
    if (warm.outputs['spec-hash'] !== cold.outputs['spec-hash'])
      problems.push(`spec hash ${warm.outputs['spec-hash']} differs from the cold run's ${cold.outputs['spec-hash']}`)
    if (problems.length) throw new Error(`warm run: ${problems.join('; ')} (see ${warm.log})`)
    const install = warm.summary.get('time: Install Slurm') ?? '?'
    process.stdout.write(
      `e2e: warm ${seconds(warm.ms)} (main ${seconds(warm.mainMs)}), of which Install Slurm (extraction) ${install}; ` +
        `extracted ${warm.work.extracted.length}: ${warm.work.extracted.join(', ')}\n`
    )
    const floor = pureExtraction(layoutUnder(workRoot(dirs.temp)).localMirror, work)
    const extractionLine =
      `pure-extraction=${seconds(floor.ms)}(${floor.archives} archives, ${(floor.bytes / 1024 / 1024).toFixed(1)}MB) ` +
      `warm/extraction=${(warm.ms / floor.ms).toFixed(1)}x`
    process.stdout.write(`e2e: plain tar -xzf of the build cache's archives: ${extractionLine}\n`)

    process.stdout.write(
      `e2e: PASS cold=${seconds(cold.ms)} warm=${seconds(warm.ms)} warm-install=${install} ${extractionLine} ` +
        `built=${cold.work.built.length}(${cold.work.built.join(',')}) tarball=${(size / 1024 / 1024).toFixed(1)}MB ` +
        `sha256=${sha} audit=${auditLine} jobs=ok(srun ${jobs.srun.split('\n').length} tasks, sbatch ok)\n`
    )
    ok = true
    return 0
  } finally {
    await services.close()
    if (ok && process.env.E2E_KEEP !== '1') rmSync(work, { recursive: true, force: true })
    else process.stdout.write(`e2e: work directory kept: ${work}\n`)
  }
}

main().then(
  code => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`e2e: FAILED: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  }
)
