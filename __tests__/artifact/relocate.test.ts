import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { BuildPaths, planRunpath } from '../../src/artifact/build-paths.js'
import { relocatePrefix, type RelocateResult } from '../../src/artifact/relocate.js'
import { stageView } from '../../src/artifact/stage.js'
import { FOREIGN_RUNPATH, SINFO_OUTPUT, buildFakeSpack, hasTool, type FakeSpack } from '../helpers/tree-fixtures.js'

const tools = ['gcc', 'patchelf', 'readelf'].filter(tool => !hasTool(tool))
const describeTools = tools.length === 0 ? describe : describe.skip
if (tools.length) process.stderr.write(`[relocate] skipped: missing ${tools.join(', ')}\n`)

function dynamic(file: string): { rpath?: string; runpath?: string } {
  const out = execFileSync('readelf', ['-d', file], { encoding: 'utf8' })
  const pick = (tag: string): string | undefined =>
    new RegExp(`\\(${tag}\\)\\s+Library \\w+: \\[(.*)\\]`).exec(out)?.[1]
  return { rpath: pick('RPATH'), runpath: pick('RUNPATH') }
}

/** An environment without LD_LIBRARY_PATH (nor anything else that could point the loader at the build). */
const cleanEnv = { PATH: '/usr/bin:/bin', LANG: 'C' }

describeTools('relocatePrefix on a staged gcc-built tree', () => {
  let base: string
  let fake: FakeSpack
  let result: RelocateResult
  let moved: string

  beforeAll(async () => {
    base = mkdtempSync(path.join(tmpdir(), 'relocate-'))
    fake = buildFakeSpack(base)
    const staged = await stageView({
      viewRoot: fake.viewRoot,
      installRoots: [fake.installRoot],
      outDir: path.join(base, 'out'),
      artifactName: 'slurm-24.11.5'
    })
    result = await relocatePrefix({
      prefix: staged.prefix,
      installRoots: [fake.installRoot],
      viewRoot: fake.viewRoot,
      otherBuildPaths: [fake.spackRoot]
    })
    // Move the prefix to a path of another length and take the build away.
    const elsewhere = path.join(base, 'a-much-longer-directory-name-than-before', 'x')
    mkdirSync(elsewhere, { recursive: true })
    moved = path.join(elsewhere, 'renamed-slurm')
    renameSync(staged.prefix, moved)
    renameSync(fake.installRoot, `${fake.installRoot}.gone`)
    renameSync(fake.viewRoot, `${fake.viewRoot}.gone`)
  })

  afterAll(() => rmSync(base, { recursive: true, force: true }))

  test('the moved executables run without LD_LIBRARY_PATH', () => {
    expect(execFileSync(path.join(moved, 'bin', 'sinfo'), { env: cleanEnv, encoding: 'utf8' }).trim()).toBe(
      SINFO_OUTPUT
    )
    expect(execFileSync(path.join(moved, 'bin', 'squeue'), { env: cleanEnv, encoding: 'utf8' }).trim()).toBe(
      SINFO_OUTPUT
    )
    expect(execFileSync(path.join(moved, 'sbin', 'slurmd'), { env: cleanEnv, encoding: 'utf8' }).trim()).toBe(
      'slurmd: hello from greet via slurm 42'
    )
  })

  test('RPATH became $ORIGIN-relative RUNPATH', () => {
    expect(dynamic(path.join(moved, 'bin', 'sinfo'))).toEqual({ runpath: '$ORIGIN/../lib' })
    expect(dynamic(path.join(moved, 'lib', 'libslurm.so.42'))).toEqual({ runpath: '$ORIGIN' })
    expect(dynamic(path.join(moved, 'lib', 'slurm', 'plug.so'))).toEqual({ runpath: '$ORIGIN/..:$ORIGIN' })
    expect(
      execFileSync('patchelf', ['--print-rpath', path.join(moved, 'bin', 'sinfo')], { encoding: 'utf8' }).trim()
    ).toBe('$ORIGIN/../lib')
  })

  test('the plugin resolves its libraries in the moved tree', () => {
    const ldd = execFileSync('ldd', [path.join(moved, 'lib', 'slurm', 'plug.so')], { env: cleanEnv, encoding: 'utf8' })
    expect(ldd).toContain(`libslurm.so.42 => ${path.join(moved, 'lib', 'slurm')}/../libslurm.so.42`)
    expect(ldd).toContain(`libgreet.so.1 => ${path.join(moved, 'lib', 'slurm')}/../libgreet.so.1`)
    expect(ldd).not.toContain('not found')
  })

  test('a foreign RUNPATH entry is kept in place and reported; system entries are kept', () => {
    expect(dynamic(path.join(moved, 'sbin', 'slurmd'))).toEqual({
      runpath: `${FOREIGN_RUNPATH}:$ORIGIN/../lib:/usr/lib`
    })
    const slurmd = result.elf.find(e => e.file === 'sbin/slurmd')
    expect(slurmd).toMatchObject({ tag: 'RUNPATH', foreign: [FOREIGN_RUNPATH], dropped: [] })
    expect(result.remaining).toContainEqual({
      file: 'sbin/slurmd',
      kind: 'runpath',
      detail: `foreign RUNPATH entry "${FOREIGN_RUNPATH}"`
    })
  })

  test('reports what it did to each ELF and batches patchelf', () => {
    // libgreet has no RUNPATH: it is counted among the ELF files but needs no change.
    expect(result.elf.map(e => e.file)).toEqual(['bin/sinfo', 'lib/libslurm.so.42', 'lib/slurm/plug.so', 'sbin/slurmd'])
    expect(result.elf.find(e => e.file === 'bin/sinfo')).toMatchObject({
      tag: 'RPATH',
      after: '$ORIGIN/../lib',
      changed: true
    })
    expect(result.elfFiles).toBe(5)
    // One invocation per distinct new RUNPATH.
    expect(result.patchelfRuns).toBe(4)
  })

  test('pkg-config files become relative to ${pcfiledir}', () => {
    const pc = readFileSync(path.join(moved, 'lib', 'pkgconfig', 'slurm.pc'), 'utf8')
    expect(pc).toContain('prefix=${pcfiledir}/../..\n')
    expect(pc).toContain('Libs: -L${libdir} -Wl,-rpath,${prefix}/lib -lslurm')
    expect(pc).not.toContain(base)
    expect(result.rewritten).toContainEqual({
      file: 'lib/pkgconfig/slurm.pc',
      kind: 'pkgconfig',
      changes: ['prefix'],
      count: 2
    })
    if (hasTool('pkg-config')) {
      const out = execFileSync('pkg-config', ['--variable=libdir', 'slurm'], {
        env: { ...cleanEnv, PKG_CONFIG_PATH: path.join(moved, 'lib', 'pkgconfig') },
        encoding: 'utf8'
      })
      expect(path.resolve(out.trim())).toBe(path.join(moved, 'lib'))
    }
  })

  test('sbang and build-tree interpreters are replaced; what has no relative form is reported', () => {
    expect(readFileSync(path.join(moved, 'bin', 'seff'), 'utf8')).toBe('#!/usr/bin/env perl\nprint "seff\\n";\n')
    expect(result.rewritten).toContainEqual({
      file: 'bin/seff',
      kind: 'script',
      changes: ['sbang', 'shebang'],
      count: 2
    })
    const remaining = result.remaining.filter(r => r.kind !== 'runpath').map(r => [r.file, r.kind])
    expect(remaining).toEqual([
      ['bin/slurm-env.sh', 'script'],
      ['lib/libgreet.la', 'libtool']
    ])
  })
})

