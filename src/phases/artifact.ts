/** Package the artifact: stage, relocate, audit, module file, manifest and checksums, packed into one tarball. */
import path from 'node:path'
import { artifactName, buildArtifact, type BuiltArtifact } from '../artifact/artifact.js'
import { MANIFEST_FILE, moduleFile, SUMS_FILE, tarballName } from '../artifact/layout.js'
import { compressorCommand, sourceDateEpoch, tarArguments } from '../artifact/pack.js'
import type { Build } from '../build.js'
import { OUTPUTS } from '../contract.js'
import type { Phase, Step } from '../pipeline.js'
import type { ProvisionedSpack } from '../spack/provision.js'
import type { RegisteredRepo } from '../spack/repo.js'
import type { BuiltSlurm } from '../spack/result.js'

/** The artifact's name as far as the request tells it: a release series' full version is known once concretized. */
export function plannedArtifactName(build: Build): string {
  const version = build.request.slurmVersion
  return artifactName(build.request, version.split('.').length === 3 ? version : `${version}.x`, build.gccVersion)
}

function planArtifact(build: Build): Step[] {
  const { request, work } = build
  const name = plannedArtifactName(build)
  const prefix = path.join(work.artifact, name)
  const version = request.slurmVersion.split('.').length === 3 ? request.slurmVersion : `${request.slurmVersion}.x`
  const module = moduleFile(request.modules, version)
  const compressor = compressorCommand({
    dir: prefix,
    outDir: work.artifact,
    compression: request.artifact.compression
  })
  return [
    { note: `stage ${work.layout.viewRoot} into ${prefix}/, relocate it and audit it` },
    ...(module ? [{ writes: path.join(prefix, module) }] : []),
    { writes: path.join(prefix, MANIFEST_FILE) },
    { writes: path.join(prefix, SUMS_FILE) },
    { program: 'tar', args: tarArguments(work.artifact, name, sourceDateEpoch()) },
    { program: compressor.command, args: compressor.args },
    { writes: path.join(work.artifact, tarballName(name, request.artifact.compression)) }
  ]
}

type In = {
  readonly build: Build
  readonly spack: ProvisionedSpack
  readonly repo: RegisteredRepo
  readonly slurm: BuiltSlurm
}

export const packageArtifact: Phase<In, 'artifact', BuiltArtifact> = {
  key: 'artifact',
  title: () => 'Package the artifact',
  plan: planArtifact,
  run: ({ build, spack, repo, slurm }) =>
    buildArtifact({
      request: build.request,
      build: slurm,
      gccVersion: build.gccVersion,
      spack,
      repo,
      layout: build.work.layout,
      outDir: build.work.artifact
    }),
  outputs: artifact => ({
    [OUTPUTS.artifactName]: artifact.name,
    [OUTPUTS.artifactPath]: artifact.tarball.path,
    [OUTPUTS.artifactSha256]: artifact.tarball.sha256
  })
}
