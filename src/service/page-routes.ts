// The routes the web page needs beside the pump's own: the catalog (schema, saved queries,
// replays), previews of the records a job or a declared replay would emit, and streamed downloads
// of a query's full result. None of them changes a job or a stream.

import type { PumpContext } from './context.ts';
import { readCatalog } from './catalog.ts';
import { issueTicket, streamDownload } from './downloads.ts';
import { EmitPreviewRefused, previewDeclaredReplay, previewQueryJob, type EmitPreview } from './emit-preview.ts';
import type { Answer, RouteEntry } from './routes.ts';
import { isSqlMistake, sqlMistakeText } from './preview.ts';
import { checkJobBody, parseJsonObject } from './validate.ts';

/** Records a declared replay's preview shows. */
export const REPLAY_PREVIEW_RECORDS = 10;
const DEFAULT_PREVIEW_RECORDS = 10;
/** Records are shown whole (never cut, unlike preview rows): few of them, so up to 1 MiB each stays small. */
export const MAX_RECORDS_PREVIEW = 100;

const ID = '([^/]+)';
const error = (status: number, message: string, field?: string): Answer => ({ status, body: { error: message, ...(field ? { field } : {}) } });

export const PAGE_ROUTES: readonly RouteEntry[] = [
  { method: 'GET', pattern: /^\/pump\/catalog$/, route: { kind: 'json', needsBody: false, handle: async ({ ctx }) => ({ status: 200, body: await readCatalog(ctx) }) } },
  { method: 'POST', pattern: /^\/pump\/records\/preview$/, route: { kind: 'json', needsBody: true, handle: async ({ ctx }, _p, body) => previewRecords(ctx, body) } },
  {
    method: 'GET',
    pattern: new RegExp(`^/pump/replays/${ID}/preview$`),
    route: { kind: 'json', needsBody: false, handle: async ({ ctx }, [name]) => refusedOr(() => previewDeclaredReplay(ctx, name, REPLAY_PREVIEW_RECORDS)) },
  },
  {
    method: 'POST',
    pattern: /^\/pump\/downloads$/,
    route: {
      kind: 'json',
      needsBody: true,
      handle: async ({ ctx }, _p, text) => {
        const parsed = parseJsonObject(text);
        return parsed.ok ? issueTicket(ctx, parsed.value) : error(parsed.status, parsed.error, parsed.field);
      },
    },
  },
  { method: 'GET', pattern: new RegExp(`^/pump/downloads/${ID}$`), route: { kind: 'stream', handle: ({ ctx }, [id], req, res) => streamDownload(ctx, id, req, res) } },
];

/** POST /pump/records/preview: a job request (as POST /pump/jobs takes) plus `previewCount`. */
async function previewRecords(ctx: PumpContext, text: string): Promise<Answer> {
  const parsed = parseJsonObject(text);
  if (!parsed.ok) return error(parsed.status, parsed.error, parsed.field);
  const { previewCount, ...job } = parsed.value;
  const n = previewCount ?? DEFAULT_PREVIEW_RECORDS;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_RECORDS_PREVIEW) {
    return error(400, `previewCount must be a whole number from 1 to ${MAX_RECORDS_PREVIEW}, not ${JSON.stringify(n)}`, 'previewCount');
  }
  const checked = checkJobBody(job);
  if (!checked.ok) return error(checked.status, checked.error, checked.field);
  return refusedOr(() => previewQueryJob(ctx, checked.value, n));
}

async function refusedOr(work: () => Promise<EmitPreview>): Promise<Answer> {
  try {
    return { status: 200, body: await work() };
  } catch (err) {
    if (err instanceof EmitPreviewRefused) return error(err.status, err.message, err.field);
    // The SQL (or the data it reads) is the caller's to fix, as in POST /pump/jobs/preview.
    if (isSqlMistake(err)) return error(400, `queryIn: ${sqlMistakeText(err)}`, 'queryIn');
    // A declared replay's own failures (its destination, its SQL over the data) are coded WS75x/WS76x.
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && /^WS7[56]\d$/.test(code)) return error(400, (err as Error).message);
    throw err;
  }
}
