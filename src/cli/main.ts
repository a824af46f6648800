// The `wshed` command line: parses arguments with yargs and dispatches to one module a command.
// User mistakes end with one line and exit code 2, failures of the outside world with one coded
// line and exit code 1; only bugs show a stack trace.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { archiveCommand } from './commands/archive.ts';
import { demoCommand } from './commands/demo.ts';
import { fmtCommand } from './commands/fmt.ts';
import { jobsCommand } from './commands/jobs.ts';
import { localCommand } from './commands/local.ts';
import { clusterCommand } from './commands/cluster.ts';
import { putCommand } from './commands/put.ts';
import { replayCommand } from './commands/replay.ts';
import { queryCommand } from './commands/query.ts';
import { runCommand } from './commands/run.ts';
import { serveCommand } from './commands/serve.ts';
import { tailCommand } from './commands/tail.ts';
import { planCommand } from './commands/plan.ts';
import { validateCommand } from './commands/validate.ts';
import { RuntimeError } from '../runtime/runtime-error.ts';
import { printableLines } from '../runtime/printable-text.ts';
import { worldFailure } from '../runtime/world-failure.ts';
import { usageMistake } from './help.ts';
import { EXIT, PACKAGE_ROOT, UsageError } from './io.ts';

const version = (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

export async function main(args: string[]): Promise<void> {
  try {
    await yargs(args)
      .scriptName('wshed')
      .usage('$0 <command> [options]\n\nDrain Kinesis streams into a reservoir, query them with SQL, replay them back.')
      .command(planCommand)
      .command(validateCommand)
      .command(fmtCommand)
      .command(runCommand)
      .command(archiveCommand)
      .command(queryCommand)
      .command(replayCommand)
      .command(localCommand)
      .command(clusterCommand)
      .command(putCommand)
      .command(serveCommand)
      .command(jobsCommand)
      .command(demoCommand)
      .command(tailCommand)
      .demandCommand(1)
      .strict()
      .version(version)
      .help()
      .wrap(Math.min(110, process.stdout.columns ?? 100))
      .fail((msg, err, usage) => {
        if (err) throw err;
        process.stderr.write(usageMistake(msg, usage as unknown as Parameters<typeof usageMistake>[1], args) + '\n');
        process.exit(EXIT.invalid);
      })
      .parseAsync();
  } catch (e) {
    // The reader went away (`wshed query … | head`): what it wanted was written; that is success.
    if (readerClosed(e)) return;
    if (e instanceof UsageError) {
      // Messages quote input lines and records (JSON.parse and DuckDB do): never raw control characters.
      process.stderr.write(`wshed: ${printableLines(e.message)}\n`);
      process.exitCode = EXIT.invalid;
      return;
    }
    // A failure of the outside world (disk full, service gone, permission refused) is one line too.
    const failure = e instanceof RuntimeError ? e : worldFailure(e);
    if (failure) {
      process.stderr.write(`wshed: error[${failure.code}]: ${printableLines(failure.message)}\n  = fix: ${failure.fix}\n`);
      process.exitCode = EXIT.failed;
      return;
    }
    throw e;
  }
}

// Without a listener a closed pipe would surface as an unhandled 'error' event with a stack.
let stdoutReaderGone = false;
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  stdoutReaderGone = true;
});

/** Standard output's reader closed the pipe, and this error is a write's failure because of it. */
function readerClosed(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return stdoutReaderGone && (code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED');
}

await main(hideBin(process.argv));
