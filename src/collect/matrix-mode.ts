/**
 * The action's matrix mode (`matrix:`), for a build matrix's first job: plans the cells and the dependencies jobs
 * from the input's options and the `target` input, sets the outputs `matrix`, `dependencies` and `count` (the ones
 * the collector's `matrix` command writes), and shows the plan in the log and the job summary. It builds nothing.
 */
import * as core from '@actions/core'
import { appendFile } from 'node:fs/promises'
import { InputError } from '../inputs.js'
import type { MatrixRequest } from '../inputs/matrix.js'
import { planOutputs, planWorkflow, renderPlanMarkdown, renderPlanText, type MatrixPlan } from './matrix-plan.js'

/** The plan, its errors named after the action's input: `matrix: compilers: "gcc@6.3.0" is outside ...`. */
function planFor(request: MatrixRequest): MatrixPlan {
  try {
    return planWorkflow(request)
  } catch (error) {
    if (error instanceof InputError && error.input !== 'target') throw new InputError('matrix', error.message)
    throw error
  }
}

export async function writeMatrixPlan(request: MatrixRequest, summaryFile?: string): Promise<void> {
  const plan = planFor(request)
  await core.group('Plan the matrix', async () => core.info(renderPlanText(plan).trimEnd()))
  for (const [name, value] of planOutputs(plan)) core.setOutput(name, value)
  if (summaryFile) await appendFile(summaryFile, renderPlanMarkdown(plan))
}
