// Command line of the relocation audit: node dist/audit.js DIR [--build-prefix PATH]... [--warn KIND]... [--json]
import { runAuditCli } from './artifact/audit.js'

process.exitCode = await runAuditCli(process.argv.slice(2))
