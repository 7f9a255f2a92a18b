/** Render the Spack environment: the runner's compilers found by Spack, and spack.yaml written from the request. */
import path from 'node:path'
import { environmentDir, keepsSpackState, type Build } from '../build.js'
import type { Condition, Phase, Step } from '../pipeline.js'
import { compilerFindArgs } from '../spack/commands.js'
import { dependenciesEnvironmentYaml, environmentYaml } from '../spack/environment.js'
import { prepareEnvironment, type PreparedEnvironment } from '../spack/prepare.js'
import type { ProvisionedSpack } from '../spack/provision.js'
import type { RegisteredRepo } from '../spack/repo.js'
import type { PackageIndex } from './package-index.js'
import { plannedRepo } from './repository.js'

/** Spack v1.0 compiles only with a compiler on the runner or already installed: the others are built first. */
export function gccMissing(build: Build): Condition {
  return { id: 'gcc-missing', text: `gcc@${build.gccVersion} is not on the runner` }
}

/** The build's spack.yaml as plan mode can render it: without the compilers only `spack compiler find` can name. */
export function plannedEnvironment(build: Build): string {
  const repo = plannedRepo(build)
  return (build.request.stage === 'dependencies' ? dependenciesEnvironmentYaml : environmentYaml)({
    request: build.request,
    gccVersion: build.gccVersion,
    repoPath: repo.root,
    repoNamespace: repo.namespace,
    layout: build.work.layout
  })
}

/** The runner's compilers are detected unless a detection of these very compilers came with the package index. */
export const NO_RECORDED_COMPILERS: Condition = {
  id: 'no-recorded-compilers',
  text: "no detection of the runner's compilers by this Spack came with its package index"
}

function planEnvironment(build: Build): Step[] {
  const { layout } = build.work
  return [
    { spack: compilerFindArgs('user'), ...(keepsSpackState(build.request) ? { when: [NO_RECORDED_COMPILERS] } : {}) },
    { writes: path.join(layout.compilerEnvDir, 'spack.yaml'), when: [gccMissing(build)] },
    { writes: path.join(environmentDir(build), 'spack.yaml'), content: plannedEnvironment(build) }
  ]
}

type In = {
  readonly build: Build
  readonly spack: ProvisionedSpack
  readonly index: PackageIndex
  readonly repo: RegisteredRepo
}

export const renderEnvironment: Phase<In, 'environment', PreparedEnvironment> = {
  key: 'environment',
  title: () => 'Render the environment',
  plan: planEnvironment,
  run: ({ build, spack, index, repo }) =>
    prepareEnvironment(spack.runner, build.request, build.gccVersion, repo, build.work.layout, index.cache.detection)
}
