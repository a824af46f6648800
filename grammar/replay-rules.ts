// Grammar rules for replay statements and their clauses, and the gates (semantic lookahead)
// that soft keywords need: where a statement starts, what names a reservoir, what is a clause.

import { EOF, tokenMatcher, type IParserConfig, type IToken, type TokenType } from 'chevrotain';
import { closest } from '../src/compiler/suggest.ts';
import { ExpressionRules } from './expression-rules.ts';
import * as T from './tokens.ts';

export const isOneOf = (token: IToken, types: readonly TokenType[]): boolean => types.some((t) => tokenMatcher(token, t));

export class ReplayRules extends ExpressionRules {
  constructor(tokens: TokenType[], config: IParserConfig) {
    super(tokens, config);
  }

  // ---------- gates: decisions the soft keywords make impossible for plain LL(k) ----------

  /** A statement keyword shaped like a statement start (so `into stream x` is not one). */
  protected atStatementStart(): boolean {
    const next = this.LA(1);
    if (tokenMatcher(next, T.Replay)) return tokenMatcher(this.LA(2), T.Name);
    const named = tokenMatcher(this.LA(2), T.Name);
    if (tokenMatcher(next, T.Stream) || tokenMatcher(next, T.Reservoir)) return named && tokenMatcher(this.LA(3), T.LCurly);
    if (tokenMatcher(next, T.Query)) return named && tokenMatcher(this.LA(3), T.StringLit);
    return false;
  }

  /** An unknown word that most likely misspells a statement keyword rather than a clause. */
  protected atStatementLikeWord(): boolean {
    const next = this.LA(1);
    if (!tokenMatcher(next, T.Identifier)) return false;
    if (this.atBlockStatementShape()) return true;
    return closest(next.image, T.STATEMENT_WORDS) !== undefined && closest(next.image, T.CLAUSE_WORDS) === undefined;
  }

  /** `word name {`: whatever the word, this starts a block statement. */
  protected atBlockStatementShape(): boolean {
    return tokenMatcher(this.LA(2), T.Name) && tokenMatcher(this.LA(3), T.LCurly);
  }

  /**
   * The word after a replay's source names the reservoir unless it starts a clause or a
   * statement, or it looks like a misspelled clause (close to a clause word and not followed
   * by a clause): `replay from archive compcat by key` is a bad clause, not a reservoir; or it
   * begins a block statement (`replay from live strem orders {`).
   */
  protected atReservoirName(): boolean {
    const next = this.LA(1);
    if (!tokenMatcher(next, T.Name) || this.atClauseStart() || isOneOf(next, T.STATEMENT_KEYWORDS)) return false;
    const after = this.LA(2);
    if (tokenMatcher(after, EOF) || isOneOf(after, T.CLAUSE_KEYWORDS) || isOneOf(after, T.STATEMENT_KEYWORDS)) return true;
    return closest(next.image, T.CLAUSE_WORDS) === undefined && !this.atBlockStatementShape();
  }

  protected atClauseStart(): boolean {
    return isOneOf(this.LA(1), T.CLAUSE_KEYWORDS);
  }

  // ---------- replay ----------

  replayDecl = this.RULE('replayDecl', () => {
    this.CONSUME(T.Replay);
    // `replay from from archive` names the replay `from`: a name is present when `from` follows it.
    this.OPTION({
      MAX_LOOKAHEAD: 1,
      GATE: () => tokenMatcher(this.LA(2), T.From),
      DEF: () => this.CONSUME(T.Name, { LABEL: 'name' }),
    });
    this.CONSUME(T.From);
    this.SUBRULE(this.replaySource);
    this.OPTION2({
      MAX_LOOKAHEAD: 1,
      GATE: () => this.atReservoirName(),
      DEF: () => this.CONSUME2(T.Name, { LABEL: 'reservoir' }),
    });
    this.MANY({
      MAX_LOOKAHEAD: 1,
      GATE: () => !this.atStatementLikeWord(),
      DEF: () =>
        this.OR([
          { ALT: () => this.SUBRULE(this.whereClause) },
          { ALT: () => this.SUBRULE(this.sinceClause) },
          { ALT: () => this.SUBRULE(this.untilClause) },
          { ALT: () => this.SUBRULE(this.compactClause) },
          { ALT: () => this.SUBRULE(this.annotateClause) },
          { ALT: () => this.SUBRULE(this.intoClause) },
          { ALT: () => this.SUBRULE(this.rateClause) },
          { ALT: () => this.SUBRULE(this.limitClause) },
          { ALT: () => this.SUBRULE(this.aggregateClause) },
          { ALT: () => this.SUBRULE(this.partitionByClause) },
          { ALT: () => this.SUBRULE(this.unknownClause) },
        ]),
    });
  });

