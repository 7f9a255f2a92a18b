import { r as runCollectCli } from './lib/cli.js';
import 'node:fs/promises';
import 'node:path';
import 'node:util';
import './lib/layout.js';
import './lib/core.js';
import 'os';
import 'crypto';
import 'fs';
import 'path';
import 'http';
import 'https';
import 'net';
import 'tls';
import 'events';
import 'assert';
import 'util';
import 'node:assert';
import 'node:net';
import 'node:http';
import 'node:stream';
import 'node:buffer';
import 'node:querystring';
import 'node:events';
import 'node:diagnostics_channel';
import 'node:tls';
import 'node:zlib';
import 'node:perf_hooks';
import 'node:util/types';
import 'node:worker_threads';
import 'node:url';
import 'node:async_hooks';
import 'node:console';
import 'node:dns';
import 'string_decoder';
import 'child_process';
import 'timers';
import 'node:fs';
import 'node:os';
import './lib/contract.js';
import 'process';
import 'buffer';
import 'node:crypto';

// Command line of the matrix collector: node dist/collect.js [summary] DIR [--markdown FILE] [--require-success]
// [--require-audit] [--expect N] [--assets OUTDIR], or node dist/collect.js matrix --compilers LIST [--slurm-versions
// LIST] [--leave-out outermost] [--extra-cells LIST] (see USAGE in src/collect/cli.ts)
process.exitCode = await runCollectCli(process.argv.slice(2));
