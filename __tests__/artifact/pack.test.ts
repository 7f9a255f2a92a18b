import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import {
  chmodSync,
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
import { walkTree } from '../../src/artifact/checksums.js'
import { writeManifestAndSums } from '../../src/artifact/manifest.js'
import { archiveSuffix } from '../../src/artifact/layout.js'
import { packArtifact, sourceDateEpoch, tarArguments } from '../../src/artifact/pack.js'
import { AUDIT, BUILD, MACHINE, hasTool } from '../helpers/tree-fixtures.js'

const missing = ['tar', 'zstd', 'gzip', 'sha256sum'].filter(tool => !hasTool(tool))
const describeTools = missing.length === 0 ? describe : describe.skip
if (missing.length) process.stderr.write(`[pack] skipped: missing ${missing.join(', ')}\n`)

const NAME = 'slurm-24.11.5-gcc13.3.0-x86_64_v3'

function run(command: string, args: string[], cwd?: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8' })
}

describeTools('packArtifact', () => {
  let base: string
  let prefix: string

  beforeAll(async () => {
    base = mkdtempSync(path.join(tmpdir(), 'pack-'))
    prefix = path.join(base, 'stage', NAME)
    for (const dir of ['bin', 'lib/slurm', 'etc', 'share/man/man1', 'modules/slurm'])
      mkdirSync(path.join(prefix, dir), { recursive: true })
    writeFileSync(path.join(prefix, 'bin', 'sinfo'), '#!/bin/sh\necho sinfo\n')
    chmodSync(path.join(prefix, 'bin', 'sinfo'), 0o755)
    writeFileSync(path.join(prefix, 'lib', 'libslurm.so.42'), Buffer.alloc(300_000, 7))
    symlinkSync('libslurm.so.42', path.join(prefix, 'lib', 'libslurm.so'))
    writeFileSync(path.join(prefix, 'lib', 'slurm', 'plug.so'), 'plugin')
    writeFileSync(path.join(prefix, 'share', 'man', 'man1', 'a file with spaces.1'), '.TH A 1\n')
    writeFileSync(path.join(prefix, 'modules', 'slurm', '24.11.5.lua'), '-- module\n')
    writeFileSync(path.join(prefix, 'x'.repeat(120)), 'long name\n')
    await writeManifestAndSums(prefix, { artifactName: NAME, build: BUILD, machine: MACHINE, audit: AUDIT })
  })

  afterAll(() => rmSync(base, { recursive: true, force: true }))

  test('zstd: unpacks with plain tar, has the top-level directory, and SHA256SUMS verify', async () => {
    const packed = await packArtifact({ dir: prefix, outDir: path.join(base, 'out'), compression: 'zstd' })
    expect(packed.path).toBe(path.join(base, 'out', `${NAME}.tar.zst`))
    expect(packed.sha256).toBe(run('sha256sum', [packed.path]).split(' ')[0])
    expect(packed.size).toBe(readFileSync(packed.path).length)
    const unpack = path.join(base, 'unpack-zst')
    mkdirSync(unpack)
    run('zstd', ['-q', '-d', '-o', path.join(unpack, 'a.tar'), packed.path])
    run('tar', ['-xf', 'a.tar'], unpack)
    expect(run('sha256sum', ['-c', '--strict', 'SHA256SUMS'], path.join(unpack, NAME))).not.toMatch(/FAILED/)
    const listing = run('tar', ['-tvf', path.join(unpack, 'a.tar')])
      .trim()
      .split('\n')
    expect(listing.every(line => / 0\/0 /.test(line))).toBe(true)
    expect(listing.every(line => line.includes('1970-01-01'))).toBe(true)
    const names = run('tar', ['-tf', path.join(unpack, 'a.tar')])
      .trim()
      .split('\n')
    expect(names[0]).toBe(`${NAME}/`)
    expect(names.every(name => name.startsWith(`${NAME}/`))).toBe(true)
    expect(names).toContain(`${NAME}/lib/libslurm.so`)
    // Entries are in name order (GNU tar's --sort=name: directory by directory, names by bytes).
    expect(names.indexOf(`${NAME}/SHA256SUMS`)).toBeLessThan(names.indexOf(`${NAME}/bin/`))
    const unpacked = await walkTree(path.join(unpack, NAME))
    expect(unpacked.find(e => e.path === 'lib/libslurm.so')).toMatchObject({
      type: 'symlink',
      target: 'libslurm.so.42'
    })
    expect(unpacked.find(e => e.path === 'bin/sinfo')?.mode).toBe(0o755)
    // GNU format: no pax headers carrying atime/ctime.
    expect(readFileSync(path.join(unpack, 'a.tar')).includes('atime=')).toBe(false)
  })

  test('packing twice, even after touching mtimes, gives the same bytes', async () => {
    const first = await packArtifact({ dir: prefix, outDir: path.join(base, 'one'), compression: 'zstd' })
    for (const entry of await walkTree(prefix)) {
      if (entry.type !== 'symlink') utimesSync(path.join(prefix, entry.path), new Date(), new Date(2001, 1, 1))
    }
    const second = await packArtifact({ dir: prefix, outDir: path.join(base, 'two'), compression: 'zstd' })
    expect(second.sha256).toBe(first.sha256)
    expect(readFileSync(second.path).equals(readFileSync(first.path))).toBe(true)
  })

  test('gzip: reproducible, unpacks with tar -xzf', async () => {
    const first = await packArtifact({
      dir: prefix,
      outDir: path.join(base, 'gz1'),
      compression: 'gzip',
      mtime: 1_700_000_000
    })
    const second = await packArtifact({
      dir: prefix,
      outDir: path.join(base, 'gz2'),
      compression: 'gzip',
      mtime: 1_700_000_000
    })
    expect(first.fileName).toBe(`${NAME}.tar.gz`)
    expect(second.sha256).toBe(first.sha256)
    const unpack = path.join(base, 'unpack-gz')
    mkdirSync(unpack)
    run('tar', ['-xzf', first.path], unpack)
    expect(run('sha256sum', ['-c', 'SHA256SUMS'], path.join(unpack, NAME))).not.toMatch(/FAILED/)
    expect(run('tar', ['-tvzf', first.path])).toContain('2023-11-14')
  })

  test('a failing compressor is reported with its command, and no archive is left', async () => {
    const out = path.join(base, 'bad')
    await expect(packArtifact({ dir: prefix, outDir: out, compression: 'gzip', gzip: 'false' })).rejects.toThrow(
      /false -n -c -6 failed with exit code 1/
    )
    expect(() => readFileSync(path.join(out, `${NAME}.tar.gz.partial`))).toThrow()
    expect(() => readFileSync(path.join(out, `${NAME}.tar.gz`))).toThrow()
    await expect(
      packArtifact({ dir: prefix, outDir: out, compression: 'zstd', zstd: '/nonexistent/zstd' })
    ).rejects.toThrow(/zstd/)
  })
})

describe('pack helpers', () => {
  test('tar arguments are fixed and reproducible', () => {
    expect(tarArguments('/o', 'n', 5)).toEqual([
      '--create',
      '--file=-',
      '--format=gnu',
      '--sort=name',
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '--mtime=@5',
      '--mode=u+rw,go-w,a+rX',
      '--no-acls',
      '--no-xattrs',
      '--no-selinux',
      '--directory=/o',
      '--',
      'n'
    ])
  })

  test('SOURCE_DATE_EPOCH and suffixes', () => {
    expect(sourceDateEpoch({ SOURCE_DATE_EPOCH: '1700000000' })).toBe(1_700_000_000)
    expect(sourceDateEpoch({ SOURCE_DATE_EPOCH: 'x' })).toBe(0)
    expect(sourceDateEpoch({})).toBe(0)
    expect(archiveSuffix('zstd')).toBe('.tar.zst')
    expect(archiveSuffix('gzip')).toBe('.tar.gz')
  })
})
