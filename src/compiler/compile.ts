// compile(): the stages chained — parse (tokens → CST → AST), check (→ model), plan (→ Plan).
// Each stage stays callable on its own; this function only passes values along.

import type { Pipeline } from './ast.ts';
import { check } from './check/index.ts';
import { diagnostic, hasErrors, sortDiagnostics, type Diagnostic } from './diagnostics.ts';
import type { Model } from './model.ts';
import { parse } from './parse.ts';
import { buildPlan } from './plan/build.ts';
import type { Plan } from './plan/types.ts';
import type { SourceFile } from './source.ts';
import { SqlUnsupportedError } from './sql/dialect.ts';
import type { TargetConfig } from './target-config.ts';

export interface CompileOptions {
  readonly config: TargetConfig;
  /** The instant relative times are resolved against (`wshed` passes the current time). */
  readonly now: Date;
}

export interface CompileResult {
  readonly pipeline?: Pipeline;
  readonly model?: Model;
  /** Present only when there are no errors. */
  readonly plan?: Plan;
  readonly diagnostics: readonly Diagnostic[];
}

/** Front half only: parse and check, no target needed (what `wshed validate` runs). */
export function checkSource(source: SourceFile, now: Date): { pipeline: Pipeline; model: Model; diagnostics: Diagnostic[] } {
  const parsed = parse(source);
  const checked = check(parsed.pipeline, { now });
  return { pipeline: parsed.pipeline, model: checked.model, diagnostics: sortDiagnostics([...parsed.diagnostics, ...checked.diagnostics]) };
}

export function compile(source: SourceFile, options: CompileOptions): CompileResult {
  const front = checkSource(source, options.now);
  if (hasErrors(front.diagnostics)) return front;
  let planned: ReturnType<typeof buildPlan>;
  try {
    planned = buildPlan(front.model, options.config, { pipeline: source.path, now: options.now, ...(source.folder !== undefined && { folder: source.folder }) });
  } catch (e) {
    // The checker should have refused whatever a dialect cannot print; if one slips through it is
    // still a coded diagnostic, never a stack trace.
    if (!(e instanceof SqlUnsupportedError)) throw e;
    const unsupported = diagnostic('WS501', { start: 0, end: 0 }, { what: e.feature, target: options.config.target });
    return { ...front, diagnostics: sortDiagnostics([...front.diagnostics, unsupported]) };
  }
  const diagnostics = sortDiagnostics([...front.diagnostics, ...planned.diagnostics]);
  return { ...front, plan: hasErrors(diagnostics) ? undefined : planned.plan, diagnostics };
}
