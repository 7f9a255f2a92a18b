/**
 * How text that came from the user is shown. Text that came from the user (a spack-config's YAML, a rendered spack.yaml, resolved inputs) written into the log as
 * it is: between `::stop-commands::<token>` and `::<token>::`, so that a line in it that looks like a workflow
 * command (`::warning::`, `::add-mask::`, `::set-output`, indented or not) is shown, never acted on. The token is
 * random for each echo, so the text cannot end the pause itself. URL credentials are masked (src/secrets.ts). And a
 * long value in a one-line message (a summary row, an annotation) is cut, its length stated.
 */
import * as core from '@actions/core'
import { randomBytes } from 'node:crypto'
import { redact } from './secrets.js'

export function logVerbatim(text: string): void {
  const token = `slurm-factory-${randomBytes(16).toString('hex')}`
  core.info(`::stop-commands::${token}`)
  core.info(redact(text))
  core.info(`::${token}::`)
}

/** `text` cut after `max` characters, its full length stated: `aaaa... (100000 characters)`. */
export function shortened(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} characters)`
}
