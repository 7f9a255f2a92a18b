/**
 * Shallow clones of a tag, branch or commit, checked against the commit they must resolve to.
 * Every git call goes through `runProgram` with an argument array and an allow-listed environment; network failures
 * are retried, a wrong commit, a missing ref or a URL git refuses is not.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
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

/**
 * What git gets of the runner's environment beyond the common allow-list (src/child-env.ts): its own variables
 * (GIT_SSH_COMMAND, GIT_CONFIG_COUNT/KEY_n/VALUE_n with which a workflow hands git credentials for a private
 * spack-repo, TLS settings) and an ssh agent. Git writes none of them anywhere; Spack never gets them.
 */
function gitEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(process.env))
    if (value !== undefined && (name.startsWith('GIT_') || name === 'SSH_AUTH_SOCK')) env[name] = value
  // No prompt may wait for credentials on a runner.
  return { ...env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '', SSH_ASKPASS: '' }
}

/** Every git command line starts so: a detached checkout is what is wanted, not something to advise about. */
export const GIT_OPTIONS: readonly string[] = ['-c', 'advice.detachedHead=false']

/** git's output of a command run in `cwd` (a clone), as it printed it. */
export async function gitOutput(args: readonly string[], cwd: string): Promise<string> {
  const result = await runProgram('git', args, { silent: true, env: gitEnv(), cwd })
  return result.stdout
}

async function git(args: readonly string[], cwd?: string): Promise<string> {
  const result = await runProgram('git', [...GIT_OPTIONS, ...args], {
    silent: true,
    env: gitEnv(),
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
    env: gitEnv()
  })
  const commit = result.stdout.trim()
  return result.exitCode === 0 && COMMIT.test(commit) ? commit : undefined
}

function missingRef(error: unknown): boolean {
  return error instanceof CommandError && /not found in upstream origin|couldn't find remote ref/i.test(error.message)
}

/**
 * git's answers that no retry changes: a URL git refuses (a host or path starting with "-"), a protocol it does not
 * speak, a repository that is not there, credentials refused or missing, an unknown host key. A network error, a
 * server error (5xx) or a timeout is retried.
 */
const NOT_RETRIED =
  /strange (hostname|pathname) .* blocked|protocol .* is not supported|transport .* not allowed|unable to find remote helper|repository .* not found|does not appear to be a git repository|could not read (username|password)|authentication failed|permission denied \(|host key verification failed|requested URL returned error: (40[0-79]|41\d|42[0-8]|4[3-9]\d)|URL using bad\/illegal format/i

/** The line of git's message that says why it refused, when no retry can help. */
export function refusal(error: unknown): string | undefined {
  if (!(error instanceof CommandError)) return undefined
  return error.tail
    .split('\n')
    .find(line => NOT_RETRIED.test(line))
    ?.trim()
}

/** The clone of a tag or branch: shallow, that ref only, checked out afterwards (see `checkOutAsCommitted`). */
export function cloneArgs(url: string, ref: string, dest: string): string[] {
  return ['clone', '--depth', '1', '--branch', ref, '--single-branch', '--no-checkout', '--', url, dest]
}

/**
 * Checks out `ref` with every file exactly as committed: no end-of-line conversion (Spack's .gitattributes gives
 * `*.bat` CRLF on checkout), no filter, no keyword expansion. A copy's files then hash to the commit's own tree,
 * which is how a provisioned copy is verified later (src/spack/tool-cache.ts).
 */
async function checkOutAsCommitted(dest: string, ref: string): Promise<void> {
  mkdirSync(path.join(dest, '.git', 'info'), { recursive: true })
  writeFileSync(path.join(dest, '.git', 'info', 'attributes'), '* -text -eol -filter -ident -working-tree-encoding\n')
  await git(['checkout', '--quiet', '--detach', ref], dest)
}

/** One attempt: `git clone --depth 1 --branch <ref>`, or a fetch of the commit when `ref` is a commit id. */
async function cloneOnce(request: CloneRequest): Promise<string> {
  rmSync(request.dest, { recursive: true, force: true })
  mkdirSync(path.dirname(request.dest), { recursive: true })
  const { url, ref, dest } = request
  try {
    if (!COMMIT.test(ref)) {
      await git(cloneArgs(url, ref, dest))
      await checkOutAsCommitted(dest, 'HEAD')
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
        allowFailure: true,
        env: gitEnv()
      })
      if (found.exitCode !== 0)
        throw new FatalError(`${request.repository} at ${url}: commit ${ref} does not exist there`)
      await checkOutAsCommitted(dest, ref)
    }
  } catch (error) {
    if (missingRef(error)) {
      throw new FatalError(`${request.repository} at ${url}: there is no tag or branch ${ref}`, { cause: error })
    }
    const refused = refusal(error)
    if (refused) throw new FatalError(`${request.repository} at ${url}: git refused it: ${refused}`, { cause: error })
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
