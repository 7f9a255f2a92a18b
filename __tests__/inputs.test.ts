import { describe, expect, test } from '@jest/globals'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { GCC_RELEASES, SLURM_RELEASES, SLURM_SERIES } from '../src/catalog.js'
import { InputError, parseInputs, render, type InputContext } from '../src/inputs.js'
import { MIRROR_SCHEMES, PUSH_SCHEMES } from '../src/inputs/buildcache.js'
import { parse as parseYaml } from 'yaml'

const workspace = mkdtempSync(path.join(tmpdir(), 'inputs-'))
const context: InputContext = { workspace, actionPath: '/action', cpus: 4 }

function parse(inputs: Record<string, string>) {
  return parseInputs(name => inputs[name] ?? '', context)
}

function rejects(inputs: Record<string, string>, input: string, ...fragments: string[]): void {
  let error: unknown
  try {
    parse(inputs)
  } catch (caught) {
    error = caught
  }
  expect(error).toBeInstanceOf(InputError)
  const message = (error as InputError).message
  expect((error as InputError).input).toBe(input)
  expect(message.startsWith(`${input}: `)).toBe(true)
  for (const fragment of fragments) expect(message).toContain(fragment)
}

describe('defaults', () => {
  test('an empty step gives the documented request', () => {
    const request = parse({})
    expect(request.slurmVersion).toBe('25.11')
    expect(request.compiler).toEqual({ kind: 'system' })
    expect(request.variants.map(render)).toEqual(['+hwloc', '+pmix', '+rest', '+ucx'])
    expect(request.target).toBe('x86_64_v3')
    expect(request.spack).toEqual({ version: 'v1.0.0', commit: '443f356b12ec8e5f1220f89f4ad390b817143857' })
    expect(request.repo).toEqual({ kind: 'bundled', path: '/action/spack-repo' })
    expect(request.buildcache).toEqual({ mirrors: [], unsigned: false })
    expect(request.cache).toEqual({ enabled: true, keyPrefix: 'slurm-factory' })
    expect(request.artifact).toEqual({ compression: 'zstd', upload: true, slim: false })
    expect(request.jobs).toBe(4)
    expect(request.modules).toBe('lmod')
    expect(request.dryRun).toBe(false)
  })

  test('the request is frozen in shape: a second parse of the same inputs is equal', () => {
    expect(parse({ variants: '+rest ~ucx' })).toEqual(parse({ variants: '~ucx  +rest' }))
  })
})

describe('slurm-version', () => {
  test.each([...SLURM_SERIES, ...SLURM_RELEASES])('accepts %s', version => {
    expect(parse({ 'slurm-version': version }).slurmVersion).toBe(version)
  })
  test.each(['22.05', '25.04', '25', 'latest', '25.11.x', '25.11.6.1', ' 25.11'])('rejects %p', version => {
    rejects({ 'slurm-version': version }, 'slurm-version', JSON.stringify(version), SLURM_SERIES.join(', '))
  })
  test('a full release the bundled recipe does not list is refused at once, naming its series releases', () => {
    const series = SLURM_RELEASES.filter(v => v.startsWith('25.11.'))
    expect(series.length).toBeGreaterThan(1)
    rejects(
      { 'slurm-version': '25.11.99' },
      'slurm-version',
      '"25.11.99" is not a release the bundled recipe has a checksum for',
      `25.11 has ${series.join(', ')} (newest first)`,
      'give the series "25.11" for the newest'
    )
    rejects({ 'slurm-version': '23.11.1' }, 'slurm-version', '23.11 has 23.11.11 (newest first)')
  })
  test("with the user's own package repository, its recipe decides which releases exist", () => {
    mkdirSync(path.join(workspace, 'site-repo'), { recursive: true })
    expect(parse({ 'slurm-version': '25.11.99', 'spack-repo': 'site-repo' }).slurmVersion).toBe('25.11.99')
  })
})

