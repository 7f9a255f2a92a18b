/**
 * The shape the developer guide asks of the code, checked: every file of src/ under about 350 lines, every function
 * under about 60 unless its doc comment says why it is longer ("Long because ..."), main.ts the list of phases, and a
 * test file beside each module.
 */
import { describe, expect, test } from '@jest/globals'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import ts from 'typescript'

const MAX_FILE_LINES = 360
const MAX_FUNCTION_LINES = 60

/** Files the rule does not hold for yet, each with the reason. */
const EXCEPTIONS: Readonly<Record<string, string>> = {}

/** Modules without a test file of their own, and the tests that exercise them. */
const TESTED_ELSEWHERE: Readonly<Record<string, string>> = {
  'src/index.ts': 'dist.test.ts (entry point)',
  'src/post.ts': 'dist.test.ts (entry point)',
  'src/audit-cli.ts': 'dist.test.ts (entry point)',
  'src/collect-cli.ts': 'dist.test.ts, workflows.test.ts (entry point)',
  'src/catalog.ts': 'inputs.test.ts, spack-repo.test.ts, workflows.test.ts (data)',
  'src/retry.ts': 'spack/provision.test.ts',
  'src/slurm-releases.ts': 'inputs.test.ts, collect/matrix.test.ts',
  'src/artifact/artifact.ts': 'action-install.test.ts, spack/install.test.ts',
  'src/artifact/audit/cli.ts': 'artifact/audit.test.ts (runAuditCli), dist.test.ts',
  'src/artifact/audit/needed.ts': 'artifact/audit.test.ts',
  'src/artifact/audit/search-path.ts': 'artifact/audit.test.ts',
  'src/artifact/audit/system-dirs.ts': 'artifact/audit.test.ts (readLdSoConf, defaults)',
  'src/artifact/build-paths.ts': 'artifact/relocate.test.ts',
  'src/artifact/elf-ranges.ts': 'artifact/elf.test.ts (program data)',
  'src/artifact/checksums.ts': 'artifact/manifest.test.ts, artifact/pack.test.ts',
  'src/artifact/elf-structures.ts': 'artifact/elf.test.ts',
  'src/artifact/relocate-text.ts': 'artifact/relocate.test.ts',
  'src/cache/budget.ts': 'cache/service.test.ts, action-cache.test.ts',
  'src/cache/toolkit-log.ts': 'cache/build-cache.test.ts, action-cache.test.ts (the real toolkit)',
  'src/inputs/buildcache.ts': 'inputs.test.ts',
  'src/inputs/fields.ts': 'inputs.test.ts',
  'src/inputs/job.ts': 'inputs.test.ts',
  'src/inputs/names.ts': 'contract.test.ts',
  'src/inputs/request.ts': 'inputs.test.ts (types)',
  'src/inputs/slurm.ts': 'inputs.test.ts',
  'src/inputs/spack.ts': 'inputs.test.ts',
  'src/inputs/stage.ts': 'inputs.test.ts, action-dependencies.test.ts',
  'src/cache/kept-locks.ts': 'action-dependencies.test.ts',
  'src/phases/artifact.ts': 'plan.test.ts, action-install.test.ts',
  'src/phases/build-cache.ts': 'plan.test.ts, action-cache.test.ts, main.test.ts',
  'src/phases/environment.ts': 'plan.test.ts, action-install.test.ts',
  'src/phases/install.ts': 'plan.test.ts, action-install.test.ts, action-upload.test.ts',
  'src/phases/installed.ts': 'plan.test.ts, main.test.ts',
  'src/phases/mirror-check.ts': 'plan.test.ts, spack/mirror-check.test.ts, real-spack/oci-registry.test.ts',
  'src/phases/package-index.ts': 'plan.test.ts, action-cache.test.ts',
  'src/phases/provision.ts': 'plan.test.ts, main.test.ts',
  'src/phases/push.ts': 'plan.test.ts, action-push.test.ts',
  'src/phases/recipe-check.ts': 'plan.test.ts, spack/recipe-check.test.ts',
  'src/phases/repository.ts': 'plan.test.ts',
  'src/phases/runner-check.ts': 'plan.test.ts, action-offline.test.ts',
  'src/phases/trust-keys.ts': 'action-push.test.ts',
  'src/phases/upload.ts': 'plan.test.ts, action-upload.test.ts',
  'src/spack/lock.ts': 'spack/install.test.ts',
  'src/spack/mirror-check-oci.ts': 'spack/mirror-check.test.ts, real-spack/oci-registry.test.ts',
  'src/spack/mirror-probe.ts': 'spack/mirror-check.test.ts',
  'src/spack/mirror-problems.ts': 'spack/mirror-check.test.ts',
  'src/spack/offline.ts': 'action-offline.test.ts',
  'src/spack/prepare.ts': 'action-install.test.ts, real-spack/environment.test.ts',
  'src/spack/result.ts': 'action-install.test.ts',
  'src/spack/tool-cache.ts': 'spack/provision.test.ts, spack/tree-hash.test.ts'
}

