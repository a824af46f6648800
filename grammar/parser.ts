// The file and block grammar (stream, reservoir, query; replay is in replay-rules.ts), the
// recovery rules that swallow unknown words, the one parser instance and `parseTokens`.

import { tokenMatcher, type CstNode, type IToken, type TokenType } from 'chevrotain';
import { closest } from '../src/compiler/suggest.ts';
import { isOneOf, ReplayRules } from './replay-rules.ts';
import { errorMessageProvider, readSyntaxError, type SyntaxError } from './syntax-errors.ts';
import * as T from './tokens.ts';

export class WatershedParser extends ReplayRules {
  /**
   * `validateGrammar` runs chevrotain's grammar validations (ambiguities, left recursion), which
   * cost most of a second at every start; the tests run them (test/grammar/grammar-checks.test.ts).
   */
  constructor(validateGrammar = false) {
    super(T.allTokens, { recoveryEnabled: true, maxLookahead: 3, errorMessageProvider, skipValidations: !validateGrammar });
    this.performSelfAnalysis();
  }

  // ---------- file ----------

  pipeline = this.RULE('pipeline', () => {
    this.MANY(() => {
      this.OR([
        { ALT: () => this.SUBRULE(this.streamDecl) },
        { ALT: () => this.SUBRULE(this.reservoirDecl) },
        { ALT: () => this.SUBRULE(this.queryDecl) },
        { ALT: () => this.SUBRULE(this.replayDecl) },
        { ALT: () => this.SUBRULE(this.unknownStatement) },
      ]);
    });
  });

  /** A misspelled statement keyword: swallowed up to the next statement so the rest still parses. */
  unknownStatement = this.RULE('unknownStatement', () => {
    this.CONSUME(T.Identifier);
    this.MANY({
      MAX_LOOKAHEAD: 1,
      GATE: () => !this.atStatementStart() && !this.atStatementLikeWord(),
      DEF: () => this.CONSUME(T.AnyToken),
    });
  });

  // ---------- stream ----------

  streamDecl = this.RULE('streamDecl', () => {
    this.CONSUME(T.Stream);
    this.CONSUME(T.Name);
    this.CONSUME(T.LCurly);
    this.MANY({
      GATE: () => !this.atStatementStart(),
      DEF: () =>
        this.OR({
          // Known property words come first and win on the first token alone; any other word
          // is unknown (a longer lookahead would take `shards }` for an unknown property).
          IGNORE_AMBIGUITIES: true,
          MAX_LOOKAHEAD: 1,
          DEF: [
            { ALT: () => this.SUBRULE(this.shardsProperty) },
            { ALT: () => this.SUBRULE(this.retentionProperty) },
            { ALT: () => this.SUBRULE(this.keyProperty) },
            { ALT: () => this.SUBRULE(this.unknownStreamProperty) },
          ],
        }),
    });
    this.CONSUME(T.RCurly);
  });

  shardsProperty = this.RULE('shardsProperty', () => {
    this.CONSUME(T.Shards);
    this.CONSUME(T.NumberLit);
  });

  retentionProperty = this.RULE('retentionProperty', () => {
    this.CONSUME(T.Retention);
    this.CONSUME(T.Quantity);
  });

  keyProperty = this.RULE('keyProperty', () => {
    this.CONSUME(T.Key);
    this.SUBRULE(this.keyRef);
  });

  unknownStreamProperty = this.RULE('unknownStreamProperty', () => this.unknownProperty(T.STREAM_PROPERTY_KEYWORDS));

  /**
   * A property word the block does not know, and the value atoms after it, up to the block's
   * next property word (or a misspelling of one). Starting with Identifier as well as Name
   * keeps Identifier in the resync follow sets, so an error just before an unknown word is
   * caught inside the block instead of ending the statement.
   */
  private unknownProperty(propertyWords: readonly TokenType[]): void {
    this.OR({
      IGNORE_AMBIGUITIES: true,
      MAX_LOOKAHEAD: 1,
      DEF: [
        { ALT: () => this.CONSUME(T.Identifier, { LABEL: 'word' }) },
        { ALT: () => this.CONSUME(T.Name, { LABEL: 'word' }) },
      ],
    });
    this.MANY({
      MAX_LOOKAHEAD: 1,
      GATE: () => !this.atPropertyWord(propertyWords) && !this.atStatementStart(),
      DEF: () => this.CONSUME(T.ValueAtom),
    });
  }

