import { i as info, g as group, a as warning } from './lib/core.js';
import { u as loadPostState, v as saveRepoIndex, g as createSpackRunner, p as pushArgs, L as LOCAL_MIRROR, b as lastLines, w as keepLock, x as saveBuildCache, y as partialKey } from './lib/state.js';
import path from 'node:path';
import 'os';
import 'crypto';
import 'fs';
import 'path';
import 'http';
import 'https';
import 'net';
import 'tls';
import 'events';
import 'assert';
import 'util';
import 'node:assert';
import 'node:net';
import 'node:http';
import 'node:stream';
import 'node:buffer';
import 'node:util';
import 'node:querystring';
import 'node:events';
import 'node:diagnostics_channel';
import 'node:tls';
import 'node:zlib';
import 'node:perf_hooks';
import 'node:util/types';
import 'node:worker_threads';
import 'node:url';
import 'node:async_hooks';
import 'node:console';
import 'node:dns';
import 'string_decoder';
import 'child_process';
import 'timers';
import 'node:fs';
import 'node:crypto';
import 'node:os';
import './lib/inputs.js';
import 'process';
import 'buffer';

/**
 * The post step (runs also after a failed build): pushes whatever was installed to the local mirror and saves the
 * build cache. A complete build saves the primary key; an incomplete one a partial key that later runs restore.
 */
/** The key this run saves under, or undefined when the restored cache already is the complete one. */
function keyToSave(state, runId, attempt) {
    if (!state.complete)
        return partialKey(state.primaryKey, runId, attempt);
    return state.restoredKey === state.primaryKey ? undefined : state.primaryKey;
}
async function runPost() {
    try {
        const state = loadPostState();
        if (!state?.cacheEnabled) {
            info('slurm-factory: no build cache to save');
            return;
        }
        if (state.repoIndex && !state.repoIndex.restored) {
            const index = state.repoIndex.cache;
            await group(`Save Spack's package index as ${index.key}`, () => saveRepoIndex(index));
        }
        const key = keyToSave(state, process.env.GITHUB_RUN_ID ?? '0', process.env.GITHUB_RUN_ATTEMPT ?? '1');
        if (!key) {
            info(`The build cache ${state.primaryKey} was restored whole: nothing to save`);
            return;
        }
        const spack = createSpackRunner(state.spack.executable, state.spack.env);
        for (const { envDir, environment } of state.environments) {
            const push = await spack.run(pushArgs(envDir, LOCAL_MIRROR, true), {
                group: `Push what ${path.basename(envDir)} installed to the local build cache`,
                allowFailure: true
            });
            if (push.exitCode !== 0) {
                warning(`Some packages could not be pushed to the local build cache (not installed): ${lastLines(push.stderr, 3)}`);
            }
            keepLock(state.paths, envDir, environment);
        }
        await group(`Save the build cache as ${key}`, () => saveBuildCache(key, state.paths));
    }
    catch (error) {
        warning(`Saving the build cache failed: ${error instanceof Error ? error.message : String(error)}`);
    }
}

// The action's post step: runs after the job's steps, also when the build failed. It exits as soon as it is done,
// for the same reason as the main step.
await runPost();
process.exit();
