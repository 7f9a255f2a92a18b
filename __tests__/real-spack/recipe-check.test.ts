/**
 * The recipe check against real Spack v1.0 (runs when SPACK_ROOT is set, see helpers/real-spack.ts): the repository is
 * registered by the action's own registerRepo and read by `spack python`. On the fixture shaped like vantagecompute's
 * repository it answers exactly what the stand-in answers; the fitted request then concretizes with the offline kit's
 * externals. On a checkout of vantagecompute/slurm-factory-spack-repo itself (VANTAGE_SPACK_REPO: a checkout or a git
 * directory of it), the check reads its recipe and fits the action's default request to it.
 */
import { expect, test } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseInputs, render, type BuildRequest } from '../../src/inputs.js'
import { fitRequest, fitRequestToRepo, readSlurmRecipe } from '../../src/spack/recipe-check.js'
import { registerRepo } from '../../src/spack/repo.js'
import { createSpackRunner } from '../../src/spack/runner.js'
import { DASH_REPO, DASH_REPO_RECIPE } from '../fixtures/dash-repo/dash-repo.js'
import {
  describeWithSpack,
  isolatedSpackEnv,
  KIT_EXTERNALS,
  writeConcreteScript,
  writeKitEnvironment
} from '../helpers/real-spack.js'

const LONG = 900_000

function requestFor(repoDir: string, inputs: Record<string, string> = {}): BuildRequest {
  return parseInputs(name => (({ 'spack-repo': repoDir, ...inputs }) as Record<string, string>)[name] ?? '', {
    workspace: '/',
    actionPath: path.resolve('.'),
    cpus: 2
  })
}

/** A checkout of vantagecompute/slurm-factory-spack-repo, cloned from VANTAGE_SPACK_REPO when that is a git directory. */
function vantageCheckout(base: string): string | undefined {
  const source = process.env.VANTAGE_SPACK_REPO
  if (!source || !existsSync(source)) return undefined
  if (existsSync(path.join(source, 'spack_repo'))) return source
  const dest = path.join(base, 'vantage')
  const clone = spawnSync('git', ['clone', '--quiet', source, dest], { encoding: 'utf8' })
  return clone.status === 0 ? dest : undefined
}

describeWithSpack('the recipe check in real Spack', spackRoot => {
  const base = mkdtempSync(path.join(tmpdir(), 'sfa-recipe-check-'))
  const env = isolatedSpackEnv(spackRoot, base)
  const spack = createSpackRunner(path.join(spackRoot, 'bin', 'spack'), env)
  const scratch = path.join(base, 'scratch')

  test(
    'the fixture: registered by registerRepo, read by spack python exactly as the stand-in reads it',
    async () => {
      const repo = await registerRepo({ kind: 'path', path: path.dirname(path.dirname(DASH_REPO)) }, spack, {
        runnerTemp: path.join(base, 'runner')
      })
      expect(repo.path).toBe(DASH_REPO)
      const recipe = await readSlurmRecipe(spack, repo, scratch)
      process.stdout.write(`recipe check on the fixture: ${JSON.stringify(recipe)}\n`)
      expect(recipe).toEqual(DASH_REPO_RECIPE)
    },
    LONG
  )

  const concretizeTest = KIT_EXTERNALS ? test : test.skip

  concretizeTest(
    "the action's default request, fitted to the fixture, concretizes with the kit's externals",
    async () => {
      const asked = requestFor(path.dirname(path.dirname(DASH_REPO)))
      const request = await fitRequestToRepo(asked, spack, { path: DASH_REPO, namespace: 'slurm_factory' }, scratch)
      expect(request.slurmVersion).toBe('25-11-7-1')
      expect(request.variants).toEqual([])
      const spec = [`slurm@${request.slurmVersion}`, ...request.variants.map(render), 'target=x86_64_v2'].join(' ')
      const envDir = path.join(base, 'env')
      writeKitEnvironment(envDir, [spec], true)
      await spack.run(['-e', envDir, 'concretize', '--fresh'], { silent: true })
      writeConcreteScript(path.join(base, 'concrete.py'), envDir, [
        'out = {',
        "  'built': sorted(s.name for s in specs.values() if not s.external),",
        "  'slurm': [s.namespace + '@' + str(s.version) for s in specs.values() if s.name == 'slurm'],",
        '}'
      ])
      const out = await spack.run(['python', path.join(base, 'concrete.py')], { silent: true })
      const info = JSON.parse(out.stdout.trim().split('\n').pop() as string)
      expect(info).toEqual({ built: ['compiler-wrapper', 'gcc-runtime', 'slurm'], slurm: ['slurm_factory@25-11-7-1'] })
    },
    LONG
  )

  const vantage = vantageCheckout(base)
  const vantageTest = vantage ? test : test.skip
  if (!vantage)
    process.stderr.write(
      '[real Spack] the recipe check on vantagecompute/slurm-factory-spack-repo: skipped: VANTAGE_SPACK_REPO does not name a checkout or git directory of it\n'
    )

  vantageTest(
    "vantagecompute's repository: its recipe read, the default request fitted to it",
    async () => {
      const user = isolatedSpackEnv(spackRoot, mkdtempSync(path.join(base, 'vantage-user-')))
      const runner = createSpackRunner(path.join(spackRoot, 'bin', 'spack'), user)
      const repo = await registerRepo({ kind: 'path', path: vantage as string }, runner, {
        runnerTemp: path.join(base, 'vantage-runner')
      })
      expect(repo.namespace).toBe('slurm_factory')
      const recipe = await readSlurmRecipe(runner, repo, scratch)
      process.stdout.write(`recipe check on vantagecompute's repository: ${JSON.stringify(recipe)}\n`)
      expect(recipe.versions.length).toBeGreaterThan(0)
      for (const { version } of recipe.versions) expect(version).toMatch(/^\d+-\d+-\d+-\d+$/)
      for (const name of ['rest', 'pmix', 'hwloc', 'ucx']) expect(recipe.variants).not.toHaveProperty(name)
      const newest25 = recipe.versions.map(v => v.version).find(v => v.startsWith('25-11-'))
      const fitted = fitRequest(requestFor(vantage as string), recipe, repo)
      process.stdout.write(`fitted: ${fitted.request.slurmVersion} ${fitted.request.variants.map(render).join(' ')}\n`)
      process.stdout.write(`${[...fitted.notes, ...fitted.warnings].join('\n')}\n`)
      expect(fitted.request.slurmVersion).toBe(newest25)
      expect(fitted.warnings).toHaveLength(4)
    },
    LONG
  )
})
