/**
 * The workflow a user writes without this action, run for real: Spack set up (setup-spack-like: the same Spack, its
 * user state fresh under the runner's temp), an environment with the action's own spack.yaml, its local build cache
 * mirror kept with actions/cache semantics (a zstd tarball of the mirror directory, restored before the build), then
 * `spack install` from that mirror and `tar | zstd` of the view as the artifact.
 *
 *   - plain: only the mirror is kept. Spack re-indexes its builtin packages and concretizes, as a fresh runner does.
 *   - tuned ("to the bone"): Spack's user cache (the package index, the binary index) and spack.lock are kept too,
 *     so `spack install` neither indexes nor concretizes.
 *
 * Also the floor a warm run is measured against: restoring the mirror's tarball, unpacking every package archive in
 * it with plain `tar` (e2e/extraction.ts), and packing a view.
 */
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { pureExtraction } from '../e2e/extraction.js'
import { installArgs } from '../src/spack/commands.js'
import type { EnvironmentLayout } from '../src/work.js'
import { parseInstallOutput } from '../src/spack/install.js'
import { isolationEnv } from '../src/spack/provision.js'

export interface HandWrittenSetup {
  readonly spackRoot: string
  /** The action's layout under the runner's temp (the same paths: the spack.yaml names them). */
  readonly layout: EnvironmentLayout
  /** Where the hand-written workflow keeps Spack's user state (under the runner's temp: wiped with it). */
  readonly stateDir: string
  /** The action's rendered spack.yaml, used as is. */
  readonly spackYaml: string
  /** actions/cache entries: the mirror, and for the tuned variant Spack's user cache and the lock. */
  readonly mirrorTarball: string
  readonly tunedTarball: string
  /** Where the artifact is written. */
  readonly outDir: string
  readonly jobs: number
}

export interface HandWrittenRun {
  readonly restoreMs: number
  readonly installMs: number
  readonly packMs: number
  readonly totalMs: number
  readonly built: readonly string[]
  readonly extracted: readonly string[]
  /** Spack concretized (no lock was given). */
  readonly concretized: boolean
}

/** Runs a command; throws with its output unless it exits 0. Returns its wall time and output. */
export function timedCheck(
  what: string,
  command: string,
  args: readonly string[],
  env?: NodeJS.ProcessEnv
): { ms: number; text: string } {
  const started = performance.now()
  const result = spawnSync(command, [...args], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    env: env ?? process.env,
    timeout: 3_600_000
  })
  const ms = performance.now() - started
  const text = `${result.stdout ?? ''}${result.stderr ?? ''}`
  if (result.status !== 0)
    throw new Error(`${what} failed (exit ${result.status}): ${result.error?.message ?? ''}\n${text}`)
  return { ms, text }
}

/** `tar` a directory's content (symlinks followed: the view holds links into the install tree) into zstd. */
export function packDirectory(dir: string, tarball: string): number {
  const script = 'tar -C "$1" -chf - . | zstd -q -T0 -3 -f -o "$2"'
  return timedCheck(`packing ${dir}`, 'bash', ['-o', 'pipefail', '-c', script, 'pack', dir, tarball]).ms
}

/** An actions/cache entry: `paths` (absolute) in a zstd tarball, restored to the same paths. */
export function saveEntry(paths: readonly string[], tarball: string): void {
  const existing = paths.filter(p => existsSync(p))
  timedCheck('saving a cache entry', 'tar', ['-I', 'zstd -T0', '-P', '-cf', tarball, ...existing])
}

export function restoreEntry(tarball: string): number {
  return timedCheck(`restoring ${tarball}`, 'tar', ['-I', 'zstd -d', '-P', '-xf', tarball]).ms
}

/** The environment the hand-written workflow gives Spack: its own user state, the kit's Python and clingo. */
export function spackEnv(setup: HandWrittenSetup): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    LANG: 'C.UTF-8',
    SPACK_ROOT: setup.spackRoot,
    ...isolationEnv(setup.stateDir, false)
  }
  for (const name of ['SPACK_PYTHON', 'PYTHONPATH', 'TMPDIR']) if (process.env[name]) env[name] = process.env[name]
  return env
}

/** The user cache and lock the tuned variant keeps, from a finished hand-written run. */
export function saveTunedEntry(setup: HandWrittenSetup): void {
  const cache = isolationEnv(setup.stateDir, false).SPACK_USER_CACHE_PATH as string
  saveEntry([cache, path.join(setup.layout.envDir, 'spack.lock')], setup.tunedTarball)
}

/** One warm run of the hand-written workflow, on a runner whose temp was wiped (only the cache entries survive). */
export function handWrittenRun(setup: HandWrittenSetup, variant: 'plain' | 'tuned'): HandWrittenRun {
  let restoreMs = restoreEntry(setup.mirrorTarball)
  if (variant === 'tuned') restoreMs += restoreEntry(setup.tunedTarball)
  mkdirSync(setup.layout.envDir, { recursive: true })
  writeFileSync(path.join(setup.layout.envDir, 'spack.yaml'), setup.spackYaml)
  const concretized = !existsSync(path.join(setup.layout.envDir, 'spack.lock'))
  const install = timedCheck(
    `spack install (${variant})`,
    path.join(setup.spackRoot, 'bin', 'spack'),
    installArgs(setup.layout.envDir, setup.jobs),
    spackEnv(setup)
  )
  const report = parseInstallOutput(install.text)
  mkdirSync(setup.outDir, { recursive: true })
  const packMs = packDirectory(setup.layout.viewRoot, path.join(setup.outDir, `hand-written-${variant}.tar.zst`))
  return {
    restoreMs,
    installMs: install.ms,
    packMs,
    totalMs: restoreMs + install.ms + packMs,
    built: report.built.map(p => p.name),
    extracted: report.extracted.map(p => p.name),
    concretized
  }
}

/** The floor: restore the mirror's tarball, unpack its package archives with plain tar, pack a view. */
export function floorRun(
  setup: HandWrittenSetup,
  scratch: string,
  view: string
): { restoreMs: number; extractMs: number; packMs: number; totalMs: number; archives: number } {
  rmSync(setup.layout.localMirror, { recursive: true, force: true })
  const restoreMs = restoreEntry(setup.mirrorTarball)
  mkdirSync(scratch, { recursive: true })
  const extraction = pureExtraction(setup.layout.localMirror, scratch)
  const tarball = path.join(setup.outDir, 'floor.tar.zst')
  const packMs = packDirectory(view, tarball)
  rmSync(tarball, { force: true })
  return {
    restoreMs,
    extractMs: extraction.ms,
    packMs,
    totalMs: restoreMs + extraction.ms + packMs,
    archives: extraction.archives
  }
}

/** Keeps a copy of a file (the cold run's spack.yaml and lock) outside the runner's temp. */
export function keep(file: string, into: string): string {
  mkdirSync(into, { recursive: true })
  const target = path.join(into, path.basename(file))
  copyFileSync(file, target)
  return target
}
