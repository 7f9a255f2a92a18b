// Command line of the relocation audit: node dist/audit.js DIR [options] (see --help)
import { runAuditCli } from './artifact/audit/cli.js'

process.exitCode = await runAuditCli(process.argv.slice(2))
