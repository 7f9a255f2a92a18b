/**
 * The floor a warm run is measured against: unpacking every package archive in the local build cache with plain
 * `tar`, no Spack. What a warm install adds on top is Spack's own work (reading the lock, checking signatures,
 * relocating, writing the database, the view and the modules).
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, readSync, readdirSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import { check, run } from './procs.js'

export interface Extraction {
  readonly archives: number
  readonly bytes: number
  readonly ms: number
}

function isGzip(file: string): boolean {
  const fd = openSync(file, 'r')
  try {
    const head = Buffer.alloc(2)
    return readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b
  } finally {
    closeSync(fd)
  }
}

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) yield* files(full)
    else if (entry.isFile()) yield full
  }
}

/** A gzip file holding a tar archive (the build cache also keeps gzip-compressed JSON: spec manifests, indexes). */
function isTarball(file: string): boolean {
  return isGzip(file) && run('tar', ['-tzf', file], { timeoutMs: 120_000 }).status === 0
}

/** Unpacks each package archive under `mirror` (Spack's blobs) into a scratch directory under `scratchParent`. */
export function pureExtraction(mirror: string, scratchParent: string): Extraction {
  const archives = [...files(mirror)].filter(isTarball)
  const scratch = mkdtempSync(path.join(scratchParent, 'extract-'))
  try {
    const start = performance.now()
    for (const [i, archive] of archives.entries()) {
      const into = path.join(scratch, String(i))
      mkdirSync(into)
      check(`tar -xzf ${archive}`, 'tar', ['-xzf', archive, '-C', into])
    }
    const ms = performance.now() - start
    return { archives: archives.length, bytes: archives.reduce((sum, a) => sum + statSync(a).size, 0), ms }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}
