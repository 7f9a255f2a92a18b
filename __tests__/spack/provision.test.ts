import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import {
  commitFiles,
  type FileSpec,
  type GitHttpServer,
  makeRepo,
  publish,
  startGitHttpServer,
  tag,
  tempDir,
  writeFiles
} from '../helpers/git-server.js'
import { CommitMismatchError } from '../../src/spack/git.js'
import { BUILTIN_PINS } from '../../src/catalog.js'
import { parseSpackVersion, provisionSpack, releaseSeries } from '../../src/spack/provision.js'
import { PACKAGES_TOOL, PROVENANCE_FILE, SPACK_TOOL, toolVersion } from '../../src/spack/tool-cache.js'
import { backoffDelays, FatalError, withRetry } from '../../src/retry.js'

const FAKE_SPACK: FileSpec = {
  content: '#!/bin/sh\ncase "$1" in --version) echo "1.0.0"; exit 0;; esac\necho "fake spack: $*" >&2\nexit 2\n',
  mode: 0o755
}
const BROKEN_SPACK: FileSpec = { content: '#!/bin/sh\necho "ImportError: broken python" >&2\nexit 1\n', mode: 0o755 }
const FAST = { attempts: 3, initialDelayMs: 1, maxDelayMs: 2 }

/** Published sources: a fake Spack tagged v1.0.0 (and a later commit tagged v1.0.1) and a builtin repo. */
interface Sources {
  root: string
  spackCommit: string
  laterCommit: string
  packages: { tag: string; commit: string }
}

function makeSources(): Sources {
  const root = tempDir('git-root')
  const spack = makeRepo({ 'bin/spack': FAKE_SPACK, 'lib/spack/spack/__init__.py': '' })
  tag(spack.dir, 'v1.0.0', spack.commit, true)
  const laterCommit = commitFiles(spack.dir, { 'README.md': 'later\n' }, 'later')
  tag(spack.dir, 'v1.0.1', laterCommit)
  publish(spack.dir, root, 'spack')
  const packages = makeRepo({ 'repos/spack_repo/builtin/repo.yaml': 'repo:\n  namespace: builtin\n  api: v2.2\n' })
  tag(packages.dir, 'v2025.07.0', packages.commit)
  publish(packages.dir, root, 'spack-packages')
  return { root, spackCommit: spack.commit, laterCommit, packages: { tag: 'v2025.07.0', commit: packages.commit } }
}

let sources: Sources
let server: GitHttpServer
const savedEnv = { ...process.env }

beforeAll(async () => {
  sources = makeSources()
  server = await startGitHttpServer(sources.root)
})

afterAll(async () => {
  await server.close()
})

let runnerTemp: string
let toolCache: string

beforeEach(() => {
  runnerTemp = tempDir('runner-temp')
  toolCache = tempDir('tool-cache')
  const githubEnv = path.join(runnerTemp, 'github-env')
  const githubPath = path.join(runnerTemp, 'github-path')
  writeFileSync(githubEnv, '')
  writeFileSync(githubPath, '')
  process.env.RUNNER_TEMP = runnerTemp
  process.env.RUNNER_TOOL_CACHE = toolCache
  process.env.GITHUB_ENV = githubEnv
  process.env.GITHUB_PATH = githubPath
})

afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key]
  Object.assign(process.env, savedEnv)
})

function httpSources() {
  return { spack: server.url('spack'), packages: server.url('spack-packages') }
}

function fileSources() {
  return {
    spack: `file://${path.join(sources.root, 'spack.git')}`,
    packages: `file://${path.join(sources.root, 'spack-packages.git')}`
  }
}

describe('helpers', () => {
  test('tool-cache versions and series', () => {
    expect(toolVersion('v1.0.0')).toBe('1.0.0')
    expect(toolVersion('v2025.07.0')).toBe('2025.7.0')
    expect(() => toolVersion('main')).toThrow(/not a release tag/)
    expect(releaseSeries('v1.0.2')).toBe('v1.0')
    expect(BUILTIN_PINS['v1.0']).toEqual({ tag: 'v2025.07.0', commit: '4b8bb3514838ce9e8bbc2ca7f98e62dbd7100c63' })
  })

  test('spack --version output', () => {
    expect(parseSpackVersion('1.0.0\n')).toEqual({ version: '1.0.0' })
    expect(parseSpackVersion('1.0.0 (443f356b12ec8e5f1220f89f4ad390b817143857)\n')).toEqual({
      version: '1.0.0',
      commit: '443f356b12ec8e5f1220f89f4ad390b817143857'
    })
    expect(parseSpackVersion('command not found')).toBeUndefined()
  })

  test('retry: backoff doubles up to the cap; fatal errors are not retried', async () => {
    expect(backoffDelays({ attempts: 5, initialDelayMs: 100, maxDelayMs: 300 })).toEqual([100, 200, 300, 300])
    let calls = 0
    await expect(
      withRetry(
        'work',
        async () => {
          calls++
          throw new FatalError('no')
        },
        FAST
      )
    ).rejects.toThrow('no')
    expect(calls).toBe(1)
    calls = 0
    await expect(
      withRetry(
        'work',
        async () => {
          calls++
          throw new Error('flaky')
        },
        FAST
      )
    ).rejects.toThrow('work failed after 3 attempts: flaky')
    expect(calls).toBe(3)
  })
})

