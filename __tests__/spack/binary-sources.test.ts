/**
 * Which mirror each extracted package came from, read from `spack install` output. The texts below are Spack
 * v1.0.0's own lines from real installs of the tiny test environment (the registry test,
 * __tests__/real-spack/oci-registry.test.ts, checks the same on live output): from an OCI registry, from a file://
 * mirror, and built from source.
 */
import { describe, expect, test } from '@jest/globals'
import {
  binarySources,
  cacheHitAfterInstall,
  countByMirror,
  fetchPrefix,
  mirrorOfUrl,
  type BinarySource
} from '../../src/spack/binary-sources.js'

const CW = 'compiler-wrapper-1.0-4fghq5ibtjw6ag4knvkpnmu2cdp3bamt'
const RT = 'gcc-runtime-12.2.0-bn26h7urn3mxmjk5bagdelhwfik2ahop'
const HT = 'hello-tiny-1.0-ft4r4wd4djzjgis3wt47bqkbcexj56hv'
const OCI = 'https://127.0.0.1:45877/v2/cache/slurm/blobs'
const LOCAL = 'file:///tmp/run/slurm-factory/buildcache'

const mirrors = [
  { name: 'slurm-factory-local', url: LOCAL },
  { name: 'remote-1', url: 'oci://127.0.0.1:45877/cache/slurm' },
  { name: 'remote-2', url: 'https://cache.example.org/spack/' }
]

/** gcc-runtime from the local mirror, compiler-wrapper from the registry, hello-tiny built from source. */
const MIXED = `==> Fetching ${OCI}/sha256:28374f251ab1bbd25b5ae0f1c282a3584e9257357ee4f33f0a79c783c2fb0f79
==> Fetching ${OCI}/sha256:bbac754861e5a91a5698e9c204b889b078abaf53e6feb486e1a8715c5c3bed90
==> Extracting ${CW} from binary cache
==> compiler-wrapper: Successfully installed ${CW}
  Search: 0.00s.  Fetch: 0.04s.  Install: 0.16s.  Extract: 0.02s.  Relocate: 0.13s.  Total: 0.20s
[+] /tmp/run/slurm-factory/opt/[padded-to-128-chars]/linux-x86_64/${CW}
==> Installing ${CW} [1/5]
[+] /usr (external gcc-12.2.0-rdz75yjacyfrzbyvzwunl53n6dz44rx4)
[+] /usr (external glibc-2.36-qggmgd43aeio7nlqwjdua7qykkygiboj)
==> Fetching ${LOCAL}/blobs/sha256/79/792b515a520122668c1f1decd4d60a3fe33b2989df68ebc77b09aba2b42e4df7
==> Extracting ${RT} from binary cache
==> gcc-runtime: Successfully installed ${RT}
  Search: 0.00s.  Fetch: 0.02s.  Install: 0.38s.  Extract: 0.34s.  Relocate: 0.03s.  Total: 0.41s
==> Installing ${RT} [4/5]
==> No binary for ${HT} found: installing from source
==> Installing ${HT} [5/5]
==> Fetching file:///tmp/run/sources/_source-cache/archive/e8/e874322d8f2667f3b98334918d9064a1ad929aafcf85debb3f2368dca3459d46.tar
==> No patches needed for hello-tiny
==> hello-tiny: Executing phase: 'install'
==> hello-tiny: Successfully installed ${HT}
  Stage: 0.01s.  Install: 0.08s.  Post-install: 0.06s.  Total: 0.17s
==> Updating view at /tmp/run/slurm-factory/view
`

