/**
 * The cells of a build matrix as the collector finds them. Each cell of the matrix workflows uploads a small artifact
 * holding `cell.json` (what the cell was asked to build and how its build step ended) and the `manifest.json` of its
 * tarball; the final job downloads them all. This module reads them (trusting nothing of their shape) and says what
 * each cell came to.
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { compareBytes } from '../artifact/checksums.js'
import { MANIFEST_FILE } from '../artifact/layout.js'
import type { Manifest } from '../artifact/manifest.js'
import { compareVersions } from '../inputs.js'

export const CELL_FILE = 'cell.json'
export const CELL_SCHEMA = 1

export interface CellRecord {
  readonly schema: number
  /** The requested Slurm version, `25.11`. */
  readonly slurm: string
  /** The requested compiler, `gcc@13.3.0`. */
  readonly compiler: string
  readonly target: string
  /** The runner image label, `ubuntu-24.04`. */
  readonly runner: string
  /** `steps.<id>.outcome` of the action: success, failure, cancelled or skipped. */
  readonly outcome: string
  /** The action's `cache-hit` output: exact, partial, remote, none, or empty when it did not get that far. */
  readonly cacheHit: string
  readonly artifactName: string
  /** File name of the tarball (`<artifact-name>.tar.zst`). */
  readonly tarball: string
  readonly sha256: string
  /** Size of the tarball in bytes, or null. */
  readonly size: number | null
  /** `strategy.job-total` of the matrix, or null. */
  readonly jobTotal: number | null
}

/** One cell as found in the downloaded artifacts: its record, its manifest, and what could not be read. */
export interface Cell {
  /** Directory holding cell.json and/or manifest.json, relative to the collected directory. */
  readonly dir: string
  readonly record?: CellRecord
  readonly manifest?: Manifest
  readonly errors: readonly string[]
}

export type CellState = 'built' | 'succeeded without a tarball' | 'failed' | 'cancelled' | 'skipped' | 'unreadable'

function text(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : ''
}

function count(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value)
  return null
}

/** Reads a `cell.json` document; fields of the wrong type are read as empty rather than trusted. */
export function parseCellRecord(json: string): CellRecord {
  const raw: unknown = JSON.parse(json)
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('is not a JSON object')
  const doc = raw as Record<string, unknown>
  if (doc.schema !== CELL_SCHEMA) throw new Error(`has schema ${JSON.stringify(doc.schema)}, expected ${CELL_SCHEMA}`)
  return {
    schema: CELL_SCHEMA,
    slurm: text(doc.slurm),
    compiler: text(doc.compiler),
    target: text(doc.target),
    runner: text(doc.runner),
    outcome: text(doc.outcome),
    cacheHit: text(doc.cacheHit),
    artifactName: text(doc.artifactName),
    tarball: text(doc.tarball),
    sha256: text(doc.sha256),
    size: count(doc.size),
    jobTotal: count(doc.jobTotal)
  }
}

/** Reads a `manifest.json` far enough to summarise it; throws when it is not a manifest. */
export function parseManifest(json: string): Manifest {
  const raw: unknown = JSON.parse(json)
  const doc = raw as Partial<Manifest> | null
  if (
    typeof doc !== 'object' ||
    doc === null ||
    typeof doc.schema !== 'number' ||
    typeof doc.name !== 'string' ||
    typeof doc.slurm?.version !== 'string' ||
    typeof doc.audit?.ok !== 'boolean' ||
    !Array.isArray(doc.files)
  ) {
    throw new Error('is not a slurm-factory manifest (schema, name, slurm.version, audit.ok and files are required)')
  }
  return doc as Manifest
}