describe('provisionSpack over smart HTTP', () => {
  test('first run clones, verifies and caches; the second finds both in the tool cache with no request', async () => {
    const request = { version: 'v1.0.0', commit: sources.spackCommit }
    const before = server.requests
    const first = await provisionSpack(request, {
      runnerTemp,
      sources: httpSources(),
      retry: FAST,
      builtin: sources.packages
    })
    expect(server.requests).toBeGreaterThan(before)
    expect(first.fromToolCache).toBe(false)
    expect(first.version).toBe('1.0.0')
    expect(first.tag).toBe('v1.0.0')
    expect(first.commit).toBe(sources.spackCommit)
    expect(first.root).toBe(path.join(toolCache, SPACK_TOOL, '1.0.0', process.arch))
    expect(existsSync(`${first.root}.complete`)).toBe(true)
    expect(existsSync(path.join(first.root, '.git'))).toBe(false)
    expect(JSON.parse(readFileSync(path.join(first.root, PROVENANCE_FILE), 'utf8'))).toMatchObject({
      tag: 'v1.0.0',
      commit: sources.spackCommit
    })
    expect(first.builtin).toEqual({
      path: path.join(toolCache, PACKAGES_TOOL, '2025.7.0', process.arch, 'repos', 'spack_repo', 'builtin'),
      tag: 'v2025.07.0',
      commit: sources.packages.commit,
      fromToolCache: false
    })
    const reposYaml = readFileSync(path.join(first.env.SPACK_USER_CONFIG_PATH as string, 'repos.yaml'), 'utf8')
    expect(reposYaml).toContain(`builtin: ${first.builtin?.path}`)

    const count = server.requests
    const secondTemp = tempDir('runner-temp-2')
    const second = await provisionSpack(request, {
      runnerTemp: secondTemp,
      sources: httpSources(),
      retry: FAST,
      builtin: sources.packages
    })
    expect(server.requests).toBe(count)
    expect(second.fromToolCache).toBe(true)
    expect(second.builtin?.fromToolCache).toBe(true)
    expect(second.root).toBe(first.root)
    expect(second.commit).toBe(sources.spackCommit)
    expect(second.env.SPACK_USER_CONFIG_PATH?.startsWith(secondTemp)).toBe(true)
  })

  test('a tag at another commit than the pin fails naming repository, tag and both commits; nothing is cached', async () => {
    const error = await provisionSpack(
      { version: 'v1.0.1', commit: sources.spackCommit },
      { runnerTemp, sources: httpSources(), retry: FAST, builtin: 'keep' }
    ).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(CommitMismatchError)
    const message = (error as Error).message
    expect(message).toContain('Spack')
    expect(message).toContain(server.url('spack'))
    expect(message).toContain('v1.0.1')
    expect(message).toContain(`resolves to commit ${sources.laterCommit}`)
    expect(message).toContain(`pinned to ${sources.spackCommit}`)
    expect(existsSync(path.join(toolCache, SPACK_TOOL))).toBe(false)
  })

  test('the builtin packages are checked against their pin too', async () => {
    const wrong = { tag: sources.packages.tag, commit: sources.spackCommit }
    await expect(
      provisionSpack(
        { version: 'v1.0.0', commit: sources.spackCommit },
        { runnerTemp, sources: httpSources(), retry: FAST, builtin: wrong }
      )
    ).rejects.toThrow(
      `Spack builtin packages at ${server.url('spack-packages')}: v2025.07.0 resolves to commit ${sources.packages.commit}, but it is pinned to ${sources.spackCommit}`
    )
  })

  test('a server that fails twice with HTTP 500 is retried and the clone succeeds', async () => {
    const before = server.requests
    server.failNext(2)
    const provisioned = await provisionSpack(
      { version: 'v1.0.0', commit: sources.spackCommit },
      { runnerTemp, sources: httpSources(), retry: FAST, builtin: 'keep' }
    )
    expect(provisioned.commit).toBe(sources.spackCommit)
    expect(server.requests).toBeGreaterThan(before + 2)
  })

  test('a server that keeps failing gives up after the attempts allowed', async () => {
    server.failNext(100)
    await expect(
      provisionSpack(
        { version: 'v1.0.0', commit: sources.spackCommit },
        { runnerTemp, sources: httpSources(), retry: FAST, builtin: 'keep' }
      )
    ).rejects.toThrow(/Cloning Spack v1.0.0 from .* failed after 3 attempts/)
    server.failNext(0)
  })

  test('a tag that does not exist fails at once', async () => {
    const before = server.requests
    await expect(
      provisionSpack(
        { version: 'v1.0.7', commit: sources.spackCommit },
        { runnerTemp, sources: httpSources(), retry: FAST, builtin: 'keep' }
      )
    ).rejects.toThrow(`Spack at ${server.url('spack')}: there is no tag or branch v1.0.7`)
    expect(server.requests - before).toBeLessThanOrEqual(3)
  })
})

