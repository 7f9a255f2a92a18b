/**
 * A fake Spack install tree and environment view, built with gcc, for the staging, relocation and packing tests.
 *
 * <base>/spack/bin/sbang                                     (the Spack root's sbang, named by a script)
 * <base>/opt/linux-x86_64/greet-1.0-<hash>/                  lib/libgreet.so.1.0.0 (+ .so.1, .so links), .a, .la,
 *                                                            include/greet.h, lib/pkgconfig/greet.pc
 * <base>/opt/linux-x86_64/slurm-24.11.5-<hash>/              lib/libslurm.so.42 (RPATH into both prefixes),
 *                                                            lib/slurm/plug.so, bin/sinfo (RPATH), sbin/slurmd
 *                                                            (RUNPATH with a foreign entry), bin/seff (sbang
 *                                                            script), bin/slurm-env.sh, lib/pkgconfig/slurm.pc
 * <base>/view/                                               absolute symlinks into both prefixes, `.spack/`, and
 *                                                            one relative link (bin/squeue -> sinfo)
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, symlinkSync, writeFileSync, chmodSync, readdirSync, lstatSync } from 'node:fs'
import path from 'node:path'
import type { AuditResult, BuildMachine, ResolvedBuild } from '../../src/artifact/manifest.js'

export const SLURM_HASH = 'abcdefghijklmnopqrstuvwxyz234567'
export const GREET_HASH = 'greetgreetgreetgreetgreetgreet22'
export const PERL_HASH = 'perlperlperlperlperlperlperlperl'
export const SINFO_OUTPUT = 'sinfo: hello from greet via slurm 42'
export const FOREIGN_RUNPATH = '/opt/foreign-vendor/lib'

export interface FakeSpack {
  readonly base: string
  readonly spackRoot: string
  readonly installRoot: string
  readonly viewRoot: string
  readonly slurmPrefix: string
  readonly greetPrefix: string
  /** An install prefix whose files are not in the view (a build-only dependency). */
  readonly perlPrefix: string
}

export function hasTool(name: string): boolean {
  return ['/usr/bin', '/bin', '/usr/local/bin'].some(dir => existsSync(path.join(dir, name)))
}

function gcc(args: string[], cwd: string): void {
  execFileSync('gcc', args, { cwd, stdio: ['ignore', 'ignore', 'inherit'] })
}

function write(file: string, text: string, mode = 0o644): void {
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, text)
  chmodSync(file, mode)
}

