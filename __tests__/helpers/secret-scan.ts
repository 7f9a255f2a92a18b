/**
 * Looks for planted secrets in every byte a run leaves: each file under the given roots, and inside every archive it
 * finds (zip artifacts, zstd cache entries, gzip and tar, nested to any depth), opened with the real tools. A leak is
 * reported with the file and, for a file inside an archive, the path inside it (`outer.zip!inner/file`).
 */
import { execFileSync } from 'node:child_process'
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

export interface Leak {
  /** The secret's label, as planted. */
  readonly secret: string
  /** The file holding it; `archive!path` inside an archive. */
  readonly where: string
}

type Kind = 'zip' | 'zstd' | 'gzip' | 'tar' | 'plain'

function kindOf(bytes: Buffer): Kind {
  const starts = (...magic: number[]): boolean => magic.every((byte, index) => bytes[index] === byte)
  if (starts(0x50, 0x4b, 0x03, 0x04)) return 'zip'
  if (starts(0x28, 0xb5, 0x2f, 0xfd)) return 'zstd'
  if (starts(0x1f, 0x8b)) return 'gzip'
  if (bytes.length >= 262 && bytes.subarray(257, 262).toString('latin1') === 'ustar') return 'tar'
  return 'plain'
}

/** The regular files of a tar archive, read in this process (a cache entry's members may start with `../`). */
function* tarMembers(data: Buffer): Generator<{ name: string; body: Buffer }> {
  let offset = 0
  let longName: string | undefined
  while (offset + 512 <= data.length) {
    const header = data.subarray(offset, offset + 512)
    if (header.every(byte => byte === 0)) return
    const text = (start: number, length: number): string =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0[\s\S]*$/, '')
    const size = parseInt(text(124, 12).trim() || '0', 8)
    const type = text(156, 1)
    const body = data.subarray(offset + 512, offset + 512 + size)
    const prefix = text(345, 155)
    const name = longName ?? (prefix ? `${prefix}/${text(0, 100)}` : text(0, 100))
    longName = undefined
    if (type === 'L') longName = body.toString('utf8').replace(/\0[\s\S]*$/, '')
    else if (type === 'x') longName = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))?.[1]
    else if (type === '0' || type === '' || type === '7') yield { name, body }
    offset += 512 + Math.ceil(size / 512) * 512
  }
}

const run = (command: string, args: string[], input?: Buffer): Buffer =>
  execFileSync(command, args, { input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 4 * 1024 ** 3 })

/** Scans `data` for the secrets, then whatever archive it is, opened, member by member. */
function scanBytes(data: Buffer, label: string, secrets: Readonly<Record<string, string>>, leaks: Leak[]): void {
  for (const [name, value] of Object.entries(secrets))
    if (data.includes(value)) leaks.push({ secret: name, where: label })
  const kind = kindOf(data.subarray(0, 512))
  if (kind === 'zstd' || kind === 'gzip') scanBytes(run(kind, ['-d', '-c'], data), `${label}!`, secrets, leaks)
  else if (kind === 'tar')
    for (const member of tarMembers(data)) scanBytes(member.body, `${label}!${member.name}`, secrets, leaks)
  else if (kind === 'zip') {
    const into = mkdtempSync(path.join(tmpdir(), 'secret-scan-'))
    try {
      writeFileSync(path.join(into, 'archive.zip'), data)
      mkdirSync(path.join(into, 'files'))
      run('unzip', ['-q', '-o', path.join(into, 'archive.zip'), '-d', path.join(into, 'files')])
      scanTree(path.join(into, 'files'), `${label}!`, secrets, leaks)
    } finally {
      rmSync(into, { recursive: true, force: true })
    }
  }
}

function scanTree(root: string, prefix: string, secrets: Readonly<Record<string, string>>, leaks: Leak[]): void {
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const full = path.join(dir, entry)
      const label = `${prefix}${path.relative(root, full)}`
      const stat = lstatSync(full)
      if (stat.isSymbolicLink()) {
        const target = readlinkSync(full)
        for (const [name, value] of Object.entries(secrets))
          if (target.includes(value)) leaks.push({ secret: name, where: label })
      } else if (stat.isDirectory()) walk(full)
      else if (stat.isFile()) scanBytes(readFileSync(full), label, secrets, leaks)
    }
  }
  walk(root)
}

/** Every place under `roots` (directories or files) that holds one of `secrets` (label -> value). */
export function scanForSecrets(roots: readonly string[], secrets: Readonly<Record<string, string>>): Leak[] {
  const leaks: Leak[] = []
  for (const root of roots) {
    const stat = lstatSync(root)
    if (stat.isDirectory()) scanTree(root, `${root}/`, secrets, leaks)
    else scanBytes(readFileSync(root), root, secrets, leaks)
  }
  return leaks
}

/**
 * The scan's own check, so that an empty result means something: `secret` planted three archives deep (a zip, as an
 * artifact is stored, holding a zstd-compressed tar, as a cache entry is, holding a gzip file), made with the real
 * tools. Returns where the scan found it, empty when it did not.
 */
export function scanSelfTest(secret: string): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'secret-scan-self-'))
  try {
    const inner = path.join(dir, 'inner')
    mkdirSync(inner)
    writeFileSync(path.join(inner, 'spack-build-env.txt'), `TOKEN=${secret}; export TOKEN\n`)
    execFileSync('gzip', ['-n', path.join(inner, 'spack-build-env.txt')])
    execFileSync('tar', ['-cf', path.join(dir, 'cache.tar'), '-C', inner, 'spack-build-env.txt.gz'])
    execFileSync('zstd', ['-q', '--rm', path.join(dir, 'cache.tar'), '-o', path.join(dir, 'cache.tzst')])
    const zip = 'import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], "w") as z: z.write(sys.argv[2], "cache.tzst")'
    execFileSync('python3', ['-c', zip, path.join(dir, 'artifact.zip'), path.join(dir, 'cache.tzst')])
    rmSync(path.join(dir, 'cache.tzst'))
    rmSync(inner, { recursive: true })
    return scanForSecrets([dir], { planted: secret }).map(leak => leak.where.slice(dir.length + 1))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The line of the planted signing key's body: masked line by line, it must appear nowhere either. */
export const SIGNING_KEY_LINE = 'lQVYBGZplantedSIGNINGkeyBODYline0001secretAAAAAAAAAAAAAAAAAAAA'

/**
 * The secrets a run is given to leak, by label: the secret inputs, the runner's tokens (the runtime token's signature
 * alone too), a job-level secret and a proxy password. Every one of them must be nowhere in what the run leaves.
 */
export function plantedSecrets(runtimeToken: string): Record<string, string> {
  return {
    'oci-password': 'planted-oci-password-7f3a9c',
    'signing-key': SIGNING_KEY_LINE,
    ACTIONS_RUNTIME_TOKEN: runtimeToken,
    'ACTIONS_RUNTIME_TOKEN signature': runtimeToken.split('.')[2] as string,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'planted-id-token-request-4be1',
    GITHUB_TOKEN: 'ghs_plantedGitHubToken0000000000000000',
    'job secret': 'planted-job-level-secret-93d2',
    'proxy password': 'planted-proxy-pass-5c6e'
  }
}
