/**
 * What the job builds: Slurm (the default), or only what Slurm needs, for the build cache a matrix's cells share.
 * A dependencies job may name several Slurm versions, whose dependencies it installs together.
 */
import { InputError, lineOf, parseChoice } from './fields.js'
import type { Get } from './names.js'
import type { Stage } from './request.js'
import { parseSlurmVersion } from './slurm.js'

export const STAGES: readonly Stage[] = ['slurm', 'dependencies']

export interface StagedVersions {
  readonly stage: Stage
  readonly slurmVersion: string
  readonly moreVersions: readonly string[]
}

/** `stage`, and `slurm-version` as one version, or (with `stage: dependencies` and the bundled recipe) a list. */
export function parseStage(get: Get, bundled: boolean): StagedVersions {
  const stage = parseChoice('stage', lineOf(get, 'stage'), STAGES)
  const raw = lineOf(get, 'slurm-version')
  const given = raw.trim()
  const listed = given.split(/[\s,]+/).filter(Boolean)
  if (listed.length > 1 && stage !== 'dependencies')
    throw new InputError(
      'slurm-version',
      `${JSON.stringify(given)} names ${listed.length} versions: a list is accepted with stage: dependencies only (a Slurm build takes one version)`
    )
  if (listed.length > 1 && !bundled)
    throw new InputError(
      'slurm-version',
      `${JSON.stringify(given)} names ${listed.length} versions: with your own spack-repo, a dependencies job takes one version`
    )
  const versions =
    listed.length > 1
      ? [...new Set(listed.map(version => parseSlurmVersion(version, bundled)))]
      : [parseSlurmVersion(raw, bundled)]
  return { stage, slurmVersion: versions[0] as string, moreVersions: versions.slice(1) }
}
