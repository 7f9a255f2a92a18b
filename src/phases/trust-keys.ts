/** Trust the public keys of signed remote build caches (`buildcache-keys`) before anything is installed from them. */
import type { Build } from '../build.js'
import { keyFile, trustPublicKeys } from '../cache/signing.js'
import type { Phase } from '../pipeline.js'
import { gpgTrustArgs } from '../spack/commands.js'
import type { ProvisionedSpack } from '../spack/provision.js'

type In = { readonly build: Build; readonly spack: ProvisionedSpack }

export const trustBuildCacheKeys: Phase<In, 'trusted', { readonly keys: boolean }> = {
  key: 'trusted',
  title: () => "Trust the build caches' public keys",
  grouped: false,
  plan: build => {
    if (!build.request.buildcache.trustedKeys) return []
    const file = keyFile(build.work.scratch, 'public keys')
    return [{ writes: file }, { spack: gpgTrustArgs(file) }]
  },
  skip: ({ build }) => (build.request.buildcache.trustedKeys ? undefined : { keys: false }),
  run: async ({ build, spack }) => {
    const keys = build.request.buildcache.trustedKeys as string
    // Keys go into the local keyring: no mirror is reached, no credentials given.
    await trustPublicKeys(spack.runner, keys, build.work.scratch)
    return { keys: true }
  }
}
