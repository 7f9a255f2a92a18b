/** The Spack command lines, as argument arrays (the same arrays plan mode shows), and how people are shown them. */
import { describe, expect, test } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import {
  concretizeArgs,
  displayCommand,
  installArgs,
  locationArgs,
  pushArgs,
  repoAddArgs
} from '../../src/spack/commands.js'

describe('command lines', () => {
  test('every value is one argument: a path with spaces stays one', () => {
    expect(repoAddArgs('/my repo', 'user')).toEqual(['repo', 'add', '--scope', 'user', '/my repo'])
    expect(concretizeArgs('/e')).toEqual(['-e', '/e', 'concretize'])
    expect(installArgs('/e', 8)).toEqual(['-e', '/e', 'install', '--jobs', '8', '--fail-fast'])
    expect(pushArgs('/e', 'm', true)).toEqual(['-e', '/e', 'buildcache', 'push', '--update-index', '--unsigned', 'm'])
    expect(pushArgs('/e', 'm', false)).not.toContain('--unsigned')
    expect(locationArgs('/e', 'abc')).toEqual(['-e', '/e', 'location', '--install-dir', '/abc'])
  })

  test('displayCommand quotes what the shell would split or expand, and the shell reads it back as the arrays', () => {
    const args = ['-e', '/tmp/my env', 'python', '-c', "print('x'); $HOME", 'plain@1.0+x']
    const shown = displayCommand('/bin/echo', args)
    expect(shown).toBe(`/bin/echo -e '/tmp/my env' python -c 'print('\\''x'\\''); $HOME' plain@1.0+x`)
    const echoed = spawnSync('bash', ['-c', `printf '%s\\n' ${shown.slice('/bin/echo '.length)}`], { encoding: 'utf8' })
    expect(echoed.stdout.trimEnd().split('\n')).toEqual(args)
  })
})
