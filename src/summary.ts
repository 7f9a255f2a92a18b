/** The job summary: written when the runner offers one (GITHUB_STEP_SUMMARY), skipped with a note otherwise. */
import * as core from '@actions/core'
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs'
import path from 'node:path'

type Summary = typeof core.summary

/** Builds the summary with `fill` and writes it; a runner without a summary file gets a debug note instead. */
export async function writeSummary(fill: (summary: Summary) => Summary): Promise<void> {
  const file = process.env.GITHUB_STEP_SUMMARY
  if (!file) {
    core.debug('GITHUB_STEP_SUMMARY is not set: no job summary written')
    return
  }
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true })
    closeSync(openSync(file, 'a'))
  }
  await fill(core.summary).write()
}
