/** The GCC a build uses: the requested release, or the runner's own `gcc` (a real one where the machine has it). */
import { describe, expect, test } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { resolveGccVersion, systemGccVersion } from '../src/compiler.js'
import { hasTool } from './helpers/tree-fixtures.js'

function fakeGcc(script: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'gcc-')), 'gcc')
  writeFileSync(file, `#!/bin/sh\n${script}\n`, { mode: 0o755 })
  return file
}

describe('the GCC version', () => {
  test('a requested release is used as it is, without asking the runner', async () => {
    expect(await resolveGccVersion({ kind: 'gcc', version: '13.3.0' })).toBe('13.3.0')
  })

  const withGcc = hasTool('gcc') ? test : test.skip
  withGcc('the runner GCC answers -dumpfullversion with X.Y.Z', async () => {
    expect(await systemGccVersion()).toMatch(/^\d+\.\d+\.\d+$/)
  })

  test('a gcc that is missing, fails or prints something else gives no version', async () => {
    expect(await systemGccVersion('/nonexistent/gcc')).toBeUndefined()
    expect(await systemGccVersion(fakeGcc('exit 3'))).toBeUndefined()
    expect(await systemGccVersion(fakeGcc('echo 13'))).toBeUndefined()
    expect(await systemGccVersion(fakeGcc('echo 12.2.0'))).toBe('12.2.0')
  })
})
