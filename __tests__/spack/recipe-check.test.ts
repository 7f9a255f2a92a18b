/**
 * A user's package repository against the request (src/spack/recipe-check.ts): the fitting rules as pure functions,
 * the recipe as the stand-in `spack python` reads it from the fixture shaped like vantagecompute's repository
 * (namespace slurm_factory, versions named after GitHub's tags, none of rest/pmix/hwloc/ucx), and the bundled action
 * run against that fixture: default variants dropped with a warning, the version mapped, an explicit variant or a
 * version it lacks refused before concretizing. The stand-in's own concretizer shows what the check spares: without
 * it, Spack stops on "No such variant".
 */
import { describe, expect, test } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { InputError, parseInputs, render } from '../../src/inputs.js'
import { fitRequest, readSlurmRecipe, type SlurmRecipe } from '../../src/spack/recipe-check.js'
import { createSpackRunner } from '../../src/spack/runner.js'
import { makeRunner, STAND_IN_SPACK } from '../helpers/action-run.js'
import { DASH_REPO, DASH_REPO_RECIPE } from '../fixtures/dash-repo/dash-repo.js'

const SOURCE = { path: '/site/repo/spack_repo/slurm_factory', namespace: 'slurm_factory' }

function request(inputs: Record<string, string>) {
  const workspace = mkdtempSync(path.join(tmpdir(), 'fit-'))
  mkdirSync(path.join(workspace, 'site-repo'))
  return parseInputs(name => (({ 'spack-repo': 'site-repo', ...inputs }) as Record<string, string>)[name] ?? '', {
    workspace,
    actionPath: '/action',
    cpus: 2
  })
}

function refused(inputs: Record<string, string>, recipe: SlurmRecipe = DASH_REPO_RECIPE): InputError {
  try {
    fitRequest(request(inputs), recipe, SOURCE)
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return error as InputError
  }
  throw new Error(`${JSON.stringify(inputs)} was not refused`)
}

describe('fitting a request to a recipe', () => {
  test.each([
    ['25.11', '25-11-7-1'],
    ['25.11.6', '25-11-6-1'],
    ['26.05', '26-05-0-1'],
    ['23.11.11', '23-11-11-1']
  ])('a dash-named recipe maps slurm-version %s to %s', (asked, mapped) => {
    const fitted = fitRequest(request({ 'slurm-version': asked, variants: '+gtk' }), DASH_REPO_RECIPE, SOURCE)
    expect(fitted.request.slurmVersion).toBe(mapped)
    expect(fitted.notes).toEqual([
      `slurm-version ${asked} is ${mapped} in the package repository ${SOURCE.path} (namespace slurm_factory), which names versions its own way`
    ])
  })

  test('a version the recipe cannot give is refused, naming the versions it has', () => {
    const error = refused({ 'slurm-version': '25.11.99' })
    expect(error.input).toBe('slurm-version')
    expect(error.message).toBe(
      `slurm-version: "25.11.99": slurm in the package repository ${SOURCE.path} (namespace slurm_factory) has no such version (its versions: 26-05-0-1, 25-11-7-1, 25-11-6-1, 24-11-6-1, 23-11-11-1)`
    )
    expect(refused({ 'slurm-version': '25.05' }).message).toContain('has no such version')
  })

  test('a dotted recipe keeps the request (Spack picks the newest of a series itself); deprecated versions come last', () => {
    const dotted: SlurmRecipe = {
      versions: [
        { version: '25.11.8', deprecated: true },
        { version: '25.11.7', deprecated: false },
        { version: '25.11.6', deprecated: false }
      ],
      variants: { pmix: ['bool'] }
    }
    expect(fitRequest(request({ variants: '+pmix' }), dotted, SOURCE).request.slurmVersion).toBe('25.11')
    const dashed: SlurmRecipe = {
      ...dotted,
      versions: dotted.versions.map(v => ({ ...v, version: `${v.version.replace(/\./g, '-')}-1` }))
    }
    expect(fitRequest(request({ variants: '+pmix' }), dashed, SOURCE).request.slurmVersion).toBe('25-11-7-1')
  })

  test("the action's default variants the recipe lacks are dropped, each with a warning", () => {
    const fitted = fitRequest(request({}), DASH_REPO_RECIPE, SOURCE)
    expect(fitted.request.variants).toEqual([])
    expect(fitted.warnings).toEqual(
      ['hwloc', 'pmix', 'rest', 'ucx'].map(
        name =>
          `+${name} (a default of the action) is dropped: slurm in the package repository ${SOURCE.path} (namespace slurm_factory) has no variant "${name}"`
      )
    )
  })

  test('an explicitly requested variant the recipe lacks is refused, naming the variants it has', () => {
    const error = refused({ variants: '+gtk +pmix' })
    expect(error.input).toBe('variants')
    expect(error.message).toBe(
      `variants: +pmix: slurm in the package repository ${SOURCE.path} (namespace slurm_factory) has no variant "pmix" (its variants: build_system, gtk, nvml, rsmi, sysconfdir)`
    )
  })

  test('variants it has pass, in the kind the recipe declares', () => {
    const fitted = fitRequest(request({ variants: 'sysconfdir=/etc/slurm gtk=true ~nvml' }), DASH_REPO_RECIPE, SOURCE)
    expect(fitted.request.variants.map(render)).toEqual(['+gtk', '~nvml', 'sysconfdir=/etc/slurm'])
    expect(fitted.warnings).toEqual([])
    expect(refused({ variants: '+sysconfdir' }).message).toContain('"sysconfdir" of slurm in')
    expect(refused({ variants: 'gtk=yes' }).message).toContain('is on/off; write +gtk or ~gtk')
  })
})

