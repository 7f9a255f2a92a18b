/**
 * The install phase against a real Spack v1.0 (SPACK_ROOT; skipped, saying so, without it): an environment whose
 * root is hello-tiny from the test-only `tiny` repository (__tests__/fixtures/tiny-repo), its source archive written
 * by the test into a source mirror, so no network is needed. The first run concretizes, installs (building
 * hello-tiny) and pushes to the local mirror as the post step does; the second run, on a wiped install tree with
 * the first run's lock adopted, installs from that mirror without concretizing, extracting and compiling nothing.
 * The third run restores the installed tree and the kept lock at the same paths, as the installed-tree cache entry
 * does: Spack's database and the prefixes are whole, and install extracts nothing either.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describeWithSpack, isolatedSpackEnv } from '../helpers/real-spack.js'
import {
  declaredSha256,
  TINY_NAMESPACE,
  TINY_PACKAGE,
  tinyEnvironmentYaml,
  writeTinySourceMirror
} from '../fixtures/tiny-repo/tiny-env.js'
import { adoptCachedLock, keepLock, type CachePaths } from '../../src/cache/build-cache.js'
import { installedTreeOf, treeProblems, type InstalledTree } from '../../src/cache/installed-tree.js'
import { placeRestored, stageForSave } from '../../src/cache/staging.js'
import { pushArgs } from '../../src/spack/commands.js'
import { LOCAL_MIRROR } from '../../src/spack/environment.js'
import { layoutUnder, workRoot } from '../../src/work.js'
import { concretize, install, type InstallReport } from '../../src/spack/install.js'
import { readLock } from '../../src/spack/lock.js'
import { detectedCompilers } from '../../src/spack/prepare.js'
import { kitExternals } from '../helpers/tiny-runner.js'
import { createSpackRunner, type RunResult } from '../../src/spack/runner.js'

/** Bounds each step; the first Spack command on a fresh user cache also indexes the builtin repository. */
const SLOW = 900_000
const JOBS = 2

