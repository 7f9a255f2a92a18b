/**
 * The repository holds sources only: nothing generated is committed but dist/ (which CI compares with a fresh bundle),
 * and what Python or a real Spack run writes beside the recipes is ignored, so a run leaves the checkout clean.
 */
import { describe, expect, test } from '@jest/globals'
import { spawnSync } from 'node:child_process'

function git(args: readonly string[]): { status: number | null; stdout: string } {
  const result = spawnSync('git', [...args], { encoding: 'utf8' })
  return { status: result.status, stdout: result.stdout ?? '' }
}

const inCheckout = git(['rev-parse', '--is-inside-work-tree']).stdout.trim() === 'true'

/** Paths that only a build, a test run or an interpreter makes. */
function generatedFiles(paths: readonly string[]): string[] {
  return paths.filter(
    file =>
      !file.startsWith('dist/') &&
      (/(^|\/)__pycache__\//.test(file) ||
        /\.py[co]$/.test(file) ||
        /^(build|coverage|node_modules)\//.test(file) ||
        /\.tsbuildinfo$/.test(file))
  )
}

describe('the repository', () => {
  test('recognises generated files (the check can fail)', () => {
    expect(
      generatedFiles([
        'spack-repo/spack_repo/slurm_factory/packages/slurm/__pycache__/package.cpython-311.pyc',
        'spack-repo/spack_repo/slurm_factory/packages/slurm/package.py',
        'dist/index.js',
        'coverage/lcov.info',
        'src/main.ts'
      ])
    ).toEqual([
      'spack-repo/spack_repo/slurm_factory/packages/slurm/__pycache__/package.cpython-311.pyc',
      'coverage/lcov.info'
    ])
  })

  const tracked = inCheckout ? test : test.skip
  tracked('commits nothing generated but dist/', () => {
    const files = git(['ls-files', '-z']).stdout.split('\0').filter(Boolean)
    expect(files.length).toBeGreaterThan(50)
    expect(generatedFiles(files)).toEqual([])
  })

  tracked('ignores the bytecode Python writes beside the recipes', () => {
    const bytecode = [
      'spack-repo/spack_repo/slurm_factory/packages/slurm/__pycache__/package.cpython-311.pyc',
      'spack-repo/spack_repo/slurm_factory/packages/slurm/stray.pyc'
    ]
    const result = git(['check-ignore', '--no-index', ...bytecode])
    expect(result.stdout.trim().split('\n')).toEqual(bytecode)
  })
})
