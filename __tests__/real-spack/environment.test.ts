/** Real Spack accepts every environment the action renders: `spack -e <dir> config get` validates it against the schema. */
import { expect, test } from '@jest/globals'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseInputs } from '../../src/inputs.js'
import { compilerEnvironmentYaml, environmentYaml } from '../../src/spack/environment.js'
import { layoutUnder } from '../../src/work.js'
import { createSpackRunner } from '../../src/spack/runner.js'
import { describeWithSpack, isolatedSpackEnv } from '../helpers/real-spack.js'

const requests: Array<Record<string, string>> = [
  {},
  { 'slurm-version': '23.11', variants: '~rest +pam sysconfdir=/etc/slurm', modules: 'tcl' },
  { 'slurm-version': '26.05', modules: 'none', target: 'zen3' },
  {
    'buildcache-mirrors': 'https://cache.example.org/slurm\noci://ghcr.io/org/cache\ns3://bucket/path',
    'buildcache-push': 'oci://ghcr.io/org/cache',
    unsigned: 'true'
  },
  {
    offline: 'true',
    'buildcache-mirrors': 'file:///srv/mirror',
    'spack-config':
      'packages:\n  munge:\n    buildable: false\n    externals:\n    - spec: munge@0.5.15\n      prefix: /usr\nconfig:\n  connect_timeout: 5\n'
  },
  { 'spack-config': 'mirrors::\n  site: file:///srv/mirror\nconcretizer:\n  reuse: false\n' }
]

describeWithSpack('real Spack accepts the rendered environments', spackRoot => {
  test('every request of the table, and the compiler environment, passes `spack config get`', async () => {
    const spack = createSpackRunner(path.join(spackRoot, 'bin', 'spack'), isolatedSpackEnv(spackRoot))
    const root = mkdtempSync(path.join(tmpdir(), 'render-'))
    let index = 0
    for (const inputs of requests) {
      const request = parseInputs(name => inputs[name] ?? '', {
        workspace: root,
        actionPath: path.resolve('.'),
        cpus: 2
      })
      const layout = layoutUnder(path.join(root, String(index++)))
      const rendered = {
        request,
        gccVersion: '13.3.0',
        repoPath: path.resolve('spack-repo/spack_repo/slurm_factory'),
        repoNamespace: 'slurm_factory',
        layout
      }
      for (const [dir, text] of [
        [layout.envDir, environmentYaml(rendered)],
        [layout.compilerEnvDir, compilerEnvironmentYaml(rendered)]
      ] as const) {
        mkdirSync(dir, { recursive: true })
        writeFileSync(path.join(dir, 'spack.yaml'), text)
        const result = await spack.run(['-e', dir, 'config', 'get'], { silent: true, allowFailure: true })
        expect({ inputs, dir, exitCode: result.exitCode, stderr: result.stderr.trim() }).toEqual({
          inputs,
          dir,
          exitCode: 0,
          stderr: ''
        })
      }
    }
  }, 600_000)
})
