/**
 * The installed tree kept beside the build cache: when a restored tree counts as whole (Spack's database and every
 * locked prefix), what happens to one that is not, and when a build keeps none. Real files in a temporary directory;
 * the cache client is a small stand-in that unpacks a prepared tree where @actions/cache would.
 */
import { afterEach, describe, expect, test } from '@jest/globals'
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { keepLock, type CachePaths } from '../../src/cache/build-cache.js'
import {
  databaseFile,
  installedTreeKey,
  installedTreeOf,
  renderedInstallRoot,
  renderedViewRoot,
  restoreInstalledTree,
  saveInstalledTree,
  treeProblems,
  viewStore,
  type InstalledTree
} from '../../src/cache/installed-tree.js'
import type { CacheClient } from '../../src/cache/service.js'
import { stageForSave } from '../../src/cache/staging.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const HASHES = { slurm: 'a'.repeat(32), munge: 'b'.repeat(32), pmix: 'c'.repeat(32) }

function environmentText(installRoot: string, viewRoot?: string): string {
  const view = viewRoot ? `  view:\n    default:\n      root: ${viewRoot}\n      select: [slurm]\n` : '  view: false\n'
  return `spack:\n  specs:\n  - slurm@24.11\n  config:\n    install_tree:\n      root: ${installRoot}\n      padded_length: 128\n${view}`
}

/** A runner's work root with an environment installed: prefixes, Spack's database and the kept lock. */
function installedBuild(): { tree: InstalledTree; prefix: (name: keyof typeof HASHES) => string } {
  const root = mkdtempSync(path.join(tmpdir(), 'installed-tree-'))
  dirs.push(root)
  const installRoot = path.join(root, 'opt')
  const paths: CachePaths = {
    mirror: path.join(root, 'buildcache'),
    state: path.join(root, 'cache-state'),
    transfer: path.join(root, 'cache-transfer')
  }
  const envDir = path.join(root, 'environment')
  const viewRoot = path.join(root, 'view')
  const environment = environmentText(installRoot, viewRoot)
  // The view as Spack leaves it: a link to a directory of `._view`.
  mkdirSync(path.join(root, '._view', 'x'.repeat(32), 'bin'), { recursive: true })
  symlinkSync(path.join(root, '._view', 'x'.repeat(32)), viewRoot)
  const prefix = (name: keyof typeof HASHES): string => path.join(installRoot, `${name}-1.0-${HASHES[name]}`)
  const installs: Record<string, unknown> = {}
  for (const name of ['slurm', 'munge'] as const) {
    mkdirSync(path.join(prefix(name), '.spack'), { recursive: true })
    writeFileSync(path.join(prefix(name), '.spack', 'spec.json'), '{}')
    installs[HASHES[name]] = { path: prefix(name), installed: true }
  }
  installs[HASHES.pmix] = { path: '/usr', installed: true }
  mkdirSync(path.join(installRoot, '.spack-db'), { recursive: true })
  writeFileSync(path.join(installRoot, '.spack-db', 'index.json'), JSON.stringify({ database: { installs } }))
  const lock = {
    roots: [{ hash: HASHES.slurm, spec: 'slurm@24.11' }],
    concrete_specs: {
      [HASHES.slurm]: { name: 'slurm', version: '24.11.7', dependencies: [{ name: 'munge', hash: HASHES.munge }] },
      [HASHES.munge]: { name: 'munge', version: '0.5.15' },
      [HASHES.pmix]: { name: 'pmix', version: '4.2.2', external: { path: '/usr' } }
    }
  }
  mkdirSync(envDir, { recursive: true })
  writeFileSync(path.join(envDir, 'spack.lock'), JSON.stringify(lock))
  keepLock(paths, envDir, environment)
  const tree = installedTreeOf('prefix-key', { installRoot, viewRoot }, paths, [
    { envDir, environment }
  ]) as InstalledTree
  return { tree, prefix }
}

/**
 * A cache client holding one entry under `key`: a copy of the tree's directories as they are now, unpacked where the
 * entry's paths say (its staging directories) when the key or one of the restore prefixes finds it.
 */
