/**
 * A user's package repository: its slurm recipe is read with Spack before anything is concretized, and the request
 * is fitted to it (dash-named versions, variants it lacks). The fitted request replaces the build's for every later
 * phase. The bundled repository needs no check: the input parsers already hold the request to its catalog.
 */
import type { Build } from '../build.js'
import type { Phase, Step } from '../pipeline.js'
import type { ProvisionedSpack } from '../spack/provision.js'
import { fitRequestToRepo, recipeCheckArgs, recipeScriptPath } from '../spack/recipe-check.js'
import type { RegisteredRepo } from '../spack/repo.js'
import { plannedRepo } from './repository.js'

type In = { readonly build: Build; readonly spack: ProvisionedSpack; readonly repo: RegisteredRepo }

function planCheck(build: Build): Step[] {
  if (build.request.repo.kind === 'bundled') return []
  const script = recipeScriptPath(build.work.scratch)
  return [{ writes: script }, { spack: recipeCheckArgs(script, plannedRepo(build).namespace) }]
}

export const checkRecipe: Phase<In, 'build', Build> = {
  key: 'build',
  title: () => "Check the repository's slurm recipe",
  plan: planCheck,
  skip: ({ build }) => (build.request.repo.kind === 'bundled' ? build : undefined),
  run: async ({ build, spack, repo }) => ({
    ...build,
    request: await fitRequestToRepo(build.request, spack.runner, repo, build.work.scratch)
  })
}
