/** The collector's command line: the table, the Markdown, the checks' exit codes, the matrix. */
import { describe, expect, test } from '@jest/globals'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { SLURM_SERIES } from '../../src/catalog.js'
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
    expect(await runCollectCli(['matrix', '--slurm-versions', '25.11'], quiet)).toBe(2)
  })

  test('matrix writes matrix=, count= and dependencies= to --github-output; a bad value names the option, exits 2', async () => {
    const output = path.join(base, 'github-output')
    const { io, out } = capture()
    const args = ['matrix', '--slurm-versions=25.11', '--compilers=["gcc@13.3.0","7.5.0"]', `--github-output=${output}`]
    expect(await runCollectCli(args, io)).toBe(0)
    const json = out.join('').trim()
    const dependencies = JSON.stringify({
      include: [
        { gcc: '13.3.0', runner: 'ubuntu-24.04', target: 'x86_64_v3', slurm: '25.11' },
        { gcc: '7.5.0', runner: 'ubuntu-22.04', target: 'x86_64_v3', slurm: '25.11' }
      ]
    })
    expect(readFileSync(output, 'utf8')).toBe(`matrix=${json}\ncount=2\ndependencies=${dependencies}\n`)
    const bad: Array<[string[], string]> = [
      [['--slurm-versions=25.11; id', '--compilers=gcc@13.3.0'], 'slurm-versions: "25.11;" is not a Slurm version'],
      [['--compilers=13.3.0', '--leave-out=all'], 'leave-out: "all" is not accepted (accepted: outermost'],
      [['--compilers=13.3.0', '--extra-cells=25.11/gcc@6.3.0'], 'extra-cells: "gcc@6.3.0" is outside the supported']
    ]
    for (const [options, message] of bad) {
      const { io: io2, err } = capture()
      expect(await runCollectCli(['matrix', ...options], io2)).toBe(2)
      expect(err.join('')).toContain(message)
    }
  })

  test('matrix without --slurm-versions plans every supported series; leave-out and extra cells apply', async () => {
    const { io, out } = capture()
    const args = ['matrix', '--compilers=7.5.0,15.2.0', '--leave-out=outermost', '--extra-cells=25.11/gcc@14.2.0']
    expect(await runCollectCli(args, io)).toBe(0)
    const cells = (JSON.parse(out.join('')) as { include: Array<{ slurm: string; gcc: string }> }).include
    const pairs = cells.map(cell => `${cell.slurm}/${cell.gcc}`)
    expect(pairs).toHaveLength(SLURM_SERIES.length * 2 - 2 + 1)
    expect(new Set(cells.map(cell => cell.slurm))).toEqual(new Set(SLURM_SERIES))
    expect(pairs).not.toContain(`${SLURM_SERIES[0]}/15.2.0`)
    expect(pairs).not.toContain(`${SLURM_SERIES[SLURM_SERIES.length - 1]}/7.5.0`)
    expect(pairs[pairs.length - 1]).toBe('25.11/14.2.0')
  })
})
