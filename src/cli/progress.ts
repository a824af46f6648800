// Progress bars for long work, drawn on stderr only when stdout and stderr are terminals; scripts
// and pipes get nothing but the final summary. Every frame, the first included, is rendered here
// from known values: there are no template placeholders left for a library to fill in later.

import cliProgress from 'cli-progress';
import { formatCount, formatDuration, formatPerSecond } from '../compiler/format-numbers.ts';

export interface ProgressState {
  /** Units done (records). */
  readonly done: number;
  /** Zero or less while unknown: the frame then shows counts, not a bar. */
  readonly total: number;
  /** What is happening now, shown until something has moved ("reading the stream tips"). */
  readonly phase: string | null;
  /** More counts after the rate: `12 retried`, `3.2 MiB`. */
  readonly details: string;
}

export interface Progress {
  /** False when nothing is drawn (not a terminal): callers may skip work done only for the bar. */
  readonly shown: boolean;
  /** `fields` fill the `extra` template's `{name}`s; a name not given yet shows 0. */
  update(done: number, fields?: Record<string, string | number>): void;
  setTotal(total: number): void;
  /** Null once work moves. */
  setPhase(phase: string | null): void;
  stop(): void;
}

const quiet: Progress = { shown: false, update() {}, setTotal() {}, setPhase() {}, stop() {} };

const BAR_WIDTH = 24;

/** One frame of a bar, as text: pure, so the first frame can be tested like any other. */
export function renderProgress(label: string, unit: string, state: ProgressState, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? (state.done * 1000) / elapsedMs : 0;
  const known = state.total > 0;
  if (state.done === 0 && state.phase) return `${label}: ${state.phase}… ${formatDuration(elapsedMs)}${known ? ` | ${formatCount(state.total)} ${unit} to go` : ''}`;
  const counted = `${formatCount(state.done)}${known ? `/${formatCount(state.total)}` : ''} ${unit} | ${formatPerSecond(rate, unit)}`;
  if (!known) return `${label} ${counted} | ${formatDuration(elapsedMs)}${state.details}`;
  const fraction = Math.min(1, state.done / state.total);
  const filled = Math.round(fraction * BAR_WIDTH);
  const eta = rate > 0 ? formatDuration(((state.total - state.done) * 1000) / rate) : '-';
  return `${label} [${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}] ${Math.floor(fraction * 100)}% ${counted} | ETA ${eta}${state.details}`;
}

/** Fills `{name}` from fields; names not given yet are 0 (numbers formatted with separators). */
export function fillTemplate(template: string, fields: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = fields[name] ?? 0;
    return typeof value === 'number' ? formatCount(value) : value;
  });
}

/** A bar on stderr (a terminal only); `unit` names what is counted (records); `extra` is appended, with `{field}`s. */
export function progressBar(label: string, options: { total?: number; unit?: string; extra?: string; phase?: string } = {}): Progress {
  if (!process.stdout.isTTY || !process.stderr.isTTY) return quiet;
  const unit = options.unit ?? 'records';
  let fields: Record<string, string | number> = {};
  const state = { done: 0, total: options.total ?? 0, phase: options.phase ?? null, details: '' };
  const refresh = () => {
    state.details = options.extra ? fillTemplate(options.extra, fields) : '';
  };
  refresh();
  const started = Date.now();
  const bar = new cliProgress.SingleBar(
    { format: () => renderProgress(label, unit, state, Date.now() - started), stream: process.stderr, hideCursor: true, clearOnComplete: true, fps: 5 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(1, 0);
  return {
    shown: true,
    update(done, more = {}) {
      state.done = done;
      if (done > 0) state.phase = null;
      fields = { ...fields, ...more };
      refresh();
      bar.update(0);
    },
    setTotal(total) {
      state.total = total;
      bar.update(0);
    },
    setPhase(phase) {
      state.phase = phase;
      bar.update(0);
    },
    stop() {
      bar.stop();
    },
  };
}
