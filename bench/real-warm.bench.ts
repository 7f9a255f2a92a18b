/**
 * With real Spack (SPACK_ROOT; `source <offline kit>/env.sh` first): the warm run of the tiny test environment
 * (__tests__/fixtures/tiny-repo) against a fresh concretization followed by the same install, in the same run.
 *
 * Set-up, not timed: compiler detection, the source mirror, a first concretize + install (builds hello-tiny,
 * gcc-runtime and compiler-wrapper), the post step's push to the local mirror and its kept lock. Then, alternating,
 * each on a wiped RUNNER_TEMP layout (only the local mirror and the kept lock survive, as after a cache restore):
 *   (a) warm:  the kept spack.lock adopted (adoptCachedLock), `spack install` from the mirror, no concretization;
 *   (b) fresh: `spack concretize -f`, then the same `spack install` from the mirror.
 * Both must extract everything and build nothing. The warm path should be the faster by about the concretization.
 *
 *   source /tmp/offline-spack/env.sh && npx tsx bench/real-warm.bench.ts      # BENCH_REAL_RUNS=3 each
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { tinyEnvironmentYaml, writeTinySourceMirror } from '../__tests__/fixtures/tiny-repo/tiny-env.js'
import { adoptCachedLock, keepLock, type CachePaths } from '../src/cache/build-cache.js'
import { installArgs, pushArgs } from '../src/spack/commands.js'
import { LOCAL_MIRROR } from '../src/spack/environment.js'
import { layoutUnder, workDirs, workRoot } from '../src/work.js'
import { parseInstallOutput } from '../src/spack/install.js'
import { isolationEnv } from '../src/spack/provision.js'
import { detectedCompilers } from '../src/spack/prepare.js'
import { kitExternals } from '../__tests__/helpers/tiny-runner.js'
import { createSpackRunner, type SpackRunner } from '../src/spack/runner.js'

const RUNS = Number(process.env.BENCH_REAL_RUNS ?? 3)
const JOBS = 2

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now()
  const value = await work()
  return { ms: performance.now() - started, value }
}

/** `spack install` of the environment; fails unless everything came from the binary cache. */
async function installFromMirror(spack: SpackRunner, envDir: string, what: string): Promise<number> {
  const run = await timed(() => spack.run(installArgs(envDir, JOBS), { silent: true }))
  const text = run.value.stdout + run.value.stderr
  const report = parseInstallOutput(text)
  if (report.built.length > 0 || report.extracted.length === 0 || /Executing phase/.test(text))
    throw new Error(`${what}: expected extraction only, built ${report.built.map(p => p.name).join(', ')}:\n${text}`)
  return run.ms
}

async function main(): Promise<void> {
  const root = process.env.SPACK_ROOT
  if (!root || !existsSync(path.join(root, 'bin', 'spack')))
    throw new Error('SPACK_ROOT does not point at a Spack v1.0 tree: source the offline kit env.sh first')
  const base = mkdtempSync(path.join(tmpdir(), 'bench-real-warm-'))
  // As __tests__/helpers/real-spack.ts isolatedSpackEnv (which needs jest): user, cache and system scopes isolated.
  const spackEnv: Record<string, string> = { SPACK_ROOT: root, ...isolationEnv(path.join(base, 'spack-user'), true) }
  const spack = createSpackRunner(path.join(root, 'bin', 'spack'), spackEnv)
  const slurmFactory = workRoot(path.join(base, 'runner-temp'))
  const layout = layoutUnder(slurmFactory)
  const work = workDirs(path.join(base, 'runner-temp'))
  const paths: CachePaths = { mirror: layout.localMirror, state: work.cacheState, transfer: work.cacheTransfer }
  const sourceMirror = path.join(base, 'sources')

  try {
    const setupStarted = performance.now()
    writeTinySourceMirror(sourceMirror)
    await spack.run(['compiler', 'find', '--scope', 'user'], { silent: true })
    const externals = kitExternals()
    const detected = detectedCompilers(spackEnv.SPACK_USER_CONFIG_PATH as string)
    const environment = tinyEnvironmentYaml({ layout, sourceMirror, externals, detected, jobs: JOBS })

    /** A fresh machine with the same paths: only the restored mirror and kept lock are left. */
    const freshLayout = (): void => {
      if (existsSync(slurmFactory))
        for (const entry of readdirSync(slurmFactory)) {
          const full = path.join(slurmFactory, entry)
          if (full !== paths.mirror && full !== paths.state) rmSync(full, { recursive: true, force: true })
        }
      mkdirSync(layout.envDir, { recursive: true })
      writeFileSync(path.join(layout.envDir, 'spack.yaml'), environment)
    }

    freshLayout()
    await spack.run(['-e', layout.envDir, 'concretize'], { silent: true })
    const cold = await spack.run(installArgs(layout.envDir, JOBS), { silent: true })
    const built = parseInstallOutput(cold.stdout + cold.stderr).built.map(p => p.name)
    await spack.run(pushArgs(layout.envDir, LOCAL_MIRROR, true), { silent: true })
    keepLock(paths, layout.envDir, environment)
    const lock = readFileSync(path.join(paths.state, 'spack.lock'), 'utf8')
    process.stdout.write(`set-up (compilers, cold concretize + build of ${built.join(', ')}, push): `)
    process.stdout.write(`${s(performance.now() - setupStarted)}\n`)

    const warm: number[] = []
    const fresh: Array<{ concretize: number; install: number; total: number; sameLock: boolean }> = []
    for (let i = 0; i < RUNS; i++) {
      freshLayout()
      if (!adoptCachedLock(paths, layout.envDir, environment)) throw new Error('the kept lock was not adopted')
      const a = await installFromMirror(spack, layout.envDir, 'warm')
      warm.push(a)

      freshLayout()
      const c = await timed(() => spack.run(['-e', layout.envDir, 'concretize', '-f'], { silent: true }))
      const b = await installFromMirror(spack, layout.envDir, 'fresh')
      const sameLock = readFileSync(path.join(layout.envDir, 'spack.lock'), 'utf8') === lock
      fresh.push({ concretize: c.ms, install: b, total: c.ms + b, sameLock })
      process.stdout.write(
        `run ${i + 1}: (a) warm install ${s(a)}; (b) concretize -f ${s(c.ms)} + install ${s(b)} = ` +
          `${s(c.ms + b)}${sameLock ? '' : ' (concretized to a different lock)'}\n`
      )
    }

    const a = median(warm)
    const b = median(fresh.map(r => r.total))
    const c = median(fresh.map(r => r.concretize))
    process.stdout.write(
      [
        '',
        `medians over ${RUNS} runs each:`,
        `  (a) warm: cached lock, install from the mirror        ${s(a)}`,
        `  (b) concretize -f, then install from the mirror        ${s(b)}`,
        `      of which concretize -f                             ${s(c)}`,
        `      of which install                                   ${s(median(fresh.map(r => r.install)))}`,
        `  (b) - (a)                                              ${s(b - a)} = ${((b - a) / c).toFixed(2)} × the concretization`,
        `  the fresh concretization gave the kept lock again: ${fresh.every(r => r.sameLock) ? 'yes' : 'no'}`,
        ''
      ].join('\n')
    )
  } finally {
    rmSync(base, { recursive: true, force: true })
  }
}

await main()
