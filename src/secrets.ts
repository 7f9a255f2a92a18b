/**
 * The job's secrets, kept out of everything the action shows or writes for people: the job summary, annotations,
 * plan mode's output and the failed build's debug artifact. The runner masks registered secrets in the log only; a
 * summary, an artifact or a file under RUNNER_TEMP is the action's to redact. Known secrets are the secret inputs,
 * the passwords written into mirror URLs, and the runner's own tokens; a URL's credentials (`https://user:pass@`) are
 * masked whether registered or not.
 */
import * as core from '@actions/core'

const MASK = '***'

/** What the job knows to be secret, longest first when redacting. */
const known = new Set<string>()

/** The runner's credentials: never in anything the action writes (the programs it starts never get them). */
const RUNNER_SECRETS = ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN', 'GITHUB_TOKEN'] as const

/**
 * Registers `value` as a secret: masked by the runner in the log, and redacted from what the action writes. A
 * multi-line secret (an ASCII-armored key) is registered whole and line by line, since the runner matches masks
 * within a line; lines too short to be secret on their own (armor headers, blank lines) are left out.
 */
export function registerSecret(value: string): void {
  if (!value) return
  const lines = value.includes('\n') ? value.split(/\r?\n/).map(line => line.trim()) : []
  const parts = [value, ...lines.filter(line => line.length >= 8 && !line.startsWith('-----'))]
  for (const part of parts) {
    if (known.has(part)) continue
    known.add(part)
    core.setSecret(part)
  }
}

/** Registers the runner's own tokens found in `env` (redacted from files; the runner masks them in the log). */
export function registerRunnerSecrets(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of RUNNER_SECRETS) {
    const value = env[name]
    if (value && value.length >= 8) known.add(value)
  }
}

/** A URL's user information, with the password (or a user name standing alone, often a token) as its own group. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:'"]+)(?::([^\s/@'"]*))?@/gi

/** `scheme://user:pass@host` -> `scheme://user:***@host`; `scheme://token@host` -> `scheme://***@host`. */
export function maskUrlCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS, (_all, scheme: string, user: string, password: string | undefined) =>
    password === undefined ? `${scheme}${MASK}@` : `${scheme}${user}:${MASK}@`
  )
}

/** Registers the credentials of a URL (its password, or a user name standing alone) as secrets. */
export function registerUrlCredentials(url: string): void {
  for (const match of url.matchAll(URL_CREDENTIALS)) registerSecret((match[3] ?? match[2]) as string)
}

/** `text` with every known secret and every URL's credentials masked. */
export function redact(text: string): string {
  let out = text
  for (const secret of [...known].sort((a, b) => b.length - a.length)) out = out.split(secret).join(MASK)
  return maskUrlCredentials(out)
}

/** Names of variables whose values are credentials, whatever their value (defense beyond the known secrets). */
const CREDENTIAL_NAME = /^(INPUT_|ACTIONS_|STATE_)|TOKEN|PASSWORD|PASSWD|SECRET|CREDENTIAL|PRIVATE_KEY|_AUTH$/i

/**
 * A `spack-build-env.txt` as Spack writes it (`NAME=value; export NAME` for each variable, the value quoted for the
 * shell as Python's shlex.quote does, so a value may span lines), redacted: a credential-named variable's value is masked whatever it holds, then everything `redact`
 * masks.
 */
export function redactBuildEnv(text: string): string {
  const masked = text.replace(
    /^(#?)([A-Za-z_][A-Za-z0-9_%-]*)=('[^']*'(?:"'"'[^']*')*|[^\s;']*); export \2$/gm,
    (line, hidden: string, name: string) =>
      CREDENTIAL_NAME.test(name) ? `${hidden}${name}='${MASK}'; export ${name}` : line
  )
  return redact(masked)
}

/** Forgets the registered secrets (tests run several jobs in one process). */
export function forgetSecrets(): void {
  known.clear()
}