describe('mirrorOfUrl', () => {
  test('a fetched URL belongs to the mirror it is under; the longest prefix wins', () => {
    expect(fetchPrefix('oci://ghcr.io/My-Org/Cache')).toBe('https://ghcr.io/v2/my-org/cache')
    expect(fetchPrefix('file:///srv/mirror/')).toBe('file:///srv/mirror')
    expect(mirrorOfUrl(`${OCI}/sha256:ab`, mirrors)).toBe('remote-1')
    expect(mirrorOfUrl(`${LOCAL}/blobs/sha256/ab/ab`, mirrors)).toBe('slurm-factory-local')
    expect(mirrorOfUrl('file:////tmp/run/slurm-factory/buildcache/blobs/x', mirrors)).toBe('slurm-factory-local')
    expect(mirrorOfUrl('https://cache.example.org/spack/blobs/sha256/ab/ab', mirrors)).toBe('remote-2')
    expect(mirrorOfUrl('https://cache.example.org/spackle/blobs/x', mirrors)).toBeUndefined()
    const nested = [...mirrors, { name: 'remote-3', url: 'https://cache.example.org/spack/gcc13' }]
    expect(mirrorOfUrl('https://cache.example.org/spack/gcc13/blobs/x', nested)).toBe('remote-3')
  })
})

describe('binarySources', () => {
  test('each extracted package with the mirror its blobs came from; a source build is no source of binaries', () => {
    const sources = binarySources(MIXED, mirrors)
    expect(sources.map(s => [s.pkg.name, s.mirror])).toEqual([
      ['compiler-wrapper', 'remote-1'],
      ['gcc-runtime', 'slurm-factory-local']
    ])
    expect(sources[0]?.url).toBe(`${OCI}/sha256:bbac754861e5a91a5698e9c204b889b078abaf53e6feb486e1a8715c5c3bed90`)
    expect(sources[1]?.pkg.hash).toBe('bn26h7urn3mxmjk5bagdelhwfik2ahop')
    expect(countByMirror(sources)).toEqual({ 'remote-1': 1, 'slurm-factory-local': 1 })
  })

  test('colour codes are ignored; an extraction with no known fetch before it has no mirror', () => {
    const coloured = `\u001b[0;94m==>\u001b[0m Fetching ${OCI}/sha256:aa\n\u001b[0;94m==>\u001b[0m Extracting ${CW} from binary cache\n==> compiler-wrapper: Successfully installed ${CW}\n`
    expect(binarySources(coloured, mirrors).map(s => s.mirror)).toEqual(['remote-1'])
    const unknown = `==> Extracting ${CW} from binary cache\n==> compiler-wrapper: Successfully installed ${CW}\n`
    const sources = binarySources(unknown, mirrors)
    expect(sources).toHaveLength(1)
    expect(sources[0]?.mirror).toBeUndefined()
    expect(countByMirror(sources)).toEqual({ unknown: 1 })
  })

  test('a fetch for a package built from source does not carry over to the next extraction', () => {
    const text = `==> Installing ${HT} [1/2]\n==> Fetching ${OCI}/sha256:cc\n==> hello-tiny: Successfully installed ${HT}\n==> Extracting ${CW} from binary cache\n==> compiler-wrapper: Successfully installed ${CW}\n`
    expect(binarySources(text, mirrors)[0]?.mirror).toBeUndefined()
  })

  test('an extraction that did not end installed is not counted', () => {
    const text = `==> Fetching ${OCI}/sha256:aa\n==> Extracting ${CW} from binary cache\n==> Error: Failed to install compiler-wrapper due to OSError\n`
    expect(binarySources(text, mirrors)).toEqual([])
  })
})

describe('cacheHitAfterInstall', () => {
  const local = 'slurm-factory-local'
  test.each([
    ['exact', 0, [local], 'exact'],
    ['partial', 2, [local], 'partial'],
    ['partial', 0, [local, 'remote-1'], 'partial'],
    ['none', 0, ['remote-1', 'remote-1'], 'remote'],
    ['none', 1, ['remote-1'], 'partial'],
    ['none', 3, [], 'none']
  ] as const)('restored %s, %i built, extracted from %j: %s', (restored, built, from, expected) => {
    const sources: BinarySource[] = from.map((mirror, i) => ({
      pkg: { id: `p-1-${i}`, name: 'p', hash: `${i}` },
      mirror
    }))
    expect(cacheHitAfterInstall({ restored, built, sources, localMirror: local })).toBe(expected)
  })
})
