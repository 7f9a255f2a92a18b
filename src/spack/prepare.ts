/**
 * Prepares the environment directory: detects the runner's compilers with Spack, renders spack.yaml with them, and
 * writes it. The rendered text is what the cache key hashes, so a different compiler on the runner changes the key.
 */
import * as core from '@actions/core'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import type { BuildRequest } from '../inputs.js'
import { environmentYaml, type EnvironmentLayout } from './environment.js'
import type { SpackRunner } from './runner.js'

export interface PreparedEnvironment {
  readonly envDir: string
  readonly environment: string
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
  return externals
    .map(external => /^gcc@=?([\d.]+)/.exec(external.spec ?? '')?.[1])
    .filter((v): v is string => Boolean(v))
}

export async function prepareEnvironment(
  spack: SpackRunner,
  request: BuildRequest,
  gccVersion: string,
  repo: { readonly path: string; readonly namespace: string },
  layout: EnvironmentLayout
): Promise<PreparedEnvironment> {
  await spack.run(['compiler', 'find', '--scope', 'user'], { silent: true })
  const userConfig = spack.env.SPACK_USER_CONFIG_PATH
  const detected = userConfig ? detectedCompilers(userConfig) : {}
  const foundGcc = gccVersions(detected)
  core.info(`GCC found by Spack: ${foundGcc.join(', ') || 'none'}`)
  if (!foundGcc.includes(gccVersion)) {
    core.info(
      `gcc@${gccVersion} is not on this runner: Spack builds it first with the runner's compiler (it is cached like any package)`
    )
  }
  const environment = environmentYaml({
    request,
    gccVersion,
    repoPath: repo.path,
    repoNamespace: repo.namespace,
    layout,
    detected
  })
  mkdirSync(layout.envDir, { recursive: true })
  writeFileSync(path.join(layout.envDir, 'spack.yaml'), environment)
  core.info(environment)
  return { envDir: layout.envDir, environment, foundGcc }
}
