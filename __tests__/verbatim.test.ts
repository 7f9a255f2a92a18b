/** User text in the log: shown verbatim, workflow commands in it paused; long values cut with their length. */
import { describe, expect, test } from '@jest/globals'
import { logVerbatim, shortened } from '../src/verbatim.js'
import { captureWorkflowLog } from './helpers/workflow-log.js'

describe('logVerbatim', () => {
  test('the text sits between ::stop-commands::<token> and ::<token>::, a fresh token each time, URL credentials masked', () => {
    const log = captureWorkflowLog()
    logVerbatim('packages:\n  ::warning::planted\n  url: https://u:p@h/x')
    logVerbatim('again')
    log.restore()
    const [first, , , , end, second] = log.lines
    const token = /^::stop-commands::(slurm-factory-[0-9a-f]{32})$/.exec(first ?? '')?.[1]
    expect(token).toBeDefined()
    expect(log.lines.slice(1, 5)).toEqual([
      'packages:',
      '  ::warning::planted',
      '  url: https://u:***@h/x',
      `::${token}::`
    ])
    expect(end).toBe(`::${token}::`)
    expect(second).toMatch(/^::stop-commands::slurm-factory-[0-9a-f]{32}$/)
    expect(second).not.toBe(first)
  })
})

describe('shortened', () => {
  test('a long text is cut, its length stated; a short one is left whole', () => {
    expect(shortened('abc', 5)).toBe('abc')
    expect(shortened('x'.repeat(12), 5)).toBe('xxxxx... (12 characters)')
  })
})
