import { describe, expect, test } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { InputError, parseInputs } from '../../src/inputs.js'
import { environmentYaml, renderEnvironment } from '../../src/spack/environment.js'
import { layoutUnder } from '../../src/work.js'
import { mergeConfig } from '../../src/spack/site-config.js'

const workspace = mkdtempSync(path.join(tmpdir(), 'site-'))

function request(inputs: Record<string, string>) {
  return parseInputs(name => inputs[name] ?? '', { workspace, actionPath: '/action', cpus: 2 })
}

function env(inputs: Record<string, string>): Record<string, any> {
  return (
    renderEnvironment({
      request: request(inputs),
      gccVersion: '12.2.0',
      repoPath: '/repo',
      repoNamespace: 'slurm_factory',
      layout: layoutUnder('/t')
    }) as { spack: Record<string, any> }
  ).spack
}

function rejects(inputs: Record<string, string>, ...fragments: string[]): void {
  let error: unknown
  try {
    request(inputs)
  } catch (caught) {
    error = caught
  }
  expect(error).toBeInstanceOf(InputError)
  expect((error as InputError).input).toBe('spack-config')
  for (const fragment of fragments) expect((error as Error).message).toContain(fragment)
}

const munge =
  'packages:\n  munge:\n    buildable: false\n    externals:\n    - spec: munge@0.5.15\n      prefix: /usr\n'

describe('spack-config: merging', () => {
  test('inline YAML adds externals beside the rendered packages', () => {
    const spack = env({ 'spack-config': munge })
    expect(spack.packages.all).toEqual({ target: ['x86_64_v3'] })
    expect(spack.packages.munge).toEqual({ buildable: false, externals: [{ spec: 'munge@0.5.15', prefix: '/usr' }] })
  })

  test('a file in the workspace gives the same environment as the same YAML inline', () => {
    writeFileSync(path.join(workspace, 'site.yaml'), munge)
    expect(env({ 'spack-config': 'site.yaml' })).toEqual(env({ 'spack-config': munge }))
  })

  test('a whole spack.yaml (with spack: around the sections) is accepted', () => {
    expect(env({ 'spack-config': `spack:\n  ${munge.replace(/\n/g, '\n  ')}` }).packages.munge.buildable).toBe(false)
  })

  test.each([
    [
      'config',
      'config:\n  build_jobs: 7\n  connect_timeout: 5\n',
      (s: any) => [s.config.build_jobs, s.config.connect_timeout, s.config.install_tree.padded_length],
      [7, 5, 128]
    ],
    [
      'concretizer',
      'concretizer:\n  reuse: false\n',
      (s: any) => [s.concretizer.reuse, s.concretizer.unify],
      [false, true]
    ],
    [
      'mirrors',
      'mirrors:\n  site: file:///srv/mirror\n',
      (s: any) => Object.keys(s.mirrors),
      ['slurm-factory-local', 'site']
    ],
    [
      'compilers',
      'compilers:\n- compiler:\n    spec: gcc@=13.3.0\n',
      (s: any) => s.compilers,
      [{ compiler: { spec: 'gcc@=13.3.0' } }]
    ],
    ['modules', 'modules:\n  default:\n    enable: [tcl]\n', (s: any) => s.modules.default.enable, ['tcl', 'lmod']]
  ])('the %s section merges, the site winning', (_name, yaml, pick, expected) => {
    expect(pick(env({ 'spack-config': yaml }))).toEqual(expected)
  })

  test('a section with two colons replaces the rendered one', () => {
    const spack = env({ 'spack-config': 'mirrors::\n  site: file:///srv/mirror\n' })
    expect(spack.mirrors).toBeUndefined()
    expect(spack['mirrors:']).toEqual({ site: 'file:///srv/mirror' })
    const text = environmentYaml({
      request: request({ 'spack-config': 'mirrors::\n  site: file:///srv/mirror\n' }),
      gccVersion: '12.2.0',
      repoPath: '/r',
      repoNamespace: 'slurm_factory',
      layout: layoutUnder('/t')
    })
    expect(text).toContain('"mirrors:":')
  })

  test('mergeConfig follows scope precedence: mappings merge, scalars from the higher scope, its list entries first', () => {
    expect(mergeConfig({ a: 1, b: { c: [1, 2], d: 'low' } }, { b: { c: [3, 1], d: 'high' }, e: true })).toEqual({
      a: 1,
      b: { c: [3, 1, 2], d: 'high' },
      e: true
    })
    expect(mergeConfig({ a: { x: 1 }, b: 2 }, { 'a:': { y: 2 } })).toEqual({ 'a:': { y: 2 }, b: 2 })
  })
})