describe('stage', () => {
  test('slurm by default, one version', () => {
    expect(parse({})).toMatchObject({ stage: 'slurm', slurmVersion: '25.11', moreVersions: [] })
  })
  test('a dependencies job may list several versions, by spaces or commas; repeats are kept once', () => {
    expect(parse({ stage: 'dependencies', 'slurm-version': '24.11 26.05,25.11.6  24.11' })).toMatchObject({
      stage: 'dependencies',
      slurmVersion: '24.11',
      moreVersions: ['26.05', '25.11.6']
    })
    expect(parse({ stage: 'dependencies', 'slurm-version': '24.11' })).toMatchObject({ moreVersions: [] })
  })
  test('a list outside a dependencies job, or with your own recipe, is refused; each version is checked', () => {
    rejects(
      { 'slurm-version': '24.11 26.05' },
      'slurm-version',
      '"24.11 26.05" names 2 versions',
      'stage: dependencies'
    )
    mkdirSync(path.join(workspace, 'own-repo'), { recursive: true })
    rejects(
      { stage: 'dependencies', 'slurm-version': '24.11 26.05', 'spack-repo': 'own-repo' },
      'slurm-version',
      'with your own spack-repo, a dependencies job takes one version'
    )
    rejects({ stage: 'dependencies', 'slurm-version': '24.11 22.05' }, 'slurm-version', '"22.05"')
  })
  test('another stage names the accepted ones', () => {
    rejects({ stage: 'deps' }, 'stage', '"deps" is not accepted (accepted: slurm, dependencies)')
  })
})

describe('compiler', () => {
  test.each(GCC_RELEASES.map(v => `gcc@${v}`))('accepts %s', compiler => {
    expect(parse({ compiler }).compiler).toEqual({ kind: 'gcc', version: compiler.slice(4) })
  })
  test('system means the runner GCC', () => {
    expect(parse({ compiler: 'system' }).compiler).toEqual({ kind: 'system' })
  })
  test('outside the range names the range', () => {
    rejects({ compiler: 'gcc@6.3.0' }, 'compiler', '"gcc@6.3.0" is outside the supported range gcc@7.5.0..15.2.0')
    rejects({ compiler: 'gcc@16.1.0' }, 'compiler', 'outside the supported range')
  })
  test('a version that is not a GCC release lists the releases', () => {
    rejects({ compiler: 'gcc@13.9.0' }, 'compiler', 'is not a GCC release', 'gcc@13.4.0')
  })
  test.each(['clang@17.0.0', 'gcc@13', 'gcc 13.3.0', 'gcc@13.3.0 target=x', '%gcc@13.3.0'])('rejects %p', compiler => {
    rejects({ compiler }, 'compiler', 'gcc@X.Y.Z')
  })
})

describe('variants', () => {
  test('accepts +name, ~name, joined booleans and name=value, in canonical order', () => {
    const request = parse({ variants: 'sysconfdir=/etc/slurm ~ucx +rest+pmix +hwloc' })
    expect(request.variants.map(render)).toEqual(['+hwloc', '+pmix', '+rest', '~ucx', 'sysconfdir=/etc/slurm'])
  })
  test('name=true and name=false are booleans', () => {
    expect(parse({ variants: 'rest=true ucx=false' }).variants.map(render)).toEqual(['+rest', '~ucx'])
  })
  test('whitespace and order do not change the request', () => {
    expect(parse({ variants: '  +ucx\t+rest   +pmix ' }).variants).toEqual(
      parse({ variants: '+pmix +rest +ucx' }).variants
    )
  })
  test('a repeated identical token is kept once; a contradiction is an error', () => {
    expect(parse({ variants: '+rest +rest' }).variants.map(render)).toEqual(['+rest'])
    rejects({ variants: '+rest ~rest' }, 'variants', '"rest" is set twice (+rest and ~rest)')
  })
  test('an unknown variant names the accepted ones', () => {
    rejects({ variants: '+cuda' }, 'variants', 'slurm has no variant "cuda"', 'rest, rsmi')
  })
  test('a custom repository may have other variants', () => {
    mkdirSync(path.join(workspace, 'myrepo'), { recursive: true })
    expect(parse({ variants: '+cuda', 'spack-repo': 'myrepo' }).variants.map(render)).toEqual(['+cuda'])
  })
  test('on/off variants take no value, sysconfdir takes one', () => {
    rejects({ variants: 'rest=yes' }, 'variants', 'on/off variant')
    rejects({ variants: '+sysconfdir' }, 'variants', 'sysconfdir=/path')
  })
  test.each([
    '+rest; rm -rf /',
    '+rest;',
    'name=$(id)',
    'sysconfdir=$(id)',
    'sysconfdir=`id`',
    '+rest && echo',
    '+rest | tee',
    "sysconfdir='/etc'",
    'sysconfdir="/etc"',
    '{rest: true}',
    'sysconfdir=/etc:/x',
    '- +rest',
    '+rest #comment',
    'slurm@25.11',
    '%gcc@13.3.0',
    '^munge@0.5.15',
    'target=x86_64',
    '+REST'
  ])('rejects the injection attempt %p', variants => {
    expect(() => parse({ variants })).toThrow(InputError)
  })
  test('rejects newlines', () => {
    rejects({ variants: '+rest\n+pmix' }, 'variants', 'newline')
    rejects({ variants: '+rest\r\nspack: {}' }, 'variants', 'newline')
  })
})

