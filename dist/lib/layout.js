/** The manifest at the top of the prefix. */
const MANIFEST_FILE = 'manifest.json';
/** The checksums at the top of the prefix (and, in a release, beside the tarballs). */
const SUMS_FILE = 'SHA256SUMS';
/** Files at the top of the prefix that describe the tree rather than belong to what runs. */
const TREE_RECORDS = [MANIFEST_FILE, SUMS_FILE];
/** Where the slurm recipe records the compiled-in paths it resolves at run time (read by the audit). */
const RESOLVED_PATHS_FILE = 'share/slurm-factory/resolved-paths.json';
const ETC_DIR = 'etc';
/** Where the module file points SLURM_CONF, relative to the prefix. */
const SLURM_CONF = `${ETC_DIR}/slurm.conf`;
/** The directory `module use` is given. */
const MODULES_DIR = 'modules';
/** The module's name: `module load slurm`. */
const MODULE_NAME = 'slurm';
/** Directories every staged prefix has, whatever the view holds (`modules/` receives the module file). */
const STANDARD_DIRS = ['bin', 'sbin', 'lib', ETC_DIR, 'share', MODULES_DIR];
/** `.tar.zst` or `.tar.gz`. */
function archiveSuffix(compression) {
    return compression === 'zstd' ? '.tar.zst' : '.tar.gz';
}
/** The tarball's file name: its top directory and the compression's suffix. */
function tarballName(topDirectory, compression) {
    return `${topDirectory}${archiveSuffix(compression)}`;
}
/** The top directory (and the artifact's name) unless the request names it: `slurm-25.11.6-gcc13.3.0-x86_64_v3`. */
function topDirectory(build) {
    return `slurm-${build.slurmVersion}-gcc${build.gccVersion}-${build.target}`;
}
/**
 * The module file's path relative to the prefix, or null for `none`: `modules/<name>/<version>.lua` (Lmod) or
 * `modules/<name>/<version>` (Tcl). The module finds the prefix three directories above itself.
 */
function moduleFile(system, version, name = MODULE_NAME) {
    if (system === 'none')
        return null;
    const base = `${MODULES_DIR}/${name}/${version}`;
    return system === 'lmod' ? `${base}.lua` : base;
}

export { MANIFEST_FILE as M, RESOLVED_PATHS_FILE as R, SUMS_FILE as S, TREE_RECORDS as T, SLURM_CONF as a, MODULE_NAME as b, STANDARD_DIRS as c, topDirectory as d, moduleFile as m, tarballName as t };
