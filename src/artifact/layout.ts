/**
 * The tarball's layout, in one place. A tarball `<name>.tar.zst` (or `.tar.gz`) holds one top directory `<name>/`,
 * the relocatable prefix:
 *
 *   <name>/bin, sbin, lib, share, ...        what Spack's view of the build holds
 *   <name>/etc/slurm.conf                    where the module points SLURM_CONF (the site puts its file there)
 *   <name>/modules/slurm/<version>.lua       the Lmod module (`<version>` without `.lua` for Tcl)
 *   <name>/manifest.json                     what was built, with what, where, the audit and every file's sha256
 *   <name>/SHA256SUMS                        `sha256sum -c` list of every file but itself
 *
 * Staging, the module file, the manifest, the collector, plan mode, e2e and the docs (kept equal by a test) read it
 * from here.
 */
import type { Compression, ModuleSystem } from '../inputs.js'

/** The manifest at the top of the prefix. */
export const MANIFEST_FILE = 'manifest.json'
/** The checksums at the top of the prefix (and, in a release, beside the tarballs). */
export const SUMS_FILE = 'SHA256SUMS'
/** Files at the top of the prefix that describe the tree rather than belong to what runs. */
export const TREE_RECORDS: readonly string[] = [MANIFEST_FILE, SUMS_FILE]

/** Where the slurm recipe records the compiled-in paths it resolves at run time (read by the audit). */
export const RESOLVED_PATHS_FILE = 'share/slurm-factory/resolved-paths.json'

export const ETC_DIR = 'etc'
/** Where the module file points SLURM_CONF, relative to the prefix. */
export const SLURM_CONF = `${ETC_DIR}/slurm.conf`
/** The directory `module use` is given. */
export const MODULES_DIR = 'modules'
/** The module's name: `module load slurm`. */
export const MODULE_NAME = 'slurm'
/** Directories every staged prefix has, whatever the view holds (`modules/` receives the module file). */
export const STANDARD_DIRS = ['bin', 'sbin', 'lib', ETC_DIR, 'share', MODULES_DIR] as const

/** `.tar.zst` or `.tar.gz`. */
export function archiveSuffix(compression: Compression): string {
  return compression === 'zstd' ? '.tar.zst' : '.tar.gz'
}

/** The tarball's file name: its top directory and the compression's suffix. */
export function tarballName(topDirectory: string, compression: Compression): string {
  return `${topDirectory}${archiveSuffix(compression)}`
}

/** The top directory (and the artifact's name) unless the request names it: `slurm-25.11.6-gcc13.3.0-x86_64_v3`. */
export function topDirectory(build: { slurmVersion: string; gccVersion: string; target: string }): string {
  return `slurm-${build.slurmVersion}-gcc${build.gccVersion}-${build.target}`
}

/**
 * The module file's path relative to the prefix, or null for `none`: `modules/<name>/<version>.lua` (Lmod) or
 * `modules/<name>/<version>` (Tcl). The module finds the prefix three directories above itself.
 */
export function moduleFile(system: ModuleSystem, version: string, name = MODULE_NAME): string | null {
  if (system === 'none') return null
  const base = `${MODULES_DIR}/${name}/${version}`
  return system === 'lmod' ? `${base}.lua` : base
}
