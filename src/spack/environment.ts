/**
 * The Spack environment the build runs in: the root spec and `spack.yaml`, rendered from a BuildRequest.
 * Pure functions: the same request and layout always render the same bytes (the cache key hashes them).
 */
import { stringify } from 'yaml'
import { type BuildRequest, render } from '../inputs.js'
import type { EnvironmentLayout } from '../work.js'
import { mergeConfig, type SiteConfig } from './site-config.js'
import type { NamedMirror } from './binary-sources.js'

/** Name of the local build-cache mirror in spack.yaml. */
export const LOCAL_MIRROR = 'slurm-factory-local'
/** Name of the push mirror in spack.yaml. */
export const PUSH_MIRROR = 'slurm-factory-push'
/** Environment variables holding OCI credentials, referenced by name from spack.yaml. */
export const OCI_USERNAME_VAR = 'SLURM_FACTORY_OCI_USERNAME'
export const OCI_PASSWORD_VAR = 'SLURM_FACTORY_OCI_PASSWORD'

export interface EnvironmentInputs {
  readonly request: BuildRequest
  /** The GCC version the build uses (the request's, or the runner's when the request says `system`). */
  readonly gccVersion: string
  /** The package repository providing slurm (already checked to resolve `slurm`). */
  readonly repoPath: string
  readonly repoNamespace: string
  readonly layout: EnvironmentLayout
  /** Package settings detected on the runner (compilers found by `spack compiler find`), by package name. */
  readonly detected?: Readonly<Record<string, unknown>>
}

/** The root spec, for example `slurm@25.11 +hwloc +pmix +rest +ucx %gcc@13.3.0 target=x86_64_v3`. */
export function slurmSpec(request: BuildRequest, gccVersion: string): string {
  return [
    `slurm@${request.slurmVersion}`,
    ...request.variants.map(render),
    `%gcc@${gccVersion}`,
    `target=${request.target}`
  ].join(' ')
}

export function mirrorName(index: number): string {
  return `remote-${index + 1}`
}

/**
 * One remote mirror. An `oci://` mirror names the credential variables only when both oci-username and oci-password
 * are given: Spack fails on an `access_pair` whose variable is unset (`id_variable ... not set in environment`), and
 * without one it asks the registry for an anonymous token, which is how a public package is pulled.
 */
function mirrorEntry(url: string, signed: boolean, credentials: boolean): Record<string, unknown> {
  const entry: Record<string, unknown> = { url, signed }
  if (url.startsWith('oci://') && credentials)
    entry.access_pair = { id_variable: OCI_USERNAME_VAR, secret_variable: OCI_PASSWORD_VAR }
  return entry
}

/** The build caches spack.yaml names, in its order: the local mirror, the remote ones, the push mirror. */
export function namedMirrors(
  request: Pick<BuildRequest, 'buildcache'>,
  layout: { readonly localMirror: string }
): NamedMirror[] {
  return [
    { name: LOCAL_MIRROR, url: `file://${layout.localMirror}` },
    ...request.buildcache.mirrors.map((url, index) => ({ name: mirrorName(index), url })),
    ...(request.buildcache.push ? [{ name: PUSH_MIRROR, url: request.buildcache.push }] : [])
  ]
}

