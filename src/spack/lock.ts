/**
 * The concretized environment, read from `spack.lock`: the root slurm spec, its hash and its dependencies. Pure
 * parsing plus the check that a cached lock was made from the very spack.yaml about to be used.
 */
import { createHash } from 'node:crypto'

export interface LockedSpec {
  readonly name: string
  readonly version: string
  readonly hash: string
  readonly namespace?: string
  readonly external: boolean
  /** Where an external package lives on the build machine (and, by design, on the machines that run the build). */
  readonly externalPrefix?: string
  readonly target?: string
  readonly compiler?: string
}

export interface LockedBuild {
  readonly root: LockedSpec
  /** Every other spec in the lock, sorted by name then hash. */
  readonly dependencies: readonly LockedSpec[]
}

interface RawSpec {
  name?: string
  version?: string
  namespace?: string
  hash?: string
  external?: { path?: string } | null
  arch?: { target?: string | { name?: string } }
  dependencies?: Array<{ name?: string; hash?: string; parameters?: { virtuals?: string[] } }>
}

interface RawLock {
  roots?: Array<{ hash?: string; spec?: string }>
  concrete_specs?: Record<string, RawSpec>
}

function locked(hash: string, raw: RawSpec, all: Record<string, RawSpec>): LockedSpec {
  const target = typeof raw.arch?.target === 'string' ? raw.arch.target : raw.arch?.target?.name
  const compilerDep = raw.dependencies?.find(dep => dep.parameters?.virtuals?.includes('c'))
  const compiler = compilerDep?.hash ? all[compilerDep.hash] : undefined
  return {
    name: raw.name ?? '?',
    version: raw.version ?? '?',
    hash,
    ...(raw.namespace ? { namespace: raw.namespace } : {}),
    external: raw.external !== undefined && raw.external !== null,
    ...(raw.external?.path ? { externalPrefix: raw.external.path } : {}),
    ...(target ? { target } : {}),
    ...(compiler ? { compiler: `${compiler.name}@${compiler.version}` } : {})
  }
}

/** Reads a spack.lock document; fails clearly when it has no slurm root. */
export function readLock(text: string, rootName = 'slurm'): LockedBuild {
  const lock = JSON.parse(text) as RawLock
  const specs = lock.concrete_specs ?? {}
  const rootHash = (lock.roots ?? []).map(root => root.hash).find(hash => hash && specs[hash]?.name === rootName)
  if (!rootHash) throw new Error(`spack.lock has no ${rootName} root spec`)
  const dependencies = Object.entries(specs)
    .filter(([hash]) => hash !== rootHash)
    .map(([hash, raw]) => locked(hash, raw, specs))
    .sort((a, b) => a.name.localeCompare(b.name) || a.hash.localeCompare(b.hash))
  return { root: locked(rootHash, specs[rootHash] as RawSpec, specs), dependencies }
}

/** Every spec of a spack.lock document, whatever its roots: what an environment installs. */
export function lockedSpecs(text: string): LockedSpec[] {
  const specs = (JSON.parse(text) as RawLock).concrete_specs ?? {}
  return Object.entries(specs).map(([hash, raw]) => locked(hash, raw, specs))
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}
