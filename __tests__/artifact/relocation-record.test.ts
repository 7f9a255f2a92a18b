import { describe, expect, test } from '@jest/globals'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { MANIFEST_FILE, RESOLVED_PATHS_FILE } from '../../src/artifact/layout.js'
import { readResolvedPaths, readTreeRecord } from '../../src/artifact/relocation-record.js'

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'record-'))
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
    writeFileSync(path.join(dir, name), text)
  }
  return dir
}

const recipe = JSON.stringify({ resolvedAtRunTime: ['sbin/slurmstepd', '.', 'lib/slurm'] })

describe("the recipe's record", () => {
  test('read sorted; a tree without one resolves nothing', () => {
    expect(readResolvedPaths(tree({ [RESOLVED_PATHS_FILE]: recipe }))).toEqual(['.', 'lib/slurm', 'sbin/slurmstepd'])
    expect(readResolvedPaths(tree({}))).toEqual([])
  })

  test('a record that is not JSON, or not a list of paths, fails naming the file', () => {
    const bad = tree({ [RESOLVED_PATHS_FILE]: '{oops' })
    expect(() => readResolvedPaths(bad)).toThrow(`${path.join(bad, RESOLVED_PATHS_FILE)} is not valid JSON`)
    const notList = tree({ [RESOLVED_PATHS_FILE]: '{"resolvedAtRunTime": "lib/slurm"}' })
    expect(() => readResolvedPaths(notList)).toThrow('resolvedAtRunTime is not a list of paths')
  })
})

describe("an unpacked artifact's record", () => {
  test("manifest.json's relocation section wins over the recipe's file", () => {
    const relocation = { buildPrefixes: ['/b/view', '/b/opt'], resolvedAtRunTime: ['lib/slurm'] }
    const dir = tree({ [MANIFEST_FILE]: JSON.stringify({ relocation }), [RESOLVED_PATHS_FILE]: recipe })
    expect(readTreeRecord(dir)).toEqual({ buildPrefixes: ['/b/opt', '/b/view'], resolvedAtRunTime: ['lib/slurm'] })
  })

  test("without that section, the recipe's file and no build prefixes", () => {
    const dir = tree({ [MANIFEST_FILE]: '{"name": "x"}', [RESOLVED_PATHS_FILE]: recipe })
    expect(readTreeRecord(dir)).toEqual({ buildPrefixes: [], resolvedAtRunTime: ['.', 'lib/slurm', 'sbin/slurmstepd'] })
  })
})