describe('target', () => {
  test.each(['x86_64', 'x86_64_v2', 'x86_64_v3', 'x86_64_v4', 'zen3', 'aarch64', 'neoverse_v1', 'armv8.2a'])(
    'accepts %s',
    target => {
      expect(parse({ target }).target).toBe(target)
    }
  )
  test.each(['x86-64-v3', 'native', 'i686', 'x86_64_v5', 'x86_64_v3 ^zlib'])('rejects %p', target => {
    rejects({ target }, 'target', 'x86_64_v3', 'is not a CPU target')
  })
})

describe('spack', () => {
  test.each([
    ['v1.0.1', 'abdad7e6e311429fee3b5a7139c52a490b81f07d'],
    ['v1.0.2', '5efd8eea1b8ea701074d72372a4acf0a972d736b']
  ])('%s is pinned', (version, commit) => {
    expect(parse({ 'spack-version': version }).spack).toEqual({ version, commit })
  })
  test('an unpinned version needs spack-commit', () => {
    rejects({ 'spack-version': 'v1.1.0' }, 'spack-version', 'v1.1.0 has no pinned commit', 'spack-commit')
    const commit = 'a'.repeat(40)
    expect(parse({ 'spack-version': 'v1.1.0', 'spack-commit': commit }).spack).toEqual({ version: 'v1.1.0', commit })
  })
  test('a commit that contradicts a pin is rejected', () => {
    rejects({ 'spack-commit': 'b'.repeat(40) }, 'spack-commit', 'contradicts the pin of v1.0.0')
  })
  test.each(['1.0.0', 'develop', 'v1.0', 'v1.0.0; id'])('spack-version rejects %p', version => {
    rejects({ 'spack-version': version }, 'spack-version', 'vX.Y.Z')
  })
  test('spack-commit must be 40 hex digits', () => {
    rejects({ 'spack-commit': 'abc123' }, 'spack-commit', '40-hex-digit')
  })
  test('spack-root must hold bin/spack', () => {
    rejects({ 'spack-root': 'nowhere' }, 'spack-root', 'no bin/spack')
    const root = path.join(workspace, 'spack')
    mkdirSync(path.join(root, 'bin'), { recursive: true })
    writeFileSync(path.join(root, 'bin', 'spack'), '#!/bin/sh\n')
    chmodSync(path.join(root, 'bin', 'spack'), 0o755)
    expect(parse({ 'spack-root': 'spack' }).spack.root).toBe(root)
  })
})

