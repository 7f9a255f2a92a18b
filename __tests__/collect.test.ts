/**
 * The matrix collector, on manifests written the way the artifact phase writes them (writeManifestAndSums on a staged
 * prefix, packed by packArtifact) and on cell records written by the workflows' own "Record the cell" step.
 */
import { makeRunner } from './helpers/action-run.js'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parse } from 'yaml'
import { writeManifestAndSums, type AuditResult, type Manifest } from '../src/artifact/manifest.js'
import { packArtifact, type PackResult } from '../src/artifact/pack.js'
import {
  cacheLabel,
  cellState,
  checkCells,
  formatSize,
  gatherAssets,
  parseCellRecord,
  parseList,
  planMatrix,
  readCells,
  renderSummary,
  runCollectCli,
  runnerFor,
  type CellRecord
} from '../src/collect.js'
import { GCC_RELEASES, SLURM_RELEASES, SLURM_SERIES } from '../src/catalog.js'
import { InputError } from '../src/inputs.js'
import { AUDIT, BUILD, MACHINE, hasTool } from './helpers/tree-fixtures.js'
import { workRoot } from '../src/work.js'

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
/** How the runner runs a `run:` script with `shell: bash` (the default on Linux runners). */
const BASH = ['--noprofile', '--norc', '-eo', 'pipefail', '-c']
const PASSED: AuditResult = { ok: true, filesScanned: 3, problems: [] }

let base: string

beforeAll(() => {
  base = mkdtempSync(path.join(tmpdir(), 'collect-'))
})
afterAll(() => rmSync(base, { recursive: true, force: true }))

/** A staged prefix named `name` with a manifest and SHA256SUMS written by the artifact phase's own code. */
async function stagedPrefix(name: string, audit: AuditResult = PASSED, version = BUILD.slurm.version): Promise<string> {
  const prefix = path.join(base, 'staged', name)
  mkdirSync(path.join(prefix, 'bin'), { recursive: true })
  mkdirSync(path.join(prefix, 'lib'), { recursive: true })
  writeFileSync(path.join(prefix, 'bin', 'sinfo'), '#!/bin/sh\necho sinfo\n')
  writeFileSync(path.join(prefix, 'lib', 'libslurm.so.42'), Buffer.alloc(3000, 7))
  const build = { ...BUILD, slurm: { ...BUILD.slurm, version } }
  await writeManifestAndSums(prefix, { artifactName: name, build, machine: MACHINE, audit })
  return prefix
}

function record(fields: Partial<CellRecord>): string {
  return JSON.stringify({
    schema: 1,
    slurm: '24.11',
    compiler: 'gcc@13.3.0',
    target: 'x86_64_v3',
    runner: 'ubuntu-24.04',
    outcome: 'success',
    cacheHit: 'none',
    artifactName: '',
    tarball: '',
    sha256: '',
    size: null,
    jobTotal: null,
    ...fields
  })
}

/** A cell directory as actions/download-artifact lays it out: <dir>/cell-<name>/{cell.json,manifest.json}. */
function cellDir(root: string, name: string, cell: string | undefined, manifestFrom?: string): string {
  const dir = path.join(root, `cell-${name}`)
  mkdirSync(dir, { recursive: true })
  if (cell !== undefined) writeFileSync(path.join(dir, 'cell.json'), cell)
  if (manifestFrom) cpSync(path.join(manifestFrom, 'manifest.json'), path.join(dir, 'manifest.json'))
  return dir
}

const quiet = { out: (): void => undefined, err: (): void => undefined }

function capture(): { io: { out: (t: string) => void; err: (t: string) => void }; out: string[]; err: string[] } {
  const out: string[] = []
  const err: string[] = []
  return { io: { out: t => void out.push(t), err: t => void err.push(t) }, out, err }
}

