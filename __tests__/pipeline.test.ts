/**
 * The pipeline mechanism: phases run in order on the results so far, each in its log group and timed; a phase with
 * nothing to do gives its result without either; outputs are set from results; a failure leaves the results so far;
 * plan mode walks the same list.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Build } from '../src/build.js'
import { Pipeline, Progress, type Phase } from '../src/pipeline.js'
import { fileCommands } from './helpers/action-run.js'
import { captureWorkflowLog, type WorkflowLog } from './helpers/workflow-log.js'
import { applyEnv } from './services/index.js'

const build = { gccVersion: '13.3.0' } as Build
type Start = { readonly build: Build }

const first: Phase<Start, 'first', { readonly n: number }> = {
  key: 'first',
  title: b => `First for gcc@${b.gccVersion}`,
  plan: () => [{ spack: ['first'] }],
  run: async () => ({ n: 1 }),
  outputs: value => ({ 'first-n': String(value.n), unset: undefined })
}
const skipped: Phase<Start & { readonly first: { n: number } }, 'second', { readonly n: number }> = {
  key: 'second',
  title: () => 'Second',
  plan: () => [],
  skip: ({ first: f }) => (f.n === 1 ? { n: 0 } : undefined),
  run: async () => ({ n: 2 })
}
const quiet: Phase<Start & { readonly second: { n: number } }, 'third', { readonly sum: number }> = {
  key: 'third',
  title: () => 'Third',
  grouped: false,
  plan: () => [{ note: 'third', when: [{ id: 'c', text: 'it is Tuesday' }] }],
  run: async input => ({ sum: input.second.n + 10 })
}

let log: WorkflowLog
let output: string
let restoreEnv: () => void
beforeEach(() => {
  output = path.join(mkdtempSync(path.join(tmpdir(), 'pipeline-')), 'output')
  writeFileSync(output, '')
  restoreEnv = applyEnv({ GITHUB_OUTPUT: output })
  log = captureWorkflowLog()
})
afterEach(() => {
  log.restore()
  restoreEnv()
})

describe('Pipeline', () => {
  test('runs each phase on the results before it; skipped and ungrouped phases get no group and no time', async () => {
    const progress = new Progress<Start>({ build })
    const results = await Pipeline.start().then(first).then(skipped).then(quiet).run(progress)
    expect(results).toEqual({ build, first: { n: 1 }, second: { n: 0 }, third: { sum: 10 } })
    expect(log.lines.filter(line => line.startsWith('::group::'))).toEqual(['::group::First for gcc@13.3.0'])
    expect(progress.times.map(time => [time.name, time.ok])).toEqual([['First for gcc@13.3.0', true]])
    expect(fileCommands(output)).toEqual({ 'first-n': '1' })
  })

  test('a phase that throws: the error goes up, the results so far and the failed time stay', async () => {
    const failing: Phase<Start & { readonly first: { n: number } }, 'boom', object> = {
      key: 'boom',
      title: () => 'Boom',
      plan: () => [],
      run: async () => {
        throw new Error('boom')
      }
    }
    const progress = new Progress<Start>({ build })
    await expect(Pipeline.start().then(first).then(failing).then(skipped).run(progress)).rejects.toThrow('boom')
    expect(progress.results).toEqual({ build, first: { n: 1 } })
    expect(progress.times.map(time => [time.name, time.ok])).toEqual([
      ['First for gcc@13.3.0', true],
      ['Boom', false]
    ])
  })

  test('plan mode walks the same phases and leaves out those that would do nothing', () => {
    expect(Pipeline.start().then(first).then(skipped).then(quiet).plan(build)).toEqual([
      { title: 'First for gcc@13.3.0', steps: [{ spack: ['first'] }] },
      { title: 'Third', steps: [{ note: 'third', when: [{ id: 'c', text: 'it is Tuesday' }] }] }
    ])
  })
})
