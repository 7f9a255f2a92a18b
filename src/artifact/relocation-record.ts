/**
 * What a tree says about its own relocation: the recipe's list of compiled-in paths it resolves at run time
 * (written into the install prefix by the slurm_factory recipe), and, once the artifact is made, the `relocation`
 * section of manifest.json (those paths and the build prefixes the tree was audited against).
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { MANIFEST_FILE, RESOLVED_PATHS_FILE } from './layout.js'

export interface RelocationRecord {
  /** Build-machine paths the tree was audited against (install tree, view). */
  readonly buildPrefixes: readonly string[]
  /** Paths relative to the tree ('.' for the tree itself) that the build compiled in and resolves at run time. */
  readonly resolvedAtRunTime: readonly string[]
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`)
  }
}

function stringList(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || !value.every(item => typeof item === 'string'))
    throw new Error(`${what} is not a list of paths`)
  return [...value].sort()
}

/** The recipe's record in `tree` (an install prefix or a staged tree), or an empty list when there is none. */
export function readResolvedPaths(tree: string): string[] {
  const file = path.join(tree, RESOLVED_PATHS_FILE)
  if (!existsSync(file)) return []
  const doc = readJson(file) as { resolvedAtRunTime?: unknown } | null
  return stringList(doc?.resolvedAtRunTime, `${file}: resolvedAtRunTime`)
}

/**
 * The relocation record of an unpacked artifact: manifest.json's `relocation` section when it has one, else what
 * the recipe's record gives (no build prefixes then).
 */
export function readTreeRecord(tree: string, manifestFile = MANIFEST_FILE): RelocationRecord {
  const manifest = path.join(tree, manifestFile)
  if (existsSync(manifest)) {
    const section = (readJson(manifest) as { relocation?: Partial<Record<keyof RelocationRecord, unknown>> } | null)
      ?.relocation
    if (section) {
      return {
        buildPrefixes: stringList(section.buildPrefixes ?? [], `${manifest}: relocation.buildPrefixes`),
        resolvedAtRunTime: stringList(section.resolvedAtRunTime ?? [], `${manifest}: relocation.resolvedAtRunTime`)
      }
    }
  }
  return { buildPrefixes: [], resolvedAtRunTime: readResolvedPaths(tree) }
}
