import { describe, expect, test } from '@jest/globals'
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { commitFiles, git, makeRepo, publish, tag, tempDir, writeFiles } from '../helpers/git-server.js'
import { FatalError } from '../../src/retry.js'
import { findRepoRoot, readNamespace, registerRepo, repoContentHash } from '../../src/spack/repo.js'
import { CommandError, type RunOptions, type RunResult, type SpackRunner } from '../../src/spack/runner.js'

const FAST = { attempts: 2, initialDelayMs: 1 }

function repoFiles(namespace: string, packages: readonly string[]): Record<string, string> {
  const files: Record<string, string> = {
    [`spack_repo/${namespace}/repo.yaml`]: `repo:\n  namespace: ${namespace}\n  api: v2.0\n`
  }
  for (const name of packages) files[`spack_repo/${namespace}/packages/${name}/package.py`] = `# ${name}\n`
  return files
}

interface FakeCheck {
  order?: string[]
  packages?: string[] | null
  resolved?: Record<string, string | null>
  error?: string
}

/** A stand-in for Spack: records commands and answers the repository check as told. */
function fakeRunner(check: (args: readonly string[]) => FakeCheck, options: { alreadyExists?: boolean } = {}) {
  const calls: string[][] = []
  let exists = options.alreadyExists ?? false
  const result = (args: readonly string[], stdout: string, exitCode = 0, stderr = ''): RunResult => ({
    args: ['spack', ...args],
    exitCode,
    stdout,
    stderr,
    elapsedMs: 1
  })
  const runner: SpackRunner = {
    executable: 'spack',
    env: {},
    onCommand: () => undefined,
    async run(args: readonly string[], _options?: RunOptions) {
      calls.push([...args])
      if (args[0] === 'repo' && args[1] === 'add') {
        if (exists)
          throw new CommandError('spack', args, 1, "==> Error: A repository with the name 'x' already exists.")
        exists = true
        return result(args, "==> Added repo to config with name 'x'.\n")
      }
      if (args[0] === 'repo' && args[1] === 'remove') {
        exists = false
        return result(args, '')
      }
      if (args[0] === 'repo' && args[1] === 'list') return result(args, '[+] x v2.0 /path\n')
      if (args[0] === 'python') {
        const answer = { order: ['slurm_factory', 'builtin'], packages: [], resolved: {}, ...check(args) }
        return result(args, `==> some warning\nSLURM_FACTORY_REPO_CHECK ${JSON.stringify(answer)}\n`)
      }
      throw new Error(`unexpected spack ${args.join(' ')}`)
    }
  }
  return { runner, calls }
}

const resolvesAll =
  (packages: string[], namespace = 'slurm_factory') =>
  (): FakeCheck => ({
    packages,
    resolved: Object.fromEntries(packages.map(name => [name, namespace]))
  })

describe('findRepoRoot and readNamespace', () => {
  test('accepts the repository directory, its spack_repo/ parent, or a repos/spack_repo/ layout', () => {
    const dir = tempDir('repo')
    writeFiles(dir, repoFiles('slurm_factory', ['slurm']))
    const root = path.join(dir, 'spack_repo', 'slurm_factory')
    expect(findRepoRoot(dir)).toBe(root)
    expect(findRepoRoot(root)).toBe(root)
    expect(readNamespace(root)).toBe('slurm_factory')
    const nested = tempDir('repo-nested')
    writeFiles(nested, Object.fromEntries(Object.entries(repoFiles('other', [])).map(([k, v]) => [`repos/${k}`, v])))
    expect(findRepoRoot(nested)).toBe(path.join(nested, 'repos', 'spack_repo', 'other'))
  })

  test('rejects a directory with no or several repositories, and a repo.yaml without namespace', () => {
    expect(() => findRepoRoot(tempDir('empty'))).toThrow(/is not a Spack package repository/)
    const two = tempDir('two')
    writeFiles(two, { ...repoFiles('a', []), ...repoFiles('b', []) })
    expect(() => findRepoRoot(two)).toThrow(/holds several Spack package repositories/)
    const bad = tempDir('bad')
    writeFiles(bad, { 'repo.yaml': 'repo:\n  api: v2.0\n' })
    expect(() => readNamespace(bad)).toThrow(/declares no valid repo.namespace/)
  })
})

