/**
 * Staging: turns the Spack environment view (a tree of symlinks into the install tree) into one self-contained
 * prefix `<out>/<artifact-name>/` of real files. Symlinks into the install tree are dereferenced; a link that is
 * relative in the install prefix (`libfoo.so -> libfoo.so.1`) and whose target the view also holds stays a relative
 * link; links inside the view stay as they are. `slim` leaves out `include/`, static libraries and libtool archives.
 */
import { chmod, copyFile, lstat, mkdir, readdir, readlink, realpath, rm, stat, symlink } from 'node:fs/promises'
import path from 'node:path'
import { isWithin } from '../paths.js'
import { compareBytes } from './checksums.js'
import { STANDARD_DIRS } from './layout.js'

export interface StageOptions {
  /** The Spack environment view. */
  readonly viewRoot: string
  /** Roots of the Spack install tree (the view's links point below them). */
  readonly installRoots: readonly string[]
  /** Directory that receives `<artifactName>/`. An existing `<out>/<artifactName>/` is replaced. */
  readonly outDir: string
  readonly artifactName: string
  /** Leave out `include/`, `*.a` and `*.la`. */
  readonly slim?: boolean
  /** Install prefixes known from the concretized environment; otherwise recognised by their `-<hash>` name. */
  readonly spackPrefixes?: readonly string[]
}

export interface StagedEntry {
  /** '/'-separated path relative to the staged prefix. */
  readonly path: string
  readonly type: 'file' | 'symlink'
  /** Link text, for symlinks. */
  readonly target?: string
  /** The real file that was copied, for files. */
  readonly source?: string
  /** The Spack install prefix the file came from, when it came from one. */
  readonly spackPrefix?: string
}

export interface StageResult {
  /** `<out>/<artifactName>`. */
  readonly prefix: string
  /** Staged files and symlinks, sorted by path bytes. */
  readonly entries: readonly StagedEntry[]
  /** Install prefixes the files came from, with how many files each gave, sorted by prefix. */
  readonly spackPrefixes: readonly { readonly prefix: string; readonly files: number }[]
  /** View paths left out by `slim`. */
  readonly dropped: readonly string[]
  /** Absolute symlinks to paths outside the install tree and the view, kept as they are. */
  readonly external: readonly { readonly path: string; readonly target: string }[]
}

const HASHED_DIR = /^.+-[a-z0-9]{32}$/

/**
 * The Spack install prefix holding `file`: the longest known prefix containing it, or else the first directory
 * below an install root named `<name>-<version>-<32-character hash>`. Null outside the install tree.
 */
export function spackPrefixOf(
  file: string,
  installRoots: readonly string[],
  known: readonly string[] = []
): string | null {
  const matches = known.filter(prefix => isWithin(file, prefix)).sort((a, b) => b.length - a.length)
  if (matches[0]) return matches[0]
  for (const root of installRoots) {
    if (!isWithin(file, root)) continue
    const parts = path.relative(root, file).split(path.sep)
    for (let i = 0; i < parts.length; i++) {
      if (HASHED_DIR.test(parts[i] as string)) return path.join(root, ...parts.slice(0, i + 1))
    }
  }
  return null
}

/** Whether `slim` leaves out a staged path. */
export function isSlimDropped(rel: string): boolean {
  return rel === 'include' || rel.startsWith('include/') || rel.endsWith('.a') || rel.endsWith('.la')
}

/** One staging: the prefix being filled, and what was placed in it. */
class Stager {
  readonly entries: StagedEntry[] = []
  readonly dropped: string[] = []
  readonly external: { path: string; target: string }[] = []
  private readonly fromPrefix = new Map<string, number>()

  constructor(
    readonly prefix: string,
    private readonly viewRoot: string,
    private readonly installRoots: readonly string[],
    private readonly known: readonly string[],
    private readonly slim: boolean
  ) {}

  private inBuild(target: string): boolean {
    return isWithin(target, this.viewRoot) || this.installRoots.some(root => isWithin(target, root))
  }