describe('spack-config: bad values fail before any work', () => {
  test('a path that is not there', () =>
    rejects({ 'spack-config': 'missing.yaml' }, 'neither inline YAML nor a readable file'))
  test('invalid YAML', () => rejects({ 'spack-config': 'packages:\n  munge: [unclosed\n' }, 'is not valid YAML'))
  test('invalid YAML in a file names the file', () => {
    writeFileSync(path.join(workspace, 'bad.yaml'), 'packages: {munge: [\n')
    rejects({ 'spack-config': 'bad.yaml' }, path.join(workspace, 'bad.yaml'), 'is not valid YAML')
  })
  test('not a mapping', () =>
    rejects({ 'spack-config': '- packages\n- config\n' }, 'must be a mapping of Spack configuration sections'))
  test('a section Spack does not know', () =>
    rejects(
      { 'spack-config': 'pakages:\n  munge: {}\n' },
      'section "pakages" is not a Spack configuration section',
      'packages'
    ))
  test('a section of the wrong shape', () =>
    rejects({ 'spack-config': 'packages: [munge]\n' }, 'section "packages" must be a mapping'))
  test('the specs the action owns', () =>
    rejects({ 'spack-config': 'specs: [zlib]\n' }, 'section "specs" is set by the action'))
  test('a mirror whose URL carries credentials, the password masked in the message', () => {
    rejects(
      { 'spack-config': 'mirrors:\n  site:\n    url: https://site-user:planted-pass@mirror.example.org/x\n' },
      'mirrors.site.url: "https://site-user:***@mirror.example.org/x" carries credentials in the URL, which Spack v1.0 cannot use'
    )
    expect(() =>
      request({ 'spack-config': 'mirrors::\n  site: https://planted-token@mirror.example.org/x\n' })
    ).toThrow('mirrors:.site: "https://***@mirror.example.org/x" carries credentials')
    let message = ''
    try {
      request({ 'spack-config': 'mirrors:\n  site: https://u:planted-pass@h/x\n' })
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).not.toContain('planted-pass')
  })
})

describe('offline', () => {
  test('the environment has no remote mirror, only the given ones, and bootstrapping off', () => {
    const spack = env({ offline: 'true', 'buildcache-mirrors': 'file:///srv/mirror' })
    expect(spack.mirrors).toBeUndefined()
    expect(Object.keys(spack['mirrors:'])).toEqual(['slurm-factory-local', 'remote-1'])
    expect(spack['mirrors:']['remote-1'].url).toBe('file:///srv/mirror')
    expect(spack.bootstrap).toEqual({ enable: false })
  })
  test('site mirrors merge into the overriding section', () => {
    const spack = env({ offline: 'true', 'spack-config': 'mirrors:\n  site: file:///srv/x\n' })
    expect(Object.keys(spack['mirrors:'])).toEqual(['slurm-factory-local', 'site'])
  })
  test("online environments keep Spack's mirrors and bootstrapping", () => {
    const spack = env({})
    expect(spack['mirrors:']).toBeUndefined()
    expect(spack.bootstrap).toBeUndefined()
  })
  test('offline takes the YAML booleans only', () => {
    expect(() => request({ offline: 'yes' })).toThrow('offline: "yes" is not a boolean')
  })
})
