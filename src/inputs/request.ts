/** The validated request: what the action was asked to do, immutable, and what its parsers return. */
import type { SiteConfig } from '../spack/site-config.js'
import type { MatrixRequest } from './matrix.js'

export type VariantSetting =
  | { readonly kind: 'bool'; readonly name: string; readonly enabled: boolean }
  | { readonly kind: 'value'; readonly name: string; readonly value: string }

export type RepoSource =
  | { readonly kind: 'bundled'; readonly path: string }
  | { readonly kind: 'path'; readonly path: string }
  | { readonly kind: 'git'; readonly url: string; readonly ref: string }

/**
 * The Spack to build with: a release installed at the commit its tag must resolve to (the pin, or `spack-commit`), or
 * an existing installation (`spack-root`), whose version and commit Spack itself reports.
 */
export type SpackSource =
  | { readonly version: string; readonly commit: string; readonly root?: undefined }
  | { readonly version: string; readonly commit?: string; readonly root: string }

export type ModuleSystem = 'lmod' | 'tcl' | 'none'
/** `slurm`: Slurm and what it needs, packaged into the artifact. `dependencies`: only what Slurm needs, for the build cache. */
export type Stage = 'slurm' | 'dependencies'
export type Compression = 'zstd' | 'gzip'

/** Everything the action was asked to do, validated and immutable. */
export interface BuildRequest {
  /** `slurm@<version>`: a release series (`25.11`) or a full release (`25.11.6`). */
  readonly slurmVersion: string
  readonly stage: Stage
  /** With `stage: dependencies`: further Slurm versions whose dependencies are installed beside slurmVersion's. */
  readonly moreVersions: readonly string[]
  /** A GCC release, or `system` for the runner's own GCC (resolved when the build starts). */
  readonly compiler: { readonly kind: 'gcc'; readonly version: string } | { readonly kind: 'system' }
  /** Variants in canonical order: booleans by name, then `name=value` by name. */
  readonly variants: readonly VariantSetting[]
  readonly target: string
  readonly spack: SpackSource
  readonly repo: RepoSource
  readonly buildcache: {
    /** Remote mirrors read before building, in the order given. */
    readonly mirrors: readonly string[]
    /** Mirror the newly built specs are pushed to. */
    readonly push?: string
    readonly signingKey?: string
    /** ASCII-armored public keys trusted for signed remote mirrors. */
    readonly trustedKeys?: string
    readonly unsigned: boolean
    readonly ociUsername?: string
    readonly ociPassword?: string
  }
  readonly cache: { readonly enabled: boolean; readonly keyPrefix: string }
  readonly artifact: {
    /** Explicit name; when absent it is derived once the build is resolved. */
    readonly name?: string
    readonly compression: Compression
    readonly retentionDays?: number
    readonly upload: boolean
    readonly slim: boolean
  }
  readonly jobs: number
  readonly modules: ModuleSystem
  readonly dryRun: boolean
  /** Collect mode: the directory of a matrix's downloaded cell records, summarized instead of building. */
  readonly collect?: string
  /** Matrix mode: the options a matrix is planned from, planned instead of building. */
  readonly matrix?: MatrixRequest
  /** Spack configuration the site merges into the environment (`spack-config`). */
  readonly siteConfig?: SiteConfig
  /** No network at all: no default mirror, no bootstrapping, sources and binaries from the given mirrors only. */
  readonly offline: boolean
}

/** Where relative paths resolve and what the runner offers. */
export interface InputContext {
  /** The workflow's workspace (`GITHUB_WORKSPACE`); relative paths resolve here. */
  readonly workspace: string
  /** The action's own checkout, holding the bundled `spack-repo/`. */
  readonly actionPath: string
  readonly cpus: number
}
