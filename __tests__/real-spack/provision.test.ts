/**
 * Provisioning and repository registration against a real Spack v1.0 (SPACK_ROOT): an existing Spack used through
 * spack-root, a builtin repository provisioned from a local git source into the isolated user scope, and package
 * repositories registered and checked by Spack itself.
 */
import { afterEach, beforeAll, beforeEach, expect, test } from '@jest/globals'
import { cpSync, existsSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import { describeWithSpack } from '../helpers/real-spack.js'
import { makeRepo, publish, tag, tempDir, writeFiles } from '../helpers/git-server.js'
import { SPACK_PINS } from '../../src/catalog.js'
import { provisionSpack, type ProvisionedSpack } from '../../src/spack/provision.js'
import { registerRepo } from '../../src/spack/repo.js'

const BUNDLED = path.resolve('spack-repo')
/** Each Spack command takes seconds, more on a busy machine. */
const SLOW = 300_000

function packagePy(className: string): string {
  return [
    'from spack_repo.builtin.build_systems.generic import Package',
    '',
    'from spack.package import *',
    '',
    '',
    `class ${className}(Package):`,
    `    """Test package ${className}."""`,
    '',
    '    homepage = "https://example.invalid"',
    `    url = "https://example.invalid/${className.toLowerCase()}-1.0.tar.gz"`,
    '',
    `    version("1.0", sha256="${'0'.repeat(64)}")`,
    ''
  ].join('\n')
}

function tinyRepo(namespace: string, packages: Record<string, string>): string {
  const dir = tempDir(`repo-${namespace}`)
  const files: Record<string, string> = {
    [`spack_repo/${namespace}/repo.yaml`]: `repo:\n  namespace: ${namespace}\n  api: v2.0\n`
  }
  for (const [name, className] of Object.entries(packages))
    files[`spack_repo/${namespace}/packages/${name}/package.py`] = packagePy(className)
  writeFiles(dir, files)
  return dir
}

/** Which repository Spack resolves each package to. */
async function resolve(spack: ProvisionedSpack, names: readonly string[]): Promise<Record<string, string>> {
  const script = path.join(spack.stateDir, 'resolve.py')
  writeFileSync(
    script,
    'import json, sys\nimport spack.repo\nprint("RESOLVED " + json.dumps({n: spack.repo.PATH.repo_for_pkg(n).namespace for n in sys.argv[1:]}))\n'
  )
  const result = await spack.runner.run(['python', script, ...names], { silent: true })
  const line = result.stdout.split('\n').find(text => text.startsWith('RESOLVED ')) as string
  return JSON.parse(line.slice('RESOLVED '.length)) as Record<string, string>
}

async function repoList(spack: ProvisionedSpack): Promise<string[]> {
  const result = await spack.runner.run(['repo', 'list'], { silent: true })
  return result.stdout
    .split('\n')
    .filter(line => line.trim())
    .map(line => line.trim().split(/\s+/)[1] as string)
}

describeWithSpack('real Spack: provisioning and repository registration', spackRoot => {
  const savedEnv = { ...process.env }
  beforeEach(() => {
    process.env.RUNNER_TOOL_CACHE = tempDir('tool-cache')
  })
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key]
    Object.assign(process.env, savedEnv)
  })

  let existing: ProvisionedSpack
  beforeAll(async () => {
    existing = await provisionSpack(
      { version: 'v1.0.0', root: spackRoot },
      { runnerTemp: tempDir('runner-temp'), exportToJob: false }
    )
  }, SLOW)

  test(
    'spack-root: the existing Spack answers and keeps the builtin repository its site scope names',
    async () => {
      expect(existing.version).toMatch(/^1\.0\./)
      expect(existing.existing).toBe(true)
      expect(existing.builtin).toBeUndefined()
      const config = await existing.runner.run(['config', 'get', 'repos'], { silent: true })
      const builtin = (parse(config.stdout) as { repos: Record<string, unknown> }).repos.builtin
      expect(typeof builtin === 'string' ? builtin : JSON.stringify(builtin)).not.toContain('github.com')
      expect(await repoList(existing)).toEqual(['builtin'])
    },
    SLOW
  )

  test(
    'a registered repository comes first; slurm and curl resolve to it, the rest to builtin',
    async () => {
      const spack = await provisionSpack(
        { version: 'v1.0.0', root: spackRoot },
        { runnerTemp: tempDir('runner-temp'), exportToJob: false }
      )
      const dir = tinyRepo('slurm_factory', { slurm: 'Slurm', curl: 'Curl' })
      const registered = await registerRepo({ kind: 'path', path: dir }, spack.runner, {
        runnerTemp: tempDir('runner-temp')
      })
      expect(registered.namespace).toBe('slurm_factory')
      expect(registered.packages).toEqual(['curl', 'slurm'])
      expect(await repoList(spack)).toEqual(['slurm_factory', 'builtin'])
      expect(await resolve(spack, ['slurm', 'curl', 'zlib', 'openssl'])).toEqual({
        slurm: 'slurm_factory',
        curl: 'slurm_factory',
        zlib: 'builtin',
        openssl: 'builtin'
      })
      // Registering it again in the same job replaces the entry.
      const again = await registerRepo({ kind: 'path', path: dir }, spack.runner, {
        runnerTemp: tempDir('runner-temp')
      })
      expect(again.contentHash).toBe(registered.contentHash)
      expect(await repoList(spack)).toEqual(['slurm_factory', 'builtin'])
    },
    SLOW
  )

  test(
    'the bundled spack-repo/ registers and provides slurm and curl',
    async () => {
      if (!existsSync(BUNDLED)) {
        process.stderr.write(`[real Spack] ${BUNDLED} does not exist yet; the bundled repository is not checked\n`)
        return
      }
      const spack = await provisionSpack(
        { version: 'v1.0.0', root: spackRoot },
        { runnerTemp: tempDir('runner-temp'), exportToJob: false }
      )
      const registered = await registerRepo({ kind: 'bundled', path: BUNDLED }, spack.runner, {
        runnerTemp: tempDir('runner-temp')
      })
      expect(registered.namespace).toBe('slurm_factory')
      expect(registered.path).toBe(path.join(BUNDLED, 'spack_repo', 'slurm_factory'))
      expect(registered.packages).toEqual(expect.arrayContaining(['slurm', 'curl']))
      expect(await resolve(spack, ['slurm', 'curl', 'zlib'])).toEqual({
        slurm: 'slurm_factory',
        curl: 'slurm_factory',
        zlib: 'builtin'
      })
    },
    SLOW
  )

  test(
    'a repository that does not define slurm fails with a clear message',
    async () => {
      const spack = await provisionSpack(
        { version: 'v1.0.0', root: spackRoot },
        { runnerTemp: tempDir('runner-temp'), exportToJob: false }
      )
      const dir = tinyRepo('no_slurm', { curl: 'Curl' })
      await expect(
        registerRepo({ kind: 'path', path: dir }, spack.runner, { runnerTemp: tempDir('runner-temp') })
      ).rejects.toThrow(/the package repository .*no_slurm \(namespace no_slurm\) does not define slurm/)
    },
    SLOW
  )

  test(
    'a provisioned builtin repository in the user scope replaces the site one, and a registered repository still comes first',
    async () => {
      // A small builtin repository: the real build systems and one package, published as a tagged git repository.
      const siteBuiltin = (
        parse((await existing.runner.run(['config', 'get', 'repos'], { silent: true })).stdout) as {
          repos: { builtin: string }
        }
      ).repos.builtin
      const work = tempDir('builtin-work')
      const builtinDir = path.join(work, 'repos', 'spack_repo', 'builtin')
      cpSync(path.join(siteBuiltin, 'build_systems'), path.join(builtinDir, 'build_systems'), { recursive: true })
      writeFiles(builtinDir, {
        'repo.yaml': 'repo:\n  namespace: builtin\n  api: v2.0\n',
        '__init__.py': '',
        'packages/zlib/package.py': packagePy('Zlib'),
        'packages/slurm/package.py': packagePy('Slurm')
      })
      const { commit } = makeRepo({}, work)
      tag(work, 'v2025.07.0', commit)
      const root = tempDir('git-root')
      publish(work, root, 'spack-packages')
      const runnerTemp = tempDir('runner-temp')
      const spack = await provisionSpack(
        { version: 'v1.0.0', root: spackRoot },
        {
          runnerTemp,
          exportToJob: false,
          builtin: { tag: 'v2025.07.0', commit },
          sources: { packages: `file://${path.join(root, 'spack-packages.git')}` }
        }
      )
      expect(spack.builtin?.commit).toBe(commit)
      const config = await spack.runner.run(['config', 'get', 'repos'], { silent: true })
      expect((parse(config.stdout) as { repos: { builtin: string } }).repos.builtin).toBe(spack.builtin?.path)
      expect(await resolve(spack, ['zlib', 'slurm'])).toEqual({ zlib: 'builtin', slurm: 'builtin' })

      const registered = await registerRepo(
        { kind: 'path', path: tinyRepo('slurm_factory', { slurm: 'Slurm' }) },
        spack.runner,
        { runnerTemp }
      )
      expect(registered.namespace).toBe('slurm_factory')
      expect(await repoList(spack)).toEqual(['slurm_factory', 'builtin'])
      expect(await resolve(spack, ['zlib', 'slurm'])).toEqual({ zlib: 'builtin', slurm: 'slurm_factory' })

      // Spack read the copy's package.py files: its byte code went under RUNNER_TEMP, so the copy still verifies.
      const again = await provisionSpack(
        { version: 'v1.0.0', root: spackRoot },
        {
          runnerTemp: tempDir('runner-temp'),
          exportToJob: false,
          builtin: { tag: 'v2025.07.0', commit },
          sources: { packages: 'file:///nonexistent/spack-packages.git' }
        }
      )
      expect(again.builtin?.fromToolCache).toBe(true)
    },
    SLOW
  )

  // Opt-in, not for CI: provisions the real Spack v1.0.0 and builtin v2025.07.0 from local git copies of the
  // upstream repositories (SPACK_GIT_SOURCE, SPACK_PACKAGES_GIT_SOURCE) with the real pins, then registers the bundled
  // repository into it.
  const spackSource = process.env.SPACK_GIT_SOURCE
  const packagesSource = process.env.SPACK_PACKAGES_GIT_SOURCE
  const upstream = spackSource && packagesSource ? test : test.skip
  upstream(
    `the real pins from local upstream copies${spackSource && packagesSource ? '' : ' (skipped: SPACK_GIT_SOURCE and SPACK_PACKAGES_GIT_SOURCE unset)'}`,
    async () => {
      const runnerTemp = tempDir('runner-temp')
      const sources = { spack: `file://${spackSource}`, packages: `file://${packagesSource}` }
      const first = await provisionSpack(
        { version: 'v1.0.0', commit: SPACK_PINS['v1.0.0'] as string },
        { runnerTemp, sources, exportToJob: false }
      )
      expect(first).toMatchObject({
        version: '1.0.0',
        commit: '443f356b12ec8e5f1220f89f4ad390b817143857',
        fromToolCache: false
      })
      expect(first.builtin).toMatchObject({ tag: 'v2025.07.0', commit: '4b8bb3514838ce9e8bbc2ca7f98e62dbd7100c63' })
      const second = await provisionSpack(
        { version: 'v1.0.0', commit: SPACK_PINS['v1.0.0'] as string },
        { runnerTemp: tempDir('runner-temp'), sources, exportToJob: false }
      )
      expect(second.fromToolCache).toBe(true)
      expect(second.builtin?.fromToolCache).toBe(true)
      const config = await second.runner.run(['config', 'get', 'repos'], { silent: true })
      expect((parse(config.stdout) as { repos: { builtin: string } }).repos.builtin).toBe(second.builtin?.path)
      if (existsSync(BUNDLED)) {
        await registerRepo({ kind: 'bundled', path: BUNDLED }, second.runner, { runnerTemp })
        expect(await resolve(second, ['slurm', 'curl', 'zlib'])).toEqual({
          slurm: 'slurm_factory',
          curl: 'slurm_factory',
          zlib: 'builtin'
        })
      }
      expect(existsSync(path.join(second.root, 'opt'))).toBe(false)
      // After real Spack commands ran from the tool-cache copies, both still verify against their pins.
      const third = await provisionSpack(
        { version: 'v1.0.0', commit: SPACK_PINS['v1.0.0'] as string },
        { runnerTemp: tempDir('runner-temp'), sources, exportToJob: false, offline: true }
      )
      expect(third.fromToolCache).toBe(true)
      expect(third.builtin?.fromToolCache).toBe(true)
    },
    900_000
  )
})
