/** Uploads the tarball as a workflow artifact with @actions/artifact. */
import * as core from '@actions/core'
import { copyFileSync, mkdirSync, rmSync } from 'node:fs'
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
  const { DefaultArtifactClient } = await import('@actions/artifact')
  const client = new DefaultArtifactClient()
  const result = await client.uploadArtifact(name, [file], path.dirname(file), retentionDays ? { retentionDays } : {})
  core.info(`Uploaded artifact ${name} (id ${result.id ?? '?'}, ${result.size ?? '?'} bytes)`)
  return {
    ...(result.id !== undefined ? { id: result.id } : {}),
    ...(result.size !== undefined ? { size: result.size } : {})
  }
}

/** Uploads the files that explain a failed build (spack.yaml, spack.lock, build logs) as `<name>`. */
export async function uploadDebugFiles(
  name: string,
  files: readonly string[],
  scratch: string,
  retentionDays: number | undefined
): Promise<void> {
  const dir = path.join(scratch, name)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const copies = files.map((file, index) => {
    const copy = path.join(dir, `${String(index).padStart(2, '0')}-${path.basename(file)}`)
    copyFileSync(file, copy)
    return copy
  })
  const { DefaultArtifactClient } = await import('@actions/artifact')
  const client = new DefaultArtifactClient()
  await client.uploadArtifact(name, copies, dir, retentionDays ? { retentionDays } : {})
  core.info(`Uploaded the debug artifact ${name}: ${files.join(', ')}`)
}
