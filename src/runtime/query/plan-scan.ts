// Finds the reservoir-file scan (`read_json(…)` / `read_parquet(…)`) inside a plan view's DuckDB
// SQL and swaps it for the relation the query runtime chooses: an exact file list, or nothing.

/**
 * Why the runtime edits the plan's SQL at all: the plan reads `<root>/dt=*…/*.json`, a glob that
 * (1) fails when no file matches yet, (2) is relative to the folder `wshed` ran in, and (3) is
 * evaluated when the query runs, so a file the archiver publishes after the live records were
 * read would be counted twice. The runtime lists the files once, after reading the live records,
 * and reads exactly those. Everything else in the view (CTEs, de-duplication, metadata names,
 * the arrival-time cast) is the plan's, untouched.
 */
export interface ScanCall {
  readonly fn: 'read_json' | 'read_parquet';
  /** Offsets of the call in the SQL, from the function name to its closing parenthesis (exclusive end). */
  readonly start: number;
  readonly end: number;
  /** The call's top-level arguments as written, the file glob first. */
  readonly args: readonly string[];
}

const SCAN_FUNCTIONS = new Set(['read_json', 'read_parquet']);

/** The one reservoir scan in `sql`; throws when there is none or more than one (a plan this runtime does not know). */
export function findScan(sql: string): ScanCall {
  const calls: ScanCall[] = [];
  for (let i = 0; i < sql.length; ) {
    const skipped = skipQuoted(sql, i);
    if (skipped !== i) {
      i = skipped;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i, i + 64));
    if (!word) {
      i++;
      continue;
    }
    const name = word[0].toLowerCase();
    let open = i + word[0].length;
    while (/\s/.test(sql[open] ?? '')) open++;
    if (SCAN_FUNCTIONS.has(name) && sql[open] === '(') {
      const { args, close } = splitArguments(sql, open);
      calls.push({ fn: name as ScanCall['fn'], start: i, end: close + 1, args });
      i = close + 1;
    } else {
      i += word[0].length;
    }
  }
  if (calls.length !== 1) throw new Error(`expected one reservoir scan in the plan's view SQL, found ${calls.length}`);
  return calls[0];
}

export function replaceScan(sql: string, call: ScanCall, relation: string): string {
  return sql.slice(0, call.start) + relation + sql.slice(call.end);
}

/** Skips a string literal, quoted identifier or comment starting at `i`; returns `i` when none starts there. */
function skipQuoted(sql: string, i: number): number {
  const c = sql[i];
  if (c === "'" || c === '"') {
    let j = i + 1;
    while (j < sql.length) {
      if (sql[j] === c) {
        if (sql[j + 1] === c) j += 2; // doubled quote: an escaped one
        else return j + 1;
      } else j++;
    }
    return sql.length;
  }
  if (c === '-' && sql[i + 1] === '-') {
    const end = sql.indexOf('\n', i);
    return end < 0 ? sql.length : end + 1;
  }
  if (c === '/' && sql[i + 1] === '*') {
    const end = sql.indexOf('*/', i + 2);
    return end < 0 ? sql.length : end + 2;
  }
  return i;
}

/** The top-level, comma-separated arguments of the call whose `(` is at `open`. */
function splitArguments(sql: string, open: number): { args: string[]; close: number } {
  const args: string[] = [];
  let depth = 0;
  let from = open + 1;
  for (let i = open + 1; i < sql.length; ) {
    const skipped = skipQuoted(sql, i);
    if (skipped !== i) {
      i = skipped;
      continue;
    }
    const c = sql[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' && depth === 0) {
      args.push(sql.slice(from, i).trim());
      return { args: args.filter((a) => a !== ''), close: i };
    } else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      args.push(sql.slice(from, i).trim());
      from = i + 1;
    }
    i++;
  }
  throw new Error('unbalanced parentheses in the plan view SQL');
}
