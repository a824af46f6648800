// `wshed fmt FILE...`: rewrites files in canonical form (comments kept); `--check` only reports.

import { writeFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { checkSource } from '../../compiler/compile.ts';
import { hasErrors } from '../../compiler/diagnostics.ts';
import { formatPipeline } from '../../compiler/format/pipeline.ts';
import { EXIT, readSource, report } from '../io.ts';
import { withHelp } from '../help.ts';

export const fmtCommand = {
  command: 'fmt <files..>',
  describe: 'rewrite pipeline files in canonical form',
  builder: (y: Argv) =>
    withHelp(y, 'fmt')
      .positional('files', { type: 'string', array: true, demandOption: true, describe: 'pipeline files (.wshed) to format' })
      .option('check', { type: 'boolean', default: false, describe: 'change nothing; exit 1 when a file is not formatted' }),
  handler: (argv: { files: string[]; check: boolean }) => {
    let unformatted = 0;
    let invalid = 0;
    for (const file of argv.files) {
      const source = readSource(file);
      // A file with errors is left alone: formatting it could drop what the parser skipped.
      const { pipeline, diagnostics } = checkSource(source, new Date());
      if (hasErrors(diagnostics)) {
        report(source, diagnostics);
        invalid++;
        continue;
      }
      const formatted = formatPipeline(pipeline, source.text);
      if (formatted === source.text) continue;
      unformatted++;
      if (argv.check) process.stdout.write(`${file}: not formatted\n`);
      else {
        writeFileSync(file, formatted);
        process.stdout.write(`${file}: formatted\n`);
      }
    }
    if (invalid > 0) process.exitCode = EXIT.invalid;
    else if (argv.check && unformatted > 0) process.exitCode = EXIT.failed;
  },
};