/** Builds the fake install tree and view under `base` (which must exist). */
export function buildFakeSpack(base: string): FakeSpack {
  const spackRoot = path.join(base, 'spack')
  const installRoot = path.join(base, 'opt')
  const viewRoot = path.join(base, 'view')
  const arch = path.join(installRoot, 'linux-x86_64')
  const greet = path.join(arch, `greet-1.0-${GREET_HASH}`)
  const slurm = path.join(arch, `slurm-24.11.5-${SLURM_HASH}`)
  const perl = path.join(arch, `perl-5.40.0-${PERL_HASH}`)
  const src = path.join(base, 'src')
  for (const dir of [src, `${greet}/lib/pkgconfig`, `${greet}/include`, `${greet}/.spack`, `${slurm}/lib/slurm`])
    mkdirSync(dir, { recursive: true })
  for (const dir of [`${slurm}/bin`, `${slurm}/sbin`, `${slurm}/etc`, `${slurm}/.spack`, `${perl}/bin`])
    mkdirSync(dir, { recursive: true })
  write(`${spackRoot}/bin/sbang`, '#!/bin/sh\n', 0o755)
  write(`${perl}/bin/perl`, '#!/bin/sh\nexec /usr/bin/perl "$@"\n', 0o755)

  // greet: a shared library with a soname and the usual link chain.
  write(`${src}/greet.c`, 'const char *greet(void) { return "hello from greet"; }\n')
  write(`${greet}/include/greet.h`, 'const char *greet(void);\n')
  gcc(['-shared', '-fPIC', '-Wl,-soname,libgreet.so.1', '-o', `${greet}/lib/libgreet.so.1.0.0`, 'greet.c'], src)
  symlinkSync('libgreet.so.1.0.0', `${greet}/lib/libgreet.so.1`)
  symlinkSync('libgreet.so.1', `${greet}/lib/libgreet.so`)
  gcc(['-c', '-fPIC', '-o', 'greet.o', 'greet.c'], src)
  execFileSync('ar', ['rcs', `${greet}/lib/libgreet.a`, 'greet.o'], { cwd: src })
  write(`${greet}/lib/libgreet.la`, `dlname='libgreet.so.1'\nlibdir='${greet}/lib'\n`)
  write(
    `${greet}/lib/pkgconfig/greet.pc`,
    `prefix=${greet}\nlibdir=\${prefix}/lib\nincludedir=\${prefix}/include\n\nName: greet\nVersion: 1.0\nDescription: greet\nLibs: -L\${libdir} -lgreet\nCflags: -I\${includedir}\n`
  )
  write(`${greet}/.spack/spec.json`, '{}\n')

  // slurm: a library linked against greet with RPATHs into both prefixes, a plugin, and programs.
  const rpath = (kind: 'old' | 'new', ...dirs: string[]): string =>
    `-Wl,${kind === 'old' ? '--disable-new-dtags' : '--enable-new-dtags'},-rpath,${dirs.join(':')}`
  write(
    `${src}/slurm.c`,
    '#include <stdio.h>\nconst char *greet(void);\nvoid slurm_hello(const char *who) { printf("%s: %s via slurm 42\\n", who, greet()); }\n'
  )
  gcc(
    ['-shared', '-fPIC', '-Wl,-soname,libslurm.so.42', '-o', `${slurm}/lib/libslurm.so.42`, 'slurm.c'].concat([
      `-L${greet}/lib`,
      '-lgreet',
      rpath('old', `${greet}/lib`, `${slurm}/lib`)
    ]),
    src
  )
  symlinkSync('libslurm.so.42', `${slurm}/lib/libslurm.so`)
  write(`${src}/plug.c`, 'void slurm_hello(const char *);\nvoid plugin_init(void) { slurm_hello("plugin"); }\n')
  gcc(
    ['-shared', '-fPIC', '-o', `${slurm}/lib/slurm/plug.so`, 'plug.c', `-L${slurm}/lib`, '-lslurm'].concat([
      `-L${greet}/lib`,
      '-lgreet',
      rpath('old', `${slurm}/lib`, `${slurm}/lib/slurm`, `${greet}/lib`)
    ]),
    src
  )
  write(`${src}/sinfo.c`, 'void slurm_hello(const char *);\nint main(void) { slurm_hello("sinfo"); return 0; }\n')
  gcc(
    ['-o', `${slurm}/bin/sinfo`, 'sinfo.c', `-L${slurm}/lib`, '-lslurm', `-L${greet}/lib`, '-lgreet'].concat([
      rpath('old', `${slurm}/lib`, `${greet}/lib`)
    ]),
    src
  )
  write(`${src}/slurmd.c`, 'void slurm_hello(const char *);\nint main(void) { slurm_hello("slurmd"); return 0; }\n')
  gcc(
    ['-o', `${slurm}/sbin/slurmd`, 'slurmd.c', `-L${slurm}/lib`, '-lslurm', `-L${greet}/lib`, '-lgreet'].concat([
      rpath('new', FOREIGN_RUNPATH, `${slurm}/lib`, '/usr/lib', `${greet}/lib`)
    ]),
    src
  )
  write(`${slurm}/bin/seff`, `#!/bin/sh ${spackRoot}/bin/sbang\n#!${perl}/bin/perl\nprint "seff\\n";\n`, 0o755)
  write(`${slurm}/bin/slurm-env.sh`, `#!/bin/sh\nSLURM_HOME=${slurm}\necho "$SLURM_HOME"\n`, 0o755)
  write(
    `${slurm}/lib/pkgconfig/slurm.pc`,
    `prefix=${slurm}\nlibdir=\${prefix}/lib\nincludedir=\${prefix}/include\n\nName: slurm\nVersion: 24.11.5\nDescription: slurm\nLibs: -L\${libdir} -Wl,-rpath,${greet}/lib -lslurm\nCflags: -I\${includedir}\n`
  )
  write(`${slurm}/share/man/man1/sinfo.1`, '.TH SINFO 1\n')
  write(`${slurm}/etc/slurm.conf.example`, 'ClusterName=example\n')
  write(`${slurm}/include/slurm/slurm.h`, '/* slurm */\n')
  write(`${slurm}/.spack/spec.json`, '{}\n')

  // The view: merged directories of absolute links into the prefixes (as Spack makes them).
  mkdirSync(viewRoot, { recursive: true })
  mkdirSync(path.join(viewRoot, '.spack', 'slurm'), { recursive: true })
  write(path.join(viewRoot, '.spack', 'projections.yaml'), 'projections: {}\n')
  for (const prefix of [greet, slurm]) linkTree(prefix, viewRoot, '')
  symlinkSync('sinfo', path.join(viewRoot, 'bin', 'squeue'))
  return { base, spackRoot, installRoot, viewRoot, slurmPrefix: slurm, greetPrefix: greet, perlPrefix: perl }
}

