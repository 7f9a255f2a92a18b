import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { lstatSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { walkTree } from '../../src/artifact/checksums.js'
import { isSlimDropped, spackPrefixOf, stageView, type StageResult } from '../../src/artifact/stage.js'
import { buildFakeSpack, hasTool, type FakeSpack } from '../helpers/tree-fixtures.js'

const describeGcc = hasTool('gcc') && hasTool('ar') ? describe : describe.skip

describeGcc('stageView', () => {
  let base: string
  let fake: FakeSpack
  let full: StageResult
  let slim: StageResult

  beforeAll(async () => {
    base = mkdtempSync(path.join(tmpdir(), 'stage-'))
    fake = buildFakeSpack(base)
    const common = { viewRoot: fake.viewRoot, installRoots: [fake.installRoot], outDir: path.join(base, 'out') }
    full = await stageView({ ...common, artifactName: 'full' })
    slim = await stageView({ ...common, artifactName: 'slim', slim: true })
  })

  afterAll(() => rmSync(base, { recursive: true, force: true }))

  test('files are real copies; relative links of the prefixes and of the view are kept', async () => {
    const tree = await walkTree(full.prefix)
    const links = tree.filter(e => e.type === 'symlink').map(e => [e.path, e.target])
    expect(links).toEqual([
      ['bin/squeue', 'sinfo'],
      ['lib/libgreet.so', 'libgreet.so.1'],
      ['lib/libgreet.so.1', 'libgreet.so.1.0.0'],
      ['lib/libslurm.so', 'libslurm.so.42']
    ])
    for (const file of [
      'bin/sinfo',
      'lib/libslurm.so.42',
      'lib/slurm/plug.so',
      'lib/libgreet.so.1.0.0',
      'include/greet.h'
    ]) {
      expect(lstatSync(path.join(full.prefix, file)).isFile()).toBe(true)
    }
    expect(lstatSync(path.join(full.prefix, 'bin', 'sinfo')).mode & 0o777).toBe(0o755)
    expect(readlinkSync(path.join(full.prefix, 'lib', 'libgreet.so'))).toBe('libgreet.so.1')
  })

  test('has the standard layout and no Spack metadata', async () => {
    const dirs = (await walkTree(full.prefix)).filter(e => e.type === 'dir').map(e => e.path)
    expect(dirs).toEqual(
      expect.arrayContaining(['bin', 'sbin', 'lib', 'lib/slurm', 'etc', 'share', 'include', 'modules'])
    )
    expect(dirs.some(dir => dir.includes('.spack'))).toBe(false)
  })

  test('reports the install prefixes the files came from', () => {
    expect(full.spackPrefixes.map(p => p.prefix)).toEqual([fake.greetPrefix, fake.slurmPrefix])
    expect(full.spackPrefixes.every(p => p.files > 0)).toBe(true)
    const sinfo = full.entries.find(e => e.path === 'bin/sinfo')
    expect(sinfo).toMatchObject({
      type: 'file',
      source: path.join(fake.slurmPrefix, 'bin', 'sinfo'),
      spackPrefix: fake.slurmPrefix
    })
    expect(full.external).toEqual([])
  })

  test('slim leaves out headers, static libraries and libtool archives', async () => {
    const paths = (await walkTree(slim.prefix)).map(e => e.path)
    expect(paths.filter(p => p.startsWith('include') || p.endsWith('.a') || p.endsWith('.la'))).toEqual([])
    expect(slim.dropped).toEqual(['include', 'lib/libgreet.a', 'lib/libgreet.la'])
    expect(paths).toContain('lib/libslurm.so.42')
    expect(paths).toContain('lib/pkgconfig/slurm.pc')
  })
})

describe('helpers', () => {
  test('spackPrefixOf', () => {
    const hash = 'q'.repeat(32)
    expect(spackPrefixOf(`/o/linux/slurm-1-${hash}/lib/x.so`, ['/o'])).toBe(`/o/linux/slurm-1-${hash}`)
    expect(spackPrefixOf('/o/linux/notaprefix/lib', ['/o'])).toBeNull()
    expect(spackPrefixOf('/elsewhere/x', ['/o'])).toBeNull()
    expect(spackPrefixOf('/o/a/b/lib', ['/o'], ['/o/a', '/o/a/b'])).toBe('/o/a/b')
  })

  test('isSlimDropped', () => {
    expect(['include', 'include/slurm/slurm.h', 'lib/libslurm.a', 'lib/libslurm.la'].every(isSlimDropped)).toBe(true)
    expect(['lib/libslurm.so', 'share/include.txt', 'lib/pkgconfig/slurm.pc'].some(isSlimDropped)).toBe(false)
  })
})
