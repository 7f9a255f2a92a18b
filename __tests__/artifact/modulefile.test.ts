import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { moduleFilePath, renderLmodModule, renderTclModule, writeModuleFile } from '../../src/artifact/modulefile.js'

const LMOD_INIT = '/usr/share/lmod/lmod/init/bash'
const hasLmod = existsSync(LMOD_INIT) && existsSync('/usr/share/lmod/lmod/libexec/lmod')
const describeLmod = hasLmod ? describe : describe.skip
if (!hasLmod) process.stderr.write(`[modulefile] Lmod tests skipped: ${LMOD_INIT} not found\n`)

/** A fixed script: the module directory is a positional argument, never part of the script text. */
const SCRIPT =
  'source /usr/share/lmod/lmod/init/bash; module use "$1"; module load slurm || exit 3; ' +
  'printf "%s\\n" "$PATH" "${SLURM_CONF-}" "${MANPATH-}" "${PKG_CONFIG_PATH-}" "${LD_LIBRARY_PATH-unset}"; ' +
  'module unload slurm; printf "%s\\n" "$PATH" "${SLURM_CONF-unset}"'

function loadWithLmod(moduleDir: string, env: Record<string, string> = {}): string[] {
  const out = execFileSync('bash', ['-c', SCRIPT, '_', moduleDir], {
    env: { HOME: tmpdir(), PATH: '/usr/bin:/bin', ...env },
    encoding: 'utf8'
  })
  return out.split('\n')
}

const OPTIONS = { version: '24.11.5', artifactName: 'slurm-24.11.5-gcc13.3.0-x86_64_v3' }

describe('render', () => {
  test('Lmod module finds its prefix from its own file and never sets LD_LIBRARY_PATH', () => {
    const lua = renderLmodModule(OPTIONS)
    expect(lua).toContain('local prefix = parent(parent(parent(myFileName())))')
    expect(lua).toContain('prepend_path("PATH", pathJoin(prefix, "bin"))')
    expect(lua).toContain('prepend_path("PATH", pathJoin(prefix, "sbin"))')
    expect(lua).toContain('local current = os.getenv("SLURM_CONF")')
    expect(lua).not.toContain('LD_LIBRARY_PATH')
    expect(lua).not.toMatch(/\/tmp|\/opt/)
  })

  test('Tcl module starts with #%Module and uses its own location', () => {
    const tcl = renderTclModule(OPTIONS)
    expect(tcl.startsWith('#%Module')).toBe(true)
    expect(tcl).toContain('set prefix [file dirname [file dirname [file dirname [file normalize $modfile]]]]')
    expect(tcl).not.toContain('LD_LIBRARY_PATH')
  })

  test('paths and versions', () => {
    expect(moduleFilePath('/p', 'lmod', OPTIONS)).toBe('/p/modules/slurm/24.11.5.lua')
    expect(moduleFilePath('/p', 'tcl', OPTIONS)).toBe('/p/modules/slurm/24.11.5')
    expect(moduleFilePath('/p', 'none', OPTIONS)).toBeNull()
    expect(() => renderLmodModule({ version: '1"; os.exit()' })).toThrow(/unsuitable module version/)
  })
})

describeLmod('modules loaded by real Lmod from a copy at another path', () => {
  let base: string
  let copyLua: string
  let copyTcl: string

  beforeAll(async () => {
    base = mkdtempSync(path.join(tmpdir(), 'modulefile-'))
    for (const system of ['lmod', 'tcl'] as const) {
      const prefix = path.join(base, 'built', system, 'slurm-x')
      mkdirSync(path.join(prefix, 'etc'), { recursive: true })
      expect(await writeModuleFile(prefix, system, OPTIONS)).toBe(moduleFilePath(prefix, system, OPTIONS))
      // The copy lives at a path of another length, as after unpacking the tarball elsewhere. (Lmod's own Tcl
      // translation cannot read a module file whose path holds a space, so only the Lua copy gets one.)
      const elsewhere = system === 'lmod' ? 'somewhere else entirely' : 'somewhere-else-entirely'
      const copy = path.join(base, 'unpacked', elsewhere, system, 'slurm-x')
      cpSync(prefix, copy, { recursive: true })
      if (system === 'lmod') copyLua = copy
      else copyTcl = copy
    }
    rmSync(path.join(base, 'built'), { recursive: true })
  })

  afterAll(() => rmSync(base, { recursive: true, force: true }))

  test.each([
    ['lmod', () => copyLua],
    ['tcl', () => copyTcl]
  ])('%s: PATH, SLURM_CONF, MANPATH, PKG_CONFIG_PATH point into the copy; unload restores', (_system, copy) => {
    const prefix = copy()
    const [pathVar, conf, manpath, pkgconfig, ldPath, afterPath, afterConf] = loadWithLmod(path.join(prefix, 'modules'))
    expect(pathVar?.split(':').slice(0, 2)).toEqual([path.join(prefix, 'bin'), path.join(prefix, 'sbin')])
    expect(conf).toBe(path.join(prefix, 'etc', 'slurm.conf'))
    expect(manpath?.split(':')).toContain(path.join(prefix, 'share', 'man'))
    expect(pkgconfig?.split(':')[0]).toBe(path.join(prefix, 'lib', 'pkgconfig'))
    expect(ldPath).toBe('unset')
    expect(afterPath).toBe('/usr/bin:/bin')
    expect(afterConf).toBe('unset')
  })

  test.each([
    ['lmod', () => copyLua],
    ['tcl', () => copyTcl]
  ])('%s: a SLURM_CONF set before loading is kept, also after unloading', (_system, copy) => {
    const lines = loadWithLmod(path.join(copy(), 'modules'), { SLURM_CONF: '/etc/site/slurm.conf' })
    expect(lines[1]).toBe('/etc/site/slurm.conf')
    expect(lines[6]).toBe('/etc/site/slurm.conf')
  })

  test('the written Lmod module is the rendered text', () => {
    expect(readFileSync(path.join(copyLua, 'modules', 'slurm', '24.11.5.lua'), 'utf8')).toBe(renderLmodModule(OPTIONS))
  })
})
