/**
 * The artifact phase: stage the environment's view into one prefix, relocate it, audit it, write the module file,
 * the manifest and SHA256SUMS, and pack it. The audit decides: a tree that would not work elsewhere fails the step.
 */
import * as core from '@actions/core'
import { realpathSync } from 'node:fs'
import path from 'node:path'
import type { BuildRequest } from '../inputs.js'
import { render } from '../inputs.js'
import type { EnvironmentLayout } from '../work.js'
import type { BuiltSlurm } from '../spack/result.js'
import { auditTree, DEFAULT_STANDARD_LIB_DIRS, formatReport, type AuditReport } from './audit.js'
import { detectBuildMachine, writeManifestAndSums, type ResolvedBuild } from './manifest.js'
import { topDirectory } from './layout.js'
import { writeModuleFile } from './modulefile.js'
import { packArtifact, type PackResult } from './pack.js'
import { relocatePrefix, type RelocateResult } from './relocate.js'
import { readResolvedPaths, type RelocationRecord } from './relocation-record.js'
import { stageView } from './stage.js'

export interface ArtifactInputs {
  readonly request: BuildRequest
  readonly build: BuiltSlurm
  readonly gccVersion: string
  readonly spack: { readonly version: string; readonly commit?: string; readonly root: string }
  readonly repo: { readonly namespace: string; readonly commit?: string }
  readonly layout: EnvironmentLayout
  /** Where the staged prefix and the tarball are written. */
  readonly outDir: string
}

export interface BuiltArtifact {
  readonly name: string
  readonly prefix: string
  readonly tarball: PackResult
  readonly audit: AuditReport
  readonly relocation: RelocateResult
  readonly files: number
}

export class AuditError extends Error {
  constructor(readonly report: AuditReport) {
    super(`the relocation audit found ${report.errors} problem(s) in the staged tree:\n${formatReport(report)}`)
    this.name = 'AuditError'
  }
}

/** `slurm-25.11.6-gcc13.3.0-x86_64_v3`, unless the request names the artifact. */
export function artifactName(request: BuildRequest, slurmVersion: string, gccVersion: string): string {
  return request.artifact.name ?? topDirectory({ slurmVersion, gccVersion, target: request.target })
}

/**
 * Library directories of the build's external packages (system libraries Spack was told to use, such as Debian's
 * PMIx under /usr/lib/x86_64-linux-gnu/pmix2): the tarball links to them by design, like to the system's own
 * directories, so RUNPATH entries into them are not relocation problems.
 */
export function externalLibraryDirs(build: BuiltSlurm): string[] {
  const dirs = build.dependencies
    .filter(dep => dep.external && dep.externalPrefix && dep.externalPrefix !== '/usr')
    .flatMap(dep => ['lib', 'lib64'].map(lib => path.join(dep.externalPrefix as string, lib)))
  return [...new Set(dirs)].sort()
}

export function resolvedBuild(inputs: ArtifactInputs): ResolvedBuild {
  const { build, request } = inputs
  return {
    slurm: {
      version: build.root.version,
      spec: `slurm@${build.root.version} ${request.variants.map(render).join(' ')} %gcc@${inputs.gccVersion} target=${request.target}`,
      hash: build.root.hash,
      variants: request.variants.map(render)
    },
    compiler: { name: 'gcc', version: inputs.gccVersion },
    target: request.target,
    spack: { version: inputs.spack.version, ...(inputs.spack.commit ? { commit: inputs.spack.commit } : {}) },
    repo: { namespace: inputs.repo.namespace, ...(inputs.repo.commit ? { commit: inputs.repo.commit } : {}) },
    dependencies: build.dependencies.map(dep => ({ name: dep.name, version: dep.version, hash: dep.hash }))
  }
}

/**
 * Audits the staged tree against the build's paths, the external packages' library directories and the compiled-in
 * paths the recipe resolves at run time; returns the report and the relocation record the manifest carries.
 */
async function auditStaged(
  inputs: ArtifactInputs,
  prefix: string,
  installRoots: readonly string[]
): Promise<{ audit: AuditReport; record: RelocationRecord }> {
  const { layout } = inputs
  const externalDirs = externalLibraryDirs(inputs.build)
  if (externalDirs.length > 0)
    core.info(`Library directories of external packages, accepted like the system's: ${externalDirs.join(', ')}`)
  const record: RelocationRecord = {
    buildPrefixes: [...new Set([...installRoots, layout.installRoot, layout.viewRoot])].sort(),
    resolvedAtRunTime: readResolvedPaths(prefix)
  }
  core.info(
    record.resolvedAtRunTime.length > 0
      ? `Compiled-in paths the recipe resolves at run time: ${record.resolvedAtRunTime.join(', ')}`
      : 'The recipe records no compiled-in paths resolved at run time'
  )
  const audit = await auditTree(prefix, {
    ...record,
    standardLibDirs: [...DEFAULT_STANDARD_LIB_DIRS, ...externalDirs],
    warningKinds: ['build-prefix-in-elf', 'build-prefix-in-text']
  })
  core.info(formatReport(audit))
  return { audit, record }
}

export async function buildArtifact(inputs: ArtifactInputs): Promise<BuiltArtifact> {
  const { request, layout } = inputs
  const name = artifactName(request, inputs.build.root.version, inputs.gccVersion)
  const installRoots = [realpathSync(layout.installRoot)]
  const viewRoot = realpathSync(layout.viewRoot)
  const staged = await stageView({
    viewRoot,
    installRoots,
    outDir: inputs.outDir,
    artifactName: name,
    slim: request.artifact.slim
  })
  core.info(
    `Staged ${staged.entries.length} entries from ${staged.spackPrefixes.length} Spack prefixes into ${staged.prefix}`
  )
  const relocation = await relocatePrefix({
    prefix: staged.prefix,
    installRoots,
    viewRoot,
    otherBuildPaths: [inputs.spack.root]
  })
  core.info(
    `Relocated ${relocation.elf.filter(e => e.changed).length} of ${relocation.elfFiles} ELF files; rewrote ${relocation.rewritten.length} text files`
  )
  for (const left of relocation.remaining) core.info(`left as built: ${left.file} (${left.kind}): ${left.detail}`)
  const { audit, record: relocationRecord } = await auditStaged(inputs, staged.prefix, installRoots)
  if (!audit.ok) throw new AuditError(audit)
  if (request.modules !== 'none')
    await writeModuleFile(staged.prefix, request.modules, { version: inputs.build.root.version, artifactName: name })
  const manifest = await writeManifestAndSums(staged.prefix, {
    artifactName: name,
    build: resolvedBuild(inputs),
    machine: await detectBuildMachine(),
    audit: {
      ok: audit.ok,
      filesScanned: audit.filesScanned,
      problems: audit.problems.map(({ file, kind, detail }) => ({ file, kind, detail }))
    },
    relocation: relocationRecord,
    artifact: { slim: request.artifact.slim, modules: request.modules, compression: request.artifact.compression }
  })
  const tarball = await packArtifact({
    dir: staged.prefix,
    outDir: inputs.outDir,
    compression: request.artifact.compression
  })
  core.info(`Packed ${tarball.path}: ${tarball.size} bytes, sha256 ${tarball.sha256}`)
  return { name, prefix: staged.prefix, tarball, audit, relocation, files: manifest.files.length }
}
