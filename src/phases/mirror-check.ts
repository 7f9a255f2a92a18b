/**
 * The remote build caches, asked before anything else what Spack will ask them: a read mirror that can't be used is
 * a warning naming the cause and the fix (Spack itself would quietly compile instead); a push target that can't take
 * the push fails the step before any build. Needs no Spack.
 */
import type { Build } from '../build.js'
import type { Phase, Step } from '../pipeline.js'
import { checkBuildcacheMirrors, mirrorsToCheck, type MirrorCheck } from '../spack/mirror-check.js'

export interface MirrorChecks {
  readonly checks: readonly MirrorCheck[]
}

function planCheck(build: Build): Step[] {
  return mirrorsToCheck(build.request.buildcache).map(mirror => ({
    note: `ask ${mirror.name} (${mirror.url}) for its build cache index${mirror.push ? ', and whether it takes a push' : ''}, as Spack will`
  }))
}

export const checkBuildCaches: Phase<{ readonly build: Build }, 'mirrors', MirrorChecks> = {
  key: 'mirrors',
  title: () => 'Check the build caches',
  plan: planCheck,
  skip: ({ build }) => (mirrorsToCheck(build.request.buildcache).length === 0 ? { checks: [] } : undefined),
  run: async ({ build }) => ({ checks: await checkBuildcacheMirrors(build.request.buildcache) })
}