describe('spack-repo', () => {
  test('a workspace path resolves against the workspace', () => {
    mkdirSync(path.join(workspace, 'repo2'))
    expect(parse({ 'spack-repo': 'repo2' }).repo).toEqual({ kind: 'path', path: path.join(workspace, 'repo2') })
  })
  test('a missing path is rejected', () => {
    rejects({ 'spack-repo': 'missing' }, 'spack-repo', 'is not a directory')
  })
  test('a git URL with @ref', () => {
    expect(parse({ 'spack-repo': 'https://github.com/org/repo.git@v1.2' }).repo).toEqual({
      kind: 'git',
      url: 'https://github.com/org/repo.git',
      ref: 'v1.2'
    })
    expect(parse({ 'spack-repo': 'git@github.com:org/repo.git@main' }).repo).toEqual({
      kind: 'git',
      url: 'git@github.com:org/repo.git',
      ref: 'main'
    })
  })
  test('a git URL without a ref, or with a hostile one, is rejected', () => {
    rejects({ 'spack-repo': 'https://github.com/org/repo.git' }, 'spack-repo', 'append @<tag, branch or commit>')
    rejects({ 'spack-repo': 'https://github.com/org/repo.git@--upload-pack=x' }, 'spack-repo')
    rejects({ 'spack-repo': 'https://github.com/org/repo.git@$(id)' }, 'spack-repo')
    rejects({ 'spack-repo': 'ftp://host/repo' }, 'spack-repo', 'neither a path nor a git URL')
  })
  test('a host or path that git would take for an option is refused at once, not cloned and retried', () => {
    rejects(
      { 'spack-repo': 'ssh://-oProxyCommand=touch${IFS}x/repo.git@v1' },
      'spack-repo',
      'the host "-oProxyCommand=touch${IFS}x" starts with "-", which git would take for an option'
    )
    rejects({ 'spack-repo': 'git@-oProxyCommand:repo.git@v1' }, 'spack-repo', 'the host "-oProxyCommand"')
    rejects({ 'spack-repo': 'ssh://host/-upload-pack=x@v1' }, 'spack-repo', 'the path "-upload-pack=x"')
    expect(parse({ 'spack-repo': 'ssh://git-host.example.org/org/repo.git@v1' }).repo).toMatchObject({ kind: 'git' })
  })
})

