/**
 * The action's warm run with real Spack (the offline kit: `source /tmp/offline-spack/env.sh`) against its floor, and
 * optionally against another build of the action, in the same run.
 *
 * Each run is the bundled action (`node dist/index.js`, then `node dist/post.js`, e2e/action.ts) building Slurm on a
 * fresh runner with the same paths: only the local cache service carries over, as on GitHub's hosted runners. Set-up,
 * not counted: one cold run of this checkout's dist/ (build, save), and with BENCH_BEFORE one warm-up run of that build
 * (it restores the cold run's build cache by its family key and saves its own). Then BENCH_WARM_ROUNDS rounds, each a
 * warm run of BENCH_BEFORE (if given) then one of this checkout, every one an exact hit that builds nothing.
 *
 * The floor, measured after the rounds on the same machine: restoring the build cache's entry alone (@actions/cache,
 * in this process), plain `tar -xzf` of every package archive in it (e2e/extraction.ts), and plain `tar | zstd -T0 -3`
 * of the staged artifact directory the last warm run left. The goal is a warm run of at most twice the floor.
 *
 *   source /tmp/offline-spack/env.sh && npm run build && npx tsx bench/warm-floor.bench.ts
 *   BENCH_BEFORE=/path/to/other/action BENCH_WARM_ROUNDS=5 npx tsx bench/warm-floor.bench.ts
 * BENCH_BEFORE is a directory holding dist/, spack-repo/, action.yml and package.json of another build (for example a
 * `git worktree` of main with `npm ci && npm run build`, copied elsewhere).
 */
import * as cache from '@actions/cache'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { applyEnv, startServices, type Services } from '../__tests__/services/index.js'
import {
  fileCommands,
  reset,
  runnerDirs,
  runStep,
  snapshotAction,
  summaryRows,
  type RunnerDirs
} from '../e2e/action.js'
import { pureExtraction } from '../e2e/extraction.js'
import { countSpackWork } from '../e2e/log.js'
import { workDirs } from '../src/work.js'

const ROUNDS = Number(process.env.BENCH_WARM_ROUNDS ?? 3)
const out = (text: string): void => void process.stdout.write(`${text}\n`)
const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

function kitInputs(): Record<string, string> {
  const { SPACK_ROOT, OFFLINE_EXTERNALS, OFFLINE_SOURCE_MIRROR } = process.env
  if (!SPACK_ROOT || !OFFLINE_EXTERNALS || !OFFLINE_SOURCE_MIRROR)
    throw new Error('source the offline kit first (SPACK_ROOT, OFFLINE_EXTERNALS, OFFLINE_SOURCE_MIRROR)')
  if (!existsSync('dist/index.js')) throw new Error('dist/ is not built (npm run build)')
  return {
    'slurm-version': process.env.BENCH_SLURM ?? '24.11.5',
    variants: '+rest +pmix +hwloc +ucx +cgroup +pam +readline +mariadb',
    target: 'x86_64_v2',
    jobs: '2',
    upload: 'false',
    'cache-key-prefix': 'warm-floor',
    'spack-root': SPACK_ROOT,
    'spack-config': OFFLINE_EXTERNALS,
    'buildcache-mirrors': OFFLINE_SOURCE_MIRROR,
    offline: 'true'
  }
}

interface Run {
  readonly ms: number
  readonly phases: Readonly<Record<string, number>>
  readonly hit: string
}

async function action(
  label: string,
  actionDir: string,
  dirs: RunnerDirs,
  services: Services,
  work: string
): Promise<Run> {
  reset(dirs)
  const log = path.join(work, `${label.replace(/\W+/g, '-')}.log`)
  const env = { ...services.env, GITHUB_RUN_ATTEMPT: '2' }
  const load = (loadavg()[0] as number).toFixed(1)
  const started = performance.now()
  const main = await runStep('index', dirs, kitInputs(), env, log, label, actionDir)
  const post = await runStep('post', dirs, kitInputs(), env, log, `${label} post`, actionDir)
  const ms = performance.now() - started
  if (main.status !== 0 || post.status !== 0) throw new Error(`${label} failed, see ${log}`)
  const rows = summaryRows(dirs.files.GITHUB_STEP_SUMMARY)
  const phases = Object.fromEntries(
    [...rows].filter(([name]) => name.startsWith('time: ')).map(([name, value]) => [name.slice(6), parseFloat(value)])
  )
  const spack = countSpackWork(log)
  const hit = rows.get('build cache') ?? ''
  const sha = fileCommands(dirs.files.GITHUB_OUTPUT)['artifact-sha256']?.slice(0, 12)
  out(
    `${label}: ${s(ms)} (load ${load}); built ${spack.built.join(', ') || 'nothing'}, extracted ${spack.extracted.length}; ` +
      `${hit}; tarball ${sha}\n    ${Object.entries(phases)
        .map(([name, seconds]) => `${name} ${seconds.toFixed(1)}`)
        .join(' | ')}`
  )
  return { ms, phases, hit }
}

