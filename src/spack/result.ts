/** What the install produced: the locked slurm spec, its dependencies and its install prefix. */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { locationArgs } from './commands.js'
import { readLock, type LockedBuild } from './lock.js'
import type { SpackRunner } from './runner.js'

export interface BuiltSlurm extends LockedBuild {
  readonly prefix: string
}

export async function readBuild(spack: SpackRunner, envDir: string): Promise<BuiltSlurm> {
  const lock = readLock(readFileSync(path.join(envDir, 'spack.lock'), 'utf8'))
  const location = await spack.run(locationArgs(envDir, lock.root.hash), { silent: true })
  return { ...lock, prefix: location.stdout.trim() }
}
