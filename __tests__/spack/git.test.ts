/**
 * Clones with real git: what git refuses for good (a URL it blocks, a repository that is not there) fails at once,
 * without waiting out the retries meant for a network that fails for a moment.
 */
import { describe, expect, test } from '@jest/globals'
import path from 'node:path'
import { tempDir } from '../helpers/git-server.js'
import { cloneVerified, refusal } from '../../src/spack/git.js'
import { FatalError } from '../../src/retry.js'
import { CommandError } from '../../src/spack/runner.js'

/** Retry options whose waits are recorded, never slept. */
function recordingRetry(): {
  attempts: number
  initialDelayMs: number
  sleep: (ms: number) => Promise<void>
  waits: number[]
} {
  const waits: number[] = []
  return { attempts: 4, initialDelayMs: 2000, waits, sleep: async ms => void waits.push(ms) }
}

describe('cloneVerified', () => {
  test('a URL git blocks (a host that would be an ssh option) fails at once, naming why', async () => {
    const retry = recordingRetry()
    const clone = cloneVerified({
      repository: 'spack-repo',
      url: 'ssh://-oProxyCommand=touch${IFS}/tmp/pwned/repo.git',
      ref: 'v1',
      dest: path.join(tempDir('clone'), 'dest'),
      retry
    })
    await expect(clone).rejects.toThrow(FatalError)
    await expect(clone).rejects.toThrow(
      "spack-repo at ssh://-oProxyCommand=touch${IFS}/tmp/pwned/repo.git: git refused it: fatal: strange hostname '-oProxyCommand=touch${IFS}' blocked"
    )
    expect(retry.waits).toEqual([])
  })

  test('a repository that is not there fails at once; a server that cannot be reached is retried', async () => {
    const missing = recordingRetry()
    await expect(
      cloneVerified({
        repository: 'r',
        url: 'file:///nonexistent/repo.git',
        ref: 'v1',
        dest: path.join(tempDir('clone'), 'dest'),
        retry: missing
      })
    ).rejects.toThrow("git refused it: fatal: '/nonexistent/repo.git' does not appear to be a git repository")
    expect(missing.waits).toEqual([])

    const unreachable = recordingRetry()
    await expect(
      cloneVerified({
        repository: 'r',
        url: 'http://127.0.0.1:1/repo.git',
        ref: 'v1',
        dest: path.join(tempDir('clone'), 'dest'),
        retry: unreachable
      })
    ).rejects.toThrow('failed after 4 attempts')
    expect(unreachable.waits).toEqual([2000, 4000, 8000])
  })
})

describe('refusal', () => {
  const failed = (tail: string): CommandError => new CommandError('git', ['clone'], 128, tail)

  test.each([
    ["fatal: strange hostname '-oProxyCommand=x' blocked", true],
    ["fatal: could not read Username for 'https://github.com': terminal prompts disabled", true],
    ["remote: Repository not found.\nfatal: repository 'https://github.com/o/r.git/' not found", true],
    ["fatal: unable to access 'https://h/r.git/': The requested URL returned error: 403", true],
    ["fatal: unable to access 'https://h/r.git/': The requested URL returned error: 429", false],
    ["fatal: unable to access 'https://h/r.git/': The requested URL returned error: 502", false],
    ["fatal: unable to access 'https://h/r.git/': Could not resolve host: h", false],
    ['git@github.com: Permission denied (publickey).\nfatal: Could not read from remote repository.', true]
  ])('%s: not retried: %s', (tail, refused) => {
    expect(refusal(failed(tail)) !== undefined).toBe(refused)
  })
})
