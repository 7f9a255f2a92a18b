/**
 * Verified copies of Spack and of its builtin packages in the runner's tool cache: a copy is used only when its
 * provenance file names the commit its tag is pinned to; otherwise the tag is cloned shallowly, checked against that
 * commit, and cached for the next job on the runner (or kept under RUNNER_TEMP when the runner has no tool cache).
 */
import * as core from '@actions/core'
import * as tc from '@actions/tool-cache'
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { FatalError, type RetryOptions } from '../retry.js'
import { workDirs } from '../work.js'
import { cloneVerified } from './git.js'

/** Tool-cache names; prefixed so that no other action's `spack` entry is taken for ours. */
export const SPACK_TOOL = 'slurm-factory-spack'
export const PACKAGES_TOOL = 'slurm-factory-spack-packages'

/** Written into every verified copy; a cached copy without it, or with another commit, is not used. */
export const PROVENANCE_FILE = '.slurm-factory-provenance.json'

interface Provenance {
  readonly repository: string
  readonly url: string
  readonly tag: string
  readonly commit: string
}

/** `v1.0.0` -> `1.0.0`, `v2025.07.0` -> `2025.7.0`: the form the tool cache can look up. */
export function toolVersion(tag: string): string {
  const match = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(tag)
  if (!match) throw new FatalError(`${JSON.stringify(tag)} is not a release tag of the form vX.Y.Z`)
  return match
    .slice(1, 4)
    .map(part => String(Number(part)))
    .join('.')
}

function readProvenance(dir: string): Provenance | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, PROVENANCE_FILE), 'utf8')) as Provenance
  } catch {
    return undefined
  }
}

export interface TreeRequest {
  readonly tool: string
  readonly repository: string
  readonly url: string
  readonly tag: string
  readonly commit: string
  readonly runnerTemp: string
  readonly retry?: RetryOptions
  readonly offline?: boolean
}

/** Where a fresh clone of `tag` goes before it is verified and cached. */
export function stagingDir(runnerTemp: string, tool: string, tag: string): string {
  return path.join(workDirs(runnerTemp).staging, `${tool}-${toolVersion(tag)}`)
}

/** A verified copy of `tag`: the tool cache's when it holds the same commit, else a fresh clone that is then cached. */
export async function provisionTree(request: TreeRequest): Promise<{ path: string; fromToolCache: boolean }> {
  const version = toolVersion(request.tag)
  const useToolCache = Boolean(process.env.RUNNER_TOOL_CACHE)
  if (useToolCache) {
    const cached = tc.find(request.tool, version)
    if (cached) {
      const provenance = readProvenance(cached)
      if (provenance?.commit === request.commit) {
        core.info(`${request.repository} ${request.tag} (${request.commit}) found in the tool cache: ${cached}`)
        return { path: cached, fromToolCache: true }
      }
      core.warning(
        `${request.repository} ${request.tag} in the tool cache (${cached}) is at ${provenance?.commit ?? 'an unrecorded commit'}, ` +
          `not ${request.commit}; fetching it again`
      )
    }
  } else {
    core.warning('RUNNER_TOOL_CACHE is not set: the copy is kept in RUNNER_TEMP for this job only')
  }
  if (request.offline) {
    throw new FatalError(
      `offline: ${request.repository} ${request.tag} is not in the runner's tool cache and can't be cloned without network; ` +
        'run the action once with network on this runner, or give an existing Spack with spack-root'
    )
  }
  const staging = stagingDir(request.runnerTemp, request.tool, request.tag)
  core.info(`Cloning ${request.repository} ${request.tag} from ${request.url}`)
  const commit = await cloneVerified({
    repository: request.repository,
    url: request.url,
    ref: request.tag,
    dest: staging,
    expectedCommit: request.commit,
    ...(request.retry ? { retry: request.retry } : {})
  })
  core.info(`${request.repository} ${request.tag} verified at commit ${commit}`)
  rmSync(path.join(staging, '.git'), { recursive: true, force: true })
  const provenance: Provenance = { repository: request.repository, url: request.url, tag: request.tag, commit }
  writeFileSync(path.join(staging, PROVENANCE_FILE), `${JSON.stringify(provenance, null, 2)}\n`)
  if (!useToolCache) {
    const kept = path.join(workDirs(request.runnerTemp).tools, request.tool, version)
    rmSync(kept, { recursive: true, force: true })
    mkdirSync(path.dirname(kept), { recursive: true })
    renameSync(staging, kept)
    return { path: kept, fromToolCache: false }
  }
  const cachedPath = await tc.cacheDir(staging, request.tool, version)
  rmSync(staging, { recursive: true, force: true })
  return { path: cachedPath, fromToolCache: false }
}
