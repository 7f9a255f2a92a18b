/**
 * The Spack command lines the action runs, as argument arrays. Phases run them and plan mode prints them, so what
 * the plan shows is what a build does.
 */
export function concretizeArgs(envDir: string): string[] {
  return ['-e', envDir, 'concretize']
}

export function installArgs(envDir: string, jobs: number): string[] {
  return ['-e', envDir, 'install', '--jobs', String(jobs), '--fail-fast']
}

export function pushArgs(envDir: string, mirror: string, unsigned: boolean): string[] {
  return ['-e', envDir, 'buildcache', 'push', '--update-index', ...(unsigned ? ['--unsigned'] : []), mirror]
}

export function repoAddArgs(repoPath: string, scope: string): string[] {
  return ['repo', 'add', '--scope', scope, repoPath]
}

/** A command line for people: arguments that need it are single-quoted. Display only, never executed. */
export function displayCommand(program: string, args: readonly string[]): string {
  return [program, ...args]
    .map(arg => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`))
    .join(' ')
}