describe('reading cells', () => {
  test('cell.json and the manifest written by writeManifestAndSums are read; order is Slurm then compiler', async () => {
    const root = path.join(base, 'read')
    const a = await stagedPrefix('slurm-25.11.6-gcc13.3.0-x86_64_v3', PASSED, '25.11.6')
    const b = await stagedPrefix('slurm-24.11.6-gcc9.5.0-x86_64_v3', PASSED, '24.11.6')
    cellDir(root, '25.11-gcc13.3.0', record({ slurm: '25.11', cacheHit: 'exact' }), a)
    cellDir(root, '24.11-gcc9.5.0', record({ slurm: '24.11', compiler: 'gcc@9.5.0', cacheHit: 'partial' }), b)
    cellDir(root, '24.11-gcc13.3.0', record({ outcome: 'failure', cacheHit: '' }))
    const cells = await readCells(root)
    expect(cells.map(c => c.dir)).toEqual(['cell-24.11-gcc9.5.0', 'cell-24.11-gcc13.3.0', 'cell-25.11-gcc13.3.0'])
    expect(cells.map(cellState)).toEqual(['built', 'failed', 'built'])
    const manifest = cells[2]?.manifest as Manifest
    expect(manifest.name).toBe('slurm-25.11.6-gcc13.3.0-x86_64_v3')
    expect(manifest.slurm.version).toBe('25.11.6')
    expect(manifest.audit.ok).toBe(true)
    expect(manifest.files.map(f => f.path)).toEqual(['bin/sinfo', 'lib/libslurm.so.42'])
  })

  test('a missing directory gives no cells; unreadable files are reported, not trusted', async () => {
    expect(await readCells(path.join(base, 'nowhere'))).toEqual([])
    const root = path.join(base, 'broken')
    cellDir(root, 'x', '{not json')
    cellDir(root, 'y', JSON.stringify({ schema: 9 }))
    const dir = cellDir(root, 'z', record({}))
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ hello: 'world' }))
    const cells = await readCells(root)
    expect(cells.map(c => c.errors)).toEqual([
      [expect.stringContaining('cell.json')],
      [expect.any(String)],
      [expect.any(String)]
    ])
    expect(cells[1]?.errors[0]).toContain('schema 9')
    expect(cells[2]?.errors[0]).toContain('is not a slurm-factory manifest')
    expect(cells.map(cellState)).toEqual(['unreadable', 'unreadable', 'succeeded without a tarball'])
    expect(checkCells(cells, {})).toHaveLength(3)
  })

  test('fields of the wrong type are read as empty', () => {
    const parsed = parseCellRecord(JSON.stringify({ schema: 1, slurm: ['x'], size: '123', jobTotal: -1 }))
    expect(parsed).toMatchObject({ slurm: '', size: 123, jobTotal: null, outcome: '' })
  })
})

describe('the summary', () => {
  test('one row per cell: result, versions, runner and glibc, cache, sizes, audit; totals below', async () => {
    const root = path.join(base, 'summary')
    const ok = await stagedPrefix('slurm-24.11.5-gcc13.3.0-x86_64_v3')
    const bad = await stagedPrefix('slurm-24.11.5-gcc11.4.0-x86_64_v3', AUDIT)
    cellDir(
      root,
      'ok',
      record({ cacheHit: 'exact', tarball: 'slurm-24.11.5-gcc13.3.0-x86_64_v3.tar.zst', size: 4_404_019, jobTotal: 4 }),
      ok
    )
    cellDir(
      root,
      'bad',
      record({ compiler: 'gcc@11.4.0', runner: 'ubuntu-22.04', outcome: 'success', jobTotal: 4 }),
      bad
    )
    cellDir(root, 'fail', record({ compiler: 'gcc@15.2.0', outcome: 'failure', cacheHit: 'partial', jobTotal: 4 }))
    const cells = await readCells(root)
    const md = renderSummary(cells, 'Build <matrix> | test')
    expect(md).toContain('## Build &lt;matrix&gt; \\| test')
    expect(md).toContain(
      '| 24.11 gcc@13.3.0 | ✅ built | 24.11.5 | gcc@13.3.0 | ubuntu-24.04, glibc 2.39 | from the cache | slurm-24.11.5-gcc13.3.0-x86_64_v3.tar.zst (4.2 MB) | 3 KB, 2 files | ok (3 files) |'
    )
    expect(md).toMatch(/\| 24\.11 gcc@11\.4\.0 \| ✅ built \|.*\| 2 problem\(s\): bin\/a \(needed-not-found\) \|/)
    expect(md).toMatch(
      /\| 24\.11 gcc@15\.2\.0 \| ❌ failed \| - \| gcc@15\.2\.0 \| ubuntu-24\.04 \| partly from the cache \|/
    )
    expect(md).toContain(
      '**2 of 4 cells built**; 1 entirely from the build cache, 0 partly, 1 from source; 1 not built; 1 left nothing to collect; 1 failed the relocation audit.'
    )
    expect(renderSummary([])).toContain('No cell left')
  })

  test('labels and sizes', () => {
    expect([cacheLabel('exact'), cacheLabel('partial'), cacheLabel('none'), cacheLabel('')]).toEqual([
      'from the cache',
      'partly from the cache',
      'from source',
      '-'
    ])
    expect([
      formatSize(12),
      formatSize(2048),
      formatSize(5 * 1024 * 1024),
      formatSize(3 * 1024 ** 3),
      formatSize(null)
    ]).toEqual(['12 B', '2 KB', '5.0 MB', '3.00 GB', '-'])
  })
})

