/**
 * The bundled Spack repository (spack-repo/), checked without Spack: a Python checker executes every package.py
 * against recording stubs of Spack's directives and checks layout, checksums, URLs, variants and defaults, and that
 * the Slurm versions and variants equal the catalog the action validates inputs against. It also runs the Slurm recipe's
 * run_before("configure") hooks and configure_args() against a fake spec (all variants off, then all on) and checks the
 * arguments: one flag per variant, no duplicates, and every directory inside the prefix exists when configure runs.
 */
import { describe, test, expect } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { SLURM_RELEASES, SLURM_VARIANTS } from '../src/catalog.js'

const ROOT = process.cwd()
const REPO = path.join(ROOT, 'spack-repo')
const CHECKER = path.join(ROOT, '__tests__', 'spack-repo', 'check_repo.py')
const SLURM_PKG = path.join('spack_repo', 'slurm_factory', 'packages', 'slurm', 'package.py')
const CURL_PKG = path.join('spack_repo', 'slurm_factory', 'packages', 'curl', 'package.py')

function runChecker(repoRoot: string): { status: number | null; out: string } {
  const result = spawnSync(
    'python3',
    [CHECKER, repoRoot, '--releases', JSON.stringify(SLURM_RELEASES), '--variants', JSON.stringify(SLURM_VARIANTS)],
    { encoding: 'utf8' }
  )
  return { status: result.status, out: `${result.stdout}${result.stderr}` }
}

/** Runs the checker on a copy of the repository in which `file` was rewritten by `mutate`. */
function checkMutated(file: string, mutate: (text: string) => string): { status: number | null; out: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'spack-repo-mut-'))
  try {
    cpSync(REPO, dir, { recursive: true })
    const target = path.join(dir, file)
    const before = readFileSync(target, 'utf8')
    const after = mutate(before)
    expect(after).not.toEqual(before)
    writeFileSync(target, after)
    return runChecker(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('spack-repo (no Spack needed)', () => {
  test('the bundled repository passes the checker', () => {
    const { status, out } = runChecker(REPO)
    expect(out).toMatch(/^OK 3 packages: curl \(2 versions\), gcc \(1 versions\), slurm \(7 versions\)/)
    expect(status).toBe(0)
  })

  test('the repository declares namespace slurm_factory with package API v2', () => {
    const yaml = readFileSync(path.join(REPO, 'spack_repo', 'slurm_factory', 'repo.yaml'), 'utf8')
    expect(yaml).toMatch(/namespace:\s*slurm_factory/)
    expect(yaml).toMatch(/api:\s*v2\.\d+/)
  })

  test('relocatable-paths.patch was checked by check-patch.sh against every release the recipe lists', () => {
    const dir = path.join(REPO, 'spack_repo', 'slurm_factory', 'packages', 'slurm')
    const record = readFileSync(path.join(dir, 'relocatable-paths.checked'), 'utf8')
    const patch = readFileSync(path.join(dir, 'relocatable-paths.patch'))
    expect(record).toContain(`# relocatable-paths.patch ${createHash('sha256').update(patch).digest('hex')}\n`)
    const checked = new Map(
      [...record.matchAll(/^(\d+\.\d+\.\d+) slurm-(\S+) [0-9a-f]{40} applies$/gm)].map(m => [m[1], m[2]])
    )
    for (const version of SLURM_RELEASES)
      expect([version, checked.get(version)]).toEqual([version, `${version.replace(/\./g, '-')}-1`])
  })

  const mutations: [string, string, (t: string) => string, RegExp][] = [
    [
      'a malformed checksum',
      SLURM_PKG,
      t => t.replace('e1a5547edd212c38b5e3230a284133f777b32746551f094aaa81cc4af375e332', 'e1a5547e'),
      /FAIL sha256: slurm@24\.11\.5/
    ],
    [
      'a version missing from the catalog',
      SLURM_PKG,
      t => t.replace('"23.11.11"', '"23.11.10"').replace('url=_schedmd("23.11.11")', 'url=_schedmd("23.11.10")'),
      /FAIL versions: slurm versions/
    ],
    [
      'a checksum with the wrong archive URL',
      SLURM_PKG,
      t => t.replace('url=_github("24.11.5")', 'url=_schedmd("24.11.5")'),
      /FAIL url: 24\.11\.5 must be the GitHub \.tar\.gz archive/
    ],
    [
      'a variant without a description',
      SLURM_PKG,
      t => t.replace('description="Use hwloc for node topology"', 'description=""'),
      /FAIL description: slurm variant hwloc/
    ],
    [
      'a wrong production default',
      SLURM_PKG,
      t => t.replace('variant("rest", default=True', 'variant("rest", default=False'),
      /FAIL defaults: slurm variant rest default False/
    ],
    [
      'an extra variant',
      SLURM_PKG,
      t =>
        t.replace('    variant("rest",', '    variant("lua", default=False, description="Lua")\n    variant("rest",'),
      /FAIL variants: slurm variants/
    ],
    [
      'a PMIx bound that rejects the PMIx versions configure accepts',
      SLURM_PKG,
      t => t.replace('depends_on("pmix@2:5", when="+pmix")', 'depends_on("pmix@5:", when="+pmix")'),
      /FAIL depends: pmix@2:5 when \+pmix/
    ],
    [
      'a PAM directory no hook creates before configure',
      SLURM_PKG,
      t => t.replace('            mkdirp(self.prefix.lib.security)\n', '            pass\n'),
      /FAIL configure: slurm \(all variants on\): --with-pam_dir=<prefix>\/lib\/security is inside the prefix/
    ],
    [
      'a PAM directory hook that is not marked run_before("configure")',
      SLURM_PKG,
      t => t.replace('    @run_before("configure")\n    def pam_dir(self):', '    def pam_dir(self):'),
      /FAIL configure: slurm \(all variants on\): --with-pam_dir=/
    ],
    [
      'a variant configure is not told about',
      SLURM_PKG,
      t => t.replace('        args += self.enable_or_disable("pam")\n', ''),
      /FAIL configure: slurm \(all variants off\): variant pam off must give --disable-pam/
    ],
    [
      'a dependency the spec does not have',
      SLURM_PKG,
      t => t.replace('depends_on("cuda", when="+nvml")', 'depends_on("cuda", when="~nvml")'),
      /FAIL configure: slurm \(all variants on\): KeyError: "spec\['cuda'\]: no such dependency/
    ],
    [
      'a recipe that no longer resolves slurmstepd at run time',
      SLURM_PKG,
      t =>
        t.replace(
          'paths = [".", "bin/srun", "lib/slurm", "sbin/slurmstepd"]',
          'paths = [".", "bin/srun", "lib/slurm"]'
        ),
      /FAIL resolved: slurm \(all variants off\): share\/slurm-factory\/resolved-paths\.json lists/
    ],
    [
      'a recipe that does not execute',
      CURL_PKG,
      t => t.replace('class Curl(AutotoolsPackage):', 'class Curl(AutotoolsPackage):\n    undefined_name()'),
      /FAIL load: curl: NameError/
    ],
    [
      'curl without the distribution version',
      CURL_PKG,
      t => t.replace('version("7.88.1"', 'version("7.88.2"'),
      /FAIL versions: curl must keep 7\.88\.1/
    ]
  ]

  test.each(mutations)('the checker fails on %s', (_name, file, mutate, expected) => {
    const { status, out } = checkMutated(file, mutate)
    expect(out).toMatch(expected)
    expect(status).toBe(1)
  })
})