/** Every directory under `root` (root included) holding a cell.json or a manifest.json, sorted by path. */
async function cellDirs(root: string): Promise<string[]> {
  const found: string[] = []
  const visit = async (rel: string): Promise<void> => {
    const entries = await readdir(path.join(root, rel), { withFileTypes: true })
    if (entries.some(e => e.isFile() && (e.name === CELL_FILE || e.name === MANIFEST_FILE))) found.push(rel)
    for (const entry of entries) if (entry.isDirectory()) await visit(rel ? `${rel}/${entry.name}` : entry.name)
  }
  await visit('')
  return found.sort(compareBytes)
}

async function readOptional<T>(file: string, parse: (json: string) => T, errors: string[]): Promise<T | undefined> {
  let json: string
  try {
    json = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  try {
    return parse(json)
  } catch (error) {
    errors.push(`${path.basename(file)} ${error instanceof Error ? error.message : String(error)}`)
    return undefined
  }
}

/** Reads every cell under `root`; a missing `root` gives no cells. */
export async function readCells(root: string): Promise<Cell[]> {
  const exists = await stat(root).then(
    info => info.isDirectory(),
    () => false
  )
  if (!exists) return []
  const cells: Cell[] = []
  for (const dir of await cellDirs(root)) {
    const errors: string[] = []
    const record = await readOptional(path.join(root, dir, CELL_FILE), parseCellRecord, errors)
    const manifest = await readOptional(path.join(root, dir, MANIFEST_FILE), parseManifest, errors)
    cells.push({ dir: dir || '.', ...(record ? { record } : {}), ...(manifest ? { manifest } : {}), errors })
  }
  return sortCells(cells)
}

function compilerVersion(cell: Cell): string {
  const requested = /^gcc@([\d.]+)$/.exec(cell.record?.compiler ?? '')?.[1]
  return requested ?? cell.manifest?.compiler.version ?? ''
}

function slurmOf(cell: Cell): string {
  return cell.record?.slurm || cell.manifest?.slurm.version || ''
}

/** Oldest Slurm first, then oldest compiler, then by directory. */
export function sortCells(cells: readonly Cell[]): Cell[] {
  const version = (a: string, b: string): number =>
    /^\d/.test(a) && /^\d/.test(b) ? compareVersions(a, b) : compareBytes(a, b)
  return [...cells].sort(
    (a, b) =>
      version(slurmOf(a), slurmOf(b)) || version(compilerVersion(a), compilerVersion(b)) || compareBytes(a.dir, b.dir)
  )
}

export function cellState(cell: Cell): CellState {
  if (!cell.record && !cell.manifest) return 'unreadable'
  const outcome = cell.record?.outcome ?? 'success'
  if (outcome === 'success') return cell.manifest ? 'built' : 'succeeded without a tarball'
  if (outcome === 'cancelled' || outcome === 'skipped') return outcome
  return 'failed'
}

export interface Totals {
  readonly cells: number
  readonly built: number
  /** Built cells per `cache-hit` value. */
  readonly cache: { readonly exact: number; readonly partial: number; readonly none: number }
  readonly notBuilt: number
  /** Cells the matrix ran (`strategy.job-total`) that left nothing to collect. */
  readonly missing: number
  readonly auditFailures: number
}

export function totals(cells: readonly Cell[]): Totals {
  const built = cells.filter(cell => cellState(cell) === 'built')
  const jobTotal = Math.max(0, ...cells.map(cell => cell.record?.jobTotal ?? 0))
  return {
    cells: cells.length,
    built: built.length,
    cache: {
      // Nothing built: from the Actions cache, or from remote build caches alone.
      exact: built.filter(cell => ['exact', 'remote'].includes(cell.record?.cacheHit ?? '')).length,
      partial: built.filter(cell => cell.record?.cacheHit === 'partial').length,
      none: built.filter(cell => cell.record?.cacheHit === 'none').length
    },
    notBuilt: cells.length - built.length,
    missing: Math.max(0, jobTotal - cells.length),
    auditFailures: cells.filter(cell => cell.manifest && !cell.manifest.audit.ok).length
  }
}