describe('provisionSpack over file://', () => {
  test('clones, caches, then uses the tool cache', async () => {
    const request = { version: 'v1.0.0', commit: sources.spackCommit }
    const first = await provisionSpack(request, {
      runnerTemp,
      sources: fileSources(),
      retry: FAST,
      builtin: sources.packages
    })
    expect(first.fromToolCache).toBe(false)
    const second = await provisionSpack(request, {
      runnerTemp: tempDir('runner-temp-2'),
      // Unreachable sources prove nothing is fetched.
      sources: { spack: 'file:///nonexistent/spack.git', packages: 'file:///nonexistent/packages.git' },
      retry: FAST,
      builtin: sources.packages
    })
    expect(second.fromToolCache).toBe(true)
    expect(second.builtin?.fromToolCache).toBe(true)
  })

  test('a cached copy recorded at another commit is fetched again', async () => {
    const request = { version: 'v1.0.0', commit: sources.spackCommit }
    const first = await provisionSpack(request, { runnerTemp, sources: fileSources(), retry: FAST, builtin: 'keep' })
    writeFileSync(path.join(first.root, PROVENANCE_FILE), JSON.stringify({ commit: '0'.repeat(40) }))
    const again = await provisionSpack(request, { runnerTemp, sources: fileSources(), retry: FAST, builtin: 'keep' })
    expect(again.fromToolCache).toBe(false)
    expect(JSON.parse(readFileSync(path.join(again.root, PROVENANCE_FILE), 'utf8')).commit).toBe(sources.spackCommit)
  })

  test('the default builtin pin applies to v1.0.x; an unpinned series gets none and a warning', async () => {
    // v1.0.0 gets the real pin, which the local packages repository's v2025.07.0 tag does not match.
    await expect(
      provisionSpack(
        { version: 'v1.0.0', commit: sources.spackCommit },
        { runnerTemp, sources: fileSources(), retry: FAST }
      )
    ).rejects.toThrow(
      `v2025.07.0 resolves to commit ${sources.packages.commit}, but it is pinned to 4b8bb3514838ce9e8bbc2ca7f98e62dbd7100c63`
    )
    // Series without a pin: the provisioned Spack keeps its own default.
    const spackWork = makeRepo({ 'bin/spack': FAKE_SPACK })
    tag(spackWork.dir, 'v9.1.0', spackWork.commit)
    publish(spackWork.dir, sources.root, 'spack-v9')
    const provisioned = await provisionSpack(
      { version: 'v9.1.0', commit: spackWork.commit },
      { runnerTemp, sources: { spack: `file://${path.join(sources.root, 'spack-v9.git')}` }, retry: FAST }
    )
    expect(provisioned.builtin).toBeUndefined()
  })
})

