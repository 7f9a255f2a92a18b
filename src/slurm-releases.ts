/**
 * What the bundled recipe can build of a requested Slurm version: a series stands for its newest release, a full
 * release must be one the recipe lists (with its checksum). With a user's package repository the catalog does not
 * apply: that repository's recipe is asked instead (see spack/recipe-check.ts).
 */
import { SLURM_RELEASES } from './catalog.js'
import { quoted } from './inputs/fields.js'

/** The bundled recipe's releases of `series`, newest first. */
export function releasesOf(series: string): string[] {
  return SLURM_RELEASES.filter(release => release.startsWith(`${series}.`))
}

/**
 * Why the bundled recipe cannot build `version`, or undefined when it can: a full release it does not list is refused
 * before any Spack work (Spack would only say "Cannot satisfy" after a minute or two of concretizing).
 */
export function unknownRelease(version: string): string | undefined {
  const parts = version.split('.')
  if (parts.length !== 3 || (SLURM_RELEASES as readonly string[]).includes(version)) return undefined
  const series = parts.slice(0, 2).join('.')
  const known = releasesOf(series)
  return (
    `${quoted(version)} is not a release the bundled recipe has a checksum for; ` +
    `${series} has ${known.join(', ')} (newest first), or give the series ${quoted(series)} for the newest`
  )
}
