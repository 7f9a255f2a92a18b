/** Where the action's files go: every path under RUNNER_TEMP/slurm-factory, each use in its own directory. */
import { describe, expect, test } from '@jest/globals'
import { repoCheckout, runnerTemp, workDirs, workRoot } from '../src/work.js'
import { isWithin } from '../src/paths.js'

describe('the work directories', () => {
  test('all lie under RUNNER_TEMP/slurm-factory, none inside another', () => {
    const work = workDirs('/t')
    expect(work.root).toBe(workRoot('/t'))
    expect(work.root).toBe('/t/slurm-factory')
    const { layout, root, tools, ...dirs } = work
    const all = [...Object.values(dirs), ...Object.values(layout)]
    for (const dir of [...all, tools]) expect(isWithin(dir, root)).toBe(true)
    for (const a of all)
      for (const b of all) if (a !== b) expect(`${a} in ${b}: ${isWithin(a, b)}`).toBe(`${a} in ${b}: false`)
  })

  test('a git spack-repo gets one checkout per URL and ref', () => {
    const a = repoCheckout('/t', 'https://example.org/r.git', 'v1')
    expect(a).toMatch(/^\/t\/slurm-factory\/repo-source\/[0-9a-f]{16}$/)
    expect(repoCheckout('/t', 'https://example.org/r.git', 'v1')).toBe(a)
    expect(repoCheckout('/t', 'https://example.org/r.git', 'v2')).not.toBe(a)
  })

  test('RUNNER_TEMP is required, with a message that says where the action runs', () => {
    expect(runnerTemp({ RUNNER_TEMP: '/rt' })).toBe('/rt')
    expect(() => runnerTemp({})).toThrow('RUNNER_TEMP is not set: the action must run on a GitHub Actions runner')
  })
})
