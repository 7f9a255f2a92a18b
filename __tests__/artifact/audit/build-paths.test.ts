import { afterAll, describe, expect, test } from '@jest/globals'
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { inRanges, pathAt, scanForPrefixes, treeHolds, treePathOf } from '../../../src/artifact/audit/build-paths.js'

const work = mkdtempSync(path.join(tmpdir(), 'build-paths-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

function withFile<T>(name: string, bytes: Buffer, body: (fd: number, size: number) => T): T {
  const file = path.join(work, name)
  writeFileSync(file, bytes)
  const fd = openSync(file, 'r')
  try {
    return body(fd, statSync(file).size)
  } finally {
    closeSync(fd)
  }
}

const ROOT = '/build/runner/temp/slurm-factory/opt'
const HASH = 'poy6jvu2zaheln3rlr2wrueyqbq2gpt6'

describe('treePathOf', () => {
  test('a path into a Spack install tree loses the build prefix and the package install prefix', () => {
    const slurm = `${ROOT}/__spack_path_placeholder__/__spack_path/linux-x86_64_v2/slurm-24.11.5-${HASH}`
    expect(treePathOf(`${slurm}/sbin/slurmstepd`, [ROOT])).toBe('sbin/slurmstepd')
    expect(treePathOf(`${slurm}/etc/slurm.conf`, [ROOT])).toBe('etc/slurm.conf')
    expect(treePathOf(slurm, [ROOT])).toBe('')
  })

  test('a path into the view (no install prefix) maps directly; the longest matching prefix wins', () => {
    expect(treePathOf('/build/view/lib/slurm', ['/build', '/build/view'])).toBe('lib/slurm')
  })

  test("Spack's padding without an install prefix names nothing of the tree", () => {
    expect(treePathOf(`${ROOT}/__spack_path_placeholder__/x`, [ROOT])).toBe('__spack_path_placeholder__/x')
  })

  test('a path that only shares the prefix text, or none, is not placed', () => {
    expect(treePathOf(`${ROOT}x/lib`, [ROOT])).toBeUndefined()
    expect(treePathOf('/usr/lib/x86_64-linux-gnu', [ROOT])).toBeUndefined()
  })
})

describe('treeHolds', () => {
  const tree = path.join(work, 'tree')
  mkdirSync(path.join(tree, 'sbin'), { recursive: true })
  mkdirSync(path.join(tree, 'etc'), { recursive: true })
  writeFileSync(path.join(tree, 'sbin', 'slurmstepd'), '')

  test('the root, a file, and a file the tree has the directory for', () => {
    expect(treeHolds(tree, '')).toBe(true)
    expect(treeHolds(tree, 'sbin/slurmstepd')).toBe(true)
    expect(treeHolds(tree, 'etc/slurm.conf')).toBe(true)
  })

  test('not a directory the tree lacks, nor a file at the top that does not exist', () => {
    expect(treeHolds(tree, 'libexec/slurm/helper')).toBe(false)
    expect(treeHolds(tree, 'slurm.conf')).toBe(false)
  })
})

describe('inRanges', () => {
  const ranges = [[10, 20] as const, [30, 40] as const, [100, 101] as const]
  test('start inclusive, end exclusive, between ranges outside', () => {
    expect([9, 10, 19, 20, 25, 30, 39, 40, 100, 101].map(at => inRanges(ranges, at))).toEqual([
      false,
      true,
      true,
      false,
      false,
      true,
      true,
      false,
      true,
      false
    ])
    expect(inRanges([], 0)).toBe(false)
  })
})

describe('pathAt and scanForPrefixes', () => {
  test('the path at an offset stops at NUL, whitespace, quotes and list separators', () => {
    const bytes = Buffer.from('xx/b/p/sbin/stepd\0/b/p/lib:/usr/lib /b/p/etc/x.conf" rest')
    withFile('path-at', bytes, (fd, size) => {
      expect(pathAt(fd, 2, size)).toBe('/b/p/sbin/stepd')
      expect(pathAt(fd, bytes.indexOf('/b/p/lib'), size)).toBe('/b/p/lib')
      expect(pathAt(fd, bytes.indexOf('/b/p/etc'), size)).toBe('/b/p/etc/x.conf')
    })
  })

  test('every occurrence is found with its offset, also across the 4 MiB reading chunks', () => {
    const prefix = '/opt/build-machine/spack'
    const bytes = Buffer.alloc((4 << 20) + 4096, 0x61)
    const offsets = [5, (4 << 20) - 10, (4 << 20) + 100]
    for (const at of offsets) bytes.write(prefix, at)
    const hits = withFile('scan', bytes, (fd, size) => scanForPrefixes(fd, size, [Buffer.from(prefix)], false))
    expect(hits).toHaveLength(1)
    expect(hits[0]?.count).toBe(3)
    expect(hits[0]?.offsets).toEqual(offsets)
  })

  test('a text file reports the first hit line', () => {
    const hits = withFile('text', Buffer.from('a\nb\nprefix=/opt/b/x\n/opt/b/y\n'), (fd, size) =>
      scanForPrefixes(fd, size, [Buffer.from('/opt/b')], true)
    )
    expect(hits).toEqual([{ prefix: '/opt/b', count: 2, offsets: [11, 20], line: 3, excerpt: 'prefix=/opt/b/x' }])
  })
})
