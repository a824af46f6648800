// Checks request bodies before anything changes: every mistake answers 400 with a message naming
// the field (as data, never as an exception), so a bad request leaves no job behind.

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly status: number; readonly error: string; readonly field?: string };

export interface JobBody {
  readonly queryIn: string;
  readonly streamOut: string;
  readonly hasReplayFlag: boolean;
  readonly hasOverwriteFlag: boolean;
  readonly partitionKeyColumn: string | null;
  readonly rawDataColumn: string | null;
}

export interface PreviewBody {
  readonly queryIn: string;
  readonly previewCount: number;
}

/** Most rows a preview returns. */
export const MAX_PREVIEW_COUNT = 1000;
/** Longest SQL accepted (the body limit bounds it too). */
const MAX_SQL_CHARS = 256 * 1024;

const bad = (error: string, field?: string): Checked<never> => ({ ok: false, status: 400, error, ...(field ? { field } : {}) });

/** Parses a JSON body that must be an object. */
export function parseJsonObject(text: string): Checked<Record<string, unknown>> {
  if (text.trim() === '') return bad('the request body is empty: send a JSON object');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return bad(`the request body is not valid JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return bad('the request body must be a JSON object');
  return { ok: true, value: value as Record<string, unknown> };
}

const JOB_FIELDS = ['queryIn', 'streamOut', 'hasReplayFlag', 'hasOverwriteFlag', 'partitionKeyColumn', 'rawDataColumn'];
const PREVIEW_FIELDS = ['queryIn', 'previewCount'];

export function checkJobBody(body: Record<string, unknown>): Checked<JobBody> {
  const unknown = unknownField(body, JOB_FIELDS);
  if (unknown) return unknown;
  const sql = checkSql(body.queryIn);
  if (!sql.ok) return sql;
  const stream = body.streamOut;
  if (stream === undefined) return bad('streamOut is missing: name the stream to emit into', 'streamOut');
  if (typeof stream !== 'string') return bad(`streamOut must be a string, not ${typeName(stream)}`, 'streamOut');
  if (!/^[a-zA-Z0-9_.-]{1,128}$/.test(stream)) return bad('streamOut is not a Kinesis stream name (1 to 128 of a-z A-Z 0-9 _ . -)', 'streamOut');
  const flags: Record<string, boolean> = {};
  for (const field of ['hasReplayFlag', 'hasOverwriteFlag']) {
    const v = body[field];
    if (v === undefined) return bad(`${field} is missing: true or false`, field);
    if (typeof v !== 'boolean') return bad(`${field} must be true or false, not ${typeName(v)}`, field);
    flags[field] = v;
  }
  const columns: Record<string, string | null> = {};
  for (const field of ['partitionKeyColumn', 'rawDataColumn']) {
    const v = body[field];
    if (v === undefined || v === null) columns[field] = null;
    else if (typeof v !== 'string' || v === '') return bad(`${field} must be a column name (a non-empty string), not ${typeName(v)}`, field);
    else columns[field] = v;
  }
  return {
    ok: true,
    value: {
      queryIn: sql.value,
      streamOut: stream,
      hasReplayFlag: flags.hasReplayFlag,
      hasOverwriteFlag: flags.hasOverwriteFlag,
      partitionKeyColumn: columns.partitionKeyColumn,
      rawDataColumn: columns.rawDataColumn,
    },
  };
}

export function checkPreviewBody(body: Record<string, unknown>): Checked<PreviewBody> {
  const unknown = unknownField(body, PREVIEW_FIELDS);
  if (unknown) return unknown;
  const sql = checkSql(body.queryIn);
  if (!sql.ok) return sql;
  const n = body.previewCount;
  if (n === undefined) return bad('previewCount is missing: the number of rows to show', 'previewCount');
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_PREVIEW_COUNT) {
    return bad(`previewCount must be a whole number from 1 to ${MAX_PREVIEW_COUNT}, not ${JSON.stringify(n)}`, 'previewCount');
  }
  return { ok: true, value: { queryIn: sql.value, previewCount: n } };
}

function checkSql(v: unknown): Checked<string> {
  if (v === undefined) return bad('queryIn is missing: the SQL whose rows to emit', 'queryIn');
  if (typeof v !== 'string') return bad(`queryIn must be a string of SQL, not ${typeName(v)}`, 'queryIn');
  if (v.trim() === '') return bad('queryIn is empty', 'queryIn');
  if (v.length > MAX_SQL_CHARS) return bad(`queryIn is longer than ${MAX_SQL_CHARS} characters`, 'queryIn');
  return { ok: true, value: v };
}

function unknownField(body: Record<string, unknown>, known: readonly string[]): Checked<never> | null {
  const extra = Object.keys(body).find((k) => !known.includes(k));
  return extra === undefined ? null : bad(`unknown field '${extra}' (expected: ${known.join(', ')})`, extra);
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}
