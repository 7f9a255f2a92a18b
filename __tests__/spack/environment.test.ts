import { describe, expect, test } from '@jest/globals'
import { parse as parseYaml } from 'yaml'
import { parseInputs, type BuildRequest } from '../../src/inputs.js'
import {
  dependenciesEnvironmentYaml,
  environmentYaml,
  renderEnvironment,
  slurmSpec
} from '../../src/spack/environment.js'
import { layoutUnder } from '../../src/work.js'
import { SLURM_SERIES } from '../../src/catalog.js'

function request(inputs: Record<string, string> = {}): BuildRequest {
  return parseInputs(name => inputs[name] ?? '', { workspace: '/ws', actionPath: '/action', cpus: 2 })
}

const layout = layoutUnder('/tmp/run/slurm-factory')
const base = {
  gccVersion: '13.3.0',
  repoPath: '/action/spack-repo/spack_repo/slurm_factory',
  repoNamespace: 'slurm_factory',
  layout
}

describe('slurmSpec', () => {
  test.each([
    [{}, '13.3.0', 'slurm@25.11 +hwloc +pmix +rest +ucx %gcc@13.3.0 target=x86_64_v3'],
    [
      { 'slurm-version': '24.11.5', target: 'x86_64_v2' },
      '12.2.0',
      'slurm@24.11.5 +hwloc +pmix +rest +ucx %gcc@12.2.0 target=x86_64_v2'
    ],
    [
      { 'slurm-version': '23.11', variants: '~rest +pam sysconfdir=/etc/slurm' },
      '7.5.0',
      'slurm@23.11 +pam ~rest sysconfdir=/etc/slurm %gcc@7.5.0 target=x86_64_v3'
    ],
    [
      { 'slurm-version': '26.05', variants: '', target: 'zen4' },
      '15.2.0',
      'slurm@26.05 +hwloc +pmix +rest +ucx %gcc@15.2.0 target=zen4'
    ],
    [
      { variants: '+nvml+rsmi ~ucx', target: 'neoverse_v1' },
      '14.2.0',
      'slurm@25.11 +nvml +rsmi ~ucx %gcc@14.2.0 target=neoverse_v1'
    ]
  ])('%j with gcc %s', (inputs, gcc, expected) => {
    expect(slurmSpec(request(inputs), gcc)).toBe(expected)
  })

  test('a matrix of series and compilers gives one well-formed spec each', () => {
    for (const series of SLURM_SERIES) {
      for (const gcc of ['7.5.0', '9.5.0', '11.4.0', '13.3.0', '15.2.0']) {
        const spec = slurmSpec(request({ 'slurm-version': series, compiler: `gcc@${gcc}` }), gcc)
        expect(spec).toMatch(
          new RegExp(
            `^slurm@${series.replace('.', '\\.')} (\\+[a-z]+ )+%gcc@${gcc.replace(/\./g, '\\.')} target=x86_64_v3$`
          )
        )
      }
    }
  })
})

