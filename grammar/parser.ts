// The file and block grammar (stream, reservoir, query; replay is in replay-rules.ts), the
// recovery rules that swallow unknown words, the one parser instance and `parseTokens`.

import { CstParser, EOF, MismatchedTokenException, tokenMatcher, type CstNode, type IToken, type TokenType } from 'chevrotain';
import { closest } from '../src/compiler/suggest.ts';
import { isOneOf, ReplayRules } from './replay-rules.ts';
import { errorMessageProvider, readSyntaxError, type SyntaxError } from './syntax-errors.ts';
import * as T from './tokens.ts';

/** Chevrotain internals the bounded recovery below uses (present on every parser, absent from its types). */
interface RecoveryInternals {
  readonly RULE_STACK_IDX: number;
  readonly currIdx: number;
  flattenFollowSet(): TokenType[];
  tryInRepetitionRecovery(...args: unknown[]): void;
  importLexerState(state: number): void;
  ruleInvocationStateUpdate(...args: unknown[]): void;
  SAVE_ERROR(error: Error): void;
}

const chevrotain = CstParser.prototype as unknown as RecoveryInternals;
const chevrotainRecovery = chevrotain.tryInRepetitionRecovery;

/**
 * What the last parse did, for tests that check the work stays linear in the input without
 * timing it: rule invocations, tokens looked at while searching for a resync point, and tokens
 * skipped and then rewound by a recovery attempt that gave up.
 */
export interface ParseWork {
  rules: number;
  resyncScanned: number;
  rewound: number;
}

const work: ParseWork = { rules: 0, resyncScanned: 0, rewound: 0 };

export function lastParseWork(): ParseWork {
  return { ...work };
}

/**
 * How far in-repetition recovery looks for a token to resume at. Chevrotain looks without bound and
 * rewinds when it finds no closer point, which made garbage quadratic (a 3 MB file took minutes).
 */
export const RECOVERY_WINDOW = 64;

/** The words of a keyword list, one array per list (so `closest` can remember its answers). */
const wordLists = new WeakMap<readonly TokenType[], readonly string[]>();
function wordsOf(keywords: readonly TokenType[]): readonly string[] {
  let words = wordLists.get(keywords);
  if (words === undefined) wordLists.set(keywords, (words = keywords.map(T.keywordText)));
  return words;
}

export class WatershedParser extends ReplayRules {
  /**
   * `validateGrammar` runs chevrotain's grammar validations (ambiguities, left recursion), which
   * cost most of a second at every start; the tests run them (test/grammar/grammar-checks.test.ts).
   */
  constructor(validateGrammar = false) {
    super(T.allTokens, { recoveryEnabled: true, maxLookahead: 3, errorMessageProvider, skipValidations: !validateGrammar });
    this.performSelfAnalysis();
  }

  /**
   * Overrides chevrotain's in-repetition recovery (an internal method): it is only tried when a
   * token the enclosing rules could resume at lies within RECOVERY_WINDOW tokens. Otherwise the
   * ordinary between-rules recovery handles the error, which consumes what it skips, so work on
   * any input stays linear. Files with errors a few tokens apart recover exactly as before. The
   * file's own repetition (statements) keeps the unbounded search: it resumes at the next
   * statement, consuming what it skipped, or ends the parse at the end of the file.
   */
  tryInRepetitionRecovery(...args: unknown[]): void {
    const internals = this as unknown as RecoveryInternals;
    if (internals.RULE_STACK_IDX === 0) {
      this.recoverBetweenStatements(args[2] as () => boolean, args[3] as TokenType);
      return;
    }
    const follows = internals.flattenFollowSet();
    for (let k = 1; k <= RECOVERY_WINDOW; k++) {
      work.resyncScanned++;
      const next = this.LA(k);
      if (follows.some((t) => tokenMatcher(next, t))) {
        chevrotainRecovery.apply(this, args);
        return;
      }
    }
  }

  /** Set when recovery between statements found the next statement: `pipeline` runs its loop again. */
  private resumeStatements = false;

  /**
   * Chevrotain's recovery in the file's statement loop, without its recursion: it re-entered the
   * loop from inside the recovery, one stack frame deeper per stray stretch, so a big file of
   * garbage overflowed the stack. Here the stray tokens are skipped up to the next token a
   * statement can start with (or the end), the same error is recorded, and `pipeline` loops.
   */
  private recoverBetweenStatements(canResume: () => boolean, expected: TokenType): void {
    const found = this.LA(1);
    const previous = this.LA(0);
    const skipped: IToken[] = [];
    while (!tokenMatcher(this.LA(1), EOF) && !canResume.call(this)) skipped.push(this.SKIP_TOKEN());
    const message = errorMessageProvider.buildMismatchTokenMessage({ expected, actual: found, previous, ruleName: 'pipeline' });
    const error = new MismatchedTokenException(message, found, previous);
    error.resyncedTokens = skipped.slice(0, -1);
    (this as unknown as RecoveryInternals).SAVE_ERROR(error);
    this.resumeStatements = !tokenMatcher(this.LA(1), EOF);
  }

  /**
   * Overrides chevrotain's search for the token to resynchronise at (an internal method), which
   * scans ahead for any token of the enclosing rules' follow sets. At the top of the file the only
   * such token is the end of the file, which chevrotain found by scanning the whole rest of the
   * input at every error: it is returned at once here. Elsewhere the search is chevrotain's.
   */
  findReSyncTokenType(): TokenType {
    const follows = (this as unknown as RecoveryInternals).flattenFollowSet();
    if (follows.every((t) => t === EOF)) return EOF;
    for (let k = 1; ; k++) {
      work.resyncScanned++;
      const next = this.LA(k);
      const found = follows.find((t) => tokenMatcher(next, t));
      if (found !== undefined) return found; // EOF is in every follow set and LA past the end is EOF
    }
  }

  // Counting hooks for ParseWork (chevrotain internals, called with the same arguments).
  importLexerState(state: number): void {
    work.rewound += Math.max(0, (this as unknown as RecoveryInternals).currIdx - state);
    chevrotain.importLexerState.call(this, state);
  }

  ruleInvocationStateUpdate(...args: unknown[]): void {
    work.rules++;
    chevrotain.ruleInvocationStateUpdate.apply(this, args);
  }

  // ---------- file ----------

  pipeline = this.RULE('pipeline', () => {
    // Runs again after recovery skipped stray tokens between statements (recoverBetweenStatements).
    do {
      this.resumeStatements = false;
      this.MANY(() => {
        this.OR([
          { ALT: () => this.SUBRULE(this.streamDecl) },
          { ALT: () => this.SUBRULE(this.reservoirDecl) },
          { ALT: () => this.SUBRULE(this.queryDecl) },
          { ALT: () => this.SUBRULE(this.replayDecl) },
          { ALT: () => this.SUBRULE(this.unknownStatement) },
        ]);
      });
    } while (this.resumeStatements);
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
    return tokenMatcher(next, T.Identifier) && closest(next.image, wordsOf(propertyWords)) !== undefined;
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
  work.rules = work.resyncScanned = work.rewound = 0;
  // Recovery throws a recognition exception per error; their stack traces are never read, and
  // capturing them was the largest cost of parsing garbage.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    parser.input = tokens;
    const cst = parser.pipeline();
    return { cst, errors: parser.errors.map(readSyntaxError) };
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
    parser.input = []; // the singleton should not keep the last file's tokens alive
  }
}
