/**
 * A user's package repository against the request, before concretizing: Spack (`spack python`, seconds) reads the
 * repository's `slurm` recipe, and the request is fitted to it. A version it cannot give, or a variant asked for that
 * it does not define, fails naming what it lacks and what it has; a recipe that names versions after GitHub's tags
 * (`25-11-6-1`) gets the dotted request mapped to them; the action's default variants it lacks are dropped with a
 * warning. (The bundled repository needs none of this: the catalog and the input checks describe it.)
 */
import * as core from '@actions/core'
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { DEFAULT_VARIANTS } from '../catalog.js'
import { type BuildRequest, InputError, parseVariants, render, type VariantSetting } from '../inputs.js'
import { pythonArgs } from './commands.js'
import type { SpackRunner } from './runner.js'

/** What Spack reads of a slurm recipe. */
export interface SlurmRecipe {
  /** In the recipe's order, as Spack spells them. */
  readonly versions: ReadonlyArray<{ readonly version: string; readonly deprecated: boolean }>
  /** Variant name to its kinds over all its definitions (`bool`, `single`, `multi`). */
  readonly variants: Readonly<Record<string, readonly string[]>>
}

/** Where the recipe lives, for messages. */
export interface RecipeSource {
  readonly path: string
  readonly namespace: string
}

export interface FittedRequest {
  readonly request: BuildRequest
  /** What was changed or dropped, one line each (warnings for dropped variants). */
  readonly notes: readonly string[]
  readonly warnings: readonly string[]
}

const MARKER = 'SLURM_FACTORY_RECIPE_CHECK '

/** Runs inside `spack python`: the versions and variants of the namespace's slurm class. */
export const RECIPE_SCRIPT = `import json
import sys

import spack.repo

namespace = sys.argv[1]
out = {}
try:
    cls = spack.repo.PATH.get_repo(namespace).get_pkg_class("slurm")
    out["versions"] = [
        {"version": str(v), "deprecated": bool(info.get("deprecated", False))} for v, info in cls.versions.items()
    ]
    out["variants"] = {
        name: sorted({variant.variant_type.string for _, variant in cls.variant_definitions(name)})
        for name in cls.variant_names()
    }
except Exception as error:
    out = {"error": type(error).__name__ + ": " + str(error)}
print("${MARKER}" + json.dumps(out))
`

/** Where the check's script is written. */
export function recipeScriptPath(scratchDir: string): string {
  return path.join(scratchDir, 'recipe-check.py')
}

/** The command that asks Spack for the slurm recipe of the repository `namespace`. */
export function recipeCheckArgs(script: string, namespace: string): string[] {
  return pythonArgs(script, [namespace])
}

/** Asks Spack for the slurm recipe of the registered repository `repo`. */
export async function readSlurmRecipe(
  runner: SpackRunner,
  repo: RecipeSource,
  scratchDir: string
): Promise<SlurmRecipe> {
  mkdirSync(scratchDir, { recursive: true })
  const script = recipeScriptPath(scratchDir)
  writeFileSync(script, RECIPE_SCRIPT)
  const result = await runner.run(recipeCheckArgs(script, repo.namespace), { silent: true })
  const line = result.stdout.split('\n').find(text => text.startsWith(MARKER))
  if (!line) throw new Error(`spack python printed no recipe check:\n${result.stdout}${result.stderr}`)
  const out = JSON.parse(line.slice(MARKER.length)) as Partial<SlurmRecipe> & { error?: string }
  if (out.error || !out.versions || !out.variants) {
    throw new InputError('spack-repo', `Spack cannot load slurm from ${where(repo)}: ${out.error ?? 'no answer'}`)
  }
  return { versions: out.versions, variants: out.variants }
}

function where(repo: RecipeSource): string {
  return `the package repository ${repo.path} (namespace ${repo.namespace})`
}

/** A version's numbers, whatever the separators (`25-11-6-1`, `25.11.6`); undefined for `master` and the like. */
function numbers(version: string): number[] | undefined {
  const parts = version.split(/[.\-_]/)
  return parts.every(part => /^\d+$/.test(part)) ? parts.map(Number) : undefined
}

function newer(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    if ((a[i] ?? -1) !== (b[i] ?? -1)) return (a[i] ?? -1) - (b[i] ?? -1)
  return 0
}

/**
 * The version to ask Spack for: the request itself when the recipe spells it (or a release of it) with dots, as
 * Spack then matches it; otherwise the recipe's newest version whose numbers start with the request's.
 */