describe('layout of a provisioned Spack', () => {
  test('SPACK_ROOT exported, bin on PATH, all user state inside RUNNER_TEMP', async () => {
    const provisioned = await provisionSpack(
      { version: 'v1.0.0', commit: sources.spackCommit },
      { runnerTemp, sources: fileSources(), retry: FAST, builtin: sources.packages }
    )
    const bin = path.join(provisioned.root, 'bin')
    expect(process.env.SPACK_ROOT).toBe(provisioned.root)
    expect(process.env.PATH?.split(path.delimiter)[0]).toBe(bin)
    expect(readFileSync(process.env.GITHUB_PATH as string, 'utf8')).toContain(bin)
    const githubEnv = readFileSync(process.env.GITHUB_ENV as string, 'utf8')
    expect(githubEnv).toContain('SPACK_ROOT')
    expect(githubEnv).toContain(provisioned.root)
    expect(provisioned.executable).toBe(path.join(bin, 'spack'))
    expect(Object.keys(provisioned.env).sort()).toEqual([
      'PYTHONPYCACHEPREFIX',
      'SPACK_GNUPGHOME',
      'SPACK_ROOT',
      'SPACK_SYSTEM_CONFIG_PATH',
      'SPACK_USER_CACHE_PATH',
      'SPACK_USER_CONFIG_PATH'
    ])
    for (const name of [
      'SPACK_GNUPGHOME',
      'SPACK_SYSTEM_CONFIG_PATH',
      'SPACK_USER_CACHE_PATH',
      'SPACK_USER_CONFIG_PATH'
    ]) {
      const value = provisioned.env[name] as string
      expect(value.startsWith(runnerTemp + path.sep)).toBe(true)
      expect(existsSync(value)).toBe(true)
      expect(process.env[name]).toBe(value)
    }
    expect(statSync(provisioned.env.SPACK_GNUPGHOME as string).mode & 0o777).toBe(0o700)
    // Python's byte code under RUNNER_TEMP, not in the tool cache; not exported to the job's later steps.
    expect(provisioned.env.PYTHONPYCACHEPREFIX).toBe(path.join(provisioned.stateDir, 'pycache'))
    expect(process.env.PYTHONPYCACHEPREFIX).toBeUndefined()
    expect(provisioned.stateDir.startsWith(runnerTemp)).toBe(true)
    const configYaml = readFileSync(path.join(provisioned.env.SPACK_USER_CONFIG_PATH as string, 'config.yaml'), 'utf8')
    expect(configYaml).toContain(path.join(provisioned.stateDir, 'opt'))
    expect(configYaml).toContain(path.join(provisioned.stateDir, 'source-cache'))
    expect(provisioned.runner.executable).toBe(provisioned.executable)
    expect(provisioned.runner.env).toEqual(provisioned.env)
  })

  test('exportToJob: false leaves the job environment alone', async () => {
    const provisioned = await provisionSpack(
      { version: 'v1.0.0', commit: sources.spackCommit },
      { runnerTemp, sources: fileSources(), retry: FAST, builtin: 'keep', exportToJob: false }
    )
    expect(process.env.SPACK_ROOT).toBe(savedEnv.SPACK_ROOT)
    expect(readFileSync(process.env.GITHUB_PATH as string, 'utf8')).toBe('')
    expect(provisioned.env.SPACK_ROOT).toBe(provisioned.root)
  })
})

describe('spack-root', () => {
  function fakeRoot(script: FileSpec): string {
    const root = tempDir('spack-root')
    writeFiles(root, { 'bin/spack': script })
    return root
  }

  test('an existing Spack that answers --version is used as it is, with no clone', async () => {
    const root = fakeRoot(FAKE_SPACK)
    const before = server.requests
    const provisioned = await provisionSpack(
      { version: 'v1.0.0', commit: sources.spackCommit, root },
      { runnerTemp, sources: httpSources() }
    )
    expect(server.requests).toBe(before)
    expect(provisioned).toMatchObject({ root, version: '1.0.0', existing: true, fromToolCache: false })
    expect(provisioned.builtin).toBeUndefined()
    expect(provisioned.tag).toBeUndefined()
    expect(provisioned.env.SPACK_SYSTEM_CONFIG_PATH).toBeUndefined()
    expect(provisioned.env.SPACK_USER_CONFIG_PATH?.startsWith(runnerTemp)).toBe(true)
    expect(existsSync(path.join(provisioned.env.SPACK_USER_CONFIG_PATH as string, 'repos.yaml'))).toBe(false)
    expect(process.env.SPACK_ROOT).toBe(root)
    expect(existsSync(path.join(toolCache, SPACK_TOOL))).toBe(false)
  })

  test('one whose --version fails is rejected, with its output', async () => {
    const root = fakeRoot(BROKEN_SPACK)
    await expect(provisionSpack({ version: 'v1.0.0', root }, { runnerTemp })).rejects.toThrow(
      new RegExp(
        `spack-root ${root}: \`${root}/bin/spack --version\` failed \\(exit code 1:\\nImportError: broken python`
      )
    )
  })

  test('one with no bin/spack is rejected', async () => {
    const root = tempDir('spack-root-empty')
    await expect(provisionSpack({ version: 'v1.0.0', root }, { runnerTemp })).rejects.toThrow(
      `is not a Spack installation (no bin/spack)`
    )
  })
})
