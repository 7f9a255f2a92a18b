/**
 * The post step (runs also after a failed build): pushes whatever was installed to the local mirror and saves the
 * build cache. A complete build saves the primary key; an incomplete one a partial key that later runs restore.
 */
import * as core from '@actions/core'
import path from 'node:path'
import type { Build } from './build.js'
import { keepLock, saveBuildCache } from './cache/build-cache.js'
import { saveInstalledTree } from './cache/installed-tree.js'
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

/** What the post step would do for `build`. */
export function planPost(build: Build): PlannedPhase {
  const { layout } = build.work
  const notWhole: Condition = { id: 'not-restored-whole', text: 'the build cache was not restored whole' }
  return {
    title: 'Post step (also after a failed build)',
    steps: build.request.cache.enabled
      ? [
          { note: "save Spack's package index unless it was restored" },
          { spack: pushArgs(layout.compilerEnvDir, LOCAL_MIRROR, true), when: [notWhole, gccMissing(build)] },
          { spack: pushArgs(layout.envDir, LOCAL_MIRROR, true), when: [notWhole] },
          { note: 'save the build cache (a partial key after a failure)', when: [notWhole] },
          {
            note: `save the installed tree (${layout.installRoot}) and spack.lock`,
            when: [TREE_NOT_RESTORED, { id: 'build-complete', text: 'the build completed' }]
          }
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
    if (state.repoIndex && !state.repoIndex.restored) {
      const index = state.repoIndex.cache
      await core.group(`Save Spack's package index as ${index.key}`, () => saveRepoIndex(index))
    }
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
  for (const { envDir, environment } of state.environments) {
    const push = await spack.run(pushArgs(envDir, LOCAL_MIRROR, true), {
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
