/**
 * spack-repo/check-releases against a git repository made here, with made-up SchedMD-style release tags: it remakes
 * every checksum of the recipe (and catches a wrong one, writing nothing), checks each release's PMIx bound against
 * its x_ac_pmix.m4, finds the release tagged after the recipe's newest and, with --write, adds it to the recipe, the
 * catalog, the README's table and the configure-options lists; a second run then finds nothing newer. The same from a
 * file:// URL, fetched shallowly. And .github/workflows/releases.yml's own steps, run with bash as the runner runs them,
 * against that repository, a local origin and a stand-in `gh`: a new release becomes a pushed branch and a pull request.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parse } from 'yaml'

const ROOT = process.cwd()
const CHECKER = path.join(ROOT, 'spack-repo', 'check-releases')
const RECIPE = path.join('spack-repo', 'spack_repo', 'slurm_factory', 'packages', 'slurm', 'package.py')
const OPTIONS = path.join('spack-repo', 'spack_repo', 'slurm_factory', 'packages', 'slurm', 'configure-options')

function sh(cmd: string, args: string[], cwd: string, input?: Buffer): Buffer {
  const result = spawnSync(cmd, args, { cwd, input, maxBuffer: 1 << 28 })
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${result.stderr.toString()}`)
  return result.stdout
}

/** A configure script as autoconf writes it, as far as the checker reads it. */
function configureScript(userOpts: string[]): string {
  return [
    '#! /bin/sh',
    "ac_user_opts='",
    'enable_option_checking',
    ...userOpts,
    "'",
    '  cat <<_ACEOF',
    'Configuration:',
    '  -h, --help              display this help and exit',
    '  -q, --quiet, --silent   do not print messages',
    'Installation directories:',
    '  --prefix=PREFIX         install files in PREFIX',
    '  --sysconfdir=DIR        read-only single-machine data [PREFIX/etc]',
    '_ACEOF',
    'Optional Features:',
    ''
  ].join('\n')
}

function pmixM4(majors: number[]): string {
  return majors.map(m => `#if (PMIX_VERSION_MAJOR != ${m}L)\n#error\n#endif\n`).join('')
}

const BASE_OPTS = ['with_munge', 'with_pmix', 'enable_slurmrestd']

/** One commit per release, tagged as SchedMD does; the newest 26.05 also learns --with-llhttp_parser. */
const RELEASES: Array<{ tag: string; pmix: number[]; opts?: string[] }> = [
  { tag: 'slurm-23-11-1-1', pmix: [2, 3, 4, 5] },
  { tag: 'slurm-23-11-2-1', pmix: [2, 3, 4, 5] },
  { tag: 'slurm-25-05-1-1', pmix: [2, 3, 4, 5] },
  { tag: 'slurm-25-05-2-1', pmix: [2, 3, 4, 5, 6] },
  { tag: 'slurm-26-05-0-1', pmix: [2, 3, 4, 5, 6] },
  { tag: 'slurm-26-05-1-0rc1', pmix: [2, 3, 4, 5, 6] },
  { tag: 'slurm-26-05-1-1', pmix: [2, 3, 4, 5, 6], opts: ['with_llhttp_parser'] },
  { tag: 'slurm-26-11-0-1', pmix: [2, 3, 4, 5, 6] }
]