/** The floor: the build cache's restore alone, plain extraction of its archives, plain packing of the staged tree. */
async function floor(dirs: RunnerDirs, services: Services, work: string, key: string): Promise<number> {
  const staged = workDirs(dirs.temp).artifact
  const name = readdirSync(staged).find(entry => !entry.includes('.tar')) as string
  const packed = path.join(work, 'plain.tar.zst')
  const packStart = performance.now()
  const pack = spawnSync('bash', [
    '-c',
    'tar -cf - -C "$1" "$2" | zstd -T0 -3 -q -f -o "$3"',
    '_',
    staged,
    name,
    packed
  ])
  const packMs = performance.now() - packStart
  if (pack.status !== 0) throw new Error(`plain packing failed: ${pack.stderr}`)
  reset(dirs)
  const { layout, cacheState } = workDirs(dirs.temp)
  // The toolkit keeps paths relative to the workspace: restore as the action's process would.
  const restoreEnv = applyEnv({ ...services.env, GITHUB_WORKSPACE: dirs.workspace })
  const restoreStart = performance.now()
  let restored: string | undefined
  try {
    restored = await cache.restoreCache([layout.localMirror, cacheState], key)
  } finally {
    restoreEnv()
  }
  const restoreMs = performance.now() - restoreStart
  if (restored !== key) throw new Error(`the floor's restore of ${key} found nothing`)
  const extraction = pureExtraction(layout.localMirror, work)
  const total = restoreMs + extraction.ms + packMs
  out(
    `floor: restore ${s(restoreMs)} + plain extraction ${s(extraction.ms)} (${extraction.archives} archives, ` +
      `${(extraction.bytes / 1e6).toFixed(1)} MB) + plain packing ${s(packMs)} (${(statSync(packed).size / 1e6).toFixed(1)} MB) = ${s(total)}`
  )
  return total
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(process.env.BENCH_WORKDIR ?? tmpdir(), 'bench-warm-floor-'))
  const dirs = runnerDirs(path.join(work, 'runner'))
  const after = snapshotAction(path.join(work, 'action'))
  const before = process.env.BENCH_BEFORE
  const services = await startServices({ artifact: false })
  out(`warm-floor bench: ${ROUNDS} rounds, work ${work}${before ? `, before: ${before}` : ''}`)
  try {
    await action('cold (set-up)', after, dirs, services, work)
    if (before) await action('before, warm-up (set-up)', before, dirs, services, work)
    const runs: { before: Run[]; after: Run[] } = { before: [], after: [] }
    for (let round = 1; round <= ROUNDS; round++) {
      if (before) runs.before.push(await action(`before ${round}`, before, dirs, services, work))
      runs.after.push(await action(`this ${round}`, after, dirs, services, work))
    }
    const key = /^exact \(([^,)]+)/.exec(runs.after[0]?.hit ?? '')?.[1]
    if (!key) throw new Error(`the warm runs were not exact hits: ${runs.after[0]?.hit}`)
    const floorMs = await floor(dirs, services, work, key)
    const phases = [...new Set([...runs.before, ...runs.after].flatMap(run => Object.keys(run.phases)))]
    out(`\nmedians over ${ROUNDS} rounds:`)
    for (const [side, list] of Object.entries(runs).filter(([, list]) => list.length > 0)) {
      const total = median(list.map(run => run.ms))
      out(
        `  ${side === 'after' ? 'this checkout' : 'before'}: ${s(total)} = ${(total / floorMs).toFixed(2)} × the floor`
      )
      for (const phase of phases) out(`    ${phase}: ${median(list.map(run => run.phases[phase] ?? 0)).toFixed(1)} s`)
    }
  } finally {
    await services.close()
    if (process.env.BENCH_KEEP !== '1') rmSync(work, { recursive: true, force: true })
  }
}

await main()
