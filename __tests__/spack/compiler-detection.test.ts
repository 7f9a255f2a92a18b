/**
 * The runner's compilers recorded for the next run: the fingerprint of what is on PATH, and the recorded detection
 * written back into Spack's user scope only for the compilers it was made for. Real files and directories.
 */
import { afterEach, describe, expect, test } from '@jest/globals'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { compilerFingerprint, recordDetection, useRecordedDetection } from '../../src/spack/compiler-detection.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function temp(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'compiler-detection-'))
  dirs.push(dir)
  return dir
}

function program(dir: string, name: string, text = '#!/bin/sh\n'): string {
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, name)
  writeFileSync(file, text, { mode: 0o755 })
  return file
}

describe('compilerFingerprint', () => {
  test('changes with a compiler added, changed or relinked on PATH; not with other programs', () => {
    const root = temp()
    const usr = path.join(root, 'usr-bin')
    const local = path.join(root, 'local-bin')
    program(usr, 'gcc-12')
    program(usr, 'ls')
    const PATH = `${usr}:${local}:relative/bin`
    const first = compilerFingerprint(PATH)
    expect(first).toMatch(/^[0-9a-f]{16}$/)
    expect(compilerFingerprint(PATH)).toBe(first)

    program(local, 'python3')
    expect(compilerFingerprint(PATH)).toBe(first)

    program(local, 'x86_64-linux-gnu-gcc-14')
    const added = compilerFingerprint(PATH)
    expect(added).not.toBe(first)

    program(usr, 'gcc-12', '#!/bin/sh\necho upgraded\n')
    const changed = compilerFingerprint(PATH)
    expect(changed).not.toBe(added)

    const file = path.join(usr, 'gcc-12')
    utimesSync(file, new Date('2020-01-01'), new Date('2020-01-01'))
    expect(compilerFingerprint(PATH)).not.toBe(changed)

    symlinkSync(path.join(usr, 'gcc-12'), path.join(local, 'gcc'))
    expect(compilerFingerprint(PATH)).not.toBe(compilerFingerprint(`${usr}:relative/bin`))
  })
})

describe('recorded detection', () => {
  test('recorded after compiler find, written back byte for byte for the same compilers only', () => {
    const root = temp()
    const userConfig = path.join(root, 'config')
    const file = path.join(root, 'state', 'detected.json')
    const packages = 'packages:\n  gcc:\n    externals:\n    - spec: gcc@12.2.0\n      prefix: /usr\n'
    mkdirSync(userConfig, { recursive: true })
    writeFileSync(path.join(userConfig, 'packages.yaml'), packages)
    recordDetection({ file, fingerprint: 'aaaa' }, userConfig)

    rmSync(userConfig, { recursive: true })
    expect(useRecordedDetection({ file, fingerprint: 'bbbb' }, userConfig)).toBe(false)
    expect(existsSync(userConfig)).toBe(false)
    expect(useRecordedDetection({ file, fingerprint: 'aaaa' }, userConfig)).toBe(true)
    expect(readFileSync(path.join(userConfig, 'packages.yaml'), 'utf8')).toBe(packages)
  })

  test('no compiler found is recorded too; a missing or broken record is no record', () => {
    const root = temp()
    const userConfig = path.join(root, 'config')
    const file = path.join(root, 'detected.json')
    expect(useRecordedDetection({ file, fingerprint: 'aaaa' }, userConfig)).toBe(false)
    recordDetection({ file, fingerprint: 'aaaa' }, userConfig)
    expect(useRecordedDetection({ file, fingerprint: 'aaaa' }, userConfig)).toBe(true)
    expect(existsSync(path.join(userConfig, 'packages.yaml'))).toBe(false)
    writeFileSync(file, '{not json')
    expect(useRecordedDetection({ file, fingerprint: 'aaaa' }, userConfig)).toBe(false)
  })
})
