/**
 * The environment every program the action starts gets (Spack, git, tar, zstd, patchelf, gcc, getconf): built from
 * an allow-list of the runner's variables, never the whole of it. The runner's environment holds the job's
 * credentials (ACTIONS_RUNTIME_TOKEN, ACTIONS_ID_TOKEN_REQUEST_*, a GITHUB_TOKEN the workflow exported, the INPUT_*
 * values of this step, among them oci-password and signing-key, and whatever secrets the workflow puts into `env:`);
 * Spack writes every variable it is given into each build's `spack-build-env.txt`, so what is not passed cannot leak
 * there. What a command needs beyond the list (Spack's isolation variables, OCI credentials for the commands that
 * reach an OCI mirror) is added by its caller, for that command only.
 */

/** Variables passed by name. */
const NAMES = new Set([
  // Where programs, home and temporary files are; who runs them.
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'TMPDIR',
  'TZ',
  'CI',
  // Language of messages (a build's messages are parsed in English: Spack sets LC_ALL itself when configured to).
  'LANG',
  'LANGUAGE',
  // Spack's Python and the libraries a site's toolchain needs to start (Spack unsets them for builds itself).
  'PYTHONPATH',
  'PYTHONHOME',
  'LD_LIBRARY_PATH',
  // Proxies and certificate authorities, for mirrors and git behind a site's proxy.
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'ALL_PROXY',
  'FTP_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'all_proxy',
  'ftp_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'CURL_CA_BUNDLE',
  'REQUESTS_CA_BUNDLE',
  // Environment modules on a self-hosted runner (Spack finds external compilers and packages through them).
  'MODULEPATH',
  'MODULESHOME',
  'LOADEDMODULES',
  '_LMFILES_',
  // Reproducible archives.
  'SOURCE_DATE_EPOCH'
])

/** Variables passed by prefix: locale categories, Spack's own settings (SPACK_PYTHON, ...), Lmod's. */
const PREFIXES = ['LC_', 'SPACK_', 'LMOD_']

/** Never passed, whatever the lists above say: the runner's and the workflow's credentials. */
const NEVER = /^(INPUT_|ACTIONS_|GITHUB_TOKEN$|STATE_)|TOKEN|PASSWORD|SECRET/i

/** Whether a variable of the runner's environment is passed to the programs the action starts. */
export function passed(name: string): boolean {
  if (NEVER.test(name)) return false
  return NAMES.has(name) || PREFIXES.some(prefix => name.startsWith(prefix))
}

/** The allow-listed part of `source`, then `extra` (the caller's own variables for this command) over it. */
export function childEnv(
  source: NodeJS.ProcessEnv = process.env,
  extra: Readonly<Record<string, string>> = {}
): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(source)) if (value !== undefined && passed(name)) env[name] = value
  return { ...env, ...extra }
}