  replaySource = this.RULE('replaySource', () => {
    this.OR({
      ERR_MSG: 'archive, live or archive+live',
      DEF: [
        {
          ALT: () => {
            this.CONSUME(T.Archive);
            this.OPTION(() => {
              this.CONSUME(T.Plus);
              this.CONSUME(T.Live);
            });
          },
        },
        { ALT: () => this.CONSUME2(T.Live) },
      ],
    });
  });

  /** A misspelled clause word: swallowed up to the next clause or statement. */
  unknownClause = this.RULE('unknownClause', () => {
    this.CONSUME(T.Identifier);
    this.MANY({
      MAX_LOOKAHEAD: 1,
      GATE: () => !this.atClauseStart() && !this.atStatementStart() && !this.atStatementLikeWord(),
      DEF: () => this.CONSUME(T.AnyToken),
    });
  });

  whereClause = this.RULE('whereClause', () => {
    this.CONSUME(T.Where);
    this.SUBRULE(this.orExpr);
  });

  sinceClause = this.RULE('sinceClause', () => {
    this.CONSUME(T.Since);
    this.SUBRULE(this.timeExpr);
  });

  untilClause = this.RULE('untilClause', () => {
    this.CONSUME(T.Until);
    this.SUBRULE(this.timeExpr);
  });

  /** `compact by key [path]`: a clause or statement word after `key` is not the path. */
  compactClause = this.RULE('compactClause', () => {
    this.CONSUME(T.Compact);
    this.CONSUME(T.By);
    this.CONSUME(T.Key);
    this.OPTION({
      MAX_LOOKAHEAD: 1,
      GATE: () => !this.atClauseStart() && !isOneOf(this.LA(1), T.STATEMENT_KEYWORDS),
      DEF: () => this.SUBRULE(this.keyRef),
    });
  });

  annotateClause = this.RULE('annotateClause', () => {
    this.CONSUME(T.Annotate);
    this.CONSUME(T.Less);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.annotation) });
    this.CONSUME(T.Greater);
  });

  annotation = this.RULE('annotation', () => {
    this.CONSUME(T.Name);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.literal);
  });

  intoClause = this.RULE('intoClause', () => {
    this.CONSUME(T.Into);
    this.CONSUME(T.Stream);
    this.CONSUME(T.Name);
  });

  /** `rate 500/s`; a bare number parses too, so the checker can say how to write it. */
  rateClause = this.RULE('rateClause', () => {
    this.CONSUME(T.Rate);
    this.OR({ ERR_MSG: 'a rate such as 500/s', DEF: [{ ALT: () => this.CONSUME(T.Quantity) }, { ALT: () => this.CONSUME(T.NumberLit) }] });
  });

  limitClause = this.RULE('limitClause', () => {
    this.CONSUME(T.Limit);
    this.CONSUME(T.NumberLit);
  });

  aggregateClause = this.RULE('aggregateClause', () => {
    this.CONSUME(T.Aggregate);
    this.OR({ ERR_MSG: "'on' or 'off'", DEF: [{ ALT: () => this.CONSUME(T.On) }, { ALT: () => this.CONSUME(T.Off) }] });
  });

  partitionByClause = this.RULE('partitionByClause', () => {
    this.CONSUME(T.Partition);
    this.CONSUME(T.By);
    this.SUBRULE(this.keyRef);
  });
}
