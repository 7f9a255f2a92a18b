/** Facts about the runner that decide binary compatibility: OS id and version, machine architecture. */
import { existsSync, readFileSync } from 'node:fs'
import { machine } from 'node:os'

export interface OsRelease {
  readonly id: string
  readonly versionId: string
  readonly prettyName: string
}

/** Parses `/etc/os-release` (KEY=value lines, values optionally quoted). */
export function parseOsRelease(text: string): OsRelease {
  const values = new Map<string, string>()
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim())
    if (!match) continue
    let value = (match[2] as string).trim()
    const quote = value[0]
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
      value = value.slice(1, -1)
      if (quote === '"') value = value.replace(/\\(["\\$`])/g, '$1')
    }
    values.set(match[1] as string, value)
  }
  return {
    id: values.get('ID') ?? 'linux',
    versionId: values.get('VERSION_ID') ?? '',
    prettyName: values.get('PRETTY_NAME') ?? values.get('NAME') ?? 'Linux'
  }
}

/** `ID-VERSION_ID` of the runner, for example `ubuntu-24.04` or `debian-12`. */
export function hostOs(file = '/etc/os-release'): string {
  const release = parseOsRelease(existsSync(file) ? readFileSync(file, 'utf8') : '')
  return `${release.id}-${release.versionId || 'unknown'}`
}

export function hostArch(): string {
  return machine()
}
