/**
 * The action's main step, as the list of its phases. Each phase is one call into its own module, taking the previous
 * phase's typed result.
 */
import * as core from '@actions/core'
import { adoptCachedLock, restoreBuildCache, type CachePaths } from './cache/build-cache.js'
import { cacheKeys } from './cache/keys.js'
import { repoIndexCacheOf, restoreRepoIndex } from './cache/repo-index.js'
import { resolveGccVersion } from './compiler.js'
import { hostArch, hostOs } from './host.js'
import { readInputs, type BuildRequest } from './inputs.js'
import { Phases } from './phases.js'
import { buildPlan, showPlan } from './plan.js'
import { savePostState } from './state.js'
import { writeRunSummary, type RunReport } from './summary.js'
import { artifactName, AuditError, buildArtifact } from './artifact/artifact.js'
import { uploadDebugFiles, uploadTarball } from './artifact/upload.js'
import { concretize, debugFiles, install, InstallError, type InstallReport } from './spack/install.js'
import { pushArgs } from './spack/commands.js'
import { OCI_PASSWORD_VAR, OCI_USERNAME_VAR, PUSH_MIRROR } from './spack/environment.js'
import { createSpackRunner, type SpackRunner } from './spack/runner.js'
import { importSigningKey, trustPublicKeys } from './cache/signing.js'
import { checkClingo, checkSources } from './spack/offline.js'
import { prepareEnvironment, type WrittenEnvironment } from './spack/prepare.js'
import { checkHostTarget } from './spack/target-check.js'
import { provisionSpack } from './spack/provision.js'
import { registerRepo } from './spack/repo.js'
import { readBuild } from './spack/result.js'
import { runnerTemp, workDirs } from './work.js'

