/**
 * With real Spack (`source <offline kit>/env.sh`) and the bundled action (`npm run build`): the action's warm run of
 * Slurm against the hand-written workflow a user would write without it (bench/hand-written.ts), plain and tuned,
 * and the floor, alternating in the same run.
 *
 * Set-up, once: a cold run of the action (`node dist/index.js` + `node dist/post.js`, the local cache service, the
 * kit's externals, source mirror and offline mode; Slurm compiled), then the action's local build cache packed as an
 * actions/cache entry and its spack.yaml kept; one uncounted round (the action warm, the hand-written plain run, whose
 * Spack user cache and lock become the tuned variant's cache entry).
 * Then BENCH_COMPARE_RUNS rounds (3), each on a wiped runner (same paths, only cache entries survive):
 *   (a) the action, warm: an exact cache hit, nothing built; (b) hand-written plain; (c) hand-written tuned;
 *   (d) the floor: restore the mirror's tarball + unpack its package archives with tar + pack a view.
 * The load average is read before each run; the figures are medians; the ratios are of medians.
 *
 *   source /tmp/offline-spack/env.sh && npm run build && npx tsx bench/compare-warm.bench.ts
 */
import { cpus } from 'node:os'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { startServices, type Services } from '../__tests__/services/index.js'
import { fileCommands, reset, runnerDirs, runStep, snapshotAction, type RunnerDirs } from '../e2e/action.js'
import { countSpackWork } from '../e2e/log.js'
import { layoutUnder, workRoot } from '../src/work.js'
import {
  floorRun,
  handWrittenRun,
  keep,
  saveEntry,
  saveTunedEntry,
  type HandWrittenRun,
  type HandWrittenSetup
} from './hand-written.js'

