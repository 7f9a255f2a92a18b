/**
 * Every input of the action: reading, validation and the error message for each bad value, one group of inputs per
 * module of src/inputs/. `parseInputs` is pure apart from checking that paths exist; `readInputs` binds it to the
 * runner's inputs.
 */
import * as core from '@actions/core'
import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import path from 'node:path'
import { parseBuildcache } from './inputs/buildcache.js'
import { lineOf } from './inputs/fields.js'
import { parseArtifact, parseCache, parseJob } from './inputs/job.js'
import { parseMatrix } from './inputs/matrix.js'
import { SECRET_INPUTS, valueOf, type Get } from './inputs/names.js'
import type { BuildRequest, InputContext } from './inputs/request.js'
import { parseCompiler, parseTarget, parseVariants } from './inputs/slurm.js'
import { parseRepo, parseSpack, parseSpackConfig } from './inputs/spack.js'
import { parseStage } from './inputs/stage.js'
import { registerRunnerSecrets, registerSecret } from './secrets.js'

export { InputError } from './inputs/fields.js'
export type {
  BuildRequest,
  Compression,
  InputContext,
  ModuleSystem,
  RepoSource,
  SpackSource,
  Stage,
  VariantSetting
} from './inputs/request.js'
export {
  compareVersions,
  parseCompiler,
  parseSlurmVersion,
  parseTarget,
  parseVariants,
  render
} from './inputs/slurm.js'

/**
 * Reads the action's inputs from the runner; registers the secrets (the secret inputs, and the runner's own tokens)
 * before anything can print or write them (src/secrets.ts).
 */
export function readInputs(context: InputContext = defaultContext()): BuildRequest {
  for (const secret of SECRET_INPUTS) registerSecret(core.getInput(secret))
  registerRunnerSecrets()
  return parseInputs(name => core.getInput(name), context)
}

export function defaultContext(): InputContext {
  return {
    workspace: process.env.GITHUB_WORKSPACE || process.cwd(),
    actionPath: process.env.GITHUB_ACTION_PATH || actionRoot(),
    cpus: availableParallelism()
  }
}

/** The action's root: the nearest directory above this module (bundled or not) that holds action.yml. */
function actionRoot(): string {
  let dir = path.dirname(new URL(import.meta.url).pathname)
  while (!existsSync(path.join(dir, 'action.yml')) && path.dirname(dir) !== dir) dir = path.dirname(dir)
  return dir
}

export function parseInputs(get: Get, context: InputContext): BuildRequest {
  const repo = parseRepo(valueOf(get, 'spack-repo'), context)
  const buildcache = parseBuildcache(get)
  const target = parseTarget(lineOf(get, 'target'))
  const job = parseJob(get, context)
  return {
    ...parseStage(get, repo.kind === 'bundled'),
    compiler: parseCompiler(lineOf(get, 'compiler')),
    variants: parseVariants(lineOf(get, 'variants'), repo.kind === 'bundled'),
    target,
    spack: parseSpack(get, context),
    repo,
    buildcache,
    cache: parseCache(get),
    artifact: parseArtifact(get),
    ...job,
    ...parseMatrix(valueOf(get, 'matrix'), target, job.collect !== undefined),
    ...parseSpackConfig(get, context.workspace)
  }
}
