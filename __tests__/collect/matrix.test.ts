/** The release matrix: every value checked as the action checks its inputs, each compiler on its runner image. */
import { describe, expect, test } from '@jest/globals'
import { GCC_RELEASES, SLURM_RELEASES, SLURM_SERIES } from '../../src/catalog.js'
import { parseList, planMatrix, runnerFor } from '../../src/collect/matrix.js'
import { InputError } from '../../src/inputs.js'

describe('the release matrix', () => {
  test('lists: JSON arrays or comma/space separated, duplicates dropped', () => {
    expect(parseList('x', ' 24.11, 25.11 ,25.11 26.05')).toEqual(['24.11', '25.11', '26.05'])
    expect(parseList('x', '["24.11", " 25.11 "]')).toEqual(['24.11', '25.11'])
    expect(() => parseList('x', '[25.11]')).toThrow('x: "[25.11]" must be an array of strings (quote versions')
    expect(() => parseList('x', '[1,')).toThrow('is not a valid JSON array')
    expect(() => parseList('x', ' , ')).toThrow('x: is empty')
  })

  test('every value is checked as the action checks its inputs, under the release input name', () => {
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
})
