// Command line of the matrix collector: node dist/collect.js [summary] DIR [--markdown FILE] [--require-success]
// [--require-audit] [--expect N] [--assets OUTDIR], or node dist/collect.js matrix --slurm-versions LIST --compilers LIST
import { runCollectCli } from './collect/cli.js'

process.exitCode = await runCollectCli(process.argv.slice(2))
