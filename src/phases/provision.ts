/** Provision Spack: a verified release from the tool cache or a fresh clone, or the runner's own (`spack-root`). */
import { BUILTIN_PINS } from '../catalog.js'
import type { Build } from '../build.js'
import type { Phase, Step } from '../pipeline.js'
import { versionArgs } from '../spack/commands.js'
import { cloneArgs, GIT_OPTIONS } from '../spack/git.js'
import { DEFAULT_SOURCES, provisionSpack, releaseSeries, type ProvisionedSpack } from '../spack/provision.js'
import { PACKAGES_TOOL, SPACK_TOOL, stagingDir } from '../spack/tool-cache.js'

function planProvision(build: Build): Step[] {
  const spack = build.request.spack
  if (spack.root !== undefined) return [{ spack: versionArgs() }]
  const clone = (repository: string, tool: string, url: string, tag: string, commit: string): Step => ({
    program: 'git',
    args: [...GIT_OPTIONS, ...cloneArgs(url, tag, stagingDir(build.runnerTemp, tool, tag))],
    when: [{ id: 'not-in-tool-cache', text: `${repository} ${tag} (${commit}) is not in the runner's tool cache` }]
  })
  const builtin = BUILTIN_PINS[releaseSeries(spack.version)]
  return [
    clone('Spack', SPACK_TOOL, DEFAULT_SOURCES.spack, spack.version, spack.commit),
    ...(builtin
      ? [clone('Spack builtin packages', PACKAGES_TOOL, DEFAULT_SOURCES.packages, builtin.tag, builtin.commit)]
      : []),
    { spack: versionArgs() }
  ]
}

export const provision: Phase<{ readonly build: Build }, 'spack', ProvisionedSpack> = {
  key: 'spack',
  title: () => 'Provision Spack',
  plan: planProvision,
  run: ({ build }) =>
    provisionSpack(build.request.spack, { runnerTemp: build.runnerTemp, offline: build.request.offline })
}
