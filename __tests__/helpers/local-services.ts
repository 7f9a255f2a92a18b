/**
 * Local cache and artifact services for one test file that calls the toolkit in its own process: started before the
 * file's tests, with this process's environment pointed at them (and at a temporary workspace), and closed after.
 */
import { afterAll, beforeAll } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { applyEnv, startServices, type Services, type ServicesOptions } from '../services/index.js'

export interface LocalServices {
  readonly services: Services
  /** The temporary workspace, removed after the file's tests. */
  readonly root: string
}

export function useLocalServices(options: ServicesOptions): LocalServices {
  const root = mkdtempSync(path.join(tmpdir(), 'services-'))
  let services: Services | undefined
  let restoreEnv: () => void = () => undefined
  beforeAll(async () => {
    services = await startServices(options)
    restoreEnv = applyEnv({ ...services.env, GITHUB_WORKSPACE: root })
  })
  afterAll(async () => {
    restoreEnv()
    await services?.close()
    rmSync(root, { recursive: true, force: true })
  })
  return {
    root,
    get services(): Services {
      if (!services) throw new Error('the local services start before the tests')
      return services
    }
  }
}
