import { DEFAULT_VARIANTS } from '../catalog.js'

/**
 * The action's inputs by name, with the defaults the parsers apply when an input is empty. action.yml declares the
 * same names and the same defaults (a test keeps them equal); `oci-username` and `oci-password` default to runner
 * expressions there, which the runner fills in before the action sees them.
 */
export const DEFAULTS = {
  'slurm-version': '25.11',
  stage: 'slurm',
  compiler: '',
  variants: DEFAULT_VARIANTS,
  target: 'x86_64_v3',
  'spack-version': 'v1.0.0',
  'spack-commit': '',
  'spack-root': '',
  'spack-repo': '',
  'buildcache-mirrors': '',
  'buildcache-push': '',
  'buildcache-keys': '',
  'signing-key': '',
  unsigned: 'false',
  'oci-username': '',
  'oci-password': '',
  'spack-config': '',
  offline: 'false',
  cache: 'true',
  'cache-key-prefix': 'slurm-factory',
  'artifact-name': '',
  compression: 'zstd',
  'retention-days': '',
  upload: 'true',
  slim: 'false',
  jobs: '',
  modules: 'lmod',
  collect: '',
  matrix: '',
  'dry-run': 'false'
} as const

export type InputName = keyof typeof DEFAULTS

/** Defaults action.yml gives as runner expressions; the parsers see the value the runner made of them. */
export const RUNNER_DEFAULTS: Readonly<Partial<Record<InputName, string>>> = {
  'oci-username': '${{ github.actor }}',
  'oci-password': '${{ github.token }}'
}

/** Inputs whose value is a secret: masked before anything can print them. */
export const SECRET_INPUTS: readonly InputName[] = ['signing-key', 'oci-password']

/** How an input is read: the raw value, empty when not given. */
export type Get = (name: InputName) => string

/** An input's value, or its default when it is empty. */
export function valueOf(get: Get, name: InputName): string {
  return get(name) || DEFAULTS[name]
}