  /** A property word of the block, or a word close to one (`retentoin`): it starts the next property. */
  private atPropertyWord(propertyWords: readonly TokenType[]): boolean {
    const next = this.LA(1);
    if (isOneOf(next, propertyWords)) return true;
    return tokenMatcher(next, T.Identifier) && closest(next.image, propertyWords.map(T.keywordText)) !== undefined;
  }

  // ---------- reservoir ----------

  reservoirDecl = this.RULE('reservoirDecl', () => {
    this.CONSUME(T.Reservoir);
    this.CONSUME(T.Name);
    this.CONSUME(T.LCurly);
    this.MANY({
      GATE: () => !this.atStatementStart(),
      DEF: () =>
        this.OR({
          // Known property words come first and win on the first token alone; any other word
          // is unknown (a longer lookahead would take `format }` for an unknown property).
          IGNORE_AMBIGUITIES: true,
          MAX_LOOKAHEAD: 1,
          DEF: [
            { ALT: () => this.SUBRULE(this.fromProperty) },
            { ALT: () => this.SUBRULE(this.atProperty) },
            { ALT: () => this.SUBRULE(this.formatProperty) },
            { ALT: () => this.SUBRULE(this.partitionProperty) },
            { ALT: () => this.SUBRULE(this.archiveProperty) },
            { ALT: () => this.SUBRULE(this.unknownReservoirProperty) },
          ],
        }),
    });
    this.CONSUME(T.RCurly);
  });

  fromProperty = this.RULE('fromProperty', () => {
    this.CONSUME(T.From);
    this.CONSUME(T.Stream);
    this.CONSUME(T.Name);
  });

  atProperty = this.RULE('atProperty', () => {
    this.CONSUME(T.At);
    this.CONSUME(T.StringLit);
  });

  formatProperty = this.RULE('formatProperty', () => {
    this.CONSUME(T.Format);
    this.CONSUME(T.Name);
  });

  partitionProperty = this.RULE('partitionProperty', () => {
    this.CONSUME(T.Partition);
    this.CONSUME(T.Name);
  });

  /** `archive via archiver every 1h`, `archive via firehose buffer 64MB 300s`. */
  archiveProperty = this.RULE('archiveProperty', () => {
    this.CONSUME(T.Archive);
    this.CONSUME(T.Via);
    this.CONSUME(T.Name);
    this.OPTION(() => {
      this.CONSUME(T.Every);
      this.CONSUME(T.Quantity);
    });
    this.OPTION2(() => this.SUBRULE(this.bufferOption));
  });

  unknownReservoirProperty = this.RULE('unknownReservoirProperty', () => this.unknownProperty(T.RESERVOIR_PROPERTY_KEYWORDS));

  bufferOption = this.RULE('bufferOption', () => {
    this.CONSUME(T.Buffer);
    this.CONSUME(T.Quantity, { LABEL: 'size' });
    this.CONSUME2(T.Quantity, { LABEL: 'interval' });
  });

  // ---------- query ----------

  queryDecl = this.RULE('queryDecl', () => {
    this.CONSUME(T.Query);
    this.CONSUME(T.Name);
    this.CONSUME(T.StringLit);
  });

}

// One instance: performSelfAnalysis is the slow part and the parser is reusable.
export const parser = new WatershedParser();

export interface ParseTokensResult {
  readonly cst: CstNode;
  readonly errors: SyntaxError[];
}

/** Parses a token stream into a CST, recovering from errors so every one is reported. */
export function parseTokens(tokens: IToken[]): ParseTokensResult {
  parser.input = tokens;
  const cst = parser.pipeline();
  const errors = parser.errors.map(readSyntaxError);
  parser.input = []; // the singleton should not keep the last file's tokens alive
  return { cst, errors };
}
