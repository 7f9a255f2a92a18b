/**
 * The recipe against SchedMD's own git (runs when SLURM_GIT names a git directory of SchedMD/slurm, see
 * helpers/slurm-git.ts): every checksum of the recipe is remade from git and nothing is newer than the recipe; the
 * per-series lists of configure options beside the recipe are what spack-repo/configure-options makes from the
 * configure scripts of the recipe's releases; and check-releases --write, given the recipe without its newest
 * releases, writes back the project's own recipe, catalog, README and lists byte for byte.
 */
import { expect, jest, test } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { SLURM_RELEASES, SLURM_SERIES } from '../src/catalog.js'
import { describeWithSlurmGit } from './helpers/slurm-git.js'

const ROOT = process.cwd()
const RECIPE = path.join('spack-repo', 'spack_repo', 'slurm_factory', 'packages', 'slurm', 'package.py')
const OPTIONS = path.join('spack-repo', 'spack_repo', 'slurm_factory', 'packages', 'slurm', 'configure-options')

function run(script: string, args: string[]): { status: number | null; out: string } {
  const result = spawnSync('python3', [path.join(ROOT, 'spack-repo', script), ...args], {
    encoding: 'utf8',
    timeout: 300_000
  })
  return { status: result.status, out: `${result.stdout}${result.stderr}` }
}

describeWithSlurmGit('the recipe against SchedMD git', gitDir => {
  // git archive | gzip of a dozen releases: seconds each on a busy machine
  jest.setTimeout(600_000)

  test('check-releases remakes every checksum of the recipe and finds nothing newer', () => {
    const { status, out } = run('check-releases', [gitDir])
    for (const version of SLURM_RELEASES)
      expect(out).toMatch(new RegExp(`^ok   ${version.replace(/\./g, '\\.')} .* reproduced$`, 'm'))
    expect(out).not.toContain('FAIL')
    expect(out).toContain('every checksum reproduced; nothing newer than the recipe')
    expect(status).toBe(0)
  })

  test('check-releases --write puts back the newest release of each series exactly as the project has it', () => {
    const copy = mkdtempSync(path.join(tmpdir(), 'sfa-releases-'))
    const files = [
      RECIPE,
      path.join('src', 'catalog.ts'),
      'README.md',
      ...SLURM_SERIES.map(s => path.join(OPTIONS, `${s}.txt`))
    ]
    try {
      cpSync(path.join(ROOT, 'spack-repo'), path.join(copy, 'spack-repo'), { recursive: true })
      mkdirSync(path.join(copy, 'src'))
      cpSync(path.join(ROOT, 'src', 'catalog.ts'), path.join(copy, 'src', 'catalog.ts'))
      cpSync(path.join(ROOT, 'README.md'), path.join(copy, 'README.md'))
      const newest = SLURM_SERIES.map(s => SLURM_RELEASES.find(v => v.startsWith(`${s}.`)) as string)
      const dropped = newest.filter(v => SLURM_RELEASES.some(o => o !== v && o.startsWith(v.slice(0, 6))))
      expect(dropped.length).toBeGreaterThan(0)
      const recipe = readFileSync(path.join(copy, RECIPE), 'utf8')
      const trimmed = dropped.reduce(
        (text, v) => text.replace(new RegExp(`^ *version\\("${v.replace(/\./g, '\\.')}".*\\n`, 'm'), ''),
        recipe
      )
      expect(trimmed.split('\n').length).toBe(recipe.split('\n').length - dropped.length)
      writeFileSync(path.join(copy, RECIPE), trimmed)

      const found = run('check-releases', [gitDir, '--root', copy])
      for (const v of dropped) expect(found.out).toMatch(new RegExp(`^new  ${v.replace(/\./g, '\\.')} `, 'm'))
      expect(found.status).toBe(2)
      const written = run('check-releases', [gitDir, '--root', copy, '--write'])
      expect(written.status).toBe(0)
      for (const file of files) {
        expect([file, readFileSync(path.join(copy, file), 'utf8')]).toEqual([
          file,
          readFileSync(path.join(ROOT, file), 'utf8')
        ])
      }
    } finally {
      rmSync(copy, { recursive: true, force: true })
    }
  })

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
