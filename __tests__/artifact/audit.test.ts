import { beforeAll, describe, expect, test } from '@jest/globals'
import { execFile } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import {
  auditTree,
  DEFAULT_INTERPRETERS,
  DEFAULT_STANDARD_LIB_DIRS,
  formatReport,
  readLdSoConf,
  type AuditOptions,
  type AuditProblem,
  type AuditReport
} from '../../src/artifact/audit.js'
import { runAuditCli } from '../../src/artifact/audit/cli.js'
import {
  buildInstallTree,
  compileExecutable,
  compileSharedLibrary,
  hasGcc,
  LIBFOO_SOURCE,
  PLUGIN_SOURCE,
  type InstallTree
} from '../helpers/elf-fixtures.js'

const execFileAsync = promisify(execFile)
const MAIN_SOURCE = 'int foo(void);\nint main(void) { return foo() == 42 ? 0 : 1; }\n'

function tmp(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), prefix))
}

/**
 * A relocatable tree: bin/app and lib/slurm/plugin.so find lib/libfoo.so through $ORIGIN RUNPATHs, a versioned
 * symlink, a text file, a non-ELF binary file.
 */
function buildGoodTree(root: string): void {
  const lib = path.join(root, 'lib')
  compileSharedLibrary({ out: path.join(lib, 'libfoo.so'), source: LIBFOO_SOURCE, soname: 'libfoo.so' })
  symlinkSync('libfoo.so', path.join(lib, 'libfoo.so.1'))
  compileSharedLibrary({
    out: path.join(lib, 'slurm', 'plugin.so'),
    source: PLUGIN_SOURCE,
    args: [`-L${lib}`, '-lfoo', '-Wl,--enable-new-dtags,-rpath,$ORIGIN/..']
  })
  compileExecutable({
    out: path.join(root, 'bin', 'app'),
    source: MAIN_SOURCE,
    args: [`-L${lib}`, '-lfoo', '-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib']
  })
  mkdirSync(path.join(root, 'etc'), { recursive: true })
  writeFileSync(path.join(root, 'etc', 'slurm.conf.example'), 'ClusterName=cluster\nPluginDir=/usr/lib/slurm\n')
  writeFileSync(path.join(root, 'share.bin'), Buffer.from([1, 2, 0, 3, 0, 0, 4]))
}

function kinds(report: AuditReport): string[] {
  return report.problems.map(p => `${p.file} ${p.kind}`)
}

function find(report: AuditReport, file: string, kind: AuditProblem['kind']): AuditProblem[] {
  return report.problems.filter(p => p.file === file && p.kind === kind)
}

const describeGcc = hasGcc() ? describe : describe.skip

let goodTemplate: string | undefined

/** A fresh copy of the relocatable tree (built once) at `<new temp dir>/slurm`. */
function copyGoodTree(prefix: string): string {
  if (goodTemplate === undefined) {
    goodTemplate = path.join(tmp('audit-template-'), 'slurm')
    buildGoodTree(goodTemplate)
  }
  const root = path.join(tmp(prefix), 'slurm')
  cpSync(goodTemplate, root, { recursive: true, verbatimSymlinks: true })
  return root
}

