/**
 * Where the action keeps its files on the runner: everything under `RUNNER_TEMP/slurm-factory`, one directory per
 * use. The only place these paths are spelled; every phase, the post step, plan mode, e2e and the benches read them
 * from here.
 */
import { createHash } from 'node:crypto'
import path from 'node:path'

/** Where the Spack environment's files live on the runner. */
export interface EnvironmentLayout {
  /** The environment directory (holds spack.yaml and spack.lock). */
  readonly envDir: string
  /** The environment that builds the requested GCC when the runner doesn't have it. */
  readonly compilerEnvDir: string
  /** The environment of a dependencies job: Slurm's dependencies, for one or more Slurm versions. */
  readonly dependenciesEnvDir: string
  readonly installRoot: string
  readonly viewRoot: string
  readonly moduleRoot: string
  /** Directory of the local binary mirror kept in the Actions cache. */
  readonly localMirror: string
  readonly buildStage: string
  readonly sourceCache: string
}

export interface WorkDirs {
  /** `RUNNER_TEMP/slurm-factory`. */
  readonly root: string
  /** Short-lived files: check scripts, keys being imported, the debug artifact's copies. */
  readonly scratch: string
  /** The staged prefix and the tarball. */
  readonly artifact: string
  /** Spack's user state for this job: configuration, caches, GPG keyring, stages outside an environment. */
  readonly spackState: string
  /** The locks, and the spack.yaml each was made from, kept with the build cache between runs. */
  readonly cacheState: string
  /** The runner's compilers as Spack detected them, kept with Spack's package index between runs. */
  readonly detectedCompilers: string
  /** Where cache entries are restored to and saved from before they are moved into place (src/cache/staging.ts). */
  readonly cacheTransfer: string
  /** Clones of a git `spack-repo`, one directory per URL and ref (see `repoCheckout`). */
  readonly repoSources: string
  /** Fresh clones of Spack and its builtin packages before they go into the tool cache. */
  readonly staging: string
  /** Copies of Spack and its builtin packages kept for this job when the runner has no tool cache. */
  readonly tools: string
  readonly layout: EnvironmentLayout
}

/** The name of the action's directory under RUNNER_TEMP. */
export const WORK_DIR = 'slurm-factory'

export function workRoot(runnerTemp: string): string {
  return path.join(runnerTemp, WORK_DIR)
}

export function layoutUnder(root: string): EnvironmentLayout {
  return {
    envDir: path.join(root, 'environment'),
    compilerEnvDir: path.join(root, 'compiler-environment'),
    dependenciesEnvDir: path.join(root, 'dependencies-environment'),
    installRoot: path.join(root, 'opt'),
    viewRoot: path.join(root, 'view'),
    moduleRoot: path.join(root, 'modules'),
    localMirror: path.join(root, 'buildcache'),
    buildStage: path.join(root, 'stage'),
    sourceCache: path.join(root, 'source-cache')
  }
}

export function workDirs(runnerTemp: string): WorkDirs {
  const root = workRoot(runnerTemp)
  return {
    root,
    scratch: path.join(root, 'scratch'),
    artifact: path.join(root, 'artifact'),
    spackState: path.join(root, 'spack-state'),
    cacheState: path.join(root, 'cache-state'),
    detectedCompilers: path.join(root, 'compiler-detection', 'detected.json'),
    cacheTransfer: path.join(root, 'cache-transfer'),
    repoSources: path.join(root, 'repo-source'),
    staging: path.join(root, 'staging'),
    tools: root,
    layout: layoutUnder(root)
  }
}

/** Where a git package repository is checked out: one directory per URL and ref. */
export function repoCheckout(runnerTemp: string, url: string, ref: string): string {
  const key = createHash('sha256').update(`${url}@${ref}`).digest('hex').slice(0, 16)
  return path.join(workDirs(runnerTemp).repoSources, key)
}

/** RUNNER_TEMP, which every run needs: the action's files live below it. */
export function runnerTemp(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.RUNNER_TEMP
  if (!dir)
    throw new Error('RUNNER_TEMP is not set: the action must run on a GitHub Actions runner (or under `npm run local`)')
  return dir
}
