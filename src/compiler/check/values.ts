// Meaning of the literal forms: durations, sizes, rates and times. Each parser returns a value
// or the reason it is invalid; the checker turns reasons into positioned diagnostics.

export type Parsed<T> = { ok: true; value: T } | { ok: false; why: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(why: string): Parsed<T> => ({ ok: false, why });

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `500ms 30s 5m 1h 7d` (fractions allowed: `1.5h`) → milliseconds. */
export function parseDuration(text: string): Parsed<number> {
  const m = /^(\d+(?:\.\d+)?)([A-Za-z]+)$/.exec(text);
  if (!m) return bad('expected a number followed by a unit (ms, s, m, h, d)');
  const factor = DURATION_UNITS[m[2]];
  if (factor === undefined) return bad(`unknown unit '${m[2]}'; units are ms, s, m, h, d`);
  const ms = Number(m[1]) * factor;
  if (!Number.isFinite(ms) || ms <= 0) return bad('a duration must be greater than zero');
  return ok(Math.round(ms));
}

// Binary multiples, as Kinesis and Firehose count them (Firehose's "64 MB" buffer is 64 MiB).
const SIZE_UNITS: Record<string, number> = {
  B: 1,
  KB: 1024,
  MB: 1024 ** 2,
  GB: 1024 ** 3,
  TB: 1024 ** 4,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
};

/** `64MB`, `1GB`, `512KiB` → bytes. */
export function parseSize(text: string): Parsed<number> {
  const m = /^(\d+(?:\.\d+)?)([A-Za-z]+)$/.exec(text);
  if (!m) return bad('expected a number followed by a unit (B, KB, MB, GB, TB)');
  const factor = SIZE_UNITS[m[2]];
  if (factor === undefined) return bad(`unknown unit '${m[2]}'; units are B, KB, MB, GB, TB (powers of 1024)`);
  const bytes = Number(m[1]) * factor;
  if (!Number.isFinite(bytes) || bytes <= 0) return bad('a size must be greater than zero');
  return ok(Math.round(bytes));
}

const RATE_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600 };

/** `500/s`, `30000/m`, `2.5/s` → records per second. */
export function parseRate(text: string): Parsed<number> {
  const m = /^(\d+(?:\.\d+)?)\/([A-Za-z]+)$/.exec(text);
  if (!m) return bad('expected records per unit of time, e.g. 500/s');
  const per = RATE_UNITS[m[2]];
  if (per === undefined) return bad(`unknown unit '${m[2]}'; use /s, /m or /h`);
  const rate = Number(m[1]) / per;
  if (!(rate > 0)) return bad('a rate must be greater than zero');
  return ok(rate);
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * ISO-8601 instants and dates. A date means midnight UTC; a date-time without an offset is UTC.
 * Returns the instant in epoch milliseconds (sub-millisecond digits are truncated).
 */
export function parseInstant(text: string): Parsed<number> {
  const m = ISO.exec(text);
  if (!m) return bad('expected an ISO-8601 date or instant such as 2026-11-01 or 2026-11-01T00:00:00Z');
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12) return bad(`month ${mo} does not exist`);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) return bad(`day ${d} does not exist in ${y}-${mo}`);
  if (Number(h) > 23) return bad(`hour ${h} is out of range`);
  if (Number(mi) > 59) return bad(`minute ${mi} is out of range`);
  if (Number(s) > 59) return bad(`second ${s} is out of range`);
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const zm = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    if (Number(zm[2]) > 23 || Number(zm[3]) > 59) return bad(`offset ${zone} is out of range`);
    offsetMinutes = (zm[1] === '-' ? -1 : 1) * (Number(zm[2]) * 60 + Number(zm[3]));
  }
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  const utc = Date.UTC(year, month - 1, day, Number(h), Number(mi), Number(s), ms) - offsetMinutes * 60_000;
  return ok(utc);
}
