/**
 * `npm run e2e`: real builds of Slurm by the bundled action, then checks of what it uploaded.
 *
 *   source /tmp/offline-spack/env.sh && npm run e2e                        # 24.11.5
 *   npm run e2e -- 26.05 25.11.7                                           # series (newest release) or releases
 *   npm run e2e -- all                                                     # every supported series
 *   npm run e2e -- 24.11 --compiler gcc@11.3.0                             # with another GCC found on the runner
 *   E2E_REAL=1 npm run e2e                                                 # no SPACK_ROOT: the action installs Spack
 *
 * Without SPACK_ROOT (and without E2E_REAL=1) it says why it skipped and exits 0. For each version, in a work
 * directory of its own with its own cache and artifact services on 127.0.0.1:
 *   1. cold run: `node dist/index.js` + `node dist/post.js`;
 *   2. the uploaded artifact is downloaded back, unpacked into a directory of another path length, checked with
 *      `sha256sum -c SHA256SUMS` and the bundled audit (against the tree's own record in manifest.json);
 *   3. the runner's Spack work root (install tree, stage, view, environment) is deleted;
 *   4. the moved tree, traced: Lmod, a one-node cluster with srun, sbatch, MPI over PMIx, PMI-2, slurmrestd, and
 *      commands finding <tree>/etc/slurm.conf with SLURM_CONF unset; no traced call may name the deleted work root;
 *   5. warm run on a wiped runner (same paths, same cache service): nothing compiled, nothing concretized, the same
 *      tarball byte for byte.
 * Environment: E2E_VARIANTS (default: the richest set the mode can satisfy, see KIT_VARIANTS), E2E_SLURM (the
 * default version), E2E_TARGET (x86_64_v2 with a SPACK_ROOT, x86_64_v3 otherwise), E2E_JOBS (2), E2E_TIMEOUT_MIN
 * (90, per action step), E2E_WORKDIR (where work directories go), E2E_KEEP=1 keeps them (kept anyway on failure).
 */
import { DefaultArtifactClient } from '@actions/artifact'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { applyEnv, startServices, type Services } from '../__tests__/services/index.js'
import { fileCommands, reset, runnerDirs, runStep, snapshotAction, summaryRows, type RunnerDirs } from './action.js'
import { pureExtraction } from './extraction.js'
import { countSpackWork, type SpackWork } from './log.js'
import { checkMovedTree, missingTools, type MovedTreeResult } from './moved-tree.js'
import { check, run } from './procs.js'
import { targetsOf, type Target } from './targets.js'
import { SUMS_FILE } from '../src/artifact/layout.js'
import { layoutUnder, workRoot } from '../src/work.js'

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

/** Unpacks the tarball where the path differs in length from the build prefix; returns the tree. */
function unpack(tarball: string, work: string, buildPrefix: string): string {
  let unpackRoot = path.join(work, 'moved', 'elsewhere')
  const top = path.basename(tarball).replace(/\.tar\.(zst|gz)$/, '')
  if (path.join(unpackRoot, top).length === buildPrefix.length) unpackRoot = path.join(work, 'moved', 'elsewhere-x')
  mkdirSync(unpackRoot, { recursive: true })
  check('unpacking the tarball', 'tar', [
    ...(tarball.endsWith('.zst') ? ['-I', 'zstd'] : ['-z']),
    '-xf',
    tarball,
    '-C',
    unpackRoot
  ])
  const prefix = path.join(unpackRoot, top)
  if (!existsSync(prefix)) throw new Error(`the tarball has no top directory ${top}`)
  return prefix
}

/** The bundled audit on the moved tree, against the tree's own record (manifest.json's relocation section). */
function audit(actionDir: string, prefix: string): string {
  const result = run(process.execPath, [path.join(actionDir, 'dist', 'audit.js'), prefix, '--json'], {
    timeoutMs: 600_000
  })
  const report = JSON.parse(result.stdout || '{}') as {
    ok?: boolean
    filesScanned?: number
    elfFiles?: number
    errors?: number
    warnings?: number
    problems?: Array<{ kind: string; severity: string }>
  }
  const hazards = (report.problems ?? []).filter(p => p.kind === 'compiled-path-into-tree').length
  const line = `${report.ok ? 'passed' : 'FAILED'} (${report.filesScanned} files, ${report.elfFiles} ELF, ${report.errors} errors, ${report.warnings} warnings, ${hazards} relocation hazards)`
  if (result.status !== 0 || !report.ok)
    throw new Error(
      `the relocation audit of ${prefix} ${line}, exit ${result.status}:\n${result.stdout.slice(0, 4000)}${result.stderr}`
    )
  return line
}

