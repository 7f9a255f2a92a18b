/**
 * Suites that read SchedMD's own git run only when SLURM_GIT names a git directory of SchedMD/slurm (a bare clone
 * with the release tags is enough); otherwise they register one skipped test whose name says why.
 */
import { describe, test } from '@jest/globals'
import { spawnSync } from 'node:child_process'

function isSlurmGit(dir: string | undefined): dir is string {
  if (!dir) return false
  const result = spawnSync('git', [`--git-dir=${dir}`, 'rev-parse', '--verify', '--quiet', 'slurm-24-11-5-1^{tree}'], {
    encoding: 'utf8'
  })
  return result.status === 0
}

export const SLURM_GIT = isSlurmGit(process.env.SLURM_GIT) ? process.env.SLURM_GIT : undefined

export const SLURM_GIT_SKIP_REASON =
  'skipped: SLURM_GIT does not name a git directory of SchedMD/slurm with its release tags (e.g. SLURM_GIT=/path/to/slurm.git)'

/** `describe` when SchedMD's git is at hand; otherwise a single skipped test that says why. */
export function describeWithSlurmGit(name: string, body: (gitDir: string) => void): void {
  if (SLURM_GIT) {
    describe(name, () => body(SLURM_GIT as string))
  } else {
    describe(name, () => {
      test.skip(SLURM_GIT_SKIP_REASON, () => undefined)
    })
    process.stderr.write(`[SchedMD git] ${name}: ${SLURM_GIT_SKIP_REASON}\n`)
  }
}