describe('checks', () => {
  test('--require-audit fails on audit.ok false and on a missing manifest; --require-success on any cell not built', async () => {
    const root = path.join(base, 'checks')
    cellDir(root, 'ok', record({ jobTotal: 3 }), await stagedPrefix('ok-cell'))
    cellDir(root, 'bad', record({ compiler: 'gcc@11.4.0', jobTotal: 3 }), await stagedPrefix('bad-cell', AUDIT))
    const cells = await readCells(root)
    expect(checkCells(cells, {})).toEqual([])
    expect(checkCells(cells, { requireAudit: true })).toEqual([
      '24.11 gcc@11.4.0: the relocation audit failed (bin/a: needed-not-found, sbin/slurmd: rpath-outside-tree)'
    ])
    expect(checkCells(cells, { requireSuccess: true })).toEqual(['1 cell(s) of the matrix left nothing to collect'])
    expect(checkCells(cells, { expect: 2 })).toEqual([])
    expect(checkCells(cells, { expect: 3 })).toEqual(['expected 3 cell(s), found 2'])
    expect(checkCells([], { requireAudit: true })).toEqual(['no cells found'])
    const failed = [{ dir: 'f', record: parseCellRecord(record({ outcome: 'cancelled' })), errors: [] }]
    expect(checkCells(failed, { requireSuccess: true, requireAudit: true })).toEqual([
      '24.11 gcc@13.3.0: cancelled',
      '24.11 gcc@13.3.0: no manifest.json, so no relocation audit to check'
    ])
  })
})

const packTools = ['tar', 'zstd', 'sha256sum'].filter(tool => !hasTool(tool))
const describePacked = packTools.length === 0 ? describe : describe.skip