describeGcc('auditTree', () => {
  let good: string
  let spack: InstallTree
  let moved: string
  const fakePrefix = '/opt/build-machine/spack'

  beforeAll(() => {
    good = copyGoodTree('audit-good-')
    spack = buildInstallTree()
    moved = path.join(tmp('audit-moved-'), 'slurm')
    cpSync(spack.root, moved, { recursive: true })
  })

  test('a relocatable tree passes', async () => {
    const report = await auditTree(good, { buildPrefixes: [fakePrefix] })
    expect(report.problems).toEqual([])
    expect(report.ok).toBe(true)
    expect(report).toMatchObject({
      root: good,
      filesScanned: 5,
      elfFiles: 3,
      textFiles: 1,
      binaryFiles: 1,
      symlinks: 1,
      errors: 0,
      warnings: 0
    })
    expect(report.elapsedMs).toBeGreaterThanOrEqual(0)
    expect(formatReport(report)).toContain('OK: no problems found')
  })

  test('absolute RPATHs into the tree, in place: named per file and entry', async () => {
    const report = await auditTree(spack.root)
    expect(report.ok).toBe(false)
    const app = find(report, 'bin/app', 'rpath-absolute')
    expect(app).toHaveLength(1)
    expect(app[0]?.detail).toContain(`RPATH entry '${spack.libDir}'`)
    expect(find(report, 'lib/slurm/plugin.so', 'rpath-absolute').map(p => p.detail)).toEqual([
      expect.stringContaining(`'${spack.libDir}'`),
      expect.stringContaining(`'${spack.pluginDir}'`)
    ])
    // In place, the libraries still resolve.
    expect(report.problems.filter(p => p.kind === 'needed-not-found')).toEqual([])
  })

  test('build prefix: text files are errors, ELF strings a separate kind', async () => {
    const report = await auditTree(spack.root, { buildPrefixes: [spack.buildPrefix] })
    const text = find(report, 'lib/pkgconfig/foo.pc', 'build-prefix-in-text')
    expect(text).toHaveLength(1)
    expect(text[0]?.detail).toContain(spack.buildPrefix)
    expect(text[0]?.detail).toContain('first on line 1')
    expect(text[0]?.detail).toContain(`prefix=${spack.root}`)
    const elf = find(report, 'bin/app', 'build-prefix-in-elf')
    expect(elf).toHaveLength(1)
    expect(elf[0]?.detail).toContain(spack.libDir)
    expect(find(report, 'lib/slurm/plugin.so', 'build-prefix-in-elf')).toHaveLength(1)
  })

  test('a tree moved away from its build location: RPATH outside the tree, libraries not found', async () => {
    const report = await auditTree(moved, { buildPrefixes: [spack.buildPrefix] })
    expect(report.ok).toBe(false)
    const outside = find(report, 'bin/app', 'rpath-outside-tree')
    expect(outside.map(p => p.detail)).toEqual([`RPATH entry '${spack.libDir}' is outside the tree`])
    const missing = find(report, 'bin/app', 'needed-not-found')
    expect(missing).toHaveLength(1)
    expect(missing[0]?.detail).toContain('DT_NEEDED libfoo.so')
    expect(missing[0]?.detail).toContain('the tree has lib/libfoo.so')
    expect(find(report, 'lib/slurm/plugin.so', 'needed-not-found')).toHaveLength(1)
    const text = formatReport(report)
    expect(text).toContain('FAILED')
    expect(text).toContain('  bin/app\n')
    expect(text).toContain(spack.libDir)
  })

  test('warning kinds do not fail the report', async () => {
    const root = copyGoodTree('audit-warn-')
    const prefix = path.join(root, 'not-a-real-prefix')
    compileExecutable({
      out: path.join(root, 'bin', 'with-string'),
      // A source file name, as __FILE__ leaves one: it names nothing the tree holds.
      source: `const char *src = "${prefix}/src/common/log.c";\nint main(void) { return src[0] == 0; }\n`
    })
    const options: AuditOptions = { buildPrefixes: [prefix] }
    const strict = await auditTree(root, options)
    expect(kinds(strict)).toEqual(['bin/with-string build-prefix-in-elf'])
    expect(strict.problems[0]?.detail).toContain(`"${prefix}/src/common/log.c"`)
    expect(strict.ok).toBe(false)
    const lenient = await auditTree(root, { ...options, warningKinds: ['build-prefix-in-elf'] })
    expect(lenient.ok).toBe(true)
    expect(lenient.warnings).toBe(1)
    expect(lenient.problems[0]?.severity).toBe('warning')
    expect(formatReport(lenient)).toContain('OK with warnings')
  })

  test('a build path compiled into program data that names a file of the tree is a relocation hazard', async () => {
    const root = copyGoodTree('audit-hazard-')
    const build = '/opt/build-machine/spack/opt/linux-x86_64/slurm-24.11.5-abcdefghijabcdefghijabcdefghijab'
    writeFileSync(path.join(root, 'bin', 'slurmstepd'), '#!/bin/sh\n')
    compileExecutable({
      out: path.join(root, 'bin', 'slurmd'),
      source: `const char *stepd = "${build}/bin/slurmstepd";\nint main(void) { return stepd[0] == 0; }\n`
    })
    const report = await auditTree(root, { buildPrefixes: ['/opt/build-machine/spack'] })
    expect(report.ok).toBe(false)
    const hazard = find(report, 'bin/slurmd', 'compiled-path-into-tree')
    expect(hazard).toHaveLength(1)
    expect(hazard[0]?.detail).toContain(
      `program data names ${build}/bin/slurmstepd, which is bin/slurmstepd in this tree`
    )
    expect(hazard[0]?.detail).toContain('does not resolve bin/slurmstepd at run time')
    expect(formatReport(report)).toContain('  bin/slurmd\n    error   compiled-path-into-tree')
    // The same tree passes when the recipe resolves that path at run time.
    const resolved = await auditTree(root, {
      buildPrefixes: ['/opt/build-machine/spack'],
      resolvedAtRunTime: ['bin/slurmstepd']
    })
    expect(resolved.problems).toEqual([])
  })

  test("a configuration file's path is a hazard when the tree holds its directory; the prefix itself too", async () => {
    const root = copyGoodTree('audit-conf-')
    const build = '/opt/build-machine/spack/opt/slurm-24.11.5-abcdefghijabcdefghijabcdefghijab'
    compileExecutable({
      out: path.join(root, 'bin', 'reader'),
      source:
        `const char *conf = "${build}/etc/slurm.conf";\nconst char *prefix = "${build}";\n` +
        'int main(void) { return conf[0] == prefix[0]; }\n'
    })
    const report = await auditTree(root, { buildPrefixes: ['/opt/build-machine/spack'] })
    expect(find(report, 'bin/reader', 'compiled-path-into-tree').map(p => p.detail)).toEqual([
      expect.stringContaining(`names ${build}, which is the tree itself in this tree`),
      expect.stringContaining(`names ${build}/etc/slurm.conf, which is etc/slurm.conf in this tree`)
    ])
    const resolved = await auditTree(root, {
      buildPrefixes: ['/opt/build-machine/spack'],
      resolvedAtRunTime: ['.', 'etc/slurm.conf']
    })
    expect(resolved.ok).toBe(true)
  })

  test('build paths in debug information are warnings of their own kind, counted per file', async () => {
    const root = copyGoodTree('audit-debug-')
    const build = '/opt/build-machine/spack/opt/slurm-24.11.5-abcdefghijabcdefghijabcdefghijab'
    compileExecutable({
      out: path.join(root, 'bin', 'debug'),
      source: `#define SLURM_PREFIX "${build}"\n#define SBINDIR "${build}/sbin"\nint main(void) { return 0; }\n`,
      args: ['-g3']
    })
    const report = await auditTree(root, { buildPrefixes: ['/opt/build-machine/spack'] })
    expect(kinds(report)).toEqual(['bin/debug build-prefix-not-loaded'])
    expect(report.ok).toBe(true)
    expect(report.problems[0]?.severity).toBe('warning')
    expect(report.problems[0]?.detail).toMatch(
      /names build prefix \/opt\/build-machine\/spack \d+× in bytes the loader never maps/
    )
    expect(formatReport(report)).toMatch(
      /warnings by kind[^\n]*\n {4}build-prefix-not-loaded: 1 in 1 file, e\.g\. bin\/debug:/
    )
  })

  test('a foreign absolute RUNPATH is outside the tree; standard library directories are allowed', async () => {
    const root = copyGoodTree('audit-foreign-')
    const lib = path.join(root, 'lib')
    compileExecutable({
      out: path.join(root, 'bin', 'foreign'),
      source: MAIN_SOURCE,
      args: [`-L${lib}`, '-lfoo', '-Wl,--enable-new-dtags,-rpath,/opt/elsewhere/lib:$ORIGIN/../lib:/usr/lib64']
    })
    const report = await auditTree(root)
    expect(report.problems).toEqual([
      {
        file: 'bin/foreign',
        kind: 'rpath-outside-tree',
        detail: "RUNPATH entry '/opt/elsewhere/lib' is outside the tree",
        severity: 'error'
      }
    ])
    const narrow = await auditTree(root, { standardLibDirs: ['/usr/lib'] })
    expect(kinds(narrow)).toEqual(['bin/foreign rpath-outside-tree', 'bin/foreign rpath-outside-tree'])
    expect(narrow.problems[1]?.detail).toBe("RUNPATH entry '/usr/lib64' is outside the tree")
    // The library directory of an external package (Debian's PMIx under /usr/lib/x86_64-linux-gnu/pmix2/lib in a
    // real build) is accepted like the system's own when the caller lists it.
    const withExternal = await auditTree(root, {
      standardLibDirs: [...DEFAULT_STANDARD_LIB_DIRS, '/opt/elsewhere/lib']
    })
    expect(withExternal.problems).toEqual([])
  })

  test('a RUNPATH into a subdirectory of the system libraries (an external package) is a warning, not an error', async () => {
    // The real build links Slurm against Debian's PMIx, whose RUNPATH entry is /usr/lib/x86_64-linux-gnu/pmix2/lib.
    const root = copyGoodTree('audit-system-subdir-')
    compileExecutable({
      out: path.join(root, 'bin', 'with-pmix'),
      source: MAIN_SOURCE,
      args: [
        `-L${path.join(root, 'lib')}`,
        '-lfoo',
        '-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib:/usr/lib/x86_64-linux-gnu/pmix2/lib'
      ]
    })
    const report = await auditTree(root)
    expect(report.ok).toBe(true)
    expect(report.problems).toEqual([
      {
        file: 'bin/with-pmix',
        kind: 'rpath-system-subdir',
        detail:
          "RUNPATH entry '/usr/lib/x86_64-linux-gnu/pmix2/lib' is a directory of the system's libraries (an external package): the machine that runs the tree needs the same package there",
        severity: 'warning'
      }
    ])
  })

  test("the tree's own records (manifest.json quoting the audit, SHA256SUMS) are not scanned for the build prefix", async () => {
    const root = copyGoodTree('audit-records-')
    writeFileSync(
      path.join(root, 'manifest.json'),
      JSON.stringify({ audit: { detail: 'contains build prefix /opt/build/tree' } })
    )
    writeFileSync(path.join(root, 'notes.txt'), 'built in /opt/build/tree\n')
    const report = await auditTree(root, { buildPrefixes: ['/opt/build/tree'] })
    expect(report.problems.map(p => `${p.file} ${p.kind}`)).toEqual(['notes.txt build-prefix-in-text'])
  })

  test('$ORIGIN escaping the tree is outside the tree', async () => {
    const root = copyGoodTree('audit-escape-')
    compileExecutable({
      out: path.join(root, 'bin', 'escape'),
      source: MAIN_SOURCE,
      args: [`-L${path.join(root, 'lib')}`, '-lfoo', '-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib:$ORIGIN/../../lib']
    })
    const report = await auditTree(root)
    expect(report.problems.map(p => [p.file, p.kind, p.detail])).toEqual([
      [
        'bin/escape',
        'rpath-outside-tree',
        `RUNPATH entry '$ORIGIN/../../lib' resolves to ${path.join(path.dirname(root), 'lib')}, outside the tree`
      ]
    ])
  })

  test('a missing DT_NEEDED library is reported; system directories are injectable', async () => {
    const root = copyGoodTree('audit-missing-')
    const elsewhere = tmp('audit-libbar-')
    compileSharedLibrary({
      out: path.join(elsewhere, 'libbar.so'),
      source: 'int bar(void) { return 1; }\n',
      soname: 'libbar.so'
    })
    compileExecutable({
      out: path.join(root, 'bin', 'needs-bar'),
      source: 'int bar(void);\nint main(void) { return bar(); }\n',
      args: [`-L${elsewhere}`, '-lbar', '-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib']
    })
    const report = await auditTree(root)
    expect(kinds(report)).toEqual(['bin/needs-bar needed-not-found'])
    expect(report.problems[0]?.detail).toBe(
      'DT_NEEDED libbar.so is found neither in the tree (search path lib) nor in the system library directories'
    )
    // With libbar's directory as a system directory, it resolves there.
    const system = await auditTree(root, {
      systemLibDirs: ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib64', elsewhere]
    })
    expect(system.problems).toEqual([])
    // With no system directories, libc is missing too.
    const none = await auditTree(root, { systemLibDirs: [] })
    const libcMissing = none.problems.filter(p => p.detail.startsWith('DT_NEEDED libc.so.6')).map(p => p.file)
    expect(libcMissing).toEqual(expect.arrayContaining(['bin/app', 'bin/needs-bar']))
  })

  test('a non-standard program interpreter', async () => {
    const root = copyGoodTree('audit-interp-')
    compileExecutable({
      out: path.join(root, 'bin', 'odd-loader'),
      source: 'int main(void) { return 0; }\n',
      args: ['-Wl,--dynamic-linker=/opt/build-machine/spack/glibc/lib/ld-linux-x86-64.so.2']
    })
    const report = await auditTree(root)
    expect(report.problems).toEqual([
      {
        file: 'bin/odd-loader',
        kind: 'interpreter-nonstandard',
        detail:
          "program interpreter '/opt/build-machine/spack/glibc/lib/ld-linux-x86-64.so.2' is not a standard system loader",
        severity: 'error'
      }
    ])
    const allowed = await auditTree(root, {
      interpreters: [...DEFAULT_INTERPRETERS, '/opt/build-machine/spack/glibc/lib/ld-linux-x86-64.so.2']
    })
    expect(allowed.problems).toEqual([])
  })

  test('text files naming the build prefix, symlinks out of the tree, corrupt ELF files', async () => {
    const root = copyGoodTree('audit-misc-')
    const prefix = '/opt/build-machine/spack/linux-x86_64'
    writeFileSync(
      path.join(root, 'etc', 'slurmctld.service'),
      `[Unit]\nDescription=Slurm controller\n\n[Service]\nExecStart=${prefix}/slurm-25.05/sbin/slurmctld -D\nEnvironment=X=${prefix}\n`
    )
    symlinkSync('/opt/elsewhere/libz.so.1', path.join(root, 'lib', 'libz.so.1'))
    symlinkSync(path.join(root, 'lib', 'libfoo.so'), path.join(root, 'lib', 'libfoo-abs.so'))
    symlinkSync('../../outside.txt', path.join(root, 'etc', 'outside.txt'))
    const elf = readFileSync(path.join(root, 'lib', 'libfoo.so'))
    writeFileSync(path.join(root, 'lib', 'libcut.so'), elf.subarray(0, 200))
    const report = await auditTree(root, { buildPrefixes: [`${prefix}/`] })
    expect(report.problems.map(p => `${p.file} ${p.kind}: ${p.detail}`)).toEqual([
      `etc/outside.txt symlink-dangling: symlink target '../../outside.txt' does not exist`,
      `etc/outside.txt symlink-outside-tree: symlink target '../../outside.txt' resolves to ${path.join(path.dirname(root), 'outside.txt')}, outside the tree`,
      `etc/slurmctld.service build-prefix-in-text: names build prefix ${prefix} (2×, first on line 5: "ExecStart=${prefix}/slurm-25.05/sbin/slurmctld -D")`,
      expect.stringMatching(
        /^lib\/libcut\.so elf-corrupt: truncated or corrupt: program header table \(\d+ entries\) at offset 0x40 \(\d+ bytes\) extends past the end of the file \(200 bytes\)$/
      ),
      `lib/libfoo-abs.so symlink-absolute: symlink target '${path.join(root, 'lib', 'libfoo.so')}' is an absolute path into the tree; it breaks when the tree moves`,
      `lib/libz.so.1 symlink-dangling: symlink target '/opt/elsewhere/libz.so.1' does not exist`,
      `lib/libz.so.1 symlink-outside-tree: symlink target '/opt/elsewhere/libz.so.1' is outside the tree`
    ])
  })

  test('problems are sorted and the report is deterministic', async () => {
    const a = await auditTree(moved, { buildPrefixes: [spack.buildPrefix] })
    const b = await auditTree(moved, { buildPrefixes: [spack.buildPrefix] })
    expect(a.problems).toEqual(b.problems)
    const keys = a.problems.map(p => `${p.file}\0${p.kind}\0${p.detail}`)
    expect(keys).toEqual([...keys].sort())
  })

  test('a root that is not a directory is rejected', async () => {
    await expect(auditTree(path.join(good, 'no-such-dir'))).rejects.toThrow(/no-such-dir/)
    await expect(auditTree(path.join(good, 'bin', 'app'))).rejects.toThrow(/not a directory/)
  })
})

