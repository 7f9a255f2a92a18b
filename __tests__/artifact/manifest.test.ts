import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { renderSha256Sums } from '../../src/artifact/checksums.js'
import {
  buildManifest,
  detectBuildMachine,
  parseGlibcVersion,
  renderManifest,
  writeManifestAndSums,
  type Manifest
} from '../../src/artifact/manifest.js'
import { hostOs, parseOsRelease } from '../../src/host.js'
import { AUDIT, BUILD, MACHINE, hasTool } from '../helpers/tree-fixtures.js'

describe('buildManifest', () => {
  const files = [
    { path: 'lib/libslurm.so.42', size: 10, mode: 0o755, sha256: 'b'.repeat(64) },
    { path: 'bin/sinfo', size: 5, mode: 0o755, sha256: 'a'.repeat(64) }
  ]

  test('carries every input field', () => {
    const m = buildManifest({ artifactName: 'n', build: BUILD, machine: MACHINE, audit: AUDIT, files })
    expect(m.name).toBe('n')
    expect(m.slurm).toEqual(BUILD.slurm)
    expect(m.compiler).toEqual(BUILD.compiler)
    expect(m.target).toBe('x86_64_v3')
    expect(m.buildMachine).toEqual(MACHINE)
    expect(m.spack).toEqual(BUILD.spack)
    expect(m.repo).toEqual(BUILD.repo)
    expect(m.dependencies.map(d => d.name)).toEqual(['greet', 'hwloc', 'pmix'])
    expect(m.dependencies).toEqual(expect.arrayContaining([...BUILD.dependencies]))
    expect(m.audit.ok).toBe(false)
    expect(m.audit.filesScanned).toBe(12)
    expect(m.audit.problems.map(p => p.file)).toEqual(['bin/a', 'sbin/slurmd'])
    expect(m.files).toEqual([
      { path: 'bin/sinfo', size: 5, mode: '0755', sha256: 'a'.repeat(64) },
      { path: 'lib/libslurm.so.42', size: 10, mode: '0755', sha256: 'b'.repeat(64) }
    ])
  })

  test('is deterministic whatever the input order', () => {
    const a = renderManifest(buildManifest({ artifactName: 'n', build: BUILD, machine: MACHINE, audit: AUDIT, files }))
    const shuffled = { ...BUILD, dependencies: [...BUILD.dependencies].reverse() }
    const audit = { ...AUDIT, problems: [...AUDIT.problems].reverse() }
    const b = renderManifest(
      buildManifest({ artifactName: 'n', build: shuffled, machine: MACHINE, audit, files: [...files].reverse() })
    )
    expect(b).toBe(a)
    expect(a.endsWith('}\n')).toBe(true)
  })
})

describe('build machine', () => {
  test('os-release parsing', () => {
    const text = 'NAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nPRETTY_NAME="Ubuntu 24.04.2 LTS"\n# comment\n'
    expect(parseOsRelease(text)).toEqual({ id: 'ubuntu', versionId: '24.04', prettyName: 'Ubuntu 24.04.2 LTS' })
    expect(parseOsRelease('')).toEqual({ id: 'linux', versionId: '', prettyName: 'Linux' })
  })

  test("the runner's OS for cache keys comes from the same parse", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'os-')), 'os-release')
    writeFileSync(file, 'NAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\n')
    expect(hostOs(file)).toBe('ubuntu-24.04')
    expect(hostOs(path.join(path.dirname(file), 'missing'))).toBe('linux-unknown')
  })

  test('glibc version from getconf and ldd', () => {
    expect(parseGlibcVersion('glibc 2.39\n')).toBe('2.39')
    expect(parseGlibcVersion('ldd (Ubuntu GLIBC 2.39-0ubuntu8.4) 2.39\nCopyright')).toBe('2.39')
    expect(parseGlibcVersion('ldd (GNU libc) 2.34\n')).toBe('2.34')
    expect(parseGlibcVersion('musl libc\n')).toBeNull()
  })

  test('detects this machine', async () => {
    const machine = await detectBuildMachine()
    if (hasTool('getconf')) {
      const expected = execFileSync('getconf', ['GNU_LIBC_VERSION'], { encoding: 'utf8' }).trim().split(' ')[1]
      expect(machine.glibc).toBe(expected)
    }
    expect(machine.os.id).toMatch(/\S/)
    expect(machine.arch).toMatch(/\S/)
  })
})

const describeSums = hasTool('sha256sum') ? describe : describe.skip

describeSums('writeManifestAndSums', () => {
  let prefix: string
  let manifest: Manifest

  beforeAll(async () => {
    prefix = mkdtempSync(path.join(tmpdir(), 'manifest-'))
    mkdirSync(path.join(prefix, 'lib', 'slurm'), { recursive: true })
    mkdirSync(path.join(prefix, 'bin'))
    writeFileSync(path.join(prefix, 'bin', 'sinfo'), 'sinfo')
    writeFileSync(path.join(prefix, 'lib', 'big.so'), Buffer.alloc(5 * 1024 * 1024 + 3, 1))
    writeFileSync(path.join(prefix, 'lib', 'slurm', 'p.so'), 'plugin')
    writeFileSync(path.join(prefix, 'name with space'), 'x')
    symlinkSync('big.so', path.join(prefix, 'lib', 'big.so.1'))
    manifest = (await writeManifestAndSums(prefix, { artifactName: 'n', build: BUILD, machine: MACHINE, audit: AUDIT }))
      .manifest
  })

  afterAll(() => rmSync(prefix, { recursive: true, force: true }))

  test('file hashes match sha256sum', () => {
    for (const file of manifest.files) {
      const line = execFileSync('sha256sum', [file.path], { cwd: prefix, encoding: 'utf8' })
      expect(line.split(' ')[0]).toBe(file.sha256)
    }
    expect(manifest.files.map(f => f.path)).toEqual(['bin/sinfo', 'lib/big.so', 'lib/slurm/p.so', 'name with space'])
    expect(manifest.symlinks).toEqual([{ path: 'lib/big.so.1', target: 'big.so' }])
  })

  test('SHA256SUMS verifies with sha256sum -c and covers everything but itself', () => {
    const out = execFileSync('sha256sum', ['-c', '--strict', 'SHA256SUMS'], { cwd: prefix, encoding: 'utf8' })
    expect(out.trim().split('\n')).toEqual([
      'bin/sinfo: OK',
      'lib/big.so: OK',
      'lib/slurm/p.so: OK',
      'manifest.json: OK',
      'name with space: OK'
    ])
    expect(JSON.parse(readFileSync(path.join(prefix, 'manifest.json'), 'utf8'))).toEqual(manifest)
  })

  test('renderSha256Sums escapes like GNU sha256sum', () => {
    expect(renderSha256Sums([{ path: 'a\\b', sha256: 'f'.repeat(64) }])).toBe(`\\${'f'.repeat(64)}  a\\\\b\n`)
  })
})
