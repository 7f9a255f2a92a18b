/**
 * `npx tsx e2e/failed-build-secrets.ts`: a real Slurm build made to fail in configure, with secrets planted where a
 * runner keeps them, then every byte the run left scanned for them.
 *
 *   source /tmp/offline-spack/env.sh && npm run build && npx tsx e2e/failed-build-secrets.ts
 *
 * The bundled action (dist/) runs as a runner runs it, main step then post step, with the offline kit (SPACK_ROOT,
 * its externals and source mirror) and local cache and artifact services. The site's `spack-config` requires a C
 * compiler flag GCC refuses on slurm, so configure fails at its first check, as a site's bad flags would. Planted:
 * the OCI password and the signing key (inputs), ACTIONS_RUNTIME_TOKEN, ACTIONS_ID_TOKEN_REQUEST_TOKEN, GITHUB_TOKEN,
 * a job-level secret of the user's own, and a proxy URL with a password (passed to Spack, which needs it for
 * mirrors). Scanned: the runner's directories (RUNNER_TEMP, tool cache, home, the output, state, summary, env and
 * path files) and the services' storage (the uploaded debug artifact and the saved cache entries), every archive
 * opened. Also checked: the failure annotation carries config.log's own lines of the failing check.
 * Environment: SECRETS_KEEP=1 keeps the work directory (kept anyway on failure).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parse, stringify } from 'yaml'
import { startFakeRegistry } from '../__tests__/helpers/fake-oci-registry.js'
import { plantedSecrets, scanForSecrets, scanSelfTest } from '../__tests__/helpers/secret-scan.js'
import { makeTlsMaterial } from '../__tests__/helpers/tls-material.js'
import { startTokenService } from '../__tests__/helpers/token-service.js'
import { startServices } from '../__tests__/services/index.js'
import { fileCommands, reset, runnerDirs, runStep, snapshotAction } from './action.js'

/** The flag slurm is required to be built with: GCC refuses it, so configure's first compile fails. */
const BAD_FLAG = '-fslurm-factory-refused-flag'

const SIGNING_KEY = [
  '-----BEGIN PGP PRIVATE KEY BLOCK-----',
  '',
  'lQVYBGZplantedSIGNINGkeyBODYline0001secretAAAAAAAAAAAAAAAAAAAAAAAAAA',
  '=plnt',
  '-----END PGP PRIVATE KEY BLOCK-----'
].join('\n')

/** The kit's externals plus the flag slurm must be built with, as the site's spack-config file. */
function siteConfig(workspace: string): string {
  const externals = parse(readFileSync(process.env.OFFLINE_EXTERNALS as string, 'utf8')) as {
    packages: Record<string, unknown>
  }
  const file = path.join(workspace, 'site-spack.yaml')
  const packages = { ...externals.packages, slurm: { require: [`cflags='${BAD_FLAG}'`] } }
  writeFileSync(file, stringify({ packages }))
  return file
}

function why(): string | undefined {
  if (!process.env.SPACK_ROOT || !existsSync(path.join(process.env.SPACK_ROOT, 'bin', 'spack')))
    return 'SPACK_ROOT does not point at a Spack (source /tmp/offline-spack/env.sh)'
  if (!process.env.OFFLINE_EXTERNALS || !process.env.OFFLINE_SOURCE_MIRROR) return 'the offline kit is not sourced'
  if (!existsSync('dist/index.js')) return 'dist/ is not built (npm run build)'
  return undefined
}

