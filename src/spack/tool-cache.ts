/**
 * Verified copies of Spack and of its builtin packages in the runner's tool cache. A copy is used only when its files
 * still are the commit its tag is pinned to: hashed as git hashes them and compared with the tree of that commit,
 * whose commit object was recorded at the clone (src/spack/tree-hash.ts), so a file changed, added or removed in the
 * tool cache after it was cached (a self-hosted runner keeps it between jobs) is caught before anything runs. Python
 * byte code is kept out of the copy (PYTHONPYCACHEPREFIX, src/spack/provision.ts) and out of the comparison. A copy
 * that does not verify is cloned again (shallowly, checked against the pin, and cached for the next job, or kept under
 * RUNNER_TEMP when the runner has no tool cache); offline, it fails naming the tree.
 */
import * as core from '@actions/core'
import * as tc from '@actions/tool-cache'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { FatalError, type RetryOptions } from '../retry.js'
import { workDirs } from '../work.js'
import { cloneVerified, gitOutput } from './git.js'
import { differences, parseListing, treeIds, treeOfCommit } from './tree-hash.js'

/** Tool-cache names; prefixed so that no other action's `spack` entry is taken for ours. */
export const SPACK_TOOL = 'slurm-factory-spack'
export const PACKAGES_TOOL = 'slurm-factory-spack-packages'

/** Written into every verified copy; a cached copy without it, or with another commit, is not used. */
export const PROVENANCE_FILE = '.slurm-factory-provenance.json'
/** The copy's listing at the clone (`git ls-tree -r -t`): names what differs when a copy does not verify. */
export const LISTING_FILE = '.slurm-factory-listing.txt'

interface Provenance {
  readonly repository: string
  readonly url: string
  readonly tag: string
  readonly commit: string
  /** The commit object (`git cat-file commit`): it hashes to `commit` and names the tree the copy must be. */
  readonly commitObject?: string
}

/**
 * What the comparison leaves out: the action's own records, and byte code Python wrote beside sources after the clone
 * (a `__pycache__` directory the commit does not hold; Python never reads one, PYTHONPYCACHEPREFIX sends it elsewhere).
 */
function notPartOfTheCommit(listing: ReadonlyMap<string, string>): (relative: string, isDirectory: boolean) => boolean {
  return (relative, isDirectory) => {
    if (relative === PROVENANCE_FILE || relative === LISTING_FILE) return true
    return isDirectory && path.basename(relative) === '__pycache__' && !listing.has(relative)
  }
}

/** Why the copy in `dir` is not the commit `commit`, or undefined when it is (its files are that commit's tree). */
export function verifyCopy(dir: string, commit: string): string | undefined {
  const provenance = readProvenance(dir)
  if (!provenance) return 'has no record of the commit it was cloned at'
  if (provenance.commit !== commit) return `is at ${provenance.commit ?? 'an unrecorded commit'}, not ${commit}`
  if (!provenance.commitObject) return 'was cached without the commit object its files are checked against'
  const tree = treeOfCommit(commit, provenance.commitObject)
  if (!tree) return `holds a commit object that is not ${commit}`
  const listing = existsSync(path.join(dir, LISTING_FILE))
    ? parseListing(readFileSync(path.join(dir, LISTING_FILE), 'utf8'))
    : new Map<string, string>()
  const ignore = notPartOfTheCommit(listing)
  if (treeIds(dir, { ignore }).get('') === tree) return undefined
  const changed = differences(dir, listing, { ignore })
  return `does not match commit ${commit}, its files were changed after it was cached${changed.length ? ` (${changed.join(', ')})` : ''}`
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

/** The tool cache's copy of `request` when it verifies; otherwise why it was refused (undefined when there is none). */
function cachedCopy(request: TreeRequest, version: string): { path: string } | { refused?: string } {
  if (!process.env.RUNNER_TOOL_CACHE) {
    core.warning('RUNNER_TOOL_CACHE is not set: the copy is kept in RUNNER_TEMP for this job only')
    return {}
  }
  const cached = tc.find(request.tool, version)
  if (!cached) return {}
  const problem = verifyCopy(cached, request.commit)
  if (!problem) {
    core.info(
      `${request.repository} ${request.tag} (${request.commit}) found in the tool cache and verified: ${cached}`
    )
    return { path: cached }
  }
  const refused = `${request.repository} ${request.tag} in the runner's tool cache (${cached}) ${problem}`
  if (!request.offline) core.warning(`${refused}; fetching it again`)
  return { refused }
}

/** Records in a verified clone what later jobs check it against, then drops its git directory. */
async function recordClone(staging: string, request: TreeRequest, commit: string): Promise<void> {
  const provenance: Provenance = {
    repository: request.repository,
    url: request.url,
    tag: request.tag,
    commit,
    commitObject: await gitOutput(['cat-file', 'commit', 'HEAD'], staging)
  }
  writeFileSync(
    path.join(staging, LISTING_FILE),
    await gitOutput(['ls-tree', '-r', '-t', '--full-tree', 'HEAD'], staging)
  )
  rmSync(path.join(staging, '.git'), { recursive: true, force: true })
  writeFileSync(path.join(staging, PROVENANCE_FILE), `${JSON.stringify(provenance, null, 2)}\n`)
  const unverifiable = verifyCopy(staging, commit)
  if (unverifiable)
    core.warning(
      `${request.repository} ${request.tag} as cloned ${unverifiable}: this file system does not keep what git recorded (modes, links), so the copy is cloned again by every job`
    )
}

/** A verified copy of `tag`: the tool cache's when its files are that commit's, else a fresh clone that is then cached. */
export async function provisionTree(request: TreeRequest): Promise<{ path: string; fromToolCache: boolean }> {
  const version = toolVersion(request.tag)
  const useToolCache = Boolean(process.env.RUNNER_TOOL_CACHE)
  const cached = cachedCopy(request, version)
  if ('path' in cached) return { path: cached.path, fromToolCache: true }
  if (request.offline) {
    throw new FatalError(
      cached.refused
        ? `offline: ${cached.refused}, and it can't be cloned again without network; remove it from the tool cache and run the action once with network on this runner, or give an existing Spack with spack-root`
        : `offline: ${request.repository} ${request.tag} is not in the runner's tool cache and can't be cloned without network; ` +
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
  await recordClone(staging, request, commit)
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
