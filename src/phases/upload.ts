/** Upload the tarball as a workflow artifact (a re-run of the job replaces the earlier attempt's). */
import { tarballName } from '../artifact/layout.js'
import type { BuiltArtifact } from '../artifact/artifact.js'
import { uploadTarball, type UploadedArtifact } from '../artifact/upload.js'
import type { Build } from '../build.js'
import { OUTPUTS } from '../contract.js'
import type { Phase } from '../pipeline.js'
import { plannedArtifactName } from './artifact.js'

export interface Upload extends UploadedArtifact {
  readonly uploaded: boolean
}

type In = { readonly build: Build; readonly artifact: BuiltArtifact }

export const uploadArtifact: Phase<In, 'upload', Upload> = {
  key: 'upload',
  title: () => 'Upload the artifact',
  plan: build => {
    if (!build.request.artifact.upload) return []
    const name = plannedArtifactName(build)
    return [
      { note: `upload ${tarballName(name, build.request.artifact.compression)} as the workflow artifact ${name}` }
    ]
  },
  skip: ({ build }) => (build.request.artifact.upload ? undefined : { uploaded: false }),
  run: async ({ build, artifact }) => ({
    uploaded: true,
    ...(await uploadTarball(artifact.name, artifact.tarball.path, build.request.artifact.retentionDays))
  }),
  outputs: upload => ({ [OUTPUTS.artifactId]: upload.id === undefined ? undefined : String(upload.id) })
}
