/**
 * Which build cache each package Spack extracted came from, read from `spack install`'s own output, and what that
 * makes of the `cache-hit` output. Pure functions.
 *
 * Spack v1.0 fetches a binary's blobs (`==> Fetching <url>`: the spec file and the tarball) right before it says
 * `==> Extracting <name>-<version>-<hash> from binary cache`; the URL is under the mirror it came from:
 *   - `file:///<dir>/blobs/sha256/..`                 for `file:///<dir>` (the local mirror kept in the Actions cache);
 *   - `https://<host>/v2/<name>/blobs/sha256:..`      for `oci://<host>/<name>`;
 *   - `https://<host>/<path>/blobs/sha256/..`          for `https://<host>/<path>` (and http://, s3://).
 * Fetches of a package built from source (its source archive) come after `==> Installing ...` and before
 * `Successfully installed`, never before an `Extracting` line, so they are not mistaken for a binary's.
 */
import { ociReference } from './mirror-check-oci.js'
import type { PackageId } from './install.js'

/** A mirror as spack.yaml names it. */
export interface NamedMirror {
  readonly name: string
  readonly url: string
}

export interface BinarySource {
  readonly pkg: PackageId
  /** The mirror's name in spack.yaml, or undefined when no fetch of a known mirror preceded the extraction. */
  readonly mirror?: string
  /** The URL of the last blob fetched for it (the tarball). */
  readonly url?: string
}

const ANSI = new RegExp(String.raw`\u001b\[[0-9;]*m`, 'g')

/** The URL prefix under which Spack fetches a mirror's blobs, without a trailing slash. */
export function fetchPrefix(mirrorUrl: string): string {
  if (/^oci:\/\//i.test(mirrorUrl)) {
    const { host, name } = ociReference(mirrorUrl)
    return `https://${host}/v2/${name}`
  }
  return normalize(mirrorUrl)
}

/** `file:` URLs with any number of slashes as `file:///...`; no trailing slash. */
function normalize(url: string): string {
  return url.replace(/^file:\/*/i, 'file:///').replace(/\/+$/, '')
}

/** The mirror whose blobs `url` is under: the longest matching prefix wins. */
export function mirrorOfUrl(url: string, mirrors: readonly NamedMirror[]): string | undefined {
  const fetched = normalize(url)
  let best: { name: string; length: number } | undefined
  for (const mirror of mirrors) {
    const prefix = fetchPrefix(mirror.url)
    if ((fetched === prefix || fetched.startsWith(`${prefix}/`)) && (!best || prefix.length > best.length))
      best = { name: mirror.name, length: prefix.length }
  }
  return best?.name
}

/** `<name>-<version>-<hash>` as Spack prints it (install.ts reads it the same way). */
function packageOf(id: string): PackageId {
  const match = /^(.+)-([a-z0-9]{32})$/.exec(id)
  const base = match ? (match[1] as string) : id
  return { id, name: base.replace(/-[^-]*$/, ''), hash: match ? (match[2] as string) : '' }
}

/**
 * Every package `spack install` extracted from a binary cache, with the mirror it was fetched from. It does not import
 * install.ts at run time, so that install.ts can call it on the output it reads.
 */
export function binarySources(output: string, mirrors: readonly NamedMirror[]): BinarySource[] {
  const text = output.replace(ANSI, '')
  // Extracted and then installed (a failed extraction falls back to building, and is not a cache hit).
  const installed = new Set([...text.matchAll(/==> \S+: Successfully installed (\S+)/g)].map(match => match[1]))
  const sources = new Map<string, BinarySource>()
  let fetched: string[] = []
  for (const line of text.split('\n')) {
    const fetch = /^==> Fetching (\S+)/.exec(line)
    if (fetch) {
      fetched.push(fetch[1] as string)
      continue
    }
    const extract = /^==> Extracting (\S+) from binary cache/.exec(line)
    if (extract) {
      const id = extract[1] as string
      const url = fetched[fetched.length - 1]
      const mirror = fetched.map(u => mirrorOfUrl(u, mirrors)).find(Boolean)
      if (installed.has(id))
        sources.set(id, { pkg: packageOf(id), ...(mirror ? { mirror } : {}), ...(url ? { url } : {}) })
    }
    if (extract || /^==> (Installing|No binary for) /.test(line) || /: Successfully installed /.test(line)) fetched = []
  }
  return [...sources.values()]
}

/** How many packages each mirror served (`unknown` for those with no attributable fetch). */
export function countByMirror(sources: readonly BinarySource[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const source of sources) counts[source.mirror ?? 'unknown'] = (counts[source.mirror ?? 'unknown'] ?? 0) + 1
  return counts
}

export type InstallCacheHit = 'exact' | 'partial' | 'remote' | 'none'

/**
 * The `cache-hit` output once the install has run. The Actions cache's own answer (`restored`: exact, partial or none)
 * stands whenever it found something; when it found nothing, what remote mirrors served is told apart from nothing:
 * `remote` when nothing was built and at least one package came from a remote mirror, `partial` when some came from
 * one and others were built, `none` otherwise. (Packages extracted from the local mirror only happen after a restore.)
 */
export function cacheHitAfterInstall(inputs: {
  readonly restored: 'exact' | 'partial' | 'none'
  readonly built: number
  readonly sources: readonly BinarySource[]
  /** The local mirror's name (`slurm-factory-local`): its packages are the Actions cache's. */
  readonly localMirror: string
}): InstallCacheHit {
  if (inputs.restored !== 'none') return inputs.restored
  const remote = inputs.sources.filter(source => source.mirror !== inputs.localMirror).length
  if (remote === 0) return 'none'
  return inputs.built === 0 ? 'remote' : 'partial'
}
