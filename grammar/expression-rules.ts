// Grammar rules for values: literals, field and metadata references, times, and `where`
// expressions (or < and < not < predicate). The statement parser extends this class.

import { CstParser, type IParserConfig, type TokenType } from 'chevrotain';
import * as T from './tokens.ts';

export class ExpressionRules extends CstParser {
  constructor(tokens: TokenType[], config: IParserConfig) {
    super(tokens, config);
  }

  // ---------- values ----------

  literal = this.RULE('literal', () => {
    this.OR({
      ERR_MSG: 'a value (a string, number, true, false or null)',
      DEF: [
        { ALT: () => this.CONSUME(T.StringLit) },
        { ALT: () => this.CONSUME(T.NumberLit) },
        { ALT: () => this.CONSUME(T.True) },
        { ALT: () => this.CONSUME(T.False) },
        { ALT: () => this.CONSUME(T.Null) },
      ],
    });
  });

  /** `customer.region`, `` `odd name`.x ``: reserved words cannot be segments, soft keywords can. */
  fieldRef = this.RULE('fieldRef', () => {
    this.SUBRULE(this.pathSegment);
    this.MANY(() => {
      this.CONSUME(T.Dot);
      this.SUBRULE2(this.pathSegment);
    });
  });

  pathSegment = this.RULE('pathSegment', () => {
    this.OR({
      ERR_MSG: 'a field name',
      DEF: [{ ALT: () => this.CONSUME(T.Name) }, { ALT: () => this.CONSUME(T.QuotedName) }],
    });
  });

  keyRef = this.RULE('keyRef', () => {
    this.OR({
      ERR_MSG: 'a field path or an @metadata name',
      DEF: [{ ALT: () => this.SUBRULE(this.fieldRef) }, { ALT: () => this.CONSUME(T.MetaName) }],
    });
  });

  operand = this.RULE('operand', () => {
    this.OR({
      ERR_MSG: 'a field, an @metadata name or a value',
      DEF: [
        { ALT: () => this.SUBRULE(this.fieldRef) },
        { ALT: () => this.CONSUME(T.MetaName) },
        { ALT: () => this.SUBRULE(this.literal) },
      ],
    });
  });

  // ---------- times ----------

  timeExpr = this.RULE('timeExpr', () => {
    this.OR({
      ERR_MSG: "a time (a date such as 2026-11-01, a quoted time, now, or a duration and 'ago')",
      DEF: [
        { ALT: () => this.CONSUME(T.Instant) },
        { ALT: () => this.CONSUME(T.StringLit) },
        { ALT: () => this.CONSUME(T.Now) },
        { ALT: () => this.SUBRULE(this.relativeTime) },
      ],
    });
  });

  /** `7d ago`. */
  relativeTime = this.RULE('relativeTime', () => {
    this.CONSUME(T.Quantity);
    this.CONSUME(T.Ago);
  });

  // ---------- where expressions ----------

  orExpr = this.RULE('orExpr', () => {
    this.SUBRULE(this.andExpr);
    this.MANY(() => {
      this.CONSUME(T.Or);
      this.SUBRULE2(this.andExpr);
    });
  });

  andExpr = this.RULE('andExpr', () => {
    this.SUBRULE(this.notExpr);
    this.MANY(() => {
      this.CONSUME(T.And);
      this.SUBRULE2(this.notExpr);
    });
  });

  notExpr = this.RULE('notExpr', () => {
    this.OR({
      ERR_MSG: "a condition (such as status = 'open')",
      DEF: [
        { ALT: () => this.SUBRULE(this.negation) },
        { ALT: () => this.SUBRULE(this.parenExpr) },
        { ALT: () => this.SUBRULE(this.predicate) },
        { ALT: () => this.CONSUME(T.TooDeep) },
      ],
    });
  });

  negation = this.RULE('negation', () => {
    this.CONSUME(T.Not);
    this.SUBRULE(this.notExpr);
  });

  parenExpr = this.RULE('parenExpr', () => {
    this.CONSUME(T.LParen);
    this.SUBRULE(this.orExpr);
    this.CONSUME(T.RParen);
  });

  predicate = this.RULE('predicate', () => {
    this.SUBRULE(this.operand);
    this.OR({
      ERR_MSG: 'a comparison (=, !=, <>, <, <=, >, >=, in, between, like or is null)',
      DEF: [
        { ALT: () => this.SUBRULE(this.compareTail) },
        { ALT: () => this.SUBRULE(this.inTail) },
        { ALT: () => this.SUBRULE(this.betweenTail) },
        { ALT: () => this.SUBRULE(this.likeTail) },
        { ALT: () => this.SUBRULE(this.isNullTail) },
      ],
    });
  });

  compareTail = this.RULE('compareTail', () => {
    this.CONSUME(T.CompareOp);
    this.SUBRULE(this.operand);
  });

  inTail = this.RULE('inTail', () => {
    this.OPTION(() => this.CONSUME(T.Not));
    this.CONSUME(T.In);
    this.CONSUME(T.LParen);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.literal) });
    this.CONSUME(T.RParen);
  });

  betweenTail = this.RULE('betweenTail', () => {
    this.OPTION(() => this.CONSUME(T.Not));
    this.CONSUME(T.Between);
    this.SUBRULE(this.operand, { LABEL: 'low' });
    this.CONSUME(T.And);
    this.SUBRULE2(this.operand, { LABEL: 'high' });
  });

  likeTail = this.RULE('likeTail', () => {
    this.OPTION(() => this.CONSUME(T.Not));
    this.CONSUME(T.Like);
    this.CONSUME(T.StringLit);
  });

  isNullTail = this.RULE('isNullTail', () => {
    this.CONSUME(T.Is);
    this.OPTION(() => this.CONSUME(T.Not));
    this.CONSUME(T.Null);
  });
}
