/** The tarball's layout: its names, and the docs that spell them out for the people who unpack it. */
import { describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import {
  archiveSuffix,
  MANIFEST_FILE,
  moduleFile,
  MODULE_NAME,
  MODULES_DIR,
  SLURM_CONF,
  STANDARD_DIRS,
  SUMS_FILE,
  tarballName,
  topDirectory,
  TREE_RECORDS
} from '../../src/artifact/layout.js'

const example = topDirectory({ slurmVersion: '25.11.6', gccVersion: '13.3.0', target: 'x86_64_v3' })

describe('the tarball layout', () => {
  test('names the top directory, the tarball and the module file', () => {
    expect(example).toBe('slurm-25.11.6-gcc13.3.0-x86_64_v3')
    expect(tarballName(example, 'zstd')).toBe('slurm-25.11.6-gcc13.3.0-x86_64_v3.tar.zst')
    expect(tarballName(example, 'gzip')).toBe(`${example}${archiveSuffix('gzip')}`)
    expect(moduleFile('lmod', '25.11.6')).toBe('modules/slurm/25.11.6.lua')
    expect(moduleFile('tcl', '25.11.6')).toBe('modules/slurm/25.11.6')
    expect(moduleFile('none', '25.11.6')).toBeNull()
    expect(TREE_RECORDS).toEqual([MANIFEST_FILE, SUMS_FILE])
    expect(STANDARD_DIRS).toEqual(expect.arrayContaining([MODULES_DIR, SLURM_CONF.split('/')[0]]))
  })

  // The docs are prose: each place that tells a person where a file of the tarball is must say what this module says.
  describe.each(['README.md', 'docs/install.md'])('%s', file => {
    const text = readFileSync(file, 'utf8')

    test('names the tarball and its top directory as the layout does', () => {
      expect(text).toContain(tarballName(example, 'zstd'))
      expect(text).toMatch(new RegExp(`cd \\S*/${example} && sha256sum -c|cd \\S*/${example}\\n`))
    })

    test(`checks ${SUMS_FILE} and loads the module from ${MODULES_DIR}/`, () => {
      expect(text).toContain(`sha256sum -c`)
      expect(text).toContain(SUMS_FILE)
      expect(text).toContain(MANIFEST_FILE)
      expect(text).toMatch(new RegExp(`module use \\S*/${example}/${MODULES_DIR}\\b`))
      expect(text).toMatch(new RegExp(`module load ${MODULE_NAME}\\b`))
    })
  })

  test(`docs/install.md says where the module points SLURM_CONF (<prefix>/${SLURM_CONF})`, () => {
    expect(readFileSync('docs/install.md', 'utf8')).toContain(`\`<prefix>/${SLURM_CONF}\``)
  })
})
