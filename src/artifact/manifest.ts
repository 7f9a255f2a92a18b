/**
 * `manifest.json` and `SHA256SUMS` of the artifact. The manifest records what was built (Slurm version, spec, DAG
 * hash, variants, compiler, target), where (OS and glibc of the build machine), with what (Spack version and
 * commit, package repository commit, dependencies with versions and hashes), the audit's result and the SHA-256 of
 * every file. `buildManifest` is pure; the same inputs always render the same bytes (no timestamps, sorted lists).
 * `SHA256SUMS` (`sha256sum -c` format) covers every regular file of the prefix, manifest.json included, but itself.
 */
import { readFile, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { compareBytes, hashEntries, renderSha256Sums, sha256File, walkTree, type HashedFile } from './checksums.js'
import { parseOsRelease, type OsRelease } from '../host.js'
import { runProgram } from '../spack/runner.js'
import type { AuditProblem } from './audit.js'
import { MANIFEST_FILE, SUMS_FILE, TREE_RECORDS } from './layout.js'
import type { RelocationRecord } from './relocation-record.js'

export const MANIFEST_SCHEMA = 1

export interface Dependency {
  readonly name: string
  readonly version: string
  /** DAG hash. */
  readonly hash: string
}

/** What was built, as resolved from the concretized environment (`spack.lock`). */
export interface ResolvedBuild {
  readonly slurm: {
    /** Full version, `25.11.6`. */
    readonly version: string
    /** The full concretized spec. */
    readonly spec: string
    /** DAG hash of the slurm spec. */
    readonly hash: string
    /** Variants as Spack writes them (`+rest`, `~nvml`, `sysconfdir=/etc/slurm`). */
    readonly variants: readonly string[]
  }
  readonly compiler: { readonly name: string; readonly version: string }
  readonly target: string
  readonly spack: { readonly version: string; readonly commit?: string }
  /** The package repository that provided slurm. */
  readonly repo: { readonly namespace: string; readonly commit?: string; readonly url?: string }
  readonly dependencies: readonly Dependency[]
}

export interface BuildMachine {
  readonly os: OsRelease
  /** glibc version, `2.39`, or null when it could not be found. */
  readonly glibc: string | null
  /** `uname -m` style architecture. */
  readonly arch: string
}

/** A problem of the audit as the manifest records it (its severity follows from `audit.ok` and the kind). */
export type RecordedProblem = Pick<AuditProblem, 'file' | 'kind' | 'detail'>

export interface AuditResult {
  readonly ok: boolean
  readonly filesScanned: number
  readonly problems: readonly RecordedProblem[]
}

export interface ManifestInput {
  readonly artifactName: string
  readonly build: ResolvedBuild
  readonly machine: BuildMachine
  readonly audit: AuditResult
  readonly files: readonly HashedFile[]
  readonly symlinks?: readonly { readonly path: string; readonly target: string }[]
  /** Options of the artifact itself. */
  readonly artifact?: { readonly slim?: boolean; readonly modules?: string; readonly compression?: string }
  /** The build prefixes the tree was audited against and the compiled-in paths resolved at run time. */
  readonly relocation?: RelocationRecord
}

export interface Manifest {
  readonly schema: number
  readonly name: string
  readonly slurm: ResolvedBuild['slurm']
  readonly compiler: ResolvedBuild['compiler']
  readonly target: string
  readonly buildMachine: BuildMachine
  readonly spack: ResolvedBuild['spack']
  readonly repo: ResolvedBuild['repo']
  readonly dependencies: readonly Dependency[]
  readonly artifact: { readonly slim: boolean; readonly modules: string; readonly compression: string }
  readonly audit: AuditResult
  readonly relocation: RelocationRecord
  readonly files: readonly {
    readonly path: string
    readonly size: number
    readonly mode: string
    readonly sha256: string
  }[]
  readonly symlinks: readonly { readonly path: string; readonly target: string }[]
}

/** The glibc version from `getconf GNU_LIBC_VERSION` (`glibc 2.39`) or the first line of `ldd --version`. */
export function parseGlibcVersion(text: string): string | null {
  const first = text.split('\n')[0] ?? ''
  const match = /(?:glibc|GLIBC|GNU libc)[^\d]*(\d+\.\d+(?:\.\d+)?)/.exec(first) ?? /(\d+\.\d+)\s*$/.exec(first.trim())
  return match ? (match[1] as string) : null
}

/** Reads the build machine's OS, glibc and architecture. */
export async function detectBuildMachine(osReleaseFile = '/etc/os-release'): Promise<BuildMachine> {
  const osText = await readFile(osReleaseFile, 'utf8').catch(() => '')
  let glibc: string | null = null
  const getconf = await runProgram('getconf', ['GNU_LIBC_VERSION'], { silent: true, allowFailure: true }).catch(
    () => null
  )
  if (getconf && getconf.exitCode === 0) glibc = parseGlibcVersion(getconf.stdout)
  if (glibc === null) {
    const ldd = await runProgram('ldd', ['--version'], { silent: true, allowFailure: true }).catch(() => null)
    if (ldd) glibc = parseGlibcVersion(ldd.stdout || ldd.stderr)
  }
  return { os: parseOsRelease(osText), glibc, arch: os.machine() }
}

/** Builds the manifest from its inputs; lists are sorted so that the result does not depend on input order. */
export function buildManifest(input: ManifestInput): Manifest {
  const dependencies = [...input.build.dependencies]
    .map(dep => ({ name: dep.name, version: dep.version, hash: dep.hash }))
    .sort((a, b) => compareBytes(a.name, b.name) || compareBytes(a.version, b.version) || compareBytes(a.hash, b.hash))
  const problems = [...input.audit.problems]
    .map(p => ({ file: p.file, kind: p.kind, detail: p.detail }))
    .sort((a, b) => compareBytes(a.file, b.file) || compareBytes(a.kind, b.kind) || compareBytes(a.detail, b.detail))
  const { slurm, compiler, spack, repo } = input.build
  return {
    schema: MANIFEST_SCHEMA,
    name: input.artifactName,
    slurm: { version: slurm.version, spec: slurm.spec, hash: slurm.hash, variants: [...slurm.variants] },
    compiler: { name: compiler.name, version: compiler.version },
    target: input.build.target,
    buildMachine: {
      os: { id: input.machine.os.id, versionId: input.machine.os.versionId, prettyName: input.machine.os.prettyName },
      glibc: input.machine.glibc,
      arch: input.machine.arch
    },
    spack: { version: spack.version, ...(spack.commit ? { commit: spack.commit } : {}) },
    repo: {
      namespace: repo.namespace,
      ...(repo.commit ? { commit: repo.commit } : {}),
      ...(repo.url ? { url: repo.url } : {})
    },
    dependencies,
    artifact: {
      slim: input.artifact?.slim ?? false,
      modules: input.artifact?.modules ?? 'lmod',
      compression: input.artifact?.compression ?? 'zstd'
    },
    audit: { ok: input.audit.ok, filesScanned: input.audit.filesScanned, problems },
    relocation: {
      buildPrefixes: [...(input.relocation?.buildPrefixes ?? [])].sort(compareBytes),
      resolvedAtRunTime: [...(input.relocation?.resolvedAtRunTime ?? [])].sort(compareBytes)
    },
    files: [...input.files]
      .sort((a, b) => compareBytes(a.path, b.path))
      .map(file => ({
        path: file.path,
        size: file.size,
        mode: file.mode.toString(8).padStart(4, '0'),
        sha256: file.sha256
      })),
    symlinks: [...(input.symlinks ?? [])]
      .map(link => ({ path: link.path, target: link.target }))
      .sort((a, b) => compareBytes(a.path, b.path))
  }
}

/** manifest.json's bytes: two-space JSON and a final newline. */
export function renderManifest(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`
}

export interface WrittenManifest {
  readonly manifest: Manifest
  readonly manifestPath: string
  readonly sumsPath: string
  /** Files listed in SHA256SUMS (manifest.json included). */
  readonly files: readonly HashedFile[]
}

/**
 * Hashes every file of the prefix, writes manifest.json (listing every file but itself and SHA256SUMS), then
 * SHA256SUMS (every file but itself). Existing manifest.json and SHA256SUMS are replaced.
 */
export async function writeManifestAndSums(
  prefix: string,
  input: Omit<ManifestInput, 'files' | 'symlinks'>
): Promise<WrittenManifest> {
  const own = new Set(TREE_RECORDS)
  const entries = (await walkTree(prefix)).filter(entry => !own.has(entry.path))
  const files = await hashEntries(prefix, entries)
  const symlinks = entries
    .filter(entry => entry.type === 'symlink')
    .map(entry => ({ path: entry.path, target: entry.target as string }))
  const manifest = buildManifest({ ...input, files, symlinks })
  const manifestPath = path.join(prefix, MANIFEST_FILE)
  const text = renderManifest(manifest)
  await writeFile(manifestPath, text, { mode: 0o644 })
  const manifestFile: HashedFile = {
    path: MANIFEST_FILE,
    size: Buffer.byteLength(text),
    mode: 0o644,
    sha256: await sha256File(manifestPath)
  }
  const listed = [...files, manifestFile].sort((a, b) => compareBytes(a.path, b.path))
  const sumsPath = path.join(prefix, SUMS_FILE)
  await writeFile(sumsPath, renderSha256Sums(listed), { mode: 0o644 })
  return { manifest, manifestPath, sumsPath, files: listed }
}
