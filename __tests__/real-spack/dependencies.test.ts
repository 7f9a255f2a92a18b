/**
 * A dependencies job against a real Spack v1.0 (SPACK_ROOT; skipped, saying so, without it), on the tiny test
 * environment (__tests__/fixtures/tiny-repo): what the stand-in `spack` does with `--only dependencies` is what Spack
 * does. `spack install --only dependencies` installs every dependency of the roots and not the roots, with no view;
 * `spack buildcache push --only dependencies` pushes those and not the roots (a plain push fails on the roots); the
 * next environment of the same root, as a cell is, installs the dependencies from that mirror and builds the root.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parse, stringify } from 'yaml'
import { describeWithSpack, isolatedSpackEnv } from '../helpers/real-spack.js'
import { TINY_PACKAGE, tinyEnvironmentYaml, writeTinySourceMirror } from '../fixtures/tiny-repo/tiny-env.js'
import { pushArgs } from '../../src/spack/commands.js'
import { LOCAL_MIRROR } from '../../src/spack/environment.js'
import { concretize, install } from '../../src/spack/install.js'
import { lockedSpecs } from '../../src/spack/lock.js'
import { detectedCompilers } from '../../src/spack/prepare.js'
import { createSpackRunner } from '../../src/spack/runner.js'
import { kitExternals } from '../helpers/tiny-runner.js'
import { layoutUnder, workRoot } from '../../src/work.js'

const SLOW = 900_000

describeWithSpack('dependencies job with real Spack: --only dependencies on the tiny environment', root => {
  const base = mkdtempSync(path.join(tmpdir(), 'sfa-dependencies-'))
  const spackEnv = isolatedSpackEnv(root, path.join(base, 'spack-user'))
  const spack = createSpackRunner(path.join(root, 'bin', 'spack'), spackEnv)
  const slurmFactory = workRoot(path.join(base, 'runner-temp'))
  const layout = layoutUnder(slurmFactory)
  const dependenciesEnv = path.join(slurmFactory, 'dependencies-environment')
  const sourceMirror = path.join(base, 'sources')
  let cellEnvironment = ''

  /** Names of the packages whose build cache entries (spec manifests) the local mirror holds. */
  function mirrored(): string[] {
    if (!existsSync(layout.localMirror)) return []
    const files = readdirSync(layout.localMirror, { recursive: true, encoding: 'utf8' })
    return [
      ...new Set(
        files.flatMap(file => /([a-z][\w-]*?)-[\d.]+-[a-z0-9]{32}\.spec\.manifest\.json$/.exec(file)?.[1] ?? [])
      )
    ].sort()
  }

  beforeAll(async () => {
    writeTinySourceMirror(sourceMirror)
    await spack.run(['compiler', 'find', '--scope', 'user'], { silent: true })
    const externals = kitExternals()
    const detected = detectedCompilers(spackEnv.SPACK_USER_CONFIG_PATH as string)
    cellEnvironment = tinyEnvironmentYaml({ layout, sourceMirror, externals, detected, jobs: 2 })
    // The dependencies job's environment, as dependenciesEnvironmentYaml shapes it: unify when_possible, no view.
    const doc = parse(cellEnvironment) as { spack: Record<string, unknown> }
    doc.spack.concretizer = { unify: 'when_possible', reuse: true }
    doc.spack.view = false
    mkdirSync(dependenciesEnv, { recursive: true })
    writeFileSync(path.join(dependenciesEnv, 'spack.yaml'), stringify(doc, { lineWidth: 0 }))
  }, SLOW)

  afterAll(() => rmSync(base, { recursive: true, force: true }))

  test(
    'install and push --only dependencies: the dependencies, not the root; a plain push fails on the root',
    async () => {
      await concretize(spack, dependenciesEnv)
      const locked = lockedSpecs(readFileSync(path.join(dependenciesEnv, 'spack.lock'), 'utf8'))
      const dependencies = locked
        .filter(spec => !spec.external && spec.name !== TINY_PACKAGE)
        .map(spec => spec.name)
        .sort()
      expect(dependencies.length).toBeGreaterThan(0)
      const report = await install(spack, dependenciesEnv, 2, 'dependencies')
      expect(report.built.map(pkg => pkg.name).sort()).toEqual(dependencies)
      const installed = readdirSync(layout.installRoot, { recursive: true, encoding: 'utf8' })
      expect(installed.some(entry => path.basename(entry).startsWith(`${TINY_PACKAGE}-`))).toBe(false)
      expect(existsSync(layout.viewRoot)).toBe(false)

      const plain = await spack.run(pushArgs(dependenciesEnv, LOCAL_MIRROR, true), { silent: true, allowFailure: true })
      expect(plain.exitCode).not.toBe(0)
      expect(plain.stderr + plain.stdout).toContain('not installed')
      rmSync(layout.localMirror, { recursive: true, force: true })
      const push = await spack.run(pushArgs(dependenciesEnv, LOCAL_MIRROR, true, 'dependencies'), { silent: true })
      expect(push.exitCode).toBe(0)
      expect(mirrored()).toEqual(dependencies)
    },
    SLOW
  )

  test(
    "a cell's environment on a fresh install tree extracts the dependencies and builds the root alone",
    async () => {
      for (const entry of readdirSync(slurmFactory))
        if (path.join(slurmFactory, entry) !== layout.localMirror)
          rmSync(path.join(slurmFactory, entry), { recursive: true, force: true })
      mkdirSync(layout.envDir, { recursive: true })
      writeFileSync(path.join(layout.envDir, 'spack.yaml'), cellEnvironment)
      await concretize(spack, layout.envDir)
      const report = await install(spack, layout.envDir, 2)
      expect(report.built.map(pkg => pkg.name)).toEqual([TINY_PACKAGE])
      expect(report.extracted.length).toBeGreaterThan(0)
    },
    SLOW
  )
})