/** The `spack.yaml` document as data. */
export function renderEnvironment(inputs: EnvironmentInputs): Record<string, unknown> {
  const { request, layout } = inputs
  const signed = !request.buildcache.unsigned
  const credentials = Boolean(request.buildcache.ociUsername && request.buildcache.ociPassword)
  const mirrors: Record<string, unknown> = {
    [LOCAL_MIRROR]: { url: `file://${layout.localMirror}`, signed: false }
  }
  request.buildcache.mirrors.forEach((url, index) => {
    mirrors[mirrorName(index)] = mirrorEntry(url, signed, credentials)
  })
  if (request.buildcache.push) mirrors[PUSH_MIRROR] = mirrorEntry(request.buildcache.push, signed, credentials)

  const spack: Record<string, unknown> = {
    specs: [slurmSpec(request, inputs.gccVersion)],
    repos: { [inputs.repoNamespace]: inputs.repoPath },
    concretizer: { unify: true, reuse: true },
    config: {
      install_tree: { root: layout.installRoot, padded_length: 128 },
      shared_linking: { type: 'runpath', bind: false },
      build_stage: [layout.buildStage],
      source_cache: layout.sourceCache,
      build_jobs: request.jobs
    },
    packages: { all: { target: [request.target] }, ...(inputs.detected ?? {}) },
    mirrors,
    view: { default: { root: layout.viewRoot, select: ['slurm'], link: 'run', link_type: 'symlink' } }
  }
  if (request.modules !== 'none') {
    spack.modules = {
      default: {
        enable: [request.modules],
        roots: { [request.modules]: layout.moduleRoot },
        ...(request.modules === 'lmod' ? { lmod: { core_compilers: [`gcc@${inputs.gccVersion}`], hierarchy: [] } } : {})
      }
    }
  }
  if (request.offline) {
    // Two colons: Spack's own scopes add no mirror (its default one is remote), and nothing is bootstrapped.
    spack['mirrors:'] = spack.mirrors
    delete spack.mirrors
    spack.bootstrap = { enable: false }
  }
  if (request.siteConfig) applySiteConfig(spack, request.siteConfig)
  return { spack }
}

/** Merges the site's sections over the rendered ones; a site section written `name:` replaces the rendered one. */
function applySiteConfig(spack: Record<string, unknown>, site: SiteConfig): void {
  for (const [key, value] of Object.entries(site)) {
    const name = key.replace(/:$/, '')
    if (key.endsWith(':')) {
      delete spack[name]
      delete spack[`${name}:`]
      spack[key] = value
      continue
    }
    const existing = `${name}:` in spack ? `${name}:` : name
    spack[existing] = existing in spack ? mergeConfig(spack[existing], value) : value
  }
}

/** `spack.yaml` text: a header comment, then the document with keys in rendering order. */
export function environmentYaml(inputs: EnvironmentInputs): string {
  return toYaml(renderEnvironment(inputs))
}

/**
 * The environment that builds `gcc@<version>` with the runner's compiler, when the runner doesn't have it: Spack v1.0
 * only compiles with a compiler that is external or already installed. Same store, mirrors and site configuration as
 * the build's environment, so the compiler lands in the build cache like any package; no view, no modules.
 */
export function compilerEnvironmentYaml(inputs: EnvironmentInputs): string {
  const { spack } = renderEnvironment(inputs) as { spack: Record<string, unknown> }
  spack.specs = [`gcc@${inputs.gccVersion} target=${inputs.request.target}`]
  delete spack.view
  delete spack.modules
  return toYaml({ spack: { ...spack, view: false } })
}

/**
 * The environment of a dependencies job: one root per Slurm version (`slurmVersion`, then `moreVersions`), each as a
 * Slurm build would name it, installed with `--only dependencies`. Their dependencies are unified where they can be,
 * so a dependency the versions share is built once and every cell reuses it. Same store, mirrors and site
 * configuration as a Slurm build; no view, no modules.
 */
export function dependenciesEnvironmentYaml(inputs: EnvironmentInputs): string {
  const { spack } = renderEnvironment(inputs) as { spack: Record<string, unknown> }
  const { request, gccVersion } = inputs
  spack.specs = [request.slurmVersion, ...request.moreVersions].map(version =>
    slurmSpec({ ...request, slurmVersion: version }, gccVersion)
  )
  const concretizer = 'concretizer:' in spack ? 'concretizer:' : 'concretizer'
  spack[concretizer] = { ...(spack[concretizer] as Record<string, unknown>), unify: 'when_possible' }
  delete spack.view
  delete spack.modules
  return toYaml({ spack: { ...spack, view: false } })
}

function toYaml(document: Record<string, unknown>): string {
  return `# Rendered by slurm-factory-action; edits are overwritten on the next run.\n${stringify(document, { lineWidth: 0 })}`
}
