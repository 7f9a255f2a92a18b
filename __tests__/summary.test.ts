/** The job summary: made from the phases' results as far as the run got, and written where the runner says. */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { AuditError, type BuiltArtifact } from '../src/artifact/artifact.js'
import type { AuditReport } from '../src/artifact/audit.js'
import type { Build } from '../src/build.js'
import { parseInputs } from '../src/inputs.js'
import { InstallError, type InstallReport } from '../src/spack/install.js'
import { forgetSecrets, registerSecret } from '../src/secrets.js'
import { runReport, summaryRows, writeRunSummary, writeSummary } from '../src/summary.js'
import { workDirs } from '../src/work.js'
import { applyEnv } from './services/index.js'

const given: Record<string, string> = { compiler: 'gcc@13.3.0', variants: '+rest' }
const request = parseInputs(name => given[name] ?? '', {
  workspace: '/ws',
  actionPath: path.resolve('.'),
  cpus: 4
})
const build: Build = { request, gccVersion: '13.3.0', runnerTemp: '/t', work: workDirs('/t') }
const pkg = (name: string) => ({ id: `${name}-1-${'a'.repeat(32)}`, name, hash: 'a'.repeat(32) })
const installed: InstallReport = { built: [pkg('slurm')], extracted: [pkg('munge'), pkg('json-c')] }
const audit: AuditReport = {
  root: '/t/a',
  filesScanned: 120,
  elfFiles: 40,
  textFiles: 60,
  binaryFiles: 20,
  symlinks: 5,
  problems: [],
  errors: 0,
  warnings: 2,
  ok: true,
  elapsedMs: 12
}
const artifact = {
  name: 'slurm-25.11.6-gcc13.3.0-x86_64_v3',
  tarball: { size: 3 * 1024 * 1024, sha256: 'f'.repeat(64) },
  audit
} as unknown as BuiltArtifact

describe('runReport', () => {
  test('a complete run: every phase result in its row', () => {
    const report = runReport(
      {
        build,
        cache: { hit: 'partial', restoredKey: 'k-1' },
        compiler: {},
        install: installed,
        slurm: { root: { version: '25.11.6' } } as never,
        artifact,
        upload: { uploaded: true, id: 42 }
      },
      [{ name: 'Install Slurm', seconds: 61.25, ok: true }]
    )
    expect(Object.fromEntries(summaryRows(report))).toEqual({
      result: 'success',
      spec: '<code>slurm@25.11 +rest %gcc@13.3.0 target=x86_64_v3</code>',
      Slurm: '25.11.6',
      compiler: 'gcc@13.3.0',
      target: 'x86_64_v3',
      'build cache': 'partial (k-1)',
      'built from source': 'slurm',
      'from the build cache': 'munge, json-c',
      artifact: 'slurm-25.11.6-gcc13.3.0-x86_64_v3 (uploaded, id 42)',
      size: '3.0 MB',
      sha256: `<code>${'f'.repeat(64)}</code>`,
      'relocation audit': 'passed: 120 files, 0 errors, 2 warnings',
      'time: Install Slurm': '61.3 s'
    })
  })

  test("a failed install reports what it built before failing, with the compiler's build", () => {
    const failure = new InstallError({ packageName: 'slurm', message: 'configure failed' }, installed)
    const gcc: InstallReport = { built: [pkg('gcc')], extracted: [] }
    const report = runReport({ build, cache: { hit: 'none' }, compiler: { report: gcc } }, [], failure)
    expect(report.error).toBe('slurm failed to install: configure failed')
    expect(report.built).toEqual(['gcc', 'slurm'])
    expect(report.extracted).toEqual(['munge', 'json-c'])
    expect(summaryRows(report)[0]).toEqual(['result', 'failed: slurm failed to install: configure failed'])
  })

  test('a failed audit reports the audit; a run that stopped early reports only what it knows', () => {
    const failed = { ...audit, ok: false, errors: 3 }
    const report = runReport({ build }, [], new AuditError(failed))
    expect(report.audit).toMatchObject({ ok: false, errors: 3 })
    expect(report.built).toBeUndefined()
    expect(report.artifact).toBeUndefined()
    expect(report.cacheHit).toBeUndefined()
    const notUploaded = runReport({ build, artifact }, [])
    expect(notUploaded.artifact).toMatchObject({ uploaded: false })
  })
})

describe('what a summary row shows', () => {
  test("a 100 KB failure line is cut, its length stated; a configure failure's check has a row of its own", () => {
    const long = `variants: "${'+'.repeat(100_000)}" is not a Spack variant`
    const [result] = summaryRows(runReport({ build }, [], new Error(long)))
    expect(result?.[1]).toBe(`failed: ${long.slice(0, 500)}... (${long.length} characters)`)
    const check = [
      'configure:3411: checking whether the C compiler works',
      "gcc: error: unrecognized command-line option '-fx'"
    ]
    const failure = new InstallError({ packageName: 'slurm', message: 'ProcessError: exit 77', check }, installed)
    expect(summaryRows(runReport({ build }, [], failure))[1]).toEqual([
      'why slurm failed',
      "config.log, the failing check:<pre>configure:3411: checking whether the C compiler works\ngcc: error: unrecognized command-line option '-fx'</pre>"
    ])
  })
})

describe('writing the summary', () => {
  let dir: string
  let restoreEnv: () => void
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'summary-'))
    restoreEnv = applyEnv({ GITHUB_STEP_SUMMARY: path.join(dir, 'step', 'summary.md') })
  })
  afterEach(() => restoreEnv())

  test("appended to the runner's file, which is created when it is missing", async () => {
    await writeRunSummary(runReport({ build }, [{ name: 'Provision Spack', seconds: 2, ok: false }], new Error('no')))
    const file = path.join(dir, 'step', 'summary.md')
    const first = readFileSync(file, 'utf8')
    expect(first).toContain('<h2>Slurm Factory: build failed</h2>')
    expect(first).toContain('<td>time: Provision Spack</td><td>2.0 s (failed)</td>')
    await writeSummary(summary => summary.addRaw('second step'))
    expect(readFileSync(file, 'utf8')).toBe(`${first}second step`)
  })

  test('follows GITHUB_STEP_SUMMARY from one run to the next in the same process', async () => {
    await writeSummary(summary => summary.addRaw('one'))
    const other = path.join(dir, 'other.md')
    writeFileSync(other, '')
    const restore = applyEnv({ GITHUB_STEP_SUMMARY: other })
    await writeSummary(summary => summary.addRaw('two'))
    restore()
    expect(readFileSync(other, 'utf8')).toBe('two')
    expect(readFileSync(path.join(dir, 'step', 'summary.md'), 'utf8')).toBe('one')
  })

  test('no known secret and no URL credentials reach the summary, whatever a row holds', async () => {
    registerSecret('planted-summary-secret-1')
    await writeRunSummary(
      runReport(
        { build },
        [],
        new Error('push to https://u:planted-url-pass@h/x failed: token planted-summary-secret-1 refused')
      )
    )
    const text = readFileSync(path.join(dir, 'step', 'summary.md'), 'utf8')
    expect(text).toContain('push to https://u:***@h/x failed: token *** refused')
    expect(text).not.toMatch(/planted/)
    forgetSecrets()
  })

  test('no summary file on this runner: nothing written', async () => {
    const restore = applyEnv({ GITHUB_STEP_SUMMARY: undefined })
    await writeSummary(summary => summary.addRaw('lost'))
    restore()
    expect(existsSync(path.join(dir, 'step'))).toBe(false)
  })
})
