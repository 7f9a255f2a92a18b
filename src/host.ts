/** Facts about the runner that decide binary compatibility: OS id and version, machine architecture. */
import { existsSync, readFileSync } from 'node:fs'
import { machine } from 'node:os'

/** `ID-VERSION_ID` from an os-release document, for example `ubuntu-24.04` or `debian-12`. */
export function osFromRelease(text: string): string {
  const field = (name: string): string => {
    const match = new RegExp(`^${name}=(.*)$`, 'm').exec(text)
    return match ? (match[1] as string).trim().replace(/^"(.*)"$/, '$1') : ''
  }
  return [field('ID') || 'linux', field('VERSION_ID') || 'unknown'].join('-')
}

export function hostOs(file = '/etc/os-release'): string {
  return osFromRelease(existsSync(file) ? readFileSync(file, 'utf8') : '')
}

export function hostArch(): string {
  return machine()
}
