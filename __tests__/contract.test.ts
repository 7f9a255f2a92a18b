import { describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import { OUTPUTS } from '../src/contract.js'
import { parseInputs } from '../src/inputs.js'
import { DEFAULTS, RUNNER_DEFAULTS, type InputName } from '../src/inputs/names.js'

interface ActionYaml {
  inputs: Record<string, { description: string; default?: string }>
  outputs: Record<string, { description: string }>
  runs: Record<string, string>
  branding: Record<string, string>
}

const action = parse(readFileSync('action.yml', 'utf8')) as ActionYaml
const readme = readFileSync('README.md', 'utf8')

/** Rows of the Markdown table under a `## heading`: first cell without backticks, then the other cells. */
function tableRows(heading: string): string[][] {
  const section = readme.split(`\n## ${heading}\n`)[1]?.split('\n## ')[0] ?? ''
  return section
    .split('\n')
    .filter(line => line.startsWith('| `'))
    .map(line =>
      line
        .split('|')
        .slice(1, -1)
        .map(cell => cell.trim().replace(/^`(.*)`$/, '$1'))
    )
}

describe('action.yml', () => {
  test('runs on node24 with main and post steps, post always', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js', post: 'dist/post.js', 'post-if': 'always()' })
    expect(action.branding.icon).toBeTruthy()
  })

  test('every input has a description and a default, and is read by the action', () => {
    const read = new Set<string>()
    parseInputs(
      name => {
        read.add(name)
        return ''
      },
      { workspace: '/ws', actionPath: '/action', cpus: 1 }
    )
    for (const [name, input] of Object.entries(action.inputs)) {
      expect(input.description.length).toBeGreaterThan(10)
      expect(input).toHaveProperty('default')
      expect(read).toContain(name)
    }
    expect([...read].sort()).toEqual(Object.keys(action.inputs).sort())
  })

  test("every input's default is the one the parsers apply (or a runner expression the runner fills in)", () => {
    expect(Object.keys(action.inputs).sort()).toEqual(Object.keys(DEFAULTS).sort())
    for (const [name, input] of Object.entries(action.inputs)) {
      const parsers = RUNNER_DEFAULTS[name as InputName] ?? DEFAULTS[name as InputName]
      expect(`${name}: ${input.default}`).toBe(`${name}: ${parsers}`)
    }
  })

  test('an empty input means its default: parsing nothing equals parsing every default', () => {
    const context = { workspace: '/ws', actionPath: path.resolve('.'), cpus: 3 }
    const empty = parseInputs(() => '', context)
    const defaults = parseInputs(name => (name in RUNNER_DEFAULTS ? '' : DEFAULTS[name]), context)
    expect(empty).toEqual(defaults)
    expect(empty).toMatchObject({ slurmVersion: '25.11', target: 'x86_64_v3', jobs: 3, modules: 'lmod' })
  })

  test('the outputs the action sets are the ones it declares', () => {
    expect(Object.values(OUTPUTS).sort()).toEqual(Object.keys(action.outputs).sort())
  })

  test('declares the documented outputs', () => {
    expect(Object.keys(action.outputs).sort()).toEqual(
      [
        'artifact-id',
        'artifact-name',
        'artifact-path',
        'artifact-sha256',
        'cache-hit',
        'count',
        'dependencies',
        'matrix',
        'prefix',
        'slurm-version',
        'spec-hash'
      ].sort()
    )
  })
})

describe('README', () => {
  test('lists the same inputs with the same defaults, in the same order', () => {
    const rows = tableRows('Inputs')
    expect(rows.map(row => row[0])).toEqual(Object.keys(action.inputs))
    for (const [name, defaultValue] of rows) expect(defaultValue).toBe(action.inputs[name as string]?.default)
  })

  test('lists the same outputs, in the same order', () => {
    expect(tableRows('Outputs').map(row => row[0])).toEqual(Object.keys(action.outputs))
  })

  test('gives the two commands of a fresh clone, and CI runs its test command', () => {
    expect(readme).toContain('npm ci && npm run local')
    expect(readme).toMatch(/\nnpm test\s/)
    expect(readFileSync('.ci/run', 'utf8')).toMatch(/\nnpm test\b/)
  })
})
