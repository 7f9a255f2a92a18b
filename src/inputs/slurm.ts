/** What to build: the Slurm version, the compiler, the variants and the CPU target. */
import { GCC_RELEASES, SLURM_RELEASES, SLURM_SERIES, SLURM_VARIANTS, TARGET_PARENTS } from '../catalog.js'
import { unknownRelease } from '../slurm-releases.js'
import { InputError, quoted } from './fields.js'
import type { BuildRequest, VariantSetting } from './request.js'

const BOOLEAN_VARIANTS = SLURM_VARIANTS.filter(name => name !== 'sysconfdir')
const NAME = '[a-z][a-z0-9_-]*'
const VALUE = '[A-Za-z0-9_./,-]+'

/** A series or a full release of a supported series; with `bundled`, a full release must be one the recipe lists. */
export function parseSlurmVersion(value: string, bundled = true): string {
  const accepted = `accepted: ${SLURM_SERIES.join(', ')} or a full release such as ${SLURM_RELEASES[2]}`
  const match = /^(\d+\.\d+)(\.\d+)?$/.exec(value)
  if (!match) throw new InputError('slurm-version', `${quoted(value)} is not a Slurm version (${accepted})`)
  const series = match[1] as string
  if (!(SLURM_SERIES as readonly string[]).includes(series)) {
    throw new InputError('slurm-version', `${quoted(value)} is not a supported release series (${accepted})`)
  }
  const unknown = bundled ? unknownRelease(value) : undefined
  if (unknown) throw new InputError('slurm-version', unknown)
  return value
}

export function parseCompiler(value: string): BuildRequest['compiler'] {
  if (value === '' || value === 'system') return { kind: 'system' }
  const range = `gcc@${GCC_RELEASES[0]}..${GCC_RELEASES[GCC_RELEASES.length - 1]}`
  const match = /^gcc@(\d+)\.(\d+)\.(\d+)$/.exec(value)
  if (!match) {
    throw new InputError(
      'compiler',
      `${quoted(value)} is not of the form gcc@X.Y.Z (accepted: ${range}, or empty for the runner's GCC)`
    )
  }
  const version = `${match[1]}.${match[2]}.${match[3]}`
  if (!(GCC_RELEASES as readonly string[]).includes(version)) {
    const inRange = compareVersions(version, GCC_RELEASES[0]) >= 0 && compareVersions(version, '15.2.0') <= 0
    throw new InputError(
      'compiler',
      inRange
        ? `${quoted(value)} is not a GCC release (accepted: ${GCC_RELEASES.map(v => `gcc@${v}`).join(', ')})`
        : `${quoted(value)} is outside the supported range ${range}`
    )
  }
  return { kind: 'gcc', version }
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number)
  const pb = b.split('.').map(Number)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

/**
 * Spack variant syntax, token by token: `+name`, `~name` (several may be joined: `+rest+pmix`) or `name=value`.
 * Nothing else passes, so no shell or YAML syntax can reach a command line or a file.
 */
export function parseVariants(value: string, knownNamesOnly: boolean): VariantSetting[] {
  const settings = new Map<string, VariantSetting>()
  const add = (setting: VariantSetting, token: string): void => {
    if (knownNamesOnly && !(SLURM_VARIANTS as readonly string[]).includes(setting.name)) {
      throw new InputError(
        'variants',
        `${quoted(token)}: slurm has no variant "${setting.name}" (accepted: ${SLURM_VARIANTS.join(', ')})`
      )
    }
    if (knownNamesOnly && setting.kind === 'value' && setting.name !== 'sysconfdir') {
      throw new InputError(
        'variants',
        `${quoted(token)}: "${setting.name}" is an on/off variant; write +${setting.name} or ~${setting.name}`
      )
    }
    if (knownNamesOnly && setting.kind === 'bool' && setting.name === 'sysconfdir') {
      throw new InputError('variants', `${quoted(token)}: "sysconfdir" takes a value; write sysconfdir=/path`)
    }
    const earlier = settings.get(setting.name)
    if (earlier && render(earlier) !== render(setting)) {
      throw new InputError('variants', `"${setting.name}" is set twice (${render(earlier)} and ${render(setting)})`)
    }
    settings.set(setting.name, setting)
  }
  for (const token of value.split(/\s+/).filter(Boolean)) {
    if (new RegExp(`^([+~]${NAME})+$`).test(token)) {
      for (const part of token.match(new RegExp(`[+~]${NAME}`, 'g')) ?? []) {
        add({ kind: 'bool', name: part.slice(1), enabled: part.startsWith('+') }, token)
      }
      continue
    }
    const pair = new RegExp(`^(${NAME})=(${VALUE})$`).exec(token)
    if (pair) {
      const [, name, raw] = pair as unknown as [string, string, string]
      const lowered = raw.toLowerCase()
      const isBool =
        (BOOLEAN_VARIANTS as readonly string[]).includes(name) && (lowered === 'true' || lowered === 'false')
      add(isBool ? { kind: 'bool', name, enabled: lowered === 'true' } : { kind: 'value', name, value: raw }, token)
      continue
    }
    throw new InputError(
      'variants',
      `${quoted(token)} is not a Spack variant (accepted tokens: +name, ~name, name=value with letters, digits and _ . / , -)`
    )
  }
  return [...settings.values()].sort((a, b) =>
    a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'bool' ? -1 : 1
  )
}

export function render(setting: VariantSetting): string {
  return setting.kind === 'bool' ? `${setting.enabled ? '+' : '~'}${setting.name}` : `${setting.name}=${setting.value}`
}

export function parseTarget(value: string): string {
  if (!(value in TARGET_PARENTS)) {
    throw new InputError(
      'target',
      `${quoted(value)} is not a CPU target known to Spack (accepted: x86_64, x86_64_v2, x86_64_v3, x86_64_v4, aarch64, ` +
        `or a microarchitecture such as ${['haswell', 'skylake_avx512', 'zen3', 'zen4', 'neoverse_v1'].join(', ')}; all: ${Object.keys(TARGET_PARENTS).join(', ')})`
    )
  }
  return value
}
