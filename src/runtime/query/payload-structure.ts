// Infers the structure of JSON-object payloads from a sample, as the typed fields the query views
// expose as columns: a DuckDB type per top-level key and the matching json_transform structure.

/** What the sample showed at one position: the kinds of value seen, and what objects and arrays held. */
interface Seen {
  kinds: number;
  fields: Map<string, Seen> | null;
  /** Past MAX_STRUCT_KEYS distinct keys no more are kept: the position is a map, so JSON. */
  tooManyKeys: boolean;
  item: Seen | null;
}

const NULL = 1;
const BOOLEAN = 2;
const INTEGER = 4;
const DOUBLE = 8;
const STRING = 16;
const ARRAY = 32;
const OBJECT = 64;

export type FieldType =
  | { readonly kind: 'scalar'; readonly name: 'BOOLEAN' | 'BIGINT' | 'DOUBLE' | 'VARCHAR' | 'JSON' }
  | { readonly kind: 'list'; readonly item: FieldType }
  | { readonly kind: 'struct'; readonly fields: readonly PayloadField[] };

export interface PayloadField {
  readonly name: string;
  readonly type: FieldType;
}

export interface PayloadStructure {
  /** Top-level keys of the object payloads that become columns, in first-seen order. */
  readonly fields: readonly PayloadField[];
  /** Keys seen that are not columns, each with why (for the notes). */
  readonly skipped: readonly string[];
  /** Payloads looked at, and how many were JSON objects. */
  readonly sampled: number;
  readonly objects: number;
}

/** More distinct keys than this and an object is a map (ids as keys), not a record: JSON. */
export const MAX_STRUCT_KEYS = 200;
/** Deeper nesting stays JSON: the type text would grow without helping anyone query it. */
const MAX_DEPTH = 12;
const INT64_LIMIT = 2 ** 63;
const JSON_TYPE: FieldType = { kind: 'scalar', name: 'JSON' };

/**
 * The rules follow DuckDB's own JSON detection (json_structure, read_json's sampling), so a field
 * reads the same whether wshed or DuckDB typed it: integers are BIGINT, any fraction makes DOUBLE,
 * values of different kinds make JSON, nested objects become STRUCTs and arrays lists. Where DuckDB
 * would switch to a MAP (objects with very many distinct keys) the field stays JSON instead, so it
 * is still reachable with `->>`.
 *
 * `reserved` are the view's own column names (metadata, `payload`): a payload key equal to one of
 * them, ignoring case as DuckDB does, stays reachable through `payload` only.
 */
export function inferPayloadStructure(payloads: Iterable<unknown>, reserved: readonly string[]): PayloadStructure {
  const sample = PayloadSample.empty();
  for (const payload of payloads) sample.add(payload);
  return sample.structure(reserved);
}

/**
 * What payloads showed so far, updated in place (samples of thousands of payloads cost a few
 * milliseconds), as plain data that can be kept and read back (structure-cache.ts): more payloads
 * added to a sample read back give the structure the same payloads give in one go.
 */
export class PayloadSample {
  private constructor(
    private readonly top: Seen,
    private sampled: number,
    private objects: number,
  ) {}

  static empty(): PayloadSample {
    return new PayloadSample(seen(), 0, 0);
  }

  add(payload: unknown): void {
    this.sampled++;
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return;
    this.objects++;
    add(this.top, payload, 0);
  }

  /** See inferPayloadStructure. */
  structure(reserved: readonly string[]): PayloadStructure {
    const { top, sampled, objects } = this;
    if (top.tooManyKeys) {
      return { fields: [], skipped: [`payload objects have more than ${MAX_STRUCT_KEYS} distinct keys, so none is a column`], sampled, objects };
    }
    const skipped: string[] = [];
    return { fields: top.fields ? structFields(top.fields, skipped, '', reserved) : [], skipped, sampled, objects };
  }

  /** The sample as JSON-ready data (keys in first-seen order). */
  toData(): unknown {
    return { sampled: this.sampled, objects: this.objects, top: seenData(this.top) };
  }

  /** A sample from toData's value; null when the value is not one (a damaged or older cache). */
  static fromData(data: unknown): PayloadSample | null {
    if (data === null || typeof data !== 'object') return null;
    const { sampled, objects, top } = data as Record<string, unknown>;
    if (!Number.isSafeInteger(sampled) || !Number.isSafeInteger(objects)) return null;
    const restored = seenFrom(top);
    return restored ? new PayloadSample(restored, sampled as number, objects as number) : null;
  }
}

type SeenData = { k: number; f?: [string, SeenData][]; t?: true; i?: SeenData };

function seenData(at: Seen): SeenData {
  return {
    k: at.kinds,
    ...(at.fields ? { f: [...at.fields].map(([name, s]): [string, SeenData] => [name, seenData(s)]) } : {}),
    ...(at.tooManyKeys ? { t: true as const } : {}),
    ...(at.item ? { i: seenData(at.item) } : {}),
  };
}