describeWithSpack('install phase with real Spack: the tiny environment, built, pushed, then from the mirror', root => {
  const base = mkdtempSync(path.join(tmpdir(), 'sfa-install-'))
  const spackEnv = isolatedSpackEnv(root, path.join(base, 'spack-user'))
  const spack = createSpackRunner(path.join(root, 'bin', 'spack'), spackEnv)
  // The action's layout under RUNNER_TEMP, and the cache paths main.ts derives from it.
  const slurmFactory = workRoot(path.join(base, 'runner-temp'))
  const layout = layoutUnder(slurmFactory)
  const paths: CachePaths = {
    mirror: layout.localMirror,
    state: path.join(path.dirname(layout.envDir), 'cache-state'),
    transfer: path.join(path.dirname(layout.envDir), 'cache-transfer')
  }
  const sourceMirror = path.join(base, 'sources')
  const lockFile = path.join(layout.envDir, 'spack.lock')
  const timings: Record<string, number> = {}
  const commands: RunResult[] = []
  spack.onCommand(result => commands.push(result))
  let environment = ''
  let firstLock: Buffer | undefined
  let firstBuilt: string[] = []

  /** Wall time of `work`, recorded under `name`. */
  async function timed<T>(name: string, work: () => Promise<T>): Promise<T> {
    const started = performance.now()
    try {
      return await work()
    } finally {
      timings[name] = Math.round(performance.now() - started)
    }
  }

  function output(from: number): string {
    return commands
      .slice(from)
      .map(result => result.stdout + result.stderr)
      .join('\n')
  }

  function names(report: InstallReport): { built: string[]; extracted: string[] } {
    return {
      built: report.built.map(pkg => pkg.name).sort(),
      extracted: report.extracted.map(pkg => pkg.name).sort()
    }
  }

  /** Runs the installed program: it must find its shared library through the RUNPATH Spack gave it. */
  function runHello(): string {
    const lock = readLock(readFileSync(lockFile, 'utf8'), TINY_PACKAGE)
    const prefix = readdirSync(layout.installRoot, { recursive: true, encoding: 'utf8' }).find(entry =>
      entry.endsWith(`${TINY_PACKAGE}-${lock.root.version}-${lock.root.hash}`)
    )
    if (!prefix) throw new Error(`no prefix for ${TINY_PACKAGE}/${lock.root.hash} under ${layout.installRoot}`)
    const result = spawnSync(path.join(layout.installRoot, prefix, 'bin', TINY_PACKAGE), { encoding: 'utf8' })
    return `${result.stdout}${result.stderr}`.trim()
  }

  beforeAll(async () => {
    const sha = writeTinySourceMirror(sourceMirror)
    expect(sha).toBe(declaredSha256())
    // As prepareEnvironment does: the runner's compilers into the isolated user scope, then into spack.yaml.
    await timed('compiler find', () => spack.run(['compiler', 'find', '--scope', 'user'], { silent: true }))
    const detected = detectedCompilers(spackEnv.SPACK_USER_CONFIG_PATH as string)
    expect(Object.keys(detected)).toEqual(['gcc'])
    const externals = kitExternals()
    environment = tinyEnvironmentYaml({ layout, sourceMirror, externals, detected, jobs: JOBS })
    mkdirSync(layout.envDir, { recursive: true })
    writeFileSync(path.join(layout.envDir, 'spack.yaml'), environment)
  }, SLOW)

  afterAll(() => {
    const line = Object.entries(timings)
      .map(([name, ms]) => `${name} ${(ms / 1000).toFixed(1)} s`)
      .join(', ')
    process.stderr.write(`[real Spack] install phase timings: ${line}\n`)
    rmSync(base, { recursive: true, force: true })
  })

  test(
    'first run: concretize, install builds hello-tiny, the post step pushes it to the local mirror',
    async () => {
      const from = commands.length
      await timed('first concretize', () => concretize(spack, layout.envDir))
      firstLock = readFileSync(lockFile)
      const lock = readLock(firstLock.toString('utf8'), TINY_PACKAGE)
      expect(lock.root.namespace).toBe(TINY_NAMESPACE)
      expect(lock.root.compiler).toMatch(/^gcc@/)
      const report = await timed('first install', () => install(spack, layout.envDir, JOBS))
      expect(report.failure).toBeUndefined()
      expect(names(report).built).toContain(TINY_PACKAGE)
      expect(names(report).extracted).toEqual([])
      firstBuilt = names(report).built
      expect(output(from)).toMatch(/==> Concretized \d+ specs?/)
      expect(runHello()).toBe('hello from tiny')

      // The post step: push what was installed to the local mirror (unsigned), keep the lock for the next run.
      const push = await timed('push', () => spack.run(pushArgs(layout.envDir, LOCAL_MIRROR, true), { silent: true }))
      expect(push.exitCode).toBe(0)
      keepLock(paths, layout.envDir, environment)
      const mirrored = readdirSync(paths.mirror, { recursive: true, encoding: 'utf8' })
      expect(mirrored.some(entry => entry.includes(TINY_PACKAGE))).toBe(true)
      // keepLock names the kept lock after its environment directory.
      expect(existsSync(path.join(paths.state, `${path.basename(layout.envDir)}.spack.lock`))).toBe(true)
    },
    SLOW
  )

  test(
    'second run on a fresh install tree: the cached lock is adopted, everything is extracted from the mirror, nothing is concretized or compiled',
    async () => {
      expect(firstLock).toBeDefined()
      // A new machine with the same paths: only what the Actions cache restores (mirror and lock) is left. Spack's
      // view lives in a sibling `._view/<hash>` directory, so the whole slurm-factory directory goes but those two.
      // (Spack's isolated user state is kept: detecting compilers and indexing the builtin repository again would
      // only cost time; the spack.yaml is the same text, so the lock is adopted as on a fresh runner.)
      const kept = new Set([paths.mirror, paths.state])
      for (const entry of readdirSync(slurmFactory)) {
        const full = path.join(slurmFactory, entry)
        if (!kept.has(full)) rmSync(full, { recursive: true, force: true })
      }
      mkdirSync(layout.envDir, { recursive: true })
      writeFileSync(path.join(layout.envDir, 'spack.yaml'), environment)
      expect(adoptCachedLock(paths, layout.envDir, environment)).toBe(true)

      const from = commands.length
      const report = await timed('second install', () => install(spack, layout.envDir, JOBS))
      const text = output(from)
      expect(report.failure).toBeUndefined()
      expect(names(report).built).toEqual([])
      expect(names(report).extracted).toEqual(firstBuilt)
      expect(firstBuilt).toContain(TINY_PACKAGE)
      expect(text).toMatch(new RegExp(`==> Extracting ${TINY_PACKAGE}-1\\.0-[a-z0-9]{32} from binary cache`))
      // Spack 1.0 says "Installing <id> [n/m]" for every package it installs, from a binary cache too: each must
      // have been extracted, and nothing fetched from the source mirror, staged or run through a build phase.
      const installing = [...text.matchAll(/==> Installing (\S+) \[\d+\/\d+\]/g)].map(match => match[1])
      expect(installing.length).toBeGreaterThan(0)
      for (const id of installing) expect(text).toContain(`==> Extracting ${id} from binary cache`)
      expect(text).not.toMatch(/installing from source|Executing phase|No patches needed|_source-cache|Concretized/)
      // install ran alone, and Spack kept the lock as it was: it did not concretize again.
      expect(commands.slice(from).map(result => result.args.slice(3, 4)[0])).toEqual(['install'])
      expect(readFileSync(lockFile).equals(firstLock as Buffer)).toBe(true)
      expect(runHello()).toBe('hello from tiny')
    },
    SLOW
  )

  test(
    'third run with the installed tree restored at the same paths: whole, and install extracts and builds nothing',
    async () => {
      const tree = installedTreeOf('k', layout, paths, [{ envDir: layout.envDir, environment }]) as InstalledTree
      expect(tree).toBeDefined()
      expect(treeProblems(tree)).toEqual([])
      // What the action's save and restore do with the entry: its directories staged (the view's link as its
      // target), tarred by the Actions cache, and on a new machine untarred where they are stored and moved into place.
      const archive = path.join(base, 'installed-tree.tar')
      const tar = (args: string[]): void => {
        const result = spawnSync('tar', args, { encoding: 'utf8' })
        expect(result.stderr).toBe('')
        expect(result.status).toBe(0)
      }
      const staged = tree.entry.staged ?? []
      const saving = stageForSave(staged)
      tar(['-cf', archive, '-P', ...tree.entry.paths])
      saving.restore()
      for (const entry of readdirSync(slurmFactory)) rmSync(path.join(slurmFactory, entry), { recursive: true })
      tar(['-xf', archive, '-P'])
      placeRestored(staged)
      mkdirSync(layout.envDir, { recursive: true })
      writeFileSync(path.join(layout.envDir, 'spack.yaml'), environment)
      expect(treeProblems(tree)).toEqual([])
      expect(adoptCachedLock(paths, layout.envDir, environment)).toBe(true)
      // The view came back with the tree, at the same paths: what the artifact is staged from works as it is.
      expect(tree.entry.staged?.map(dir => dir.live)).toContain(layout.viewRoot)
      expect(existsSync(path.join(layout.viewRoot, 'bin', TINY_PACKAGE))).toBe(true)
      expect(spawnSync(path.join(layout.viewRoot, 'bin', TINY_PACKAGE), { encoding: 'utf8' }).stdout.trim()).toBe(
        'hello from tiny'
      )

      // Spack agrees: with the tree in place, install has nothing to do (the action does not even run it).
      const from = commands.length
      const report = await timed('install, tree restored', () => install(spack, layout.envDir, JOBS))
      const text = output(from)
      expect(names(report)).toEqual({ built: [], extracted: [] })
      expect(text).not.toMatch(/==> Installing|from binary cache|Executing phase|Concretized/)
      expect(existsSync(path.join(layout.viewRoot, 'bin', TINY_PACKAGE))).toBe(true)
      expect(runHello()).toBe('hello from tiny')

      // The same check against Spack's own database: a prefix gone is named.
      const lock = readLock(readFileSync(lockFile, 'utf8'), TINY_PACKAGE)
      const prefix = readdirSync(layout.installRoot, { recursive: true, encoding: 'utf8' }).find(entry =>
        entry.endsWith(`${TINY_PACKAGE}-${lock.root.version}-${lock.root.hash}`)
      ) as string
      rmSync(path.join(layout.installRoot, prefix), { recursive: true })
      expect(treeProblems(tree)).toEqual([
        `${TINY_PACKAGE}@${lock.root.version}/${lock.root.hash.slice(0, 7)}: ${path.join(layout.installRoot, prefix)} is missing or incomplete`
      ])
    },
    SLOW
  )
})