describePacked('tarballs packed by the artifact phase', () => {
  let packed: PackResult
  let prefix: string
  const name = 'slurm-24.11.5-gcc13.3.0-x86_64_v3'

  beforeAll(async () => {
    prefix = await stagedPrefix(name)
    packed = await packArtifact({ dir: prefix, outDir: path.join(base, 'packed'), compression: 'zstd' })
  })

  test('--assets copies verified tarballs with a SHA256SUMS that sha256sum -c accepts', async () => {
    const root = path.join(base, 'assets')
    cellDir(root, 'a', record({ tarball: packed.fileName, sha256: packed.sha256, size: packed.size }), prefix)
    mkdirSync(path.join(root, name), { recursive: true })
    cpSync(packed.path, path.join(root, name, packed.fileName))
    const out = path.join(base, 'release')
    const { io, out: printed } = capture()
    const code = await runCollectCli(
      ['summary', root, '--require-success', '--require-audit', '--expect', '1', '--assets', out],
      io
    )
    expect(code).toBe(0)
    expect(printed.join('')).toContain('Gathered 1 tarball(s) and SHA256SUMS')
    expect(readFileSync(path.join(out, 'SHA256SUMS'), 'utf8')).toBe(`${packed.sha256}  ${packed.fileName}\n`)
    expect(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' }).trim()).toBe(
      `${packed.fileName}: OK`
    )
  })

  test('a tarball whose sha256 differs from the recorded one, or that is missing, stops the gathering', async () => {
    const root = path.join(base, 'tampered')
    cellDir(root, 'a', record({ tarball: packed.fileName, sha256: 'f'.repeat(64) }), prefix)
    await expect(gatherAssets(await readCells(root), root, path.join(base, 'out1'))).rejects.toThrow(/not found/)
    cpSync(packed.path, path.join(root, packed.fileName))
    await expect(gatherAssets(await readCells(root), root, path.join(base, 'out2'))).rejects.toThrow(
      /differs from the f{64} its cell recorded/
    )
    const evil = path.join(base, 'evil')
    cellDir(evil, 'a', record({ tarball: '../../etc/passwd' }), prefix)
    await expect(gatherAssets(await readCells(evil), evil, path.join(base, 'out3'))).rejects.toThrow(
      /is not a tarball name/
    )
  })

  const shellTools = ['bash', 'jq'].filter(tool => !hasTool(tool))
  const testRecord = shellTools.length === 0 ? test : test.skip

  testRecord.each(['build-matrix.yml', 'release.yml'])(
    "%s's own 'Record the cell' script writes a cell.json and manifest.json the collector reads",
    async workflow => {
      const doc = parse(readFileSync(path.join(ROOT, '.github', 'workflows', workflow), 'utf8')) as any
      const step = doc.jobs.build.steps.find((s: any) => s.name === 'Record the cell')
      const temp = mkdtempSync(path.join(base, 'runner-'))
      const env = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        RUNNER_TEMP: temp,
        TARGET: 'x86_64_v3',
        SLURM: '24.11',
        GCC: '13.3.0',
        RUNNER_LABEL: 'ubuntu-24.04',
        OUTCOME: 'success',
        CACHE_HIT: 'partial',
        ARTIFACT_NAME: name,
        ARTIFACT_PATH: packed.path,
        ARTIFACT_SHA256: packed.sha256,
        JOB_TOTAL: '19'
      }
      for (const key of Object.keys(step.env)) expect(Object.keys(env)).toContain(key)
      const result = spawnSync('bash', BASH.concat(step.run), {
        env,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe']
      })
      expect(result.stderr).toBe('')
      expect(result.status).toBe(0)
      const cells = await readCells(temp)
      expect(cells).toHaveLength(1)
      const cell = cells[0]!
      expect(cell.errors).toEqual([])
      expect(cell.record).toEqual({
        schema: 1,
        slurm: '24.11',
        compiler: 'gcc@13.3.0',
        target: 'x86_64_v3',
        runner: 'ubuntu-24.04',
        outcome: 'success',
        cacheHit: 'partial',
        artifactName: name,
        tarball: packed.fileName,
        sha256: packed.sha256,
        size: packed.size,
        jobTotal: 19
      })
      expect(readFileSync(path.join(temp, 'cell', 'manifest.json'), 'utf8')).toBe(
        readFileSync(path.join(prefix, 'manifest.json'), 'utf8')
      )

      // A failed build: no tarball, no manifest, the outcome recorded.
      const failedTemp = mkdtempSync(path.join(base, 'runner-'))
      const failed = spawnSync('bash', BASH.concat(step.run), {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...env,
          RUNNER_TEMP: failedTemp,
          OUTCOME: 'failure',
          ARTIFACT_NAME: '',
          ARTIFACT_PATH: '',
          ARTIFACT_SHA256: ''
        },
        encoding: 'utf8'
      })
      expect(failed.status).toBe(0)
      expect(existsSync(path.join(failedTemp, 'cell', 'manifest.json'))).toBe(false)
      const [failedCell] = await readCells(failedTemp)
      expect(failedCell && cellState(failedCell)).toBe('failed')
      expect(failedCell?.record?.size).toBeNull()
    }
  )
})

