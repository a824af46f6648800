// "Did you mean" hints: the closest candidate by edit distance, when it is close enough.

/**
 * Edit distance where swapping two neighbours counts as one edit (optimal string alignment).
 * Three rolling rows instead of a matrix: the parser's gates call this for every unknown word.
 */
export function editDistance(a: string, b: string): number {
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2] + 1);
      current[j] = d;
    }
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length];
}

/** Answers per candidate list (by identity): the parser's gates ask about the same words again and again. */
const memo = new WeakMap<object, Map<string, string | undefined>>();
const MEMO_LIMIT = 10_000;

export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let answers = memo.get(candidates);
  if (answers === undefined) memo.set(candidates, (answers = new Map()));
  if (answers.has(word)) return answers.get(word);
  const found = search(word, candidates);
  if (answers.size >= MEMO_LIMIT) answers.clear(); // random words must not grow it without bound
  answers.set(word, found);
  return found;
}

function search(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = word.toLowerCase();
  const allowed = Math.max(1, Math.floor(word.length / 3));
  for (const c of candidates) {
    // The distance is at least the difference in length: skip what cannot be close (cheap on long lists).
    if (Math.abs(c.length - word.length) > allowed) continue;
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= allowed ? best : undefined;
}

export function didYouMean(word: string, candidates: Iterable<string>): string[] {
  const c = closest(word, candidates);
  return c === undefined ? [] : [`did you mean '${c}'?`];
}
