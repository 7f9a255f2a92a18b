import { r as runAuditCli } from './lib/audit.js';
import 'node:fs';
import 'node:path';
import 'node:perf_hooks';

// Command line of the relocation audit: node dist/audit.js DIR [--build-prefix PATH]... [--warn KIND]... [--json]
process.exitCode = await runAuditCli(process.argv.slice(2));
