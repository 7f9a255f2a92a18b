/**
 * Registration of the package repository that provides slurm (the bundled `spack-repo/`, a workspace path, or a
 * git URL at a ref), checked with Spack itself: every package the repository defines, slurm first, must resolve
 * to its namespace ahead of builtin. Also the repository's content hash and commit for the cache key.
 */
import * as core from '@actions/core'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import type { RepoSource } from '../inputs.js'
import { FatalError, type RetryOptions } from '../retry.js'
import { repoCheckout, workDirs } from '../work.js'
import { pythonArgs, repoAddArgs, repoListArgs, repoRemoveArgs } from './commands.js'
import { cloneVerified, headCommit } from './git.js'
import { CommandError, type SpackRunner } from './runner.js'

export interface RegisteredRepo {
  /** The repository directory registered with Spack (the one holding repo.yaml). */
  readonly path: string
  readonly namespace: string
  /** sha256 over the sorted relative paths and bytes of its files (no __pycache__, .pyc or .git). */
  readonly contentHash: string
  /** The commit checked out, when the repository is a git checkout. */
  readonly commit?: string
  /** Packages the repository defines, as Spack names them. */
  readonly packages: readonly string[]
}

export interface RegisterOptions {
  readonly runnerTemp: string
  readonly retry?: RetryOptions
  /** Packages the repository must define (default: slurm). */
  readonly required?: readonly string[]
  /** Configuration scope the repository is added to (default: the isolated user scope). */
  readonly scope?: string
}

const IGNORED_DIRS = new Set(['__pycache__', '.git'])

/** The directory holding repo.yaml: `dir` itself, or the single one under `dir/spack_repo/` or `dir/repos/spack_repo/`. */
export function findRepoRoot(dir: string): string {
  if (existsSync(path.join(dir, 'repo.yaml'))) return dir
  const candidates: string[] = []
  for (const parent of [path.join(dir, 'spack_repo'), path.join(dir, 'repos', 'spack_repo')]) {
    if (!existsSync(parent) || !statSync(parent).isDirectory()) continue
    for (const entry of readdirSync(parent, { withFileTypes: true })) {
      if (entry.isDirectory() && existsSync(path.join(parent, entry.name, 'repo.yaml')))
        candidates.push(path.join(parent, entry.name))
    }
  }
  if (candidates.length === 1) return candidates[0] as string
  if (candidates.length === 0) {
    throw new FatalError(
      `${dir} is not a Spack package repository (no repo.yaml in it, nor in spack_repo/<namespace>/ below it)`
    )
  }
  throw new FatalError(`${dir} holds several Spack package repositories (${candidates.join(', ')}); name one of them`)
}

/** The namespace repo.yaml declares. */
export function readNamespace(repoRoot: string): string {
  const file = path.join(repoRoot, 'repo.yaml')
  let document: unknown
  try {
    document = parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new FatalError(`${file} is not valid YAML: ${error instanceof Error ? error.message : String(error)}`)
  }
  const namespace = (document as { repo?: { namespace?: unknown } } | null)?.repo?.namespace
  if (typeof namespace !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(namespace)) {
    throw new FatalError(`${file} declares no valid repo.namespace`)
  }
  return namespace
}

/** Files under `dir`, as sorted relative POSIX paths, without __pycache__, .git and .pyc. */
function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = []
  for (const entry of readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name
    if (entry.isDirectory()) {
      if (!IGNORED_DIRS.has(entry.name)) out.push(...listFiles(dir, relative))
    } else if (!entry.name.endsWith('.pyc')) {
      out.push(relative)
    }
  }
  return out
}

/**
 * sha256 over every file of `dir` in sorted order of relative path: for each, the path, a NUL, the length,
 * a NUL and the bytes (a symbolic link contributes its target). Independent of where `dir` is and of mtimes.
 */
export function repoContentHash(dir: string): string {
  const hash = createHash('sha256')
  const files = listFiles(dir).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  for (const relative of files) {
    const full = path.join(dir, ...relative.split('/'))
    const stat = statSync(full, { throwIfNoEntry: false })
    const bytes = stat?.isFile() ? readFileSync(full) : Buffer.from(`symlink:${readlinkSync(full)}`)
    hash.update(relative)
    hash.update('\0')
    hash.update(String(bytes.length))
    hash.update('\0')
    hash.update(bytes)
  }
  return hash.digest('hex')
}

/** Where the repository check is written for `spack python` to run. */
export function checkScript(scratchDir: string): string {
  return path.join(scratchDir, 'check-repo.py')
}

/** The packages a repository must define unless told otherwise. */
export const REQUIRED_PACKAGES: readonly string[] = ['slurm']

/** Where a source's files are: its path, or where a git source is (or will be) checked out. */
export function repoBase(source: RepoSource, runnerTemp: string): string {
  return source.kind === 'git' ? repoCheckout(runnerTemp, source.url, source.ref) : path.resolve(source.path)
}

/**
 * The repository directory Spack is given (`base` itself, or the one repository below `base/spack_repo/`, as in
 * vantagecompute/slurm-factory-spack-repo) and the namespace its repo.yaml declares. The real run and plan mode both
 * resolve a source here.
 */
export function resolveRepo(base: string): { readonly root: string; readonly namespace: string } {
  const root = findRepoRoot(base)
  const namespace = readNamespace(root)
  if (namespace === 'builtin') {
    throw new FatalError(
      `the package repository ${root} uses the namespace builtin, which is Spack's own; give it another namespace`
    )
  }
  return { root, namespace }
}