const RUNS = Number(process.env.BENCH_COMPARE_RUNS ?? 3)
const JOBS = 2
const SLURM = process.env.BENCH_SLURM ?? '24.11.5'

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}
const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`
const load = (): number => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0])

interface ActionWarm {
  readonly ms: number
  readonly install: string
  readonly cacheHit: string
}

/** One run of the action (main + post) on a wiped runner; fails unless a warm run is an exact hit that built nothing. */
async function actionRun(
  label: string,
  dirs: RunnerDirs,
  inputs: Record<string, string>,
  services: Services,
  work: string,
  actionDir: string
): Promise<ActionWarm> {
  reset(dirs)
  const log = path.join(work, `${label}.log`)
  rmSync(log, { force: true })
  const main = await runStep('index', dirs, inputs, services.env, log, label, actionDir)
  const outputs = fileCommands(dirs.files.GITHUB_OUTPUT)
  const post = await runStep('post', dirs, inputs, services.env, log, `${label} post`, actionDir)
  if (main.status !== 0 || post.status !== 0) throw new Error(`${label}: the action failed, see ${log}`)
  const spackWork = countSpackWork(log)
  const summary = readFileSync(dirs.files.GITHUB_STEP_SUMMARY, 'utf8')
  const install = /<td>time: Install Slurm<\/td><td>([^<]*)<\/td>/.exec(summary)?.[1] ?? '?'
  if (label !== 'cold' && (outputs['cache-hit'] !== 'exact' || spackWork.built.length > 0))
    throw new Error(`${label}: cache-hit ${outputs['cache-hit']}, built ${spackWork.built.join(', ')} (see ${log})`)
  return { ms: main.ms + post.ms, install, cacheHit: outputs['cache-hit'] ?? '' }
}

function checkHandWritten(run: HandWrittenRun, variant: string): void {
  if (run.built.length > 0 || run.extracted.length === 0)
    throw new Error(`hand-written ${variant}: built ${run.built.join(', ')}, extracted ${run.extracted.join(', ')}`)
}

/** The offline kit's paths, or why the bench can't run. */
function kit(): { spackRoot: string; externals: string; sources: string } | string {
  const { SPACK_ROOT: spackRoot, OFFLINE_EXTERNALS: externals, OFFLINE_SOURCE_MIRROR: sources } = process.env
  if (!spackRoot || !existsSync(path.join(spackRoot, 'bin', 'spack')) || !externals || !sources)
    return 'needs the offline kit: source /tmp/offline-spack/env.sh (SPACK_ROOT, OFFLINE_EXTERNALS, OFFLINE_SOURCE_MIRROR)'
  if (!existsSync('dist/index.js')) return 'dist/ is not built: npm run build'
  return { spackRoot, externals, sources }
}

/** What every run of the bench shares: the runner's directories, the action's snapshot and inputs, the services. */
interface Bench {
  readonly work: string
  readonly dirs: RunnerDirs
  readonly actionDir: string
  readonly inputs: Record<string, string>
  readonly services: Services
  readonly hand: HandWrittenSetup
}

interface Round {
  readonly action: ActionWarm
  readonly plain: HandWrittenRun
  readonly tuned: HandWrittenRun
  readonly floor: ReturnType<typeof floorRun>
  readonly loads: number[]
}

/** One counted round: (a), (b), (c), (d), each on a wiped runner, the load read before each. */
async function round(bench: Bench, i: number): Promise<Round> {
  const { dirs, hand } = bench
  const loads = [load()]
  const action = await actionRun(`warm-${i}`, dirs, bench.inputs, bench.services, bench.work, bench.actionDir)
  loads.push(load())
  reset(dirs)
  const plain = handWrittenRun(hand, 'plain')
  checkHandWritten(plain, 'plain')
  loads.push(load())
  reset(dirs)
  const tuned = handWrittenRun(hand, 'tuned')
  checkHandWritten(tuned, 'tuned')
  if (tuned.concretized) throw new Error('hand-written tuned: the kept lock was not used')
  loads.push(load())
  // The tuned run's view is still there: the floor packs the same files.
  const floor = floorRun(hand, path.join(bench.work, 'floor'), hand.layout.viewRoot)
  process.stdout.write(
    `round ${i}: action ${s(action.ms)} (install ${action.install}); hand-written plain ${s(plain.totalMs)} ` +
      `(restore ${s(plain.restoreMs)}, install ${s(plain.installMs)}, pack ${s(plain.packMs)}); tuned ${s(tuned.totalMs)} ` +
      `(restore ${s(tuned.restoreMs)}, install ${s(tuned.installMs)}, pack ${s(tuned.packMs)}); floor ${s(floor.totalMs)} ` +
      `(restore ${s(floor.restoreMs)}, ${floor.archives} archives ${s(floor.extractMs)}, pack ${s(floor.packMs)}); load ${loads.join(' ')}\n`
  )
  return { action, plain, tuned, floor, loads }
}

function report(rows: readonly Round[]): string {
  const m = (pick: (row: Round) => number): number => median(rows.map(pick))
  const [a, b, c, d] = [m(r => r.action.ms), m(r => r.plain.totalMs), m(r => r.tuned.totalMs), m(r => r.floor.totalMs)]
  const loads = rows.flatMap(r => r.loads)
  return [
    '',
    `medians over ${rows.length} rounds (Slurm ${SLURM}, load average ${Math.min(...loads)}–${Math.max(...loads)}):`,
    `  (a) the action, warm (main + post)   ${s(a)}  (of which Install Slurm ${m(r => Number.parseFloat(r.action.install))} s)`,
    `  (b) hand-written, plain               ${s(b)}  (of which spack install ${s(m(r => r.plain.installMs))})   b/a = ${(b / a).toFixed(2)}`,
    `  (c) hand-written, tuned               ${s(c)}  (of which spack install ${s(m(r => r.tuned.installMs))})   c/a = ${(c / a).toFixed(2)}`,
    `  (d) floor: restore + tar -x + pack    ${s(d)}  (${s(m(r => r.floor.restoreMs))} + ${s(m(r => r.floor.extractMs))} + ${s(m(r => r.floor.packMs))})   a/d = ${(a / d).toFixed(2)}`,
    ''
  ].join('\n')
}

/** Cold run, the cache entries, the uncounted round; returns the hand-written set-up with the kept spack.yaml. */
async function prepare(bench: Bench, keepDir: string): Promise<HandWrittenSetup> {
  const { dirs, hand } = bench
  const run = (label: string) => actionRun(label, dirs, bench.inputs, bench.services, bench.work, bench.actionDir)
  const cold = await run('cold')
  process.stdout.write(`set-up: the action, cold: ${s(cold.ms)} (install ${cold.install})\n`)
  const spackYaml = readFileSync(keep(path.join(hand.layout.envDir, 'spack.yaml'), keepDir), 'utf8')
  saveEntry([hand.layout.localMirror], hand.mirrorTarball)
  const kept: HandWrittenSetup = { ...hand, spackYaml }
  // Uncounted round: both warm once; the plain hand-written run leaves what the tuned variant keeps.
  const warmUp = await run('warm-up')
  reset(dirs)
  const first = handWrittenRun(kept, 'plain')
  checkHandWritten(first, 'plain')
  saveTunedEntry(kept)
  process.stdout.write(`uncounted round: action ${s(warmUp.ms)}, hand-written plain ${s(first.totalMs)}\n`)
  return kept
}

async function main(): Promise<void> {
  const found = kit()
  if (typeof found === 'string') {
    process.stdout.write(`compare-warm: skipped: ${found}\n`)
    return
  }
  const work = mkdtempSync(path.join(process.env.BENCH_WORKDIR ?? tmpdir(), 'bench-compare-'))
  const dirs = runnerDirs(path.join(work, 'runner'))
  const keepDir = path.join(work, 'kept')
  const layout = layoutUnder(workRoot(dirs.temp))
  const inputs = {
    'slurm-version': SLURM,
    target: 'x86_64_v2',
    jobs: String(JOBS),
    upload: 'false',
    'spack-root': found.spackRoot,
    'spack-config': found.externals,
    'buildcache-mirrors': found.sources,
    offline: 'true',
    'cache-key-prefix': 'bench-compare'
  }
  const hand: HandWrittenSetup = {
    spackRoot: found.spackRoot,
    layout,
    stateDir: path.join(workRoot(dirs.temp), 'hand-written-spack'),
    spackYaml: '',
    mirrorTarball: path.join(keepDir, 'mirror.tar.zst'),
    tunedTarball: path.join(keepDir, 'tuned.tar.zst'),
    outDir: path.join(dirs.temp, 'artifact'),
    jobs: JOBS
  }
  const services = await startServices({ artifact: false })
  const bench: Bench = { work, dirs, actionDir: snapshotAction(path.join(work, 'action')), inputs, services, hand }
  try {
    process.stdout.write(
      `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}; load ${load()}\n`
    )
    const ready: Bench = { ...bench, hand: await prepare(bench, keepDir) }
    const rows: Round[] = []
    for (let i = 1; i <= RUNS; i++) rows.push(await round(ready, i))
    process.stdout.write(report(rows))
  } finally {
    await services.close()
    if (process.env.BENCH_KEEP !== '1') rmSync(work, { recursive: true, force: true })
    else process.stdout.write(`kept: ${work}\n`)
  }
}

await main()