describe('the command line', () => {
  test('prints the table, appends the Markdown to --markdown, exits 1 on a failed check and says why', async () => {
    const root = path.join(base, 'cli')
    cellDir(root, 'bad', record({}), await stagedPrefix('cli-bad', AUDIT))
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

describe('the release matrix', () => {
  test('lists: JSON arrays or comma/space separated, duplicates dropped', () => {
    expect(parseList('x', ' 24.11, 25.11 ,25.11 26.05')).toEqual(['24.11', '25.11', '26.05'])
    expect(parseList('x', '["24.11", " 25.11 "]')).toEqual(['24.11', '25.11'])
    expect(() => parseList('x', '[25.11]')).toThrow('x: "[25.11]" must be an array of strings (quote versions')
    expect(() => parseList('x', '[1,')).toThrow('is not a valid JSON array')
    expect(() => parseList('x', ' , ')).toThrow('x: is empty')
  })

  test('every value is checked as the action checks its inputs, under the release input name', () => {
    const bad: Array<[string, string, string, string]> = [
      ['25.10', 'gcc@13.3.0', 'x86_64_v3', 'slurm-versions: "25.10" is not a supported release series'],
      ['$(id)', 'gcc@13.3.0', 'x86_64_v3', 'slurm-versions: "$(id)" is not a Slurm version'],
      ['25.11', 'gcc@6.3.0', 'x86_64_v3', 'compilers: "gcc@6.3.0" is outside the supported range'],
      ['25.11', 'clang@18', 'x86_64_v3', 'compilers: "gcc@clang@18" is not of the form gcc@X.Y.Z'],
      ['25.11', 'system', 'x86_64_v3', 'compilers: "gcc@system" is not of the form'],
      ['25.11', 'gcc@13.3.0', 'pentium', 'target: "pentium" is not a CPU target']
    ]
    for (const [slurmVersions, compilers, target, message] of bad) {
      expect(() => planMatrix({ slurmVersions, compilers, target })).toThrow(InputError)
      expect(() => planMatrix({ slurmVersions, compilers, target })).toThrow(message)
    }
    const everything = { slurmVersions: [...SLURM_SERIES, ...SLURM_RELEASES].join(','), target: '' }
    expect(() => planMatrix({ ...everything, compilers: GCC_RELEASES.join(',') })).toThrow(
      'compilers: 420 cells is more than the 256 a matrix may have'
    )
  })

  test('runner images: found GCCs on the oldest image that has them, others by age; arm64 images for aarch64', () => {
    expect(runnerFor('9.5.0')).toEqual({ runner: 'ubuntu-22.04', found: true })
    expect(runnerFor('12.3.0')).toEqual({ runner: 'ubuntu-22.04', found: true })
    expect(runnerFor('14.2.0')).toEqual({ runner: 'ubuntu-24.04', found: true })
    expect(runnerFor('7.5.0')).toEqual({ runner: 'ubuntu-22.04', found: false })
    expect(runnerFor('11.5.0')).toEqual({ runner: 'ubuntu-22.04', found: false })
    expect(runnerFor('15.2.0')).toEqual({ runner: 'ubuntu-24.04', found: false })
    expect(runnerFor('13.3.0', 'neoverse_v1')).toEqual({ runner: 'ubuntu-24.04-arm', found: true })
    expect(runnerFor('13.3.0', 'zen4').runner).toBe('ubuntu-24.04')
  })

  test('the matrix is the product, in the order given', () => {
    expect(planMatrix({ slurmVersions: '24.11,26.05', compilers: 'gcc@11.4.0 15.2.0', target: 'x86_64_v2' })).toEqual({
      include: [
        { slurm: '24.11', gcc: '11.4.0', target: 'x86_64_v2', runner: 'ubuntu-22.04' },
        { slurm: '24.11', gcc: '15.2.0', target: 'x86_64_v2', runner: 'ubuntu-24.04' },
        { slurm: '26.05', gcc: '11.4.0', target: 'x86_64_v2', runner: 'ubuntu-22.04' },
        { slurm: '26.05', gcc: '15.2.0', target: 'x86_64_v2', runner: 'ubuntu-24.04' }
      ]
    })
  })
})

describe('collect mode of the bundled action', () => {
  test('`collect:` summarizes the downloaded cells into the job summary and builds nothing', async () => {
    const root = path.join(base, 'action-collect')
    const built = await stagedPrefix('slurm-25.11.6-gcc13.3.0-x86_64_v3', PASSED, '25.11.6')
    cellDir(root, '25.11-gcc13.3.0', record({ slurm: '25.11', cacheHit: 'exact' }), built)
    cellDir(root, '24.11-gcc13.3.0', record({ outcome: 'failure', cacheHit: '' }))
    const runner = makeRunner()
    const run = await runner.run('index', { collect: root })
    expect(run.stdout).not.toContain('::error')
    expect(run.status).toBe(0)
    const summary = readFileSync(path.join(runner.dir, 'summary.md'), 'utf8')
    expect(summary).toContain('slurm-25.11.6-gcc13.3.0-x86_64_v3')
    expect(summary).toMatch(/failed/)
    expect(existsSync(workRoot(runner.temp))).toBe(false)
  })

  test('a collect directory that is not there is refused, naming the input', async () => {
    const run = await makeRunner().run('index', { collect: path.join(base, 'nowhere') })
    expect(run.status).not.toBe(0)
    expect(run.stdout).toContain('::error::collect: ')
  })
})
