// The query panel: runs the SQL through the preview API a page at a time (later pages wrap the SQL
// in LIMIT/OFFSET, so each page costs one bounded query), orders the columns, and downloads the
// full result as CSV or NDJSON straight from the service (a streamed download, not built here).
/// <reference lib="dom" />

import { api } from './api.ts';
import { busy, el, show } from './dom.ts';
import { count } from './format.ts';
import { columnsOf, orderColumns, renderTable } from './table.ts';

const DEFAULT_PAGE_ROWS = 100;

interface Shown {
  readonly sql: string;
  readonly pageRows: number;
  offset: number;
  /** Rows in all, as the first page's preview counted them. */
  readonly total: number | null;
  readonly totalIsLowerBound: boolean;
  rows: Record<string, unknown>[];
  columns: string[];
  /** A page past the last one came back empty. */
  exhausted: boolean;
  /** The service sent fewer rows than asked to stay within its byte budget: more may follow. */
  truncated: boolean;
  /** Offsets of the pages before this one (pages are shorter than pageRows when truncated). */
  readonly back: number[];
}

export class ResultsPanel {
  private readonly sql = el<HTMLTextAreaElement>('sql');
  private readonly status = el<HTMLElement>('query-status');
  private readonly table = el<HTMLTableElement>('results');
  private readonly pager = el<HTMLElement>('pager');
  private readonly pageInfo = el<HTMLElement>('page-info');
  private readonly prev = el<HTMLButtonElement>('page-prev');
  private readonly next = el<HTMLButtonElement>('page-next');
  private readonly asQueried = el<HTMLInputElement>('columns-as-queried');
  private shown: Shown | null = null;

  constructor() {
    el<HTMLFormElement>('query-form').addEventListener('submit', (event) => {
      event.preventDefault();
      void this.run();
    });
    this.prev.addEventListener('click', () => void this.turn(-1));
    this.next.addEventListener('click', () => void this.turn(1));
    this.asQueried.addEventListener('change', () => this.render());
    for (const format of ['csv', 'ndjson'] as const) {
      el(`download-${format}`).addEventListener('click', () => void this.download(format));
    }
  }

  /** The editor's text changed: an error about the old text no longer applies, and the rows are the old query's. */
  queryChanged(): void {
    if (this.status.classList.contains('error')) show(this.status, '');
    el('results-wrap').classList.toggle('stale', this.shown !== null && this.shown.sql !== this.sql.value.trim());
  }

  async run(): Promise<void> {
    const text = this.sql.value.trim();
    if (!text) {
      show(this.status, 'Type a query first.', true);
      this.sql.focus();
      return;
    }
    const wanted = Number(el<HTMLInputElement>('preview-count').value);
    const pageRows = wanted > 0 ? Math.min(1000, Math.floor(wanted)) : DEFAULT_PAGE_ROWS;
    await busy(el('run-query'), async () => {
      show(this.status, 'Running…');
      const started = performance.now();
      try {
        const result = await api.preview(text, pageRows);
        const rows = Array.isArray(result?.rows) ? result.rows : [];
        this.shown = {
          sql: text,
          pageRows,
          offset: 0,
          total: typeof result?.count === 'number' ? result.count : null,
          totalIsLowerBound: result?.countIsLowerBound === true,
          rows,
          columns: columnsOf(rows, result?.columns),
          exhausted: false,
          truncated: result?.truncated === true,
          back: [],
        };
        this.render();
        const seconds = ((performance.now() - started) / 1000).toFixed(2);
        const cut = result?.truncated === true ? '; the page was cut short to keep the answer small' : '';
        show(this.status, `${this.totalText()}, showing ${rows.length.toLocaleString('en-US')} (${seconds} s)${cut}`);
      } catch (err) {
        this.clear();
        show(this.status, (err as Error).message, true);
      }
    });
  }

  private async turn(step: -1 | 1): Promise<void> {
    const shown = this.shown;
    if (!shown) return;
    // Forward from the last row shown (a cut-short page is shorter); back to where the page began.
    const offset = step > 0 ? shown.offset + shown.rows.length : (shown.back[shown.back.length - 1] ?? 0);
    const button = step < 0 ? this.prev : this.next;
    await busy(button, async () => {
      show(this.status, 'Loading…');
      try {
        const inner = shown.sql.replace(/;+\s*$/, '');
        // The newline ends a trailing `--` comment of the user's SQL.
        const result = await api.preview(`SELECT * FROM (\n${inner}\n) AS wshed_page LIMIT ${shown.pageRows} OFFSET ${offset}`, shown.pageRows);
        const rows = Array.isArray(result?.rows) ? result.rows : [];
        if (rows.length === 0 && step > 0) {
          show(this.status, `${this.totalText()}; there are no rows after row ${(shown.offset + shown.rows.length).toLocaleString('en-US')}`);
          shown.exhausted = true;
          return;
        }
        if (step > 0) shown.back.push(shown.offset);
        else shown.back.pop();
        shown.offset = offset;
        shown.exhausted = false;
        shown.truncated = result?.truncated === true;
        shown.rows = rows;
        shown.columns = columnsOf(rows, shown.columns);
        this.render();
        show(this.status, this.totalText());
      } catch (err) {
        show(this.status, (err as Error).message, true);
      }
    });
    this.updatePager();
  }

  private async download(format: 'csv' | 'ndjson'): Promise<void> {
    const shown = this.shown;
    if (!shown) return;
    await busy(el(`download-${format}`), async () => {
      try {
        const { url } = await api.download(shown.sql, format);
        // The service streams the file; the browser writes it to disk as it comes.
        const link = document.createElement('a');
        link.href = url;
        link.download = '';
        link.hidden = true;
        document.body.append(link);
        link.click();
        link.remove();
        show(this.status, `${this.totalText()}; downloading the full result as ${format.toUpperCase()}`);
      } catch (err) {
        show(this.status, (err as Error).message, true);
      }
    });
  }

  private totalText(): string {
    const shown = this.shown;
    if (!shown || shown.total === null) return 'the total could not be counted';
    return shown.totalIsLowerBound ? `at least ${count(shown.total, 'row')}` : `${count(shown.total, 'row')} in total`;
  }

  private render(): void {
    const shown = this.shown;
    el('results-wrap').classList.remove('stale');
    if (!shown) return this.clear();
    renderTable(this.table, shown.rows, orderColumns(shown.columns, this.asQueried.checked), shown.offset + 1);
    this.updatePager();
  }

  private updatePager(): void {
    const shown = this.shown;
    this.pager.hidden = shown === null;
    if (!shown) return;
    const first = shown.offset + 1;
    const last = shown.offset + shown.rows.length;
    const of = shown.total === null ? '' : shown.totalIsLowerBound ? ` of at least ${shown.total.toLocaleString('en-US')}` : ` of ${shown.total.toLocaleString('en-US')}`;
    this.pageInfo.textContent = shown.rows.length === 0 ? 'no rows' : `rows ${first.toLocaleString('en-US')}–${last.toLocaleString('en-US')}${of}`;
    this.prev.disabled = shown.offset === 0;
    const known = shown.total !== null && !shown.totalIsLowerBound;
    this.next.disabled = shown.exhausted || (shown.rows.length < shown.pageRows && !shown.truncated) || (known && last >= shown.total!);
  }

  private clear(): void {
    this.shown = null;
    renderTable(this.table, [], []);
    this.updatePager();
  }
}
