/**
 * "Runners" for real-Spack tests that need several machines: each has its own Spack user state (configuration,
 * caches, GPG keyring: the isolation the action gives Spack under RUNNER_TEMP) and its own install tree, and installs
 * the tiny test environment (__tests__/fixtures/tiny-repo). A new runner can start with another's index of the builtin
 * packages, as the action restores it from the Actions cache, instead of spending a minute re-indexing.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import { TINY_PACKAGE, tinyEnvironmentYaml } from '../fixtures/tiny-repo/tiny-env.js'
import { INDEX_KINDS } from '../../src/cache/repo-index.js'
import { layoutUnder, type EnvironmentLayout } from '../../src/work.js'
import { parseInstallOutput, type InstallReport } from '../../src/spack/install.js'
import { readLock } from '../../src/spack/lock.js'
import { isolationEnv } from '../../src/spack/provision.js'
import { installArgs } from '../../src/spack/commands.js'
import { createSpackRunner, type RunResult, type SpackRunner } from '../../src/spack/runner.js'

export const JOBS = 2

export interface TinyRunner {
  readonly name: string
  readonly root: string
  readonly env: Readonly<Record<string, string>>
  readonly spack: SpackRunner
  readonly layout: EnvironmentLayout
  /** Scratch directory for key files (src/cache/signing.ts). */
  readonly scratch: string
}

/** A runner under `<base>/<name>`; `env` is added to Spack's (SSL_CERT_FILE, the OCI credential variables). */
export function tinyRunner(
  spackRoot: string,
  base: string,
  name: string,
  env: Readonly<Record<string, string>> = {}
): TinyRunner {
  const root = path.join(base, name)
  const spackEnv = { SPACK_ROOT: spackRoot, ...isolationEnv(path.join(root, 'spack-user'), true), ...env }
  const scratch = path.join(root, 'scratch')
  mkdirSync(scratch, { recursive: true })
  return {
    name,
    root,
    env: spackEnv,
    spack: createSpackRunner(path.join(spackRoot, 'bin', 'spack'), spackEnv),
    layout: layoutUnder(path.join(root, 'runner-temp', 'slurm-factory')),
    scratch
  }
}

/** Copies `from`'s index of the builtin packages into `to`'s user cache, keeping its times (Spack checks them). */
export function copyBuiltinIndex(from: TinyRunner, to: TinyRunner): number {
  let copied = 0
  for (const kind of INDEX_KINDS) {
    const source = path.join(from.env.SPACK_USER_CACHE_PATH as string, 'cache', kind)
    const target = path.join(to.env.SPACK_USER_CACHE_PATH as string, 'cache', kind)
    if (!existsSync(source)) continue
    mkdirSync(target, { recursive: true })
    for (const file of readdirSync(source).filter(f => f.startsWith('builtin'))) {
      cpSync(path.join(source, file), path.join(target, file), { preserveTimestamps: true })
      copied++
    }
  }
  return copied
}

/** The offline kit's Debian externals ($OFFLINE_EXTERNALS), when there are any. */
export function kitExternals(): Record<string, unknown> {
  const file = process.env.OFFLINE_EXTERNALS
  if (!file || !existsSync(file)) return {}
  return (parse(readFileSync(file, 'utf8')) as { packages?: Record<string, unknown> }).packages ?? {}
}

/**
 * Writes the runner's spack.yaml (and, given one, a spack.lock so that `spack install` concretizes nothing) into its
 * environment directory, or into `envDir`: another environment over the same install tree.
 */
export function writeEnvironment(
  runner: TinyRunner,
  inputs: {
    sourceMirror: string
    detected: Readonly<Record<string, unknown>>
    mirrors: Readonly<Record<string, unknown>>
    lock?: Buffer
  },
  envDir = runner.layout.envDir
): string {
  const { layout } = runner
  const yaml = tinyEnvironmentYaml({ ...inputs, layout, externals: kitExternals(), jobs: JOBS })
  mkdirSync(envDir, { recursive: true })
  writeFileSync(path.join(envDir, 'spack.yaml'), yaml)
  if (inputs.lock) writeFileSync(path.join(envDir, 'spack.lock'), inputs.lock)
  return yaml
}

/** `spack install` as the action runs it; the report and the whole output (stdout and stderr). */
export async function installTiny(
  runner: TinyRunner
): Promise<{ report: InstallReport; text: string; result: RunResult }> {
  const result = await runner.spack.run(installArgs(runner.layout.envDir, JOBS), { silent: true, allowFailure: true })
  const text = `${result.stdout}\n${result.stderr}`
  if (result.exitCode !== 0) throw new Error(`${runner.name}: spack install exited ${result.exitCode}:\n${text}`)
  return { report: parseInstallOutput(text), text, result }
}

export const names = (report: InstallReport, kind: 'built' | 'extracted'): string[] =>
  report[kind].map(pkg => pkg.name).sort()

/** Runs the installed hello-tiny: it must find its library through the RUNPATH Spack gave it. */
export function runHello(runner: TinyRunner): string {
  const lock = readLock(readFileSync(path.join(runner.layout.envDir, 'spack.lock'), 'utf8'), TINY_PACKAGE)
  const prefix = readdirSync(runner.layout.installRoot, { recursive: true, encoding: 'utf8' }).find(entry =>
    entry.endsWith(`${TINY_PACKAGE}-${lock.root.version}-${lock.root.hash}`)
  )
  if (!prefix) throw new Error(`${runner.name}: no prefix for ${TINY_PACKAGE}/${lock.root.hash}`)
  const result = spawnSync(path.join(runner.layout.installRoot, prefix, 'bin', TINY_PACKAGE), { encoding: 'utf8' })
  return `${result.stdout}${result.stderr}`.trim()
}
