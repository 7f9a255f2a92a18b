/** The job summary: written when the runner offers one (GITHUB_STEP_SUMMARY), skipped with a note otherwise. */
import * as core from '@actions/core'
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs'
import path from 'node:path'

type Summary = typeof core.summary

/** Builds the summary with `fill` and writes it; a runner without a summary file gets a debug note instead. */
export async function writeSummary(fill: (summary: Summary) => Summary): Promise<void> {
  const file = process.env.GITHUB_STEP_SUMMARY
  if (!file) {
    core.debug('GITHUB_STEP_SUMMARY is not set: no job summary written')
    return
  }
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true })
    closeSync(openSync(file, 'a'))
  }
  await fill(core.summary).write()
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
  readonly phases: readonly { readonly name: string; readonly seconds: number; readonly ok: boolean }[]
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
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

/** The rows of the summary table, as text; a pure function of the report. */
export function summaryRows(report: RunReport): Array<[string, string]> {
  const rows: Array<[string, string]> = [
    ['result', report.error ? `failed: ${report.error.split('\n')[0]}` : 'success']
  ]
  if (report.spec) rows.push(['spec', `<code>${report.spec}</code>`])
  if (report.slurmVersion) rows.push(['Slurm', report.slurmVersion])
  if (report.compiler) rows.push(['compiler', report.compiler])
  if (report.target) rows.push(['target', report.target])
  if (report.cacheHit) rows.push(['build cache', report.cacheHit])
  if (report.built) rows.push(['built from source', report.built.length ? report.built.join(', ') : 'nothing'])
  if (report.extracted)
    rows.push(['from the build cache', report.extracted.length ? report.extracted.join(', ') : 'nothing'])
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
