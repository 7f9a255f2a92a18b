/**
 * Build the requested GCC when the runner lacks it, then install Slurm (or, for a dependencies job, Slurm's
 * dependencies): each environment concretized (unless the cached lock was made from its very spack.yaml), its sources
 * checked when offline, and installed; nothing at all when the installed tree of this very build was restored whole.
 */
import * as core from '@actions/core'
import { cachePaths, keepsSpackState, withCredentials, type Build } from '../build.js'
import { adoptCachedLock } from '../cache/build-cache.js'
import type { CacheHit } from '../cache/keys.js'
import { OUTPUTS } from '../contract.js'
import { artifactName } from '../artifact/artifact.js'
import { uploadDebugFiles } from '../artifact/upload.js'
import type { Condition, Phase, Step } from '../pipeline.js'
import { cacheHitAfterInstall, countByMirror, type InstallCacheHit } from '../spack/binary-sources.js'
import { concretizeArgs, environmentPythonArgs, installArgs, type Only } from '../spack/commands.js'
import { LOCAL_MIRROR, namedMirrors } from '../spack/environment.js'
import { debugFiles, redactStagedEnvironments } from '../spack/build-stage.js'
import { concretize, install, InstallError, type InstallReport } from '../spack/install.js'
import { checkSources, sourceCheckScript } from '../spack/offline.js'
import type { PreparedEnvironment, WrittenEnvironment } from '../spack/prepare.js'
import type { ProvisionedSpack } from '../spack/provision.js'
import { saveBuilt, type BuiltFromSource } from '../state.js'
import { TREE_NOT_RESTORED, type BuildCacheResult } from './build-cache.js'
import { gccMissing } from './environment.js'

type In = {
  readonly build: Build
  readonly spack: ProvisionedSpack
  readonly environment: PreparedEnvironment
  readonly cache: BuildCacheResult
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

/**
 * Concretizes (unless the cached lock was made from this spack.yaml), checks offline sources, installs (only the
 * roots' dependencies, for a dependencies job). A whole installed tree leaves nothing to do but to adopt its lock.
 */
async function installEnvironment(
  written: WrittenEnvironment,
  { build, spack, cache }: In,
  earlier: BuiltFromSource,
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
  try {
    const report = await install(
      runner,
      written.envDir,
      build.request.jobs,
      only,
      namedMirrors(build.request, build.work.layout)
    )
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
    await uploadDebugFiles(
      debugName(build),
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

/** The debug artifact's name: the tarball's with `-debug` (a dependencies job's: with `-dependencies-debug`). */
function debugName(build: Build): string {
  const name = artifactName(build.request, build.request.slurmVersion, build.gccVersion)
  return build.request.stage === 'dependencies' ? `${name}-dependencies-debug` : `${name}-debug`
}

function planDebug(build: Build): Step[] {
  return build.request.artifact.upload
    ? [
        {
          note: `upload ${debugName(build)} (spack.yaml, spack.lock, the failing package's logs and config.log, its build environment redacted)`,
          when: [{ id: 'install-failed', text: 'the install fails' }]
        }
      ]
    : []
}

type SlurmIn = In & { readonly compiler: { readonly report?: InstallReport } }

/**
 * What was installed, and how much really came from build caches: `exact` only when nothing was built, `remote` when
 * nothing was built and remote build caches served what the Actions cache did not.
 */
export type SlurmInstall = InstallReport & {
  readonly cacheHit: InstallCacheHit
  /** How many packages each build cache served, by its name in spack.yaml. */
  readonly servedBy: Readonly<Record<string, number>>
}

/**
 * The `cache-hit` output once everything is installed. An exact hit after which Spack still built something (an
 * archive in the restored mirror was damaged, so Spack quietly built the package again) is not exact: it says
 * `partial`, and the post step saves afresh. Without an Actions cache hit, what remote mirrors served is told apart
 * from nothing (src/spack/binary-sources.ts).
 */
export function cacheHitAfter(restored: CacheHit, reports: readonly InstallReport[]): InstallCacheHit {
  const built = reports.reduce((sum, report) => sum + report.built.length, 0)
  if (restored === 'exact') return built > 0 ? 'partial' : 'exact'
  const sources = reports.flatMap(report => report.sources ?? [])
  return cacheHitAfterInstall({ restored, built, sources, localMirror: LOCAL_MIRROR })
}

/**
 * Installs the build's environment, after the `before` installs of the job (the compiler's), and says how much came
 * from build caches; a failed install uploads the debug artifact when uploads are on.
 */
async function installAndReport(
  input: In,
  before: readonly { readonly envDir: string; readonly report: InstallReport }[],
  only?: Only
): Promise<SlurmInstall> {
  const earlier: BuiltFromSource = Object.fromEntries(before.map(({ envDir, report }) => [envDir, builtHashes(report)]))
  try {
    const report = await installEnvironment(input.environment, input, earlier, only)
    const reports = [...before.map(done => done.report), report]
    const cacheHit = cacheHitAfter(input.cache.hit, reports)
    if (input.cache.hit === 'exact' && cacheHit !== 'exact') {
      const rebuilt = reports.flatMap(r => r.built.map(pkg => pkg.name)).join(', ')
      core.info(
        `Spack built ${rebuilt} from source although the build cache was restored whole: cache-hit is ${cacheHit}, and the post step saves a fresh build cache`
      )
    }
    if (cacheHit === 'remote') core.info('Nothing was built: remote build caches served what the Actions cache did not')
    return { ...report, cacheHit, servedBy: countByMirror(reports.flatMap(r => r.sources ?? [])) }
  } catch (error) {
    if (error instanceof InstallError && input.build.request.artifact.upload)
      await uploadDebug(error, input.build, input.environment.envDir)
    throw error
  }
}

export const installSlurm: Phase<SlurmIn, 'install', SlurmInstall> = {
  key: 'install',
  title: () => 'Install Slurm',
  plan: build => [...planInstall(build, build.work.layout.envDir, []), ...planDebug(build)],
  run: input => {
    const report = input.compiler.report
    const compiler = input.environment.compiler
    return installAndReport(input, report && compiler ? [{ envDir: compiler.envDir, report }] : [])
  },
  outputs: installed => ({ [OUTPUTS.cacheHit]: installed.cacheHit })
}

/** A dependencies job's install: every dependency of the roots, not the roots (Slurm) themselves. */
export const installDependencies: Phase<In, 'install', SlurmInstall> = {
  key: 'install',
  title: () => "Install Slurm's dependencies",
  plan: build => [...planInstall(build, build.work.layout.dependenciesEnvDir, [], 'dependencies'), ...planDebug(build)],
  run: input => installAndReport(input, [], 'dependencies'),
  outputs: installed => ({ [OUTPUTS.cacheHit]: installed.cacheHit })
}
