/**
 * Build the requested GCC when the runner lacks it, then install Slurm: each environment concretized (unless the
 * cached lock was made from its very spack.yaml), its sources checked when offline, and installed.
 */
import * as core from '@actions/core'
import { cachePaths, withCredentials, type Build } from '../build.js'
import { adoptCachedLock, type RestoreResult } from '../cache/build-cache.js'
import type { CacheHit } from '../cache/keys.js'
import { OUTPUTS } from '../contract.js'
import { artifactName } from '../artifact/artifact.js'
import { uploadDebugFiles } from '../artifact/upload.js'
import type { Condition, Phase, Step } from '../pipeline.js'
import { concretizeArgs, environmentPythonArgs, installArgs } from '../spack/commands.js'
import { debugFiles, redactStagedEnvironments } from '../spack/build-stage.js'
import { concretize, install, InstallError, type InstallReport } from '../spack/install.js'
import { checkSources, sourceCheckScript } from '../spack/offline.js'
import type { PreparedEnvironment, WrittenEnvironment } from '../spack/prepare.js'
import type { ProvisionedSpack } from '../spack/provision.js'
import { saveBuilt, type BuiltFromSource } from '../state.js'
import { gccMissing } from './environment.js'

type In = {
  readonly build: Build
  readonly spack: ProvisionedSpack
  readonly environment: PreparedEnvironment
  readonly cache: RestoreResult
}

/** The hashes of what an install built from source. */
function builtHashes(report: InstallReport): string[] {
  return report.built.map(pkg => pkg.hash).filter(Boolean)
}

/**
 * Records, for the post step, what the install of `envDir` built from source (also when it failed part way), with
 * what `earlier` environments of the job built.
 */
function recordBuilt(earlier: BuiltFromSource, envDir: string, report: InstallReport): void {
  saveBuilt({ ...earlier, [envDir]: builtHashes(report) })
}

/** Concretizes (unless the cached lock was made from this spack.yaml), checks offline sources, installs. */
async function installEnvironment(
  written: WrittenEnvironment,
  { build, spack, cache }: In,
  earlier: BuiltFromSource
): Promise<InstallReport> {
  const runner = withCredentials(spack.runner, build.request)
  if (cache.hit !== 'none' && adoptCachedLock(cachePaths(build), written.envDir, written.environment)) {
    core.info('Using the cached spack.lock made from this spack.yaml: nothing to concretize')
  } else {
    await concretize(runner, written.envDir)
  }
  if (build.request.offline) await checkSources(runner, written.envDir, build.work.scratch)
  try {
    const report = await install(runner, written.envDir, build.request.jobs)
    recordBuilt(earlier, written.envDir, report)
    return report
  } catch (error) {
    if (error instanceof InstallError) recordBuilt(earlier, written.envDir, error.report)
    throw error
  } finally {
    // A failed build's stage stays on the runner for debugging; its environment file must not keep credentials.
    redactStagedEnvironments(build.work.layout.buildStage)
  }
}

/** What installing the environment in `envDir` would run, when `when` holds. */
function planInstall(build: Build, envDir: string, when: readonly Condition[]): Step[] {
  const noLock: Condition = { id: 'no-cached-lock', text: 'no cached spack.lock was made from this spack.yaml' }
  const script = sourceCheckScript(build.work.scratch)
  return [
    { spack: concretizeArgs(envDir), when: [...when, ...(build.request.cache.enabled ? [noLock] : [])] },
    ...(build.request.offline
      ? [
          { writes: script, when },
          { spack: environmentPythonArgs(envDir, script), when }
        ]
      : []),
    { spack: installArgs(envDir, build.request.jobs), when }
  ]
}

export const buildCompiler: Phase<In, 'compiler', { readonly report?: InstallReport }> = {
  key: 'compiler',
  title: build => `Build gcc@${build.gccVersion}`,
  plan: build => planInstall(build, build.work.layout.compilerEnvDir, [gccMissing(build)]),
  skip: ({ environment }) => (environment.compiler ? undefined : {}),
  run: async input => ({
    report: await installEnvironment(input.environment.compiler as WrittenEnvironment, input, {})
  })
}

/**
 * A failed build's debug artifact: spack.yaml, spack.lock and the failing package's log, build environment, configure
 * arguments and config.log, every file redacted (src/artifact/upload.ts). A failure here only warns.
 */
async function uploadDebug(error: InstallError, build: Build, envDir: string): Promise<void> {
  const { request } = build
  try {
    const name = `${artifactName(request, request.slurmVersion, build.gccVersion)}-debug`
    await uploadDebugFiles(
      name,
      debugFiles(error.failure.buildLog, envDir),
      build.work.scratch,
      request.artifact.retentionDays
    )
  } catch (uploadError) {
    core.warning(
      `The debug artifact could not be uploaded: ${uploadError instanceof Error ? uploadError.message : String(uploadError)}`
    )
  }
}

type SlurmIn = In & { readonly compiler: { readonly report?: InstallReport } }

/** What was installed, and how much really came from the build cache: `exact` only when nothing was built. */
export type SlurmInstall = InstallReport & { readonly cacheHit: CacheHit }

/**
 * An exact hit after which Spack still built something (an archive in the restored mirror was damaged, so Spack
 * quietly built the package again) is not exact: the output says `partial`, and the post step saves afresh.
 */
export function cacheHitAfter(restored: CacheHit, reports: readonly InstallReport[]): CacheHit {
  return restored === 'exact' && reports.some(report => report.built.length > 0) ? 'partial' : restored
}

export const installSlurm: Phase<SlurmIn, 'install', SlurmInstall> = {
  key: 'install',
  title: () => 'Install Slurm',
  plan: build => [
    ...planInstall(build, build.work.layout.envDir, []),
    ...(build.request.artifact.upload
      ? [
          {
            note: `upload ${artifactName(build.request, build.request.slurmVersion, build.gccVersion)}-debug (spack.yaml, spack.lock, the failing package's logs and config.log, its build environment redacted)`,
            when: [{ id: 'install-failed', text: 'the install fails' }]
          }
        ]
      : [])
  ],
  run: async input => {
    const compiler = input.compiler.report
    const earlier: BuiltFromSource =
      compiler && input.environment.compiler ? { [input.environment.compiler.envDir]: builtHashes(compiler) } : {}
    try {
      const report = await installEnvironment(input.environment, input, earlier)
      const cacheHit = cacheHitAfter(input.cache.hit, [...(compiler ? [compiler] : []), report])
      if (cacheHit !== input.cache.hit)
        core.info(
          `Spack built ${[...(compiler?.built ?? []), ...report.built].map(pkg => pkg.name).join(', ')} from source although the build cache was restored whole: cache-hit is ${cacheHit}, and the post step saves a fresh build cache`
        )
      return { ...report, cacheHit }
    } catch (error) {
      if (error instanceof InstallError && input.build.request.artifact.upload)
        await uploadDebug(error, input.build, input.environment.envDir)
      throw error
    }
  },
  outputs: installed => ({ [OUTPUTS.cacheHit]: installed.cacheHit })
}
