// The user-facing views of a reservoir (`<r>`, `<r>_archived`, `<r>_live`), built on the plan's
// view SQL: metadata under `_` names, each top-level payload key as a typed column, and `payload`.

import type { ArchiveInput, ArchiveStep, ReservoirViewsStep, ReservoirView } from '../../compiler/plan/types.ts';
import { findInput } from '../../compiler/plan/inputs.ts';
import { METADATA_FIELDS } from '../../compiler/record-layout.ts';
import { withArchiveAs, withArchiveRelation } from './duckdb-inputs.ts';
import { duckdbType, payloadType, transformStructure, type PayloadStructure } from './payload-structure.ts';
import type { ArchivedFiles } from './reservoir-snapshot.ts';
import { quoteIdent, quoteString } from './sql-engine.ts';

/** Columns every view starts with: the plan's metadata names (see src/compiler/sql/reservoir-views.ts). */
export const METADATA_COLUMNS: readonly string[] = METADATA_FIELDS.map((f) => `_${f}`);
/** The record data as one JSON value, always last. */
export const PAYLOAD_COLUMN = 'payload';

export interface ReservoirViewInputs {
  readonly views: ReservoirViewsStep;
  readonly archive: ArchiveStep;
  readonly files: ArchivedFiles;
  readonly liveRows: number;
  readonly structure: PayloadStructure;
  /** The views the SQL names (default all): only those are defined, with what they read. */
  readonly wanted?: ReadonlySet<ReservoirView['role']>;
}

export interface ViewDefinitions {
  /** The archive input bound to these file sets under these names (SqlEngine.bindArchive): bind these first. */
  readonly bindings: readonly ArchiveFileSet[];
  /** Then run these, in order (one CREATE VIEW per view). */
  readonly statements: readonly string[];
  /** The same views as name and body (view-inlining.ts places a body where the query names its view). */
  readonly views: readonly { readonly name: string; readonly body: string }[];
  /** The views whose `payload` is the STRUCT of the keys the query extracts (reducedPayload). */
  readonly reducedPayloadViews: readonly string[];
}

export interface ArchiveFileSet {
  readonly input: ArchiveInput;
  readonly as: string;
  readonly files: readonly string[];
  /** The payload typed at the scan (`typed` mode), else null. */
  readonly payloadType: string | null;
}

/**
 * Two ways to turn the payload into typed columns, with the same columns and values:
 * - `typed`: read_json parses each payload straight into the inferred STRUCT. As fast as DuckDB
 *   reading the files itself, but the raw JSON text is gone, so the views then have no `payload`
 *   column: used only for queries that cannot see it (payload-usage.ts decides), or that read it
 *   only as `payload->>'key'`: then those keys are read as JSON and `payload` is a STRUCT of what
 *   `->>` gives for them (reducedPayload).
 * - `json`: the plan's scan (payload as JSON text, which read_json hands over cheaply) then
 *   json_transform. Keeps `payload`; also used for live records (few) and for Parquet reservoirs
 *   (the payload is JSON text there). The fields the query names are transformed together, in
 *   one parse of each payload; every other field is its own expression, which DuckDB drops when
 *   the query does not read it. A full transform of every field would cost as much again as the
 *   scan, for columns most queries never look at.
 * Both are lenient the same way: a value that does not fit its type, a missing key and a payload
 * that is not an object all read as NULL fields (read_json with ignore_errors, json_transform).
 */
type FieldMode = 'typed' | 'json';

const FIELDS = '__wshed_fields';

/** What of the payload the query can see (payload-usage.ts). */
export interface ViewUsage {
  readonly raw: boolean;
  /** Lower-cased names the query mentions; null: it may read every column. */
  readonly names: ReadonlySet<string> | null;
  /** The query reads `payload` only as `payload->>'key'` with these keys (payload-usage.ts). */
  readonly extractedKeys?: ReadonlySet<string>;
}

/**
 * `relations`: the SQL of each binding's relation (by its `as`, SqlEngine.archiveRelation) to place
 * in the views instead of naming it; without, the views name the bindings (SqlEngine.bindArchive).
 */
