/** Push what was built to the `buildcache-push` mirror, signed with `signing-key` unless `unsigned`. */
import { environmentDir, only, withCredentials, type Build } from '../build.js'
import { importSigningKey, keyFile } from '../cache/signing.js'
import type { Phase, Step } from '../pipeline.js'
import { gpgTrustArgs, pushArgs } from '../spack/commands.js'
import { PUSH_MIRROR } from '../spack/environment.js'
import type { ProvisionedSpack } from '../spack/provision.js'
import type { PreparedEnvironment } from '../spack/prepare.js'

function planPush(build: Build): Step[] {
  const { buildcache } = build.request
  if (!buildcache.push) return []
  const key = keyFile(build.work.scratch, 'signing key')
  return [
    ...(buildcache.signingKey ? [{ writes: key }, { spack: gpgTrustArgs(key) }] : []),
    { spack: pushArgs(environmentDir(build), PUSH_MIRROR, buildcache.unsigned, only(build)) }
  ]
}

type In = { readonly build: Build; readonly spack: ProvisionedSpack; readonly environment: PreparedEnvironment }

export const pushToMirror: Phase<In, 'pushed', { readonly mirror?: string }> = {
  key: 'pushed',
  title: build => `Push to ${build.request.buildcache.push}`,
  plan: planPush,
  skip: ({ build }) => (build.request.buildcache.push ? undefined : {}),
  run: async ({ build, spack, environment }) => {
    const { buildcache } = build.request
    const runner = withCredentials(spack.runner, build.request)
    if (buildcache.signingKey) await importSigningKey(runner, buildcache.signingKey, build.work.scratch)
    await runner.run(pushArgs(environment.envDir, PUSH_MIRROR, buildcache.unsigned, only(build)), {
      group: `spack buildcache push ${buildcache.push}`
    })
    return { mirror: buildcache.push as string }
  }
}
