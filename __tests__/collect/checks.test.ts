/** What a matrix's final job may require of its cells. */
import { describe, expect, test } from '@jest/globals'
import path from 'node:path'
import { checkCells } from '../../src/collect/checks.js'
import { parseCellRecord, readCells } from '../../src/collect/records.js'
import { cellDir, useCellsDir, record, stagedPrefix } from '../helpers/cells.js'
import { AUDIT } from '../helpers/tree-fixtures.js'

const base = useCellsDir()

describe('checks', () => {
  test('--require-audit fails on audit.ok false and on a missing manifest; --require-success on any cell not built', async () => {
    const root = path.join(base, 'checks')
    cellDir(root, 'ok', record({ jobTotal: 3 }), await stagedPrefix(base, 'ok-cell'))
    cellDir(root, 'bad', record({ compiler: 'gcc@11.4.0', jobTotal: 3 }), await stagedPrefix(base, 'bad-cell', AUDIT))
    const cells = await readCells(root)
    expect(checkCells(cells, {})).toEqual([])
    expect(checkCells(cells, { requireAudit: true })).toEqual([
      '24.11 gcc@11.4.0: the relocation audit failed (bin/a: needed-not-found, sbin/slurmd: rpath-outside-tree)'
    ])
    expect(checkCells(cells, { requireSuccess: true })).toEqual(['1 cell(s) of the matrix left nothing to collect'])
    expect(checkCells(cells, { expect: 2 })).toEqual([])
    expect(checkCells(cells, { expect: 3 })).toEqual(['expected 3 cell(s), found 2'])
    expect(checkCells([], { requireAudit: true })).toEqual(['no cells found'])
    const failed = [{ dir: 'f', record: parseCellRecord(record({ outcome: 'cancelled' })), errors: [] }]
    expect(checkCells(failed, { requireSuccess: true, requireAudit: true })).toEqual([
      '24.11 gcc@13.3.0: cancelled',
      '24.11 gcc@13.3.0: no manifest.json, so no relocation audit to check'
    ])
  })
})
