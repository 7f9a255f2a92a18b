/** Uploads the tarball as a workflow artifact with @actions/artifact. */
import { DefaultArtifactClient } from '@actions/artifact'
import * as core from '@actions/core'
import path from 'node:path'

export interface UploadedArtifact {
  readonly id?: number
  readonly size?: number
}

export async function uploadTarball(
  name: string,
  file: string,
  retentionDays: number | undefined
): Promise<UploadedArtifact> {
  const client = new DefaultArtifactClient()
  const result = await client.uploadArtifact(name, [file], path.dirname(file), retentionDays ? { retentionDays } : {})
  core.info(`Uploaded artifact ${name} (id ${result.id ?? '?'}, ${result.size ?? '?'} bytes)`)
  return {
    ...(result.id !== undefined ? { id: result.id } : {}),
    ...(result.size !== undefined ? { size: result.size } : {})
  }
}
