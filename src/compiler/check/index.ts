// The checker: AST → checked model. Resolves names, validates values, applies defaults, and
// reports every problem it finds as a coded diagnostic (it never stops at the first).

import type { Pipeline, Statement } from '../ast.ts';
import type { Diagnostic } from '../diagnostics.ts';
import type { Model, QueryModel, ReplayModel, ReservoirModel, StreamModel } from '../model.ts';
import { CheckContext } from './context.ts';
import { checkReplay } from './replays.ts';
import { checkReservoir } from './reservoirs.ts';
import { checkStream } from './streams.ts';

export interface CheckOptions {
  /** The instant `now` and `7d ago` are resolved against. */
  readonly now: Date;
}

export function check(pipeline: Pipeline, options: CheckOptions): { model: Model; diagnostics: Diagnostic[] } {
  const ctx = new CheckContext(options.now);
  const of = <K extends Statement['kind']>(kind: K) => pipeline.statements.filter((s): s is Extract<Statement, { kind: K }> => s.kind === kind);

  reportDuplicateNames(ctx, of('stream'), 'stream');
  reportDuplicateNames(ctx, of('reservoir'), 'reservoir');
  reportDuplicateNames(ctx, of('query'), 'query');
  reportDuplicateNames(ctx, of('replay').filter((r) => r.name), 'replay');

  const streams = new Map<string, StreamModel>();
  for (const decl of of('stream')) {
    const model = checkStream(ctx, decl);
    if (!streams.has(model.name)) streams.set(model.name, model);
  }
  const misspelled = (kind: 'stream' | 'reservoir') => (pipeline.misspelled ?? []).filter((m) => m.kind === kind).map((m) => m.name.text);
  // A name declared under a misspelled keyword (WS105) counts as declared: its uses are no new mistakes.
  const streamNames = new Set([...of('stream').map((s) => s.name.text), ...misspelled('stream')]);

  const reservoirs = new Map<string, ReservoirModel>();
  for (const decl of of('reservoir')) {
    const model = checkReservoir(ctx, decl, streamNames);
    if (model && !reservoirs.has(model.name)) reservoirs.set(model.name, model);
  }
  const reservoirNames = [...new Set([...of('reservoir').map((r) => r.name.text), ...misspelled('reservoir')])];

  // Maps and sets, not list searches: a file of thousands of statements stays linear.
  const queries = new Map<string, QueryModel>();
  for (const decl of of('query')) {
    if (decl.sql.value.trim() === '') ctx.report('WS313', decl.sql.span, { name: decl.name.text });
    else if (!queries.has(decl.name.text)) queries.set(decl.name.text, { name: decl.name.text, sql: decl.sql.value, span: decl.span });
  }

  const replays = new Map<string, ReplayModel>();
  const usedNames = new Set(of('replay').flatMap((r) => (r.name ? [r.name.text] : [])));
  const nextSuffix = new Map<string, number>();
  for (const decl of of('replay')) {
    const checked = checkReplay(ctx, decl, { streams, streamNames, reservoirs, reservoirNames });
    if (!checked) continue;
    const name = decl.name?.text ?? derivedName(`${checked.reservoir}-to-${checked.into}`, usedNames, nextSuffix);
    if (!replays.has(name)) replays.set(name, { name, ...checked });
  }

  return {
    model: { streams: [...streams.values()], reservoirs: [...reservoirs.values()], queries: [...queries.values()], replays: [...replays.values()] },
    diagnostics: ctx.diagnostics,
  };
}

function reportDuplicateNames(ctx: CheckContext, decls: readonly { name?: { text: string; span: { start: number; end: number } } }[], what: string): void {
  const seen = new Set<string>();
  for (const d of decls) {
    if (!d.name) continue;
    if (seen.has(d.name.text)) ctx.report('WS203', d.name.span, { what, name: d.name.text }, [`names of each kind must be unique: rename one of them`]);
    seen.add(d.name.text);
  }
}

/** A stable name for an unnamed replay: `<reservoir>-to-<into>`, suffixed `-2`, `-3` on repeats. */
function derivedName(base: string, used: Set<string>, nextSuffix: Map<string, number>): string {
  let name = base;
  // Resume each base's suffixes where the last one stopped, so n unnamed replays cost n steps, not n².
  let i = nextSuffix.get(base) ?? 2;
  if (used.has(name)) for (; used.has((name = `${base}-${i}`)); i++);
  nextSuffix.set(base, i);
  used.add(name);
  return name;
}
