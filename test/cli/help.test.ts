// Every command's --help, as users read it through the real CLI: a one-line purpose, a
// description for every positional and option, two or three examples and the exit codes; and
// across all commands, one meaning per short flag.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Scratch } from './helpers.ts';

const scratch = new Scratch();
test.after(() => scratch.dispose());

interface Entry {
  readonly names: readonly string[];
  readonly described: boolean;
}

/** The sections of a --help text: lines under each "Title:" heading up to the next blank line. */
function sections(help: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const line of help.split('\n')) {
    const heading = /^([A-Z][\w ]*):$/.exec(line);
    if (heading) out.set(heading[1], (current = []));
    else if (line.trim() === '') current = null;
    else current?.push(line);
  }
  return out;
}

/** Option and positional entries: `  -q, --query  the SQL  [string]`; wrapped lines belong to the entry above. */
function entries(lines: readonly string[]): Entry[] {
  const out: Entry[] = [];
  for (const line of lines) {
    const m = /^ {2}(\S+(?:, \S+)*)(?: {2,}(.*))?$/.exec(line);
    if (!m) continue; // a wrapped continuation line
    const rest = (m[2] ?? '').trim();
    out.push({ names: m[1].split(', '), described: rest !== '' && !rest.startsWith('[') });
  }
  return out;
}

function helpOf(path: readonly string[]): string {
  const r = scratch.wshed([...path, '--help']);
  assert.is(r.code, 0, `wshed ${path.join(' ')} --help failed:\n${r.stderr}`);
  return r.stdout;
}

/** Every command, and the actions of every command group, found from --help itself. */
function commands(): string[][] {
  const found: string[][] = [];
  const visit = (path: string[]) => {
    const listed = sections(helpOf(path)).get('Commands') ?? [];
    // `  wshed local start   start the…` names the action after the group's own words.
    const children = listed
      .filter((l) => l.startsWith('  wshed '))
      .map((l) => l.slice(2).split(/ {2,}/)[0].split(' ').filter((w) => !/^[<[]/.test(w))[path.length + 1])
      .filter((c): c is string => !!c);
    for (const name of children) {
      const child = [...path, name];
      found.push(child);
      visit(child);
    }
  };
  visit([]);
  return found;
}

const all = commands();
const helps = new Map(all.map((path) => [path.join(' '), helpOf(path)]));

test('the command list is complete (groups and their actions included)', () => {
  for (const expected of ['plan', 'validate', 'fmt', 'run', 'archive', 'query', 'replay', 'local', 'local start', 'local status', 'put', 'tail', 'serve', 'jobs', 'jobs create', 'jobs list', 'demo']) {
    assert.ok(helps.has(expected), `'${expected}' not found in --help (found: ${[...helps.keys()].join(', ')})`);
  }
});

test('every command has a one-line purpose under its usage line', () => {
  for (const [name, help] of helps) {
    const lines = help.split('\n');
    assert.match(lines[0], new RegExp(`^wshed ${name}\\b`), `${name}: usage line`);
    assert.is(lines[1], '', `${name}: a blank line after the usage`);
    assert.ok(lines[2].length > 10 && lines[3] === '', `${name}: one-line purpose, got ${JSON.stringify(lines.slice(2, 4))}`);
  }
});

test('every positional and option is described, --conf included', () => {
  for (const [name, help] of helps) {
    const s = sections(help);
    const listed = [...entries(s.get('Positionals') ?? []), ...entries(s.get('Options') ?? [])];
    assert.ok(listed.length > 0, `${name}: no options listed`);
    const bare = listed.filter((e) => !e.described).map((e) => e.names.join(', '));
    assert.equal(bare, [], `${name}: undescribed ${bare.join('; ')}`);
    if (listed.some((e) => e.names.includes('--conf'))) assert.match(help, /--conf +JSON file overriding/, `${name}: --conf`);
  }
});

test('every command has two or three examples and its exit codes', () => {
  for (const [name, help] of helps) {
    const s = sections(help);
    const examples = (s.get('Examples') ?? []).filter((l) => /^ {2}\S/.test(l));
    assert.ok(examples.length >= 2 && examples.length <= 3, `${name}: ${examples.length} examples`);
    assert.ok(examples.every((l) => /^ {2}(wshed|\S+=\S+ wshed|cat .*\| wshed)\b/.test(l)), `${name}: examples start with the command: ${examples.join(' / ')}`);
    const exits = s.get('Exit codes') ?? [];
    assert.ok(exits.some((l) => /^ {2}0 {2}\S/.test(l)) && exits.some((l) => /^ {2}[12] {2}\S/.test(l)), `${name}: exit codes ${JSON.stringify(exits)}`);
  }
});

test('one meaning per short flag across all commands', () => {
  const meanings = new Map<string, Map<string, string[]>>();
  for (const [name, help] of helps) {
    for (const e of entries(sections(help).get('Options') ?? [])) {
      const short = e.names.find((n) => /^-[^-]/.test(n));
      const long = e.names.find((n) => n.startsWith('--'));
      if (!short || !long) continue;
      const byLong = meanings.get(short) ?? new Map<string, string[]>();
      byLong.set(long, [...(byLong.get(long) ?? []), name]);
      meanings.set(short, byLong);
    }
  }
  const clashes = [...meanings].filter(([, byLong]) => byLong.size > 1).map(([short, byLong]) => `${short}: ${[...byLong].map(([l, cs]) => `${l} (${cs.join(', ')})`).join(' vs ')}`);
  assert.equal(clashes, []);
  // The original pump client's letters keep their meaning.
  assert.equal([...(meanings.get('-p')?.keys() ?? [])], ['--progress']);
  assert.equal([...(meanings.get('-t')?.keys() ?? [])], ['--summary']);
  assert.equal([...(meanings.get('-q')?.keys() ?? [])], ['--query']);
});

test.run();
