/**
 * The installed tree, kept in the Actions cache beside the build cache: Spack's install tree (the packages and Spack's
 * database, `.spack-db/`), the environment's view and the kept locks, saved by the post step of a complete build and
 * restored, on the next run of the very same build, at the very same paths. Nothing is left to install: a warm run
 * pays for one download and a `tar -x`, not for Spack unpacking, checking and relocating each binary package, nor for
 * `spack install` confirming what the tree's check already proved.
 *
 * Its key is the build cache's primary key with `-installed`: the primary key hashes the rendered spack.yaml, which
 * names the install tree's root, so a runner whose RUNNER_TEMP lies elsewhere has another key and never gets a tree
 * built for other paths. (The family restore key does not find these entries either: the Actions cache matches keys
 * only among entries of the same paths.) A tree that the rendered spack.yaml does not place at the action's install
 * root (a site's `spack-config` moved it) is not kept at all.
 *
 * A restored tree is used only when it is whole: every package of every kept lock, made from this very spack.yaml,
 * is recorded as installed in Spack's database, its prefix holds Spack's `.spack/spec.json`, and the view links to
 * a directory of its own. Otherwise it is removed and the build restores the build cache as before.
 */
import * as core from '@actions/core'
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import { lockedSpecs } from '../spack/lock.js'
import type { WrittenEnvironment } from '../spack/prepare.js'
import { environmentDigest, keptLock, type CachePaths } from './build-cache.js'
import { completeKey, type JobRun } from './keys.js'
import { restoreEntry, saveEntry, stagedEntry, type CacheEntry, type GuardOptions } from './service.js'
import type { StagedDir } from './staging.js'

const WHAT = 'the installed tree'

export interface InstalledTree {
  readonly entry: CacheEntry
  readonly installRoot: string
  /** The environment's view (a link Spack points at a directory beside it), when an environment has one. */
  readonly viewRoot?: string
  readonly paths: CachePaths
  /** The environments whose packages the tree must hold (the compiler's first, when one is built). */
  readonly environments: readonly WrittenEnvironment[]
}

/**
 * What the keys of a build's installed trees start with. Each is saved under `<this>-complete-<run>-<attempt>` and the
 * newest is restored, so a tree that turns out damaged is replaced by the next complete build's.
 */
export function installedTreeKey(primaryKey: string): string {
  return `${primaryKey}-installed`
}

/** The key this run saves a tree under: `<tree key>-complete-<run>-<attempt>`, which the restore's prefix finds. */
export function installedTreeSaveKey(tree: InstalledTree, run: JobRun): string {
  return completeKey(tree.entry.key, run.id, run.attempt)
}

/** The install tree's root as a rendered spack.yaml sets it (`config:install_tree:root`), if it does. */
export function renderedInstallRoot(environment: string): string | undefined {
  const doc = parse(environment) as { spack?: Record<string, unknown> } | null
  const config = (doc?.spack?.['config:'] ?? doc?.spack?.config) as Record<string, unknown> | undefined
  const tree = (config?.['install_tree:'] ?? config?.install_tree) as { root?: unknown } | string | undefined
  const root = typeof tree === 'string' ? tree : tree?.root
  return typeof root === 'string' ? root : undefined
}

/** The root of a rendered spack.yaml's view (`view:default:root`, or `view: <path>`); undefined for `view: false`. */
export function renderedViewRoot(environment: string): string | undefined {
  const doc = parse(environment) as { spack?: Record<string, unknown> } | null
  const view = (doc?.spack?.['view:'] ?? doc?.spack?.view) as { default?: { root?: unknown } } | string | boolean
  const root = typeof view === 'string' ? view : typeof view === 'object' ? view?.default?.root : undefined
  return typeof root === 'string' ? root : undefined
}

/** Where Spack keeps the directories a view links to: `._<name>` beside the view. */
export function viewStore(viewRoot: string): string {
  return path.join(path.dirname(viewRoot), `._${path.basename(viewRoot)}`)
}

/**
 * The installed tree of a build, or undefined (with the reason in the log) when an environment installs, or keeps
 * its view, elsewhere than the action's layout.
 */
export function installedTreeOf(
  primaryKey: string,
  layout: { readonly installRoot: string; readonly viewRoot: string },
  paths: CachePaths,
  environments: readonly WrittenEnvironment[]
): InstalledTree | undefined {
  const { installRoot, viewRoot } = layout
  for (const { envDir, environment } of environments) {
    const root = renderedInstallRoot(environment)
    const view = renderedViewRoot(environment)
    if (root === installRoot && (view === undefined || view === viewRoot)) continue
    const where = root !== installRoot ? `installs into ${root ?? "Spack's default tree"}` : `keeps its view in ${view}`
    core.info(`${path.basename(envDir)} ${where}, not where the action's layout has it: the installed tree is not kept`)
    return undefined
  }
  const viewed = environments.some(env => renderedViewRoot(env.environment) !== undefined)
  const stored = (name: string): string => path.join(paths.transfer, 'installed-tree', name)
  // Staged (src/cache/staging.ts): unpacked beside and moved into place when whole. The view's link is kept as its
  // target and made again after the directory it points to is in place.
  const dirs: StagedDir[] = [
    { stored: stored('install'), live: installRoot },
    { stored: stored('cache-state'), live: paths.state },
    ...(viewed
      ? [
          { stored: stored('view-store'), live: viewStore(viewRoot) },
          { stored: stored('view-link'), live: viewRoot, link: true }
        ]
      : [])
  ]
  const entry = stagedEntry(WHAT, installedTreeKey(primaryKey), dirs)
  return { entry, installRoot, ...(viewed ? { viewRoot } : {}), paths, environments }
}

