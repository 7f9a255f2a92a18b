/** Check the runner before concretizing: can it run the target, and (offline) can Spack import clingo? */
import * as core from '@actions/core'
import type { Build } from '../build.js'
import type { Phase, Step } from '../pipeline.js'
import { clingoArgs, hostTargetArgs } from '../spack/commands.js'
import { checkClingo } from '../spack/offline.js'
import type { ProvisionedSpack } from '../spack/provision.js'
import { checkHostTarget, type TargetCheck } from '../spack/target-check.js'

export interface RunnerCheck {
  readonly target: TargetCheck
  /** The version of clingo Spack imports, checked for an offline build. */
  readonly clingo?: string
}

function planCheck(build: Build): Step[] {
  return [{ spack: hostTargetArgs() }, ...(build.request.offline ? [{ spack: clingoArgs() }] : [])]
}

type In = { readonly build: Build; readonly spack: ProvisionedSpack }

export const checkRunner: Phase<In, 'runner', RunnerCheck> = {
  key: 'runner',
  title: () => 'Check the runner',
  plan: planCheck,
  run: async ({ build, spack }) => {
    // Neither check reaches a mirror: no credentials (src/build.ts withCredentials).
    const runner = spack.runner
    const target = await checkHostTarget(runner, build.request.target)
    core.info(target.message)
    if (!build.request.offline) return { target }
    const clingo = await checkClingo(runner)
    core.info(`offline: Spack imports clingo ${clingo}`)
    return { target, clingo }
  }
}
