/**
 * The collector's command line (`node dist/collect.js`) and the action's collect mode. `summary DIR` prints one table
 * of the cells under DIR and appends it to a Markdown file (`$GITHUB_STEP_SUMMARY`); checks (`--require-success`,
 * `--require-audit`, `--expect N`) make it exit non-zero, and `--assets OUT` gathers the cells' tarballs into OUT with
 * a `SHA256SUMS` for a release. `matrix` turns a workflow's lists into its matrix and dependencies jobs.
 */
import { appendFile, mkdir } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { SUMS_FILE } from '../artifact/layout.js'
import { InputError } from '../inputs.js'
import { MATRIX_OPTIONS } from '../inputs/matrix.js'
import { gatherAssets } from './assets.js'
import { checkCells } from './checks.js'
import { SUPPORTED } from './matrix.js'
import { planOutputs, planWorkflow } from './matrix-plan.js'
import { readCells } from './records.js'
import { md, renderSummary, renderText } from './render.js'

export const USAGE = `usage:
  node dist/collect.js [summary] DIR [--markdown FILE] [--title TEXT] [--require-success] [--require-audit]
                       [--expect N] [--assets OUTDIR]
  node dist/collect.js matrix [--slurm-versions LIST] --compilers LIST [--target TARGET] [--leave-out outermost]
                       [--extra-cells LIST] [--github-output FILE]

summary  reads every cell.json and manifest.json under DIR, prints the table, appends it to FILE (--markdown),
         then runs the checks asked for and exits 1 when one fails; --assets copies the built cells' tarballs
         (found under DIR) into OUTDIR, verifies their sha256 and writes OUTDIR/SHA256SUMS.
matrix   prints the matrix of every Slurm version with every compiler as JSON ({"include": [...]}) and, with
         --github-output, appends matrix=<json>, count=<cells> and dependencies=<json> (one job per compiler and
         runner image, with the versions of its cells) to FILE. LIST is a JSON array or a comma-separated list;
         the Slurm versions default to supported, every series the action supports. --leave-out outermost drops
         the oldest series with the newest compiler and the newest series with the oldest; --extra-cells adds
         cells written SLURM/gcc@X.Y.Z.`

export interface CliIo {
  readonly out: (text: string) => void
  readonly err: (text: string) => void
}

const defaultIo: CliIo = {
  out: text => process.stdout.write(text),
  err: text => process.stderr.write(text)
}

/** Runs the collector's command line; returns the exit code (0 ok, 1 a check failed, 2 a usage error). */
export async function runCollectCli(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const [first, ...rest] = argv
  try {
    if (first === 'matrix') return await matrixCommand(rest, io)
    return await summaryCommand(first === 'summary' ? rest : [...argv], io)
  } catch (error) {
    const usage = (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') || error instanceof UsageError
    io.err(`collect: ${error instanceof Error ? error.message : String(error)}\n${usage ? `${USAGE}\n` : ''}`)
    return usage || error instanceof InputError ? 2 : 1
  }
}

class UsageError extends Error {}

/**
 * Collect mode of the action: the summary of the cells under `root`, printed and appended to `markdownFile` (the job
 * summary) when there is one. No checks: a matrix's final job decides what to require with the command line.
 */
export async function writeCollectSummary(root: string, markdownFile?: string, io: CliIo = defaultIo): Promise<void> {
  const cells = await readCells(root)
  io.out(renderText(cells))
  if (markdownFile) await appendMarkdown(markdownFile, renderSummary(cells))
}

async function appendMarkdown(file: string, markdown: string): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true })
  await appendFile(file, markdown)
}

async function summaryCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      markdown: { type: 'string' },
      title: { type: 'string' },
      'require-success': { type: 'boolean', default: false },
      'require-audit': { type: 'boolean', default: false },
      expect: { type: 'string' },
      assets: { type: 'string' }
    }
  })
  if (positionals.length !== 1) throw new UsageError('give one directory of downloaded artifacts')
  const root = path.resolve(positionals[0] as string)
  let expect: number | undefined
  if (values.expect !== undefined) {
    if (!/^\d+$/.test(values.expect)) throw new UsageError(`--expect ${JSON.stringify(values.expect)} is not a number`)
    expect = Number(values.expect)
  }
  const cells = await readCells(root)
  io.out(renderText(cells))
  const failures = checkCells(cells, {
    requireSuccess: values['require-success'],
    requireAudit: values['require-audit'],
    ...(expect !== undefined ? { expect } : {})
  })
  let markdown = renderSummary(cells, values.title)
  if (failures.length > 0) {
    markdown += `**Checks failed:**\n\n${failures.map(f => `- ${md(f)}`).join('\n')}\n\n`
  }
  if (values.markdown) await appendMarkdown(values.markdown, markdown)
  if (failures.length > 0) {
    io.err(`collect: ${failures.length} check(s) failed:\n${failures.map(f => `  ${f}\n`).join('')}`)
    return 1
  }
  if (values.assets) {
    const assets = await gatherAssets(cells, root, path.resolve(values.assets))
    io.out(`Gathered ${assets.length} tarball(s) and ${SUMS_FILE} into ${values.assets}\n`)
  }
  return 0
}

async function matrixCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    allowPositionals: false,
    strict: true,
    options: {
      [MATRIX_OPTIONS.slurmVersions]: { type: 'string', default: SUPPORTED },
      [MATRIX_OPTIONS.compilers]: { type: 'string' },
      [MATRIX_OPTIONS.target]: { type: 'string', default: 'x86_64_v3' },
      [MATRIX_OPTIONS.leaveOut]: { type: 'string', default: '' },
      [MATRIX_OPTIONS.extraCells]: { type: 'string', default: '' },
      'github-output': { type: 'string' }
    }
  })
  const compilers = values[MATRIX_OPTIONS.compilers]
  if (compilers === undefined) throw new UsageError('matrix needs --compilers')
  const plan = planWorkflow({
    slurmVersions: values[MATRIX_OPTIONS.slurmVersions],
    compilers,
    target: values[MATRIX_OPTIONS.target],
    leaveOut: values[MATRIX_OPTIONS.leaveOut],
    extraCells: values[MATRIX_OPTIONS.extraCells]
  })
  io.out(`${JSON.stringify(plan.matrix)}\n`)
  const output = values['github-output']
  if (output)
    await appendFile(
      output,
      planOutputs(plan)
        .map(([name, value]) => `${name}=${value}\n`)
        .join('')
    )
  return 0
}
