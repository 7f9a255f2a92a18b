/**
 * Plan mode (`dry-run: true`): what a build would do, shown without doing it. Each phase of the very pipeline a build
 * runs says what it would do (its commands as argument arrays, the files it would write); this module only shows
 * that: the resolved request, the root spec, the rendered environment (written under RUNNER_TEMP so that it can be
 * tried by hand) and the steps in order, in a log group and in the job summary.
 */
import * as core from '@actions/core'
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Build } from './build.js'
import { type BuildRequest, render } from './inputs.js'
import type { PlannedPhase, Step } from './pipeline.js'
import { displayCommand } from './spack/commands.js'
import { slurmSpec } from './spack/environment.js'
import { planTargetCheck } from './spack/target-check.js'
import { writeSummary } from './summary.js'
import { logVerbatim } from './verbatim.js'

export interface Plan {
  readonly build: Build
  readonly spec: string
  readonly phases: readonly PlannedPhase[]
  /** What can be told of the target before Spack is there: the x86-64 level /proc/cpuinfo shows. */
  readonly targetCheck: string
}

export function planOf(build: Build, phases: readonly PlannedPhase[]): Plan {
  return {
    build,
    spec: slurmSpec(build.request, build.gccVersion),
    phases,
    targetCheck: planTargetCheck(build.request.target)
  }
}

/** The `spack` a plan shows: the existing one, or the one the action provisions (from the tool cache). */
function spackProgram(request: BuildRequest): string {
  return request.spack.root !== undefined ? path.join(request.spack.root, 'bin', 'spack') : 'spack'
}

function stepLine(step: Step, spack: string): string {
  const when = step.when?.length ? `   # when ${step.when.map(condition => condition.text).join(' and ')}` : ''
  if ('spack' in step) return displayCommand(spack, step.spack) + when
  if ('program' in step) return displayCommand(step.program, step.args) + when
  if ('writes' in step) return `# writes ${step.writes}${when}`
  return `# ${step.note}${when}`
}

/** The plan's steps as lines for people: a heading per phase, then its commands and files. */
export function planLines(plan: Plan): string[] {
  const spack = spackProgram(plan.build.request)
  return plan.phases.flatMap(phase => [`# ${phase.title}:`, ...phase.steps.map(step => stepLine(step, spack))])
}

/** The spack.yaml the plan writes: the one file of the plan whose content is known and that is written whatever happens. */
function environmentFile(plan: Plan): { path: string; content: string } | undefined {
  for (const step of plan.phases.flatMap(phase => phase.steps))
    if ('writes' in step && step.content !== undefined && !step.when?.length)
      return { path: step.writes, content: step.content }
  return undefined
}

/** The resolved request as name/value rows, secrets left out. */
export function requestRows(request: BuildRequest): Array<[string, string]> {
  const repo =
    request.repo.kind === 'git'
      ? `${request.repo.url}@${request.repo.ref}`
      : `${request.repo.path}${request.repo.kind === 'bundled' ? ' (bundled)' : ''}`
  return [
    ['slurm-version', request.slurmVersion],
    ['compiler', request.compiler.kind === 'gcc' ? `gcc@${request.compiler.version}` : "the runner's GCC"],
    ['variants', request.variants.map(render).join(' ')],
    ['target', request.target],
    [
      'spack',
      request.spack.root !== undefined
        ? `${request.spack.root} (existing)`
        : `${request.spack.version} (${request.spack.commit})`
    ],
    ['spack-repo', repo],
    ['buildcache-mirrors', request.buildcache.mirrors.join(', ') || '(none)'],
    [
      'buildcache-push',
      request.buildcache.push
        ? `${request.buildcache.push}${request.buildcache.unsigned ? ' (unsigned)' : ' (signed)'}`
        : '(none)'
    ],
    ['cache', request.cache.enabled ? `on (prefix ${request.cache.keyPrefix})` : 'off'],
    [
      'artifact',
      `${request.artifact.name ?? '(derived)'}, ${request.artifact.compression}${request.artifact.slim ? ', slim' : ''}${request.artifact.upload ? ', uploaded' : ', not uploaded'}`
    ],
    ['jobs', String(request.jobs)],
    ['modules', request.modules],
    ['spack-config', request.siteConfig ? Object.keys(request.siteConfig).join(', ') : '(none)'],
    ['offline', request.offline ? 'yes: no default mirror, no bootstrapping, sources from the given mirrors' : 'no']
  ]
}

/** Prints the plan in a log group and the job summary, and writes the environment's spack.yaml. */
export async function showPlan(plan: Plan): Promise<void> {
  const env = environmentFile(plan)
  if (env) {
    mkdirSync(path.dirname(env.path), { recursive: true })
    writeFileSync(env.path, env.content)
  }
  const lines = planLines(plan)
  const rows = requestRows(plan.build.request)
  // Everything shown comes from the inputs, the site's spack-config among them: echoed verbatim, commands paused.
  await core.group('Plan (dry-run: nothing is built)', async () => {
    logVerbatim(
      [
        ...rows.map(([name, value]) => `${name}: ${value}`),
        `\nspec: ${plan.spec}`,
        `target check: ${plan.targetCheck}`,
        ...(env
          ? [`\nenvironment: ${env.path} (try it: spack -e ${path.dirname(env.path)} concretize)\n${env.content}`]
          : []),
        `commands:\n${lines.join('\n')}`
      ].join('\n')
    )
  })
  await writeSummary(summary =>
    summary
      .addHeading('Slurm Factory: plan (dry-run)', 2)
      .addTable([
        [
          { data: 'input', header: true },
          { data: 'resolved', header: true }
        ],
        ...rows
      ])
      .addRaw(`\n\n**Spec:** \`${plan.spec}\`\n\n**Target check:** ${plan.targetCheck}\n\n`)
      .addDetails('spack.yaml', `\n\n\`\`\`yaml\n${env?.content ?? ''}\`\`\`\n\n`)
      .addCodeBlock(lines.join('\n'), 'sh')
  )
}
