/**
 * Real-Spack suites run only when SPACK_ROOT points at a Spack v1.0 tree (see DEVELOPERS.md); otherwise they
 * register one skipped test whose name says why, and print the reason once.
 */
import { describe, test } from '@jest/globals'
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

export const SPACK_ROOT =
  process.env.SPACK_ROOT && existsSync(path.join(process.env.SPACK_ROOT, 'bin', 'spack'))
    ? process.env.SPACK_ROOT
    : undefined

export const SKIP_REASON = 'skipped: SPACK_ROOT does not point at a Spack v1.0 tree (see DEVELOPERS.md, "Real Spack")'

/** `describe` when real Spack is available; otherwise a single skipped test that says why. */
export function describeWithSpack(name: string, body: (spackRoot: string) => void): void {
  if (SPACK_ROOT) {
    describe(name, () => body(SPACK_ROOT as string))
  } else {
    describe(name, () => {
      test.skip(SKIP_REASON, () => undefined)
    })
    process.stderr.write(`[real Spack] ${name}: ${SKIP_REASON}\n`)
  }
}

/**
 * An environment that isolates Spack's user state in a fresh temporary directory, keeping Spack's own site scope
 * ($SPACK_ROOT/etc/spack), which names the builtin repository on a prepared machine.
 */
export function isolatedSpackEnv(
  spackRoot: string,
  base = mkdtempSync(path.join(tmpdir(), 'spack-user-'))
): Record<string, string> {
  return {
    SPACK_ROOT: spackRoot,
    SPACK_USER_CONFIG_PATH: path.join(base, 'config'),
    SPACK_SYSTEM_CONFIG_PATH: path.join(base, 'system'),
    SPACK_USER_CACHE_PATH: path.join(base, 'cache')
  }
}

/** The offline kit's externals file ($OFFLINE_EXTERNALS), when there is one: tests that concretize Slurm need it. */
export const KIT_EXTERNALS =
  process.env.OFFLINE_EXTERNALS && existsSync(process.env.OFFLINE_EXTERNALS) ? process.env.OFFLINE_EXTERNALS : undefined

/**
 * Writes `envDir/spack.yaml`: `specs`, no view, the kit's externals included and its source mirror as the only mirror.
 */
export function writeKitEnvironment(envDir: string, specs: readonly string[], unify: boolean): void {
  const mirror = process.env.OFFLINE_SOURCE_MIRROR
  mkdirSync(envDir, { recursive: true })
  writeFileSync(
    path.join(envDir, 'spack.yaml'),
    [
      'spack:',
      '  specs:',
      ...specs.map(spec => `  - ${spec}`),
      '  view: false',
      '  concretizer:',
      `    unify: ${unify}`,
      '  include:',
      `  - ${KIT_EXTERNALS ?? ''}`,
      ...(mirror ? ['  mirrors::', `    offline: ${mirror}`] : []),
      ''
    ].join('\n')
  )
}

/**
 * Writes a script for `spack python` that opens the concretized environment in `envDir` as `e` (with `specs`, every
 * node of its roots by hash), runs `body` (Python lines that set `out`) and prints `out` as one JSON line.
 */
export function writeConcreteScript(file: string, envDir: string, body: readonly string[]): void {
  writeFileSync(
    file,
    [
      'import json',
      'import spack.environment as ev',
      `e = ev.Environment(${JSON.stringify(envDir)})`,
      'specs = {s.dag_hash(): s for r in e.concrete_roots() for s in r.traverse()}',
      ...body,
      'print(json.dumps(out))'
    ].join('\n')
  )
}
