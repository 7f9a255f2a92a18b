/** How the job runs: the Actions cache, the artifact, parallel jobs, module files, and collect mode. */
import { existsSync, statSync } from 'node:fs'
import path from 'node:path'
import { booleanOf, InputError, lineOf, parseChoice, quoted } from './fields.js'
import { valueOf, type Get } from './names.js'
import type { BuildRequest } from './request.js'

function parseKeyPrefix(value: string): string {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(value)) {
    throw new InputError(
      'cache-key-prefix',
      `${quoted(value)} is not accepted (accepted: 1 to 64 letters, digits, '.', '_' or '-')`
    )
  }
  return value
}

function parseArtifactName(value: string): string | undefined {
  if (value === '') return undefined
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/.test(value)) {
    throw new InputError(
      'artifact-name',
      `${quoted(value)} is not accepted (accepted: up to 128 letters, digits, '.', '_', '+' or '-', starting with a letter or digit)`
    )
  }
  return value
}

function parseRetention(value: string): number | undefined {
  if (value === '') return undefined
  const days = /^\d+$/.test(value) ? Number(value) : NaN
  if (!(days >= 1 && days <= 90)) {
    throw new InputError(
      'retention-days',
      `${quoted(value)} is not accepted (accepted: a whole number of days from 1 to 90, or empty for the repository's setting)`
    )
  }
  return days
}

function parseJobs(value: string, cpus: number): number {
  if (value === '') return Math.max(1, cpus)
  const jobs = /^\d+$/.test(value) ? Number(value) : NaN
  if (!(jobs >= 1 && jobs <= 1024)) {
    throw new InputError(
      'jobs',
      `${quoted(value)} is not accepted (accepted: a whole number from 1 to 1024, or empty for the number of cores)`
    )
  }
  return jobs
}

function parseCollect(value: string, workspace: string): { collect?: string } {
  if (value === '') return {}
  const dir = path.resolve(workspace, value)
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new InputError('collect', `${quoted(value)} is not a directory of downloaded cell records (looked at ${dir})`)
  }
  return { collect: dir }
}

export function parseCache(get: Get): BuildRequest['cache'] {
  return { enabled: booleanOf(get, 'cache'), keyPrefix: parseKeyPrefix(lineOf(get, 'cache-key-prefix')) }
}

export function parseArtifact(get: Get): BuildRequest['artifact'] {
  return {
    name: parseArtifactName(valueOf(get, 'artifact-name')),
    compression: parseChoice('compression', valueOf(get, 'compression'), ['zstd', 'gzip']),
    retentionDays: parseRetention(valueOf(get, 'retention-days')),
    upload: booleanOf(get, 'upload'),
    slim: booleanOf(get, 'slim')
  }
}

/** How the job runs its build and what it ships besides the tarball. */
export function parseJob(
  get: Get,
  context: { readonly workspace: string; readonly cpus: number }
): Pick<BuildRequest, 'jobs' | 'modules' | 'dryRun' | 'collect' | 'offline'> {
  return {
    jobs: parseJobs(valueOf(get, 'jobs'), context.cpus),
    modules: parseChoice('modules', valueOf(get, 'modules'), ['lmod', 'tcl', 'none']),
    dryRun: booleanOf(get, 'dry-run'),
    ...parseCollect(lineOf(get, 'collect'), context.workspace),
    offline: booleanOf(get, 'offline')
  }
}
