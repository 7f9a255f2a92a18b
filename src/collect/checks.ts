/** What a matrix's final job may require of its cells before it publishes them. */
import { cellState, totals, type Cell } from './records.js'

export interface CheckOptions {
  /** Every cell's build step succeeded and left a manifest; no cell of the matrix is missing. */
  readonly requireSuccess?: boolean
  /** Every cell has a manifest whose relocation audit passed. */
  readonly requireAudit?: boolean
  /** Exactly this many cells. */
  readonly expect?: number
}

/** What fails the checks, one message per problem; empty when everything asked for holds. */
export function checkCells(cells: readonly Cell[], options: CheckOptions): string[] {
  const failures: string[] = []
  const label = (cell: Cell): string =>
    [cell.record?.slurm, cell.record?.compiler].filter(Boolean).join(' ') || cell.manifest?.name || cell.dir
  if (options.expect !== undefined && cells.length !== options.expect) {
    failures.push(`expected ${options.expect} cell(s), found ${cells.length}`)
  }
  if ((options.requireSuccess || options.requireAudit) && cells.length === 0) failures.push('no cells found')
  if (options.requireSuccess) {
    const missing = totals(cells).missing
    if (missing > 0) failures.push(`${missing} cell(s) of the matrix left nothing to collect`)
    for (const cell of cells) {
      const state = cellState(cell)
      if (state !== 'built') failures.push(`${label(cell)}: ${state}`)
    }
  }
  if (options.requireAudit) {
    for (const cell of cells) {
      if (!cell.manifest) failures.push(`${label(cell)}: no manifest.json, so no relocation audit to check`)
      else if (!cell.manifest.audit.ok) {
        const problems = cell.manifest.audit.problems ?? []
        failures.push(
          `${label(cell)}: the relocation audit failed (${problems.map(p => `${p.file}: ${p.kind}`).join(', ') || 'no details'})`
        )
      }
    }
  }
  for (const cell of cells) for (const error of cell.errors) failures.push(`${label(cell)}: ${error}`)
  return failures
}
