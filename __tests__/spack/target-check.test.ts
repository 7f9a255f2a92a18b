import { describe, expect, test } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { checkTarget, cpuFlags, planTargetCheck, x86Level } from '../../src/spack/target-check.js'

describe('checkTarget', () => {
  test.each([
    ['x86_64_v2', 'x86_64_v2', true],
    ['x86_64_v2', 'x86_64', true],
    ['x86_64_v2', 'x86_64_v3', false],
    ['x86_64_v2', 'haswell', false],
    ['haswell', 'x86_64_v3', true],
    ['haswell', 'x86_64_v4', false],
    ['zen4', 'x86_64_v4', true],
    ['zen4', 'zen3', true],
    ['zen3', 'zen4', false],
    ['icelake', 'skylake_avx512', true],
    ['icelake', 'zen2', false],
    ['neoverse_v1', 'aarch64', true],
    ['neoverse_v1', 'armv8.4a', true],
    ['neoverse_n1', 'neoverse_v1', false],
    ['aarch64', 'x86_64', false],
    ['x86_64_v3', 'aarch64', false]
  ])('host %s, requested %s: %s', (host, requested, ok) => {
    expect(checkTarget(requested, host).ok).toBe(ok)
  })

  test('a refusal names both targets and the ways out', () => {
    expect(checkTarget('x86_64_v3', 'x86_64_v2').message).toBe(
      "target: x86_64_v3 can't run on this runner, whose CPU Spack sees as x86_64_v2. Use target: x86_64_v2, or a runner whose CPU supports x86_64_v3"
    )
    expect(checkTarget('zen4', 'haswell').message).toContain('Use target: x86_64_v3 (or haswell)')
  })

  test('an unknown host leaves the decision to Spack', () => {
    expect(checkTarget('x86_64_v3', 'future_cpu').ok).toBe(true)
  })
})

describe('x86 level from /proc/cpuinfo flags', () => {
  const v2 = 'cx16 lahf_lm popcnt sse4_1 sse4_2 ssse3'
  const v3 = `${v2} avx avx2 bmi1 bmi2 f16c fma abm movbe xsave`
  test.each([
    ['fpu sse2', 'x86_64'],
    [v2, 'x86_64_v2'],
    [v3.replace(' abm', ''), 'x86_64_v2'],
    [v3, 'x86_64_v3'],
    [`${v3} avx512f avx512bw avx512cd avx512dq avx512vl`, 'x86_64_v4']
  ])('%s -> %s', (flags, level) => {
    expect(x86Level(cpuFlags(`processor : 0\nflags\t\t: ${flags}\n`))).toBe(level)
  })

  test('plan mode reports the decision from a cpuinfo file', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'cpu-')), 'cpuinfo')
    writeFileSync(file, `flags\t\t: ${v2} avx avx2\n`)
    expect(planTargetCheck('x86_64_v3', file)).toMatch(
      /^fails: target: x86_64_v3 can't run on this runner, whose CPU Spack sees as x86_64_v2/
    )
    expect(planTargetCheck('x86_64_v2', file)).toMatch(/^passes: /)
    expect(planTargetCheck('neoverse_v1', file)).toContain("checked against the runner's CPU by Spack")
  })
})