/** A bundled or workspace source, resolved as `resolveRepo` does; fails first when it is not there. */
export function resolveLocalRepo(
  source: Exclude<RepoSource, { kind: 'git' }>,
  base: string
): { readonly root: string; readonly namespace: string } {
  if (!existsSync(base)) {
    throw new FatalError(
      source.kind === 'bundled'
        ? `the bundled package repository is missing from the action (${base})`
        : `the package repository ${base} does not exist`
    )
  }
  return resolveRepo(base)
}

/** Runs inside `spack python`: what the merged configuration makes of the repository. */
const CHECK_SCRIPT = `import json
import sys

import spack.repo

namespace = sys.argv[1]
required = sys.argv[2:]
out = {"order": [r.namespace for r in spack.repo.PATH.repos], "resolved": {}, "packages": None}
try:
    repo = spack.repo.PATH.get_repo(namespace)
    out["packages"] = sorted(repo.all_package_names())
except Exception as error:
    out["error"] = type(error).__name__ + ": " + str(error)
for name in sorted(set((out["packages"] or []) + required)):
    try:
        out["resolved"][name] = spack.repo.PATH.repo_for_pkg(name).namespace
    except Exception:
        out["resolved"][name] = None
print("SLURM_FACTORY_REPO_CHECK " + json.dumps(out))
`

interface CheckOutput {
  readonly order: string[]
  readonly packages: string[] | null
  readonly resolved: Record<string, string | null>
  readonly error?: string
}

/**
 * Asks Spack which repository each of the repository's packages (and each required one) resolves to; fails
 * clearly when the repository is not seen, lacks a required package, or is shadowed by another one.
 */
export async function checkRepo(
  runner: SpackRunner,
  repo: { path: string; namespace: string },
  required: readonly string[],
  scratchDir: string
): Promise<string[]> {
  mkdirSync(scratchDir, { recursive: true })
  const script = checkScript(scratchDir)
  writeFileSync(script, CHECK_SCRIPT)
  const result = await runner.run(pythonArgs(script, [repo.namespace, ...required]), { silent: true })
  const line = result.stdout.split('\n').find(text => text.startsWith('SLURM_FACTORY_REPO_CHECK '))
  if (!line) throw new Error(`spack python printed no repository check:\n${result.stdout}${result.stderr}`)
  const check = JSON.parse(line.slice('SLURM_FACTORY_REPO_CHECK '.length)) as CheckOutput
  const where = `the package repository ${repo.path} (namespace ${repo.namespace})`
  const order = check.order.join(', ')
  if (check.packages === null) {
    throw new FatalError(
      `${where} is not visible to Spack after \`spack repo add\` (Spack sees: ${order}): ${check.error ?? ''}`
    )
  }
  const missing = required.filter(name => !check.packages?.includes(name))
  if (missing.length > 0) {
    throw new FatalError(
      `${where} does not define ${missing.join(', ')}; it must provide a package for ${missing.join(', ')}`
    )
  }
  const shadowed = Object.entries(check.resolved).filter(
    ([name, namespace]) => (check.packages?.includes(name) || required.includes(name)) && namespace !== repo.namespace
  )
  if (shadowed.length > 0) {
    const detail = shadowed.map(([name, namespace]) => `${name} resolves to ${namespace ?? 'nothing'}`).join(', ')
    throw new FatalError(
      `${where} does not take precedence: ${detail}, not ${repo.namespace} (Spack's repositories in order: ${order})`
    )
  }
  core.info(`Spack resolves ${check.packages.join(', ')} to ${repo.namespace} (repositories in order: ${order})`)
  return check.packages
}

async function addToScope(runner: SpackRunner, repoRoot: string, namespace: string, scope: string): Promise<void> {
  try {
    await runner.run(repoAddArgs(repoRoot, scope), { silent: true })
  } catch (error) {
    if (!(error instanceof CommandError && /already exists/.test(error.message))) throw error
    // Registered earlier in this job (the same scope): replace the entry so it names this checkout.
    await runner.run(repoRemoveArgs(namespace, scope), { silent: true })
    await runner.run(repoAddArgs(repoRoot, scope), { silent: true })
  }
}

/**
 * Makes `source` available (cloning a git source shallowly at its ref), registers it with `spack repo add` in the
 * isolated user scope, where it comes ahead of builtin, and checks that Spack resolves slurm (and every other
 * package of the repository) to it.
 */
export async function registerRepo(
  source: RepoSource,
  runner: SpackRunner,
  options: RegisterOptions
): Promise<RegisteredRepo> {
  const base = repoBase(source, options.runnerTemp)
  let commit: string | undefined
  if (source.kind === 'git') {
    commit = await cloneVerified({
      repository: 'the Spack package repository',
      url: source.url,
      ref: source.ref,
      dest: base,
      ...(/^[0-9a-f]{40}$/.test(source.ref) ? { expectedCommit: source.ref } : {}),
      ...(options.retry ? { retry: options.retry } : {})
    })
  }
  const { root: repoRoot, namespace } = source.kind === 'git' ? resolveRepo(base) : resolveLocalRepo(source, base)
  if (source.kind !== 'git') commit = await headCommit(repoRoot)
  const contentHash = repoContentHash(repoRoot)

  await addToScope(runner, repoRoot, namespace, options.scope ?? 'user')
  const list = await runner.run(repoListArgs(), { silent: true })
  core.info(`spack repo list:\n${list.stdout.trimEnd()}`)
  const packages = await checkRepo(
    runner,
    { path: repoRoot, namespace },
    options.required ?? REQUIRED_PACKAGES,
    workDirs(options.runnerTemp).scratch
  )
  core.info(
    `Package repository ${namespace} at ${repoRoot}: content ${contentHash}${commit ? `, commit ${commit}` : ''}`
  )
  return { path: repoRoot, namespace, contentHash, ...(commit ? { commit } : {}), packages }
}
