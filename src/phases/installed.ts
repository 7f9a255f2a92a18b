/** Read what was installed (the locked slurm spec and its prefix), set the outputs, and mark the build complete. */
import type { Build } from '../build.js'
import { OUTPUTS } from '../contract.js'
import type { Phase } from '../pipeline.js'
import { locationArgs } from '../spack/commands.js'
import type { PreparedEnvironment } from '../spack/prepare.js'
import type { ProvisionedSpack } from '../spack/provision.js'
import { readBuild, type BuiltSlurm } from '../spack/result.js'
import { markComplete } from '../state.js'

type In = { readonly build: Build; readonly spack: ProvisionedSpack; readonly environment: PreparedEnvironment }

export const readInstalled: Phase<In, 'slurm', BuiltSlurm> = {
  key: 'slurm',
  title: () => 'Read what was installed',
  grouped: false,
  plan: build => [{ spack: locationArgs(build.work.layout.envDir, '<slurm-hash-in-spack.lock>') }],
  run: async ({ spack, environment }) => {
    const build = await readBuild(spack.runner, environment.envDir)
    markComplete()
    return build
  },
  outputs: slurm => ({
    [OUTPUTS.slurmVersion]: slurm.root.version,
    [OUTPUTS.specHash]: slurm.root.hash,
    [OUTPUTS.prefix]: slurm.prefix
  })
}

/** A dependencies job ends once its dependencies are installed (and pushed): it marks the build complete. */
export const dependenciesInstalled: Phase<{ readonly build: Build }, 'done', { readonly complete: true }> = {
  key: 'done',
  title: () => 'Dependencies installed',
  grouped: false,
  plan: () => [],
  run: async () => {
    markComplete()
    return { complete: true }
  }
}
