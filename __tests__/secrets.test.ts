/** Secrets kept out of what the action shows or writes: registered ones, URL credentials, a build's environment. */
import { afterEach, describe, expect, test } from '@jest/globals'
import {
  forgetSecrets,
  maskUrlCredentials,
  redact,
  redactBuildEnv,
  registerRunnerSecrets,
  registerSecret,
  registerUrlCredentials
} from '../src/secrets.js'
import { captureWorkflowLog } from './helpers/workflow-log.js'

afterEach(() => forgetSecrets())

describe('URL credentials', () => {
  test.each([
    ['https://user:pass@host/x', 'https://user:***@host/x'],
    ['oci://token@ghcr.io/o/c', 'oci://***@ghcr.io/o/c'],
    [
      'http://proxy-user:p%40ss@proxy:3128 and s3://bucket/path',
      'http://proxy-user:***@proxy:3128 and s3://bucket/path'
    ],
    ['git@github.com:org/repo.git', 'git@github.com:org/repo.git'],
    ['file:///srv/mirror', 'file:///srv/mirror']
  ])('%s', (text, masked) => {
    expect(maskUrlCredentials(text)).toBe(masked)
  })
})

describe('registered secrets', () => {
  test('masked by the runner and redacted from text, a key whole and line by line (the runner masks within a line)', () => {
    const log = captureWorkflowLog()
    const key = '-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQVYBGZsecretline1\n=ab\n-----END PGP PRIVATE KEY BLOCK-----'
    registerSecret(key)
    registerSecret('short')
    registerUrlCredentials('https://u:url-password@h/x')
    registerRunnerSecrets({ ACTIONS_RUNTIME_TOKEN: 'runtime-token-1234', GITHUB_TOKEN: 'x' })
    log.restore()
    expect(log.lines.filter(line => line.startsWith('::add-mask::'))).toEqual([
      `::add-mask::${key.replace(/\n/g, '%0A')}`,
      '::add-mask::lQVYBGZsecretline1',
      '::add-mask::short',
      '::add-mask::url-password'
    ])
    // A whole value is a secret however short; a line of a key only when it could be one on its own.
    expect(redact(`${key} lQVYBGZsecretline1 runtime-token-1234 url-password short =ab`)).toBe(
      '*** *** *** *** *** =ab'
    )
  })
})

describe("a build's environment file", () => {
  test('credential-named variables masked whatever they hold, known secrets and URL credentials too', () => {
    registerSecret('planted-known-secret')
    const file = [
      'ACTIONS_RUNTIME_TOKEN=eyJ0eXAi.x.y; export ACTIONS_RUNTIME_TOKEN',
      "INPUT_OCI-PASSWORD='multi\nline'; export INPUT_OCI-PASSWORD",
      'SLURM_FACTORY_OCI_PASSWORD=o; export SLURM_FACTORY_OCI_PASSWORD',
      "MY_NOTE='has planted-known-secret inside'; export MY_NOTE",
      'HTTPS_PROXY=http://u:p@proxy:3128; export HTTPS_PROXY',
      "CFLAGS='-O2 -g'; export CFLAGS",
      '#PWD=/x; export PWD'
    ].join('\n')
    expect(redactBuildEnv(file)).toBe(
      [
        "ACTIONS_RUNTIME_TOKEN='***'; export ACTIONS_RUNTIME_TOKEN",
        "INPUT_OCI-PASSWORD='***'; export INPUT_OCI-PASSWORD",
        "SLURM_FACTORY_OCI_PASSWORD='***'; export SLURM_FACTORY_OCI_PASSWORD",
        "MY_NOTE='has *** inside'; export MY_NOTE",
        'HTTPS_PROXY=http://u:***@proxy:3128; export HTTPS_PROXY',
        "CFLAGS='-O2 -g'; export CFLAGS",
        '#PWD=/x; export PWD'
      ].join('\n')
    )
  })
})
