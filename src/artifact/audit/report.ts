/**
 * The relocation audit's findings: the kinds of problem, the report, the collector the checks add to, and the
 * human-readable rendering (errors one by one, warnings summarised by kind).
 */

export const AUDIT_PROBLEM_KINDS = [
  'rpath-outside-tree',
  'rpath-system-subdir',
  'rpath-absolute',
  'needed-not-found',
  'interpreter-nonstandard',
  'compiled-path-into-tree',
  'build-prefix-in-text',
  'build-prefix-in-elf',
  'build-prefix-not-loaded',
  'symlink-outside-tree',
  'symlink-absolute',
  'symlink-dangling',
  'elf-corrupt',
  'unreadable'
] as const

export type AuditProblemKind = (typeof AUDIT_PROBLEM_KINDS)[number]
export type AuditSeverity = 'error' | 'warning'

export interface AuditProblem {
  /** Path relative to the audited root, '/'-separated. */
  file: string
  kind: AuditProblemKind
  detail: string
  severity: AuditSeverity
}

export interface AuditReport {
  /** The audited directory, absolute. */
  root: string
  /** Regular files read. */
  filesScanned: number
  elfFiles: number
  textFiles: number
  /** Regular files that are neither ELF nor text (not scanned further). */
  binaryFiles: number
  symlinks: number
  /** Sorted by file, then kind, then detail. */
  problems: AuditProblem[]
  errors: number
  warnings: number
  /** True when no problem has severity 'error'. */
  ok: boolean
  elapsedMs: number
}

/**
 * Kinds that are warnings unless a caller asks otherwise: a RUNPATH into a subdirectory of the system's library
 * directories names a system package the tree was built against (an external), not a relocation mistake; a build
 * path in bytes the loader never maps (debug information, symbol tables) can't be used by the running program.
 */
export const DEFAULT_WARNING_KINDS: readonly AuditProblemKind[] = ['rpath-system-subdir', 'build-prefix-not-loaded']

/** Collects problems once each (same file, kind and detail), with the severity the caller's warning kinds give. */
export class ProblemList {
  readonly problems: AuditProblem[] = []
  private readonly seen = new Set<string>()

  constructor(private readonly warningKinds: ReadonlySet<AuditProblemKind>) {}

  add(file: string, kind: AuditProblemKind, detail: string): void {
    const key = `${file}\0${kind}\0${detail}`
    if (this.seen.has(key)) return
    this.seen.add(key)
    this.problems.push({ file, kind, detail, severity: this.warningKinds.has(kind) ? 'warning' : 'error' })
  }

  /** The problems sorted by file, kind and detail (byte order), for a report that doesn't depend on walk order. */
  sorted(): AuditProblem[] {
    return [...this.problems].sort((a, b) => cmp(a.file, b.file) || cmp(a.kind, b.kind) || cmp(a.detail, b.detail))
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Warnings by kind: how many, in how many files, and one example. */
export function warningSummary(
  report: AuditReport
): Array<{ kind: AuditProblemKind; count: number; files: number; example: AuditProblem }> {
  const byKind = new Map<AuditProblemKind, AuditProblem[]>()
  for (const problem of report.problems) {
    if (problem.severity !== 'warning') continue
    byKind.set(problem.kind, [...(byKind.get(problem.kind) ?? []), problem])
  }
  return [...byKind.entries()]
    .map(([kind, problems]) => ({
      kind,
      count: problems.length,
      files: new Set(problems.map(p => p.file)).size,
      example: problems[0] as AuditProblem
    }))
    .sort((a, b) => b.count - a.count || cmp(a.kind, b.kind))
}

/**
 * A human-readable report: a summary line, every error grouped by file, then the warnings summarised by kind with
 * counts and one example each (`verbose` lists every warning instead).
 */
export function formatReport(report: AuditReport, options: { verbose?: boolean } = {}): string {
  const lines: string[] = []
  lines.push(`Relocation audit of ${report.root}`)
  lines.push(
    `  ${report.filesScanned} files scanned (${report.elfFiles} ELF, ${report.textFiles} text, ` +
      `${report.binaryFiles} other binary), ${report.symlinks} symlinks, in ${report.elapsedMs} ms`
  )
  if (report.problems.length === 0) {
    lines.push('OK: no problems found')
    return lines.join('\n')
  }
  const counts = `${report.errors} error${report.errors === 1 ? '' : 's'}, ${report.warnings} warning${report.warnings === 1 ? '' : 's'}`
  lines.push(report.ok ? `OK with warnings: ${counts}` : `FAILED: ${counts}`)
  const listed = report.problems.filter(p => options.verbose || p.severity === 'error')
  let current = ''
  for (const p of listed) {
    if (p.file !== current) {
      current = p.file
      lines.push('', `  ${p.file}`)
    }
    lines.push(`    ${p.severity === 'error' ? 'error  ' : 'warning'} ${p.kind}: ${p.detail}`)
  }
  if (!options.verbose && report.warnings > 0) {
    lines.push('', '  warnings by kind (--json or --verbose lists each):')
    for (const { kind, count, files, example } of warningSummary(report)) {
      lines.push(
        `    ${kind}: ${count} in ${files} file${files === 1 ? '' : 's'}, e.g. ${example.file}: ${example.detail}`
      )
    }
  }
  return lines.join('\n')
}