describe('planRunpath', () => {
  const build = new BuildPaths({ installRoots: ['/b/opt'], viewRoot: '/b/view' })
  const hash = 'a'.repeat(32)
  const dirs = new Set(['', 'lib', 'lib/slurm', 'bin'])
  const exists = (rel: string): boolean => dirs.has(rel)

  test('maps view and install-tree entries, keeps system and $ORIGIN entries, drops duplicates', () => {
    const entries = [
      `/b/opt/x/slurm-1-${hash}/lib`,
      '/b/view/lib',
      '$ORIGIN/../lib64',
      '/usr/lib64',
      `/b/opt/x/dep-2-${hash}/lib`
    ]
    expect(planRunpath('bin/x', entries, build, exists)).toEqual({
      entries: ['$ORIGIN/../lib', '$ORIGIN/../lib64', '/usr/lib64'],
      dropped: [],
      foreign: []
    })
  })

  test('plugins get $ORIGIN/.. and $ORIGIN; unstaged build directories and empty entries are dropped', () => {
    expect(
      planRunpath(
        'lib/slurm/p.so',
        [`/b/opt/x/s-1-${hash}/lib`, '/b/view/lib/slurm', '', '/b/view/lib64'],
        build,
        exists
      )
    ).toEqual({
      entries: ['$ORIGIN/..', '$ORIGIN'],
      dropped: ['', '/b/view/lib64'],
      foreign: []
    })
  })

  test('foreign entries are kept by default and dropped on request', () => {
    expect(planRunpath('bin/x', ['/opt/other/lib', 'rel/lib', '/b/view/lib'], build, exists)).toMatchObject({
      entries: ['/opt/other/lib', 'rel/lib', '$ORIGIN/../lib'],
      foreign: ['/opt/other/lib', 'rel/lib']
    })
    expect(planRunpath('bin/x', ['/opt/other/lib', '/b/view/lib'], build, exists, 'drop').entries).toEqual([
      '$ORIGIN/../lib'
    ])
  })
})
