/**
 * The bundled Spack repository in a real Spack v1.0 (runs only when SPACK_ROOT is set, see helpers/real-spack.ts):
 * it is added to a fresh user scope, takes precedence over builtin, passes `spack audit`, and concretizes Slurm with
 * the offline kit's externals ($OFFLINE_EXTERNALS) so that only Slurm and compiler runtime pieces would be built.
 */
import { beforeAll, expect, test } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import {
  describeWithSpack,
  isolatedSpackEnv,
  KIT_EXTERNALS,
  writeConcreteScript,
  writeKitEnvironment
} from '../helpers/real-spack.js'
import { SLURM_RELEASES, SLURM_SERIES, SLURM_VARIANTS } from '../../src/catalog.js'

/** The newest release of a series, as the catalog lists it. */
const newestOf = (series: string): string => SLURM_RELEASES.find(v => v.startsWith(`${series}.`)) as string

const REPO = path.join(process.cwd(), 'spack-repo', 'spack_repo', 'slurm_factory')

describeWithSpack('spack-repo in real Spack', spackRoot => {
  const base = mkdtempSync(path.join(tmpdir(), 'sfa-spack-repo-'))
  const env = { ...process.env, ...isolatedSpackEnv(spackRoot, base) }

  function spack(args: string[], timeout = 300_000): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(path.join(spackRoot, 'bin', 'spack'), args, { env, encoding: 'utf8', timeout })
    return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' }
  }

  function spackOk(args: string[], timeout?: number): string {
    const result = spack(args, timeout)
    if (result.status !== 0) {
      throw new Error(`spack ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`)
    }
    return result.stdout
  }

  // spawnSync blocks, so these bound each Spack call; the first calls also build Spack's caches
  const SHORT = 300_000
  const LONG = 900_000

  beforeAll(() => {
    spackOk(['repo', 'add', '--scope', 'user', REPO])
  }, SHORT)

  test(
    'spack repo list shows slurm_factory before builtin',
    () => {
      const out = spackOk(['repo', 'list'])
      const ours = out.indexOf('slurm_factory')
      const builtin = out.indexOf('builtin')
      expect(ours).toBeGreaterThanOrEqual(0)
      expect(builtin).toBeGreaterThan(ours)
    },
    SHORT
  )

  test(
    'spack info slurm lists every catalog version and variant',
    () => {
      const out = spackOk(['info', '--no-dependencies', 'slurm'])
      for (const v of SLURM_RELEASES) expect(out).toContain(v)
      for (const v of SLURM_VARIANTS) expect(out).toMatch(new RegExp(`\\b${v}\\b`))
      expect(out).toContain('Preferred version:')
      expect(out).toMatch(new RegExp(`Preferred version:\\s*\\n\\s*${SLURM_RELEASES[0].replace(/\./g, '\\.')}\\b`))
    },
    SHORT
  )

  test(
    'spack info curl lists 7.88.1 and the protocol variants',
    () => {
      const out = spackOk(['info', '--no-dependencies', 'curl'])
      expect(out).toContain('7.88.1')
      for (const v of ['ldap', 'libssh2', 'librtmp', 'nghttp2', 'gssapi', 'libidn2', 'tls', 'libs']) {
        expect(out).toMatch(new RegExp(`\\b${v}\\b`))
      }
    },
    SHORT
  )

  test(
    'spack audit packages slurm curl reports no errors',
    () => {
      const result = spack(['audit', 'packages', 'slurm', 'curl'], LONG)
      expect(`${result.stdout}${result.stderr}`).not.toMatch(/\d+ issues? found|Error/)
      expect(result.status).toBe(0)
    },
    LONG
  )

  test(
    `package classes come from slurm_factory, slurm@25.11 selects ${newestOf('25.11')} and builtin still resolves`,
    () => {
      const script = [
        'import json',
        'import spack.repo',
        'from spack.version import Version, VersionRange, ver',
        "slurm = spack.repo.PATH.get_pkg_class('slurm')",
        "curl = spack.repo.PATH.get_pkg_class('curl')",
        "zlib = spack.repo.PATH.get_pkg_class('zlib')",
        "want = ver('25.11')",
        'newest = max(v for v in slurm.versions if v.satisfies(want))',
        'print(json.dumps({',
        "  'slurm': slurm.namespace, 'curl': curl.namespace, 'zlib': zlib.namespace,",
        "  'newest_25_11': str(newest),",
        "  'url_24_11_5': slurm.versions[Version('24.11.5')]['url'],",
        '}))'
      ].join('\n')
      const file = path.join(base, 'probe.py')
      writeFileSync(file, script)
      const out = spackOk(['python', file])
      const info = JSON.parse(out.trim().split('\n').pop() as string)
      expect(info).toEqual({
        slurm: 'slurm_factory',
        curl: 'slurm_factory',
        zlib: 'builtin',
        newest_25_11: newestOf('25.11'),
        url_24_11_5: 'https://github.com/SchedMD/slurm/archive/slurm-24-11-5-1.tar.gz'
      })
    },
    SHORT
  )

  const concretizeTest = KIT_EXTERNALS ? test : test.skip

  concretizeTest(
    'slurm@24.11.5 with the kit externals builds only slurm, gcc-runtime and compiler-wrapper',
    () => {
      const envDir = path.join(base, 'env')
      writeKitEnvironment(envDir, ['slurm@24.11.5 +rest+pmix+hwloc+ucx target=x86_64_v2'], true)
      spackOk(['-e', envDir, 'concretize', '--fresh'], LONG)
      const file = path.join(base, 'concrete.py')
      writeConcreteScript(file, envDir, [
        'out = {',
        "  'built': sorted(s.name for s in specs.values() if not s.external),",
        "  'slurm': [str(s.namespace) + '.' + str(s.version) for s in specs.values() if s.name == 'slurm'],",
        "  'curl': [str(s.namespace) + '@' + str(s.version) for s in specs.values() if s.name == 'curl'],",
        "  'pmix': [str(s.version) for s in specs.values() if s.name == 'pmix'],",
        '}'
      ])
      const info = JSON.parse(spackOk(['python', file]).trim().split('\n').pop() as string)
      expect(info.built).toEqual(['compiler-wrapper', 'gcc-runtime', 'slurm'])
      expect(info.slurm).toEqual(['slurm_factory.24.11.5'])
      expect(info.curl).toEqual(['slurm_factory@7.88.1'])
      expect(info.pmix).toEqual(['4.2.2'])
    },
    LONG + SHORT
  )
  concretizeTest(
    "the newest release of every series concretizes with the kit externals, PMIx within that release's bound",
    () => {
      const envDir = path.join(base, 'env-series')
      const specs = SLURM_SERIES.map(series => `slurm@${newestOf(series)} +rest+pmix+hwloc+ucx target=x86_64_v2`)
      writeKitEnvironment(envDir, specs, false)
      spackOk(['-e', envDir, 'concretize', '--fresh'], LONG)
      const file = path.join(base, 'concrete-series.py')
      writeConcreteScript(file, envDir, [
        'out = {}',
        'for root in e.concrete_roots():',
        "    deps = {d.name: str(d.version) for d in root.traverse() if d.name != 'slurm'}",
        "    out[str(root.version)] = {'pmix': deps.get('pmix'), 'openssl': 'openssl' in [d.name for d in root.dependencies()]}"
      ])
      const info = JSON.parse(spackOk(['python', file]).trim().split('\n').pop() as string)
      const expected = Object.fromEntries(
        SLURM_SERIES.map(series => [newestOf(series), { pmix: '4.2.2', openssl: false }])
      )
      expect(info).toEqual(expected)
    },
    LONG + SHORT
  )
})
