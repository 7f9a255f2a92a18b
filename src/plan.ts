/**
 * Plan mode: what a build would do, shown without doing it. The resolved request, the root spec, the rendered
 * environment (written under RUNNER_TEMP so it can be tried by hand) and the command lines, in order.
 */
import * as core from '@actions/core'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import { type BuildRequest, render } from './inputs.js'
import { concretizeArgs, displayCommand, installArgs, pushArgs, repoAddArgs } from './spack/commands.js'
import { writeSummary } from './summary.js'
import { checkTarget, cpuFlags, targetLineage, x86Level } from './spack/target-check.js'
import { environmentYaml, LOCAL_MIRROR, PUSH_MIRROR, slurmSpec } from './spack/environment.js'
import { layoutUnder, workRoot, type EnvironmentLayout } from './work.js'

export interface Plan {
  readonly request: BuildRequest
  readonly gccVersion: string
  readonly spec: string
  readonly layout: EnvironmentLayout
  readonly environment: string
  readonly commands: readonly string[]
  /** What can be told of the target before Spack is there: the x86-64 level /proc/cpuinfo shows. */
  readonly targetCheck: string
}

/** The namespace a repository declares in its repo.yaml, or the bundled one's when it can't be read yet. */
export function repoNamespace(repoPath: string): string {
  for (const file of [
    path.join(repoPath, 'repo.yaml'),
    path.join(repoPath, 'spack_repo', 'slurm_factory', 'repo.yaml')
  ]) {
    if (existsSync(file)) {
      const doc = parse(readFileSync(file, 'utf8')) as { repo?: { namespace?: string } } | null
      if (doc?.repo?.namespace) return doc.repo.namespace
    }
  }
  return 'slurm_factory'
}

/** The package repository directory Spack is given: the bundled repo keeps it under spack_repo/slurm_factory. */
export function repoPathFor(request: BuildRequest, root: string): string {
  switch (request.repo.kind) {
    case 'bundled':
      return path.join(request.repo.path, 'spack_repo', 'slurm_factory')
    case 'path':
      return request.repo.path
    case 'git':
      return path.join(root, 'repo')
  }
}

export function buildPlan(request: BuildRequest, gccVersion: string, runnerTemp: string): Plan {
  const root = workRoot(runnerTemp)
  const layout = layoutUnder(root)
  const repoPath = repoPathFor(request, root)
  const environment = environmentYaml({ request, gccVersion, repoPath, repoNamespace: repoNamespace(repoPath), layout })
  const spack = request.spack.root ? path.join(request.spack.root, 'bin', 'spack') : 'spack'
  const commands: string[] = []
  if (!request.spack.root) {
    commands.push(
      `# Spack ${request.spack.version} (commit ${request.spack.commit}) from the runner's tool cache, or:`,
      displayCommand('git', [
        'clone',
        '--depth',
        '1',
        '--branch',
        request.spack.version,
        'https://github.com/spack/spack.git',
        '<tool cache>'
      ])
    )
  }
  if (request.repo.kind === 'git') {
    commands.push(
      displayCommand('git', ['clone', '--depth', '1', '--branch', request.repo.ref, request.repo.url, repoPath])
    )
  }
  if (request.cache.enabled) commands.push("# restore Spack's index of the builtin packages from the Actions cache")
  commands.push(displayCommand(spack, repoAddArgs(repoPath, 'user')))
  if (request.cache.enabled)
    commands.push(`# restore ${LOCAL_MIRROR} (${layout.localMirror}) and spack.lock from the Actions cache`)
  commands.push(
    displayCommand(spack, concretizeArgs(layout.envDir)) +
      '   # skipped when the cached spack.lock belongs to this spack.yaml',
    displayCommand(spack, installArgs(layout.envDir, request.jobs)),
    displayCommand(spack, pushArgs(layout.envDir, LOCAL_MIRROR, true))
  )
  if (request.buildcache.push)
    commands.push(displayCommand(spack, pushArgs(layout.envDir, PUSH_MIRROR, request.buildcache.unsigned)))
  commands.push(
    `# stage ${layout.viewRoot} into <artifact-name>/, relocate, audit, write ${request.modules === 'none' ? 'no module file' : `a ${request.modules} module`}, manifest.json and SHA256SUMS`,
    `# pack <artifact-name>.tar.${request.artifact.compression === 'zstd' ? 'zst' : 'gz'}${request.artifact.upload ? ' and upload it' : ''}`
  )
  if (request.cache.enabled) commands.push('# post step: save the build cache (a partial key after a failure)')
  return {
    request,
    gccVersion,
    spec: slurmSpec(request, gccVersion),
    layout,
    environment,
    commands,
    targetCheck: planTargetCheck(request.target)
  }
}

/** Plan mode runs no Spack: on x86-64 it reads the CPU's level from /proc/cpuinfo, as archspec would. */
export function planTargetCheck(target: string, cpuinfoFile = '/proc/cpuinfo'): string {
  if (!existsSync(cpuinfoFile) || !targetLineage(target).has('x86_64')) {
    return `${target}: checked against the runner's CPU by Spack before concretizing`
  }
  const check = checkTarget(target, x86Level(cpuFlags(readFileSync(cpuinfoFile, 'utf8'))))
  return `${check.ok ? 'passes' : 'fails'}: ${check.message} (from /proc/cpuinfo; Spack checks again before concretizing)`
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
      request.spack.root ? `${request.spack.root} (existing)` : `${request.spack.version} (${request.spack.commit})`
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

/** Prints the plan in a log group and the job summary, and writes the environment directory. */
export async function showPlan(plan: Plan): Promise<void> {
  mkdirSync(plan.layout.envDir, { recursive: true })
  const envFile = path.join(plan.layout.envDir, 'spack.yaml')
  writeFileSync(envFile, plan.environment)
  await core.group('Plan (dry-run: nothing is built)', async () => {
    for (const [name, value] of requestRows(plan.request)) core.info(`${name}: ${value}`)
    core.info(`\nspec: ${plan.spec}`)
    core.info(`target check: ${plan.targetCheck}`)
    core.info(`\nenvironment: ${envFile} (try it: spack -e ${plan.layout.envDir} concretize)\n${plan.environment}`)
    core.info(`commands:\n${plan.commands.join('\n')}`)
  })
  await writeSummary(summary =>
    summary
      .addHeading('Slurm Factory: plan (dry-run)', 2)
      .addTable([
        [
          { data: 'input', header: true },
          { data: 'resolved', header: true }
        ],
        ...requestRows(plan.request)
      ])
      .addRaw(`\n\n**Spec:** \`${plan.spec}\`\n\n**Target check:** ${plan.targetCheck}\n\n`)
      .addDetails('spack.yaml', `\n\n\`\`\`yaml\n${plan.environment}\`\`\`\n\n`)
      .addCodeBlock(plan.commands.join('\n'), 'sh')
  )
}
