/** A release's assets: the built cells' tarballs, verified against what each cell recorded, and their SHA256SUMS. */
import { copyFile, mkdir, readdir, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { compareBytes, renderSha256Sums, sha256File } from '../artifact/checksums.js'
import { SUMS_FILE, tarballName } from '../artifact/layout.js'
import type { Manifest } from '../artifact/manifest.js'
import { cellState, type Cell } from './records.js'

async function filesByName(root: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>()
  const visit = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) await visit(full)
      else if (entry.isFile()) out.set(entry.name, [...(out.get(entry.name) ?? []), full])
    }
  }
  await visit(root)
  return out
}

export interface Asset {
  readonly name: string
  readonly sha256: string
  readonly size: number
}

/**
 * Copies every built cell's tarball (found by file name anywhere under `root`) into `outDir`, checks its SHA-256
 * against the one the cell recorded, and writes `outDir/SHA256SUMS`. Throws on a missing, ambiguous or altered file.
 */
export async function gatherAssets(cells: readonly Cell[], root: string, outDir: string): Promise<Asset[]> {
  const files = await filesByName(root)
  const assets: Asset[] = []
  await mkdir(outDir, { recursive: true })
  for (const cell of cells) {
    if (cellState(cell) !== 'built') continue
    const manifest = cell.manifest as Manifest
    const name =
      cell.record?.tarball || tarballName(manifest.name, manifest.artifact?.compression === 'gzip' ? 'gzip' : 'zstd')
    if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*\.tar\.(zst|gz)$/.test(name)) {
      throw new Error(`${cell.dir}: ${JSON.stringify(name)} is not a tarball name`)
    }
    if (assets.some(asset => asset.name === name)) throw new Error(`two cells produced ${name}`)
    const found = files.get(name) ?? []
    if (found.length !== 1) {
      throw new Error(`${name}: ${found.length === 0 ? 'not found' : `found ${found.length} times`} under ${root}`)
    }
    const source = found[0] as string
    const sha256 = await sha256File(source)
    if (cell.record?.sha256 && cell.record.sha256 !== sha256) {
      throw new Error(`${name}: sha256 ${sha256} differs from the ${cell.record.sha256} its cell recorded`)
    }
    await copyFile(source, path.join(outDir, name))
    assets.push({ name, sha256, size: (await stat(source)).size })
  }
  assets.sort((a, b) => compareBytes(a.name, b.name))
  await writeFile(path.join(outDir, SUMS_FILE), renderSha256Sums(assets.map(a => ({ path: a.name, sha256: a.sha256 }))))
  return assets
}
