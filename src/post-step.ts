/**
 * The post step (runs also after a failed build): pushes whatever was installed to the local mirror and saves the
 * build cache, under a key of this run's own: a complete build's, or a partial one that later runs restore. A package
 * Spack built from source although the restored mirror held it (its archive was damaged) is pushed again over it,
 * and the cache saved afresh, so the next run finds it whole. A complete build also saves its installed tree, and
 * Spack's package index is saved with the runner's compilers, each unless it was restored. Without the build cache
 * (remote build caches serve the binaries), a complete build saves its kept locks alone. Its cache calls spend what
 * the main step left of the job's cache budget, and are skipped when the main step's were stopped
 * (src/cache/budget.ts).
 */
import * as core from '@actions/core'
import path from 'node:path'
import { environmentDir, keepsSpackState, only, type Build } from './build.js'
import { keepLock, saveBuildCache } from './cache/build-cache.js'
import { CacheBudget } from './cache/budget.js'
import { installedTreeSaveKey, saveInstalledTree } from './cache/installed-tree.js'
import { saveKeptLocks } from './cache/kept-locks.js'
import { completeKey, currentRun, isComplete, partialKey } from './cache/keys.js'
import { saveRepoIndex } from './cache/repo-index.js'
import { useCachePolicy } from './cache/service.js'
import { TREE_NOT_RESTORED } from './phases/build-cache.js'
import { gccMissing } from './phases/environment.js'
import type { Condition, PlannedPhase } from './pipeline.js'
import { forcePushArgs, pushArgs, type Only } from './spack/commands.js'
import { LOCAL_MIRROR } from './spack/environment.js'
import { createSpackRunner, lastLines, type SpackRunner } from './spack/runner.js'
import { loadPostState, type PostState } from './state.js'

/** Whether the main step built anything from source, in any environment. */
function builtAnything(state: PostState): boolean {
  return Object.values(state.built).some(hashes => hashes.length > 0)
}

/**
 * The key this run saves under, or undefined when a complete cache of this configuration (or its installed tree) was
 * restored and nothing had to be built again.
 */
export function keyToSave(state: PostState, runId: string, attempt: string): string | undefined {
  if (state.installedTree?.restored) return undefined
  if (!state.complete) return partialKey(state.primaryKey, runId, attempt)
  const whole = state.restoredKey !== undefined && isComplete(state.primaryKey, state.restoredKey)
  return whole && !builtAnything(state) ? undefined : completeKey(state.primaryKey, runId, attempt)
}

const COMPLETE: Condition = { id: 'build-complete', text: 'the build completed' }

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
  const index = { note: "save Spack's package index and the runner's compilers unless they were restored" }
  const title = 'Post step (also after a failed build)'
  if (!build.request.cache.enabled)
    return {
      title,
      steps: keepsSpackState(build.request)
        ? [
            index,
            { note: 'save spack.lock', when: [{ id: 'no-cached-lock', text: 'no kept lock was restored' }, COMPLETE] }
          ]
        : []
    }
  const envDir = environmentDir(build)
  return {
    title,
    steps: [
      index,
      {
        spack: forcePushArgs(layout.compilerEnvDir, LOCAL_MIRROR, true, ['<built-from-source>']),
        when: [TREE_NOT_RESTORED, builtFromSource, gccMissing(build)]
      },
      {
        spack: pushArgs(layout.compilerEnvDir, LOCAL_MIRROR, true),
        when: [TREE_NOT_RESTORED, notWhole, gccMissing(build)]
      },
      {
        spack: forcePushArgs(envDir, LOCAL_MIRROR, true, ['<built-from-source>']),
        when: [TREE_NOT_RESTORED, builtFromSource]
      },
      { spack: pushArgs(envDir, LOCAL_MIRROR, true, only(build)), when: [TREE_NOT_RESTORED, notWhole] },
      { note: 'save the build cache (a partial key after a failure)', when: [TREE_NOT_RESTORED, notWhole] },
      ...(build.request.stage === 'dependencies'
        ? []
        : [
            {
              note: `save the installed tree (${layout.installRoot}) and spack.lock`,
              when: [TREE_NOT_RESTORED, COMPLETE]
            }
          ])
    ]
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
    if (state.keptLocks) return await saveLocks(state, state.keptLocks)
    const run = currentRun()
    const key = keyToSave(state, run.id, run.attempt)
    if (key) await saveBuild(state, key)
    else if (state.installedTree?.restored)
      core.info(`The installed tree ${state.restoredKey ?? ''} was restored whole: nothing to save`)
    else core.info(`The build cache ${state.restoredKey} was restored whole and nothing was built: nothing to save`)
    const installed = state.installedTree
    if (state.complete && installed && !installed.restored && !budget.refuse()) {
      const treeKey = installedTreeSaveKey(installed.tree, run)
      await core.group(`Save the installed tree as ${treeKey}`, () => saveInstalledTree(installed.tree, treeKey))
    }
  } catch (error) {
    core.warning(`Saving the build cache failed: ${error instanceof Error ? error.message : String(error)}`)
  }
}

/** Pushes what each environment installed to the local mirror, keeps the locks, and saves the build cache as `key`. */
async function saveBuild(state: PostState, key: string): Promise<void> {
  const spack = createSpackRunner(state.spack.executable, state.spack.env)
  for (const { envDir, environment, only } of state.environments) {
    await pushToLocalMirror(spack, envDir, state.built[envDir] ?? [], only)
    keepLock(state.paths, envDir, environment)
  }
  await core.group(`Save the build cache as ${key}`, () => saveBuildCache(key, state.paths))
}

/** Pushes what `envDir` installed to the local mirror; what it built from source over what the mirror held of it. */
async function pushToLocalMirror(
  spack: SpackRunner,
  envDir: string,
  built: readonly string[],
  only: Only
): Promise<void> {
  await core.group(`Push what ${path.basename(envDir)} installed to the local build cache`, async () => {
    if (built.length) {
      const forced = await spack.run(forcePushArgs(envDir, LOCAL_MIRROR, true, built), { allowFailure: true })
      if (forced.exitCode !== 0)
        core.warning(`The packages built from source could not be pushed again: ${lastLines(forced.stderr, 3)}`)
    }
    const push = await spack.run(pushArgs(envDir, LOCAL_MIRROR, true, only), { allowFailure: true })
    if (push.exitCode !== 0) {
      core.warning(
        `Some packages could not be pushed to the local build cache (not installed): ${lastLines(push.stderr, 3)}`
      )
    }
  })
}

/** Without the build cache: a complete build keeps its locks for the next run, unless they were restored. */
async function saveLocks(state: PostState, locks: NonNullable<PostState['keptLocks']>): Promise<void> {
  if (locks.restored || !state.complete) {
    core.info(
      locks.restored ? 'The kept spack.lock was restored: nothing to save' : 'The build did not complete: no lock kept'
    )
    return
  }
  for (const { envDir, environment } of state.environments) keepLock(state.paths, envDir, environment)
  await core.group(`Save the kept spack.lock as ${locks.entry.key}`, () => saveKeptLocks(locks.entry))
}