/** The URL schemes an action.yml description lists in its first parentheses: "(https://, s3://, ...)". */
function schemesIn(description: string | undefined): string[] {
  const listed = /\(([^)]*:\/\/[^)]*)\)/.exec(description ?? '')?.[1] ?? ''
  return [...listed.matchAll(/([a-z0-9]+):\/\//g)].map(m => `${m[1]}://`)
}

describe('build cache', () => {
  test('mirrors: one per line, comments and blanks ignored, trailing slash dropped', () => {
    const mirrors =
      'https://cache.example.org/slurm/\n\n# comment\ns3://bucket/path\noci://ghcr.io/org/cache\nfile:///srv/mirror'
    expect(parse({ 'buildcache-mirrors': mirrors }).buildcache.mirrors).toEqual([
      'https://cache.example.org/slurm',
      's3://bucket/path',
      'oci://ghcr.io/org/cache',
      'file:///srv/mirror'
    ])
  })
  test.each(['ftp://host/x', '/srv/mirror', 'file://relative/path', 'https://host/x y', 'https://host/$(id) x'])(
    'rejects mirror %p',
    mirror => {
      rejects({ 'buildcache-mirrors': mirror }, 'buildcache-mirrors')
    }
  )
  test('pushing needs a signing key unless unsigned', () => {
    rejects({ 'buildcache-push': 'oci://ghcr.io/org/cache' }, 'buildcache-push', 'signing-key', 'unsigned: true')
    expect(parse({ 'buildcache-push': 'oci://ghcr.io/org/cache', unsigned: 'true' }).buildcache).toMatchObject({
      push: 'oci://ghcr.io/org/cache',
      unsigned: true
    })
    const signingKey = '-----BEGIN PGP PRIVATE KEY BLOCK-----\nxyz\n-----END PGP PRIVATE KEY BLOCK-----'
    expect(parse({ 'buildcache-push': 's3://b/p', 'signing-key': signingKey }).buildcache.signingKey).toBe(signingKey)
  })
  test('the mirror pushed to uses a scheme Spack can push to, those action.yml lists', () => {
    rejects(
      { 'buildcache-push': 'http://cache.example.org/slurm', unsigned: 'true' },
      'buildcache-push',
      'Spack pushes to S3, OCI registries and directories, not over http (accepted: s3://..., oci://..., file://...)'
    )
    rejects(
      { 'buildcache-push': 'https://cache.example.org/slurm', unsigned: 'true' },
      'buildcache-push',
      'not over http'
    )
    const described = (
      parseYaml(readFileSync('action.yml', 'utf8')) as { inputs: Record<string, { description: string }> }
    ).inputs['buildcache-push']?.description
    expect(schemesIn(described)).toEqual([...PUSH_SCHEMES])
    const read = (parseYaml(readFileSync('action.yml', 'utf8')) as { inputs: Record<string, { description: string }> })
      .inputs['buildcache-mirrors']?.description
    expect(schemesIn(read)).toEqual([...MIRROR_SCHEMES])
  })
  test('credentials written into a mirror URL are refused, the password masked in the message', () => {
    for (const input of ['buildcache-mirrors', 'buildcache-push'] as const)
      rejects(
        { [input]: 'https://mirror-user:s3cr3t-pass@mirror.example.org/cache', unsigned: 'true' },
        input,
        '"https://mirror-user:***@mirror.example.org/cache" carries credentials in the URL, which Spack v1.0 cannot use'
      )
    let message = ''
    try {
      parse({ 'buildcache-mirrors': 'oci://token-only@ghcr.io/org/cache' })
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toContain('"oci://***@ghcr.io/org/cache"')
    expect(message).not.toContain('token-only')
  })
  test('keys must be ASCII-armored blocks', () => {
    rejects({ 'signing-key': 'not a key' }, 'signing-key', 'BEGIN PGP PRIVATE KEY BLOCK')
    rejects({ 'buildcache-keys': 'not a key' }, 'buildcache-keys', 'BEGIN PGP PUBLIC KEY BLOCK')
  })
})

describe('switches and numbers', () => {
  test.each(['cache', 'upload', 'unsigned', 'slim', 'dry-run'])('%s takes the YAML booleans only', input => {
    for (const yes of ['true', 'True', 'TRUE']) expect(() => parse({ [input]: yes })).not.toThrow()
    for (const no of ['false', 'False', 'FALSE']) expect(() => parse({ [input]: no })).not.toThrow()
    rejects({ [input]: 'yes' }, input, '"yes" is not a boolean (accepted: true, false)')
  })
  test('compression and modules are choices', () => {
    expect(parse({ compression: 'gzip' }).artifact.compression).toBe('gzip')
    rejects({ compression: 'xz' }, 'compression', 'zstd, gzip')
    expect(parse({ modules: 'tcl' }).modules).toBe('tcl')
    expect(parse({ modules: 'none' }).modules).toBe('none')
    rejects({ modules: 'lua' }, 'modules', 'lmod, tcl, none')
  })
  test('jobs and retention-days are bounded whole numbers', () => {
    expect(parse({ jobs: '16' }).jobs).toBe(16)
    rejects({ jobs: '0' }, 'jobs', '1 to 1024')
    rejects({ jobs: '-j8' }, 'jobs')
    rejects({ jobs: '2.5' }, 'jobs')
    expect(parse({ 'retention-days': '7' }).artifact.retentionDays).toBe(7)
    rejects({ 'retention-days': '91' }, 'retention-days', '1 to 90')
    rejects({ 'retention-days': '7d' }, 'retention-days')
  })
  test('cache-key-prefix and artifact-name are restricted to safe characters', () => {
    expect(parse({ 'cache-key-prefix': 'site-a_1.0' }).cache.keyPrefix).toBe('site-a_1.0')
    rejects({ 'cache-key-prefix': 'a/b' }, 'cache-key-prefix')
    expect(parse({ 'artifact-name': 'slurm-25.11.6-gcc13.3.0-zen3' }).artifact.name).toBe(
      'slurm-25.11.6-gcc13.3.0-zen3'
    )
    for (const bad of ['../x', 'a/b', 'a b', '-rf', 'a:b', 'x'.repeat(129)])
      rejects({ 'artifact-name': bad }, 'artifact-name')
  })
})

describe('long values', () => {
  test.each([
    ['variants', '+'.repeat(100_000)],
    ['slurm-version', `25.11.${'9'.repeat(100_000)}`],
    ['spack-repo', `https://h/${'r'.repeat(100_000)}.git`],
    ['artifact-name', 'a'.repeat(100_000)],
    ['buildcache-mirrors', `ftp://${'m'.repeat(100_000)}`]
  ])('a 100 KB %s is cut in the message, its length stated', (input, value) => {
    let message = ''
    try {
      parse({ [input]: value })
    } catch (error) {
      message = (error as Error).message
    }
    expect(message.startsWith(`${input}: `)).toBe(true)
    expect(message).toContain(`... (${value.length} characters)`)
    expect(message.length).toBeLessThan(700)
  })
})
