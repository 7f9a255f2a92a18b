/**
 * A build as the pipeline starts it: the request, the GCC it builds with and where its files go, all known before
 * anything runs (plan mode stops here), and the few facts every phase derives from them.
 */
import type { CachePaths } from './cache/build-cache.js'
import { resolveGccVersion } from './compiler.js'
import type { BuildRequest } from './inputs.js'
import type { Only } from './spack/commands.js'
import { OCI_PASSWORD_VAR, OCI_USERNAME_VAR } from './spack/environment.js'
import { createSpackRunner, type SpackRunner } from './spack/runner.js'
import { runnerTemp, workDirs, type WorkDirs } from './work.js'

export interface Build {
  readonly request: BuildRequest
  /** The GCC release the build uses: the request's, or the runner's own for `system`. */
  readonly gccVersion: string
  readonly runnerTemp: string
  readonly work: WorkDirs
}

export async function resolveBuild(request: BuildRequest, env: NodeJS.ProcessEnv = process.env): Promise<Build> {
  const temp = runnerTemp(env)
  if (!request.dryRun) checkArtifactService(request, env)
  const gccVersion = await resolveGccVersion(request.compiler)
  return { request, gccVersion, runnerTemp: temp, work: workDirs(temp) }
}

/** What the artifact client needs from the runner to upload: the job's runtime token and the results service. */
export const ARTIFACT_SERVICE_VARIABLES = ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_RESULTS_URL'] as const

/**
 * `upload: true` with no artifact service (a runner that is not GitHub Actions', `act`, a container step that dropped
 * the variables) fails before any work, not after the build: nothing could be uploaded.
 */
export function checkArtifactService(request: BuildRequest, env: NodeJS.ProcessEnv): void {
  if (!request.artifact.upload) return
  const missing = ARTIFACT_SERVICE_VARIABLES.filter(name => !env[name])
  if (missing.length === 0) return
  throw new Error(
    `upload: "true" needs the workflow's artifact service, but ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not set on this runner; ` +
      'set upload: false to build without uploading (the tarball stays at the artifact-path output)'
  )
}

/** The local mirror and the kept locks: what the build cache saves and restores. */
export function cachePaths(build: Build): CachePaths {
  return { mirror: build.work.layout.localMirror, state: build.work.cacheState, transfer: build.work.cacheTransfer }
}

/** The build's mirrors: those read, and the one pushed to. */
function mirrorsOf(request: BuildRequest): string[] {
  return [...request.buildcache.mirrors, ...(request.buildcache.push ? [request.buildcache.push] : [])]
}

/** The environment a build installs Slurm in, or a dependencies job Slurm's dependencies. */
export function environmentDir(build: Build): string {
  return build.request.stage === 'dependencies' ? build.work.layout.dependenciesEnvDir : build.work.layout.envDir
}

/** What of that environment is installed and pushed: all of it, or (a dependencies job) all but its roots. */
export function only(build: Build): Only {
  return build.request.stage === 'dependencies' ? 'dependencies' : undefined
}

/**
 * Whether Spack's package index, the runner's compilers and the kept locks go through the Actions cache: beside the
 * build cache, or on their own when remote build caches (`buildcache-mirrors`, `buildcache-push`) carry the binaries.
 */
export function keepsSpackState(request: BuildRequest): boolean {
  return request.cache.enabled || request.buildcache.mirrors.length > 0 || request.buildcache.push !== undefined
}

/** Whether any mirror of the build is an OCI registry, whose credentials spack.yaml names by variable. */
export function usesOci(request: BuildRequest): boolean {
  return mirrorsOf(request).some(url => url.startsWith('oci://'))
}

/** The AWS variables an s3:// mirror reads its credentials and region from (boto3's environment). */
export function awsEnv(request: BuildRequest, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (!mirrorsOf(request).some(url => url.startsWith('s3://'))) return {}
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(env)) if (name.startsWith('AWS_') && value) out[name] = value
  return out
}

/**
 * The runner for the main step's Spack commands that reach the mirrors: with the OCI credentials, which spack.yaml
 * names by variable, and an s3:// mirror's AWS variables. No other command gets them (src/child-env.ts): not the
 * checks, not the post step, which pushes to the local mirror only.
 */
export function withCredentials(runner: SpackRunner, request: BuildRequest): SpackRunner {
  const { ociUsername, ociPassword } = request.buildcache
  const oci: Record<string, string> =
    usesOci(request) && ociUsername && ociPassword
      ? { [OCI_USERNAME_VAR]: ociUsername, [OCI_PASSWORD_VAR]: ociPassword }
      : {}
  const credentials = { ...oci, ...awsEnv(request) }
  if (Object.keys(credentials).length === 0) return runner
  return createSpackRunner(runner.executable, { ...runner.env, ...credentials })
}
