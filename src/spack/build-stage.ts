/**
 * What a failed build leaves in Spack's stage, as Spack v1.0 lays it out: `<build_stage>/<user>/spack-stage-<name>-
 * <version>-<hash>/` holding `spack-build-out.txt` (the build's log), `spack-build-NN-<phase>-out.txt` (each phase's),
 * `spack-build-env.txt` (every variable the build was given, `NAME=value; export NAME`), `spack-build-env-mods.txt`,
 * `spack-configure-args.txt`, the source archive and `spack-src/` (with `config.log` for an autotools package built
 * in its source tree). Here: the files worth keeping, the failing configure check read from config.log, and the
 * build environments redacted where they lie.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { redactBuildEnv } from '../secrets.js'

export const BUILD_ENV_FILE = 'spack-build-env.txt'

/** Where an autotools build keeps config.log: in the source tree, or in an out-of-tree build directory. */
export function configLogOf(stage: string): string | undefined {
  const dirs = [
    stage,
    ...readdirOrEmpty(stage)
      .filter(name => /^spack-(src|build)/.test(name))
      .map(name => path.join(stage, name))
  ]
  const logs = dirs.map(dir => path.join(dir, 'config.log')).filter(file => existsSync(file))
  return logs.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]
}

function readdirOrEmpty(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

/** The most lines of a failing check an annotation shows. */
export const CHECK_LINES = 25

/**
 * The failing check of an autoconf `config.log`: from the last `checking ...` line before configure's error to the
 * error itself, with what the compiler or linker said (`gcc: error: unrecognized command-line option ...`,
 * `/usr/bin/ld: cannot find -lfoo`). The program configure tried (`| ` lines) and the `error: in <dir>` line are left
 * out. Empty when the log holds no configure error.
 */
export function failingCheck(configLog: string): string[] {
  const lines = configLog.split('\n')
  let end = -1
  for (let i = lines.length - 1; i >= 0; i--) {
    if (/^configure(:\d+)?: error: /.test(lines[i] as string)) {
      end = i
      break
    }
  }
  if (end < 0) return []
  let start = end
  while (start > 0 && !/^configure:\d+: checking /.test(lines[start] as string)) start--
  const kept = lines
    .slice(start, end + 1)
    .filter(
      line => line.trim() && !line.startsWith('|') && !/^configure(:\d+)?: (failed program was:|error: in )/.test(line)
    )
  return kept.length > CHECK_LINES ? [...kept.slice(0, CHECK_LINES - 1), kept[kept.length - 1] as string] : kept
}

/** The stage directories under `buildStage` (`<user>/spack-stage-*`, or `spack-stage-*` directly). */
export function stageDirs(buildStage: string): string[] {
  const found: string[] = []
  for (const name of readdirOrEmpty(buildStage)) {
    const full = path.join(buildStage, name)
    if (name.startsWith('spack-stage-')) found.push(full)
    else
      for (const inner of readdirOrEmpty(full)) if (inner.startsWith('spack-stage-')) found.push(path.join(full, inner))
  }
  return found
}

/**
 * Redacts every build environment file left under `buildStage` where it lies: Spack writes all the variables a build
 * was given, and a build that reaches an OCI mirror is given its credentials (src/build.ts). The file stays, for
 * whoever debugs on the runner, without them.
 */
export function redactStagedEnvironments(buildStage: string): number {
  let redacted = 0
  for (const stage of stageDirs(buildStage)) {
    const file = path.join(stage, BUILD_ENV_FILE)
    if (!existsSync(file)) continue
    const text = readFileSync(file, 'utf8')
    const clean = redactBuildEnv(text)
    if (clean !== text) {
      writeFileSync(file, clean, { mode: 0o600 })
      redacted++
    }
  }
  return redacted
}

/**
 * The files that explain a failed build: the environment's spack.yaml and spack.lock, and from the failing package's
 * stage its log, its build environment (redacted when uploaded), its configure arguments and config.log.
 */
export function debugFiles(buildLog: string | undefined, envDir: string): string[] {
  const files = [path.join(envDir, 'spack.yaml'), path.join(envDir, 'spack.lock')]
  if (buildLog) {
    const stage = path.dirname(buildLog)
    files.push(buildLog, path.join(stage, BUILD_ENV_FILE), path.join(stage, 'spack-configure-args.txt'))
    const configLog = configLogOf(stage)
    if (configLog) files.push(configLog)
  }
  return files.filter(file => existsSync(file))
}
