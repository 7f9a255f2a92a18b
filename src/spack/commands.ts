/**
 * Every Spack command line the action runs, as argument arrays. The phases run them and plan mode shows them, so
 * what a plan shows is what a build does (a test runs both on the stand-in Spack and compares).
 */

/** `spack --version`: the first command, which proves the installation answers. */
export function versionArgs(): string[] {
  return ['--version']
}

export function repoAddArgs(repoPath: string, scope: string): string[] {
  return ['repo', 'add', '--scope', scope, repoPath]
}

export function repoRemoveArgs(namespace: string, scope: string): string[] {
  return ['repo', 'remove', '--scope', scope, namespace]
}

export function repoListArgs(): string[] {
  return ['repo', 'list']
}

/** `spack python <script> <args>`: a check run by Spack's own Python, with its modules. */
export function pythonArgs(script: string, args: readonly string[] = []): string[] {
  return ['python', script, ...args]
}

/** The host's target as archspec names it. */
export function hostTargetArgs(): string[] {
  return ['arch', '--target']
}

/** Whether Spack's Python imports clingo, its concretizer (which it can't bootstrap offline). */
export function clingoArgs(): string[] {
  return ['python', '-c', 'import clingo; print(clingo.__version__)']
}

export function compilerFindArgs(scope: string): string[] {
  return ['compiler', 'find', '--scope', scope]
}

/** `spack -e <env> python <script>`: a check run inside the environment. */
export function environmentPythonArgs(envDir: string, script: string): string[] {
  return ['-e', envDir, 'python', script]
}

export function concretizeArgs(envDir: string): string[] {
  return ['-e', envDir, 'concretize']
}

/** What of an environment a command takes: everything, or (a dependencies job) the roots' dependencies only. */
export type Only = 'dependencies' | undefined

export function installArgs(envDir: string, jobs: number, only?: Only): string[] {
  return ['-e', envDir, 'install', '--jobs', String(jobs), '--fail-fast', ...(only ? ['--only', only] : [])]
}

export function pushArgs(envDir: string, mirror: string, unsigned: boolean, only?: Only): string[] {
  return [
    '-e',
    envDir,
    'buildcache',
    'push',
    '--update-index',
    ...(only ? ['--only', only] : []),
    ...(unsigned ? ['--unsigned'] : []),
    mirror
  ]
}

/**
 * Pushes these packages alone (`/<hash>`), overwriting what the mirror holds of them: a package built from source
 * although the mirror had it (its archive there was damaged, so Spack quietly built it again). A plain push would skip
 * it as "already in the buildcache" and keep the damaged archive.
 */
export function forcePushArgs(envDir: string, mirror: string, unsigned: boolean, hashes: readonly string[]): string[] {
  return [
    '-e',
    envDir,
    'buildcache',
    'push',
    '--force',
    '--only',
    'package',
    ...(unsigned ? ['--unsigned'] : []),
    mirror,
    ...hashes.map(hash => `/${hash}`)
  ]
}

export function locationArgs(envDir: string, hash: string): string[] {
  return ['-e', envDir, 'location', '--install-dir', `/${hash}`]
}

/** `spack gpg trust <file>`: a key into Spack's keyring (public keys to read with, the private key to sign with). */
export function gpgTrustArgs(keyFile: string): string[] {
  return ['gpg', 'trust', keyFile]
}

/** A command line for people: arguments that need it are single-quoted. Display only, never executed. */
export function displayCommand(program: string, args: readonly string[]): string {
  return [program, ...args]
    .map(arg => (/^[A-Za-z0-9_@%+=:,./<>-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`))
    .join(' ')
}