export function fitVersion(requested: string, recipe: SlurmRecipe, repo: RecipeSource): string {
  const wanted = requested.split('.').map(Number)
  const matching = recipe.versions.filter(({ version }) => {
    const n = numbers(version)
    return n !== undefined && wanted.every((part, i) => n[i] === part)
  })
  if (matching.length === 0) {
    throw new InputError(
      'slurm-version',
      `${JSON.stringify(requested)}: slurm in ${where(repo)} has no such version (its versions: ${
        recipe.versions.map(v => v.version).join(', ') || 'none'
      })`
    )
  }
  if (matching.every(({ version }) => version === requested || version.startsWith(`${requested}.`))) return requested
  const usable = matching.some(v => !v.deprecated) ? matching.filter(v => !v.deprecated) : matching
  const best = usable.reduce((a, b) => (newer(numbers(b.version) ?? [], numbers(a.version) ?? []) > 0 ? b : a))
  return best.version
}

/** The request's variants the recipe defines; an explicit one it lacks is an error, a default one is dropped. */
export function fitVariants(
  variants: readonly VariantSetting[],
  recipe: SlurmRecipe,
  repo: RecipeSource
): { variants: VariantSetting[]; dropped: VariantSetting[] } {
  const defaults = parseVariants(DEFAULT_VARIANTS, false).map(render).join(' ')
  const byDefault = variants.map(render).join(' ') === defaults
  const has = Object.keys(recipe.variants).sort()
  const hasText = has.length ? has.join(', ') : 'none'
  const kept: VariantSetting[] = []
  const dropped: VariantSetting[] = []
  for (const setting of variants) {
    const kinds = recipe.variants[setting.name]
    if (!kinds) {
      if (byDefault) {
        dropped.push(setting)
        continue
      }
      throw new InputError(
        'variants',
        `${render(setting)}: slurm in ${where(repo)} has no variant "${setting.name}" (its variants: ${hasText})`
      )
    }
    kept.push(fitKind(setting, kinds, repo))
  }
  return { variants: kept, dropped }
}

/** An on/off setting for an on/off variant, a value for a valued one (`name=true` counts as on/off). */
function fitKind(setting: VariantSetting, kinds: readonly string[], repo: RecipeSource): VariantSetting {
  const isBool = kinds.includes('bool')
  if (setting.kind === 'value' && isBool && /^(true|false)$/i.test(setting.value))
    return { kind: 'bool', name: setting.name, enabled: setting.value.toLowerCase() === 'true' }
  if (setting.kind === 'bool' && !isBool)
    throw new InputError(
      'variants',
      `${render(setting)}: "${setting.name}" of slurm in ${where(repo)} takes a value; write ${setting.name}=...`
    )
  if (setting.kind === 'value' && isBool && kinds.length === 1)
    throw new InputError(
      'variants',
      `${render(setting)}: "${setting.name}" of slurm in ${where(repo)} is on/off; write +${setting.name} or ~${setting.name}`
    )
  return setting
}

/** The request fitted to the recipe (pure). */
export function fitRequest(request: BuildRequest, recipe: SlurmRecipe, repo: RecipeSource): FittedRequest {
  const version = fitVersion(request.slurmVersion, recipe, repo)
  const { variants, dropped } = fitVariants(request.variants, recipe, repo)
  const notes: string[] = []
  if (version !== request.slurmVersion)
    notes.push(
      `slurm-version ${request.slurmVersion} is ${version} in ${where(repo)}, which names versions its own way`
    )
  const warnings = dropped.map(
    setting =>
      `${render(setting)} (a default of the action) is dropped: slurm in ${where(repo)} has no variant "${setting.name}"`
  )
  return { request: { ...request, slurmVersion: version, variants }, notes, warnings }
}

/**
 * For a user's repository: reads its slurm recipe with Spack and returns the request fitted to it, logging what was
 * mapped and warning about what was dropped. The bundled repository's request is returned as it is.
 */
export async function fitRequestToRepo(
  request: BuildRequest,
  runner: SpackRunner,
  repo: RecipeSource,
  scratchDir: string
): Promise<BuildRequest> {
  if (request.repo.kind === 'bundled') return request
  const recipe = await readSlurmRecipe(runner, repo, scratchDir)
  core.info(
    `slurm in ${where(repo)}: versions ${recipe.versions.map(v => v.version).join(', ')}; variants ${Object.keys(recipe.variants).sort().join(', ')}`
  )
  const fitted = fitRequest(request, recipe, repo)
  for (const note of fitted.notes) core.info(note)
  for (const warning of fitted.warnings) core.warning(warning)
  return fitted.request
}