  private async copyReal(real: string, rel: string): Promise<void> {
    const dest = path.join(this.prefix, rel)
    await copyFile(real, dest)
    const mode = (await stat(real)).mode & 0o777
    await chmod(dest, mode | 0o200)
    const spackPrefix = spackPrefixOf(real, this.installRoots, this.known)
    if (spackPrefix) this.fromPrefix.set(spackPrefix, (this.fromPrefix.get(spackPrefix) ?? 0) + 1)
    this.entries.push({ path: rel, type: 'file', source: real, ...(spackPrefix ? { spackPrefix } : {}) })
  }

  private async keepLink(rel: string, text: string): Promise<void> {
    await symlink(text, path.join(this.prefix, rel))
    this.entries.push({ path: rel, type: 'symlink', target: text })
  }

  /**
   * Places `source` (an entry of the view, or of an install-tree directory reached through the view) at `rel`.
   * `viewPath` is where the entry sits in the view (to resolve relative links against the view); `localRoot` is the
   * directory whose relative links stay links.
   */
  async place(source: string, rel: string, viewPath: string, localRoot: string): Promise<void> {
    if (this.slim && isSlimDropped(rel)) {
      this.dropped.push(rel)
      return
    }
    const info = await lstat(source)
    if (info.isDirectory()) {
      await mkdir(path.join(this.prefix, rel), { recursive: true })
      for (const name of await viewEntries(source))
        await this.place(path.join(source, name), `${rel}/${name}`, path.join(viewPath, name), localRoot)
      return
    }
    if (info.isFile()) return this.copyReal(source, rel)
    if (info.isSymbolicLink()) return this.placeLink(source, rel, viewPath, localRoot)
  }

  private async placeLink(source: string, rel: string, viewPath: string, localRoot: string): Promise<void> {
    const text = await readlink(source)
    const resolved = path.resolve(path.dirname(source), text)
    // A relative link that stays inside the view (or inside the dereferenced directory) stays a link.
    if (!path.isAbsolute(text) && isWithin(resolved, localRoot)) return this.keepLink(rel, text)
    if (!this.inBuild(resolved)) {
      this.external.push({ path: rel, target: text })
      return this.keepLink(rel, text)
    }
    // A link into the install tree: keep a relative same-tree link of the install prefix when the view has its target.
    const targetInfo = await lstat(resolved).catch(() => null)
    if (targetInfo?.isSymbolicLink()) {
      const inner = await readlink(resolved)
      if (!path.isAbsolute(inner)) {
        const inView = path.resolve(path.dirname(viewPath), inner)
        if (isWithin(inView, this.viewRoot) && (await lstat(inView).catch(() => null))) return this.keepLink(rel, inner)
      }
    }
    const real = await realpath(resolved)
    if ((await stat(real)).isDirectory()) return this.place(real, rel, viewPath, real)
    return this.copyReal(real, rel)
  }

  result(): StageResult {
    return {
      prefix: this.prefix,
      entries: this.entries.sort((a, b) => compareBytes(a.path, b.path)),
      spackPrefixes: [...this.fromPrefix.entries()]
        .map(([spackPrefix, files]) => ({ prefix: spackPrefix, files }))
        .sort((a, b) => compareBytes(a.prefix, b.prefix)),
      dropped: this.dropped.sort(compareBytes),
      external: this.external.sort((a, b) => compareBytes(a.path, b.path))
    }
  }
}

/** A directory's entries as the view shows them: Spack's own `.spack*` bookkeeping left out, in byte order. */
async function viewEntries(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter(name => !name.startsWith('.spack')).sort(compareBytes)
}

/** Stages the view into `<outDir>/<artifactName>/`. */
export async function stageView(options: StageOptions): Promise<StageResult> {
  const viewRoot = path.resolve(options.viewRoot)
  const prefix = path.resolve(options.outDir, options.artifactName)
  await rm(prefix, { recursive: true, force: true })
  await mkdir(prefix, { recursive: true })
  const stager = new Stager(
    prefix,
    viewRoot,
    options.installRoots.map(root => path.resolve(root)),
    (options.spackPrefixes ?? []).map(known => path.resolve(known)),
    options.slim ?? false
  )
  for (const name of await viewEntries(viewRoot))
    await stager.place(path.join(viewRoot, name), name, path.join(viewRoot, name), viewRoot)
  for (const dir of STANDARD_DIRS) await mkdir(path.join(prefix, dir), { recursive: true })
  return stager.result()
}
