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
import { compilerEnvironmentYaml, environmentYaml } from './environment.js'
import { compilerFindArgs } from './commands.js'
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

export async function prepareEnvironment(
  spack: SpackRunner,
  request: BuildRequest,
  gccVersion: string,
  repo: { readonly path: string; readonly namespace: string },
  layout: EnvironmentLayout
): Promise<PreparedEnvironment> {
  await spack.run(compilerFindArgs('user'), { silent: true })
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
  const environment = environmentYaml(inputs)
  writeEnvironment(layout.envDir, environment)
  logVerbatim(environment)
  return { envDir: layout.envDir, environment, foundGcc, ...(compiler ? { compiler } : {}) }
}

function writeEnvironment(envDir: string, environment: string): WrittenEnvironment {
  mkdirSync(envDir, { recursive: true })
  writeFileSync(path.join(envDir, 'spack.yaml'), environment)
  return { envDir, environment }
}
