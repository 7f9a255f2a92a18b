import { describe, expect, test } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { hostOs, parseOsRelease } from '../src/host.js'

describe('the runner OS', () => {
  test('os-release values, quoted or not, escapes undone', () => {
    expect(
      parseOsRelease('ID=ubuntu\nVERSION_ID="24.04"\nPRETTY_NAME="Ubuntu \\"Noble\\" 24.04"\n# comment\n')
    ).toEqual({
      id: 'ubuntu',
      versionId: '24.04',
      prettyName: 'Ubuntu "Noble" 24.04'
    })
    expect(parseOsRelease('')).toEqual({ id: 'linux', versionId: '', prettyName: 'Linux' })
  })

  test('ID-VERSION_ID for the cache key, unknown without a version', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'host-'))
    writeFileSync(path.join(dir, 'a'), "ID=debian\nVERSION_ID='12'\n")
    writeFileSync(path.join(dir, 'b'), 'ID=arch\n')
    expect(hostOs(path.join(dir, 'a'))).toBe('debian-12')
    expect(hostOs(path.join(dir, 'b'))).toBe('arch-unknown')
    expect(hostOs(path.join(dir, 'missing'))).toBe('linux-unknown')
  })
})
