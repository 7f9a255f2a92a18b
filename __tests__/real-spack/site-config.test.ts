/**
 * With real Spack (for example the offline kit's): the environment the action renders with the kit's externals as
 * spack-config and its source mirror as a mirror, offline, concretizes Slurm 24.11.5 with only Slurm and Spack's own
 * small packages to build; a target this runner can't run fails with the action's message, not Spack's.
 */
import { expect, test } from '@jest/globals'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { resolveGccVersion } from '../../src/compiler.js'
import { parseInputs } from '../../src/inputs.js'
import { workDirs } from '../../src/work.js'
import { readLock } from '../../src/spack/lock.js'
import { checkClingo, checkSources } from '../../src/spack/offline.js'
import { prepareEnvironment } from '../../src/spack/prepare.js'
import { provisionSpack } from '../../src/spack/provision.js'
import { registerRepo } from '../../src/spack/repo.js'
import { checkHostTarget } from '../../src/spack/target-check.js'
import { concretize } from '../../src/spack/install.js'
import { describeWithSpack } from '../helpers/real-spack.js'

const externals = process.env.OFFLINE_EXTERNALS
const sourceMirror = process.env.OFFLINE_SOURCE_MIRROR

describeWithSpack('real Spack: site configuration, offline, host target', spackRoot => {
  const runnerTemp = mkdtempSync(path.join(tmpdir(), 'site-real-'))
  const request = parseInputs(
    name =>
      (<Record<string, string>>{
        'spack-root': spackRoot,
        'slurm-version': '24.11.5',
        target: 'x86_64_v2',
        offline: 'true',
        'spack-config': externals ?? '',
        'buildcache-mirrors': sourceMirror ?? '',
        cache: 'false'
      })[name] ?? '',
    { workspace: runnerTemp, actionPath: path.resolve('.'), cpus: 2 }
  )

  test("x86_64_v3 is refused with the action's message on an x86_64_v2 runner; the requested target passes", async () => {
    const spack = await provisionSpack(request.spack, { runnerTemp, exportToJob: false, offline: true })
    const host = (await spack.runner.run(['arch', '--target'], { silent: true })).stdout.trim()
    if (host === 'x86_64_v2') {
      await expect(checkHostTarget(spack.runner, 'x86_64_v3')).rejects.toThrow(
        "target: x86_64_v3 can't run on this runner, whose CPU Spack sees as x86_64_v2. Use target: x86_64_v2"
      )
    }
    expect((await checkHostTarget(spack.runner, 'x86_64_v2')).ok).toBe(true)
  }, 120_000)

  const offlineKit = externals && sourceMirror ? test : test.skip
  offlineKit(
    "with the kit's externals and source mirror, only slurm, gcc-runtime and compiler-wrapper are to be built",
    async () => {
      const spack = await provisionSpack(request.spack, { runnerTemp, exportToJob: false, offline: true })
      expect(await checkClingo(spack.runner)).toMatch(/^\d+\.\d+/)
      const repo = await registerRepo(request.repo, spack.runner, { runnerTemp })
      const gcc = await resolveGccVersion(request.compiler)
      const { layout } = workDirs(runnerTemp)
      const env = await prepareEnvironment(spack.runner, request, gcc, repo, layout)
      expect(env.environment).toContain('"mirrors:":')
      await spack.runner.run(['-e', env.envDir, 'config', 'get'], { silent: true })
      const started = Date.now()
      await concretize(spack.runner, env.envDir)
      const seconds = (Date.now() - started) / 1000
      const lock = readLock(readFileSync(path.join(env.envDir, 'spack.lock'), 'utf8'))
      const specs = [lock.root, ...lock.dependencies]
      const toBuild = specs
        .filter(spec => !spec.external)
        .map(spec => spec.name)
        .sort()
      const externalNames = specs
        .filter(spec => spec.external)
        .map(spec => `${spec.name}@${spec.version}`)
        .sort()
      process.stdout.write(
        `[real Spack] concretized slurm@${lock.root.version} in ${seconds.toFixed(1)} s: to build ${toBuild.join(', ')}; externals ${externalNames.join(', ')}\n`
      )
      expect(lock.root.version).toBe('24.11.5')
      expect(lock.root.namespace).toBe('slurm_factory')
      expect(toBuild).toEqual(['compiler-wrapper', 'gcc-runtime', 'slurm'])
      await checkSources(spack.runner, env.envDir, path.join(runnerTemp, 'scratch'))
    },
    600_000
  )
})
