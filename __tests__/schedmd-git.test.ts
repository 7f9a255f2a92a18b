/**
 * The recipe against SchedMD's own git (runs when SLURM_GIT names a git directory of SchedMD/slurm, see
 * helpers/slurm-git.ts): the per-series lists of configure options beside the recipe are what
 * spack-repo/configure-options makes from the configure scripts of the recipe's releases.
 */
import { expect, test } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { SLURM_SERIES } from '../src/catalog.js'
import { describeWithSlurmGit } from './helpers/slurm-git.js'

const ROOT = process.cwd()
const OPTIONS = path.join('spack-repo', 'spack_repo', 'slurm_factory', 'packages', 'slurm', 'configure-options')

function run(script: string, args: string[]): { status: number | null; out: string } {
  const result = spawnSync('python3', [path.join(ROOT, 'spack-repo', script), ...args], {
    encoding: 'utf8',
    timeout: 300_000
  })
  return { status: result.status, out: `${result.stdout}${result.stderr}` }
}

describeWithSlurmGit('the recipe against SchedMD git', gitDir => {
  test('the configure-options lists are what the releases configure scripts recognise', () => {
    const { status, out } = run('configure-options', [gitDir, '--check'])
    expect(out).toContain(`OK ${SLURM_SERIES.length} series: ${SLURM_SERIES.join(', ')}`)
    expect(status).toBe(0)
  })

  test('a list that drifted from configure is caught', () => {
    const copy = mkdtempSync(path.join(tmpdir(), 'sfa-options-'))
    try {
      cpSync(path.join(ROOT, 'spack-repo'), path.join(copy, 'spack-repo'), { recursive: true })
      appendFileSync(path.join(copy, OPTIONS, '24.11.txt'), '--with-ssl\n')
      const { status, out } = run('configure-options', [gitDir, '--check', '--root', copy])
      expect(out).toContain(`DIFFERS ${path.join(OPTIONS, '24.11.txt')}`)
      expect(status).toBe(1)
    } finally {
      rmSync(copy, { recursive: true, force: true })
    }
  })
})
