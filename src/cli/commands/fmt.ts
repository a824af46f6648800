// `wshed fmt FILE...`: rewrites files in canonical form (comments kept); `--check` changes
// nothing and prints the unified diff it would apply.

import { writeFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { checkSource } from '../../compiler/compile.ts';
import { hasErrors } from '../../compiler/diagnostics.ts';
import { formatPipeline } from '../../compiler/format/pipeline.ts';
import { plural } from '../../compiler/format-numbers.ts';
import { EXIT, readSource, report } from '../io.ts';
import { unifiedDiff } from '../unified-diff.ts';
import { withHelp } from '../help.ts';

export const fmtCommand = {
  command: 'fmt <files..>',
  describe: 'rewrite pipeline files in canonical form',
  builder: (y: Argv) =>
    withHelp(y, 'fmt')
      .positional('files', { type: 'string', array: true, demandOption: true, describe: 'pipeline files (.wshed) to format' })
      .option('check', { type: 'boolean', default: false, describe: 'change nothing; print the diff it would apply and exit 1 when a file is not formatted' }),
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
      if (argv.check) process.stdout.write(unifiedDiff(file, source.text, formatted));
      else {
        writeFileSync(file, formatted);
        process.stdout.write(`${file}: formatted\n`);
      }
    }
    if (argv.check && unformatted > 0) {
      const files = argv.files.length === 1 ? argv.files[0] : '...';
      process.stderr.write(`${plural(unformatted, 'file')} not formatted (the diff above is what 'wshed fmt ${files}' would change)\n`);
    }
    if (invalid > 0) process.exitCode = EXIT.invalid;
    else if (argv.check && unformatted > 0) process.exitCode = EXIT.failed;
  },
};