/** The compiler checks of a build with another GCC: the artifact's name, the binaries' .comment, gcc-runtime. */
function checkCompiler(target: Target, prefix: string, built: readonly string[]): string {
  if (!target.compiler) return ''
  const version = target.compiler.replace(/^gcc@/, '')
  if (!path.basename(prefix).includes(`-gcc${version}-`))
    throw new Error(`the artifact ${path.basename(prefix)} is not named for gcc ${version}`)
  const comment = check('readelf -p .comment', 'readelf', [
    '-p',
    '.comment',
    path.join(prefix, 'sbin', 'slurmd')
  ]).stdout
  if (!comment.includes(`) ${version}`)) throw new Error(`sbin/slurmd was not compiled by GCC ${version}:\n${comment}`)
  if (!built.includes(`gcc-runtime-${version}`))
    throw new Error(`gcc-runtime ${version} was not built (built: ${built.join(', ')})`)
  return ` compiler=gcc@${version}(.comment: ${/GCC: \(([^)]*)\) ([\d.]+)/.exec(comment)?.[0] ?? '?'})`
}

async function runTarget(target: Target, chosen: Mode): Promise<string> {
  const work = mkdtempSync(path.join(process.env.E2E_WORKDIR ?? tmpdir(), `slurm-e2e-${target.label}-`))
  const dirs = runnerDirs(path.join(work, 'runner'))
  const actionDir = snapshotAction(path.join(work, 'action'))
  const inputs = {
    ...chosen.inputs,
    'slurm-version': target.request,
    ...(target.compiler ? { compiler: target.compiler } : {})
  }
  process.stdout.write(
    `e2e: ${target.label}: work directory ${work}; ${chosen.describe}\ne2e: inputs ${JSON.stringify(inputs)}\n`
  )
  const services = await startServices()
  let ok = false
  try {
    reset(dirs)
    const cold = await actionRun('cold', dirs, inputs, services, work, actionDir)
    const version = cold.outputs['slurm-version'] ?? ''
    const id = cold.outputs['artifact-id']
    const sha = cold.outputs['artifact-sha256'] ?? ''
    const buildPrefix = cold.outputs.prefix ?? ''
    if (version !== target.expect) throw new Error(`cold run built Slurm ${version}, expected ${target.expect}`)
    if (!id) throw new Error('cold run: no artifact-id output (the artifact was not uploaded)')
    process.stdout.write(
      `e2e: cold ${seconds(cold.ms)}; built ${cold.work.built.join(', ') || 'nothing'}; extracted ${cold.work.extracted.length}\n`
    )

    const tarball = await download(services, id, path.join(work, 'download'))
    const size = statSync(tarball).size
    const actualSha = check('sha256sum', 'sha256sum', [tarball]).stdout.split(' ')[0] ?? ''
    if (actualSha !== sha) throw new Error(`downloaded tarball sha256 ${actualSha}, the action reported ${sha}`)
    const prefix = unpack(tarball, work, buildPrefix)
    process.stdout.write(`e2e: unpacked into ${prefix} (${prefix.length} chars; build prefix ${buildPrefix.length})\n`)
    check(`sha256sum -c ${SUMS_FILE}`, 'sha256sum', ['--quiet', '--strict', '-c', SUMS_FILE], { cwd: prefix })
    const auditLine = audit(actionDir, prefix)
    process.stdout.write(`e2e: sha256sum -c: OK; audit: ${auditLine}\n`)
    const compilerLine = checkCompiler(target, prefix, cold.work.built)

    // The floor a warm run is compared with: plain tar of the build cache the cold run saved (a warm run that
    // restores the installed tree does not restore the build cache).
    const floor = pureExtraction(layoutUnder(workRoot(dirs.temp)).localMirror, work)

    // The build machine's Spack work root goes before the moved tree runs: nothing may quietly fall back on it.
    const buildRoot = workRoot(dirs.temp)
    reset(dirs)
    const untouchable = [process.env.SPACK_ROOT, process.env.OFFLINE_SOURCE_MIRROR?.replace(/^file:\/\//, '')].filter(
      (p): p is string => Boolean(p)
    )
    const moved: MovedTreeResult = await checkMovedTree({ prefix, version, work, forbidden: [buildRoot], untouchable })
    process.stdout.write(
      `e2e: build tree ${buildRoot} deleted; moved tree traced (${moved.trace.files} processes, ${moved.trace.calls} calls, none into it${untouchable.length ? ` nor ${untouchable.join(', ')}` : ''}; ` +
        `the scan's self-test caught: ${moved.trace.selfTest.slice(0, 160)})\n` +
        `e2e: SLURM_CONF unset, commands read ${moved.slurmConf}\ne2e: srun -N1 -n2 hostname:\n${moved.srun.replace(/^/gm, '  ')}\n` +
        `e2e: sbatch job: ${moved.sbatch}\ne2e: srun --mpi=list: ${moved.mpiList.replace(/\s+/g, ' ')}\n` +
        `e2e: srun --mpi=pmix -N1 -n2 (OpenMPI):\n${moved.allreduce.replace(/^/gm, '  ')}\n` +
        `e2e: srun --mpi=pmi2 -n2 (libpmi2 KVS):\n${moved.pmi2Kvs.replace(/^/gm, '  ')}\n` +
        `e2e: PMI2_Job_Spawn:\n${moved.pmi2Spawn.replace(/^/gm, '  ')}\ne2e: slurmrestd: ${moved.rest.openapi}; ${moved.rest.ping}\n`
    )

    // Warm, on a fresh runner with the same paths: only the Actions cache carries over. It is the job's second
    // attempt in the same workflow run, so its artifact replaces the first one's (names are unique per run).
    reset(dirs)
    const warm = await actionRun('warm', dirs, inputs, services, work, actionDir, '2')
    const problems: string[] = []
    if (warm.outputs['cache-hit'] !== 'exact') problems.push(`cache-hit is ${warm.outputs['cache-hit']}, not exact`)
    if (warm.work.built.length) problems.push(`built from source: ${warm.work.built.join(', ')}`)
    if (warm.work.concretizeCommands.length)
      problems.push(`concretize ran: ${warm.work.concretizeCommands.join(' | ')}`)
    if (!warm.work.nothingToConcretize) problems.push('no "nothing to concretize" line')
    if (warm.work.phasesExecuted) problems.push(`Spack executed ${warm.work.phasesExecuted} build phase(s)`)
    if (warm.outputs['artifact-sha256'] !== sha)
      problems.push(`the warm run's tarball (sha256 ${warm.outputs['artifact-sha256']}) differs from the cold run's`)
    if (warm.outputs['spec-hash'] !== cold.outputs['spec-hash'])
      problems.push(`spec hash ${warm.outputs['spec-hash']} differs from the cold run's ${cold.outputs['spec-hash']}`)
    if (problems.length) throw new Error(`warm run: ${problems.join('; ')} (see ${warm.log})`)
    const install = warm.summary.get('time: Install Slurm') ?? '?'
    const extractionLine =
      `pure-extraction=${seconds(floor.ms)}(${floor.archives} archives, ${(floor.bytes / 1024 / 1024).toFixed(1)}MB) ` +
      `warm/extraction=${(warm.ms / floor.ms).toFixed(1)}x`
    ok = true
    return (
      `e2e: PASS slurm=${version} cold=${seconds(cold.ms)} warm=${seconds(warm.ms)} warm-install=${install} ${extractionLine} ` +
      `built=${cold.work.built.length}(${cold.work.built.join(',')})${compilerLine} tarball=${(size / 1024 / 1024).toFixed(1)}MB ` +
      `sha256=${sha} audit=${auditLine} build-tree=deleted,untouched(${moved.trace.files} traced processes) ` +
      `jobs=ok(srun 2 tasks, sbatch, MPI allreduce over pmix, pmi2 kvs+spawn, slurmrestd ${/v0\.0\.\d+/.exec(moved.rest.ping)?.[0] ?? ''} ping)`
    )
  } finally {
    await services.close()
    if (ok && process.env.E2E_KEEP !== '1') rmSync(work, { recursive: true, force: true })
    else process.stdout.write(`e2e: work directory kept: ${work}\n`)
  }
}

async function main(): Promise<number> {
  const chosen = mode()
  if (typeof chosen === 'string') {
    process.stdout.write(`e2e: skipped: ${chosen}\n`)
    return 0
  }
  const missing = missingTools()
  if (missing.length) throw new Error(`the moved-tree checks need: ${missing.join(', ')} (apt-get install them)`)
  const targets = targetsOf(process.argv.slice(2), process.env.E2E_SLURM ?? '24.11.5')
  process.stdout.write(`e2e: ${targets.map(t => t.label).join(', ')}\ne2e: ${VARIANT_NOTE}\n`)
  const lines: string[] = []
  let failed = 0
  for (const target of targets) {
    try {
      lines.push(await runTarget(target, chosen))
    } catch (error) {
      failed++
      lines.push(`e2e: FAIL ${target.label}: ${error instanceof Error ? error.message : String(error)}`)
    }
    process.stdout.write(`${lines[lines.length - 1]}\n`)
  }
  process.stdout.write(`\ne2e: summary\n${lines.map(line => line.split('\n')[0]).join('\n')}\n`)
  return failed === 0 ? 0 : 1
}

main().then(
  code => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`e2e: FAILED: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  }
)
