/**
 * The action's contract with its workflows, as named constants: the outputs it sets (action.yml declares the same,
 * kept equal by a test). The inputs, with their defaults, are in src/inputs/names.ts.
 */
export const OUTPUTS = {
  slurmVersion: 'slurm-version',
  specHash: 'spec-hash',
  prefix: 'prefix',
  cacheHit: 'cache-hit',
  artifactName: 'artifact-name',
  artifactPath: 'artifact-path',
  artifactId: 'artifact-id',
  artifactSha256: 'artifact-sha256',
  /** Matrix mode: the cells, `{"include": [...]}` as JSON. */
  matrix: 'matrix',
  /** Matrix mode: the dependencies jobs, one per compiler and runner image, `{"include": [...]}` as JSON. */
  dependencies: 'dependencies',
  /** Matrix mode: the number of cells. */
  cellCount: 'count'
} as const