function seenFrom(data: unknown): Seen | null {
  if (data === null || typeof data !== 'object') return null;
  const { k, f, t, i } = data as Record<string, unknown>;
  if (!Number.isSafeInteger(k)) return null;
  const at: Seen = { kinds: k as number, fields: null, tooManyKeys: t === true, item: null };
  if (f !== undefined) {
    if (!Array.isArray(f)) return null;
    at.fields = new Map();
    for (const entry of f) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string') return null;
      const field = seenFrom(entry[1]);
      if (!field) return null;
      at.fields.set(entry[0], field);
    }
  }
  if (i !== undefined) {
    at.item = seenFrom(i);
    if (!at.item) return null;
  }
  return at;
}

function seen(): Seen {
  return { kinds: 0, fields: null, tooManyKeys: false, item: null };
}

function add(at: Seen, value: unknown, depth: number): void {
  if (value === null) {
    at.kinds |= NULL;
    return;
  }
  switch (typeof value) {
    case 'boolean':
      at.kinds |= BOOLEAN;
      return;
    case 'number':
      at.kinds |= Number.isInteger(value) && Math.abs(value) < INT64_LIMIT ? INTEGER : DOUBLE;
      return;
    case 'string':
      at.kinds |= STRING;
      return;
  }
  if (Array.isArray(value)) {
    at.kinds |= ARRAY;
    if (depth >= MAX_DEPTH) return;
    at.item ??= seen();
    for (const v of value) add(at.item, v, depth + 1);
    return;
  }
  at.kinds |= OBJECT;
  if (depth >= MAX_DEPTH || at.tooManyKeys) return;
  at.fields ??= new Map();
  for (const key in value as Record<string, unknown>) {
    let field = at.fields.get(key);
    if (!field) {
      if (at.fields.size >= MAX_STRUCT_KEYS) {
        at.tooManyKeys = true;
        at.fields = null;
        return;
      }
      field = seen();
      at.fields.set(key, field);
    }
    add(field, (value as Record<string, unknown>)[key], depth + 1);
  }
}

function fieldType(at: Seen, skipped: string[], path: string): FieldType {
  const kinds = at.kinds & ~NULL;
  if (kinds === BOOLEAN) return { kind: 'scalar', name: 'BOOLEAN' };
  if (kinds === INTEGER) return { kind: 'scalar', name: 'BIGINT' };
  if (kinds === DOUBLE || kinds === (INTEGER | DOUBLE)) return { kind: 'scalar', name: 'DOUBLE' };
  if (kinds === STRING) return { kind: 'scalar', name: 'VARCHAR' };
  if (kinds === ARRAY && at.item) return { kind: 'list', item: fieldType(at.item, skipped, `${path}[]`) };
  if (kinds === OBJECT && at.fields && !at.tooManyKeys) {
    const fields = structFields(at.fields, skipped, path, []);
    // `{}` everywhere in the sample: an empty STRUCT is not a type.
    if (fields.length > 0) return { kind: 'struct', fields };
  }
  // Only nulls, kinds that do not mix (DuckDB's rule), too deep, or a map.
  return JSON_TYPE;
}

function structFields(fields: Map<string, Seen>, skipped: string[], path: string, reserved: readonly string[]): PayloadField[] {
  const taken = new Set(reserved.map((r) => r.toLowerCase()));
  const out: PayloadField[] = [];
  for (const [name, at] of fields) {
    const where = path === '' ? name : `${path}.${name}`;
    if (name === '') skipped.push(`'${where}' (an empty key)`);
    else if (taken.has(name.toLowerCase())) skipped.push(`'${where}' (its name, ignoring case, is taken)`);
    else out.push({ name, type: fieldType(at, skipped, where) });
    taken.add(name.toLowerCase());
  }
  return out;
}

/** The DuckDB type text: `STRUCT("id" VARCHAR, "tags" VARCHAR[])`. */
export function duckdbType(type: FieldType): string {
  switch (type.kind) {
    case 'scalar':
      return type.name;
    case 'list':
      return `${duckdbType(type.item)}[]`;
    case 'struct':
      return `STRUCT(${type.fields.map((f) => `"${f.name.replaceAll('"', '""')}" ${duckdbType(f.type)}`).join(', ')})`;
  }
}

/** The same type as a json_transform structure: `{"id":"VARCHAR","tags":["VARCHAR"]}`. */
export function transformStructure(type: FieldType): unknown {
  switch (type.kind) {
    case 'scalar':
      return type.name;
    case 'list':
      return [transformStructure(type.item)];
    case 'struct':
      return Object.fromEntries(type.fields.map((f) => [f.name, transformStructure(f.type)]));
  }
}

/** The struct of every top-level field: the payload's type in the views. */
export function payloadType(structure: PayloadStructure): FieldType {
  return { kind: 'struct', fields: structure.fields };
}
