/**
 * The module file shipped in the artifact, at `<prefix>/modules/slurm/<version>.lua` (Lmod) or
 * `<prefix>/modules/slurm/<version>` (Tcl), so that `module use <prefix>/modules; module load slurm` works.
 * Both find the prefix from their own location (three directories up), so they work wherever the tarball is
 * unpacked. They set PATH (bin and sbin), MANPATH, PKG_CONFIG_PATH and SLURM_CONF (to `<prefix>/etc/slurm.conf`,
 * unless SLURM_CONF is already set to something else), and never LD_LIBRARY_PATH: the binaries find their
 * libraries through their `$ORIGIN` RUNPATH.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { ModuleSystem } from '../inputs.js'
import { MODULE_NAME, moduleFile, SLURM_CONF } from './layout.js'

export interface ModuleFileOptions {
  /** Slurm version, the module's version (`25.11.6`). */
  readonly version: string
  /** Module name. Default `slurm`. */
  readonly name?: string
  /** The artifact's name, shown in the help text. */
  readonly artifactName?: string
  /** One line shown by `module whatis` and in the help. */
  readonly description?: string
  /** pkg-config directories relative to the prefix, in order. Default `lib/pkgconfig`, `share/pkgconfig`. */
  readonly pkgConfigDirs?: readonly string[]
}

const DEFAULT_DESCRIPTION = 'Slurm workload manager: commands, daemons, libraries and plugins'

function moduleName(options: ModuleFileOptions): string {
  return options.name ?? MODULE_NAME
}

function checkVersion(version: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(version))
    throw new Error(`unsuitable module version ${JSON.stringify(version)}`)
}

/** Lua long string that cannot be closed early by its content. */
function luaLong(text: string): string {
  let level = ''
  while (text.includes(`]${level}]`)) level += '='
  return `[${level}[${text}]${level}]`
}

function helpText(options: ModuleFileOptions): string {
  return [
    `${moduleName(options)} ${options.version}${options.artifactName ? ` (${options.artifactName})` : ''}`,
    options.description ?? DEFAULT_DESCRIPTION,
    '',
    `Sets PATH, MANPATH, PKG_CONFIG_PATH, and SLURM_CONF to <prefix>/${SLURM_CONF} unless SLURM_CONF is set.`,
    'The prefix is found from this file: the module works wherever the tarball is unpacked.'
  ].join('\n')
}

/** The Lmod (Lua) module. */
export function renderLmodModule(options: ModuleFileOptions): string {
  checkVersion(options.version)
  const pkgConfig = options.pkgConfigDirs ?? ['lib/pkgconfig', 'share/pkgconfig']
  const join = (rel: string): string =>
    `pathJoin(prefix, ${rel
      .split('/')
      .map(part => JSON.stringify(part))
      .join(', ')})`
  return [
    '-- -*- lua -*-',
    `-- ${moduleName(options)} ${options.version}: module file written by slurm-factory-action.`,
    '',
    `help(${luaLong(helpText(options))})`,
    '',
    `whatis("Name: ${moduleName(options)}")`,
    `whatis("Version: ${options.version}")`,
    `whatis(${luaLong(`Description: ${options.description ?? DEFAULT_DESCRIPTION}`)})`,
    '',
    '-- <prefix>/modules/<name>/<version>.lua: the prefix is three levels above this file.',
    'local function parent(p)',
    '  return (p:gsub("/+[^/]*$", ""))',
    'end',
    'local prefix = parent(parent(parent(myFileName())))',
    '',
    `prepend_path("PATH", ${join('sbin')})`,
    `prepend_path("PATH", ${join('bin')})`,
    `prepend_path("MANPATH", ${join('share/man')})`,
    ...[...pkgConfig].reverse().map(dir => `prepend_path("PKG_CONFIG_PATH", ${join(dir)})`),
    '',
    `-- SLURM_CONF points at the bundled ${SLURM_CONF} unless it was already set to another file.`,
    `local conf = ${join(SLURM_CONF)}`,
    'local current = os.getenv("SLURM_CONF")',
    'if current == nil or current == "" or current == conf then',
    '  setenv("SLURM_CONF", conf)',
    'end',
    ''
  ].join('\n')
}

function tclQuote(text: string): string {
  return `"${text.replace(/[\\"$[\]]/g, '\\$&')}"`
}

/** The Tcl module (Environment Modules, or Lmod reading Tcl). */
export function renderTclModule(options: ModuleFileOptions): string {
  checkVersion(options.version)
  const pkgConfig = options.pkgConfigDirs ?? ['lib/pkgconfig', 'share/pkgconfig']
  const join = (rel: string): string => `[file join $prefix ${rel.split('/').join(' ')}]`
  const help = helpText(options)
  return [
    '#%Module1.0',
    `## ${moduleName(options)} ${options.version}: module file written by slurm-factory-action.`,
    '',
    'proc ModulesHelp { } {',
    ...help.split('\n').map(line => `  puts stderr ${tclQuote(line)}`),
    '}',
    `module-whatis ${tclQuote(`${moduleName(options)} ${options.version}: ${options.description ?? DEFAULT_DESCRIPTION}`)}`,
    '',
    '# <prefix>/modules/<name>/<version>: the prefix is three levels above this file.',
    'if {[info exists ModulesCurrentModulefile]} {',
    '  set modfile $ModulesCurrentModulefile',
    '} else {',
    '  set modfile [info script]',
    '}',
    'set prefix [file dirname [file dirname [file dirname [file normalize $modfile]]]]',
    '',
    `prepend-path PATH ${join('sbin')}`,
    `prepend-path PATH ${join('bin')}`,
    `prepend-path MANPATH ${join('share/man')}`,
    ...[...pkgConfig].reverse().map(dir => `prepend-path PKG_CONFIG_PATH ${join(dir)}`),
    '',
    `# SLURM_CONF points at the bundled ${SLURM_CONF} unless it was already set to another file.`,
    `set conf ${join(SLURM_CONF)}`,
    'if {![info exists env(SLURM_CONF)] || $env(SLURM_CONF) eq "" || $env(SLURM_CONF) eq $conf} {',
    '  setenv SLURM_CONF $conf',
    '}',
    ''
  ].join('\n')
}

/** Where the module file of a module system goes inside the prefix, or null for `none`. */
export function moduleFilePath(prefix: string, system: ModuleSystem, options: ModuleFileOptions): string | null {
  const relative = moduleFile(system, options.version, moduleName(options))
  return relative === null ? null : path.join(prefix, ...relative.split('/'))
}

/** Writes the module file for `system` into the prefix; returns its path, or null for `none`. */
export async function writeModuleFile(
  prefix: string,
  system: ModuleSystem,
  options: ModuleFileOptions
): Promise<string | null> {
  const file = moduleFilePath(prefix, system, options)
  if (file === null) return null
  await mkdir(path.dirname(file), { recursive: true })
  await writeFile(file, system === 'lmod' ? renderLmodModule(options) : renderTclModule(options), { mode: 0o644 })
  return file
}
