/**
 * The first run of a build matrix, with real Spack (the offline kit: `source /tmp/offline-spack/env.sh`): two cells
 * of different Slurm series with the same compiler, as they start together on GitHub, (a) alone, each with nothing
 * cached, and (b) after a dependencies job (`stage: dependencies`, both series) that they `needs:`. What each job
 * compiles, how long it takes, and the machine's load while it ran.
 *
 * Each job is the bundled action (`node dist/index.js`, then `node dist/post.js`, e2e/action.ts) on a fresh runner with
 * the same paths (only the local cache service carries over, as on GitHub's hosted runners). Cells that start together
 * cannot restore each other's entries: before each cell, the entries other cells of the same run saved are deleted.
 *
 *   source /tmp/offline-spack/env.sh && npm run build && npx tsx bench/matrix.bench.ts
 *   BENCH_MATRIX_SERIES='24.11 26.05' BENCH_MATRIX_RUNS=1 BENCH_MATRIX_ALONE=0 npx tsx bench/matrix.bench.ts
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { startServices, type Services } from '../__tests__/services/index.js'
import { reset, runnerDirs, runStep, snapshotAction, summaryRows, type RunnerDirs } from '../e2e/action.js'
import { countSpackWork } from '../e2e/log.js'

const SERIES = (process.env.BENCH_MATRIX_SERIES ?? '24.11 26.05').split(/\s+/).filter(Boolean)
const RUNS = Number(process.env.BENCH_MATRIX_RUNS ?? 1)
const ALONE = process.env.BENCH_MATRIX_ALONE !== '0'

interface JobResult {
  readonly label: string
  readonly seconds: number
  readonly built: readonly string[]
  readonly extracted: number
  readonly concretized: boolean
  readonly indexBuilt: boolean
  readonly load: string
  readonly phases: Readonly<Record<string, number>>
}

function kitInputs(): Record<string, string> {
  const root = process.env.SPACK_ROOT
  const externals = process.env.OFFLINE_EXTERNALS
  const mirror = process.env.OFFLINE_SOURCE_MIRROR
  if (!root || !externals || !mirror) throw new Error('source the offline kit first (SPACK_ROOT, OFFLINE_EXTERNALS)')
  if (!existsSync('dist/index.js')) throw new Error('dist/ is not built (npm run build)')
  return {
    'spack-root': root,
    'spack-config': externals,
    'buildcache-mirrors': mirror,
    offline: 'true',
    variants: '+rest +pmix +hwloc +ucx +cgroup +pam +readline +mariadb',
    target: 'x86_64_v2',
    jobs: String(cpus().length),
    upload: 'false'
  }
}

const loads = (): string =>
  loadavg()
    .slice(0, 1)
    .map(l => l.toFixed(1))
    .join('')

async function runJob(
  label: string,
  dirs: RunnerDirs,
  inputs: Record<string, string>,
  services: Services,
  work: string,
  actionDir: string
): Promise<JobResult> {
  reset(dirs)
  const log = path.join(work, `${label.replace(/\W+/g, '-')}.log`)
  const before = loads()
  const started = performance.now()
  const main = await runStep('index', dirs, inputs, services.env, log, label, actionDir)
  const post = await runStep('post', dirs, inputs, services.env, log, `${label} post`, actionDir)
  const seconds = (performance.now() - started) / 1000
  if (main.status !== 0 || post.status !== 0) throw new Error(`${label} failed, see ${log}`)
  const spack = countSpackWork(log)
  const rows = summaryRows(dirs.files.GITHUB_STEP_SUMMARY)
  const phases = Object.fromEntries(
    [...rows].filter(([name]) => name.startsWith('time: ')).map(([name, value]) => [name.slice(6), parseFloat(value)])
  )
  return {
    label,
    seconds,
    built: spack.built,
    extracted: spack.extracted.length,
    concretized: spack.concretizeCommands.length > 0,
    indexBuilt: /No cached package index/.test(readFileSync(log, 'utf8')),
    load: `${before}→${loads()}`,
    phases
  }
}

/** Deletes what the cells of this run saved (their own keys and trees), keeping the dependencies job's and the index. */
function forgetCells(services: Services, prefix: string, keep: readonly string[]): void {
  for (const entry of services.cache?.entries ?? [])
    if (entry.key.startsWith(`${prefix}-`) && !entry.key.includes('-spack-index-') && !keep.includes(entry.key))
      services.cache?.state.delete(entry.key, entry.version)
}

