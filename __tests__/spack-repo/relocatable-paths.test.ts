/**
 * relocatable-paths.patch, compiled and run without Slurm: the C code the patch adds to src/common/read_config.c
 * (between its "slurm-factory" markers) is compiled with gcc into a library and a program laid out like a Slurm
 * prefix, which print the compiled-in paths as the patched Slurm would use them. The tree is then run in place,
 * moved with the build tree kept, and moved with the build tree gone. The whole patch is also checked to route
 * slurmstepd (slurm_get_stepd_loc) and srun (PMI-2 spawn) through the same mapping.
 */
import { describe, expect, test, beforeAll, afterAll } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

const PATCH = path.join(
  process.cwd(),
  'spack-repo',
  'spack_repo',
  'slurm_factory',
  'packages',
  'slurm',
  'relocatable-paths.patch'
)
const BEGIN = '/*\n * slurm-factory: paths that follow the installation tree.'
const END = '/* slurm-factory: end of the paths that follow the installation tree */'

/** The files a unified diff changes, each with the text of its new side (context and added lines). */
function newSides(patch: string): Map<string, string> {
  const files = new Map<string, string>()
  for (const part of patch.split(/^--- a\//m).slice(1)) {
    const name = /^\+\+\+ b\/(\S+)/m.exec(part)?.[1] ?? '?'
    const lines = part
      .split('\n')
      .filter(line => /^[ +]/.test(line) && !line.startsWith('+++'))
      .map(line => line.slice(1))
    files.set(name, lines.join('\n'))
  }
  return files
}

/** The block the patch adds to read_config.c. */
function addedBlock(patch: string): string {
  const text = newSides(patch).get('src/common/read_config.c') ?? ''
  const start = text.indexOf(BEGIN)
  const end = text.indexOf(END)
  if (start < 0 || end < 0) throw new Error('the patch has no slurm-factory block in read_config.c')
  return text.slice(start, end)
}

/** Stands in for libslurmfull: Slurm's two generated defaults, then the patch's block, then a report. */
const LIBRARY = `#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#define xstrdup strdup
char *default_plugin_path = PLUGIN_DIR;
char *default_slurm_config_file = CONF_FILE;
#include "block.c"
void report(void)
{
	printf("plugins=%s\\nconf=%s\\nstepd=%s\\nsrun=%s\\nother=%s\\n", default_plugin_path,
	       default_slurm_config_file, slurm_factory_path(SBINDIR "/slurmstepd"),
	       slurm_factory_path(SLURM_PREFIX "/bin/srun"), slurm_factory_path("/usr/bin/env"));
}
`

interface Build {
  /** The prefix as compiled in (may carry Spack's leading-slash padding). */
  readonly compiled: string
  readonly plugins: string
  readonly conf: string
}

let work: string

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'relocatable-paths-'))
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