export async function run(): Promise<void> {
  const phases = new Phases()
  let report: RunReport = { phases: phases.times }
  try {
    const request = readInputs()
    if (request.collect) return await collectCells(request.collect)
    const gccVersion = await resolveGccVersion(request.compiler)
    const temp = runnerTemp()
    const work = workDirs(temp)
    const plan = buildPlan(request, gccVersion, temp)
    if (request.dryRun) return await showPlan(plan)

    const { layout } = plan
    report = { ...report, spec: plan.spec, compiler: `gcc@${gccVersion}`, target: request.target }
    const spack = await phases.run('Provision Spack', () =>
      provisionSpack(request.spack, { runnerTemp: temp, offline: request.offline })
    )
    const index = repoIndexCacheOf(spack, request.cache.keyPrefix)
    const indexRestored = request.cache.enabled
      ? await phases.run("Restore Spack's package index", () => restoreRepoIndex(index))
      : false
    const repo = await phases.run('Register the package repository', () =>
      registerRepo(request.repo, spack.runner, { runnerTemp: temp })
    )
    const spackRunner = withCredentials(spack.runner, request)
    await phases.run('Check the runner', async () => {
      core.info((await checkHostTarget(spackRunner, request.target)).message)
      if (request.offline) core.info(`offline: Spack imports clingo ${await checkClingo(spackRunner)}`)
    })
    const env = await phases.run('Render the environment', () =>
      prepareEnvironment(spack.runner, request, gccVersion, repo, layout)
    )
    const keys = cacheKeys({
      prefix: request.cache.keyPrefix,
      os: hostOs(),
      arch: hostArch(),
      spackCommit: spack.commit ?? spack.version,
      builtinCommit: spack.builtin?.commit ?? 'site',
      repoHash: repo.contentHash,
      gccVersion,
      target: request.target,
      environment: [env.compiler?.environment ?? '', env.environment].join('\n')
    })
    const paths = { mirror: layout.localMirror, state: work.cacheState }
    const state = {
      cacheEnabled: request.cache.enabled,
      primaryKey: keys.primary,
      paths,
      environments: [...(env.compiler ? [env.compiler] : []), { envDir: env.envDir, environment: env.environment }],
      spack: { executable: spack.executable, env: spack.env },
      repoIndex: { cache: index, restored: indexRestored },
      complete: false
    }
    const restored = request.cache.enabled
      ? await phases.run('Restore the build cache', () => restoreBuildCache(keys, paths))
      : { hit: 'none' as const }
    savePostState({ ...state, ...(restored.restoredKey ? { restoredKey: restored.restoredKey } : {}) })
    core.setOutput('cache-hit', restored.hit)
    report = { ...report, cacheHit: restored.restoredKey ? `${restored.hit} (${restored.restoredKey})` : restored.hit }
    const scratch = work.scratch
    const steps: InstallSteps = {
      spack: spackRunner,
      paths,
      restored: restored.hit !== 'none',
      offline: request.offline,
      jobs: request.jobs,
      scratch
    }
    if (request.buildcache.trustedKeys) await trustPublicKeys(spackRunner, request.buildcache.trustedKeys, scratch)
    const compiler = env.compiler
    const compilerInstalled = compiler
      ? await phases.run(`Build gcc@${gccVersion}`, () => installEnvironment(compiler, steps))
      : undefined
    const installed = await phases.run('Install Slurm', () =>
      installEnvironment(env, steps).catch(async (error: unknown) => {
        if (error instanceof InstallError) {
          report = { ...report, ...installedNames(error.report, compilerInstalled) }
          if (request.artifact.upload) await uploadDebug(error, request, gccVersion, env.envDir, scratch)
        }
        throw error
      })
    )
    report = { ...report, ...installedNames(installed, compilerInstalled) }
    if (request.buildcache.push) {
      const push = request.buildcache.push
      await phases.run(`Push to ${push}`, async () => {
        if (request.buildcache.signingKey) await importSigningKey(spackRunner, request.buildcache.signingKey, scratch)
        await spackRunner.run(pushArgs(env.envDir, PUSH_MIRROR, request.buildcache.unsigned), {
          group: `spack buildcache push ${push}`
        })
      })
    }
    const build = await readBuild(spack.runner, env.envDir)
    core.setOutput('slurm-version', build.root.version)
    core.setOutput('spec-hash', build.root.hash)
    core.setOutput('prefix', build.prefix)
    savePostState({ ...state, ...(restored.restoredKey ? { restoredKey: restored.restoredKey } : {}), complete: true })

    report = { ...report, slurmVersion: build.root.version }
    const artifact = await phases.run('Package the artifact', () =>
      buildArtifact({
        request,
        build,
        gccVersion,
        spack,
        repo,
        layout,
        outDir: work.artifact
      })
    )
    core.setOutput('artifact-name', artifact.name)
    core.setOutput('artifact-path', artifact.tarball.path)
    core.setOutput('artifact-sha256', artifact.tarball.sha256)
    report = {
      ...report,
      audit: artifact.audit,
      artifact: { name: artifact.name, size: artifact.tarball.size, sha256: artifact.tarball.sha256, uploaded: false }
    }
    if (request.artifact.upload) {
      const uploaded = await phases.run('Upload the artifact', () =>
        uploadTarball(artifact.name, artifact.tarball.path, request.artifact.retentionDays)
      )
      if (uploaded.id !== undefined) core.setOutput('artifact-id', String(uploaded.id))
      report = {
        ...report,
        artifact: { ...report.artifact!, uploaded: true, ...(uploaded.id !== undefined ? { id: uploaded.id } : {}) }
      }
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    if (error instanceof AuditError) report = { ...report, audit: error.report }
    report = { ...report, error: message }
    core.setFailed(message)
  } finally {
    if (report.phases.length > 0) await writeRunSummary(report)
  }
}

/** The runner with the OCI credentials that spack.yaml names by variable; only the main step's commands get them. */
function withCredentials(runner: SpackRunner, request: BuildRequest): SpackRunner {
  const { ociUsername, ociPassword } = request.buildcache
  const usesOci = [...request.buildcache.mirrors, request.buildcache.push ?? ''].some(url => url.startsWith('oci://'))
  if (!usesOci || !ociUsername || !ociPassword) return runner
  return createSpackRunner(runner.executable, {
    ...runner.env,
    [OCI_USERNAME_VAR]: ociUsername,
    [OCI_PASSWORD_VAR]: ociPassword
  })
}

/** A failed build's debug artifact: spack.yaml, spack.lock and the failing package's logs. A failure here only warns. */
async function uploadDebug(
  error: InstallError,
  request: BuildRequest,
  gccVersion: string,
  envDir: string,
  scratch: string
): Promise<void> {
  try {
    const name = `${artifactName(request, request.slurmVersion, gccVersion)}-debug`
    await uploadDebugFiles(name, debugFiles(error.failure, envDir), scratch, request.artifact.retentionDays)
  } catch (uploadError) {
    core.warning(
      `The debug artifact could not be uploaded: ${uploadError instanceof Error ? uploadError.message : String(uploadError)}`
    )
  }
}

function installedNames(installed: InstallReport, before?: InstallReport): Pick<RunReport, 'built' | 'extracted'> {
  const all = [...(before ? [before] : []), installed]
  return {
    built: all.flatMap(r => r.built.map(pkg => pkg.name)),
    extracted: all.flatMap(r => r.extracted.map(pkg => pkg.name))
  }
}

interface InstallSteps {
  readonly spack: SpackRunner
  readonly paths: CachePaths
  /** A build cache was restored: its locks may be reused. */
  readonly restored: boolean
  readonly offline: boolean
  readonly jobs: number
  readonly scratch: string
}

/** Concretizes (unless the cached lock was made from this spack.yaml), checks offline sources, installs. */
async function installEnvironment(written: WrittenEnvironment, steps: InstallSteps): Promise<InstallReport> {
  if (steps.restored && adoptCachedLock(steps.paths, written.envDir, written.environment)) {
    core.info('Using the cached spack.lock made from this spack.yaml: nothing to concretize')
  } else {
    await concretize(steps.spack, written.envDir)
  }
  if (steps.offline) await checkSources(steps.spack, written.envDir, steps.scratch)
  return install(steps.spack, written.envDir, steps.jobs)
}

/** Collect mode: one summary table of a matrix's cells, from their downloaded records, into the job summary. */
async function collectCells(dir: string): Promise<void> {
  const { runCollectCli } = await import('./collect.js')
  const summary = process.env.GITHUB_STEP_SUMMARY
  const code = await runCollectCli(['summary', dir, ...(summary ? ['--markdown', summary] : [])])
  if (code !== 0) core.setFailed(`collect: the summary of ${dir} failed (exit code ${code})`)
}
