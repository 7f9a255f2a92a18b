/**
 * Offline builds: checks that fail at once, naming what is missing, instead of a download that times out later.
 * Clingo must be importable (Spack can't bootstrap it), and every package to build from source must find its source
 * archive in a local mirror or the source cache, or its binary in a build cache.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { clingoArgs, environmentPythonArgs } from './commands.js'
import type { SpackRunner } from './runner.js'

export interface MissingSource {
  readonly name: string
  readonly version: string
  readonly sha256?: string
  readonly archive?: string
  readonly url?: string
}

/** Run by `spack -e <env> python`: lists the specs to build whose source no local mirror or cache holds. */
export const SOURCE_CHECK_SCRIPT = `import json, os
import spack.binary_distribution as bindist
import spack.config
import spack.environment as ev
import spack.mirrors.layout
import spack.mirrors.mirror
import spack.util.path

env = ev.active_environment()
roots = [spack.util.path.canonicalize_path(spack.config.get("config:source_cache"))]
remote = False
for mirror in spack.mirrors.mirror.MirrorCollection(source=True).values():
    url = mirror.fetch_url
    if url.startswith("file://"):
        roots.append(url[len("file://"):])
    else:
        remote = True
missing = []
for spec in env.all_specs():
    if spec.external or spec.installed:
        continue
    pkg = spec.package
    if not pkg.has_code:
        continue
    try:
        if bindist.get_mirrors_for_spec(spec):
            continue
    except Exception:
        pass
    fetcher = pkg.fetcher
    url = getattr(fetcher, "url", None) or ""
    if url.startswith("file://") and os.path.exists(url[len("file://"):]):
        continue
    layout = spack.mirrors.layout.default_mirror_layout(fetcher, os.path.join(spec.name, spec.name), spec)
    paths = [p for p in (layout.path, getattr(layout, "cosmetic_path", None)) if p]
    if any(os.path.exists(os.path.join(root, p)) for root in roots for p in paths):
        continue
    if remote:
        continue
    missing.append({"name": spec.name, "version": str(spec.version), "sha256": getattr(fetcher, "digest", None), "archive": layout.path, "url": getattr(fetcher, "url", None)})
print("SLURM_FACTORY_OFFLINE_CHECK " + json.dumps(missing))
`

export function parseSourceCheck(output: string): MissingSource[] {
  const line = output.split('\n').find(text => text.startsWith('SLURM_FACTORY_OFFLINE_CHECK '))
  if (!line) throw new Error(`the offline source check printed nothing:\n${output.slice(-2000)}`)
  return JSON.parse(line.slice('SLURM_FACTORY_OFFLINE_CHECK '.length)) as MissingSource[]
}

export function missingSourcesMessage(missing: readonly MissingSource[]): string {
  const lines = missing.map(
    item =>
      `  ${item.name}@${item.version}: source archive ${item.archive ?? '?'}${item.sha256 ? ` (sha256 ${item.sha256})` : ''}${item.url ? `, upstream ${item.url}` : ''}`
  )
  return `offline: ${missing.length} package(s) to build have no source archive in a local mirror or the source cache, and no binary in a build cache:\n${lines.join('\n')}\nAdd them to a mirror given in buildcache-mirrors (spack mirror create), or build once with network.`
}

/** Clingo must be importable by Spack's Python: without network Spack can't bootstrap it. */
export async function checkClingo(spack: SpackRunner): Promise<string> {
  const result = await spack.run(clingoArgs(), {
    silent: true,
    allowFailure: true
  })
  if (result.exitCode !== 0) {
    throw new Error(
      `offline: Spack can't import clingo, its concretizer, and can't bootstrap it without network (${result.stderr.trim().split('\n').slice(-1)[0] ?? ''}). ` +
        'Install clingo for the Python Spack uses (for example on PYTHONPATH), or use a spack-root whose Python has it'
    )
  }
  return result.stdout.trim()
}

/** Where the source check is written for `spack -e <env> python` to run. */
export function sourceCheckScript(scratch: string): string {
  return path.join(scratch, 'offline-check.py')
}

export async function checkSources(spack: SpackRunner, envDir: string, scratch: string): Promise<void> {
  mkdirSync(scratch, { recursive: true })
  const script = sourceCheckScript(scratch)
  writeFileSync(script, SOURCE_CHECK_SCRIPT)
  const result = await spack.run(environmentPythonArgs(envDir, script), { silent: true })
  const missing = parseSourceCheck(result.stdout)
  if (missing.length > 0) throw new Error(missingSourcesMessage(missing))
}