describe('readLdSoConf', () => {
  test('reads directories and follows include globs, relative to the including file', () => {
    const dir = tmp('ldconf-')
    mkdirSync(path.join(dir, 'conf.d'))
    writeFileSync(path.join(dir, 'ld.so.conf'), '# comment\ninclude conf.d/*.conf\n/opt/first/lib  # trailing\n')
    writeFileSync(path.join(dir, 'conf.d', 'a.conf'), '/opt/a/lib\n/opt/a/lib64/\n')
    writeFileSync(
      path.join(dir, 'conf.d', 'b.conf'),
      `include ${path.join(dir, 'ld.so.conf')}\nhwcap 0 nosegneg\n/opt/b/lib\n`
    )
    writeFileSync(path.join(dir, 'conf.d', 'ignored.txt'), '/opt/ignored\n')
    expect(readLdSoConf(path.join(dir, 'ld.so.conf'))).toEqual([
      '/opt/a/lib',
      '/opt/a/lib64',
      '/opt/b/lib',
      '/opt/first/lib'
    ])
    expect(readLdSoConf(path.join(dir, 'missing.conf'))).toEqual([])
  })
})

describeGcc('runAuditCli', () => {
  let good: string
  let bad: InstallTree

  beforeAll(() => {
    good = copyGoodTree('cli-good-')
    bad = buildInstallTree()
  })

  async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = ''
    let err = ''
    const code = await runAuditCli(argv, { out: t => void (out += t), err: t => void (err += t) })
    return { code, out, err }
  }

  test('exit 0 on a good tree, 1 on problems', async () => {
    const ok = await run([good, '--build-prefix', bad.buildPrefix])
    expect(ok.code).toBe(0)
    expect(ok.out).toContain('OK: no problems found')
    const fail = await run(['--build-prefix', bad.buildPrefix, bad.root])
    expect(fail.code).toBe(1)
    expect(fail.out).toContain('lib/pkgconfig/foo.pc')
    expect(fail.out).toContain('build-prefix-in-text')
  })

  test('--json prints the report; --warn demotes a kind', async () => {
    const r = await run([bad.root, `--build-prefix=${bad.buildPrefix}`, '--json'])
    expect(r.code).toBe(1)
    const report = JSON.parse(r.out) as AuditReport
    expect(report.root).toBe(bad.root)
    expect(report.problems.some(p => p.kind === 'build-prefix-in-elf')).toBe(true)
    const w = await run([bad.root, '--build-prefix', bad.buildPrefix, '--warn', 'build-prefix-in-elf', '--json'])
    const demoted = JSON.parse(w.out) as AuditReport
    expect(demoted.problems.filter(p => p.kind === 'build-prefix-in-elf').every(p => p.severity === 'warning')).toBe(
      true
    )
  })

  test("an unpacked artifact is audited against its own record: manifest.json's relocation section", async () => {
    const root = copyGoodTree('cli-record-')
    const build = '/opt/build-machine/spack/opt/slurm-24.11.5-abcdefghijabcdefghijabcdefghijab'
    writeFileSync(path.join(root, 'bin', 'slurmstepd'), '#!/bin/sh\n')
    compileExecutable({
      out: path.join(root, 'bin', 'slurmd'),
      source: `const char *stepd = "${build}/bin/slurmstepd";\nint main(void) { return stepd[0] == 0; }\n`
    })
    const manifest = (resolvedAtRunTime: string[]): void =>
      writeFileSync(
        path.join(root, 'manifest.json'),
        JSON.stringify({ relocation: { buildPrefixes: ['/opt/build-machine/spack'], resolvedAtRunTime } })
      )
    manifest(['bin/slurmstepd'])
    const ok = await run([root])
    expect(ok.out).toContain('OK: no problems found')
    expect(ok.code).toBe(0)
    manifest([])
    const hazard = await run([root])
    expect(hazard.code).toBe(1)
    expect(hazard.out).toContain('bin/slurmd')
    expect(hazard.out).toContain(`compiled-path-into-tree: program data names ${build}/bin/slurmstepd`)
    // Without the record, nothing names the build prefix: the hazard can't be seen.
    expect((await run([root, '--no-record'])).code).toBe(0)
    expect((await run([root, '--no-record', '--build-prefix', '/opt/build-machine/spack'])).code).toBe(1)
    expect((await run([root, '--resolved', 'bin/slurmstepd'])).code).toBe(0)
  })

  test('exit 2 on usage errors, naming the argument', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /missing DIR argument/],
      [[good, '--frobnicate'], /unknown option '--frobnicate'/],
      [[good, '--build-prefix'], /--build-prefix needs a PATH/],
      [[good, '--warn', 'nonsense'], /--warn: unknown problem kind 'nonsense'/],
      [[good, good], /unexpected argument/],
      [[path.join(good, 'nope')], /DIR '.*nope' is not a directory/]
    ]
    for (const [argv, message] of cases) {
      const r = await run(argv)
      expect(r.code).toBe(2)
      expect(r.err).toMatch(message)
      expect(r.err).toContain('usage: audit DIR')
    }
    const help = await run(['--help'])
    expect(help.code).toBe(0)
    expect(help.out).toContain('usage:')
  })

  test('src/audit-cli.ts sets the process exit code', async () => {
    const tsx = path.resolve('node_modules', '.bin', 'tsx')
    const cli = path.resolve('src', 'audit-cli.ts')
    const exit = async (args: string[]): Promise<number> => {
      try {
        await execFileAsync(tsx, [cli, ...args])
        return 0
      } catch (err) {
        return (err as { code: number }).code
      }
    }
    expect(await exit([good])).toBe(0)
    expect(await exit([bad.root])).toBe(1)
    expect(await exit([])).toBe(2)
  })
})
