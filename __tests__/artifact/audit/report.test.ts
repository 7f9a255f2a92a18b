import { describe, expect, test } from '@jest/globals'
import { formatReport, ProblemList, warningSummary, type AuditReport } from '../../../src/artifact/audit/report.js'

function report(list: ProblemList): AuditReport {
  const problems = list.sorted()
  const errors = problems.filter(p => p.severity === 'error').length
  return {
    root: '/t',
    filesScanned: 3,
    elfFiles: 2,
    textFiles: 1,
    binaryFiles: 0,
    symlinks: 0,
    problems,
    errors,
    warnings: problems.length - errors,
    ok: errors === 0,
    elapsedMs: 1
  }
}

describe('ProblemList', () => {
  test('a problem is kept once; severity follows the warning kinds; sorted by file, kind, detail', () => {
    const list = new ProblemList(new Set(['build-prefix-not-loaded']))
    list.add('sbin/slurmd', 'build-prefix-not-loaded', 'b')
    list.add('bin/sinfo', 'compiled-path-into-tree', 'a')
    list.add('bin/sinfo', 'compiled-path-into-tree', 'a')
    list.add('bin/sinfo', 'build-prefix-not-loaded', 'c')
    expect(list.sorted()).toEqual([
      { file: 'bin/sinfo', kind: 'build-prefix-not-loaded', detail: 'c', severity: 'warning' },
      { file: 'bin/sinfo', kind: 'compiled-path-into-tree', detail: 'a', severity: 'error' },
      { file: 'sbin/slurmd', kind: 'build-prefix-not-loaded', detail: 'b', severity: 'warning' }
    ])
  })
})

describe('formatReport', () => {
  const list = new ProblemList(new Set(['build-prefix-not-loaded', 'rpath-system-subdir']))
  for (const file of ['bin/a', 'bin/b', 'bin/c']) list.add(file, 'build-prefix-not-loaded', `${file} in debug info`)
  list.add('bin/a', 'rpath-system-subdir', 'pmix2/lib')
  list.add('sbin/slurmd', 'compiled-path-into-tree', 'names /b/sbin/slurmstepd')

  test('errors one by one, warnings summarised by kind with counts and an example', () => {
    const text = formatReport(report(list))
    expect(text).toContain('FAILED: 1 error, 4 warnings')
    expect(text).toContain('  sbin/slurmd\n    error   compiled-path-into-tree: names /b/sbin/slurmstepd')
    expect(text).toContain('    build-prefix-not-loaded: 3 in 3 files, e.g. bin/a: bin/a in debug info')
    expect(text).toContain('    rpath-system-subdir: 1 in 1 file, e.g. bin/a: pmix2/lib')
    expect(text).not.toContain('bin/b in debug info')
  })

  test('verbose lists every warning', () => {
    const text = formatReport(report(list), { verbose: true })
    expect(text).toContain('bin/b in debug info')
    expect(text).not.toContain('warnings by kind')
  })

  test('warningSummary counts kinds, most frequent first', () => {
    expect(warningSummary(report(list)).map(({ kind, count, files }) => [kind, count, files])).toEqual([
      ['build-prefix-not-loaded', 3, 3],
      ['rpath-system-subdir', 1, 1]
    ])
  })
})
