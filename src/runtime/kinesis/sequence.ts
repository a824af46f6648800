// Kinesis sequence numbers: decimal strings wider than 64 bits, ordered as numbers.

/** Orders two decimal sequence numbers as numbers (negative, zero, positive). */
export function compareSequence(a: string, b: string): number {
  const x = stripZeros(a);
  const y = stripZeros(b);
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

function stripZeros(s: string): string {
  let i = 0;
  while (i < s.length - 1 && s.charCodeAt(i) === 48) i++;
  return i === 0 ? s : s.slice(i);
}

export function isSequenceNumber(s: unknown): s is string {
  return typeof s === 'string' && /^\d{1,128}$/.test(s);
}
