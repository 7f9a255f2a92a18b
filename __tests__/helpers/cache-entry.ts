/**
 * Damage done to an entry the local cache service stores, as storage or a broken upload would do it: its archive's
 * bytes flipped (zstd then finds the frame corrupt), or one file inside it changed (the archive unpacks, but a
 * package's binary no longer matches the checksum its build cache records).
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import type { BlobRecord } from '../services/blob-store.js'
import type { Services } from '../services/index.js'

function blobOf(services: Services, key: string): BlobRecord {
  const entry = services.cache?.entries.find(e => e.key === key && e.finalized)
  if (!entry) throw new Error(`the cache holds no entry ${key}`)
  const record = services.server.blobs.get(entry.blob)
  if (!record) throw new Error(`no blob stored for ${key}`)
  return record
}

/** Replaces a stored blob's bytes; the store serves its recorded length, so that follows. */
function rewrite(record: BlobRecord, data: Buffer): void {
  writeFileSync(record.file, data)
  record.size = data.length
}

/** Flips 64 bytes in the middle of the entry's archive. */
export function corruptArchive(services: Services, key: string): void {
  const record = blobOf(services, key)
  const data = readFileSync(record.file)
  const middle = Math.floor(data.length / 2)
  for (let i = middle; i < Math.min(data.length - 8, middle + 64); i++) data[i] = (data[i] as number) ^ 0xff
  rewrite(record, data)
}

/**
 * Changes one byte of the first file inside the entry whose path matches `member` (same length, so the tar stays
 * valid), then compresses the archive again. Returns the member's path.
 */
export function alterMember(services: Services, key: string, member: RegExp): string {
  const record = blobOf(services, key)
  const tar = execFileSync('zstd', ['-d', '-q', '-c', record.file], { maxBuffer: 1 << 30 })
  let offset = 0
  let longName: string | undefined
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512)
    if (header.every(byte => byte === 0)) break
    const field = (start: number, length: number): string =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0[\s\S]*$/, '')
    const size = parseInt(field(124, 12).trim() || '0', 8)
    const type = field(156, 1)
    const prefix = field(345, 155)
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100))
    longName = undefined
    const body = offset + 512
    if (type === 'L')
      longName = tar
        .subarray(body, body + size)
        .toString('utf8')
        .replace(/\0[\s\S]*$/, '')
    else if (type === 'x') longName = paxPath(tar.subarray(body, body + size))
    else if ((type === '0' || type === '') && size > 0 && member.test(name)) {
      tar[body] = (tar[body] as number) ^ 0x20
      rewrite(record, execFileSync('zstd', ['-q', '-c', '-3'], { input: tar, maxBuffer: 1 << 30 }))
      return name
    }
    offset = body + Math.ceil(size / 512) * 512
  }
  throw new Error(`no file matching ${member} in ${key}`)
}

/** The `path` record of a POSIX (pax) extended header, which the toolkit's `tar --posix` writes for long names. */
function paxPath(records: Buffer): string | undefined {
  return /(?:^|\n)\d+ path=([^\n]*)\n/.exec(records.toString('utf8'))?.[1]
}
