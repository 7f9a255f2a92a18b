/** The collector's summary table and its totals. */
import { describe, expect, test } from '@jest/globals'
import path from 'node:path'
import { readCells } from '../../src/collect/records.js'
import { cacheLabel, formatSize, renderSummary } from '../../src/collect/render.js'
import { cellDir, useCellsDir, record, stagedPrefix } from '../helpers/cells.js'
import { AUDIT } from '../helpers/tree-fixtures.js'

const base = useCellsDir()

describe('the summary', () => {
  test('one row per cell: result, versions, runner and glibc, cache, sizes, audit; totals below', async () => {
    const root = path.join(base, 'summary')
    const ok = await stagedPrefix(base, 'slurm-24.11.5-gcc13.3.0-x86_64_v3')
    const bad = await stagedPrefix(base, 'slurm-24.11.5-gcc11.4.0-x86_64_v3', AUDIT)
    cellDir(
      root,
      'ok',
      record({ cacheHit: 'exact', tarball: 'slurm-24.11.5-gcc13.3.0-x86_64_v3.tar.zst', size: 4_404_019, jobTotal: 4 }),
      ok
    )
    cellDir(
      root,
      'bad',
      record({ compiler: 'gcc@11.4.0', runner: 'ubuntu-22.04', outcome: 'success', jobTotal: 4 }),
      bad
    )
    cellDir(root, 'fail', record({ compiler: 'gcc@15.2.0', outcome: 'failure', cacheHit: 'partial', jobTotal: 4 }))
    const cells = await readCells(root)
    const md = renderSummary(cells, 'Build <matrix> | test')
    expect(md).toContain('## Build &lt;matrix&gt; \\| test')
    expect(md).toContain(
      '| 24.11 gcc@13.3.0 | ✅ built | 24.11.5 | gcc@13.3.0 | ubuntu-24.04, glibc 2.39 | from the cache | slurm-24.11.5-gcc13.3.0-x86_64_v3.tar.zst (4.2 MB) | 3 KB, 2 files | ok (3 files) |'
    )
    expect(md).toMatch(/\| 24\.11 gcc@11\.4\.0 \| ✅ built \|.*\| 2 problem\(s\): bin\/a \(needed-not-found\) \|/)
    expect(md).toMatch(
      /\| 24\.11 gcc@15\.2\.0 \| ❌ failed \| - \| gcc@15\.2\.0 \| ubuntu-24\.04 \| partly from the cache \|/
    )
    expect(md).toContain(
      '**2 of 4 cells built**; 1 entirely from the build cache, 0 partly, 1 from source; 1 not built; 1 left nothing to collect; 1 failed the relocation audit.'
    )
    expect(renderSummary([])).toContain('No cell left')
  })

  test('labels and sizes', () => {
    expect([
      cacheLabel('exact'),
      cacheLabel('remote'),
      cacheLabel('partial'),
      cacheLabel('none'),
      cacheLabel('')
    ]).toEqual(['from the cache', 'from remote build caches', 'partly from the cache', 'from source', '-'])
    expect([
      formatSize(12),
      formatSize(2048),
      formatSize(5 * 1024 * 1024),
      formatSize(3 * 1024 ** 3),
      formatSize(null)
    ]).toEqual(['12 B', '2 KB', '5.0 MB', '3.00 GB', '-'])
  })
})
