/**
 * The job summary: written when the runner offers one (GITHUB_STEP_SUMMARY), skipped with a note otherwise. A build's
 * summary is made from the phases' results, as far as the run got.
 */
import * as core from '@actions/core'
import { appendFileSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { AuditError, type BuiltArtifact } from './artifact/artifact.js'
import type { Build } from './build.js'
import type { BuildCacheResult } from './phases/build-cache.js'
import type { Upload } from './phases/upload.js'
import type { PhaseTime } from './pipeline.js'
import type { InstallCacheHit } from './spack/binary-sources.js'
import { slurmSpec } from './spack/environment.js'
import { InstallError, type InstallReport } from './spack/install.js'
import type { BuiltSlurm } from './spack/result.js'
import { redact } from './secrets.js'
import { shortened } from './verbatim.js'

type Summary = typeof core.summary

/** Builds the summary with `fill` and writes it; a runner without a summary file gets a debug note instead. */
export async function writeSummary(fill: (summary: Summary) => Summary): Promise<void> {
  const file = process.env.GITHUB_STEP_SUMMARY
  if (!file) {
    core.debug('GITHUB_STEP_SUMMARY is not set: no job summary written')
    return
  }
  // Appended here rather than by summary.write(), which keeps the first file it was given for the process's life.
  // The last safety net for secrets: whatever a row holds (an error message, a URL), no known secret and no URL
  // credentials reach the summary, which the runner does not mask.
  const text = redact(fill(core.summary.emptyBuffer()).stringify())
  core.summary.emptyBuffer()
  mkdirSync(path.dirname(file), { recursive: true })
  appendFileSync(file, text, 'utf8')
}

/** What a build run reports; every field but the request is filled as far as the run got. */
export interface RunReport {
  readonly spec?: string
  readonly slurmVersion?: string
  readonly compiler?: string
  readonly target?: string
  readonly cacheHit?: string
  readonly built?: readonly string[]
  readonly extracted?: readonly string[]
  /** How many packages each build cache served, by its name in spack.yaml. */
  readonly servedBy?: Readonly<Record<string, number>>
  readonly phases: readonly PhaseTime[]
  readonly artifact?: {
    readonly name: string
    readonly size: number
    readonly sha256: string
    readonly uploaded: boolean
    readonly id?: number
  }
  readonly audit?: {
    readonly ok: boolean
    readonly filesScanned: number
    readonly errors: number
    readonly warnings: number
  }
  readonly error?: string
  /** The package that failed to build and, when configure failed, its failing check's lines from config.log. */
  readonly failure?: { readonly packageName: string; readonly check?: readonly string[] }
}

/** The results of a build's phases the summary reads; each is there once its phase is done. */
export interface RunResults {
  readonly build: Build
  readonly cache?: BuildCacheResult
  readonly compiler?: { readonly report?: InstallReport }
  /** With how much really came from the build cache, once installed. */
  readonly install?: InstallReport & {
    readonly cacheHit?: InstallCacheHit
    readonly servedBy?: Readonly<Record<string, number>>
  }
  readonly slurm?: BuiltSlurm
  readonly artifact?: BuiltArtifact
  readonly upload?: Upload
}

function installedNames(reports: readonly InstallReport[]): Pick<RunReport, 'built' | 'extracted'> {
  return {
    built: reports.flatMap(r => r.built.map(pkg => pkg.name)),
    extracted: reports.flatMap(r => r.extracted.map(pkg => pkg.name))
  }
}

/** What a build reports, from the results of the phases that ran and the error that stopped it, if one did. */
export function runReport(results: RunResults, phases: readonly PhaseTime[], error?: unknown): RunReport {
  const { build, cache, compiler, install, slurm, artifact, upload } = results
  // A failed Slurm install still tells what it built and extracted before failing.
  const slurmInstall = install ?? (compiler && error instanceof InstallError ? error.report : undefined)
  const audit = artifact?.audit ?? (error instanceof AuditError ? error.report : undefined)
  return {
    phases,
    spec: slurmSpec(build.request, build.gccVersion),
    compiler: `gcc@${build.gccVersion}`,
    target: build.request.target,
    ...(cache ? { cacheHit: describeHit(install?.cacheHit ?? cache.hit, cache) } : {}),
    ...(slurmInstall ? installedNames([...(compiler?.report ? [compiler.report] : []), slurmInstall]) : {}),
    ...(install?.servedBy && Object.keys(install.servedBy).length ? { servedBy: install.servedBy } : {}),
    ...(slurm ? { slurmVersion: slurm.root.version } : {}),
    ...(audit ? { audit } : {}),
    ...(artifact
      ? {
          artifact: {
            name: artifact.name,
            size: artifact.tarball.size,
            sha256: artifact.tarball.sha256,
            uploaded: upload?.uploaded ?? false,
            ...(upload?.id !== undefined ? { id: upload.id } : {})
          }
        }
      : {}),
    ...(error !== undefined ? { error: error instanceof Error ? error.message : String(error) } : {}),
    ...(error instanceof InstallError
      ? {
          failure: {
            packageName: error.failure.packageName,
            ...(error.failure.check ? { check: error.failure.check } : {})
          }
        }
      : {})
  }
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** The build cache row: the hit, the key restored (or the installed tree's), and a damaged entry this job replaces. */
function describeHit(hit: InstallCacheHit, cache: BuildCacheResult): string {
  const rebuilt = cache.hit === 'exact' && hit !== 'exact' ? ', some packages in it were damaged and built again' : ''
  if (hit === 'remote') return 'remote (nothing built: remote build caches served what the Actions cache did not hold)'
  const tree = cache.installedTree ? ', the installed tree' : ''
  if (cache.restoredKey) return `${hit} (${cache.restoredKey}${tree}${rebuilt})`
  if (cache.damagedKey) return `${hit} (${cache.damagedKey} could not be restored: this job saves a fresh one)`
  return hit
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

/** The longest failure line the summary's result row shows whole. */
export const RESULT_CHARACTERS = 500

/** The rows of the summary table, as text; a pure function of the report. */
export function summaryRows(report: RunReport): Array<[string, string]> {
  const rows: Array<[string, string]> = [
    [
      'result',
      report.error ? `failed: ${shortened(report.error.split('\n')[0] as string, RESULT_CHARACTERS)}` : 'success'
    ]
  ]
  if (report.failure?.check)
    rows.push([
      `why ${report.failure.packageName} failed`,
      `config.log, the failing check:<pre>${escapeHtml(report.failure.check.join('\n'))}</pre>`
    ])
  if (report.spec) rows.push(['spec', `<code>${report.spec}</code>`])
  if (report.slurmVersion) rows.push(['Slurm', report.slurmVersion])
  if (report.compiler) rows.push(['compiler', report.compiler])
  if (report.target) rows.push(['target', report.target])
  if (report.cacheHit) rows.push(['build cache', report.cacheHit])
  if (report.built) rows.push(['built from source', report.built.length ? report.built.join(', ') : 'nothing'])
  if (report.extracted)
    rows.push(['from the build cache', report.extracted.length ? report.extracted.join(', ') : 'nothing'])
  if (report.servedBy)
    rows.push([
      'served by',
      Object.entries(report.servedBy)
        .map(([mirror, count]) => `${mirror}: ${count}`)
        .join(', ')
    ])
  if (report.artifact) {
    rows.push([
      'artifact',
      `${report.artifact.name}${report.artifact.uploaded ? ` (uploaded${report.artifact.id !== undefined ? `, id ${report.artifact.id}` : ''})` : ' (not uploaded)'}`
    ])
    rows.push(['size', megabytes(report.artifact.size)])
    rows.push(['sha256', `<code>${report.artifact.sha256}</code>`])
  }
  if (report.audit) {
    rows.push([
      'relocation audit',
      `${report.audit.ok ? 'passed' : 'failed'}: ${report.audit.filesScanned} files, ${report.audit.errors} errors, ${report.audit.warnings} warnings`
    ])
  }
  for (const phase of report.phases)
    rows.push([`time: ${phase.name}`, `${phase.seconds.toFixed(1)} s${phase.ok ? '' : ' (failed)'}`])
  return rows
}

export async function writeRunSummary(report: RunReport): Promise<void> {
  await writeSummary(summary =>
    summary
      .addHeading(`Slurm Factory: ${report.error ? 'build failed' : (report.artifact?.name ?? 'build')}`, 2)
      .addTable([
        [
          { data: 'what', header: true },
          { data: 'value', header: true }
        ],
        ...summaryRows(report)
      ])
  )
}