async function main(): Promise<number> {
  const skip = why()
  if (skip) {
    process.stdout.write(`failed-build-secrets: skipped: ${skip}\n`)
    return 0
  }
  const work = mkdtempSync(path.join(process.env.E2E_WORKDIR ?? tmpdir(), 'slurm-secrets-'))
  const dirs = runnerDirs(path.join(work, 'runner'))
  const actionDir = snapshotAction(path.join(work, 'action'))
  const services = await startServices()
  const secrets = plantedSecrets(services.env.ACTIONS_RUNTIME_TOKEN as string)
  // The OCI build cache the credentials are for: a registry on 127.0.0.1 (TLS with a test CA, Bearer tokens as
  // ghcr.io issues them) that the mirror check reaches before the build and Spack reads during it.
  mkdirSync(path.join(work, 'tls'))
  const tls = makeTlsMaterial(path.join(work, 'tls'))
  const tokens = await startTokenService({
    tls,
    service: 'registry.test',
    issuer: 'token.test',
    users: { 'octo-user': { password: secrets['oci-password'] as string, actions: ['pull', 'push'] } },
    anonymousPull: false
  })
  const registry = await startFakeRegistry({ tls, auth: 'token', realm: tokens.realm, service: 'registry.test' })
  const ociCache = `oci://${registry.host}/example/slurm-cache`
  let clean = false
  try {
    reset(dirs)
    const inputs = {
      'slurm-version': '24.11.5',
      variants: '+pmix +hwloc',
      target: 'x86_64_v2',
      jobs: '2',
      'spack-root': process.env.SPACK_ROOT as string,
      offline: 'true',
      'spack-config': siteConfig(dirs.workspace),
      'buildcache-mirrors': [process.env.OFFLINE_SOURCE_MIRROR, ociCache].join('\n'),
      'oci-username': 'octo-user',
      'oci-password': secrets['oci-password'] as string,
      'signing-key': SIGNING_KEY,
      'buildcache-push': ociCache,
      'cache-key-prefix': 'slurm-secrets',
      'retention-days': '1'
    }
    const env = {
      ...services.env,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: secrets.ACTIONS_ID_TOKEN_REQUEST_TOKEN as string,
      ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.actions.invalid/request',
      GITHUB_TOKEN: secrets.GITHUB_TOKEN as string,
      DEPLOY_SECRET: secrets['job secret'] as string,
      // A site proxy with credentials: passed to Spack (mirrors need it), so it is in each build's environment file.
      HTTPS_PROXY: `http://proxy-user:${secrets['proxy password']}@proxy.invalid:3128`,
      NO_PROXY: '127.0.0.1,localhost',
      SSL_CERT_FILE: tls.caFile
    }
    const log = path.join(work, 'run.log')
    process.stdout.write(`failed-build-secrets: work directory ${work}, log ${log}\n`)
    const main = await runStep('index', dirs, inputs, env, log, 'main', actionDir)
    const post = await runStep('post', dirs, inputs, env, log, 'post', actionDir)
    const problems: string[] = []
    if (main.status === 0) problems.push('the build did not fail')
    if (post.status !== 0) problems.push(`the post step failed (exit ${post.status})`)
    const text = readFileSync(log, 'utf8')
    const annotation = text.split('\n').find(line => line.startsWith('::error') && line.includes('slurm'))
    process.stdout.write(`failed-build-secrets: annotation: ${annotation ?? '(none)'}\n`)
    if (!annotation?.includes(BAD_FLAG))
      problems.push(`the annotation does not show the compiler's complaint about ${BAD_FLAG}`)
    const summary = readFileSync(dirs.files.GITHUB_STEP_SUMMARY, 'utf8')
    const why = /<td>why slurm failed<\/td><td>([\s\S]*?)<\/td>/.exec(summary)?.[1] ?? ''
    process.stdout.write(
      `failed-build-secrets: summary, why slurm failed: ${why.replace(/\n/g, ' | ') || '(no row)'}\n`
    )
    if (!why.includes(BAD_FLAG)) problems.push(`the summary does not show the compiler's complaint about ${BAD_FLAG}`)
    for (const line of text.split('\n').filter(l => /buildcache push --force|specs were skipped|Pushed /.test(l)))
      process.stdout.write(`failed-build-secrets: post: ${line.slice(0, 240)}\n`)
    const artifacts = services.artifact?.artifacts ?? []
    process.stdout.write(
      `failed-build-secrets: artifacts: ${artifacts.map(a => `${a.name} (${a.finalized ? a.entries().join(', ') : 'unfinished'})`).join('; ') || 'none'}\n` +
        `failed-build-secrets: cache entries: ${(services.cache?.entries ?? []).map(e => e.key).join(', ') || 'none'}\n` +
        `failed-build-secrets: outputs: ${JSON.stringify(fileCommands(dirs.files.GITHUB_OUTPUT))}\n`
    )
    // The scan must be able to fail: a planted secret, three archives deep, is found first.
    const selfTest = scanSelfTest(secrets['oci-password'] as string)
    process.stdout.write(
      `failed-build-secrets: the scan's self-test found the planted secret at ${selfTest.join(', ') || '(nowhere)'}\n`
    )
    if (selfTest.length === 0) problems.push('the scan did not find the secret planted for its self-test')
    const leaks = scanForSecrets([dirs.root, services.server.stateDir], secrets)
    for (const leak of leaks) process.stdout.write(`failed-build-secrets: LEAK: ${leak.secret} in ${leak.where}\n`)
    if (leaks.length)
      problems.push(`${leaks.length} leak(s) of ${new Set(leaks.map(leak => leak.secret)).size} secret(s)`)
    process.stdout.write(
      `failed-build-secrets: ${problems.length ? `FAIL: ${problems.join('; ')}` : 'PASS: no planted secret in anything the run left'}\n`
    )
    clean = problems.length === 0
    return clean ? 0 : 1
  } finally {
    await services.close()
    await registry.close()
    await tokens.close()
    if (clean && process.env.SECRETS_KEEP !== '1') rmSync(work, { recursive: true, force: true })
    else process.stdout.write(`failed-build-secrets: work directory kept: ${work}\n`)
  }
}

main().then(
  code => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`failed-build-secrets: ${error instanceof Error ? error.stack : String(error)}\n`)
    process.exit(1)
  }
)
