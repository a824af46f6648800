// The parse stage: .wshed text → AST (ast.ts) plus every syntax diagnostic in the file.
// Lexing and parsing live in grammar/; this stage turns their output into the compiler's terms.

import type * as C from '../../grammar/cst-types.ts';
import type { IToken } from 'chevrotain';
import { lex } from '../../grammar/lexer.ts';
import { UNTERMINATED } from '../../grammar/tokens.ts';
import { MAX_NESTING, limitNesting } from '../../grammar/nesting.ts';
import { parseTokens } from '../../grammar/parser.ts';
import type { Comment, Pipeline } from './ast.ts';
import { diagnostic, sortDiagnostics, type Diagnostic } from './diagnostics.ts';
import type { SourceFile } from './source.ts';
import { tokenSpan } from './syntax/cst-helpers.ts';
import { AstBuilder } from './syntax/cst-to-ast.ts';
import { lexDiagnostics, resumeOffsets, syntaxDiagnostic, TokenIndex } from './syntax/syntax-diagnostics.ts';

const NESTING_HINTS = ["a long list of conditions needs no nesting: write a or b or c (or x in (...)), and drop parentheses that group nothing"];

export function parse(source: SourceFile): { pipeline: Pipeline; diagnostics: Diagnostic[] } {
  const { text } = source;
  const lexed = lex(text);
  const bounded = limitNesting(lexed.tokens, text);
  const parsed = parseTokens(bounded.tokens);
  const index = new TokenIndex(bounded.tokens);

  const diagnostics: Diagnostic[] = [
    ...lexDiagnostics(lexed.problems, text),
    ...bounded.problems.map((p) => diagnostic('WS110', tokenSpan(p.token), { limit: MAX_NESTING }, NESTING_HINTS)),
    ...withoutStringFallout(parsed.errors.map((e) => syntaxDiagnostic(e, index, text)), bounded.tokens),
  ];
  const builder = new AstBuilder(diagnostics, resumeOffsets(parsed.errors, index, parsed.cst));
  const statements = builder.pipeline((parsed.cst as C.PipelineCstNode).children);
  const comments: Comment[] = lexed.comments.map((t) => ({ text: t.image.slice(1), span: tokenSpan(t) }));

  return {
    pipeline: { statements, comments, misspelled: builder.misspelled, span: { start: 0, end: text.length } },
    diagnostics: sortDiagnostics(withoutSwallowedBraces(diagnostics, text)),
  };
}

/**
 * An unterminated string swallows the rest of its line (a closing `>` or `)`, the next clause),
 * so the parser then stumbles on the first token after it: that WS101 is the same mistake, and
 * WS102 already reports it.
 */
function withoutStringFallout(diagnostics: Diagnostic[], tokens: readonly IToken[]): Diagnostic[] {
  const after = new Set<number>();
  tokens.forEach((t, i) => {
    if (UNTERMINATED.has(t.tokenType) && i + 1 < tokens.length) after.add(tokens[i + 1].startOffset);
  });
  return after.size === 0 ? diagnostics : diagnostics.filter((d) => d.code !== 'WS101' || !after.has(d.span.start));
}

/**
 * An unterminated string runs to the end of its line and swallows the block's `}` there; the
 * block then looks unclosed (WS103), which is the same mistake reported twice. Keep only WS102.
 */
function withoutSwallowedBraces(diagnostics: Diagnostic[], text: string): Diagnostic[] {
  const unterminated = diagnostics.filter((d) => d.code === 'WS102');
  return diagnostics.filter(
    (d) => d.code !== 'WS103' || !unterminated.some((u) => u.span.start > d.span.start && text.slice(u.span.start, u.span.end).includes('}')),
  );
}
