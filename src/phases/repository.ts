/** Register the package repository that provides slurm, and prove that Spack resolves slurm to it. */
import type { Build } from '../build.js'
import type { Phase, Step } from '../pipeline.js'
import { pythonArgs, repoAddArgs, repoListArgs } from '../spack/commands.js'
import { cloneArgs, GIT_OPTIONS } from '../spack/git.js'
import type { ProvisionedSpack } from '../spack/provision.js'
import {
  checkScript,
  registerRepo,
  repoBase,
  REQUIRED_PACKAGES,
  resolveLocalRepo,
  type RegisteredRepo
} from '../spack/repo.js'

/**
 * The repository directory and namespace a build registers, as far as they are known before it runs: resolved as
 * the run resolves them for a bundled or workspace repository (failing as it would); for a git repository, the
 * checkout directory and the bundled repository's namespace until the clone says otherwise.
 */
export function plannedRepo(build: Build): { readonly root: string; readonly namespace: string; known: boolean } {
  const source = build.request.repo
  const base = repoBase(source, build.runnerTemp)
  if (source.kind === 'git') return { root: base, namespace: 'slurm_factory', known: false }
  return { ...resolveLocalRepo(source, base), known: true }
}

function planRegistration(build: Build): Step[] {
  const source = build.request.repo
  const repo = plannedRepo(build)
  const script = checkScript(build.work.scratch)
  return [
    ...(source.kind === 'git'
      ? [
          { program: 'git', args: [...GIT_OPTIONS, ...cloneArgs(source.url, source.ref, repo.root)] },
          {
            note: `${repo.root}: the repository is the clone itself, or the one under spack_repo/ in it, as its repo.yaml says`
          }
        ]
      : []),
    { spack: repoAddArgs(repo.root, 'user') },
    { spack: repoListArgs() },
    { writes: script },
    { spack: pythonArgs(script, [repo.namespace, ...REQUIRED_PACKAGES]) }
  ]
}

type In = { readonly build: Build; readonly spack: ProvisionedSpack }

export const registerRepository: Phase<In, 'repo', RegisteredRepo> = {
  key: 'repo',
  title: () => 'Register the package repository',
  plan: planRegistration,
  run: ({ build, spack }) => registerRepo(build.request.repo, spack.runner, { runnerTemp: build.runnerTemp })
}
