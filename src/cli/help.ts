// What every command's --help and every usage mistake share: examples and exit codes under each
// command's options, and one-line answers to mistakes (a did-you-mean for an unknown flag or
// command, the actions of a command group) that point to that command's --help.

import type { Argv } from 'yargs';
import { closest } from '../compiler/suggest.ts';
import { COMMAND_HELP, type HelpedCommand } from './command-help.ts';

export interface CommandHelp {
  /** Two or three: [the command line, what it does]. */
  readonly examples: readonly (readonly [string, string])[];
  /** Exit codes beyond the shared three, or other words for them, by code. */
  readonly exits?: Readonly<Record<number, string>>;
}

const EXIT_WORDS: Readonly<Record<number, string>> = { 0: 'success', 1: 'a failure (of the service, the disk, the network)', 2: 'invalid input (a flag, a file, a pipeline with errors)' };

/** Adds the examples and the "Exit codes" epilogue to a command's --help (by its COMMAND_HELP name). */
export function withHelp<T>(y: Argv<T>, name: HelpedCommand | CommandHelp): Argv<T> {
  const help: CommandHelp = typeof name === 'string' ? COMMAND_HELP[name] : name;
  for (const [command, what] of help.examples) y.example(command, what);
  const exits = { ...EXIT_WORDS, ...help.exits };
  const lines = Object.entries(exits).map(([code, what]) => `  ${code}  ${what}`);
  return y.epilogue(`Exit codes:\n${lines.join('\n')}`);
}

/** `--conf`, described the same way everywhere. */
export const CONF_OPTION = { type: 'string', describe: 'JSON file overriding the target settings in conf/<target>.json' } as const;

/** The part of yargs' usage instance the fail handler receives that we read. */
interface UsageView {
  getUsage(): [string, string][];
  getCommands(): [string, string, ...unknown[]][];
  getDescriptions(): Record<string, string | undefined>;
}

/**
 * The message for a usage mistake yargs caught, with the fix: a did-you-mean for an unknown
 * flag or command, the actions when a group's action is missing, and that command's --help.
 */
export function usageMistake(message: string, usage: UsageView, args: readonly string[]): string {
  const command = commandPath(usage);
  const help = `see 'wshed${command ? ` ${command}` : ''} --help'`;
  const commands = usage.getCommands().map(([c, describe]) => ({ name: c.split(' ')[0], describe }));
  const unknown = /^Unknown arguments?: (.+)$/.exec(message);
  if (unknown) {
    const words = unknown[1].split(', ');
    // After an unknown command the other words mean nothing: name only the first. yargs names
    // `--dry-rn` twice (also as dryRn): each line is said once.
    const chosen = commands.length > 0 && !words.some((w) => isFlag(w, args)) ? words.slice(0, 1) : words;
    const lines = [...new Set(chosen.map((word) => unknownWord(word, usage, commands.map((c) => c.name), args)))];
    return `${lines.join('\n')}\n${help}`;
  }
  if (/^Not enough non-option arguments: got 0/.test(message) && commands.length > 0) {
    const width = Math.max(...commands.map((c) => c.name.length));
    const list = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.describe}`).join('\n');
    const known = new Set(Object.keys(usage.getDescriptions()));
    const stray = args.filter((a) => a.startsWith('-') && !known.has(a.replace(/^-+/, '').split('=')[0]));
    const strays = stray.map((a) => unknownWord(a.replace(/^-+/, '').split('=')[0], usage, [], args) + '\n').join('');
    return `${strays}wshed${command ? ` ${command}` : ''}: name ${command ? 'an action' : 'a command'}:\n${list}\n${help}`;
  }
  // yargs checks required options before unknown ones: a misspelt required flag is named here.
  const strays = /^Missing required argument/.test(message) ? strayLongFlags(usage, args) : [];
  return `${strays.map((w) => unknownWord(w, usage, [], args) + '\n').join('')}wshed: ${message}\n${help}`;
}

/** `--qury` in the arguments when the command knows no `--qury` (nor `--no-…` of a known one). */
function strayLongFlags(usage: UsageView, args: readonly string[]): string[] {
  const known = new Set(Object.keys(usage.getDescriptions()));
  return args
    .filter((a) => a.startsWith('--') && a.length > 2)
    .map((a) => a.slice(2).split('=')[0])
    .filter((name) => !known.has(name) && !known.has(name.replace(/^no-/, '')));
}

const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** The argument that gave yargs the unknown `word`: `--name[=v]` (or its camelCase), `-x`, or `-xz` for x. */
function flagOf(word: string, args: readonly string[]): string | undefined {
  return args.find((a) => {
    if (a.startsWith('--')) {
      const name = a.slice(2).split('=')[0];
      return name === word || camel(name) === word;
    }
    return a.startsWith('-') && a.length > 1 && (a.slice(1).split('=')[0] === word || (word.length === 1 && a.slice(1).includes(word)));
  });
}
const isFlag = (word: string, args: readonly string[]) => flagOf(word, args) !== undefined;

function unknownWord(word: string, usage: UsageView, commands: readonly string[], args: readonly string[]): string {
  const flag = flagOf(word, args);
  if (flag) {
    const shown = flag.startsWith('--') ? flag.split('=')[0] : `-${word}`;
    const options = Object.keys(usage.getDescriptions()).filter((k) => k !== '$0');
    const near = shown.startsWith('--') ? closest(shown.slice(2), options) : undefined;
    return `wshed: unknown option ${shown}${near ? `; did you mean --${near}?` : ''}`;
  }
  const near = closest(word, commands);
  if (commands.length > 0) return `wshed: unknown ${commandPath(usage) ? 'action' : 'command'} '${word}'${near ? `; did you mean '${near}'?` : ''}`;
  return `wshed: unexpected argument '${word}'`;
}

/** `plan`, `jobs create`: the command the mistake was made in, from its usage line. */
function commandPath(usage: UsageView): string {
  const line = (usage.getUsage()[0]?.[0] ?? '').split('\n')[0];
  return line
    .split(' ')
    .filter((w) => w !== '$0' && !/^[<[]/.test(w))
    .join(' ');
}