function sources(dir = 'src'): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const full = path.join(dir, entry.name)
    return entry.isDirectory() ? sources(full) : entry.name.endsWith('.ts') ? [full] : []
  })
}

interface FunctionLength {
  readonly where: string
  readonly lines: number
  readonly explained: boolean
}

/** Every function, method and arrow function of `text`, with its length and whether its doc comment says why it is long. */
export function functionLengths(file: string, text: string): FunctionLength[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const found: FunctionLength[] = []
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart()).line
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line
      const holder = ts.isVariableDeclaration(node.parent) ? node.parent.parent.parent : node
      const docs = ts.getLeadingCommentRanges(text, holder.getFullStart()) ?? []
      const explained = docs.some(range => /Long because /.test(text.slice(range.pos, range.end)))
      found.push({ where: `${file}:${start + 1}`, lines: end - start + 1, explained })
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

describe('the shape of src/', () => {
  const files = sources()

  test(`no file over ${MAX_FILE_LINES} lines`, () => {
    const long = files
      .filter(file => !(file in EXCEPTIONS))
      .map(file => ({ file, lines: readFileSync(file, 'utf8').split('\n').length }))
      .filter(({ lines }) => lines > MAX_FILE_LINES)
    expect(long).toEqual([])
  })

  test(`no function over ${MAX_FUNCTION_LINES} lines without a reason at its top`, () => {
    const long = files
      .filter(file => !(file in EXCEPTIONS))
      .flatMap(file => functionLengths(file, readFileSync(file, 'utf8')))
      .filter(fn => fn.lines > MAX_FUNCTION_LINES && !fn.explained)
    expect(long).toEqual([])
  })

  test('the checks see a long function, and its reason', () => {
    const body = Array.from({ length: 70 }, (_, i) => `  const v${i} = ${i}`).join('\n')
    expect(functionLengths('x.ts', `function f(): void {\n${body}\n}\n`)).toEqual([
      { where: 'x.ts:1', lines: 72, explained: false }
    ])
    const explained = `/** Long because each line is a case of its own. */\nconst f = (): void => {\n${body}\n}\n`
    expect(functionLengths('x.ts', explained)[0]?.explained).toBe(true)
  })

  test('every exception is still needed', () => {
    for (const file of Object.keys(EXCEPTIONS)) {
      const text = readFileSync(file, 'utf8')
      const long = functionLengths(file, text).some(fn => fn.lines > MAX_FUNCTION_LINES && !fn.explained)
      expect(`${file}: ${text.split('\n').length > MAX_FILE_LINES || long}`).toBe(`${file}: true`)
    }
  })

  test('every module of src/ has a test file at the same place under __tests__/, or says where it is tested', () => {
    const untested = files.filter(
      file => !existsSync(file.replace(/^src\//, '__tests__/').replace(/\.ts$/, '.test.ts'))
    )
    expect(untested.sort()).toEqual(Object.keys(TESTED_ELSEWHERE).sort())
  })

  test('every source path the docs name exists', () => {
    const docs = ['README.md', 'DEVELOPERS.md', ...readdirSync('docs').map(name => path.join('docs', name))]
    const missing = docs.flatMap(doc =>
      [...readFileSync(doc, 'utf8').matchAll(/`(src\/[\w./-]+)`/g)]
        .map(match => (match[1] as string).replace(/\/$/, ''))
        .filter(named => !existsSync(named))
        .map(named => `${doc}: ${named}`)
    )
    expect(missing).toEqual([])
  })
})
