/** The only place that spawns `spack`: argument arrays, the exit code checked, the output's tail in the error. */
import { describe, expect, test } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { CommandError, createSpackRunner, lastLines, runProgram } from '../../src/spack/runner.js'
import { captureWorkflowLog } from '../helpers/workflow-log.js'

const dir = mkdtempSync(path.join(tmpdir(), 'runner-'))
const script = (name: string, body: string): string => {
  const file = path.join(dir, name)
  writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 })
  return file
}

describe('the Spack runner', () => {
  test('arguments reach the program one by one, never through a shell; its environment is added', async () => {
    const spack = createSpackRunner(script('args', 'for a in "$@"; do echo "[$a]"; done; echo "root=$SPACK_ROOT"'), {
      SPACK_ROOT: '/s'
    })
    const result = await spack.run(['repo', 'add', '/a path; rm -rf /', '$HOME'], { silent: true })
    expect(result.stdout).toBe('[repo]\n[add]\n[/a path; rm -rf /]\n[$HOME]\nroot=/s\n')
  })

  test('a failure throws with the command and the last lines of stderr; allowFailure returns it', async () => {
    const fails = script('fails', 'echo out; for i in $(seq 1 40); do echo "line $i" >&2; done; exit 3')
    const spack = createSpackRunner(fails, {})
    const error = await spack.run(['install'], { silent: true }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(CommandError)
    expect((error as CommandError).exitCode).toBe(3)
    expect((error as CommandError).message).toMatch(/fails install failed with exit code 3:\nline 11\n/)
    expect((error as CommandError).tail.split('\n')).toHaveLength(30)
    expect((await spack.run(['install'], { silent: true, allowFailure: true })).exitCode).toBe(3)
  })

  test('a group wraps the output in a log group; listeners see every command', async () => {
    const log = captureWorkflowLog()
    const seen: string[] = []
    try {
      const spack = createSpackRunner(script('ok', 'echo hello'), {})
      spack.onCommand(result => seen.push(`${result.args.slice(1).join(' ')} -> ${result.exitCode}`))
      await spack.run(['x'], { group: 'Doing x' })
    } finally {
      log.restore()
    }
    expect(log.lines).toEqual(expect.arrayContaining(['::group::Doing x', 'hello', '::endgroup::']))
    expect(seen).toEqual(['x -> 0'])
  })

  test('with no stderr the error carries the output; lastLines keeps the tail', async () => {
    const error = await runProgram(script('quiet', 'echo only-stdout; exit 1'), [], { silent: true }).catch(e => e)
    expect((error as CommandError).tail).toBe('only-stdout')
    expect(lastLines('a\nb\nc\n\n', 2)).toBe('b\nc')
  })
})