export function defineReservoirViews(inputs: ReservoirViewInputs, usage: ViewUsage, relations?: ReadonlyMap<string, string>): ViewDefinitions {
  const rawPayload = usage.raw;
  const { views, archive, files, structure } = inputs;
  const plan = (role: ReservoirView['role']) => {
    const view = views.views.find((v) => v.role === role);
    if (!view) throw new Error(`the plan has no ${role} view for reservoir '${views.reservoir}'`);
    return view;
  };
  const statements: string[] = [];
  const defined: { name: string; body: string }[] = [];
  const input = findInput(views.inputs, 'archive');
  if (!input) throw new Error(`the plan's views of reservoir '${views.reservoir}' have no archive input`);
  const bindings: ArchiveFileSet[] = [];
  /** The archive input bound to `urls` (typed as `mode` says), under a name of its own. */
  const fileSet = (part: string, urls: readonly string[]) => (mode: FieldMode) => {
    const as = `wshed_archive_${views.reservoir}_${part}_${mode}`;
    if (!bindings.some((b) => b.as === as)) {
      bindings.push({ input, as, files: urls, payloadType: mode === 'typed' ? duckdbType(payloadType(scanned)) : null });
    }
    return as;
  };
  // `payload->>'key'` only: the typed scan can give each key's value as read (reducedPayload).
  const extracted = reducedPayloadKeys(inputs, usage);
  const scanned = extracted ? withJsonKeys(structure, extracted) : structure;
  const typedPossible = structure.fields.length > 0 && archive.format === 'json' && (!rawPayload || extracted !== null);
  const archivedMode: FieldMode = typedPossible ? 'typed' : 'json';
  const scanOf = (sql: string, set: (mode: FieldMode) => string, mode: FieldMode) => {
    const as = set(mode);
    const relation = relations?.get(as);
    return relation !== undefined ? withArchiveRelation(sql, input, relation) : withArchiveAs(sql, input, as);
  };
  const withFields = (sql: string, mode: FieldMode) =>
    fieldsView(sql, structure, mode, rawPayload || structure.fields.length === 0, usage.names, mode === 'typed' ? extracted : null);

  const all = fileSet('all', files.all);
  const archived = plan('archived');
  const live = plan('live');
  const unified = plan('unified');
  const create = (name: string, body: string) => {
    statements.push(`CREATE VIEW ${quoteIdent(name)} AS ${body}`);
    defined.push({ name, body });
  };
  // Each view DuckDB binds on creation costs a few milliseconds: only those the SQL can reach.
  const wanted = (role: ReservoirView['role']) => !inputs.wanted || inputs.wanted.has(role);
  const unifiedIsArchive = archive.via === 'archiver' && inputs.liveRows === 0;

  const archivedBody = () => withFields(scanOf(archived.sql.duckdb, all, archivedMode), archivedMode);
  if (wanted('archived')) create(archived.name, archivedBody());
  if (wanted('live')) create(live.name, withFields(live.sql.duckdb, 'json'));
  if (wanted('unified')) create(unified.name, unifiedBody());
  const reduced = extracted !== null && archivedMode === 'typed';
  const reducedPayloadViews = reduced ? [archived.name, ...(archive.via === 'archiver' && unifiedIsArchive ? [unified.name] : [])] : [];
  return { bindings, statements, views: defined, reducedPayloadViews };

  function unifiedBody(): string {
    if (archive.via !== 'archiver') {
      // Only the archiver guarantees each record is in one file once; otherwise keep the plan's
      // de-duplication over everything.
      return withFields(scanOf(unified.sql.duckdb, all, 'json'), 'json');
    }
    // Nothing live to repeat, and the archiver writes each record once: the unified view is the
    // archive (its own copy of the body: DuckDB binds a view over a view twice).
    if (unifiedIsArchive) return archivedBody();
    // The plan's de-duplication (archived copy kept) over the files that may repeat live records,
    // and the rest of the archive as is: de-duplicating a million archived rows that cannot
    // repeat anything would cost more than the query.
    const overlapping = withFields(scanOf(unified.sql.duckdb, fileSet('overlapping', files.overlapping), 'json'), 'json');
    const settled = withFields(scanOf(archived.sql.duckdb, fileSet('settled', files.settled), archivedMode), archivedMode);
    return `${overlapping}\nUNION ALL\n${settled}`;
  }
}

/**
 * The plan view's rows with the payload's top-level keys as columns (and `payload` when `raw`).
 * In json mode the fields in `named` (all when null) share one json_transform; the others are
 * each their own, computed only if the query reads them after all.
 */
