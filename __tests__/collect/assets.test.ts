/** A release's assets from tarballs packed by the artifact phase, and the matrix workflows' own cell records. */
import { beforeAll, describe, expect, test } from '@jest/globals'
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import { packArtifact, type PackResult } from '../../src/artifact/pack.js'
import { gatherAssets } from '../../src/collect/assets.js'
import { runCollectCli } from '../../src/collect/cli.js'
import { cellState, readCells } from '../../src/collect/records.js'
import { capture, cellDir, useCellsDir, record, stagedPrefix } from '../helpers/cells.js'
import { hasTool } from '../helpers/tree-fixtures.js'

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..')
/** How the runner runs a `run:` script with `shell: bash` (the default on Linux runners). */
const BASH = ['--noprofile', '--norc', '-eo', 'pipefail', '-c']

const base = useCellsDir()

const packTools = ['tar', 'zstd', 'sha256sum'].filter(tool => !hasTool(tool))
const describePacked = packTools.length === 0 ? describe : describe.skip

describePacked('tarballs packed by the artifact phase', () => {
  let packed: PackResult
  let prefix: string
  const name = 'slurm-24.11.5-gcc13.3.0-x86_64_v3'

  beforeAll(async () => {
    prefix = await stagedPrefix(base, name)
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
