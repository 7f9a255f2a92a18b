// Command line of the matrix collector: node dist/collect.js [summary] DIR [--markdown FILE] [--require-success]
// [--require-audit] [--expect N] [--assets OUTDIR], or node dist/collect.js matrix --compilers LIST [--slurm-versions
// LIST] [--leave-out outermost] [--extra-cells LIST] (see USAGE in src/collect/cli.ts)
import { runCollectCli } from './collect/cli.js'

process.exitCode = await runCollectCli(process.argv.slice(2))
