/** The collector's summary of a matrix: one table of the cells, in Markdown for the job summary and as text for the log. */
import type { Manifest } from '../artifact/manifest.js'
import { cellState, totals, type Cell, type CellState } from './records.js'

/** How much of a cell came from the build cache, from the action's `cache-hit` output. */
export function cacheLabel(cacheHit: string | undefined): string {
  switch (cacheHit) {
    case 'exact':
      return 'from the cache'
    case 'remote':
      return 'from remote build caches'
    case 'partial':
      return 'partly from the cache'
    case 'none':
      return 'from source'
    default:
      return '-'
  }
}

/** `1.5 MB`, `980 KB`, `12 B`. */
export function formatSize(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '-'
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GB`
}

/** A table cell's text: no pipes or line breaks, and no HTML (the job summary renders it). */
export function md(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ')
    .trim()
}

const STATE_MARK: Readonly<Record<CellState, string>> = {
  built: '✅ built',
  'succeeded without a tarball': '➖ no tarball',
  failed: '❌ failed',
  cancelled: '⛔ cancelled',
  skipped: '⏭️ skipped',
  unreadable: '❓ unreadable'
}

function unpackedSize(manifest: Manifest): number {
  return manifest.files.reduce((sum, file) => sum + (typeof file.size === 'number' ? file.size : 0), 0)
}

function auditText(manifest: Manifest | undefined): string {
  if (!manifest) return '-'
  if (manifest.audit.ok) return `ok (${manifest.audit.filesScanned} files)`
  const problems = manifest.audit.problems ?? []
  const first = problems[0]
  return `${problems.length} problem(s)${first ? `: ${first.file} (${first.kind})` : ''}`
}

/** The rows of the table, as plain text; a pure function of the cells. */
export function summaryRows(cells: readonly Cell[]): string[][] {
  return cells.map(cell => {
    const { record, manifest } = cell
    const requested = [record?.slurm, record?.compiler].filter(Boolean).join(' ') || cell.dir
    const slurm = manifest?.slurm.version ?? '-'
    const compiler = manifest ? `${manifest.compiler.name}@${manifest.compiler.version}` : record?.compiler || '-'
    const machine = manifest?.buildMachine
    const runner = [
      record?.runner || (machine ? `${machine.os.id} ${machine.os.versionId}`.trim() : ''),
      machine?.glibc ? `glibc ${machine.glibc}` : ''
    ]
      .filter(Boolean)
      .join(', ')
    const name = record?.tarball || manifest?.name || '-'
    const tarball = record?.size !== null && record?.size !== undefined ? `${name} (${formatSize(record.size)})` : name
    const unpacked = manifest ? `${formatSize(unpackedSize(manifest))}, ${manifest.files.length} files` : '-'
    const state = STATE_MARK[cellState(cell)] + (cell.errors.length > 0 ? ` (${cell.errors.join('; ')})` : '')
    return [requested, state, slurm, compiler, runner || '-', cacheLabel(record?.cacheHit), tarball, unpacked]
      .concat([auditText(manifest)])
      .map(md)
  })
}

export const SUMMARY_HEADER = [
  'cell',
  'result',
  'Slurm',
  'compiler',
  'runner',
  'build cache',
  'tarball',
  'unpacked',
  'relocation audit'
]

/** The summary in Markdown: a heading, the table, and one line of totals. */
export function renderSummary(cells: readonly Cell[], title = 'Slurm build matrix'): string {
  const lines = [`## ${md(title)}`, '']
  if (cells.length === 0) {
    lines.push('No cell left a `cell.json` or a `manifest.json` to collect.', '')
    return `${lines.join('\n')}\n`
  }
  lines.push(`| ${SUMMARY_HEADER.join(' | ')} |`, `|${SUMMARY_HEADER.map(() => ' --- |').join('')}`)
  for (const row of summaryRows(cells)) lines.push(`| ${row.join(' | ')} |`)
  const t = totals(cells)
  const parts = [
    `**${t.built} of ${t.cells + t.missing} cells built**`,
    `${t.cache.exact} entirely from the build cache, ${t.cache.partial} partly, ${t.cache.none} from source`
  ]
  if (t.notBuilt > 0) parts.push(`${t.notBuilt} not built`)
  if (t.missing > 0) parts.push(`${t.missing} left nothing to collect`)
  if (t.auditFailures > 0) parts.push(`${t.auditFailures} failed the relocation audit`)
  lines.push('', `${parts.join('; ')}.`, '')
  return `${lines.join('\n')}\n`
}

/** The summary as plain text for the log. */
export function renderText(cells: readonly Cell[]): string {
  if (cells.length === 0) return 'No cells found.\n'
  const rows = [SUMMARY_HEADER, ...summaryRows(cells).map(row => row.map(unescapeMd))]
  const widths = SUMMARY_HEADER.map((_, i) => Math.max(...rows.map(row => (row[i] ?? '').length)))
  return (
    rows
      .map(row =>
        row
          .map((value, i) => value.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd()
      )
      .join('\n') + '\n'
  )
}

function unescapeMd(value: string): string {
  return value.replace(/\\\|/g, '|').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
}