describe('repoContentHash', () => {
  test('depends on paths and bytes only, ignoring __pycache__, .pyc and .git', () => {
    const a = tempDir('hash-a')
    writeFiles(a, repoFiles('slurm_factory', ['slurm', 'curl']))
    const b = tempDir('hash-b')
    cpSync(a, b, { recursive: true })
    const hash = repoContentHash(a)
    expect(hash).toMatch(/^[0-9a-f]{64}$/)
    expect(repoContentHash(b)).toBe(hash)
    writeFiles(b, {
      'spack_repo/slurm_factory/packages/slurm/__pycache__/package.cpython-311.pyc': 'bytecode',
      'spack_repo/slurm_factory/packages/slurm/stray.pyc': 'bytecode',
      '.git/HEAD': 'ref: refs/heads/main\n'
    })
    expect(repoContentHash(b)).toBe(hash)
    writeFiles(b, { 'spack_repo/slurm_factory/packages/slurm/package.py': '# slurm changed\n' })
    expect(repoContentHash(b)).not.toBe(hash)
    const c = tempDir('hash-c')
    cpSync(a, c, { recursive: true })
    writeFiles(c, { 'spack_repo/slurm_factory/packages/slurm/extra.patch': '' })
    expect(repoContentHash(c)).not.toBe(hash)
  })

  test('a moved file changes the hash, and symbolic links count by target', () => {
    const a = tempDir('hash-move-a')
    writeFiles(a, { 'x/one': 'same' })
    const b = tempDir('hash-move-b')
    writeFiles(b, { 'y/one': 'same' })
    expect(repoContentHash(a)).not.toBe(repoContentHash(b))
    mkdirSync(path.join(a, 'links'))
    symlinkSync('../missing', path.join(a, 'links', 'dangling'))
    expect(repoContentHash(a)).toMatch(/^[0-9a-f]{64}$/)
  })
})

describe('registerRepo with a stand-in Spack', () => {
  test('a path source is added to the user scope, checked, hashed', async () => {
    const dir = tempDir('repo-path')
    writeFiles(dir, repoFiles('slurm_factory', ['slurm', 'curl']))
    const { runner, calls } = fakeRunner(resolvesAll(['curl', 'slurm']))
    const runnerTemp = tempDir('runner-temp')
    const registered = await registerRepo({ kind: 'path', path: dir }, runner, { runnerTemp })
    const root = path.join(dir, 'spack_repo', 'slurm_factory')
    expect(registered).toEqual({
      path: root,
      namespace: 'slurm_factory',
      contentHash: repoContentHash(root),
      packages: ['curl', 'slurm']
    })
    expect(calls[0]).toEqual(['repo', 'add', '--scope', 'user', root])
    const python = calls.find(call => call[0] === 'python') as string[]
    expect(python.slice(2)).toEqual(['slurm_factory', 'slurm'])
    expect(python[1]?.startsWith(runnerTemp)).toBe(true)
  })

  test('registering again in the same job replaces the entry', async () => {
    const dir = tempDir('repo-again')
    writeFiles(dir, repoFiles('slurm_factory', ['slurm']))
    const { runner, calls } = fakeRunner(resolvesAll(['slurm']), { alreadyExists: true })
    await registerRepo({ kind: 'bundled', path: dir }, runner, { runnerTemp: tempDir('runner-temp') })
    expect(calls.slice(0, 3).map(call => call.slice(0, 2).join(' '))).toEqual(['repo add', 'repo remove', 'repo add'])
  })

  test('a repository without slurm fails clearly', async () => {
    const dir = tempDir('repo-noslurm')
    writeFiles(dir, repoFiles('slurm_factory', ['curl']))
    const { runner } = fakeRunner(() => ({ packages: ['curl'], resolved: { curl: 'slurm_factory', slurm: 'builtin' } }))
    await expect(
      registerRepo({ kind: 'path', path: dir }, runner, { runnerTemp: tempDir('runner-temp') })
    ).rejects.toThrow(/namespace slurm_factory\) does not define slurm; it must provide a package for slurm/)
  })

  test('a shadowed repository fails naming the winner and the order', async () => {
    const dir = tempDir('repo-shadowed')
    writeFiles(dir, repoFiles('slurm_factory', ['slurm']))
    const { runner } = fakeRunner(() => ({
      order: ['other', 'slurm_factory', 'builtin'],
      packages: ['slurm'],
      resolved: { slurm: 'other' }
    }))
    await expect(
      registerRepo({ kind: 'path', path: dir }, runner, { runnerTemp: tempDir('runner-temp') })
    ).rejects.toThrow(
      "does not take precedence: slurm resolves to other, not slurm_factory (Spack's repositories in order: other, slurm_factory, builtin)"
    )
  })

  test('a repository Spack does not see fails clearly', async () => {
    const dir = tempDir('repo-unseen')
    writeFiles(dir, repoFiles('slurm_factory', ['slurm']))
    const { runner } = fakeRunner(() => ({
      order: ['builtin'],
      packages: null,
      error: 'UnknownNamespaceError: slurm_factory'
    }))
    await expect(
      registerRepo({ kind: 'path', path: dir }, runner, { runnerTemp: tempDir('runner-temp') })
    ).rejects.toThrow(/is not visible to Spack after `spack repo add` \(Spack sees: builtin\)/)
  })

  test('the namespace builtin is refused, and a missing bundled repository is named', async () => {
    const dir = tempDir('repo-builtin')
    writeFiles(dir, repoFiles('builtin', ['slurm']))
    const { runner } = fakeRunner(resolvesAll(['slurm']))
    await expect(registerRepo({ kind: 'path', path: dir }, runner, { runnerTemp: tempDir('t') })).rejects.toThrow(
      /namespace builtin, which is Spack's own/
    )
    await expect(
      registerRepo({ kind: 'bundled', path: '/nonexistent/spack-repo' }, runner, { runnerTemp: tempDir('t') })
    ).rejects.toThrow('the bundled package repository is missing from the action (/nonexistent/spack-repo)')
  })
})

