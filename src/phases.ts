/** One log group per phase, and the time each phase took, for the job summary. */
import * as core from '@actions/core'

export interface PhaseTime {
  readonly name: string
  readonly seconds: number
  readonly ok: boolean
}

export class Phases {
  readonly times: PhaseTime[] = []

  async run<T>(name: string, body: () => Promise<T>): Promise<T> {
    const started = Date.now()
    let ok = false
    try {
      const result = await core.group(name, body)
      ok = true
      return result
    } finally {
      this.times.push({ name, seconds: (Date.now() - started) / 1000, ok })
    }
  }
}