interface DatabaseRecord {
  readonly path?: string | null
  readonly installed?: boolean
}

const PLACEHOLDER = '__spack_path_placeholder__'

/**
 * Spack's database file: `.spack-db/index.json` at the store's root, which with `padded_length` lies below the
 * configured root in directories named after Spack's path placeholder (the last one cut to length).
 */
export function databaseFile(installRoot: string): string {
  let dir = installRoot
  for (let depth = 0; depth < 64; depth++) {
    const file = path.join(dir, '.spack-db', 'index.json')
    if (existsSync(file) || !existsSync(dir)) return file
    const padding = readdirSync(dir).filter(name => name.length > 2 && PLACEHOLDER.startsWith(name))
    if (padding.length !== 1) return file
    dir = path.join(dir, padding[0] as string)
  }
  return path.join(dir, '.spack-db', 'index.json')
}

function readDatabase(installRoot: string): Record<string, DatabaseRecord> | string {
  const file = databaseFile(installRoot)
  if (!existsSync(file)) return `Spack's database ${file} is missing`
  try {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { database?: { installs?: Record<string, DatabaseRecord> } }
    return doc.database?.installs ?? `Spack's database ${file} records no installs`
  } catch (error) {
    return `Spack's database ${file} is not JSON: ${error instanceof Error ? error.message : String(error)}`
  }
}

/** What keeps the tree from being used as installed; empty when it is whole. */
export function treeProblems(tree: InstalledTree): string[] {
  const installs = readDatabase(tree.installRoot)
  if (typeof installs === 'string') return [installs]
  const problems: string[] = []
  if (tree.viewRoot && !viewInPlace(tree.viewRoot)) problems.push(`the view ${tree.viewRoot} is missing`)
  for (const { envDir, environment } of tree.environments) {
    const { lock, madeFrom } = keptLock(tree.paths, envDir)
    const name = path.basename(envDir)
    if (!existsSync(lock)) {
      problems.push(`no kept lock of ${name}`)
      continue
    }
    if (!existsSync(madeFrom) || readFileSync(madeFrom, 'utf8').trim() !== environmentDigest(environment)) {
      problems.push(`the kept lock of ${name} was made from another spack.yaml`)
      continue
    }
    for (const spec of lockedSpecs(readFileSync(lock, 'utf8'))) {
      if (spec.external) continue
      const record = installs[spec.hash]
      const id = `${spec.name}@${spec.version}/${spec.hash.slice(0, 7)}`
      if (!record?.installed || !record.path) problems.push(`${id} is not recorded as installed`)
      else if (!existsSync(path.join(record.path, '.spack', 'spec.json')))
        problems.push(`${id}: ${record.path} is missing or incomplete`)
    }
  }
  return problems
}

/** A view as Spack leaves it: a link to a directory in the view's store. */
function viewInPlace(viewRoot: string): boolean {
  try {
    if (!lstatSync(viewRoot).isSymbolicLink()) return false
    const target = realpathSync(viewRoot)
    return statSync(target).isDirectory() && path.dirname(target) === realpathSync(viewStore(viewRoot))
  } catch {
    return false
  }
}

/**
 * Restores the newest tree of this very build. Its key when it came back whole; a tree that did not is removed, with
 * the restored locks, so that the build cache's restore starts from a clean slate.
 */
export async function restoreInstalledTree(tree: InstalledTree, guard: GuardOptions = {}): Promise<string | undefined> {
  const restored = await restoreEntry(tree.entry, {
    ...guard,
    restoreKeys: [`${tree.entry.key}-complete-`],
    without: 'installing from the build cache instead'
  })
  if (restored.outcome === 'missed') core.info(`No installed tree ${tree.entry.key}: installing from the build cache`)
  if (restored.outcome !== 'done') return undefined
  const problems = treeProblems(tree)
  if (problems.length === 0) {
    core.info(`Restored the installed tree ${restored.key}: every package is installed, and the view in place`)
    return restored.key ?? tree.entry.key
  }
  core.warning(
    `The restored installed tree ${restored.key} is not whole (${problems.slice(0, 3).join('; ')}${problems.length > 3 ? `; ${problems.length - 3} more` : ''}): removed, installing from the build cache instead`
  )
  for (const dir of tree.entry.staged ?? []) rmSync(dir.live, { recursive: true, force: true })
  return undefined
}

/** Saves the tree after a complete build under `key`; nothing (said in the log) when it is not whole. */
export async function saveInstalledTree(tree: InstalledTree, key: string, guard: GuardOptions = {}): Promise<boolean> {
  const problems = treeProblems(tree)
  if (problems.length > 0) {
    core.info(`The installed tree is not whole, not saved: ${problems.slice(0, 3).join('; ')}`)
    return false
  }
  return saveEntry({ ...tree.entry, key }, guard)
}
