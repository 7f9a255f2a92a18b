/** The GCC a build uses: the requested release, or the runner's own `gcc` when the request says `system`. */
import type { BuildRequest } from './inputs.js'
import { runProgram } from './spack/runner.js'

/** The full version of the runner's `gcc` (`gcc -dumpfullversion`), or undefined when there is none. */
export async function systemGccVersion(gcc = 'gcc'): Promise<string | undefined> {
  try {
    const result = await runProgram(gcc, ['-dumpfullversion'], { silent: true, allowFailure: true })
    const version = result.stdout.trim()
    return result.exitCode === 0 && /^\d+\.\d+\.\d+$/.test(version) ? version : undefined
  } catch {
    return undefined
  }
}

/** The GCC version to build with; fails with a clear message when `system` is asked and the runner has no gcc. */
export async function resolveGccVersion(compiler: BuildRequest['compiler']): Promise<string> {
  if (compiler.kind === 'gcc') return compiler.version
  const found = await systemGccVersion()
  if (!found) {
    throw new Error(
      'compiler: empty (the runner\'s GCC) but no gcc answers "gcc -dumpfullversion" on this runner; install gcc or set compiler: gcc@X.Y.Z'
    )
  }
  return found
}
