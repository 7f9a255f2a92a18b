import { describe, expect, test } from '@jest/globals'
import { parseInstallOutput } from '../../src/spack/install.js'
import { externalLibraryDirs } from '../../src/artifact/artifact.js'
import { readLock } from '../../src/spack/lock.js'

const h = (c: string) => c.repeat(32)

describe('parseInstallOutput', () => {
  test('tells packages extracted from a build cache from packages built', () => {
    const out = [
      `==> Fetching file:///m/blobs/sha256/ab/abc`,
      `==> Extracting zlib-1.3.1-${h('a')} from binary cache`,
      `==> zlib: Successfully installed zlib-1.3.1-${h('a')}`,
      `  Search: 0.00s.  Fetch: 0.01s.  Install: 0.10s.  Extract: 0.08s.  Relocate: 0.01s.  Total: 0.11s`,
      `[+] /opt/zlib-1.3.1-${h('a')}`,
      `==> Installing slurm-24.11.5-${h('b')} [3/3]`,
      `==> slurm: Successfully installed slurm-24.11.5-${h('b')}`,
      `  Stage: 1.00s.  Autoreconf: 0.00s.  Configure: 80.00s.  Build: 9m.  Install: 90.00s.  Total: 12m`,
      `[+] /usr (external munge-0.5.15-${h('c')})`
    ].join('\n')
    const report = parseInstallOutput(out)
    expect(report.extracted.map(p => p.name)).toEqual(['zlib'])
    expect(report.built.map(p => [p.name, p.hash])).toEqual([['slurm', h('b')]])
    expect(report.failure).toBeUndefined()
  })

  test('names the failing package and its build log, colours or not', () => {
    const out = [
      `\u001b[1;31m==> Error: ProcessError: Command exited with status 1:`,
      `    './configure' '--prefix=/opt/x'`,
      `See build log for details:`,
      `  /tmp/stage/spack-stage-hwloc-2.11.1-${h('d')}/spack-build-out.txt`,
      `==> Error: Failed to install hwloc due to ChildError: ProcessError: Command exited with status 1`
    ].join('\n')
    const report = parseInstallOutput(out)
    expect(report.failure).toEqual({
      packageName: 'hwloc',
      message: 'ChildError: ProcessError: Command exited with status 1',
      buildLog: `/tmp/stage/spack-stage-hwloc-2.11.1-${h('d')}/spack-build-out.txt`
    })
  })

  test('without an explicit failure line the package comes from the stage directory', () => {
    const report = parseInstallOutput(
      `See build log for details:\n  /s/spack-stage-json-c-0.16-${h('e')}/spack-build-out.txt\n`
    )
    expect(report.failure?.packageName).toBe('json-c')
  })
})

describe('readLock', () => {
  const lock = {
    _meta: { 'lockfile-version': 6 },
    roots: [{ hash: h('r'), spec: 'slurm@24.11.5' }],
    concrete_specs: {
      [h('r')]: {
        name: 'slurm',
        version: '24.11.5',
        namespace: 'slurm_factory',
        arch: { target: 'x86_64_v2' },
        dependencies: [{ name: 'gcc', hash: h('g'), parameters: { virtuals: ['c', 'cxx'] } }]
      },
      [h('g')]: {
        name: 'gcc',
        version: '12.2.0',
        namespace: 'builtin',
        external: { path: '/usr' },
        arch: { target: 'x86_64' }
      },
      [h('m')]: {
        name: 'munge',
        version: '0.5.15',
        namespace: 'builtin',
        external: { path: '/usr' },
        arch: { target: { name: 'x86_64' } }
      },
      [h('p')]: {
        name: 'pmix',
        version: '4.2.2',
        namespace: 'builtin',
        external: { path: '/usr/lib/x86_64-linux-gnu/pmix2' },
        arch: { target: 'x86_64' }
      }
    }
  }
  test('finds the slurm root, its compiler and the dependencies', () => {
    const build = readLock(JSON.stringify(lock))
    expect(build.root).toEqual({
      name: 'slurm',
      version: '24.11.5',
      hash: h('r'),
      namespace: 'slurm_factory',
      external: false,
      target: 'x86_64_v2',
      compiler: 'gcc@12.2.0'
    })
    expect(build.dependencies.map(d => [d.name, d.external, d.target])).toEqual([
      ['gcc', true, 'x86_64'],
      ['munge', true, 'x86_64'],
      ['pmix', true, 'x86_64']
    ])
  })

  test('external packages keep their prefix; their library directories are what the audit accepts beside the system', () => {
    const build = readLock(JSON.stringify(lock))
    expect(build.dependencies.find(d => d.name === 'pmix')?.externalPrefix).toBe('/usr/lib/x86_64-linux-gnu/pmix2')
    expect(externalLibraryDirs({ ...build, prefix: '/opt/x' })).toEqual([
      '/usr/lib/x86_64-linux-gnu/pmix2/lib',
      '/usr/lib/x86_64-linux-gnu/pmix2/lib64'
    ])
  })
  test('a lock without slurm is an error', () => {
    expect(() => readLock(JSON.stringify({ roots: [], concrete_specs: {} }))).toThrow(
      'spack.lock has no slurm root spec'
    )
  })
})
