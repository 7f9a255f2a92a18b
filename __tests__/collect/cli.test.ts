/** The collector's command line: the table, the Markdown, the checks' exit codes, the matrix. */
import { describe, expect, test } from '@jest/globals'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { runCollectCli } from '../../src/collect/cli.js'
import { capture, cellDir, useCellsDir, quiet, record, stagedPrefix } from '../helpers/cells.js'
import { AUDIT } from '../helpers/tree-fixtures.js'

const base = useCellsDir()

describe('the command line', () => {
  test('prints the table, appends the Markdown to --markdown, exits 1 on a failed check and says why', async () => {
    const root = path.join(base, 'cli')
    cellDir(root, 'bad', record({}), await stagedPrefix(base, 'cli-bad', AUDIT))
    const summary = path.join(base, 'step-summary.md')
    writeFileSync(summary, '# earlier step\n')
    const { io, out, err } = capture()
    expect(await runCollectCli([root, '--markdown', summary], io)).toBe(0)
    expect(out.join('')).toMatch(/^cell\s+result\s+Slurm/)
    expect(await runCollectCli([root, '--markdown', summary, '--require-audit'], io)).toBe(1)
    const text = readFileSync(summary, 'utf8')
    expect(text.startsWith('# earlier step\n## Slurm build matrix')).toBe(true)
    expect(text.match(/## Slurm build matrix/g)).toHaveLength(2)
    expect(text).toContain('**Checks failed:**\n\n- 24.11 gcc@13.3.0: the relocation audit failed')
    expect(err.join('')).toContain('1 check(s) failed')
  })

  test('usage errors exit 2', async () => {
    expect(await runCollectCli([], quiet)).toBe(2)
    expect(await runCollectCli(['a', 'b'], quiet)).toBe(2)
    expect(await runCollectCli(['a', '--nope'], quiet)).toBe(2)
    expect(await runCollectCli(['a', '--expect', 'many'], quiet)).toBe(2)
    expect(await runCollectCli(['matrix', '--compilers', 'gcc@13.3.0'], quiet)).toBe(2)
  })

  test('matrix writes matrix= and count= to --github-output; a bad value names the input and exits 2', async () => {
    const output = path.join(base, 'github-output')
    const { io, out } = capture()
    const args = ['matrix', '--slurm-versions=25.11', '--compilers=["gcc@13.3.0","7.5.0"]', `--github-output=${output}`]
    expect(await runCollectCli(args, io)).toBe(0)
    const json = out.join('').trim()
    expect(readFileSync(output, 'utf8')).toBe(`matrix=${json}\ncount=2\n`)
    const { io: io2, err } = capture()
    expect(await runCollectCli(['matrix', '--slurm-versions=25.11; id', '--compilers=gcc@13.3.0'], io2)).toBe(2)
    expect(err.join('')).toContain('slurm-versions: "25.11;" is not a Slurm version')
  })
})
