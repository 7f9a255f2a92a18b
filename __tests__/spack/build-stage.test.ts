/**
 * What a failed build leaves in Spack's stage: the failing check read from a real config.log (written by a configure
 * script that autoconf makes here, run with a compiler flag gcc refuses, and with a library the linker cannot find),
 * the build environments redacted where they lie, and the files the debug artifact keeps.
 */
import { afterEach, describe, expect, test } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { tempDir } from '../helpers/git-server.js'
import {
  configLogOf,
  debugFiles,
  failingCheck,
  redactStagedEnvironments,
  stageDirs
} from '../../src/spack/build-stage.js'
import { forgetSecrets, registerSecret } from '../../src/secrets.js'

const HAS_AUTOCONF = spawnSync('autoconf', ['--version']).status === 0

/** A real configure script made by autoconf from `body`, run in a fresh directory with `env`; its config.log. */
function configure(body: string, env: Record<string, string>): { status: number | null; log: string } {
  const dir = tempDir('configure')
  writeFileSync(path.join(dir, 'configure.ac'), `AC_INIT([tiny], [1.0])\n${body}\nAC_OUTPUT\n`)
  expect(spawnSync('autoconf', [], { cwd: dir }).status).toBe(0)
  const run = spawnSync('./configure', [], { cwd: dir, env: { ...process.env, ...env } })
  return { status: run.status, log: readFileSync(path.join(dir, 'config.log'), 'utf8') }
}

const withAutoconf = HAS_AUTOCONF ? describe : describe.skip
if (!HAS_AUTOCONF)
  process.stderr.write('[build-stage] skipped: autoconf is not installed (.ci/system-packages installs it)\n')

withAutoconf('the failing check of a real config.log', () => {
  test("a C compiler flag gcc refuses: the check, the compile command, gcc's own complaint, configure's error", () => {
    const { status, log } = configure('AC_PROG_CC', { CC: 'gcc', CFLAGS: '-fslurm-factory-refused-flag' })
    expect(status).not.toBe(0)
    const check = failingCheck(log)
    expect(check[0]).toMatch(/^configure:\d+: checking whether the C compiler works$/)
    expect(check).toContain("gcc: error: unrecognized command-line option '-fslurm-factory-refused-flag'")
    expect(check[check.length - 1]).toMatch(/^configure:\d+: error: C compiler cannot create executables$/)
    expect(check.filter(line => line.startsWith('|') || line.includes('error: in '))).toEqual([])
  })

  test("a library the linker cannot find: the linker's own message", () => {
    const { status, log } = configure(
      'AC_PROG_CC\nAC_CHECK_LIB([slurmfactorynosuch], [main], [], [AC_MSG_ERROR([libslurmfactorynosuch is required])])',
      { CC: 'gcc' }
    )
    expect(status).not.toBe(0)
    const check = failingCheck(log)
    expect(check[0]).toMatch(/^configure:\d+: checking for main in -lslurmfactorynosuch$/)
    expect(check.some(line => /ld: cannot find -lslurmfactorynosuch/.test(line))).toBe(true)
    expect(check[check.length - 1]).toMatch(/^configure:\d+: error: libslurmfactorynosuch is required$/)
  })

  test('a configure that succeeded has no failing check', () => {
    const { status, log } = configure('AC_PROG_CC', { CC: 'gcc' })
    expect(status).toBe(0)
    expect(failingCheck(log)).toEqual([])
  })
})

describe("a failed build's stage", () => {
  afterEach(() => forgetSecrets())

  /** A stage laid out as Spack v1.0 leaves one: <build_stage>/<user>/spack-stage-<id>/. */
  function stage(root: string): string {
    const dir = path.join(root, 'runner', 'spack-stage-slurm-24.11.5-abcdefghijabcdefghijabcdefghijab')
    mkdirSync(path.join(dir, 'spack-src'), { recursive: true })
    writeFileSync(path.join(dir, 'spack-build-out.txt'), 'configure: error: C compiler cannot create executables\n')
    writeFileSync(path.join(dir, 'spack-configure-args.txt'), '--with-munge=/usr')
    writeFileSync(path.join(dir, 'spack-src', 'config.log'), 'configure:1: error: x\n')
    writeFileSync(
      path.join(dir, 'spack-build-env.txt'),
      'SLURM_FACTORY_OCI_PASSWORD=planted-pass; export SLURM_FACTORY_OCI_PASSWORD\nNOTE=planted-known-1; export NOTE\nCC=gcc; export CC\n',
      { mode: 0o600 }
    )
    return dir
  }

  test("the build environment files are redacted where they lie, kept readable by the runner's user only", () => {
    const root = tempDir('build-stage')
    const dir = stage(root)
    registerSecret('planted-known-1')
    expect(stageDirs(root)).toEqual([dir])
    expect(redactStagedEnvironments(root)).toBe(1)
    expect(readFileSync(path.join(dir, 'spack-build-env.txt'), 'utf8')).toBe(
      "SLURM_FACTORY_OCI_PASSWORD='***'; export SLURM_FACTORY_OCI_PASSWORD\nNOTE=***; export NOTE\nCC=gcc; export CC\n"
    )
    expect(statSync(path.join(dir, 'spack-build-env.txt')).mode & 0o777).toBe(0o600)
    expect(redactStagedEnvironments(root)).toBe(0)
  })

  test('the debug artifact keeps spack.yaml, spack.lock, the log, the environment, the configure arguments and config.log', () => {
    const root = tempDir('build-stage')
    const dir = stage(root)
    const envDir = path.join(root, 'environment')
    mkdirSync(envDir)
    writeFileSync(path.join(envDir, 'spack.yaml'), 'spack: {}\n')
    expect(configLogOf(dir)).toBe(path.join(dir, 'spack-src', 'config.log'))
    expect(debugFiles(path.join(dir, 'spack-build-out.txt'), envDir).map(file => path.relative(root, file))).toEqual([
      'environment/spack.yaml',
      `${path.relative(root, dir)}/spack-build-out.txt`,
      `${path.relative(root, dir)}/spack-build-env.txt`,
      `${path.relative(root, dir)}/spack-configure-args.txt`,
      `${path.relative(root, dir)}/spack-src/config.log`
    ])
  })
})
