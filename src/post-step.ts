/**
 * The post step (runs also after a failed build): pushes whatever was installed to the local mirror and saves the
 * build cache. A complete build saves the primary key; an incomplete one a partial key that later runs restore. A
 * complete build also saves its installed tree, and Spack's package index is saved with the runner's compilers,
 * each unless it was restored. Without the build cache (remote build caches serve the binaries), a complete build
 * saves its kept locks alone.
 */
import * as core from '@actions/core'
import path from 'node:path'
import { environmentDir, keepsSpackState, only, type Build } from './build.js'
import { keepLock, saveBuildCache } from './cache/build-cache.js'
import { saveInstalledTree } from './cache/installed-tree.js'
import { saveKeptLocks } from './cache/kept-locks.js'
import { partialKey } from './cache/keys.js'
import { saveRepoIndex } from './cache/repo-index.js'
import { TREE_NOT_RESTORED } from './phases/build-cache.js'
import { gccMissing } from './phases/environment.js'
import type { Condition, PlannedPhase } from './pipeline.js'
import { pushArgs } from './spack/commands.js'
import { LOCAL_MIRROR } from './spack/environment.js'
import { createSpackRunner, lastLines } from './spack/runner.js'
import { loadPostState, type PostState } from './state.js'

/** The key this run saves under, or undefined when the restored cache already is the complete one. */
export function keyToSave(state: PostState, runId: string, attempt: string): string | undefined {
  if (!state.complete) return partialKey(state.primaryKey, runId, attempt)
  return state.restoredKey === state.primaryKey ? undefined : state.primaryKey
}

const COMPLETE: Condition = { id: 'build-complete', text: 'the build completed' }

/** What the post step would do for `build`. */
export function planPost(build: Build): PlannedPhase {
  const { layout } = build.work
  const notWhole: Condition = { id: 'not-restored-whole', text: 'the build cache was not restored whole' }
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
  return {
    title,
    steps: [
      index,
      { spack: pushArgs(layout.compilerEnvDir, LOCAL_MIRROR, true), when: [notWhole, gccMissing(build)] },
      { spack: pushArgs(environmentDir(build), LOCAL_MIRROR, true, only(build)), when: [notWhole] },
      { note: 'save the build cache (a partial key after a failure)', when: [notWhole] },
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
    if (state.repoIndex && !state.repoIndex.restored) {
      const index = state.repoIndex.cache
      await core.group(`Save Spack's package index as ${index.key}`, () => saveRepoIndex(index))
    }
    if (state.keptLocks) return await saveLocks(state, state.keptLocks)
    const key = keyToSave(state, process.env.GITHUB_RUN_ID ?? '0', process.env.GITHUB_RUN_ATTEMPT ?? '1')
    if (key) await saveBuild(state, key)
    else core.info(`The build cache ${state.primaryKey} was restored whole: nothing to save`)
    const installed = state.installedTree
    if (state.complete && installed && !installed.restored)
      await core.group(`Save the installed tree as ${installed.tree.entry.key}`, () =>
        saveInstalledTree(installed.tree)
      )
  } catch (error) {
    core.warning(`Saving the build cache failed: ${error instanceof Error ? error.message : String(error)}`)
  }
}

/** Pushes what each environment installed to the local mirror, keeps the locks, and saves the build cache as `key`. */
async function saveBuild(state: PostState, key: string): Promise<void> {
  const spack = createSpackRunner(state.spack.executable, state.spack.env)
  for (const { envDir, environment, only } of state.environments) {
    const push = await spack.run(pushArgs(envDir, LOCAL_MIRROR, true, only), {
      group: `Push what ${path.basename(envDir)} installed to the local build cache`,
      allowFailure: true
    })
    if (push.exitCode !== 0) {
      core.warning(
        `Some packages could not be pushed to the local build cache (not installed): ${lastLines(push.stderr, 3)}`
      )
    }
    keepLock(state.paths, envDir, environment)
  }
  await core.group(`Save the build cache as ${key}`, () => saveBuildCache(key, state.paths))
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
