import { describe, expect, test } from '@jest/globals'
import {
  cacheKeys,
  classifyHit,
  completeKey,
  isComplete,
  partialKey,
  type CacheKeyInputs
} from '../../src/cache/keys.js'
import { parseInputs } from '../../src/inputs.js'
import { environmentYaml } from '../../src/spack/environment.js'
import { layoutUnder } from '../../src/work.js'

function keysFor(
  inputs: Record<string, string>,
  overrides: Partial<CacheKeyInputs> = {},
  detected?: Record<string, unknown>
) {
  const request = parseInputs(name => inputs[name] ?? '', { workspace: '/ws', actionPath: '/action', cpus: 2 })
  const environment = environmentYaml({
    request,
    gccVersion: '13.3.0',
    repoPath: '/repo',
    repoNamespace: 'slurm_factory',
    layout: layoutUnder('/t'),
    ...(detected ? { detected } : {})
  })
  return cacheKeys({
    prefix: request.cache.keyPrefix,
    os: 'ubuntu-24.04',
    arch: 'x86_64',
    spackCommit: '443f356b12ec8e5f1220f89f4ad390b817143857',
    builtinCommit: '4b8bb3514838ce9e8bbc2ca7f98e62dbd7100c63',
    repoHash: 'abc',
    gccVersion: '13.3.0',
    target: request.target,
    environment,
    ...overrides
  })
}

const gcc = (version: string) => ({ gcc: { externals: [{ spec: `gcc@${version}`, prefix: '/usr' }] } })

describe('cache keys', () => {
  test('the same request gives the same key', () => {
    expect(keysFor({})).toEqual(keysFor({}))
    expect(keysFor({}).primary).toMatch(
      /^slurm-factory-ubuntu_24\.04-x86_64-spack443f356b12ec-gcc13\.3\.0-x86_64_v3-[0-9a-f]{20}$/
    )
  })

  test('changing only a Slurm variant changes the primary key but keeps a restore key that matches the earlier save', () => {
    const before = keysFor({ variants: '+rest +pmix' })
    const after = keysFor({ variants: '+rest ~pmix' })
    expect(after.primary).not.toBe(before.primary)
    expect(after.restoreKeys.some(prefix => before.primary.startsWith(prefix))).toBe(true)
    expect(after.restoreKeys.slice(0, 2)).toEqual([`${after.primary}-complete-`, `${after.primary}-partial-`])
  })

  test('whitespace and order in variants do not change the key', () => {
    expect(keysFor({ variants: '  +ucx   +rest\t+pmix' }).primary).toBe(
      keysFor({ variants: '+pmix +rest +ucx' }).primary
    )
  })

  test('a different detected compiler or external changes it', () => {
    expect(keysFor({}, {}, gcc('13.3.0')).primary).not.toBe(keysFor({}, {}, gcc('13.2.0')).primary)
    expect(keysFor({}, {}, gcc('13.3.0')).primary).not.toBe(keysFor({}).primary)
  })

  test('Spack, builtin packages, the repository, OS and arch all take part', () => {
    const base = keysFor({}).primary
    for (const change of [
      { spackCommit: 'f'.repeat(40) },
      { builtinCommit: 'x' },
      { repoHash: 'def' },
      { os: 'ubuntu-22.04' },
      { arch: 'aarch64' }
    ]) {
      expect(keysFor({}, change).primary).not.toBe(base)
    }
  })

  test('another compiler or target does not restore this family', () => {
    const mine = keysFor({})
    const other = keysFor({ target: 'x86_64_v2' })
    expect(other.restoreKeys.some(prefix => mine.primary.startsWith(prefix))).toBe(false)
    expect(keysFor({}, { gccVersion: '11.4.0' }).restoreKeys.some(prefix => mine.primary.startsWith(prefix))).toBe(
      false
    )
  })

  test("a complete build's key is found first, then a failed build's, each saved under a key of its own run", () => {
    const keys = keysFor({})
    const complete = completeKey(keys.primary, '1234', '2')
    const partial = partialKey(keys.primary, '1234', '2')
    expect(complete).toBe(`${keys.primary}-complete-1234-2`)
    expect(partial).toBe(`${keys.primary}-partial-1234-2`)
    expect(complete.startsWith(keys.restoreKeys[0] as string)).toBe(true)
    expect(partial.startsWith(keys.restoreKeys[1] as string)).toBe(true)
    expect(classifyHit(keys.primary, complete)).toBe('exact')
    expect(classifyHit(keys.primary, partial)).toBe('partial')
    // an entry saved before keys named their run
    expect(classifyHit(keys.primary, keys.primary)).toBe('exact')
    expect(classifyHit(keys.primary, undefined)).toBe('none')
    expect(isComplete(keys.primary, `${keys.primary}-completely-other`)).toBe(false)
  })

  test('keys stay within the service limit of 512 characters', () => {
    expect(keysFor({ 'cache-key-prefix': 'p'.repeat(64) }).primary.length).toBeLessThan(200)
  })
})