function clientWith(tree: InstalledTree, key: string): CacheClient {
  const stored = mkdtempSync(path.join(tmpdir(), 'installed-tree-stored-'))
  dirs.push(stored)
  const copy = (from: string, to: string): void => {
    rmSync(to, { recursive: true, force: true })
    mkdirSync(path.dirname(to), { recursive: true })
    cpSync(from, to, { recursive: true, verbatimSymlinks: true })
  }
  // What the action's save stores: the tree's directories staged, the view's link as its target.
  const staged = stageForSave(tree.entry.staged ?? [])
  tree.entry.paths.forEach((dir, i) => copy(dir, path.join(stored, String(i))))
  staged.restore()
  return {
    isFeatureAvailable: () => true,
    restoreCache: async (paths: string[], primaryKey: string, restoreKeys: string[] = []) => {
      if (primaryKey !== key && !restoreKeys.some(prefix => key.startsWith(prefix))) return undefined
      paths.forEach((dir, i) => copy(path.join(stored, String(i)), dir))
      return key
    },
    saveCache: async () => 1
  } as unknown as CacheClient
}

describe('the installed tree', () => {
  test('its key is the primary key with -installed, its paths the install root, the kept locks and the view', () => {
    const { tree } = installedBuild()
    expect(tree.entry.key).toBe(installedTreeKey('prefix-key'))
    expect(tree.entry.key).toBe('prefix-key-installed')
    const view = tree.viewRoot as string
    const live = (entry: InstalledTree['entry'] | undefined) => entry?.staged?.map(dir => dir.live)
    // The view's store before the link into it: a link is moved after what it points to.
    expect(live(tree.entry)).toEqual([tree.installRoot, tree.paths.state, viewStore(view), view])
    // Each is unpacked under the transfer directory and moved into place when whole.
    for (const stored of tree.entry.paths) expect(stored.startsWith(tree.paths.transfer + path.sep)).toBe(true)
    expect(viewStore('/r/slurm-factory/view')).toBe('/r/slurm-factory/._view')
    // Environments without a view (the compiler's) keep none.
    const env = { ...tree.environments[0]!, environment: environmentText(tree.installRoot) }
    const bare = installedTreeOf('k', { installRoot: tree.installRoot, viewRoot: view }, tree.paths, [env])
    expect(live(bare?.entry)).toEqual([tree.installRoot, tree.paths.state])
  })

  test('a view that is gone, or no link into its store, keeps the tree from counting as whole', () => {
    const { tree } = installedBuild()
    const view = tree.viewRoot as string
    rmSync(view)
    expect(treeProblems(tree)).toEqual([`the view ${view} is missing`])
    mkdirSync(view)
    expect(treeProblems(tree)).toEqual([`the view ${view} is missing`])
  })

  test('a tree with every locked package recorded and in place is whole; externals need no prefix', () => {
    expect(treeProblems(installedBuild().tree)).toEqual([])
  })

  test('a missing prefix, a package the database does not record, a missing database: each is named', () => {
    const { tree, prefix } = installedBuild()
    rmSync(prefix('munge'), { recursive: true })
    expect(treeProblems(tree)).toEqual([`munge@0.5.15/bbbbbbb: ${prefix('munge')} is missing or incomplete`])
    writeFileSync(
      path.join(tree.installRoot, '.spack-db', 'index.json'),
      JSON.stringify({ database: { installs: {} } })
    )
    expect(treeProblems(tree)).toEqual([
      'slurm@24.11.7/aaaaaaa is not recorded as installed',
      'munge@0.5.15/bbbbbbb is not recorded as installed'
    ])
    rmSync(path.join(tree.installRoot, '.spack-db'), { recursive: true })
    expect(treeProblems(tree)[0]).toMatch(/^Spack's database \S+index\.json is missing$/)
  })

  test("Spack's database is found below the padding of padded_length, as Spack places it", () => {
    const { tree } = installedBuild()
    const padded = path.join(tree.installRoot, '__spack_path_placeholder__', '__spack_path_placeholder__', '__spack_pa')
    mkdirSync(padded, { recursive: true })
    cpSync(path.join(tree.installRoot, '.spack-db'), path.join(padded, '.spack-db'), { recursive: true })
    rmSync(path.join(tree.installRoot, '.spack-db'), { recursive: true })
    expect(databaseFile(tree.installRoot)).toBe(path.join(padded, '.spack-db', 'index.json'))
    expect(treeProblems(tree)).toEqual([])
    expect(databaseFile('/nonexistent/opt')).toBe('/nonexistent/opt/.spack-db/index.json')
  })

  test('a kept lock made from another spack.yaml does not vouch for the tree', () => {
    const { tree } = installedBuild()
    const changed = { ...tree, environments: [{ ...tree.environments[0]!, environment: '# another\n' }] }
    expect(treeProblems(changed)).toEqual(['the kept lock of environment was made from another spack.yaml'])
  })

  test('restored whole, it is used; restored incomplete, it is removed with its locks and the build cache takes over', async () => {
    const whole = installedBuild()
    const saved = `${whole.tree.entry.key}-complete-7-1`
    const client = clientWith(whole.tree, saved)
    rmSync(whole.tree.installRoot, { recursive: true })
    rmSync(whole.tree.viewRoot as string)
    rmSync(viewStore(whole.tree.viewRoot as string), { recursive: true })
    expect(await restoreInstalledTree(whole.tree, { client })).toBe(saved)
    expect(treeProblems(whole.tree)).toEqual([])
    expect(existsSync(whole.prefix('slurm'))).toBe(true)

    const broken = installedBuild()
    rmSync(broken.prefix('slurm'), { recursive: true })
    const brokenClient = clientWith(broken.tree, broken.tree.entry.key)
    expect(await restoreInstalledTree(broken.tree, { client: brokenClient })).toBeUndefined()
    expect(existsSync(broken.tree.installRoot)).toBe(false)
    expect(existsSync(broken.tree.paths.state)).toBe(false)
  })

  test('a miss leaves nothing behind; a tree that is not whole is not saved', async () => {
    const { tree, prefix } = installedBuild()
    const client = clientWith(tree, 'another-key')
    expect(await restoreInstalledTree(tree, { client })).toBeUndefined()
    const saved: string[] = []
    const counting = {
      ...client,
      saveCache: async (_: string[], key: string) => saved.push(key)
    } as unknown as CacheClient
    expect(await saveInstalledTree(tree, 'tree-complete-1-1', { client: counting })).toBe(true)
    // The save moved the tree out and back: it is whole where the build uses it.
    expect(treeProblems(tree)).toEqual([])
    rmSync(prefix('munge'), { recursive: true })
    expect(await saveInstalledTree(tree, 'tree-complete-2-1', { client: counting })).toBe(false)
    expect(saved).toEqual(['tree-complete-1-1'])
  })

  test('an environment that installs elsewhere (a site moved install_tree) keeps no tree', () => {
    const { tree } = installedBuild()
    const env = tree.environments[0]!
    const layout = { installRoot: tree.installRoot, viewRoot: tree.viewRoot as string }
    const moved = { ...env, environment: environmentText('/srv/spack/opt', layout.viewRoot) }
    expect(installedTreeOf('k', layout, tree.paths, [moved])).toBeUndefined()
    const viewMoved = { ...env, environment: environmentText(layout.installRoot, '/srv/view') }
    expect(installedTreeOf('k', layout, tree.paths, [viewMoved])).toBeUndefined()
    expect(renderedInstallRoot(environmentText('/x'))).toBe('/x')
    expect(renderedViewRoot(environmentText('/x', '/v'))).toBe('/v')
    expect(renderedViewRoot(environmentText('/x'))).toBeUndefined()
    expect(renderedViewRoot('spack:\n  view: /w\n')).toBe('/w')
    expect(renderedInstallRoot('spack:\n  config::\n    install_tree:\n      root: /y\n')).toBe('/y')
    expect(renderedInstallRoot('spack:\n  "config:":\n    install_tree: /z\n')).toBe('/z')
    expect(renderedInstallRoot('spack:\n  specs: [a]\n')).toBeUndefined()
  })
})
