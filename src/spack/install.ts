/**
 * Concretize and install the environment, read what happened from Spack's own messages, and on failure point at the
 * failing package and its build log.
 */
import * as core from '@actions/core'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { concretizeArgs, installArgs, type Only } from './commands.js'
import { configLogOf, failingCheck } from './build-stage.js'
import { binarySources, type BinarySource, type NamedMirror } from './binary-sources.js'
import { lastLines, type SpackRunner } from './runner.js'
import { redact } from '../secrets.js'

/** A package as Spack names it in its messages: `<name>-<version>-<dag hash>`. */
export interface PackageId {
  readonly id: string
  readonly name: string
  readonly hash: string
}

export interface InstallReport {
  /** Packages installed by this run, built from source. */
  readonly built: readonly PackageId[]
  /** Packages installed by this run from a binary build cache. */
  readonly extracted: readonly PackageId[]
  readonly failure?: InstallFailure
  /** Which build cache each extracted package came from (src/spack/binary-sources.ts), when the mirrors were given. */
  readonly sources?: readonly BinarySource[]
}

export interface InstallFailure {
  readonly packageName: string
  readonly message: string
  /** `spack-build-out.txt` of the failing package, when Spack named it. */
  readonly buildLog?: string
  /** When configure failed: the failing check's own lines from config.log (the compiler's or linker's message). */
  readonly check?: readonly string[]
}

export class InstallError extends Error {
  constructor(
    readonly failure: InstallFailure,
    readonly report: InstallReport
  ) {
    super(
      `${failure.packageName} failed to install: ${failure.message}${failure.buildLog ? ` (build log: ${failure.buildLog})` : ''}`
    )
    this.name = 'InstallError'
  }
}

const ANSI = new RegExp(String.raw`\u001b\[[0-9;]*m`, 'g')

function packageId(id: string): PackageId {
  const match = /^(.+)-([a-z0-9]{32})$/.exec(id)
  const base = match ? (match[1] as string) : id
  const name = base.replace(/-[^-]*$/, '')
  return { id, name, hash: match ? (match[2] as string) : '' }
}

/** Reads Spack's install messages: what was extracted from a build cache, what was installed, what failed. */
export function parseInstallOutput(output: string): InstallReport {
  const text = output.replace(ANSI, '')
  const extracted = new Map<string, PackageId>()
  const installed = new Map<string, PackageId>()
  for (const match of text.matchAll(/==> Extracting (\S+) from binary cache/g))
    extracted.set(match[1] as string, packageId(match[1] as string))
  for (const match of text.matchAll(/==> \S+: Successfully installed (\S+)/g))
    installed.set(match[1] as string, packageId(match[1] as string))
  const built = [...installed.values()].filter(pkg => !extracted.has(pkg.id))
  const failedLine = /Error: Failed to install (\S+) due to ([^\n]*)/.exec(text)
  const notInstalled = /Error: (\S+): Package was not installed/.exec(text)
  const firstError = /==> Error: ([^\n]*)/.exec(text)?.[1]
  const buildLog = /See build log for details:\s*\n\s*(\S+)/.exec(text)?.[1]
  const report = { built, extracted: [...extracted.values()].filter(pkg => installed.has(pkg.id)) }
  if (!failedLine && !notInstalled && !buildLog) return report
  const packageName =
    failedLine?.[1] ??
    (buildLog ? packageFromLog(buildLog) : undefined) ??
    (notInstalled ? packageId(notInstalled[1] as string).name : 'unknown')
  const message = (failedLine?.[2] ?? firstError ?? 'see the build log').trim()
  return { ...report, failure: { packageName, message, ...(buildLog ? { buildLog } : {}) } }
}

/** Spack stages a package in `spack-stage-<name>-<version>-<hash>/`: the name from a build log's path. */
function packageFromLog(log: string): string | undefined {
  const stage = log.split('/').find(part => part.startsWith('spack-stage-'))
  return stage ? packageId(stage.slice('spack-stage-'.length)).name : undefined
}

export async function concretize(spack: SpackRunner, envDir: string): Promise<void> {
  await spack.run(concretizeArgs(envDir), { group: 'Concretize' })
}

/** Installs the environment; on failure annotates the failing package with why it failed and its log's last lines. */
export async function install(
  spack: SpackRunner,
  envDir: string,
  jobs: number,
  only?: Only,
  mirrors: readonly NamedMirror[] = []
): Promise<InstallReport> {
  const result = await spack.run(installArgs(envDir, jobs, only), { group: 'spack install', allowFailure: true })
  const output = result.stdout + result.stderr
  const parsed = parseInstallOutput(output)
  const report = mirrors.length ? { ...parsed, sources: binarySources(output, mirrors) } : parsed
  if (result.exitCode === 0 && !report.failure) return report
  const failure = withFailingCheck(
    report.failure ?? {
      packageName: 'spack install',
      message: `spack install exited with code ${result.exitCode}: ${lastLines(result.stderr || result.stdout, 5)}`
    }
  )
  annotateFailure(failure)
  throw new InstallError(failure, report)
}

/** The failure with the failing configure check, when its stage holds a config.log that ends in configure's error. */
function withFailingCheck(failure: InstallFailure): InstallFailure {
  const configLog = failure.buildLog ? configLogOf(path.dirname(failure.buildLog)) : undefined
  const check = configLog ? failingCheck(readFileSync(configLog, 'utf8')) : []
  return check.length ? { ...failure, check } : failure
}

/** The lines of build log an annotation shows: fewer when the failing check already says why. */
const LOG_LINES = { withCheck: 12, alone: 40 }

export function annotateFailure(failure: InstallFailure): void {
  const log =
    failure.buildLog && existsSync(failure.buildLog)
      ? lastLines(readFileSync(failure.buildLog, 'utf8'), failure.check ? LOG_LINES.withCheck : LOG_LINES.alone)
      : ''
  const parts = [
    failure.message,
    ...(failure.check ? [`The failing check in config.log:\n${failure.check.join('\n')}`] : []),
    ...(log ? [`Last lines of ${path.basename(failure.buildLog as string)}:\n${log}`] : [])
  ]
  core.error(redact(parts.join('\n\n')), { title: `${failure.packageName} failed to build` })
}
