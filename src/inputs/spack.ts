/** The Spack to build with and the package repository that provides slurm, and the site's Spack configuration. */
import { existsSync, statSync } from 'node:fs'
import path from 'node:path'
import { SPACK_PINS } from '../catalog.js'
import { parseSiteConfig, type SiteConfig } from '../spack/site-config.js'
import { InputError, lineOf, quoted, singleLine } from './fields.js'
import { valueOf, type Get } from './names.js'
import type { InputContext, RepoSource, SpackSource } from './request.js'

export function parseSpack(get: Get, context: InputContext): SpackSource {
  const version = lineOf(get, 'spack-version')
  if (!/^v\d+\.\d+\.\d+$/.test(version)) {
    throw new InputError(
      'spack-version',
      `${quoted(version)} is not a Spack release tag (accepted: vX.Y.Z, for example v1.0.0)`
    )
  }
  const commitInput = lineOf(get, 'spack-commit')
  if (commitInput && !/^[0-9a-f]{40}$/.test(commitInput)) {
    throw new InputError('spack-commit', `${quoted(commitInput)} is not a full 40-hex-digit commit id`)
  }
  const pinned = SPACK_PINS[version]
  if (commitInput && pinned && commitInput !== pinned) {
    throw new InputError('spack-commit', `${commitInput} contradicts the pin of ${version}, which is ${pinned}`)
  }
  const commit = commitInput || pinned
  const rootInput = lineOf(get, 'spack-root')
  if (rootInput) {
    const root = path.resolve(context.workspace, rootInput)
    if (!existsSync(path.join(root, 'bin', 'spack'))) {
      throw new InputError('spack-root', `${quoted(rootInput)} is not a Spack installation (no bin/spack in ${root})`)
    }
    return { version, root, ...(commit ? { commit } : {}) }
  }
  if (!commit) {
    throw new InputError(
      'spack-version',
      `${version} has no pinned commit (pinned: ${Object.keys(SPACK_PINS).join(', ')}); give its commit id in spack-commit, or use spack-root`
    )
  }
  return { version, commit }
}

export function parseRepo(value: string, context: InputContext): RepoSource {
  value = singleLine('spack-repo', value)
  if (value === '') return { kind: 'bundled', path: path.join(context.actionPath, 'spack-repo') }
  const git = /^((?:https?|ssh|git|file):\/\/[^\s@]+|git@[A-Za-z0-9.-]+:[^\s@]+)(?:@([A-Za-z0-9._/-]+))?$/.exec(value)
  if (git) {
    const [, url, ref] = git as unknown as [string, string, string | undefined]
    if (!ref)
      throw new InputError(
        'spack-repo',
        `${quoted(value)} names a git repository but no ref; append @<tag, branch or commit>`
      )
    if (ref.startsWith('-') || ref.includes('..'))
      throw new InputError('spack-repo', `${quoted(ref)} is not a valid git ref`)
    const optionLike = optionLikePart(url)
    if (optionLike)
      throw new InputError(
        'spack-repo',
        `${quoted(url)}: ${optionLike} starts with "-", which git would take for an option (accepted: https://host/repo.git@ref, ssh://host/repo.git@ref, git@host:repo.git@ref)`
      )
    return { kind: 'git', url, ref }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new InputError(
      'spack-repo',
      `${quoted(value)} is neither a path nor a git URL (accepted: empty for the bundled repo, a workspace path, or https://host/repo.git@ref)`
    )
  }
  const resolved = path.resolve(context.workspace, value)
  if (!existsSync(resolved) || !statSync(resolved).isDirectory()) {
    throw new InputError('spack-repo', `${quoted(value)} is not a directory (looked at ${resolved})`)
  }
  return { kind: 'path', path: resolved }
}

/** The host or path of a git URL when it starts with "-" (git refuses those, and no retry changes that). */
function optionLikePart(url: string): string | undefined {
  const scp = /^[^@/]+@([^:]*):(.*)$/.exec(url)
  const [host, rest] = scp
    ? [scp[1] as string, scp[2] as string]
    : [/^[a-z]+:\/\/([^/]*)/.exec(url)?.[1] ?? '', url.replace(/^[a-z]+:\/\/[^/]*\/?/, '')]
  if (host.startsWith('-')) return `the host ${quoted(host)}`
  if (rest.startsWith('-')) return `the path ${quoted(rest)}`
  return undefined
}

/** `spack-config`: inline YAML or a workspace file, checked for Spack's sections. */
export function parseSpackConfig(get: Get, workspace: string): { siteConfig?: SiteConfig } {
  const value = valueOf(get, 'spack-config')
  try {
    const parsed = parseSiteConfig(value, workspace)
    return parsed ? { siteConfig: parsed } : {}
  } catch (error) {
    throw new InputError('spack-config', (error as Error).message)
  }
}
