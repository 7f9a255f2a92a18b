/**
 * What the action knows how to build: Slurm release series and releases, GCC releases (and which runner images have
 * them), CPU targets, and the Spack releases (with their builtin packages) it builds with.
 * The Slurm releases mirror `spack-repo/spack_repo/slurm_factory/packages/slurm/package.py` (a test keeps them equal).
 */

/** Slurm release series the action supports, oldest first. */
export const SLURM_SERIES = ['23.11', '24.11', '25.05', '25.11', '26.05'] as const

/** Slurm releases with a checksum in the bundled `slurm` recipe, newest first. */
export const SLURM_RELEASES = [
  '26.05.3',
  '26.05.2',
  '26.05.1',
  '26.05.0',
  '25.11.7',
  '25.11.6',
  '25.05.8',
  '24.11.7',
  '24.11.6',
  '24.11.5',
  '23.11.11'
] as const

/** GCC releases the action accepts as `compiler`, oldest first (gcc@7.5.0 to gcc@15.2.0). */
export const GCC_RELEASES = [
  '7.5.0',
  '8.1.0',
  '8.2.0',
  '8.3.0',
  '8.4.0',
  '8.5.0',
  '9.1.0',
  '9.2.0',
  '9.3.0',
  '9.4.0',
  '9.5.0',
  '10.1.0',
  '10.2.0',
  '10.3.0',
  '10.4.0',
  '10.5.0',
  '11.1.0',
  '11.2.0',
  '11.3.0',
  '11.4.0',
  '11.5.0',
  '12.1.0',
  '12.2.0',
  '12.3.0',
  '12.4.0',
  '12.5.0',
  '13.1.0',
  '13.2.0',
  '13.3.0',
  '13.4.0',
  '14.1.0',
  '14.2.0',
  '14.3.0',
  '15.1.0',
  '15.2.0'
] as const

/**
 * CPU targets as archspec (vendored by Spack v1.0.0) names them, each with the targets it descends from.
 * A host can run code built for its own target and for every ancestor of it.
 */
export const TARGET_PARENTS: Readonly<Record<string, readonly string[]>> = {
  x86_64: [],
  x86_64_v2: ['x86_64'],
  x86_64_v3: ['x86_64_v2'],
  x86_64_v4: ['x86_64_v3'],
  nocona: ['x86_64'],
  core2: ['nocona'],
  nehalem: ['core2', 'x86_64_v2'],
  westmere: ['nehalem'],
  sandybridge: ['westmere'],
  ivybridge: ['sandybridge'],
  haswell: ['ivybridge', 'x86_64_v3'],
  broadwell: ['haswell'],
  skylake: ['broadwell'],
  mic_knl: ['broadwell'],
  skylake_avx512: ['skylake', 'x86_64_v4'],
  cannonlake: ['skylake'],
  cascadelake: ['skylake_avx512'],
  icelake: ['cascadelake', 'cannonlake'],
  sapphirerapids: ['icelake'],
  k10: ['x86_64'],
  bulldozer: ['x86_64_v2'],
  piledriver: ['bulldozer'],
  steamroller: ['piledriver'],
  excavator: ['steamroller', 'x86_64_v3'],
  zen: ['x86_64_v3'],
  zen2: ['zen'],
  zen3: ['zen2'],
  zen4: ['zen3', 'x86_64_v4'],
  zen5: ['zen4'],
  aarch64: [],
  'armv8.1a': ['aarch64'],
  'armv8.2a': ['armv8.1a'],
  'armv8.3a': ['armv8.2a'],
  'armv8.4a': ['armv8.3a'],
  'armv8.5a': ['armv8.4a'],
  'armv9.0a': ['armv8.5a'],
  thunderx2: ['armv8.1a'],
  a64fx: ['armv8.2a'],
  cortex_a72: ['aarch64'],
  neoverse_n1: ['cortex_a72', 'armv8.2a'],
  neoverse_v1: ['neoverse_n1', 'armv8.4a'],
  neoverse_v2: ['neoverse_n1', 'armv9.0a'],
  neoverse_n2: ['neoverse_n1', 'armv9.0a'],
  m1: ['armv8.4a'],
  m2: ['m1', 'armv8.5a']
}

/** The `variants` input's default (action.yml's, kept equal by a test): the bundled recipe's production variants. */
export const DEFAULT_VARIANTS = '+rest +pmix +hwloc +ucx'

/** Variants of the bundled `slurm` recipe (a test keeps them equal to package.py). */
export const SLURM_VARIANTS = [
  'cgroup',
  'gtk',
  'hdf5',
  'hwloc',
  'mariadb',
  'nvml',
  'pam',
  'pmix',
  'readline',
  'rest',
  'rsmi',
  'sysconfdir',
  'ucx'
] as const

/** Spack releases the action installs without `spack-commit`, each with the commit its tag must resolve to. */
export const SPACK_PINS: Readonly<Record<string, string>> = {
  'v1.0.0': '443f356b12ec8e5f1220f89f4ad390b817143857',
  'v1.0.1': 'abdad7e6e311429fee3b5a7139c52a490b81f07d',
  'v1.0.2': '5efd8eea1b8ea701074d72372a4acf0a972d736b'
}

/** A tag of Spack's builtin package repository (spack-packages) and the commit it must resolve to. */
export interface BuiltinPin {
  readonly tag: string
  readonly commit: string
}

/** The builtin packages each Spack release series is used with, by series (`v1.0`). */
export const BUILTIN_PINS: Readonly<Record<string, BuiltinPin>> = {
  'v1.0': { tag: 'v2025.07.0', commit: '4b8bb3514838ce9e8bbc2ca7f98e62dbd7100c63' }
}

/** GitHub-hosted runner images, oldest first, with the GCC releases their packages install (`gcc-N`). */
export const RUNNER_GCC: Readonly<Record<string, readonly string[]>> = {
  'ubuntu-22.04': ['9.5.0', '10.5.0', '11.4.0', '12.3.0'],
  'ubuntu-24.04': ['12.3.0', '13.3.0', '14.2.0']
}
