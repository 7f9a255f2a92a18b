/** The post step: saves what the main step built (implemented with the build cache). Nothing to do without it. */
import * as core from '@actions/core'

export async function runPost(): Promise<void> {
  core.info('slurm-factory: nothing to save')
}