describe('spack-repo/check-releases', () => {
  let base: string
  let git: string
  const sha = new Map<string, string>()

  /** GitHub's archive of a tag, made the way GitHub makes it (and not with the checker's code). */
  function archiveSha256(tag: string): string {
    const tar = sh('git', ['archive', '--format=tar', `--prefix=slurm-${tag}/`, tag], git)
    const gz = sh('gzip', ['-n', '-6'], git, tar)
    return sh('sha256sum', [], git, gz).toString().split(' ')[0] as string
  }

  beforeAll(() => {
    base = mkdtempSync(path.join(tmpdir(), 'sfa-check-releases-'))
    git = path.join(base, 'slurm')
    mkdirSync(path.join(git, 'auxdir'), { recursive: true })
    sh('git', ['init', '-q', '-b', 'master'], git)
    for (const release of RELEASES) {
      writeFileSync(path.join(git, 'configure'), configureScript([...BASE_OPTS, ...(release.opts ?? [])]))
      writeFileSync(path.join(git, 'configure.ac'), 'AC_ARG_WITH([munge], [munge])\n')
      writeFileSync(path.join(git, 'auxdir', 'x_ac_pmix.m4'), pmixM4(release.pmix))
      writeFileSync(path.join(git, 'NEWS'), `${release.tag}\n`)
      sh('git', ['add', '-A'], git)
      sh('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', release.tag], git)
      sh('git', ['tag', release.tag], git)
    }
    for (const release of RELEASES) sha.set(release.tag, archiveSha256(release.tag))
  })

  afterAll(() => rmSync(base, { recursive: true, force: true }))

  /** A copy of the project's files the checker reads and writes, its recipe listing `versions`. */
  function project(versions: Array<[string, string]>): string {
    const root = mkdtempSync(path.join(base, 'project-'))
    cpSync(path.join(ROOT, 'spack-repo'), path.join(root, 'spack-repo'), { recursive: true })
    mkdirSync(path.join(root, 'src'))
    cpSync(path.join(ROOT, 'src', 'catalog.ts'), path.join(root, 'src', 'catalog.ts'))
    cpSync(path.join(ROOT, 'README.md'), path.join(root, 'README.md'))
    rmSync(path.join(root, OPTIONS), { recursive: true })
    const recipe = readFileSync(path.join(root, RECIPE), 'utf8')
    const lines = versions.map(([v, s]) => `    version("${v}", sha256="${s}", url=_github("${v}"))\n`).join('')
    const rewritten = recipe.replace(/( {4}version\("[^\n]*\n)+/, lines)
    expect(rewritten).not.toEqual(recipe)
    writeFileSync(path.join(root, RECIPE), rewritten)
    return root
  }

  function check(root: string, source: string, ...flags: string[]): { status: number | null; out: string } {
    const result = spawnSync('python3', [CHECKER, source, '--root', root, ...flags], { encoding: 'utf8' })
    return { status: result.status, out: `${result.stdout}${result.stderr}` }
  }

  const snapshot = (root: string): string[] =>
    [RECIPE, path.join('src', 'catalog.ts'), 'README.md'].map(file => readFileSync(path.join(root, file), 'utf8'))

  test('a wrong checksum fails, naming both checksums, and --write writes nothing', () => {
    const root = project([
      ['26.05.0', sha.get('slurm-26-05-0-1') as string],
      ['25.05.2', '0'.repeat(64)],
      ['23.11.2', sha.get('slurm-23-11-2-1') as string]
    ])
    const before = snapshot(root)
    const { status, out } = check(root, git, '--write')
    expect(out).toContain(
      `FAIL 25.05.2   slurm-25-05-2-1: sha256 ${'0'.repeat(64)} in the recipe, ${sha.get('slurm-25-05-2-1')} from git`
    )
    expect(out).toContain(`ok   26.05.0   slurm-26-05-0-1 sha256 ${sha.get('slurm-26-05-0-1')} reproduced`)
    expect(out).toContain('1 check(s) failed: nothing written')
    expect(status).toBe(1)
    expect(snapshot(root)).toEqual(before)
  })

  test('a release missing from git and a PMIx bound its configure does not accept both fail', () => {
    const root = project([
      ['26.05.0', sha.get('slurm-26-05-0-1') as string],
      ['25.05.1', sha.get('slurm-25-05-1-1') as string],
      ['24.11.9', 'a'.repeat(64)]
    ])
    const recipe = path.join(root, RECIPE)
    writeFileSync(
      recipe,
      readFileSync(recipe, 'utf8')
        .replace('("@:25.05.1", "2:5")', '("@:25.05.0", "2:5")')
        .replace('("@25.05.2:"', '("@25.05.1:"')
    )
    const { status, out } = check(root, git)
    expect(out).toContain(`FAIL 24.11.9   slurm-24-11-9-1: no tag slurm-24-11-9-1 in ${git}`)
    expect(out).toContain(
      'FAIL 25.05.1   slurm-25-05-1-1: PMIX_BOUNDS gives pmix@2:6, x_ac_pmix.m4 accepts pmix@2:5: edit PMIX_BOUNDS'
    )
    expect(status).toBe(1)
  })

  test('finds the release tagged after the recipe, writes it everywhere with --write, then finds nothing', () => {
    const root = project([
      ['26.05.0', sha.get('slurm-26-05-0-1') as string],
      ['25.05.2', sha.get('slurm-25-05-2-1') as string],
      ['23.11.2', sha.get('slurm-23-11-2-1') as string]
    ])
    const found = check(root, git)
    expect(found.out).toContain('26.05: newer than the recipe: 26.05.1\n')
    expect(found.out).toContain(`new  26.05.1   slurm-26-05-1-1 sha256 ${sha.get('slurm-26-05-1-1')}`)
    for (const series of ['25.11', '25.05', '24.11', '23.11']) {
      expect(found.out).toContain(`${series}: newer than the recipe: none\n`)
    }
    expect(found.out).toContain('tagged but not in SLURM_SERIES (add a series by hand): 26.11')
    expect(found.out).toContain('1 newer release(s): run with --write to add them')
    expect(found.status).toBe(2)

    const written = check(root, git, '--write')
    expect(written.out).toContain('wrote ')
    expect(written.status).toBe(0)
    expect(written.out).toContain(`wrote ${RECIPE}`)
    const recipe = readFileSync(path.join(root, RECIPE), 'utf8')
    expect(recipe).toContain(
      [
        `    version("26.05.1", sha256="${sha.get('slurm-26-05-1-1')}", url=_github("26.05.1"))`,
        `    version("26.05.0", sha256="${sha.get('slurm-26-05-0-1')}", url=_github("26.05.0"))`
      ].join('\n')
    )
    const catalog = readFileSync(path.join(root, 'src', 'catalog.ts'), 'utf8')
    expect(catalog).toContain("export const SLURM_RELEASES = ['26.05.1', '26.05.0', '25.05.2', '23.11.2'] as const")
    const prettier = spawnSync(
      path.join(ROOT, 'node_modules', '.bin', 'prettier'),
      ['--check', '--config', path.join(ROOT, '.prettierrc.json'), 'src/catalog.ts'],
      {
        cwd: root,
        encoding: 'utf8'
      }
    )
    expect(prettier.status).toBe(0)
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8')
    expect(readme).toContain('| 26.05 | 26.05.1, 26.05.0 |\n| 25.11 | (none) |\n| 25.05 | 25.05.2 |')
    const options = readFileSync(path.join(root, OPTIONS, '26.05.txt'), 'utf8')
    expect(options).toContain('# slurm-26-05-0-1, slurm-26-05-1-1.')
    // The intersection: --with-llhttp_parser is only in 26.05.1's configure.
    expect(options).not.toContain('--with-llhttp_parser')
    expect(options).toContain('--enable-slurmrestd\n')

    const again = check(root, git)
    expect(again.out).toContain('every checksum reproduced; nothing newer than the recipe')
    expect(again.status).toBe(0)
  })

  test('a new release whose configure accepts a PMIx the recipe does not give is not written', () => {
    const root = project([
      ['26.05.0', sha.get('slurm-26-05-0-1') as string],
      ['23.11.2', sha.get('slurm-23-11-2-1') as string]
    ])
    const recipe = path.join(root, RECIPE)
    writeFileSync(recipe, readFileSync(recipe, 'utf8').replace('("@25.05.2:", "2:6")', '("@25.05.2:26.05.0", "2:6")'))
    const before = snapshot(root)
    const { status, out } = check(root, git, '--write')
    expect(out).toContain('FAIL 26.05.1   slurm-26-05-1-1: no single PMIX_BOUNDS entry covers 26.05.1')
    expect(status).toBe(1)
    expect(snapshot(root)).toEqual(before)
  })

  test('a git URL is fetched shallowly, tags of the supported series only, with the same result', () => {
    const root = project([
      ['26.05.0', sha.get('slurm-26-05-0-1') as string],
      ['23.11.1', sha.get('slurm-23-11-1-1') as string]
    ])
    const { status, out } = check(root, `file://${git}`)
    expect(out).toContain(`ok   23.11.1   slurm-23-11-1-1 sha256 ${sha.get('slurm-23-11-1-1')} reproduced`)
    expect(out).toContain('26.05: newer than the recipe: 26.05.1\n')
    expect(out).toContain('23.11: newer than the recipe: 23.11.2\n')
    expect(out).not.toContain('26.11')
    expect(status).toBe(2)
  })
  describe('.github/workflows/releases.yml, its steps run with bash', () => {
    type Step = { name?: string; uses?: string; run?: string; if?: string; env?: Record<string, string> }
    const workflow = parse(readFileSync(path.join(ROOT, '.github', 'workflows', 'releases.yml'), 'utf8')) as {
      jobs: { releases: { env: Record<string, string>; steps: Step[] } }
    }
    const job = workflow.jobs.releases
    const step = (name: RegExp): Step => job.steps.find(s => name.test(s.name ?? '')) as Step

    /** A checkout of the project (its own git repository, with a bare origin) and a runner's temp directory. */
    function runner(versions: Array<[string, string]>): {
      checkout: string
      origin: string
      temp: string
      env: NodeJS.ProcessEnv
    } {
      const checkout = project(versions)
      const origin = path.join(path.dirname(checkout), `${path.basename(checkout)}-origin.git`)
      const temp = path.join(path.dirname(checkout), `${path.basename(checkout)}-runner`)
      mkdirSync(path.join(temp, 'bin'), { recursive: true })
      sh('git', ['init', '-q', '--bare', origin], base)
      sh('git', ['init', '-q', '-b', 'main'], checkout)
      sh('git', ['add', '-A'], checkout)
      sh('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'project'], checkout)
      sh('git', ['remote', 'add', 'origin', origin], checkout)
      // The stand-in gh records its arguments and knows of no open pull request.
      writeFileSync(
        path.join(temp, 'bin', 'gh'),
        `#!/bin/sh\nprintf '%s\\n' "$*" >>"${path.join(temp, 'gh.log')}"\n[ "$1 $2" = "pr list" ] && exit 0\nexit 0\n`
      )
      chmodSync(path.join(temp, 'bin', 'gh'), 0o755)
      writeFileSync(path.join(temp, 'output'), '')
      writeFileSync(path.join(temp, 'summary'), '')
      const env = {
        ...process.env,
        ...job.env,
        SCHEDMD_URL: `file://${git}`,
        RUNNER_TEMP: temp,
        GITHUB_OUTPUT: path.join(temp, 'output'),
        GITHUB_STEP_SUMMARY: path.join(temp, 'summary'),
        GH_TOKEN: 'ghs_example',
        PATH: `${path.join(temp, 'bin')}:${process.env.PATH}`
      }
      return { checkout, origin, temp, env }
    }

    /** A step's script the way the runner runs it: bash --noprofile --norc -eo pipefail. */
    function runStep(s: Step, cwd: string, env: NodeJS.ProcessEnv): { status: number | null; out: string } {
      const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', s.run as string], {
        cwd,
        env,
        encoding: 'utf8'
      })
      return { status: result.status, out: `${result.stdout}${result.stderr}` }
    }

    test('a new release: the recipe is written, a branch pushed and a pull request opened', () => {
      const { checkout, origin, temp, env } = runner([
        ['26.05.0', sha.get('slurm-26-05-0-1') as string],
        ['25.05.2', sha.get('slurm-25-05-2-1') as string],
        ['23.11.2', sha.get('slurm-23-11-2-1') as string]
      ])
      const fetched = runStep(step(/^Fetch/), checkout, env)
      expect(fetched.out).toMatch(/\d+ tags fetched/)
      expect(fetched.status).toBe(0)
      const checked = runStep(step(/^Check/), checkout, env)
      expect(checked.out).toContain('new  26.05.1')
      expect(checked.status).toBe(0)
      expect(readFileSync(path.join(temp, 'output'), 'utf8')).toBe('changed=true\n')
      expect(readFileSync(path.join(temp, 'summary'), 'utf8')).toContain('26.05: newer than the recipe: 26.05.1')

      const opened = runStep(step(/pull request/), checkout, env)
      expect(opened.status).toBe(0)
      const log = sh('git', ['--git-dir', origin, 'log', '--format=%s', 'slurm-releases'], base).toString()
      expect(log.split('\n')[0]).toBe('Slurm 26.05.1: add to the recipe and the catalog')
      const pushed = sh('git', ['--git-dir', origin, 'show', `slurm-releases:${RECIPE}`], base).toString()
      expect(pushed).toContain(`version("26.05.1", sha256="${sha.get('slurm-26-05-1-1')}"`)
      const gh = readFileSync(path.join(temp, 'gh.log'), 'utf8').trim().split('\n')
      expect(gh[0]).toMatch(/^pr list --head slurm-releases --state open/)
      expect(gh[1]).toBe(
        `pr create --head slurm-releases --title Slurm 26.05.1: add to the recipe and the catalog --body-file ${path.join(temp, 'pr-body.md')}`
      )
      expect(readFileSync(path.join(temp, 'pr-body.md'), 'utf8')).toContain(
        'SchedMD tagged releases newer than the recipe'
      )
    })

    test('nothing new: no change, so no pull request', () => {
      const { checkout, temp, env } = runner([
        ['26.05.1', sha.get('slurm-26-05-1-1') as string],
        ['25.05.2', sha.get('slurm-25-05-2-1') as string],
        ['23.11.2', sha.get('slurm-23-11-2-1') as string]
      ])
      expect(runStep(step(/^Fetch/), checkout, env).status).toBe(0)
      const checked = runStep(step(/^Check/), checkout, env)
      expect(checked.out).toContain('nothing newer than the recipe')
      expect(checked.status).toBe(0)
      expect(readFileSync(path.join(temp, 'output'), 'utf8')).toBe('changed=false\n')
      expect(step(/pull request/).if).toBe("steps.check.outputs.changed == 'true'")
    })

    test('a checksum git does not reproduce fails the run, annotated, with nothing written', () => {
      const { checkout, temp, env } = runner([
        ['26.05.0', 'f'.repeat(64)],
        ['23.11.2', sha.get('slurm-23-11-2-1') as string]
      ])
      expect(runStep(step(/^Fetch/), checkout, env).status).toBe(0)
      const checked = runStep(step(/^Check/), checkout, env)
      expect(checked.out).toContain('::error::check-releases exited 1')
      expect(checked.status).toBe(1)
      expect(sh('git', ['status', '--porcelain'], checkout).toString()).toBe('')
      expect(existsSync(path.join(temp, 'gh.log'))).toBe(false)
    })
  })
})