describe('the stand-in spack answers the recipe check from the repository package.py', () => {
  test('versions in declaration order and each variant kind, as Spack package class has them', async () => {
    const user = mkdtempSync(path.join(tmpdir(), 'recipe-user-'))
    mkdirSync(path.join(user, 'config'))
    const env = { SPACK_USER_CONFIG_PATH: path.join(user, 'config') }
    const runner = createSpackRunner(path.join(STAND_IN_SPACK, 'bin', 'spack'), env)
    await runner.run(['repo', 'add', '--scope', 'user', DASH_REPO], { silent: true })
    const recipe = await readSlurmRecipe(
      runner,
      { path: DASH_REPO, namespace: 'slurm_factory' },
      path.join(user, 'scratch')
    )
    expect(recipe).toEqual(DASH_REPO_RECIPE)
  })

  test('and, like Spack, stops on the variants the recipe lacks when asked to concretize them', () => {
    const user = mkdtempSync(path.join(tmpdir(), 'recipe-user-'))
    const env = { ...process.env, SPACK_USER_CONFIG_PATH: path.join(user, 'config') }
    const spack = path.join(STAND_IN_SPACK, 'bin', 'spack')
    expect(spawnSync(spack, ['repo', 'add', '--scope', 'user', DASH_REPO], { env }).status).toBe(0)
    const envDir = path.join(user, 'env')
    mkdirSync(envDir)
    const spec = 'slurm@25.11 +hwloc +pmix +rest +ucx %gcc@12.2.0 target=x86_64_v2'
    writeFileSync(path.join(envDir, 'spack.yaml'), `spack:\n  specs:\n  - ${spec}\n`)
    const result = spawnSync(spack, ['-e', envDir, 'concretize'], { env, encoding: 'utf8' })
    expect(result.stderr).toBe(`==> Error: No such variant {'hwloc', 'pmix', 'rest', 'ucx'} for spec: '${spec}'\n`)
    expect(result.status).toBe(1)
  })
})

describe('the action with the fixture repository as spack-repo', () => {
  const base = {
    'spack-root': STAND_IN_SPACK,
    'spack-repo': 'site-repo',
    compiler: 'gcc@12.2.0',
    target: 'x86_64_v2',
    cache: 'false',
    upload: 'false'
  }

  function runnerWithRepo() {
    const runner = makeRunner()
    cpSync(path.dirname(DASH_REPO), path.join(runner.dir, 'site-repo', 'spack_repo'), { recursive: true })
    return runner
  }

  const concretized = (calls: string[][]): boolean => calls.some(args => args.includes('concretize'))

  test('drops the default variants it lacks with warnings, maps 25.11 to its newest 25-11-*, and builds', async () => {
    const runner = runnerWithRepo()
    const run = await runner.run('index', base)
    expect(run.stdout).not.toContain('::error')
    expect(run.status).toBe(0)
    expect(run.stdout).toContain("::group::Check the repository's slurm recipe")
    for (const name of ['hwloc', 'pmix', 'rest', 'ucx'])
      expect(run.stdout).toMatch(new RegExp(`::warning::\\+${name} \\(a default of the action\\) is dropped`))
    expect(run.stdout).toContain('slurm-version 25.11 is 25-11-7-1 in the package repository')
    const spackYaml = readFileSync(path.join(runner.temp, 'slurm-factory', 'environment', 'spack.yaml'), 'utf8')
    expect(spackYaml).toContain('  - slurm@25-11-7-1 %gcc@12.2.0 target=x86_64_v2\n')
    expect(runner.outputs()['slurm-version']).toBe('25-11-7-1')
  })

  test('an explicit variant it lacks fails before concretizing, naming the variants it has', async () => {
    const runner = runnerWithRepo()
    const run = await runner.run('index', { ...base, variants: '+pmix' })
    expect(run.status).not.toBe(0)
    expect(run.stdout).toMatch(
      /::error::variants: \+pmix: slurm in the package repository \S+ \(namespace slurm_factory\) has no variant "pmix" \(its variants: build_system, gtk, nvml, rsmi, sysconfdir\)/
    )
    expect(concretized(runner.calls())).toBe(false)
  })

  test('a version it cannot give fails before concretizing, naming the versions it has', async () => {
    const runner = runnerWithRepo()
    const run = await runner.run('index', { ...base, 'slurm-version': '25.11.99', variants: '+gtk' })
    expect(run.status).not.toBe(0)
    expect(run.stdout).toContain(
      'has no such version (its versions: 26-05-0-1, 25-11-7-1, 25-11-6-1, 24-11-6-1, 23-11-11-1)'
    )
    expect(concretized(runner.calls())).toBe(false)
  })

  test('with the bundled repository, a release the catalog does not list fails before any Spack command', async () => {
    const runner = makeRunner()
    const run = await runner.run('index', { ...base, 'spack-repo': '', 'slurm-version': '25.11.99' })
    expect(run.status).not.toBe(0)
    expect(run.stdout).toContain(
      '::error::slurm-version: "25.11.99" is not a release the bundled recipe has a checksum for'
    )
    expect(runner.calls()).toEqual([])
  })
})
