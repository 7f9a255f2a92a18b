/**
 * Can this runner run the requested target? Checked before concretizing, so that a target the host can't run fails
 * at once with the ways out, instead of Spack's late "not compatible with this machine".
 */
import { existsSync, readFileSync } from 'node:fs'
import { TARGET_PARENTS } from '../catalog.js'
import { hostTargetArgs } from './commands.js'
import type { SpackRunner } from './runner.js'

export interface TargetCheck {
  readonly ok: boolean
  readonly requested: string
  readonly host: string
  readonly message: string
}

/** The target and every target it descends from. */
export function targetLineage(name: string): Set<string> {
  const seen = new Set<string>()
  const visit = (target: string): void => {
    if (seen.has(target)) return
    seen.add(target)
    for (const parent of TARGET_PARENTS[target] ?? []) visit(parent)
  }
  visit(name)
  return seen
}

/** Pure: the decision for a requested target on a host Spack names `host`. */
export function checkTarget(requested: string, host: string): TargetCheck {
  if (!(host in TARGET_PARENTS)) {
    return {
      ok: true,
      requested,
      host,
      message: `the runner's CPU is ${host}, unknown to this action: Spack decides whether it runs ${requested}`
    }
  }
  const lineage = targetLineage(host)
  if (lineage.has(requested))
    return { ok: true, requested, host, message: `the runner's CPU (${host}) runs ${requested}` }
  const generic = [...lineage]
    .filter(name => /^(x86_64(_v\d)?|aarch64|ppc64le|riscv64)$/.test(name))
    .sort()
    .reverse()
  const suggestion = generic[0] ?? host
  return {
    ok: false,
    requested,
    host,
    message:
      `target: ${requested} can't run on this runner, whose CPU Spack sees as ${host}. ` +
      `Use target: ${suggestion}${host !== suggestion ? ` (or ${host})` : ''}, or a runner whose CPU supports ${requested}`
  }
}

/**
 * The x86-64 level a CPU's flags (from /proc/cpuinfo) reach, the way archspec decides it; undefined for other
 * architectures. Used by plan mode, which runs no Spack.
 */
export function x86Level(flags: ReadonlySet<string>): string {
  const has = (...names: string[]): boolean => names.every(name => flags.has(name))
  if (!has('cx16', 'lahf_lm', 'popcnt', 'sse4_1', 'sse4_2', 'ssse3')) return 'x86_64'
  if (!has('avx', 'avx2', 'bmi1', 'bmi2', 'f16c', 'fma', 'abm', 'movbe', 'xsave')) return 'x86_64_v2'
  if (!has('avx512f', 'avx512bw', 'avx512cd', 'avx512dq', 'avx512vl')) return 'x86_64_v3'
  return 'x86_64_v4'
}

/** The flags line of a /proc/cpuinfo text. */
export function cpuFlags(cpuinfo: string): Set<string> {
  const line = /^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? ''
  return new Set(line.split(/\s+/).filter(Boolean))
}

/** Asks Spack (archspec) which target this runner is, and checks the request against it. */
export async function checkHostTarget(spack: SpackRunner, requested: string): Promise<TargetCheck> {
  const result = await spack.run(hostTargetArgs(), { silent: true })
  const check = checkTarget(requested, result.stdout.trim())
  if (!check.ok) throw new Error(check.message)
  return check
}

/** Plan mode runs no Spack: on x86-64 it reads the CPU's level from /proc/cpuinfo, as archspec would. */
export function planTargetCheck(target: string, cpuinfoFile = '/proc/cpuinfo'): string {
  if (!existsSync(cpuinfoFile) || !targetLineage(target).has('x86_64')) {
    return `${target}: checked against the runner's CPU by Spack before concretizing`
  }
  const check = checkTarget(target, x86Level(cpuFlags(readFileSync(cpuinfoFile, 'utf8'))))
  return `${check.ok ? 'passes' : 'fails'}: ${check.message} (from /proc/cpuinfo; Spack checks again before concretizing)`
}
