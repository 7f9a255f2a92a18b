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
  const gccVersion = await resolveGccVersion(request.compiler)
  const temp = runnerTemp(env)
  return { request, gccVersion, runnerTemp: temp, work: workDirs(temp) }
}

/** The local mirror and the kept locks: what the build cache saves and restores. */
export function cachePaths(build: Build): CachePaths {
  return { mirror: build.work.layout.localMirror, state: build.work.cacheState }
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
  return [...request.buildcache.mirrors, request.buildcache.push ?? ''].some(url => url.startsWith('oci://'))
}

/**
 * The runner for the main step's Spack commands that reach the mirrors: with the OCI credentials, which spack.yaml
 * names by variable. The post step and the checks get none.
 */
export function withCredentials(runner: SpackRunner, request: BuildRequest): SpackRunner {
  const { ociUsername, ociPassword } = request.buildcache
  if (!usesOci(request) || !ociUsername || !ociPassword) return runner
  return createSpackRunner(runner.executable, {
    ...runner.env,
    [OCI_USERNAME_VAR]: ociUsername,
    [OCI_PASSWORD_VAR]: ociPassword
  })
}