function fieldsView(
  planSql: string,
  structure: PayloadStructure,
  mode: FieldMode,
  raw: boolean,
  named: ReadonlySet<string> | null,
  extracted: readonly string[] | null,
): string {
  const metadata = METADATA_COLUMNS.map((c) => `v.${quoteIdent(c)}`);
  const payload = !raw ? [] : extracted ? [reducedPayload(extracted)] : [`v.${quoteIdent(PAYLOAD_COLUMN)}`];
  if (structure.fields.length === 0) return `SELECT ${[...metadata, ...payload].join(', ')} FROM (${planSql}) AS v`;
  if (mode === 'typed') {
    const fields = structure.fields.map((f) => `struct_extract(v.${quoteIdent(PAYLOAD_COLUMN)}, ${quoteString(f.name)}) AS ${quoteIdent(f.name)}`);
    return `SELECT ${[...metadata, ...fields, ...payload].join(', ')} FROM (${planSql}) AS v`;
  }
  const together = structure.fields.filter((f) => named === null || named.has(f.name.toLowerCase()));
  const transform = (source: string, fields: PayloadStructure['fields']) =>
    `json_transform(${source}, ${quoteString(JSON.stringify(transformStructure(payloadType({ ...structure, fields }))))})`;
  const fields = structure.fields.map((f) =>
    together.includes(f)
      ? `struct_extract(v.${quoteIdent(FIELDS)}, ${quoteString(f.name)}) AS ${quoteIdent(f.name)}`
      : `struct_extract(${transform(`v.${quoteIdent(PAYLOAD_COLUMN)}`, [f])}, ${quoteString(f.name)}) AS ${quoteIdent(f.name)}`,
  );
  const select = [...metadata, ...fields, ...payload].join(', ');
  if (together.length === 0) return `SELECT ${select} FROM (${planSql}) AS v`;
  return `SELECT ${select} FROM (SELECT *, ${transform(quoteIdent(PAYLOAD_COLUMN), together)} AS ${quoteIdent(FIELDS)} FROM (${planSql}) AS p) AS v`;
}

/**
 * The keys a query reads as `payload->>'key'` and nothing else of `payload` (payload-usage.ts),
 * when the archive's typed scan can answer them: JSON files, a unified view that is not a union
 * with the JSON path (no live records to de-duplicate), no key the query also names as a column
 * (its column would change type) and none equal to a field but for case (a STRUCT cannot hold both).
 */
function reducedPayloadKeys(inputs: ReservoirViewInputs, usage: ViewUsage): string[] | null {
  const keys = usage.extractedKeys;
  if (!usage.raw || !keys || keys.size === 0 || usage.names === null) return null;
  if (inputs.archive.format !== 'json' || inputs.structure.fields.length === 0) return null;
  if (inputs.archive.via === 'archiver' && inputs.liveRows > 0) return null;
  // A STRUCT's field names are matched ignoring case: no two keys may differ only in case.
  if (new Set([...keys].map((k) => k.toLowerCase())).size !== keys.size) return null;
  for (const key of keys) {
    if (usage.names.has(key.toLowerCase())) return null;
    if (inputs.structure.fields.some((f) => f.name !== key && f.name.toLowerCase() === key.toLowerCase())) return null;
  }
  return [...keys];
}

/** The payload's type at the typed scan with `keys` read as JSON (the value as written), beside the other fields. */
function withJsonKeys(structure: PayloadStructure, keys: readonly string[]): PayloadStructure {
  const json = { kind: 'scalar', name: 'JSON' } as const;
  const fields = structure.fields.map((f) => (keys.includes(f.name) ? { name: f.name, type: json } : f));
  for (const key of keys) if (!fields.some((f) => f.name === key)) fields.push({ name: key, type: json });
  return { ...structure, fields };
}

/**
 * `payload` as a STRUCT of `keys` alone, each the text `payload->>'key'` gives on the full payload
 * (from the JSON text read_json gives for the value: a string without escapes is its text between
 * the quotes, anything else goes through `->>` itself; JSON null and a missing key are NULL). The
 * query's `payload->>'key'` then answers the same either way: rewritten to a field of this STRUCT
 * (payload-extraction.ts), or as written, with the STRUCT cast to JSON (strings, so the same text).
 */
function reducedPayload(keys: readonly string[]): string {
  const fields = keys.map((k) => {
    const json = `struct_extract(v.${quoteIdent(PAYLOAD_COLUMN)}, ${quoteString(k)})`;
    return `${quoteIdent(k)} := CASE WHEN starts_with(${json}, '"') AND NOT contains(${json}, '\\') THEN ${json}[2:-2] ELSE ${json}->>'$' END`;
  });
  return `struct_pack(${fields.join(', ')}) AS ${quoteIdent(PAYLOAD_COLUMN)}`;
}
