/** What Spack did, counted from the action's log: what it built, what it extracted, whether it concretized. */
import { readFileSync } from 'node:fs'

export interface SpackWork {
  /** installed without having been extracted from a build cache */
  readonly built: string[]
  readonly extracted: string[]
  /** `[command]... concretize` lines: a concretization the action ran */
  readonly concretizeCommands: string[]
  readonly nothingToConcretize: boolean
  /** "Executing phase" lines: a package going through configure/build/install */
  readonly phasesExecuted: number
}

const ANSI = new RegExp(String.raw`\u001b\[[0-9;]*m`, 'g')

/** Counts one log (the main step and the post step of one run). */
export function countSpackWork(file: string): SpackWork {
  const text = readFileSync(file, 'utf8').replace(ANSI, '')
  const extracted = new Set([...text.matchAll(/==> Extracting (\S+) from binary cache/g)].map(m => m[1] as string))
  const installed = new Set([...text.matchAll(/==> \S+: Successfully installed (\S+)/g)].map(m => m[1] as string))
  const plainInstalling = [...text.matchAll(/==> Installing (\S+)/g)].map(m => m[1] as string)
  const built = new Set([...installed].filter(id => !extracted.has(id)))
  for (const id of plainInstalling) if (!extracted.has(id)) built.add(id)
  const short = (id: string): string => id.replace(/-[a-z0-9]{32}$/, '')
  return {
    built: [...built].map(short),
    extracted: [...extracted].map(short),
    concretizeCommands: text.split('\n').filter(line => /^\[command\].*\sconcretize(\s|$)/.test(line)),
    nothingToConcretize: /nothing to concretize/.test(text),
    phasesExecuted: [...text.matchAll(/Executing phase/g)].length
  }
}
