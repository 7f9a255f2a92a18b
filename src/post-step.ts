/**
 * The post step (runs also after a failed build): pushes whatever was installed to the local mirror and saves the
 * build cache, under a key of this run's own: a complete build's, or a partial one that later runs restore. A package
 * Spack built from source although the restored mirror held it (its archive was damaged) is pushed again over it,
 * and the cache saved afresh, so the next run finds it whole. Its cache calls spend what the main step left of the
 * job's cache budget, and are skipped when the main step's were stopped (src/cache/budget.ts).
 */
import * as core from '@actions/core'
import path from 'node:path'
import type { Build } from './build.js'
import { keepLock, saveBuildCache } from './cache/build-cache.js'
import { CacheBudget } from './cache/budget.js'
import { completeKey, isComplete, partialKey } from './cache/keys.js'
import { saveRepoIndex } from './cache/repo-index.js'
import { useCachePolicy } from './cache/service.js'
import { gccMissing } from './phases/environment.js'
import type { Condition, PlannedPhase } from './pipeline.js'
import { forcePushArgs, pushArgs } from './spack/commands.js'
import { LOCAL_MIRROR } from './spack/environment.js'
import { createSpackRunner, lastLines, type SpackRunner } from './spack/runner.js'
import { loadPostState, type PostState } from './state.js'

/** Whether the main step built anything from source, in any environment. */
function builtAnything(state: PostState): boolean {
  return Object.values(state.built).some(hashes => hashes.length > 0)
}

/**
 * The key this run saves under, or undefined when a complete cache of this configuration was restored and nothing had
 * to be built again.
 */
export function keyToSave(state: PostState, runId: string, attempt: string): string | undefined {
  if (!state.complete) return partialKey(state.primaryKey, runId, attempt)
  const whole = state.restoredKey !== undefined && isComplete(state.primaryKey, state.restoredKey)
  return whole && !builtAnything(state) ? undefined : completeKey(state.primaryKey, runId, attempt)
}

/** What the post step would do for `build`. */
export function planPost(build: Build): PlannedPhase {
  const { layout } = build.work
  const notWhole: Condition = {
    id: 'not-restored-whole',
    text: 'the build cache was not restored whole, or something was built from source'
  }
  const builtFromSource: Condition = {
    id: 'built-from-source',
    text: 'packages were built from source (<built-from-source>: their hashes), pushed over what the mirror held of them'
  }
  return {
    title: 'Post step (also after a failed build)',
    steps: build.request.cache.enabled
      ? [
          { note: "save Spack's package index unless it was restored" },
          {
            spack: forcePushArgs(layout.compilerEnvDir, LOCAL_MIRROR, true, ['<built-from-source>']),
            when: [builtFromSource, gccMissing(build)]
          },
          { spack: pushArgs(layout.compilerEnvDir, LOCAL_MIRROR, true), when: [notWhole, gccMissing(build)] },
          { spack: forcePushArgs(layout.envDir, LOCAL_MIRROR, true, ['<built-from-source>']), when: [builtFromSource] },
          { spack: pushArgs(layout.envDir, LOCAL_MIRROR, true), when: [notWhole] },
          { note: 'save the build cache (a partial key after a failure)', when: [notWhole] }
        ]
      : []
  }
}

export async function runPost(): Promise<void> {
  try {
    const state = loadPostState()
    if (!state) {
      core.info('slurm-factory: no build cache to save')
      return
    }
    const budget = CacheBudget.forPost()
    useCachePolicy(budget)
    if (state.repoIndex && !state.repoIndex.restored && !budget.refuse()) {
      const index = state.repoIndex.cache
      await core.group(`Save Spack's package index`, () => saveRepoIndex(index))
    }
    // The pushes only serve the save: none once the job's cache traffic has stopped.
    const stopped = budget.refuse()
    if (stopped) {
      core.info(`Not pushing to the local build cache nor saving it: ${stopped} (earlier in this job)`)
      return
    }
    const key = keyToSave(state, process.env.GITHUB_RUN_ID ?? '0', process.env.GITHUB_RUN_ATTEMPT ?? '1')
    if (!key) {
      core.info(`The build cache ${state.restoredKey} was restored whole and nothing was built: nothing to save`)
      return
    }
    const spack = createSpackRunner(state.spack.executable, state.spack.env)
    for (const { envDir, environment } of state.environments) {
      await pushToLocalMirror(spack, envDir, state.built[envDir] ?? [])
      keepLock(state.paths, envDir, environment)
    }
    await core.group(`Save the build cache as ${key}`, () => saveBuildCache(key, state.paths))
  } catch (error) {
    core.warning(`Saving the build cache failed: ${error instanceof Error ? error.message : String(error)}`)
  }
}

/** Pushes what `envDir` installed to the local mirror; what it built from source over what the mirror held of it. */
async function pushToLocalMirror(spack: SpackRunner, envDir: string, built: readonly string[]): Promise<void> {
  await core.group(`Push what ${path.basename(envDir)} installed to the local build cache`, async () => {
    if (built.length) {
      const forced = await spack.run(forcePushArgs(envDir, LOCAL_MIRROR, true, built), { allowFailure: true })
      if (forced.exitCode !== 0)
        core.warning(`The packages built from source could not be pushed again: ${lastLines(forced.stderr, 3)}`)
    }
    const push = await spack.run(pushArgs(envDir, LOCAL_MIRROR, true), { allowFailure: true })
    if (push.exitCode !== 0) {
      core.warning(
        `Some packages could not be pushed to the local build cache (not installed): ${lastLines(push.stderr, 3)}`
      )
    }
  })
}
