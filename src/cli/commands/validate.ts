// `wshed validate FILE...`: exit 0 when every file compiles for the target, 2 otherwise (for CI).

import type { Argv } from 'yargs';
import { compile } from '../../compiler/compile.ts';
import { hasErrors } from '../../compiler/diagnostics.ts';
import { EXIT, loadTargetConfig, readSource, report } from '../io.ts';
import { targetOptions, type TargetArgs } from './plan.ts';
import { withHelp } from '../help.ts';

export const validateCommand = {
  command: 'validate <files..>',
  describe: 'check pipeline files; exit 2 when any has an error',
  builder: (y: Argv) => withHelp(targetOptions(y), 'validate').positional('files', { type: 'string', array: true, demandOption: true, describe: 'pipeline files (.wshed) to check' }),
  handler: (argv: { files: string[] } & TargetArgs) => {
    const config = loadTargetConfig(argv.target, argv.conf);
    const now = new Date();
    let invalid = 0;
    for (const file of argv.files) {
      const source = readSource(file);
      const result = compile(source, { config, now });
      report(source, result.diagnostics);
      if (hasErrors(result.diagnostics)) invalid++;
      else process.stdout.write(`${file}: ok\n`);
    }
    if (invalid > 0) process.exitCode = EXIT.invalid;
  },
};
