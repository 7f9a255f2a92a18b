/** Plan mode, run the way a runner runs the action: `node dist/index.js` with INPUT_* variables. */
import { describe, expect, test } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parse } from 'yaml'
import { workDirs, workRoot } from '../src/work.js'

function runAction(inputs: Record<string, string>) {
  const temp = mkdtempSync(path.join(tmpdir(), 'plan-'))
  const summary = path.join(temp, 'summary.md')
  writeFileSync(summary, '')
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    RUNNER_TEMP: path.join(temp, 'runner-temp'),
    GITHUB_WORKSPACE: temp,
    GITHUB_STEP_SUMMARY: summary
  }
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value
  const result = spawnSync(process.execPath, ['dist/index.js'], { env, encoding: 'utf8' })
  return { ...result, temp, summary: readFileSync(summary, 'utf8') }
}

describe('plan mode (dry-run: true)', () => {
  test('prints the request, spec, environment and commands, writes the environment, and builds nothing', () => {
    const run = runAction({
      'dry-run': 'true',
      compiler: 'gcc@13.3.0',
      'slurm-version': '24.11',
      variants: '+rest ~ucx'
    })
    expect(run.status).toBe(0)
    expect(run.stdout).toContain('::group::Plan (dry-run: nothing is built)')
    expect(run.stdout).toContain('spec: slurm@24.11 +rest ~ucx %gcc@13.3.0 target=x86_64_v3')
    expect(run.stdout).toContain('install --jobs')
    expect(run.stdout).not.toContain('::error::')
    const envFile = path.join(workDirs(path.join(run.temp, 'runner-temp')).layout.envDir, 'spack.yaml')
    expect(existsSync(envFile)).toBe(true)
    const env = parse(readFileSync(envFile, 'utf8')) as { spack: { specs: string[] } }
    expect(env.spack.specs).toEqual(['slurm@24.11 +rest ~ucx %gcc@13.3.0 target=x86_64_v3'])
    expect(run.summary).toContain('Slurm Factory: plan (dry-run)')
    expect(run.summary).toContain('slurm@24.11 +rest ~ucx %gcc@13.3.0 target=x86_64_v3')
    // Nothing but the environment was written: no install tree, no stage, no build cache.
    for (const dir of ['opt', 'stage', 'buildcache', 'view']) {
      expect(existsSync(path.join(workRoot(path.join(run.temp, 'runner-temp')), dir))).toBe(false)
    }
  })

  test('a bad input fails the step before any work, naming the input', () => {
    const run = runAction({ 'dry-run': 'true', compiler: 'gcc@6.3.0' })
    expect(run.status).not.toBe(0)
    expect(run.stdout).toContain('::error::compiler: "gcc@6.3.0" is outside the supported range gcc@7.5.0..15.2.0')
    expect(existsSync(path.join(run.temp, 'runner-temp'))).toBe(false)
  })

  test('an injection attempt in variants is refused', () => {
    const run = runAction({ 'dry-run': 'true', compiler: 'gcc@13.3.0', variants: '+rest; rm -rf /' })
    expect(run.status).not.toBe(0)
    expect(run.stdout).toContain('::error::variants: "+rest;" is not a Spack variant')
  })
})
