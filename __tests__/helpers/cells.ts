/**
 * Cells of a build matrix as the collector finds them after actions/download-artifact: `cell.json` records and
 * manifests written by the artifact phase's own code, under a temporary directory.
 */
import { afterAll } from '@jest/globals'
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { writeManifestAndSums, type AuditResult } from '../../src/artifact/manifest.js'
import type { CellRecord } from '../../src/collect/records.js'
import { BUILD, MACHINE } from './tree-fixtures.js'

export const PASSED: AuditResult = { ok: true, filesScanned: 3, problems: [] }

/** A temporary directory for one test file's cells, removed after the file's tests. */
export function useCellsDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'collect-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A staged prefix named `name` under `base` with a manifest and SHA256SUMS written by the artifact phase's code. */
export async function stagedPrefix(
  base: string,
  name: string,
  audit: AuditResult = PASSED,
  version = BUILD.slurm.version
): Promise<string> {
  const prefix = path.join(base, 'staged', name)
  mkdirSync(path.join(prefix, 'bin'), { recursive: true })
  mkdirSync(path.join(prefix, 'lib'), { recursive: true })
  writeFileSync(path.join(prefix, 'bin', 'sinfo'), '#!/bin/sh\necho sinfo\n')
  writeFileSync(path.join(prefix, 'lib', 'libslurm.so.42'), Buffer.alloc(3000, 7))
  const build = { ...BUILD, slurm: { ...BUILD.slurm, version } }
  await writeManifestAndSums(prefix, { artifactName: name, build, machine: MACHINE, audit })
  return prefix
}

export function record(fields: Partial<CellRecord>): string {
  return JSON.stringify({
    schema: 1,
    slurm: '24.11',
    compiler: 'gcc@13.3.0',
    target: 'x86_64_v3',
    runner: 'ubuntu-24.04',
    outcome: 'success',
    cacheHit: 'none',
    artifactName: '',
    tarball: '',
    sha256: '',
    size: null,
    jobTotal: null,
    ...fields
  })
}

/** A cell directory as actions/download-artifact lays it out: <dir>/cell-<name>/{cell.json,manifest.json}. */
export function cellDir(root: string, name: string, cell: string | undefined, manifestFrom?: string): string {
  const dir = path.join(root, `cell-${name}`)
  mkdirSync(dir, { recursive: true })
  if (cell !== undefined) writeFileSync(path.join(dir, 'cell.json'), cell)
  if (manifestFrom) cpSync(path.join(manifestFrom, 'manifest.json'), path.join(dir, 'manifest.json'))
  return dir
}

export const quiet = { out: (): void => undefined, err: (): void => undefined }

export function capture(): {
  io: { out: (t: string) => void; err: (t: string) => void }
  out: string[]
  err: string[]
} {
  const out: string[] = []
  const err: string[] = []
  return { io: { out: t => void out.push(t), err: t => void err.push(t) }, out, err }
}
