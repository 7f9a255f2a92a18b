/**
 * Prepares the environment directory: detects the runner's compilers with Spack, renders spack.yaml with them, and
 * writes it. The rendered text is what the cache key hashes, so a different compiler on the runner changes the key.
 */
import * as core from '@actions/core'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import type { BuildRequest } from '../inputs.js'
import type { EnvironmentLayout } from '../work.js'
import { compilerEnvironmentYaml, dependenciesEnvironmentYaml, environmentYaml } from './environment.js'
import { compilerFindArgs } from './commands.js'
import { recordDetection, useRecordedDetection, type CompilerDetection } from './compiler-detection.js'
import type { SpackRunner } from './runner.js'
import { logVerbatim } from '../verbatim.js'

/** An environment directory and the spack.yaml written into it. */
export interface WrittenEnvironment {
  readonly envDir: string
  readonly environment: string
}

export interface PreparedEnvironment extends WrittenEnvironment {
  /** The environment that builds the requested GCC first, when the runner doesn't have it. */
  readonly compiler?: WrittenEnvironment
  /** GCC versions Spack found on the runner. */
  readonly foundGcc: readonly string[]
}

/** The `gcc` entry that `spack compiler find` wrote into the isolated user scope, if any. */
export function detectedCompilers(userConfigDir: string): Record<string, unknown> {
  const file = path.join(userConfigDir, 'packages.yaml')
  if (!existsSync(file)) return {}
  const doc = parse(readFileSync(file, 'utf8')) as { packages?: Record<string, unknown> } | null
  const gcc = doc?.packages?.gcc
  return gcc ? { gcc } : {}
}

export function gccVersions(detected: Record<string, unknown>): string[] {
  const externals = (detected.gcc as { externals?: Array<{ spec?: string }> } | undefined)?.externals ?? []
  const versions = externals.map(external => /^gcc@=?([\d.]+)/.exec(external.spec ?? '')?.[1])
  return [...new Set(versions.filter((v): v is string => Boolean(v)))]
}

/**
 * The runner's compilers into Spack's user scope: as recorded for these very compilers (restored with Spack's
 * package index), or found by `spack compiler find` and recorded for the next run.
 */
export async function findCompilers(spack: SpackRunner, detection?: CompilerDetection): Promise<void> {
  const userConfig = spack.env.SPACK_USER_CONFIG_PATH
  if (detection && userConfig && useRecordedDetection(detection, userConfig)) {
    core.info(`The runner's compilers as Spack found them before (fingerprint ${detection.fingerprint})`)
    return
  }
  await spack.run(compilerFindArgs('user'), { silent: true })
  if (detection && userConfig) recordDetection(detection, userConfig)
}

export async function prepareEnvironment(
  spack: SpackRunner,
  request: BuildRequest,
  gccVersion: string,
  repo: { readonly path: string; readonly namespace: string },
  layout: EnvironmentLayout,
  detection?: CompilerDetection
): Promise<PreparedEnvironment> {
  await findCompilers(spack, detection)
  const userConfig = spack.env.SPACK_USER_CONFIG_PATH
  const detected = userConfig ? detectedCompilers(userConfig) : {}
  const foundGcc = gccVersions(detected)
  core.info(`GCC found by Spack: ${foundGcc.join(', ') || 'none'}`)
  const inputs = { request, gccVersion, repoPath: repo.path, repoNamespace: repo.namespace, layout, detected }
  let compiler: WrittenEnvironment | undefined
  if (!foundGcc.includes(gccVersion)) {
    core.info(
      `gcc@${gccVersion} is not on this runner: Spack builds it first with the runner's compiler (it is cached like any package)`
    )
    compiler = writeEnvironment(layout.compilerEnvDir, compilerEnvironmentYaml(inputs))
  }
  // A dependencies job renders its own environment: the roots' dependencies only, for one or more Slurm versions.
  const dependencies = request.stage === 'dependencies'
  const environment = dependencies ? dependenciesEnvironmentYaml(inputs) : environmentYaml(inputs)
  const envDir = dependencies ? layout.dependenciesEnvDir : layout.envDir
  writeEnvironment(envDir, environment)
  logVerbatim(environment)
  return { envDir, environment, foundGcc, ...(compiler ? { compiler } : {}) }
}

function writeEnvironment(envDir: string, environment: string): WrittenEnvironment {
  mkdirSync(envDir, { recursive: true })
  writeFileSync(path.join(envDir, 'spack.yaml'), environment)
  return { envDir, environment }
}
