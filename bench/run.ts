/** `npm run bench`: every benchmark in bench/, one after the other (each also runs alone with `npx tsx bench/<name>`). */
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import path from 'node:path'

const dir = path.dirname(new URL(import.meta.url).pathname)
const only = process.argv.slice(2)
let failed = 0
for (const file of readdirSync(dir)
  .filter(name => name.endsWith('.bench.ts'))
  .sort()) {
  if (only.length && !only.some(name => file.startsWith(name))) continue
  process.stdout.write(`\n== ${file}\n`)
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(dir, file)], { stdio: 'inherit' })
  if (result.status !== 0) failed++
}
process.exitCode = failed ? 1 : 0
