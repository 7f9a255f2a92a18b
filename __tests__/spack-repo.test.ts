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
    expect(out).toMatch(
      new RegExp(
        `^OK 3 packages: curl \\(2 versions\\), gcc \\(1 versions\\), slurm \\(${SLURM_RELEASES.length} versions\\)`
      )
    )
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
      t =>
        t
          .replace('version("23.11.11"', 'version("23.11.10"')
          .replace('url=_github("23.11.11")', 'url=_github("23.11.10")'),
      /FAIL versions: slurm versions/
    ],
    [
      "SchedMD's tarball, whose checksum git cannot remake",
      SLURM_PKG,
      t => t.replace('url=_github("24.11.5")', 'url="https://download.schedmd.com/slurm/slurm-24.11.5.tar.bz2"'),
      /FAIL url: slurm@24\.11\.5: https:\/\/download\.schedmd\.com\/slurm\/slurm-24\.11\.5\.tar\.bz2 is not GitHub's archive/
    ],
    [
      'a URL naming another release',
      SLURM_PKG,
      t => t.replace('url=_github("25.11.7")', 'url=_github("25.11.6")'),
      /FAIL url: slurm@25\.11\.7: https:\/\/github\.com\/SchedMD\/slurm\/archive\/slurm-25-11-6-1\.tar\.gz/
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
      t => t.replace('("@:25.05.1", "2:5")', '("@:25.05.1", "5:5")'),
      /FAIL depends: slurm@24\.11\.5 \+pmix depends on \['pmix@5:5'\], want \['pmix@2:5'\]/
    ],
    [
      'PMIx 6 kept from the releases that accept it (25.05.2 on)',
      SLURM_PKG,
      t =>
        t.replace('("@:25.05.1", "2:5"),\n    ("@25.05.2:", "2:6"),', '("@:25.11", "2:5"),\n    ("@26.05:", "2:6"),'),
      /FAIL depends: slurm@25\.11\.7 \+pmix depends on \['pmix@2:5'\], want \['pmix@2:6'\]/
    ],
    [
      'PMIx 6 given to a release whose configure rejects it',
      SLURM_PKG,
      t =>
        t.replace('("@:25.05.1", "2:5"),\n    ("@25.05.2:", "2:6"),', '("@:23.11", "2:5"),\n    ("@24.11:", "2:6"),'),
      /FAIL depends: slurm@24\.11\.7 \+pmix depends on \['pmix@2:6'\], want \['pmix@2:5'\]/
    ],
    [
      'an option no configure knows (--with-ssl, ignored with a warning by every series)',
      SLURM_PKG,
      t =>
        t.replace(
          `f"--with-lz4={spec['lz4'].prefix}",\n`,
          `f"--with-lz4={spec['lz4'].prefix}",\n            "--with-ssl=/usr",\n`
        ),
      /FAIL configure-options: slurm@24\.11\.7 \(all variants off\): --with-ssl is not an option of Slurm 24\.11's configure/
    ],
    [
      "an option one series' configure lacks (--enable-cgroupv2 on 23.11)",
      SLURM_PKG,
      t =>
        t.replace(
          '        if spec.satisfies("@24.11:"):\n            args += self.enable_or_disable("cgroupv2"',
          '        if True:\n            args += self.enable_or_disable("cgroupv2"'
        ),
      /FAIL configure-options: slurm@23\.11\.11 \(all variants on\): --enable-cgroupv2 is not an option of Slurm 23\.11's configure/
    ],
    [
      'an option a newer series renamed (--with-http-parser, --with-libhttp-parser since 26.05)',
      SLURM_PKG,
      t => t.replace('"libhttp-parser" if spec.satisfies("@26.05:")', '"http-parser" if spec.satisfies("@26.05:")'),
      /FAIL configure-options: slurm@26\.05\.3 \(all variants on\): --with-http-parser is not an option of Slurm 26\.05's configure/
    ],
    [
      'a series without its list of configure options',
      path.join('spack_repo', 'slurm_factory', 'packages', 'slurm', 'configure-options', '25.05.txt'),
      () => '',
      /FAIL configure-options: slurm@25\.05\.8 \(all variants off\): --with-munge is not an option of Slurm 25\.05's configure/
    ],
    [
      'a direct OpenSSL dependency nothing in Slurm links',
      SLURM_PKG,
      t => t.replace('    depends_on("lz4")\n', '    depends_on("lz4")\n    depends_on("openssl@3:")\n'),
      /FAIL depends: slurm must not depend on openssl/
    ],
    [
      'a PAM directory no hook creates before configure',
      SLURM_PKG,
      t => t.replace('            mkdirp(self.prefix.lib.security)\n', '            pass\n'),
      /FAIL configure: slurm@\d+\.\d+\.\d+ \(all variants on\): --with-pam_dir=<prefix>\/lib\/security is inside the prefix/
    ],
    [
      'a PAM directory hook that is not marked run_before("configure")',
      SLURM_PKG,
      t => t.replace('    @run_before("configure")\n    def pam_dir(self):', '    def pam_dir(self):'),
      /FAIL configure: slurm@\d+\.\d+\.\d+ \(all variants on\): --with-pam_dir=/
    ],
    [
      'a variant configure is not told about',
      SLURM_PKG,
      t => t.replace('        args += self.enable_or_disable("pam")\n', ''),
      /FAIL configure: slurm@\d+\.\d+\.\d+ \(all variants off\): variant pam off must give --disable-pam/
    ],
    [
      'a dependency the spec does not have',
      SLURM_PKG,
      t => t.replace('depends_on("cuda", when="+nvml")', 'depends_on("cuda", when="~nvml")'),
      /FAIL configure: slurm@\d+\.\d+\.\d+ \(all variants on\): KeyError: "spec\['cuda'\]: no such dependency/
    ],
    [
      'a recipe that no longer resolves slurmstepd at run time',
      SLURM_PKG,
      t =>
        t.replace(
          'paths = [".", "bin/srun", "lib/slurm", "sbin/slurmstepd"]',
          'paths = [".", "bin/srun", "lib/slurm"]'
        ),
      /FAIL resolved: slurm@[\d.]+ \(all variants off\): share\/slurm-factory\/resolved-paths\.json lists/
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
