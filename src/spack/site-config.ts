/**
 * The `spack-config` input: Spack configuration a site adds to the rendered environment (externals, compilers,
 * config, concretizer, mirrors, ...), and how it merges. Pure apart from reading the file a path names.
 *
 * Merging follows Spack's precedence between configuration scopes, the site's configuration being the higher one:
 * mappings merge key by key, the site's scalar wins, the site's list entries come first, and a key written with two
 * colons (`mirrors::`) replaces the rendered section whole.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import { quoted } from '../inputs/fields.js'
import { maskUrlCredentials } from '../secrets.js'

/** Sections of Spack's configuration an environment may hold, as Spack v1.0's schema names them. */
export const CONFIG_SECTIONS = [
  'bootstrap',
  'cdash',
  'ci',
  'compilers',
  'concretizer',
  'config',
  'container',
  'definitions',
  'develop',
  'env_vars',
  'include',
  'mirrors',
  'modules',
  'packages',
  'repos',
  'toolchains',
  'upstreams',
  'view'
] as const

/** Sections the action owns: a site can't set them through spack-config. */
const OWNED = ['specs'] as const

export type SiteConfig = Readonly<Record<string, unknown>>

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Reads `spack-config`: empty, inline YAML, or a path (relative to the workspace) to a YAML file. Throws an Error
 * whose message says what is wrong; the input's reader names the input.
 */
export function parseSiteConfig(value: string, workspace: string): SiteConfig | undefined {
  const text = value.trim()
  if (text === '') return undefined
  let source = 'inline YAML'
  let yamlText = text
  if (!text.includes('\n') && !text.includes(':')) {
    const file = path.resolve(workspace, text)
    if (!existsSync(file) || !statSync(file).isFile()) {
      throw new Error(`${quoted(text)} is neither inline YAML nor a readable file (looked at ${file})`)
    }
    source = file
    yamlText = readFileSync(file, 'utf8')
  }
  let doc: unknown
  try {
    doc = parse(yamlText)
  } catch (error) {
    throw new Error(`${source} is not valid YAML: ${(error as Error).message.split('\n')[0]}`)
  }
  // A whole spack.yaml or a scope file is accepted: `spack:` around the sections is optional.
  if (isMapping(doc) && Object.keys(doc).length === 1 && isMapping(doc.spack)) doc = doc.spack
  if (!isMapping(doc)) {
    throw new Error(
      `${source} must be a mapping of Spack configuration sections (accepted: ${CONFIG_SECTIONS.join(', ')})`
    )
  }
  for (const [key, section] of Object.entries(doc)) {
    const name = key.replace(/:$/, '')
    if ((OWNED as readonly string[]).includes(name)) {
      throw new Error(
        `section "${name}" is set by the action from its inputs (slurm-version, variants, compiler, target); remove it`
      )
    }
    if (!(CONFIG_SECTIONS as readonly string[]).includes(name)) {
      throw new Error(
        `section "${name}" is not a Spack configuration section (accepted: ${CONFIG_SECTIONS.join(', ')})`
      )
    }
    const listSections = ['compilers', 'definitions', 'include']
    if (listSections.includes(name) ? !Array.isArray(section) : !isMapping(section)) {
      throw new Error(
        `section "${name}" must be a ${listSections.includes(name) ? 'list' : 'mapping'}, not ${quoted(maskUrlCredentials(JSON.stringify(section) ?? String(section)))}`
      )
    }
    if (name === 'mirrors') refuseUrlCredentials(section, key)
  }
  return doc
}

/**
 * A mirror whose URL carries credentials (`https://user:password@host`): Spack v1.0 cannot use it (it reads
 * "user:password@host" as a host and a port), and spack.yaml, the plan and the logs would show it. Refused, masked.
 */
function refuseUrlCredentials(value: unknown, where: string): void {
  if (typeof value === 'string') {
    if (/^[a-z][a-z0-9+.-]*:\/\/[^/\s]*@/i.test(value))
      throw new Error(
        `${where}: ${quoted(maskUrlCredentials(value))} carries credentials in the URL, which Spack v1.0 cannot use; ` +
          'give an oci:// mirror with oci-username and oci-password (access_pair), or an s3:// one with the AWS variables of the job'
      )
    return
  }
  if (Array.isArray(value)) value.forEach((item, index) => refuseUrlCredentials(item, `${where}[${index}]`))
  else if (isMapping(value))
    for (const [key, item] of Object.entries(value)) refuseUrlCredentials(item, `${where}.${key}`)
}

/** Merges `high` (the site's) over `low` (the rendered section), the way Spack merges a higher scope over a lower. */
export function mergeConfig(low: unknown, high: unknown): unknown {
  if (Array.isArray(low) && Array.isArray(high))
    return [...high, ...low.filter(item => !high.some(h => JSON.stringify(h) === JSON.stringify(item)))]
  if (!isMapping(low) || !isMapping(high)) return high
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(low)) {
    if (!(`${key}:` in high)) out[key] = value
  }
  for (const [key, value] of Object.entries(high)) {
    if (key.endsWith(':')) {
      out[key] = value
      continue
    }
    out[key] = key in low ? mergeConfig(low[key], value) : value
  }
  return out
}
