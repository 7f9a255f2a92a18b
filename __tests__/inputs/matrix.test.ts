/** The `matrix` input: the planner's options, one `name: value` per line, every value kept a string. */
import { describe, expect, test } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { InputError, parseInputs } from '../../src/inputs.js'
import { parseMatrix } from '../../src/inputs/matrix.js'

describe('the matrix input', () => {
  test('empty: no matrix mode', () => {
    expect(parseMatrix('', 'x86_64_v3', false)).toEqual({})
    expect(parseMatrix(' \n', 'x86_64_v3', false)).toEqual({})
  })

  test("the options as strings (25.10 stays 25.10), YAML lists joined, the target input as the cells' target", () => {
    const value = 'slurm-versions: [25.10, 26.05]\ncompilers:\n  - gcc@11.4.0\n  - 13.3.0\nleave-out: outermost\n'
    expect(parseMatrix(value, 'zen3', false)).toEqual({
      matrix: {
        slurmVersions: '25.10, 26.05',
        compilers: 'gcc@11.4.0, 13.3.0',
        target: 'zen3',
        leaveOut: 'outermost',
        extraCells: ''
      }
    })
    expect(parseMatrix('compilers: 13.3.0\nextra-cells: 25.11/gcc@14.2.0', 'x86_64_v3', false).matrix).toMatchObject({
      slurmVersions: '',
      extraCells: '25.11/gcc@14.2.0'
    })
  })

  test.each([
    ['compilers: 13.3.0\ntarget: zen4', 'matrix: "target" is not one of its options; give one "name: value" per line'],
    ['compilers: 13.3.0\ncompilers: 9.5.0', 'matrix: is not valid YAML (Map keys must be unique'],
    ['gcc@13.3.0', 'matrix: "gcc@13.3.0" is not the planner\'s options: give one "name: value" per line (names: '],
    ['- compilers: 13.3.0', "is not the planner's options"],
    ['compilers: {gcc: 13.3.0}', 'matrix: compilers: give a value or a list of values, not {"gcc":"13.3.0"}'],
    ['leave-out: outermost', 'matrix: names no compilers (such as "compilers: gcc@11.4.0, gcc@13.3.0")']
  ])('%j is refused: %s', (value, message) => {
    expect(() => parseMatrix(value, 'x86_64_v3', false)).toThrow(InputError)
    expect(() => parseMatrix(value, 'x86_64_v3', false)).toThrow(message)
  })

  test('matrix and collect are two modes: both given is refused', () => {
    const collect = mkdtempSync(path.join(tmpdir(), 'cells-'))
    const values: Record<string, string> = { matrix: 'compilers: 13.3.0', collect, target: 'x86_64_v2' }
    const context = { workspace: '/ws', actionPath: path.resolve('.'), cpus: 1 }
    try {
      expect(() => parseInputs(name => values[name] ?? '', context)).toThrow(
        'matrix: and collect are two modes of the action; give one of them'
      )
    } finally {
      rmSync(collect, { recursive: true, force: true })
    }
    delete values.collect
    expect(parseInputs(name => values[name] ?? '', context).matrix).toMatchObject({
      compilers: '13.3.0',
      target: 'x86_64_v2'
    })
  })
})
