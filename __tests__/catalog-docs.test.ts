/**
 * The catalog (src/catalog.ts) is the one place that names Slurm's series and releases: the README's table of releases
 * (written by spack-repo/check-releases) is rendered from it, action.yml and the README's inputs table list exactly its
 * series, and every Slurm series or release named in action.yml, the README or docs/ is one the catalog has.
 */
import { describe, expect, test } from '@jest/globals'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import { DEFAULT_VARIANTS, SLURM_RELEASES, SLURM_SERIES } from '../src/catalog.js'

const ROOT = process.cwd()
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8')
const compare = (a: string, b: string): number => {
  const [pa, pb] = [a.split('.').map(Number), b.split('.').map(Number)]
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) if (pa[i] !== pb[i]) return (pa[i] ?? 0) - (pb[i] ?? 0)
  return 0
}

/** The table spack-repo/check-releases writes (spack-repo/tools/recipe.py, releases_table), from the catalog. */
function releasesTable(): string {
  const rows = ['| series | releases (newest first; the series builds the first) |', '| --- | --- |']
  for (const series of [...SLURM_SERIES].sort(compare).reverse()) {
    const mine = SLURM_RELEASES.filter(v => v.startsWith(`${series}.`))
    rows.push(`| ${series} | ${mine.length ? mine.join(', ') : '(none)'} |`)
  }
  return rows.join('\n') + '\n'
}

describe('the catalog', () => {
  test('lists releases newest first, each of a supported series', () => {
    expect([...SLURM_RELEASES].sort(compare).reverse()).toEqual([...SLURM_RELEASES])
    for (const release of SLURM_RELEASES) expect(SLURM_SERIES).toContain(release.split('.').slice(0, 2).join('.'))
    for (const series of SLURM_SERIES) expect(SLURM_RELEASES.some(r => r.startsWith(`${series}.`))).toBe(true)
  })

  test("the README's table of releases is the catalog's", () => {
    const block = /<!-- slurm-releases:begin[^>]*-->\n\n([\s\S]*?)\n<!-- slurm-releases:end -->/.exec(read('README.md'))
    expect(block?.[1]).toBe(releasesTable())
  })

  test('action.yml and the README name exactly the supported series for slurm-version', () => {
    const action = parse(read('action.yml')) as { inputs: Record<string, { description: string }> }
    const series = `(${SLURM_SERIES.join(', ')};`
    expect(action.inputs['slurm-version']?.description).toContain(series)
    expect(read('README.md')).toContain(`| \`slurm-version\` | \`25.11\` | Slurm to build, a release series ${series}`)
  })

  test("the variants input's default is the catalog's, in action.yml and the README", () => {
    const action = parse(read('action.yml')) as { inputs: Record<string, { default: string }> }
    expect(action.inputs.variants?.default).toBe(DEFAULT_VARIANTS)
    expect(read('README.md')).toContain(`| \`variants\` | \`${DEFAULT_VARIANTS}\` |`)
  })

  const documents = ['action.yml', 'README.md', ...readdirSync(path.join(ROOT, 'docs')).map(f => `docs/${f}`)]
  test.each(documents)('every Slurm series and release %s names is in the catalog', file => {
    const text = read(file)
    // Slurm's versions are YY.MM with MM 05 or 11: YY.05, YY.11 and their releases.
    for (const [found] of text.matchAll(/(?<![\w.])\d{2}\.(?:05|11)(?:\.\d+)?(?!\.?\d)/g)) {
      const known: readonly string[] = found.split('.').length === 2 ? SLURM_SERIES : SLURM_RELEASES
      expect([file, found, known.includes(found)]).toEqual([file, found, true])
    }
  })
})
