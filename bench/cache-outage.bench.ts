/**
 * What a cache service that stops answering costs a whole job (main step and post step), with the stand-in `spack`
 * and the bundled action (`node dist/index.js`, then `node dist/post.js`, as a runner runs them; `npm run build` first):
 * the job's wall time with a service that holds every request, minus the same job's with the cache off, for a few
 * values of the job's cache budget (SLURM_FACTORY_CACHE_TIMEOUT_MINS). The budget is meant to bound it: one
 * timeout for the whole job, however many cache calls it has. Also a service that answers every call with 500, with
 * the toolkit's real retries (about 25 s for the first call); nothing after that first call is tried.
 *
 *   npx tsx bench/cache-outage.bench.ts               # budgets 3 s and 6 s, 3 counted jobs each
 *   BENCH_OUTAGE_RUNS=5 BENCH_OUTAGE_500=1 npx tsx bench/cache-outage.bench.ts
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { startServices, type Services } from '../__tests__/services/index.js'
import { reset, runnerDirs, runStep, snapshotAction, type RunnerDirs } from '../e2e/action.js'

const RUNS = Number(process.env.BENCH_OUTAGE_RUNS ?? 3)
const BUDGETS_MIN = [0.05, 0.1]

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`

const STAND_IN = {
  'spack-root': path.resolve('__tests__/fixtures/stand-in-spack'),
  compiler: 'gcc@12.2.0',
  target: 'x86_64_v2',
  upload: 'false'
}

const work = mkdtempSync(path.join(tmpdir(), 'cache-outage-'))
const actionDir = snapshotAction(path.join(work, 'action'))
let jobs = 0

/** One job, main step then post step, on a fresh runner; its wall time and its warnings. */
async function job(
  services: Services,
  inputs: Record<string, string>,
  env: Record<string, string>
): Promise<{ ms: number; warnings: number; status: number }> {
  const dirs: RunnerDirs = runnerDirs(path.join(work, `runner-${jobs++}`))
  reset(dirs)
  const log = path.join(dirs.root, 'job.log')
  const quiet = { ...services.env, ...env }
  // runStep narrates each step's groups on stdout; a bench prints only its figures.
  const write = process.stdout.write
  process.stdout.write = (() => true) as typeof process.stdout.write
  const started = performance.now()
  let main, post
  try {
    main = await runStep('index', dirs, inputs, quiet, log, 'main', actionDir)
    post = await runStep('post', dirs, inputs, quiet, log, 'post', actionDir)
  } finally {
    process.stdout.write = write
  }
  const ms = performance.now() - started
  const warnings = readFileSync(log, 'utf8')
    .split('\n')
    .filter(line => line.startsWith('::warning')).length
  rmSync(dirs.root, { recursive: true, force: true })
  return { ms, warnings, status: (main.status ?? 1) || (post.status ?? 1) }
}

async function measure(
  label: string,
  services: Services,
  inputs: Record<string, string>,
  env: Record<string, string>
): Promise<number> {
  await job(services, inputs, env) // warm-up, not counted
  const times: number[] = []
  let warnings = 0
  for (let i = 0; i < RUNS; i++) {
    const result = await job(services, inputs, env)
    if (result.status !== 0) throw new Error(`${label}: the job failed`)
    times.push(result.ms)
    warnings = result.warnings
  }
  process.stdout.write(
    `${label}: median ${seconds(median(times))} (${times.map(seconds).join(', ')}), ${warnings} warning(s) per job\n`
  )
  return median(times)
}

async function main(): Promise<void> {
  const services = await startServices({ artifact: false })
  try {
    const inputs = STAND_IN
    const off = await measure('cache off (no cache traffic)', services, { ...inputs, cache: 'false' }, {})
    const hold = services.fail({ endpoint: 'twirp', delayMs: 30 * 60_000 })
    try {
      for (const minutes of BUDGETS_MIN) {
        const budget = minutes * 60_000
        const hanging = await measure(
          `service holding every request, budget ${seconds(budget)}`,
          services,
          { ...inputs, cache: 'true' },
          { SLURM_FACTORY_CACHE_TIMEOUT_MINS: String(minutes) }
        )
        process.stdout.write(
          `  extra time of the job: ${seconds(hanging - off)} for a budget of ${seconds(budget)} (ratio ${((hanging - off) / budget).toFixed(2)})\n`
        )
      }
    } finally {
      hold.remove()
    }
    if (process.env.BENCH_OUTAGE_500 === '1') {
      const failing = services.fail({ endpoint: 'twirp', status: 500 })
      try {
        const erroring = await measure(
          'service answering 500 (real toolkit retries)',
          services,
          { ...inputs, cache: 'true' },
          {}
        )
        process.stdout.write(`  extra time of the job: ${seconds(erroring - off)}\n`)
      } finally {
        failing.remove()
      }
    }
  } finally {
    await services.close()
    rmSync(work, { recursive: true, force: true })
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`cache-outage: ${error instanceof Error ? error.stack : String(error)}\n`)
    process.exit(1)
  }
)