describe('registerRepo from git', () => {
  function gitSource() {
    const work = makeRepo(repoFiles('slurm_factory', ['slurm']))
    tag(work.dir, 'v1', work.commit, true)
    const second = commitFiles(work.dir, repoFiles('slurm_factory', ['slurm', 'curl']), 'add curl')
    git(['branch', 'stable', work.commit], work.dir)
    const third = commitFiles(work.dir, { 'README.md': 'head\n' }, 'readme')
    const root = tempDir('git-root')
    publish(work.dir, root, 'repo')
    return { url: `file://${path.join(root, 'repo.git')}`, first: work.commit, second, third }
  }

  test('a tag, a branch and a full commit id are checked out shallowly and reported', async () => {
    const source = gitSource()
    const runnerTemp = tempDir('runner-temp')
    const { runner } = fakeRunner(resolvesAll(['slurm']))
    const byTag = await registerRepo({ kind: 'git', url: source.url, ref: 'v1' }, runner, { runnerTemp, retry: FAST })
    expect(byTag.commit).toBe(source.first)
    expect(byTag.path.startsWith(runnerTemp)).toBe(true)
    expect(git(['rev-parse', '--is-shallow-repository'], byTag.path)).toBe('true')
    const byBranch = await registerRepo({ kind: 'git', url: source.url, ref: 'stable' }, runner, {
      runnerTemp,
      retry: FAST
    })
    expect(byBranch.commit).toBe(source.first)
    expect(byBranch.contentHash).toBe(byTag.contentHash)
    const byMain = await registerRepo({ kind: 'git', url: source.url, ref: 'main' }, runner, {
      runnerTemp,
      retry: FAST
    })
    expect(byMain.commit).toBe(source.third)
    expect(byMain.contentHash).not.toBe(byTag.contentHash)
    const byCommit = await registerRepo({ kind: 'git', url: source.url, ref: source.second }, runner, {
      runnerTemp,
      retry: FAST
    })
    expect(byCommit.commit).toBe(source.second)
    expect(byCommit.contentHash).toBe(byMain.contentHash)
  })

  test('a missing ref or commit fails at once, naming it', async () => {
    const source = gitSource()
    const { runner } = fakeRunner(resolvesAll(['slurm']))
    const runnerTemp = tempDir('runner-temp')
    await expect(
      registerRepo({ kind: 'git', url: source.url, ref: 'nope' }, runner, { runnerTemp, retry: FAST })
    ).rejects.toThrow(`the Spack package repository at ${source.url}: there is no tag or branch nope`)
    const error = await registerRepo({ kind: 'git', url: source.url, ref: 'f'.repeat(40) }, runner, {
      runnerTemp,
      retry: FAST
    }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(FatalError)
    expect((error as Error).message).toContain(`commit ${'f'.repeat(40)} does not exist there`)
  })

  test('the commit of a workspace path that is a git checkout is reported', async () => {
    const work = makeRepo(repoFiles('slurm_factory', ['slurm']))
    writeFileSync(path.join(work.dir, 'untracked.txt'), '')
    const { runner } = fakeRunner(resolvesAll(['slurm']))
    const registered = await registerRepo({ kind: 'path', path: work.dir }, runner, {
      runnerTemp: tempDir('runner-temp')
    })
    expect(registered.commit).toBe(work.commit)
  })
})
