/**
 * Build the requested GCC when the runner lacks it, then install Slurm: each environment concretized (unless the
 * cached lock was made from its very spack.yaml), its sources checked when offline, and installed.
 */
import * as core from '@actions/core'
import { cachePaths, keepsSpackState, withCredentials, type Build } from '../build.js'
import { adoptCachedLock } from '../cache/build-cache.js'
import { artifactName } from '../artifact/artifact.js'
import { uploadDebugFiles } from '../artifact/upload.js'
import type { Condition, Phase, Step } from '../pipeline.js'
import { concretizeArgs, environmentPythonArgs, installArgs, type Only } from '../spack/commands.js'
import { concretize, debugFiles, install, InstallError, type InstallReport } from '../spack/install.js'
import { checkSources, sourceCheckScript } from '../spack/offline.js'
import type { PreparedEnvironment, WrittenEnvironment } from '../spack/prepare.js'
import type { ProvisionedSpack } from '../spack/provision.js'
import { TREE_NOT_RESTORED, type BuildCacheResult } from './build-cache.js'
import { gccMissing } from './environment.js'

type In = {
  readonly build: Build
  readonly spack: ProvisionedSpack
  readonly environment: PreparedEnvironment
  readonly cache: BuildCacheResult
}

/**
 * Concretizes (unless the cached lock was made from this spack.yaml), checks offline sources, installs (only the
 * roots' dependencies, for a dependencies job). A whole installed tree leaves nothing to do but to adopt its lock.
 */
async function installEnvironment(
  written: WrittenEnvironment,
  { build, spack, cache }: In,
  only?: Only
): Promise<InstallReport> {
  const runner = withCredentials(spack.runner, build.request)
  const locked = cache.hit !== 'none' || cache.keptLocks === true
  const adopted = locked && adoptCachedLock(cachePaths(build), written.envDir, written.environment)
  if (cache.installedTree && adopted) {
    // The tree's check proved every package of this lock installed and the view in place.
    core.info('The installed tree holds every package of the cached spack.lock: nothing to concretize or install')
    return { built: [], extracted: [] }
  }
  if (adopted) core.info('Using the cached spack.lock made from this spack.yaml: nothing to concretize')
  else await concretize(runner, written.envDir)
  if (build.request.offline) await checkSources(runner, written.envDir, build.work.scratch)
  return install(runner, written.envDir, build.request.jobs, only)
}

/** What installing the environment in `envDir` would run, when `when` holds. */
function planInstall(build: Build, envDir: string, when: readonly Condition[], only?: Only): Step[] {
  const noLock: Condition = { id: 'no-cached-lock', text: 'no cached spack.lock was made from this spack.yaml' }
  const script = sourceCheckScript(build.work.scratch)
  // A whole installed tree (a Slurm build with the cache on) leaves nothing to check or install.
  const tree = build.request.cache.enabled && build.request.stage === 'slurm'
  const installWhen = [...when, ...(tree ? [TREE_NOT_RESTORED] : [])]
  return [
    { spack: concretizeArgs(envDir), when: [...when, ...(keepsSpackState(build.request) ? [noLock] : [])] },
    ...(build.request.offline
      ? [
          { writes: script, when: installWhen },
          { spack: environmentPythonArgs(envDir, script), when: installWhen }
        ]
      : []),
    { spack: installArgs(envDir, build.request.jobs, only), when: installWhen }
  ]
}

export const buildCompiler: Phase<In, 'compiler', { readonly report?: InstallReport }> = {
  key: 'compiler',
  title: build => `Build gcc@${build.gccVersion}`,
  plan: build => planInstall(build, build.work.layout.compilerEnvDir, [gccMissing(build)]),
  skip: ({ environment }) => (environment.compiler ? undefined : {}),
  run: async input => ({ report: await installEnvironment(input.environment.compiler as WrittenEnvironment, input) })
}

/** A failed build's debug artifact: spack.yaml, spack.lock and the failing package's logs. A failure here only warns. */
async function uploadDebug(error: InstallError, build: Build, envDir: string): Promise<void> {
  const { request } = build
  try {
    await uploadDebugFiles(
      debugName(build),
      debugFiles(error.failure, envDir),
      build.work.scratch,
      request.artifact.retentionDays
    )
  } catch (uploadError) {
    core.warning(
      `The debug artifact could not be uploaded: ${uploadError instanceof Error ? uploadError.message : String(uploadError)}`
    )
  }
}

/** The debug artifact's name: the tarball's with `-debug` (a dependencies job's: with `-dependencies-debug`). */
function debugName(build: Build): string {
  const name = artifactName(build.request, build.request.slurmVersion, build.gccVersion)
  return build.request.stage === 'dependencies' ? `${name}-dependencies-debug` : `${name}-debug`
}

/** Installs the build's environment; a failed install uploads the debug artifact (when uploads are on). */
async function installWithDebug(input: In, only?: Only): Promise<InstallReport> {
  try {
    return await installEnvironment(input.environment, input, only)
  } catch (error) {
    if (error instanceof InstallError && input.build.request.artifact.upload)
      await uploadDebug(error, input.build, input.environment.envDir)
    throw error
  }
}

function planDebug(build: Build): Step[] {
  return build.request.artifact.upload
    ? [
        {
          note: `upload ${debugName(build)} (spack.yaml, spack.lock, the failing package's logs)`,
          when: [{ id: 'install-failed', text: 'the install fails' }]
        }
      ]
    : []
}

export const installSlurm: Phase<In, 'install', InstallReport> = {
  key: 'install',
  title: () => 'Install Slurm',
  plan: build => [...planInstall(build, build.work.layout.envDir, []), ...planDebug(build)],
  run: input => installWithDebug(input)
}

/** A dependencies job's install: every dependency of the roots, not the roots (Slurm) themselves. */
export const installDependencies: Phase<In, 'install', InstallReport> = {
  key: 'install',
  title: () => "Install Slurm's dependencies",
  plan: build => [...planInstall(build, build.work.layout.dependenciesEnvDir, [], 'dependencies'), ...planDebug(build)],
  run: input => installWithDebug(input, 'dependencies')
}
