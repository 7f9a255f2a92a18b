/**
 * The action's main step, as the list of its phases. Each phase is a module of src/phases/ exporting one function
 * from the results so far to its own; plan mode (`dry-run: true`) asks the same list what it would do.
 */
import * as core from '@actions/core'
import { resolveBuild, type Build } from './build.js'
import { CacheBudget } from './cache/budget.js'
import { useCachePolicy } from './cache/service.js'
import { writeCollectSummary } from './collect/cli.js'
import { writeMatrixPlan } from './collect/matrix-mode.js'
import { readInputs } from './inputs.js'
import { packageArtifact } from './phases/artifact.js'
import { restoreBuildCache } from './phases/build-cache.js'
import { renderEnvironment } from './phases/environment.js'
import { buildCompiler, installDependencies, installSlurm } from './phases/install.js'
import { dependenciesInstalled, readInstalled } from './phases/installed.js'
import { checkBuildCaches } from './phases/mirror-check.js'
import { checkRecipe } from './phases/recipe-check.js'
import { restorePackageIndex } from './phases/package-index.js'
import { provision } from './phases/provision.js'
import { pushToMirror } from './phases/push.js'
import { registerRepository } from './phases/repository.js'
import { checkRunner } from './phases/runner-check.js'
import { trustBuildCacheKeys } from './phases/trust-keys.js'
import { uploadArtifact } from './phases/upload.js'
import { Pipeline, Progress, type ResultsOf } from './pipeline.js'
import { planOf, showPlan, type Plan } from './plan.js'
import { planPost } from './post-step.js'
import { redact } from './secrets.js'
import { runReport, writeRunSummary, type RunResults } from './summary.js'
import { shortened } from './verbatim.js'

/** What every build does before its install: the build caches, Spack, the recipe, the runner, the environment. */
const PREPARE = Pipeline.start()
  .then(checkBuildCaches)
  .then(provision)
  .then(restorePackageIndex)
  .then(registerRepository)
  .then(checkRecipe)
  .then(checkRunner)
  .then(renderEnvironment)
  .then(restoreBuildCache)
  .then(trustBuildCacheKeys)
  .then(buildCompiler)

export const BUILD = PREPARE.then(installSlurm)
  .then(pushToMirror)
  .then(readInstalled)
  .then(packageArtifact)
  .then(uploadArtifact)

/** A dependencies job (`stage: dependencies`): the same phases up to the install, which leaves Slurm out; no artifact. */
export const DEPENDENCIES = PREPARE.then(installDependencies).then(pushToMirror).then(dependenciesInstalled)

type Results = ResultsOf<typeof BUILD> | ResultsOf<typeof DEPENDENCIES>
// The summary reads the phases' results by name: a renamed or missing phase does not compile.
type Holds<T extends true> = T
export type _SummaryReadsThePipeline = Holds<ResultsOf<typeof BUILD> extends Required<RunResults> ? true : false>

function pipelineOf(build: Build): typeof BUILD | typeof DEPENDENCIES {
  return build.request.stage === 'dependencies' ? DEPENDENCIES : BUILD
}

/** What plan mode shows: the main step's phases, then the post step. */
export function planBuild(build: Build): Plan {
  return planOf(
    build,
    [...pipelineOf(build).plan(build), planPost(build)].filter(phase => phase.steps.length > 0)
  )
}

/** The step's failure message: no secret, no URL credentials, and not longer than a log can show. */
function failureMessage(error: unknown): string {
  return shortened(redact(error instanceof Error ? error.message : String(error)), 20_000)
}

export async function run(): Promise<void> {
  let progress: Progress<Partial<Results> & { readonly build: Build }> | undefined
  let failure: unknown
  try {
    const request = readInputs()
    useCachePolicy(CacheBudget.forMain())
    if (request.collect) return await writeCollectSummary(request.collect, process.env.GITHUB_STEP_SUMMARY)
    if (request.matrix) return await writeMatrixPlan(request.matrix, process.env.GITHUB_STEP_SUMMARY)
    const build = await resolveBuild(request)
    if (request.dryRun) return await showPlan(planBuild(build))
    progress = new Progress({ build })
    await pipelineOf(build).run(progress)
  } catch (error) {
    failure = error
    core.setFailed(failureMessage(error))
  } finally {
    if (progress?.times.length) await writeRunSummary(runReport(progress.results, progress.times, failure))
  }
}