describe('renderEnvironment', () => {
  test('field by field for the defaults', () => {
    const { spack } = renderEnvironment({ ...base, request: request() }) as { spack: Record<string, any> }
    expect(spack.specs).toEqual(['slurm@25.11 +hwloc +pmix +rest +ucx %gcc@13.3.0 target=x86_64_v3'])
    expect(spack.repos).toEqual({ slurm_factory: '/action/spack-repo/spack_repo/slurm_factory' })
    expect(spack.config.install_tree).toEqual({ root: '/tmp/run/slurm-factory/opt', padded_length: 128 })
    expect(spack.config.shared_linking).toEqual({ type: 'runpath', bind: false })
    expect(spack.config.build_jobs).toBe(2)
    expect(spack.packages.all.target).toEqual(['x86_64_v3'])
    expect(spack.mirrors).toEqual({
      'slurm-factory-local': { url: 'file:///tmp/run/slurm-factory/buildcache', signed: false }
    })
    expect(spack.view.default).toEqual({
      root: '/tmp/run/slurm-factory/view',
      select: ['slurm'],
      link: 'run',
      link_type: 'symlink'
    })
    expect(spack.modules.default.enable).toEqual(['lmod'])
    expect(spack.modules.default.roots).toEqual({ lmod: '/tmp/run/slurm-factory/modules' })
  })

  test('remote mirrors keep their order and signing; OCI mirrors read credentials from variables', () => {
    const { spack } = renderEnvironment({
      ...base,
      request: request({
        'buildcache-mirrors': 'https://a.example/c\noci://ghcr.io/o/c',
        'buildcache-push': 's3://b/p',
        unsigned: 'true',
        'oci-username': 'octocat',
        'oci-password': 'ghp_not-a-real-token'
      })
    }) as { spack: Record<string, any> }
    expect(Object.keys(spack.mirrors)).toEqual(['slurm-factory-local', 'remote-1', 'remote-2', 'slurm-factory-push'])
    expect(spack.mirrors['remote-1']).toEqual({ url: 'https://a.example/c', signed: false })
    expect(spack.mirrors['remote-2'].access_pair).toEqual({
      id_variable: 'SLURM_FACTORY_OCI_USERNAME',
      secret_variable: 'SLURM_FACTORY_OCI_PASSWORD'
    })
    expect(spack.mirrors['slurm-factory-push']).toEqual({ url: 's3://b/p', signed: false })
    const signed = renderEnvironment({
      ...base,
      request: request({ 'buildcache-mirrors': 'https://a.example/c' })
    }) as { spack: Record<string, any> }
    expect(signed.spack.mirrors['remote-1'].signed).toBe(true)
  })

  test('OCI credentials: named by variable when both are given, never written, left out otherwise', () => {
    const oci = {
      'buildcache-mirrors': 'oci://ghcr.io/o/read',
      'buildcache-push': 'oci://ghcr.io/o/push',
      unsigned: 'true'
    }
    const pair = { id_variable: 'SLURM_FACTORY_OCI_USERNAME', secret_variable: 'SLURM_FACTORY_OCI_PASSWORD' }
    const both = { ...oci, 'oci-username': 'octocat', 'oci-password': 'ghp_secret-value' }
    const rendered = renderEnvironment({ ...base, request: request(both) }) as { spack: Record<string, any> }
    expect(rendered.spack.mirrors['remote-1']).toEqual({
      url: 'oci://ghcr.io/o/read',
      signed: false,
      access_pair: pair
    })
    expect(rendered.spack.mirrors['slurm-factory-push']).toEqual({
      url: 'oci://ghcr.io/o/push',
      signed: false,
      access_pair: pair
    })
    const text = environmentYaml({ ...base, request: request(both) })
    expect(text).not.toContain('ghp_secret-value')
    expect(text).not.toContain('octocat')
    // Anonymous (a public package, a local run): Spack would fail on a variable that is not set, so none is named.
    const partials: Array<Record<string, string>> = [
      {},
      { 'oci-username': 'octocat' },
      { 'oci-password': 'ghp_secret-value' }
    ]
    for (const partial of partials) {
      const { spack } = renderEnvironment({ ...base, request: request({ ...oci, ...partial }) }) as {
        spack: Record<string, any>
      }
      expect(spack.mirrors['remote-1']).toEqual({ url: 'oci://ghcr.io/o/read', signed: false })
      expect(spack.mirrors['slurm-factory-push']).toEqual({ url: 'oci://ghcr.io/o/push', signed: false })
    }
  })

  test('module generation follows modules', () => {
    const tcl = renderEnvironment({ ...base, request: request({ modules: 'tcl' }) }) as { spack: Record<string, any> }
    expect(tcl.spack.modules.default).toEqual({ enable: ['tcl'], roots: { tcl: '/tmp/run/slurm-factory/modules' } })
    const none = renderEnvironment({ ...base, request: request({ modules: 'none' }) }) as { spack: Record<string, any> }
    expect(none.spack.modules).toBeUndefined()
  })

  test('the YAML text parses back to the same document and is stable', () => {
    const inputs = { ...base, request: request({ variants: 'sysconfdir=/etc/slurm +rest' }) }
    const text = environmentYaml(inputs)
    expect(parseYaml(text)).toEqual(renderEnvironment(inputs))
    expect(environmentYaml(inputs)).toBe(text)
    expect(text.startsWith('# Rendered by slurm-factory-action')).toBe(true)
  })
})

describe('dependenciesEnvironmentYaml', () => {
  test('one root per version as a Slurm build names it, dependencies unified where they can be, no view, no modules', () => {
    const inputs = { stage: 'dependencies', 'slurm-version': '24.11 26.05', compiler: 'gcc@13.3.0' }
    const doc = parseYaml(dependenciesEnvironmentYaml({ ...base, request: request(inputs) })) as {
      spack: Record<string, unknown>
    }
    expect(doc.spack.specs).toEqual([
      slurmSpec(request({ 'slurm-version': '24.11' }), '13.3.0'),
      slurmSpec(request({ 'slurm-version': '26.05' }), '13.3.0')
    ])
    expect(doc.spack.concretizer).toEqual({ unify: 'when_possible', reuse: true })
    expect(doc.spack.view).toBe(false)
    expect(doc.spack.modules).toBeUndefined()
    // The rest is the Slurm build's: same store, mirrors and compilers, so what is installed serves the cells.
    const cell = renderEnvironment({ ...base, request: request({ 'slurm-version': '24.11', compiler: 'gcc@13.3.0' }) })
      .spack as Record<string, unknown>
    for (const key of ['config', 'packages', 'mirrors', 'repos']) expect(doc.spack[key]).toEqual(cell[key])
  })

  test("a site's concretizer settings are kept beside unify", () => {
    const site = 'concretizer:\n  targets:\n    granularity: generic\n'
    const doc = parseYaml(
      dependenciesEnvironmentYaml({ ...base, request: request({ stage: 'dependencies', 'spack-config': site }) })
    ) as { spack: { concretizer: Record<string, unknown> } }
    expect(doc.spack.concretizer).toEqual({ unify: 'when_possible', reuse: true, targets: { granularity: 'generic' } })
  })
})
