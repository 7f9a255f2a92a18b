/**
 * The runner's compilers as `spack compiler find` detected them, kept with Spack's package index in the Actions cache
 * (the same entry, its key the index's plus a fingerprint of the compilers on PATH), so that a warm run puts the
 * recorded detection into Spack's user scope instead of running `spack compiler find` (seconds, every job).
 *
 * The fingerprint hashes every executable on the PATH Spack is given whose name says compiler (gcc, g++, gfortran,
 * clang, flang, Intel's and NVIDIA's), with the size and time of the file it resolves to: a runner image with another
 * GCC, or a step that installs one, has another fingerprint and detects afresh. The key's other parts (Spack, its
 * builtin packages) are the index's. What is recorded is the whole `packages.yaml` that `spack compiler find` wrote
 * into the action's isolated user scope, and is written back byte for byte.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'

export interface CompilerDetection {
  /** Where the detection is recorded (a path of the package index's cache entry). */
  readonly file: string
  readonly fingerprint: string
}

interface Recorded {
  readonly fingerprint: string
  /** The user scope's packages.yaml after `spack compiler find`; null when it wrote none (no compiler found). */
  readonly packagesYaml: string | null
}

const COMPILER_NAME = /gcc|g\+\+|gfortran|clang|flang|icx|icpx|ifx|ifort|nvc|nvfortran/

/** The compilers Spack would find on `pathVariable`, as a short hash. */
export function compilerFingerprint(pathVariable: string): string {
  const hash = createHash('sha256')
  const dirs = [...new Set(pathVariable.split(path.delimiter).filter(dir => path.isAbsolute(dir)))]
  for (const dir of dirs) {
    let names: string[]
    try {
      names = readdirSync(dir).filter(name => COMPILER_NAME.test(name))
    } catch {
      continue
    }
    if (names.length > 0) hash.update(`dir ${dir}\n`)
    for (const name of names.sort()) {
      let what = 'unreadable'
      try {
        const target = realpathSync(path.join(dir, name))
        const stat = statSync(target)
        what = `${target} ${stat.size} ${Math.floor(stat.mtimeMs)}`
      } catch {
        // a dangling link: its name is still part of the fingerprint
      }
      hash.update(`${name} ${what}\n`)
    }
  }
  return hash.digest('hex').slice(0, 16)
}

function userPackages(userConfigDir: string): string {
  return path.join(userConfigDir, 'packages.yaml')
}

/**
 * Writes the recorded detection into Spack's user scope when it was made for these very compilers; false (nothing
 * written) otherwise.
 */
export function useRecordedDetection(detection: CompilerDetection, userConfigDir: string): boolean {
  if (!existsSync(detection.file)) return false
  let recorded: Recorded
  try {
    recorded = JSON.parse(readFileSync(detection.file, 'utf8')) as Recorded
  } catch {
    return false
  }
  if (recorded.fingerprint !== detection.fingerprint) return false
  if (recorded.packagesYaml !== null) {
    mkdirSync(userConfigDir, { recursive: true })
    writeFileSync(userPackages(userConfigDir), recorded.packagesYaml)
  }
  return true
}

/** Records what `spack compiler find` just wrote into the user scope, for these compilers. */
export function recordDetection(detection: CompilerDetection, userConfigDir: string): void {
  const file = userPackages(userConfigDir)
  const recorded: Recorded = {
    fingerprint: detection.fingerprint,
    packagesYaml: existsSync(file) ? readFileSync(file, 'utf8') : null
  }
  mkdirSync(path.dirname(detection.file), { recursive: true })
  writeFileSync(detection.file, `${JSON.stringify(recorded)}\n`)
}
