import { statSync } from 'node:fs';
import { r as readTreeRecord, a as auditTree, f as formatReport, A as AUDIT_PROBLEM_KINDS } from './lib/relocation-record.js';
import 'node:path';
import 'node:perf_hooks';
import './lib/layout.js';

/**
 * The audit's command line (`node dist/audit.js DIR ...`). By default it audits an unpacked artifact against its
 * own record: the build prefixes and run-time resolved paths manifest.json's `relocation` section names (or the
 * recipe's record, share/slurm-factory/resolved-paths.json), plus what the options add.
 */
const USAGE = `usage: audit DIR [--build-prefix PATH]... [--resolved PATH]... [--warn KIND]... [--no-record] [--verbose] [--json]

Audits the install tree DIR for relocation problems and exits 0 when there are none (warnings allowed),
1 when there are problems, 2 on usage errors. Unless --no-record is given, the build prefixes and the paths
resolved at run time that DIR's manifest.json (relocation section) records are used too.

  --build-prefix PATH  report files naming PATH (repeatable), e.g. the Spack install tree root
  --resolved PATH      a path relative to DIR that the programs resolve at run time (repeatable)
  --warn KIND          report problems of KIND as warnings (repeatable); kinds:
                       ${AUDIT_PROBLEM_KINDS.join(', ')}
  --no-record          ignore DIR's own record (manifest.json, share/slurm-factory/resolved-paths.json)
  --verbose            list every warning instead of a summary by kind
  --json               print the report as JSON
  -h, --help           print this help`;
const defaultIo = {
    out: text => void process.stdout.write(text),
    err: text => void process.stderr.write(text)
};
const FLAGS = { '--json': 'json', '--verbose': 'verbose', '--no-record': 'no-record' };
/** Parses `argv`; a string is a usage error's message. */
function parseArgs(argv) {
    const args = { buildPrefixes: [], resolved: [], warningKinds: [], flags: new Set() };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
        const name = eq > 0 ? arg.slice(0, eq) : arg;
        const takeValue = () => (eq > 0 ? arg.slice(eq + 1) : argv[++i]);
        if (name === '-h' || name === '--help')
            return 'help';
        if (name in FLAGS) {
            if (eq > 0)
                return `${name} takes no value (got '${arg}')`;
            args.flags.add(FLAGS[name]);
        }
        else if (name === '--build-prefix' || name === '--resolved') {
            const v = takeValue();
            if (v === undefined || v === '' || v.startsWith('--'))
                return `${name} needs a PATH`;
            (name === '--build-prefix' ? args.buildPrefixes : args.resolved).push(v);
        }
        else if (name === '--warn') {
            const v = takeValue();
            if (v === undefined || v === '')
                return '--warn needs a KIND';
            if (!AUDIT_PROBLEM_KINDS.includes(v))
                return `--warn: unknown problem kind '${v}'`;
            args.warningKinds.push(v);
        }
        else if (arg.startsWith('-') && arg !== '-') {
            return `unknown option '${arg}'`;
        }
        else if (args.dir === undefined) {
            args.dir = arg;
        }
        else {
            return `unexpected argument '${arg}' (DIR is already '${args.dir}')`;
        }
    }
    return args;
}
/** The audit command line (`argv` without node and the script). Resolves to the exit code: 0 ok, 1 problems, 2 usage. */
async function runAuditCli(argv, io = defaultIo) {
    const usageError = (message) => {
        io.err(`audit: ${message}\n${USAGE}\n`);
        return 2;
    };
    const args = parseArgs(argv);
    if (args === 'help') {
        io.out(`${USAGE}\n`);
        return 0;
    }
    if (typeof args === 'string')
        return usageError(args);
    const dir = args.dir;
    if (dir === undefined)
        return usageError('missing DIR argument');
    if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory())
        return usageError(`DIR '${dir}' is not a directory`);
    let record = { buildPrefixes: [], resolvedAtRunTime: [] };
    if (!args.flags.has('no-record')) {
        try {
            record = readTreeRecord(dir);
        }
        catch (error) {
            return usageError(`DIR's record can't be read: ${error instanceof Error ? error.message : String(error)}`);
        }
    }
    const report = await auditTree(dir, {
        buildPrefixes: [...record.buildPrefixes, ...args.buildPrefixes],
        resolvedAtRunTime: [...record.resolvedAtRunTime, ...args.resolved],
        warningKinds: args.warningKinds
    });
    io.out(`${args.flags.has('json') ? JSON.stringify(report, null, 2) : formatReport(report, { verbose: args.flags.has('verbose') })}\n`);
    return report.ok ? 0 : 1;
}

// Command line of the relocation audit: node dist/audit.js DIR [options] (see --help)
process.exitCode = await runAuditCli(process.argv.slice(2));
