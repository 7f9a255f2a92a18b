/**
 * Packing throughput: `packArtifact` (zstd -T0) against the plain pipeline `tar -cf - DIR | zstd -T0` on the same
 * tree in the same run. The tree is a copy of regular files from /usr/lib (about BENCH_PACK_MB megabytes, 400 by
 * default). Runs alternate between the two so that cache and frequency effects hit both alike.
 *
 *   npx tsx bench/pack.bench.ts            # BENCH_PACK_MB=400 BENCH_PACK_RUNS=5 by default
 */
import { copyFileSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { packArtifact } from '../src/artifact/pack.js'
import { runProgram } from '../src/spack/runner.js'

const TARGET_BYTES = Number(process.env.BENCH_PACK_MB ?? 400) * 1024 * 1024
const RUNS = Number(process.env.BENCH_PACK_RUNS ?? 5)
const SOURCE = process.env.BENCH_PACK_SOURCE ?? '/usr/lib'

/** Copies regular files from `source` into `dest`, keeping their relative paths, until `limit` bytes. */
function fillTree(source: string, dest: string, limit: number): { bytes: number; files: number } {
  let bytes = 0
  let files = 0
  const walk = (rel: string): void => {
    let names: string[]
    try {
      names = readdirSync(path.join(source, rel)).sort()
    } catch {
      return
    }
    for (const name of names) {
      if (bytes >= limit) return
      const childRel = path.join(rel, name)
      const from = path.join(source, childRel)
      const info = lstatSync(from)
      if (info.isDirectory()) walk(childRel)
      else if (info.isFile() && info.size > 0) {
        try {
          mkdirSync(path.dirname(path.join(dest, childRel)), { recursive: true })
          copyFileSync(from, path.join(dest, childRel))
          bytes += info.size
          files++
        } catch {
          // unreadable file: skip
        }
      }
    }
  }
  walk('')
  return { bytes, files }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

const BASELINE = 'tar -cf - -C "$1" "$2" | zstd -T0 -q -f -o "$3"'

async function main(): Promise<void> {
  const base = mkdtempSync(path.join(tmpdir(), 'pack-bench-'))
  try {
    const tree = path.join(base, 'stage', 'slurm-bench')
    const { bytes, files } = fillTree(SOURCE, tree, TARGET_BYTES)
    const mb = bytes / 1024 / 1024
    console.log(`tree: ${files} files, ${mb.toFixed(0)} MiB from ${SOURCE}; ${RUNS} runs each, alternating`)
    const ours: number[] = []
    const baseline: number[] = []
    let oursSize = 0
    let baselineSize = 0
    for (let run = 0; run < RUNS + 1; run++) {
      let started = performance.now()
      const packed = await packArtifact({ dir: tree, outDir: path.join(base, 'out'), compression: 'zstd' })
      const oursMs = performance.now() - started
      oursSize = packed.size
      started = performance.now()
      const out = path.join(base, 'baseline.tar.zst')
      await runProgram('bash', ['-c', BASELINE, '_', path.dirname(tree), path.basename(tree), out], { silent: true })
      const baselineMs = performance.now() - started
      baselineSize = statSync(out).size
      // The first round warms the page cache and is not counted.
      if (run === 0) continue
      ours.push(oursMs)
      baseline.push(baselineMs)
      console.log(`run ${run}: packArtifact ${oursMs.toFixed(0)} ms, tar | zstd -T0 ${baselineMs.toFixed(0)} ms`)
    }
    const oursMedian = median(ours)
    const baselineMedian = median(baseline)
    console.log(
      `packArtifact (incl. sha256 of the archive): median ${oursMedian.toFixed(0)} ms, ` +
        `${((mb * 1000) / oursMedian).toFixed(0)} MiB/s, archive ${(oursSize / 1024 / 1024).toFixed(1)} MiB`
    )
    console.log(
      `tar -cf - DIR | zstd -T0: median ${baselineMedian.toFixed(0)} ms, ` +
        `${((mb * 1000) / baselineMedian).toFixed(0)} MiB/s, archive ${(baselineSize / 1024 / 1024).toFixed(1)} MiB`
    )
    console.log(`throughput ratio (packArtifact / baseline): ${(baselineMedian / oursMedian).toFixed(2)} (goal >= 0.9)`)
  } finally {
    rmSync(base, { recursive: true, force: true })
  }
}

await main()
