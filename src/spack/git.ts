/**
 * Shallow clones of a tag, branch or commit, checked against the commit they must resolve to.
 * Every git call goes through `runProgram` with an argument array; network failures are retried,
 * a wrong commit or a missing ref is not.
 */
import { mkdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import { FatalError, type RetryOptions, withRetry } from '../retry.js'
import { CommandError, runProgram } from './runner.js'

/** A tag resolved to another commit than the one it is pinned to. */
export class CommitMismatchError extends FatalError {
  constructor(
    readonly repository: string,
    readonly url: string,
    readonly ref: string,
    readonly expected: string,
    readonly actual: string
  ) {
    super(
      `${repository} at ${url}: ${ref} resolves to commit ${actual}, but it is pinned to ${expected}; ` +
        'refusing to use it (the tag was moved or the source is not the expected repository)'
    )
    this.name = 'CommitMismatchError'
  }
}

export interface CloneRequest {
  /** What is cloned, for messages ("Spack", "Spack builtin packages"). */
  readonly repository: string
  readonly url: string
  /** A tag, a branch or a full 40-hex-digit commit id. */
  readonly ref: string
  /** The directory to create; it is removed first if it exists. */
  readonly dest: string
  /** The commit `ref` must resolve to; checked when given. */
  readonly expectedCommit?: string
  readonly retry?: RetryOptions
}

const COMMIT = /^[0-9a-f]{40}$/

/** No prompt may wait for credentials on a runner. */
const GIT_ENV = { GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '', SSH_ASKPASS: '' }

/** Every git command line starts so: a detached checkout is what is wanted, not something to advise about. */
export const GIT_OPTIONS: readonly string[] = ['-c', 'advice.detachedHead=false']

async function git(args: readonly string[], cwd?: string): Promise<string> {
  const result = await runProgram('git', [...GIT_OPTIONS, ...args], {
    silent: true,
    env: GIT_ENV,
    ...(cwd ? { cwd } : {})
  })
  return result.stdout.trim()
}

/** The commit checked out in `dir`, or undefined when it is not a git work tree. */
export async function headCommit(dir: string): Promise<string | undefined> {
  const result = await runProgram('git', ['rev-parse', '--verify', 'HEAD^{commit}'], {
    cwd: dir,
    silent: true,
    allowFailure: true,
    env: GIT_ENV
  })
  const commit = result.stdout.trim()
  return result.exitCode === 0 && COMMIT.test(commit) ? commit : undefined
}

function missingRef(error: unknown): boolean {
  return error instanceof CommandError && /not found in upstream origin|couldn't find remote ref/i.test(error.message)
}

/** The clone of a tag or branch: shallow, that ref only. */
export function cloneArgs(url: string, ref: string, dest: string): string[] {
  return ['clone', '--depth', '1', '--branch', ref, '--single-branch', '--', url, dest]
}

/** One attempt: `git clone --depth 1 --branch <ref>`, or a fetch of the commit when `ref` is a commit id. */
async function cloneOnce(request: CloneRequest): Promise<string> {
  rmSync(request.dest, { recursive: true, force: true })
  mkdirSync(path.dirname(request.dest), { recursive: true })
  const { url, ref, dest } = request
  try {
    if (!COMMIT.test(ref)) {
      await git(cloneArgs(url, ref, dest))
    } else {
      mkdirSync(dest, { recursive: true })
      await git(['init', '--quiet'], dest)
      await git(['remote', 'add', 'origin', url], dest)
      try {
        await git(['fetch', '--depth', '1', 'origin', ref], dest)
      } catch {
        // Servers that refuse to serve an unadvertised commit: fetch everything and look for it.
        await git(['fetch', '--tags', 'origin', '+refs/heads/*:refs/remotes/origin/*'], dest)
      }
      const found = await runProgram('git', ['cat-file', '-e', `${ref}^{commit}`], {
        cwd: dest,
        silent: true,
        allowFailure: true
      })
      if (found.exitCode !== 0)
        throw new FatalError(`${request.repository} at ${url}: commit ${ref} does not exist there`)
      await git(['checkout', '--quiet', '--detach', ref], dest)
    }
  } catch (error) {
    if (missingRef(error)) {
      throw new FatalError(`${request.repository} at ${url}: there is no tag or branch ${ref}`, { cause: error })
    }
    throw error
  }
  const commit = await headCommit(dest)
  if (!commit) throw new Error(`${request.repository}: the clone of ${url} at ${ref} has no commit checked out`)
  return commit
}

/**
 * Clones `ref` of `url` into `dest` (shallowly where the server allows) with retries, checks the commit against
 * `expectedCommit`, and returns the commit checked out. A mismatch removes the clone and throws
 * `CommitMismatchError`.
 */
export async function cloneVerified(request: CloneRequest): Promise<string> {
  const commit = await withRetry(
    `Cloning ${request.repository} ${request.ref} from ${request.url}`,
    () => cloneOnce(request),
    request.retry
  )
  if (request.expectedCommit && commit !== request.expectedCommit) {
    rmSync(request.dest, { recursive: true, force: true })
    throw new CommitMismatchError(request.repository, request.url, request.ref, request.expectedCommit, commit)
  }
  return commit
}