function gcc(args: string[]): void {
  const result = spawnSync('gcc', args, { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`gcc ${args.join(' ')}:\n${result.stderr}`)
}

/**
 * Builds a tree at `prefix` (lib/slurm/libslurmfull.so with the block, bin/probe linked to it, lib/slurm/ as the
 * plugin directory) with the defaults of `build` compiled in.
 */
function buildTree(block: string, prefix: string, build: Build): void {
  const src = path.join(prefix, '..', `src-${path.basename(prefix)}`)
  mkdirSync(src, { recursive: true })
  writeFileSync(path.join(src, 'block.c'), block)
  writeFileSync(path.join(src, 'lib.c'), LIBRARY)
  writeFileSync(path.join(src, 'probe.c'), 'void report(void);\nint main(void) { report(); return 0; }\n')
  for (const dir of ['bin', 'sbin', 'etc', 'lib/slurm']) mkdirSync(path.join(prefix, dir), { recursive: true })
  const quoted = (value: string): string => JSON.stringify(value)
  gcc([
    '-shared',
    '-fPIC',
    '-O2',
    '-Wall',
    '-Werror',
    `-DSLURM_PREFIX=${quoted(build.compiled)}`,
    `-DSBINDIR=${quoted(`${build.compiled}/sbin`)}`,
    `-DPLUGIN_DIR=${quoted(build.plugins)}`,
    `-DCONF_FILE=${quoted(build.conf)}`,
    '-Wl,-soname,libslurmfull.so',
    '-o',
    path.join(prefix, 'lib', 'slurm', 'libslurmfull.so'),
    path.join(src, 'lib.c')
  ])
  gcc([
    '-o',
    path.join(prefix, 'bin', 'probe'),
    path.join(src, 'probe.c'),
    `-L${path.join(prefix, 'lib', 'slurm')}`,
    '-lslurmfull',
    '-Wl,-rpath,$ORIGIN/../lib/slurm'
  ])
}

function probe(prefix: string): Record<string, string> {
  const result = spawnSync(path.join(prefix, 'bin', 'probe'), { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`probe in ${prefix} failed: ${result.stderr}`)
  return Object.fromEntries(result.stdout.trim().split('\n').map(line => line.split('=', 2) as [string, string]))
}

/** Builds at <case>/build/<long prefix>, copies it to <case>/moved/t, and returns both paths. */
function scenario(name: string, block: string, shape: (prefix: string) => Build): { built: string; moved: string } {
  const built = path.join(work, name, 'build', 'opt', 'slurm-24.11.5-abcdefghijabcdefghijabcdefghijab')
  buildTree(block, built, shape(built))
  const moved = path.join(work, name, 'moved', 't')
  mkdirSync(path.dirname(moved), { recursive: true })
  cpSync(built, moved, { recursive: true })
  return { built, moved }
}

const inPrefix = (prefix: string): Build => ({
  compiled: prefix,
  plugins: `${prefix}/lib/slurm`,
  conf: `${prefix}/etc/slurm.conf`
})

/** What a tree run from `root` must print when every compiled-in path follows it. */
function expectFollows(out: Record<string, string>, root: string, conf = `${root}/etc/slurm.conf`): void {
  expect(out).toEqual({
    plugins: `${root}/lib/slurm`,
    conf,
    stepd: `${root}/sbin/slurmstepd`,
    srun: `${root}/bin/srun`,
    other: '/usr/bin/env'
  })
}

describe('relocatable-paths.patch, its C code compiled and run', () => {
  const patch = readFileSync(PATCH, 'utf8')
  const block = addedBlock(patch)

  test('the patch routes slurmstepd and PMI-2 spawn through slurm_factory_path()', () => {
    const files = newSides(patch)
    expect([...files.keys()].sort()).toEqual([
      'src/common/read_config.c',
      'src/common/slurm_protocol_api.c',
      'src/plugins/mpi/pmi2/spawn.c'
    ])
    expect(files.get('src/common/slurm_protocol_api.c')).toContain('return slurm_factory_path(SBINDIR "/slurmstepd");')
    const spawn = files.get('src/plugins/mpi/pmi2/spawn.c') ?? ''
    expect(spawn.match(/execve\(slurm_factory_path\(SLURM_PREFIX "\/bin\/srun"\), argv, env\);/g)).toHaveLength(2)
    expect(spawn).not.toContain('execve(SLURM_PREFIX"/bin/srun"')
  })

  test('in place, every path stays as compiled', () => {
    const { built } = scenario('in-place', block, inPrefix)
    expectFollows(probe(built), built)
  })

  test('moved with the build tree still there, the moved tree uses its own files', () => {
    const { moved } = scenario('kept', block, inPrefix)
    expectFollows(probe(moved), moved)
  })

  test('moved with the build tree gone, every path inside the prefix follows the tree', () => {
    const { built, moved } = scenario('gone', block, inPrefix)
    renameSync(built, `${built}-gone`)
    expectFollows(probe(moved), moved)
  })

  const haveStrace = spawnSync('strace', ['-V']).status === 0
  ;(haveStrace ? test : test.skip)('a moved tree never looks at the build tree, not even to compare', () => {
    const { built, moved } = scenario('untouched', block, inPrefix)
    renameSync(built, `${built}-gone`)
    const trace = path.join(work, 'untouched.trace')
    const result = spawnSync('strace', ['-f', '-qq', '-e', 'trace=file', '-o', trace, path.join(moved, 'bin', 'probe')], {
      encoding: 'utf8'
    })
    expect(result.status).toBe(0)
    const calls = readFileSync(trace, 'utf8').split('\n')
    expect(calls.some(line => line.includes(moved))).toBe(true)
    expect(calls.filter(line => line.includes(path.dirname(built)))).toEqual([])
  })

  test('a sysconfdir outside the prefix stays as given', () => {
    const { moved } = scenario('sysconfdir', block, prefix => ({ ...inPrefix(prefix), conf: '/etc/slurm/slurm.conf' }))
    expectFollows(probe(moved), moved, '/etc/slurm/slurm.conf')
  })

  test('with the plugin directory outside the prefix, the tree cannot be found and nothing moves', () => {
    const { built, moved } = scenario('pkglibdir', block, prefix => ({ ...inPrefix(prefix), plugins: '/opt/plugins' }))
    expect(probe(moved)).toEqual({
      plugins: '/opt/plugins',
      conf: `${built}/etc/slurm.conf`,
      stepd: `${built}/sbin/slurmstepd`,
      srun: `${built}/bin/srun`,
      other: '/usr/bin/env'
    })
  })

  test("a prefix padded with leading slashes, as Spack relocates binaries, is still recognised", () => {
    const padded = (prefix: string): Build => inPrefix(`////${prefix}`)
    const { built, moved } = scenario('padded', block, padded)
    expect(probe(built).stepd).toBe(`////${built}/sbin/slurmstepd`)
    renameSync(built, `${built}-gone`)
    expectFollows(probe(moved), moved)
  })

  test('the check fails on a block that leaves the default slurm.conf compiled in', () => {
    const broken = block.replace(
      /\tif \(\(mapped = _sf_map\(default_slurm_config_file\)\)\)\n\t\tdefault_slurm_config_file = mapped;\n/,
      ''
    )
    expect(broken).not.toEqual(block)
    const { built, moved } = scenario('broken', broken, inPrefix)
    expect(() => expectFollows(probe(moved), moved)).toThrow()
    expect(probe(moved).conf).toBe(`${built}/etc/slurm.conf`)
  })
})