function linkTree(prefix: string, view: string, rel: string): void {
  for (const name of readdirSync(path.join(prefix, rel))) {
    if (name === '.spack') continue
    const childRel = rel ? path.join(rel, name) : name
    const source = path.join(prefix, childRel)
    const info = lstatSync(source)
    if (info.isDirectory()) {
      mkdirSync(path.join(view, childRel), { recursive: true })
      linkTree(prefix, view, childRel)
    } else {
      symlinkSync(source, path.join(view, childRel))
    }
  }
}

/** Sample manifest inputs. */
export const BUILD: ResolvedBuild = {
  slurm: {
    version: '24.11.5',
    spec: `slurm@24.11.5+hwloc+pmix~nvml sysconfdir=/etc/slurm %gcc@13.3.0 arch=linux-ubuntu24.04-x86_64_v3`,
    hash: SLURM_HASH,
    variants: ['+hwloc', '+pmix', '~nvml', 'sysconfdir=/etc/slurm']
  },
  compiler: { name: 'gcc', version: '13.3.0' },
  target: 'x86_64_v3',
  spack: { version: '1.0.0', commit: '443f356b12ec8e5f1220f89f4ad390b817143857' },
  repo: { namespace: 'slurm_factory', commit: '0123456789abcdef0123456789abcdef01234567' },
  dependencies: [
    { name: 'pmix', version: '5.0.8', hash: 'pmixpmixpmixpmixpmixpmixpmixpmix' },
    { name: 'hwloc', version: '2.11.1', hash: 'hwlochwlochwlochwlochwlochwloc22' },
    { name: 'greet', version: '1.0', hash: GREET_HASH }
  ]
}

export const MACHINE: BuildMachine = {
  os: { id: 'ubuntu', versionId: '24.04', prettyName: 'Ubuntu 24.04.2 LTS' },
  glibc: '2.39',
  arch: 'x86_64'
}

export const AUDIT: AuditResult = {
  ok: false,
  filesScanned: 12,
  problems: [
    { file: 'sbin/slurmd', kind: 'rpath-outside-tree', detail: 'foreign RUNPATH entry /opt/foreign-vendor/lib' },
    { file: 'bin/a', kind: 'needed-not-found', detail: 'libmissing.so.1 not found' }
  ]
}
