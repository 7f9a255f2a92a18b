/**
 * Spack's index of the builtin packages, kept in the Actions cache, against a real Spack v1.0 (SPACK_ROOT; skipped,
 * saying so, without it) and the local cache service. The builtin packages are copied to a "checkout" (every file
 * as new as the copy, as after a clone), Spack indexes them once, and the post step's save stores the index. Then
 * the checkout is made again (newer files) and a fresh user cache restores the index:
 *   - as for a site Spack (files keep their saved times): Spack sees package.py files newer than the index and
 *     rebuilds it;
 *   - as for pinned builtin packages (restored files marked as new): Spack reads the index and rebuilds nothing.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { indexFiles, repoIndexCache, restoreRepoIndex, saveRepoIndex } from '../../src/cache/repo-index.js'
import { describeWithSpack, isolatedSpackEnv } from '../helpers/real-spack.js'
import { applyEnv, startServices, type Services } from '../services/index.js'

const SLOW = 600_000

describeWithSpack("Spack's builtin package index restored from the Actions cache", root => {
  const base = mkdtempSync(path.join(tmpdir(), 'sfa-index-'))
  // Spack v1.0 takes a repository only at a path ending in spack_repo/<namespace>.
  const checkout = path.join(base, 'checkout', 'spack_repo', 'builtin')
  let services: Services
  let restoreEnv: () => void
  const seconds: Record<string, number> = {}

  /** The builtin packages Spack's configuration names (the offline kit sets SPACK_BUILTIN_REPO). */
  function builtinRepo(): string {
    if (process.env.SPACK_BUILTIN_REPO) return process.env.SPACK_BUILTIN_REPO
    const out = spawnSync(
      path.join(root, 'bin', 'spack'),
      ['python', '-c', "import spack.repo; print(spack.repo.PATH.get_repo('builtin').root)"],
      { encoding: 'utf8', env: { ...process.env, ...isolatedSpackEnv(root, path.join(base, 'probe')) } }
    )
    if (out.status !== 0) throw new Error(`cannot find the builtin repository: ${out.stderr}`)
    return out.stdout.trim()
  }

  /** A fresh checkout of the whole spack_repo package (builtin imports its build systems from it): files as new as now. */
  function makeCheckout(from: string): void {
    rmSync(path.dirname(checkout), { recursive: true, force: true })
    cpSync(path.dirname(from), path.dirname(checkout), { recursive: true })
  }

  // The user state lives at one path, as under RUNNER_TEMP (the cache entry's version hashes the paths).
  const user = path.join(base, 'user')
  const misc = path.join(user, 'cache', 'cache')

  /** `spack compiler find` with a user scope naming the checkout, timed under `name`. */
  function compilerFind(name: string): void {
    const env = isolatedSpackEnv(root, user)
    mkdirSync(env.SPACK_USER_CONFIG_PATH as string, { recursive: true })
    writeFileSync(path.join(env.SPACK_USER_CONFIG_PATH as string, 'repos.yaml'), `repos:\n  builtin: ${checkout}\n`)
    const started = performance.now()
    const run = spawnSync(path.join(root, 'bin', 'spack'), ['compiler', 'find', '--scope', 'user'], {
      encoding: 'utf8',
      env: { ...process.env, ...env }
    })
    if (run.status !== 0 || /Warning|Error/.test(run.stderr))
      throw new Error(`spack compiler find failed: ${run.stdout}${run.stderr}`)
    seconds[name] = Math.round((performance.now() - started) / 100) / 10
  }

  const cacheFor = (pinned: boolean) =>
    repoIndexCache({
      keyPrefix: 'real-index',
      miscCache: misc,
      spack: '1.0.0',
      spackRoot: root,
      ...(pinned ? { builtinCommit: 'pinned-in-test' } : {})
    })

  beforeAll(async () => {
    services = await startServices({ artifact: false })
    restoreEnv = applyEnv({ ...services.env, GITHUB_WORKSPACE: base })
    makeCheckout(builtinRepo())
  }, SLOW)
  afterAll(async () => {
    restoreEnv()
    await services.close()
    process.stdout.write(`[real Spack] spack compiler find, seconds: ${JSON.stringify(seconds)}\n`)
    rmSync(base, { recursive: true, force: true })
  })

  test(
    'indexed once and saved; a newer checkout rebuilds a restored index unless it is marked as new',
    async () => {
      compilerFind('cold')
      const built = indexFiles(cacheFor(false))
      expect(built.map(f => path.basename(path.dirname(f))).sort()).toEqual(['patches', 'providers', 'tags'])
      for (const pinned of [false, true]) expect(await saveRepoIndex(cacheFor(pinned))).toBe(true)

      await new Promise(resolve => setTimeout(resolve, 1100)) // the new checkout is strictly newer than the index
      makeCheckout(builtinRepo())

      for (const pinned of [false, true]) {
        rmSync(user, { recursive: true, force: true }) // a fresh runner
        expect(await restoreRepoIndex(cacheFor(pinned))).toBe(true)
        const before = indexFiles(cacheFor(pinned)).map(f => statSync(f).mtimeMs)
        compilerFind(pinned ? 'restored, marked as new' : 'restored as saved')
        const after = indexFiles(cacheFor(pinned)).map(f => statSync(f).mtimeMs)
        if (pinned)
          expect(after).toEqual(before) // read, not rewritten
        else expect(after.every((t, i) => t > (before[i] ?? Infinity))).toBe(true) // Spack rebuilt it
      }
    },
    SLOW
  )
})
