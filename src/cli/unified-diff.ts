// A unified diff of two texts by line (Myers' algorithm), as `diff -u` and `git diff` print it:
// `--- a/FILE`, `+++ b/FILE`, then hunks with 3 lines of context. Used by `wshed fmt --check`.

type Edit = { readonly kind: ' ' | '-' | '+'; readonly line: string };

const CONTEXT = 3;

/** The diff from `before` to `after`, or '' when they are equal. */
export function unifiedDiff(file: string, before: string, after: string): string {
  if (before === after) return '';
  const a = splitLines(before);
  const b = splitLines(after);
  const edits = diffLines(a.lines, b.lines);
  const out = [`--- a/${file}`, `+++ b/${file}`];
  for (const hunk of hunks(edits)) out.push(...hunk);
  if (a.missingNewline !== b.missingNewline) out.push(a.missingNewline ? '\\ No newline at end of file (before)' : '\\ No newline at end of file (after)');
  return out.join('\n') + '\n';
}

function splitLines(text: string): { lines: string[]; missingNewline: boolean } {
  const missingNewline = text.length > 0 && !text.endsWith('\n');
  const lines = text.split('\n');
  if (!missingNewline) lines.pop();
  return { lines, missingNewline };
}

/** Shortest edit script (Myers 1986), walked back from the trace of furthest reaching paths. */
function diffLines(a: readonly string[], b: readonly string[]): Edit[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let done = false;
  for (let d = 0; d <= max && !done; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        done = true;
        break;
      }
    }
  }
  trace.push(v);
  const edits: Edit[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 2; d >= 0 && (x > 0 || y > 0); d--) {
    const prev = trace[d];
    const k = x - y;
    const down = k === -d || (k !== d && prev[offset + k - 1] < prev[offset + k + 1]);
    const prevK = down ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : prev[offset + prevK];
    const prevY = d === 0 ? 0 : prevX - prevK;
    while (x > prevX && y > prevY) edits.push({ kind: ' ', line: a[--x] }), y--;
    if (d === 0) break;
    if (down) edits.push({ kind: '+', line: b[--y] });
    else edits.push({ kind: '-', line: a[--x] });
  }
  while (x > 0 && y > 0) edits.push({ kind: ' ', line: a[--x] }), y--;
  return edits.reverse();
}

/** Groups edits into hunks with CONTEXT unchanged lines around each change. */
function hunks(edits: readonly Edit[]): string[][] {
  const out: string[][] = [];
  let i = 0;
  let aLine = 1;
  let bLine = 1;
  const positions: { a: number; b: number }[] = [];
  for (const e of edits) {
    positions.push({ a: aLine, b: bLine });
    if (e.kind !== '+') aLine++;
    if (e.kind !== '-') bLine++;
  }
  while (i < edits.length) {
    while (i < edits.length && edits[i].kind === ' ') i++;
    if (i >= edits.length) break;
    let start = Math.max(0, i - CONTEXT);
    let end = i;
    // Extend while the next change is within 2 × CONTEXT unchanged lines.
    for (;;) {
      while (end < edits.length && edits[end].kind !== ' ') end++;
      let gap = end;
      while (gap < edits.length && edits[gap].kind === ' ' && gap - end < 2 * CONTEXT + 1) gap++;
      if (gap < edits.length && edits[gap].kind !== ' ' && gap - end <= 2 * CONTEXT) end = gap;
      else break;
    }
    const stop = Math.min(edits.length, end + CONTEXT);
    const slice = edits.slice(start, stop);
    const aCount = slice.filter((e) => e.kind !== '+').length;
    const bCount = slice.filter((e) => e.kind !== '-').length;
    const aStart = aCount === 0 ? positions[start].a - 1 : positions[start].a;
    const bStart = bCount === 0 ? positions[start].b - 1 : positions[start].b;
    out.push([`@@ -${aStart},${aCount} +${bStart},${bCount} @@`, ...slice.map((e) => `${e.kind}${e.line}`)]);
    i = stop;
    start = stop;
  }
  return out;
}
