// Usage mistakes through the real CLI: an unknown flag, command or action gets a did-you-mean
// and points to that command's --help; a command or group without its action lists them. Each
// exits 2 without a stack trace and without doing anything.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Scratch } from './helpers.ts';

const scratch = new Scratch();
test.after(() => scratch.dispose());

const mistake = (args: string[]) => {
  const r = scratch.wshed(args);
  assert.is(r.code, 2, `wshed ${args.join(' ')}: ${r.stderr}`);
  assert.is(r.stdout, '');
  assert.not.match(r.stderr, /\n\s+at /);
  return r.stderr;
};

test('an unknown flag gets a did-you-mean and the command\'s --help', () => {
  assert.is(mistake(['plan', 'p.wshed', '--sqll']), "wshed: unknown option --sqll; did you mean --sql?\nsee 'wshed plan --help'\n");
  assert.is(mistake(['query', 'p.wshed', 'SELECT 1', '--formt', 'csv']), "wshed: unknown option --formt; did you mean --format?\nsee 'wshed query --help'\n");
  assert.is(mistake(['plan', 'p.wshed', '--zzzzzz']), "wshed: unknown option --zzzzzz\nsee 'wshed plan --help'\n");
  assert.match(mistake(['jobs', 'create', '--qury', 'SELECT 1', '-s', 'out']), /^wshed: unknown option --qury; did you mean --query\?\n(.*\n)*see 'wshed jobs create --help'\n$/);
  assert.match(mistake(['--hlp']), /^wshed: unknown option --hlp; did you mean --help\?\n/);
  // A kebab-case flag is named once (yargs also reports its camelCase), short flags as typed.
  assert.is(mistake(['replay', 'p.wshed', '--dry-rn']), "wshed: unknown option --dry-rn; did you mean --dry-run?\nsee 'wshed replay --help'\n");
  assert.is(mistake(['plan', 'p.wshed', '-xz']), "wshed: unknown option -x\nwshed: unknown option -z\nsee 'wshed plan --help'\n");
});

test('an unknown command or action gets a did-you-mean', () => {
  assert.is(mistake(['pln', 'p.wshed']), "wshed: unknown command 'pln'; did you mean 'plan'?\nsee 'wshed --help'\n");
  assert.is(mistake(['local', 'sttus']), "wshed: unknown action 'sttus'; did you mean 'status'?\nsee 'wshed local --help'\n");
  assert.match(mistake(['jobs', 'creat']), /^wshed: unknown action 'creat'; did you mean 'create'\?\nsee 'wshed jobs --help'\n$/);
});

test('no command lists the commands; a group without its action lists the actions', () => {
  const none = mistake([]);
  assert.match(none, /^wshed: name a command:\n/);
  for (const c of ['plan', 'run', 'query', 'replay', 'local', 'jobs', 'tail', 'put']) assert.match(none, new RegExp(`\\n  ${c} +\\S`));
  assert.match(mistake(['local']), /^wshed local: name an action:\n  start +\S.*\n  stop +\S.*\n  status +\S.*\nsee 'wshed local --help'\n$/);
});

test.run();
