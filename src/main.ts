/**
 * The action's main step, as the list of its phases. Each phase is one call into its own module, taking the previous
 * phase's typed result.
 */
import * as core from '@actions/core'
import { resolveGccVersion } from './compiler.js'
import { readInputs } from './inputs.js'
import { buildPlan, showPlan } from './plan.js'

export async function run(): Promise<void> {
  try {
    const request = readInputs()
    const gccVersion = await resolveGccVersion(request.compiler)
    const plan = buildPlan(request, gccVersion, runnerTemp())
    if (request.dryRun) return await showPlan(plan)

    notImplemented('provision Spack')
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error))
  }
}

function runnerTemp(): string {
  const dir = process.env.RUNNER_TEMP
  if (!dir)
    throw new Error('RUNNER_TEMP is not set: the action must run on a GitHub Actions runner (or under `npm run local`)')
  return dir
}

function notImplemented(phase: string): never {
  throw new Error(`${phase}: not implemented yet in this version of the action; use dry-run: true to see the plan`)
}
