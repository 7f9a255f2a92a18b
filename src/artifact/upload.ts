/** Uploads the tarball as a workflow artifact with @actions/artifact. */
import * as core from '@actions/core'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { redact, redactBuildEnv } from '../secrets.js'
import { BUILD_ENV_FILE } from '../spack/build-stage.js'

export interface UploadedArtifact {
  readonly id?: number
  readonly size?: number
}

type ArtifactClient = InstanceType<(typeof import('@actions/artifact'))['DefaultArtifactClient']>
type UploadResult = Awaited<ReturnType<ArtifactClient['uploadArtifact']>>

/** The service's answer when the workflow run already holds an artifact of that name (a re-run of the job). */
function nameTaken(error: unknown): boolean {
  const text = error instanceof Error ? error.message : String(error)
  return /\(409\)|already exists/i.test(text)
}

/**
 * Uploads `files` as `name`. Artifact names are unique within a workflow run, so a re-run of the job finds the
 * earlier attempt's artifact: that one is deleted and the upload made again, as upload-artifact's `overwrite` does.
 */
async function uploadReplacing(
  name: string,
  files: readonly string[],
  root: string,
  retentionDays: number | undefined
): Promise<UploadResult> {
  const { DefaultArtifactClient } = await import('@actions/artifact')
  const client = new DefaultArtifactClient()
  const upload = (): Promise<UploadResult> =>
    client.uploadArtifact(name, [...files], root, retentionDays ? { retentionDays } : {})
  try {
    return await upload()
  } catch (error) {
    if (!nameTaken(error)) throw error
    core.info(`This workflow run already has an artifact ${name} (an earlier attempt): replacing it`)
    await client.deleteArtifact(name)
    return upload()
  }
}

export async function uploadTarball(
  name: string,
  file: string,
  retentionDays: number | undefined
): Promise<UploadedArtifact> {
  const result = await uploadReplacing(name, [file], path.dirname(file), retentionDays)
  core.info(`Uploaded artifact ${name} (id ${result.id ?? '?'}, ${result.size ?? '?'} bytes)`)
  return {
    ...(result.id !== undefined ? { id: result.id } : {}),
    ...(result.size !== undefined ? { size: result.size } : {})
  }
}

/**
 * Uploads the files that explain a failed build (spack.yaml, spack.lock, build logs, config.log, the build
 * environment) as `<name>`: copies, redacted (src/secrets.ts), never the files themselves. A build's environment file
 * is kept for what it tells (compiler wrappers, flags, paths), its credential variables masked.
 */
export async function uploadDebugFiles(
  name: string,
  files: readonly string[],
  scratch: string,
  retentionDays: number | undefined
): Promise<void> {
  const dir = path.join(scratch, name)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const copies = files.map((file, index) => {
    const copy = path.join(dir, `${String(index).padStart(2, '0')}-${path.basename(file)}`)
    const text = readFileSync(file, 'utf8')
    writeFileSync(copy, path.basename(file) === BUILD_ENV_FILE ? redactBuildEnv(text) : redact(text), { mode: 0o600 })
    return copy
  })
  await uploadReplacing(name, copies, dir, retentionDays)
  core.info(`Uploaded the debug artifact ${name} (redacted copies): ${files.join(', ')}`)
}
