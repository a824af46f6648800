// Numbers in command output, formatted one way everywhere: thousands separators, binary byte
// units, one unit spelling for rates and durations, and singular/plural by count ("1 record").

const GROUPED = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** A whole count with thousands separators: `12,345`. Non-finite values print as `-`. */
export function formatCount(n: number): string {
  return Number.isFinite(n) ? GROUPED.format(Math.round(n)) : '-';
}

/** `1 record`, `2,000 records`, `0 records`; `plural` defaults to `singular + 's'`. */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${formatCount(n)} ${Math.round(n) === 1 ? singular : pluralForm}`;
}

/** Just the noun for a count: `record` or `records`. */
export function noun(n: number, singular: string, pluralForm = `${singular}s`): string {
  return Math.round(n) === 1 ? singular : pluralForm;
}

const BYTE_UNITS = ['KiB', 'MiB', 'GiB', 'TiB'] as const;

/** `512 B`, `1.5 KiB`, `64.0 MiB`: binary units, one decimal from KiB up. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '-';
  if (Math.abs(bytes) < 1024) return `${formatCount(bytes)} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

/** `1,234 records/s` from a count and the milliseconds it took; `-` when no time passed. */
export function formatRate(count: number, ms: number, unit = 'records'): string {
  return ms > 0 && Number.isFinite(count) ? formatPerSecond((count * 1000) / ms, unit) : '-';
}

/** `812 records/s` from a rate already per second. */
export function formatPerSecond(perSecond: number, unit = 'records'): string {
  return Number.isFinite(perSecond) ? `${formatCount(perSecond)} ${unit}/s` : `- ${unit}/s`;
}

/** `850 ms`, `12.3 s`, `4 min 05 s`, `2 h 03 min`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 3600) return `${Math.floor(totalSeconds / 60)} min ${String(totalSeconds % 60).padStart(2, '0')} s`;
  const minutes = Math.round(totalSeconds / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}