function line(result: JobResult): string {
  const phases = ['Render the environment', 'Restore the build cache', "Install Slurm's dependencies", 'Install Slurm']
    .filter(name => result.phases[name] !== undefined)
    .map(name => `${name} ${result.phases[name]?.toFixed(0)} s`)
    .join(', ')
  return (
    `${result.label.padEnd(34)} ${result.seconds.toFixed(0).padStart(5)} s  built: ${result.built.join(', ') || 'nothing'}; ` +
    `extracted ${result.extracted}; ${result.concretized ? 'concretized' : 'lock adopted'}; ` +
    `${result.indexBuilt ? 'indexed the builtin packages' : 'index restored'}; load ${result.load}; ${phases}`
  )
}

async function main(): Promise<void> {
  const inputs = kitInputs()
  const work = mkdtempSync(path.join(process.env.BENCH_WORKDIR ?? tmpdir(), 'bench-matrix-'))
  const dirs = runnerDirs(path.join(work, 'runner'))
  const actionDir = snapshotAction(path.join(work, 'action'))
  const services = await startServices({ artifact: false })
  const out = (text: string): void => void process.stdout.write(`${text}\n`)
  out(`matrix bench: series ${SERIES.join(', ')}, ${RUNS} run(s), work ${work}; ${cpus().length} cores`)
  const results: JobResult[] = []
  try {
    for (let run = 1; run <= RUNS; run++) {
      if (ALONE) {
        for (const series of SERIES) {
          // Alone: nothing cached, each cell its own key prefix (they start together, nothing to share).
          const prefix = `alone-${run}-${series}`
          const result = await runJob(
            `run ${run} alone: cell ${series}`,
            dirs,
            {
              ...inputs,
              'slurm-version': series,
              'cache-key-prefix': prefix
            },
            services,
            work,
            actionDir
          )
          results.push(result)
          out(line(result))
        }
      }
      const prefix = `after-${run}`
      const deps = await runJob(
        `run ${run}: dependencies job`,
        dirs,
        {
          ...inputs,
          stage: 'dependencies',
          'slurm-version': SERIES.join(' '),
          'cache-key-prefix': prefix
        },
        services,
        work,
        actionDir
      )
      results.push(deps)
      out(line(deps))
      const kept = (services.cache?.entries ?? [])
        .filter(e => e.finalized && e.key.startsWith(`${prefix}-`))
        .map(e => e.key)
      for (const series of SERIES) {
        forgetCells(services, prefix, kept)
        const cell = await runJob(
          `run ${run} after it: cell ${series}`,
          dirs,
          {
            ...inputs,
            'slurm-version': series,
            'cache-key-prefix': prefix
          },
          services,
          work,
          actionDir
        )
        results.push(cell)
        out(line(cell))
      }
    }
    out('\nsummary (seconds; medians over runs):')
    const labels = [...new Set(results.map(r => r.label.replace(/^run \d+ ?/, '')))]
    for (const label of labels) {
      const times = results
        .filter(r => r.label.replace(/^run \d+ ?/, '') === label)
        .map(r => r.seconds)
        .sort((a, b) => a - b)
      const mid = times[Math.floor(times.length / 2)] as number
      const built = results.find(r => r.label.endsWith(label))?.built.join(', ') || 'nothing'
      out(`  ${label.padEnd(30)} median ${mid.toFixed(0)} s over ${times.length}; built ${built}`)
    }
  } finally {
    await services.close()
    if (process.env.BENCH_KEEP !== '1') rmSync(work, { recursive: true, force: true })
  }
}

await main()
