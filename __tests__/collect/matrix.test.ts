/**
 * The matrix planner: every value checked as the action checks its inputs, each compiler on its runner image, the
 * versions defaulting to every series of the catalog, the outermost pairs left out by version order, extra cells.
 */
import { describe, expect, test } from '@jest/globals'
import { GCC_RELEASES, SLURM_RELEASES, SLURM_SERIES } from '../../src/catalog.js'
import { parseList, planMatrix, runnerFor } from '../../src/collect/matrix.js'
import { InputError } from '../../src/inputs.js'

describe('the matrix planner', () => {
  test('lists: JSON arrays or comma/space separated, duplicates dropped', () => {
    expect(parseList('x', ' 24.11, 25.11 ,25.11 26.05')).toEqual(['24.11', '25.11', '26.05'])
    expect(parseList('x', '["24.11", " 25.11 "]')).toEqual(['24.11', '25.11'])
    expect(() => parseList('x', '[25.11]')).toThrow('x: "[25.11]" must be an array of strings (quote versions')
    expect(() => parseList('x', '[1,')).toThrow('is not a valid JSON array')
    expect(() => parseList('x', ' , ')).toThrow('x: is empty')
  })

  test('every value is checked as the action checks its inputs, the error naming the option', () => {
    const bad: Array<[string, string, string, string]> = [
      ['25.10', 'gcc@13.3.0', 'x86_64_v3', 'slurm-versions: "25.10" is not a supported release series'],
      ['$(id)', 'gcc@13.3.0', 'x86_64_v3', 'slurm-versions: "$(id)" is not a Slurm version'],
      ['25.11.99', 'gcc@13.3.0', 'x86_64_v3', 'slurm-versions: "25.11.99" is not a release the bundled recipe has'],
      ['25.11', 'gcc@6.3.0', 'x86_64_v3', 'compilers: "gcc@6.3.0" is outside the supported range'],
      ['25.11', 'clang@18', 'x86_64_v3', 'compilers: "gcc@clang@18" is not of the form gcc@X.Y.Z'],
      ['25.11', 'system', 'x86_64_v3', 'compilers: "gcc@system" is not of the form'],
      ['25.11', 'gcc@13.3.0', 'pentium', 'target: "pentium" is not a CPU target']
    ]
    for (const [slurmVersions, compilers, target, message] of bad) {
      expect(() => planMatrix({ slurmVersions, compilers, target })).toThrow(InputError)
      expect(() => planMatrix({ slurmVersions, compilers, target })).toThrow(message)
    }
    const everything = { slurmVersions: [...SLURM_SERIES, ...SLURM_RELEASES].join(','), target: '' }
    expect(() => planMatrix({ ...everything, compilers: GCC_RELEASES.join(',') })).toThrow(
      `compilers: ${(SLURM_SERIES.length + SLURM_RELEASES.length) * GCC_RELEASES.length} cells is more than the 256 a matrix may have`
    )
  })

  test('runner images: found GCCs on the oldest image that has them, others by age; arm64 images for aarch64', () => {
    expect(runnerFor('9.5.0')).toEqual({ runner: 'ubuntu-22.04', found: true })
    expect(runnerFor('12.3.0')).toEqual({ runner: 'ubuntu-22.04', found: true })
    expect(runnerFor('14.2.0')).toEqual({ runner: 'ubuntu-24.04', found: true })
    expect(runnerFor('7.5.0')).toEqual({ runner: 'ubuntu-22.04', found: false })
    expect(runnerFor('11.5.0')).toEqual({ runner: 'ubuntu-22.04', found: false })
    expect(runnerFor('15.2.0')).toEqual({ runner: 'ubuntu-24.04', found: false })
    expect(runnerFor('13.3.0', 'neoverse_v1')).toEqual({ runner: 'ubuntu-24.04-arm', found: true })
    expect(runnerFor('13.3.0', 'zen4').runner).toBe('ubuntu-24.04')
  })

  test('the matrix is the product, in the order given', () => {
    expect(planMatrix({ slurmVersions: '24.11,26.05', compilers: 'gcc@11.4.0 15.2.0', target: 'x86_64_v2' })).toEqual({
      include: [
        { slurm: '24.11', gcc: '11.4.0', target: 'x86_64_v2', runner: 'ubuntu-22.04' },
        { slurm: '24.11', gcc: '15.2.0', target: 'x86_64_v2', runner: 'ubuntu-24.04' },
        { slurm: '26.05', gcc: '11.4.0', target: 'x86_64_v2', runner: 'ubuntu-22.04' },
        { slurm: '26.05', gcc: '15.2.0', target: 'x86_64_v2', runner: 'ubuntu-24.04' }
      ]
    })
  })

  test('no versions, or the word supported, is every series of the catalog; a test may pass a longer catalog', () => {
    const series = (request: Parameters<typeof planMatrix>[0], catalog?: readonly string[]) =>
      planMatrix(request, catalog).include.map(cell => cell.slurm)
    expect(series({ compilers: '13.3.0', target: '' })).toEqual([...SLURM_SERIES])
    expect(series({ slurmVersions: ' ', compilers: '13.3.0', target: '' })).toEqual([...SLURM_SERIES])
    expect(series({ slurmVersions: 'supported', compilers: '13.3.0', target: '' })).toEqual([...SLURM_SERIES])
    expect(series({ slurmVersions: '25.11.6, supported', compilers: '13.3.0', target: '' })).toEqual([
      '25.11.6',
      ...SLURM_SERIES
    ])
    expect(series({ slurmVersions: '["supported"]', compilers: '13.3.0', target: '' }, ['24.11', '99.05'])).toEqual([
      '24.11',
      '99.05'
    ])
    // A series of the given catalog is accepted by name, as the catalog's own are.
    expect(series({ slurmVersions: '99.05', compilers: '13.3.0', target: '' }, ['99.05'])).toEqual(['99.05'])
    expect(() => planMatrix({ slurmVersions: '99.05', compilers: '13.3.0', target: '' })).toThrow(
      'slurm-versions: "99.05" is not a supported release series'
    )
  })

  const pairs = (request: Parameters<typeof planMatrix>[0], catalog?: readonly string[]) =>
    planMatrix(request, catalog).include.map(cell => `${cell.slurm}/${cell.gcc}`)

  test('leave-out: outermost drops the oldest series with the newest GCC and the newest with the oldest, by version', () => {
    // Given newest first and out of order: the ends are found by version, not by position.
    const request = { slurmVersions: '26.05, 23.11, 24.11', compilers: '13.3.0 7.5.0 15.2.0', target: '' }
    expect(pairs({ ...request, leaveOut: 'outermost' })).toEqual([
      '26.05/13.3.0',
      '26.05/15.2.0',
      '23.11/13.3.0',
      '23.11/7.5.0',
      '24.11/13.3.0',
      '24.11/7.5.0',
      '24.11/15.2.0'
    ])
    expect(pairs({ ...request, leaveOut: '' })).toHaveLength(9)
    const catalog = ['23.11', '26.05', '26.11']
    expect(pairs({ compilers: '7.5.0, 15.2.0', target: '', leaveOut: 'outermost' }, catalog)).toEqual([
      '23.11/7.5.0',
      '26.05/7.5.0',
      '26.05/15.2.0',
      '26.11/15.2.0'
    ])
  })

  test('leave-out takes outermost or nothing, and needs two versions and two compilers', () => {
    expect(() => planMatrix({ compilers: '13.3.0', target: '', leaveOut: 'corners' })).toThrow(
      'leave-out: "corners" is not accepted (accepted: outermost, or empty to leave nothing out)'
    )
    expect(() =>
      planMatrix({ slurmVersions: '25.11', compilers: '7.5.0 13.3.0', target: '', leaveOut: 'outermost' })
    ).toThrow('leave-out: "outermost" needs at least two Slurm versions and two compilers (given 1 and 2)')
  })

  test('extra-cells adds SLURM/gcc@X.Y.Z cells after the product, each half checked, none twice', () => {
    const request = { slurmVersions: '24.11 25.11', compilers: '13.3.0', target: 'x86_64_v2' }
    expect(planMatrix({ ...request, extraCells: '25.11/gcc@14.2.0, 24.11/13.3.0' }).include).toEqual([
      { slurm: '24.11', gcc: '13.3.0', target: 'x86_64_v2', runner: 'ubuntu-24.04' },
      { slurm: '25.11', gcc: '13.3.0', target: 'x86_64_v2', runner: 'ubuntu-24.04' },
      { slurm: '25.11', gcc: '14.2.0', target: 'x86_64_v2', runner: 'ubuntu-24.04' }
    ])
    // An extra cell brings back a pair the leave-out dropped.
    expect(pairs({ ...request, compilers: '7.5.0 15.2.0', leaveOut: 'outermost', extraCells: '24.11/15.2.0' })).toEqual(
      ['24.11/7.5.0', '25.11/15.2.0', '24.11/15.2.0']
    )
    const bad: Array<[string, string]> = [
      ['25.11-gcc@14.2.0', 'extra-cells: "25.11-gcc@14.2.0" is not a cell (accepted: SLURM/gcc@X.Y.Z, such as'],
      ['25.11/gcc@14.2.0/x', 'extra-cells: "25.11/gcc@14.2.0/x" is not a cell'],
      ['25.10/gcc@14.2.0', 'extra-cells: "25.10" is not a supported release series'],
      ['25.11/gcc@6.3.0', 'extra-cells: "gcc@6.3.0" is outside the supported range'],
      ['25.11/$(id)', 'extra-cells: "gcc@$(id)" is not of the form gcc@X.Y.Z']
    ]
    for (const [extraCells, message] of bad) {
      expect(() => planMatrix({ ...request, extraCells })).toThrow(InputError)
      expect(() => planMatrix({ ...request, extraCells })).toThrow(message)
    }
  })
})
