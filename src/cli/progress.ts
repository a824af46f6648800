// Progress bars for long work, drawn on stderr only when stdout and stderr are terminals; scripts
// and pipes get nothing but the final summary.

import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, fields?: Record<string, string | number>): void;
  setTotal(total: number): void;
  stop(): void;
}

const quiet: Progress = { update() {}, setTotal() {}, stop() {} };

/** `unit` names what is counted (records); with a total the bar shows an ETA. */
export function progressBar(label: string, options: { total?: number; unit?: string; extra?: string } = {}): Progress {
  if (!process.stdout.isTTY || !process.stderr.isTTY) return quiet;
  const unit = options.unit ?? 'records';
  const known = options.total !== undefined;
  const format = known
    ? `${label} [{bar}] {percentage}% {value}/{total} ${unit} | {rate}/s | ETA {eta_formatted}${options.extra ?? ''}`
    : `${label} {value} ${unit} | {rate}/s | {duration_formatted}${options.extra ?? ''}`;
  const bar = new cliProgress.SingleBar(
    { format, stream: process.stderr, hideCursor: true, clearOnComplete: true, etaBuffer: 50, fps: 5 },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  bar.start(options.total ?? 0, 0, { rate: 0 });
  return {
    update(done, fields = {}) {
      const seconds = (Date.now() - started) / 1000;
      bar.update(done, { rate: seconds > 0 ? Math.round(done / seconds) : 0, ...fields });
    },
    setTotal(total) {
      bar.setTotal(total);
    },
    stop() {
      bar.stop();
    },
  };
}

export function formatRate(records: number, ms: number): string {
  return ms > 0 ? `${Math.round((records * 1000) / ms).toLocaleString('en-US')} records/s` : '-';
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
