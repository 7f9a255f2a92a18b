/**
 * Spack's index of the builtin packages in the Actions cache: the real @actions/cache against the local cache
 * service, real files and their modification times (which decide whether Spack reads or rebuilds an index).
 */
import { describe, expect, test } from '@jest/globals'
import { mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { indexFiles, repoIndexCache, restoreRepoIndex, saveRepoIndex } from '../../src/cache/repo-index.js'
import { useLocalServices } from '../helpers/local-services.js'
import { scaleTimers } from '../services/index.js'

const local = useLocalServices({ artifact: false })
const root = local.root

const LONG_AGO = new Date('2020-01-01T00:00:00Z')

/** Index files as Spack writes them, for builtin and for the project's own repository, dated LONG_AGO. */
function writeIndex(misc: string): void {
  for (const kind of ['providers', 'tags', 'patches']) {
    for (const namespace of ['builtin', 'slurm_factory']) {
      const file = path.join(misc, kind, `${namespace}-specfile_v5-index.json`)
      mkdirSync(path.dirname(file), { recursive: true })
      writeFileSync(file, JSON.stringify({ kind, namespace }))
      utimesSync(file, LONG_AGO, LONG_AGO)
    }
  }
}

describe('repoIndexCache', () => {
  const base = { keyPrefix: 'sf', miscCache: '/t/cache', spack: '443f356b0b1e2f5e8a1c', spackRoot: '/opt/spack' }

  test('a pinned builtin repository is part of the key; a site one is named by where Spack lives', () => {
    const pinned = repoIndexCache({ ...base, builtinCommit: '4b8bb3513f6a9c' })
    expect(pinned.key).toBe('sf-spack-index-spack443f356b0b1e-builtin4b8bb3513f6a')
    expect(pinned.pinned).toBe(true)
    const site = repoIndexCache(base)
    expect(site.key).toMatch(/^sf-spack-index-spack443f356b0b1e-site[0-9a-f]{12}$/)
    expect(site.pinned).toBe(false)
    expect(repoIndexCache({ ...base, spackRoot: '/other/spack' }).key).not.toBe(site.key)
    expect(repoIndexCache({ ...base, spack: '1.0.1' }).key).not.toBe(site.key)
  })

  test('only the builtin repository index files are kept', () => {
    const misc = path.join(root, 'only-builtin', 'cache')
    writeIndex(misc)
    const cache = repoIndexCache({ ...base, miscCache: misc })
    expect(cache.dirs.map(dir => dir.live)).toEqual(['providers', 'tags', 'patches'].map(k => path.join(misc, k)))
    // Unpacked beside the misc cache, and moved in file by file when whole.
    expect(cache.dirs.map(dir => dir.stored)).toEqual(
      ['providers', 'tags', 'patches'].map(k => path.join(`${misc}-transfer`, 'spack-index', k))
    )
    expect(
      indexFiles(cache)
        .map(f => path.relative(misc, f))
        .sort()
    ).toEqual([
      'patches/builtin-specfile_v5-index.json',
      'providers/builtin-specfile_v5-index.json',
      'tags/builtin-specfile_v5-index.json'
    ])
  })
})

describe('save and restore', () => {
  test('nothing is saved when Spack built no index', async () => {
    const cache = repoIndexCache({
      keyPrefix: 'empty',
      miscCache: path.join(root, 'empty'),
      spack: '1.0.0',
      spackRoot: '/x'
    })
    expect(await saveRepoIndex(cache)).toBe(false)
    expect(local.services.cache?.entries.some(e => e.key.startsWith(cache.key))).toBe(false)
  })

  test.each([
    ['pinned', { builtinCommit: 'abc123' }],
    ['site', {}]
  ] as const)('%s: restored on a fresh machine; only a pinned index is marked as new', async (kind, pin) => {
    const misc = path.join(root, kind, 'cache')
    const cache = repoIndexCache({ keyPrefix: `t-${kind}`, miscCache: misc, spack: '1.0.0', spackRoot: '/s', ...pin })
    expect(await restoreRepoIndex(cache, {}, { id: '1', attempt: '1' })).toBe(false) // miss

    writeIndex(misc)
    expect(await saveRepoIndex(cache, {}, { id: '1', attempt: '1' })).toBe(true)
    // Saved under a key of its own run, from copies: the live files stay where Spack reads them.
    expect(local.services.cache?.entries.map(e => e.key)).toContain(`${cache.key}-1-1`)
    expect(indexFiles(cache)).toHaveLength(3)
    rmSync(path.join(root, kind), { recursive: true, force: true })

    const before = Date.now()
    expect(await restoreRepoIndex(cache, {}, { id: '2', attempt: '1' })).toBe(true)
    const files = indexFiles(cache)
    expect(files).toHaveLength(3)
    for (const file of files) {
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ namespace: 'builtin' })
      const mtime = statSync(file).mtimeMs
      if (kind === 'pinned') expect(mtime).toBeGreaterThanOrEqual(before - 1000)
      else expect(mtime).toBe(LONG_AGO.getTime())
    }
    // the project's own repository index was never stored
    expect(() => statSync(path.join(misc, 'tags', 'slurm_factory-specfile_v5-index.json'))).toThrow()
  })

  test('with the compilers: their fingerprint is in the key; an index of other compilers is restored but saved again', async () => {
    const misc = path.join(root, 'compilers', 'cache')
    // The detection has a directory of its own, as src/work.ts gives it.
    const file = path.join(root, 'compilers', 'detection', 'detected.json')
    const of = (fingerprint: string) =>
      repoIndexCache({
        keyPrefix: 'cc',
        miscCache: misc,
        spack: '1.0.0',
        spackRoot: '/c',
        builtinCommit: 'abc123',
        detection: { file, fingerprint }
      })
    const first = of('1111111111111111')
    expect(first.key).toBe('cc-spack-index-spack1.0.0-builtinabc123-compilers1111111111111111')
    expect(first.otherCompilers).toBe('cc-spack-index-spack1.0.0-builtinabc123-compilers')
    expect(first.dirs.map(dir => dir.live)).toContain(path.dirname(file))
    writeIndex(misc)
    // Not detected in this job (the step failed before): not saved, so that a later job saves both.
    expect(await saveRepoIndex(first)).toBe(false)
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, '{"fingerprint":"1111111111111111","packagesYaml":null}\n')
    expect(await saveRepoIndex(first)).toBe(true)
    rmSync(path.join(root, 'compilers'), { recursive: true, force: true })

    const other = of('2222222222222222')
    expect(await restoreRepoIndex(other)).toBe(false) // the index came, the compilers' record is another's
    expect(indexFiles(other)).toHaveLength(3)
    expect(readFileSync(file, 'utf8')).toContain('1111111111111111')
    rmSync(path.join(root, 'compilers'), { recursive: true, force: true })
    expect(await restoreRepoIndex(first)).toBe(true)
  })

  test('a failing cache service costs a warning, not the build', async () => {
    const misc = path.join(root, 'failing', 'cache')
    const cache = repoIndexCache({ keyPrefix: 'fail', miscCache: misc, spack: '1.0.0', spackRoot: '/f' })
    const fault = local.services.fail({ endpoint: 'twirp', status: 500 })
    const restoreTimers = scaleTimers(100) // the toolkit backs off for seconds between attempts
    try {
      expect(await restoreRepoIndex(cache)).toBe(false)
      writeIndex(misc)
      expect(await saveRepoIndex(cache)).toBe(false)
    } finally {
      restoreTimers()
      fault.remove()
    }
  })
})
