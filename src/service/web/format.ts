// How the page writes numbers, rates, durations and times: one way everywhere (thousands
// separators, singular and plural right).

export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? noun : plural}`;
}

export function rate(perSecond: number): string {
  return `${perSecond >= 100 ? Math.round(perSecond).toLocaleString('en-US') : perSecond.toFixed(1)}/s`;
}

export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** A time as the user's clock shows it: the time of day today, with the date otherwise. */
export function clock(ms: number, now = Date.now()): string {
  const d = new Date(ms);
  const time = d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return new Date(now).toDateString() === d.toDateString() ? time : `${d.toLocaleDateString('en-CA')} ${time}`;
}

/** Milliseconds since the epoch of an ISO time or a number; NaN when there is none. */
export function timeOf(t: string | number | null | undefined): number {
  if (t === null || t === undefined || t === '') return Number.NaN;
  return typeof t === 'number' ? t : Date.parse(t);
}
