/** Reading the cells a matrix's jobs left: cell.json and manifest.json, trusted only as far as they parse. */
import { describe, expect, test } from '@jest/globals'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Manifest } from '../../src/artifact/manifest.js'
import { checkCells } from '../../src/collect/checks.js'
import { cellState, parseCellRecord, readCells } from '../../src/collect/records.js'
import { cellDir, useCellsDir, PASSED, record, stagedPrefix } from '../helpers/cells.js'

const base = useCellsDir()

describe('reading cells', () => {
  test('cell.json and the manifest written by writeManifestAndSums are read; order is Slurm then compiler', async () => {
    const root = path.join(base, 'read')
    const a = await stagedPrefix(base, 'slurm-25.11.6-gcc13.3.0-x86_64_v3', PASSED, '25.11.6')
    const b = await stagedPrefix(base, 'slurm-24.11.6-gcc9.5.0-x86_64_v3', PASSED, '24.11.6')
    cellDir(root, '25.11-gcc13.3.0', record({ slurm: '25.11', cacheHit: 'exact' }), a)
    cellDir(root, '24.11-gcc9.5.0', record({ slurm: '24.11', compiler: 'gcc@9.5.0', cacheHit: 'partial' }), b)
    cellDir(root, '24.11-gcc13.3.0', record({ outcome: 'failure', cacheHit: '' }))
    const cells = await readCells(root)
    expect(cells.map(c => c.dir)).toEqual(['cell-24.11-gcc9.5.0', 'cell-24.11-gcc13.3.0', 'cell-25.11-gcc13.3.0'])
    expect(cells.map(cellState)).toEqual(['built', 'failed', 'built'])
    const manifest = cells[2]?.manifest as Manifest
    expect(manifest.name).toBe('slurm-25.11.6-gcc13.3.0-x86_64_v3')
    expect(manifest.slurm.version).toBe('25.11.6')
    expect(manifest.audit.ok).toBe(true)
    expect(manifest.files.map(f => f.path)).toEqual(['bin/sinfo', 'lib/libslurm.so.42'])
  })

  test('a missing directory gives no cells; unreadable files are reported, not trusted', async () => {
    expect(await readCells(path.join(base, 'nowhere'))).toEqual([])
    const root = path.join(base, 'broken')
    cellDir(root, 'x', '{not json')
    cellDir(root, 'y', JSON.stringify({ schema: 9 }))
    const dir = cellDir(root, 'z', record({}))
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ hello: 'world' }))
    const cells = await readCells(root)
    expect(cells.map(c => c.errors)).toEqual([
      [expect.stringContaining('cell.json')],
      [expect.any(String)],
      [expect.any(String)]
    ])
    expect(cells[1]?.errors[0]).toContain('schema 9')
    expect(cells[2]?.errors[0]).toContain('is not a slurm-factory manifest')
    expect(cells.map(cellState)).toEqual(['unreadable', 'unreadable', 'succeeded without a tarball'])
    expect(checkCells(cells, {})).toHaveLength(3)
  })

  test('fields of the wrong type are read as empty', () => {
    const parsed = parseCellRecord(JSON.stringify({ schema: 1, slurm: ['x'], size: '123', jobTotal: -1 }))
    expect(parsed).toMatchObject({ slurm: '', size: 123, jobTotal: null, outcome: '' })
  })
})
