/**
 * Reproducible packing of the staged prefix into `<artifact-name>.tar.zst` (multi-threaded zstd) or `.tar.gz`.
 * The same tree always gives the same bytes: entries sorted by name, owner and group 0 (numeric), one fixed mtime
 * (SOURCE_DATE_EPOCH, or 0), permissions normalised (no group/other write), GNU format (no atime/ctime, no pax
 * headers), no ACLs or extended attributes. `tar` writes straight into the compressor through a pipe the two
 * processes share (no shell, no copy through this process); the compressed stream is hashed on its way into the file.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import path from 'node:path'
import * as io from '@actions/io'
import { childEnv } from '../child-env.js'
import type { Compression } from '../inputs.js'
import { isWithin } from '../paths.js'
import { CommandError, lastLines } from '../spack/runner.js'
import { tarballName } from './layout.js'

export interface PackOptions {
  /** The staged prefix; its base name is the archive's top-level directory and the archive's name. */
  readonly dir: string
  /** Where the archive is written. */
  readonly outDir: string
  readonly compression: Compression
  /** mtime of every entry, in seconds since the epoch. Default SOURCE_DATE_EPOCH, else 0. */
  readonly mtime?: number
  /** Compression level. Default: zstd 3 (its own default), gzip 6. */
  readonly level?: number
  /** zstd worker threads; 0 (the default) uses every core. */
  readonly threads?: number
  /** Executables. */
  readonly tar?: string
  readonly zstd?: string
  readonly gzip?: string
}

export interface PackResult {
  readonly path: string
  /** Archive name, `<name>.tar.zst` or `<name>.tar.gz`. */
  readonly fileName: string
  /** The top-level directory inside the archive. */
  readonly topLevel: string
  readonly compression: Compression
  readonly size: number
  readonly sha256: string
  readonly elapsedMs: number
}

/** SOURCE_DATE_EPOCH when it is a non-negative integer, else 0. */
export function sourceDateEpoch(env: NodeJS.ProcessEnv = process.env): number {
  const value = env.SOURCE_DATE_EPOCH?.trim()
  return value && /^\d+$/.test(value) ? Number(value) : 0
}

/** GNU tar arguments that write `<parent>/<name>` to stdout, reproducibly. */
export function tarArguments(parent: string, name: string, mtime: number): string[] {
  return [
    '--create',
    '--file=-',
    '--format=gnu',
    '--sort=name',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    `--mtime=@${mtime}`,
    '--mode=u+rw,go-w,a+rX',
    '--no-acls',
    '--no-xattrs',
    '--no-selinux',
    `--directory=${parent}`,
    '--',
    name
  ]
}

/** Compressor command line reading stdin and writing stdout. */
export function compressorCommand(options: PackOptions): { command: string; args: string[] } {
  if (options.compression === 'zstd') {
    return {
      command: options.zstd ?? 'zstd',
      args: ['-q', '-c', `-T${options.threads ?? 0}`, `-${options.level ?? 3}`]
    }
  }
  return { command: options.gzip ?? 'gzip', args: ['-n', '-c', `-${options.level ?? 6}`] }
}

interface Command {
  readonly command: string
  readonly args: readonly string[]
}

/**
 * Runs `tar | compressor > file`: tar writes into the compressor's stdin directly, and the compressed stream is
 * hashed on its way into the file while compression goes on. A failure kills both and removes the file.
 */
async function streamArchive(
  tar: Command,
  compressor: Command,
  file: string
): Promise<{ size: number; sha256: string }> {
  const env = childEnv(process.env, { LC_ALL: 'C' })
  const hash = createHash('sha256')
  let size = 0
  let compress: ChildProcess | undefined
  let archive: ChildProcess | undefined
  try {
    compress = spawn(compressor.command, [...compressor.args], { stdio: ['pipe', 'pipe', 'pipe'], env })
    const compressDone = finished(compress, compressor.command, compressor.args)
    archive = spawn(tar.command, [...tar.args], {
      stdio: ['ignore', compress.stdin as NonNullable<ChildProcess['stdin']>, 'pipe'],
      env
    })
    const archiveDone = finished(archive, tar.command, tar.args)
    // tar holds the compressor's stdin now; this process closes its own end of that pipe.
    compress.stdin?.destroy()
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk)
        size += chunk.length
        callback(null, chunk)
      }
    })
    const written = pipeline(compress.stdout as NonNullable<ChildProcess['stdout']>, counted, createWriteStream(file))
    // When the compressor fails, tar only sees a broken pipe: report the compressor first.
    const results = await Promise.allSettled([compressDone, archiveDone, written])
    for (const result of results) if (result.status === 'rejected') throw result.reason
  } catch (error) {
    compress?.kill()
    archive?.kill()
    await rm(file, { force: true })
    throw error
  }
  return { size, sha256: hash.digest('hex') }
}

/** Packs `dir` into `<outDir>/<basename(dir)>.tar.zst|.tar.gz`. */
export async function packArtifact(options: PackOptions): Promise<PackResult> {
  const started = Date.now()
  const dir = path.resolve(options.dir)
  const topLevel = path.basename(dir)
  const fileName = tarballName(topLevel, options.compression)
  await mkdir(options.outDir, { recursive: true })
  const target = path.resolve(options.outDir, fileName)
  if (isWithin(target, dir)) throw new Error(`the archive ${target} would be written inside the packed tree ${dir}`)
  const tar = {
    command: await io.which(options.tar ?? 'tar', true),
    args: tarArguments(path.dirname(dir), topLevel, options.mtime ?? sourceDateEpoch())
  }
  const compressor = compressorCommand(options)
  compressor.command = await io.which(compressor.command, true)
  const partial = `${target}.partial`
  const { size, sha256 } = await streamArchive(tar, compressor, partial)
  await rename(partial, target)
  return {
    path: target,
    fileName,
    topLevel,
    compression: options.compression,
    size,
    sha256,
    elapsedMs: Date.now() - started
  }
}

/** Resolves when the process exits 0; rejects with a CommandError carrying its stderr tail otherwise. */
function finished(child: ChildProcess, command: string, args: readonly string[]): Promise<void> {
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
    if (stderr.length > 64 * 1024) stderr = stderr.slice(-32 * 1024)
  })
  return new Promise((resolve, reject) => {
    child.on('error', error => reject(new CommandError(command, args, -1, error.message)))
    child.on('close', (code, signal) => {
      if (code === 0) resolve()
      else
        reject(new CommandError(command, args, code ?? -1, lastLines(stderr || `terminated by ${signal ?? 'unknown'}`)))
    })
  })
}
