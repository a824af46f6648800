// Checks `reservoir` declarations: the source stream, location, format, partitioning and how
// records are archived (the built-in archiver or Firehose within Firehose's buffer limits).

import type { ReservoirDecl, ReservoirProperty, StringLit } from '../ast.ts';
import type { ArchiveMethod, Location, ReservoirModel } from '../model.ts';
import type { PartitionScheme, ReservoirFormat } from '../record-layout.ts';
import { didYouMean } from '../suggest.ts';
import { CheckContext, reportRepeats } from './context.ts';
import { parseDuration, parseSize } from './values.ts';

const RESERVOIR_PROPERTIES = ['from', 'at', 'format', 'partition', 'archive'];
const FORMATS: readonly ReservoirFormat[] = ['json', 'parquet'];
const PARTITIONS: readonly PartitionScheme[] = ['hourly', 'daily'];
const ARCHIVERS = ['archiver', 'firehose'];
const DEFAULT_EVERY_SECONDS = 3600;
/** Firehose's S3 buffering limits. */
// watershed's delivery streams partition records dynamically (by each record's arrival time), and
// Firehose then buffers at least 64 MiB.
const FIREHOSE = { minBytes: 64 * 1024 ** 2, maxBytes: 128 * 1024 ** 2, minSeconds: 0, maxSeconds: 900, defaultBytes: 64 * 1024 ** 2, defaultSeconds: 300 };

export function checkReservoir(ctx: CheckContext, decl: ReservoirDecl, streamNames: ReadonlySet<string>): ReservoirModel | undefined {
  const where = `reservoir '${decl.name.text}'`;
  for (const p of decl.properties) {
    if (p.kind === 'unknown') {
      ctx.report('WS106', p.word.span, { word: p.word.text, where }, didYouMean(p.word.text, RESERVOIR_PROPERTIES));
    }
  }
  const props = reportRepeats(ctx, decl.properties, where);
  const get = <K extends ReservoirProperty['kind']>(kind: K) => props.get(kind) as Extract<ReservoirProperty, { kind: K }> | undefined;

  const from = get('from');
  let stream: string | undefined;
  if (!from) {
    ctx.report('WS108', decl.name.span, { where, property: 'from stream NAME' });
  } else if (!streamNames.has(from.stream.text)) {
    ctx.report('WS201', from.stream.span, { name: from.stream.text }, didYouMean(from.stream.text, streamNames));
  } else {
    stream = from.stream.text;
  }

  const at = get('at');
  const location = at ? checkLocation(ctx, at.location) : { kind: 'local' as const, path: `./.wshed/reservoir/${decl.name.text}` };

  let format: ReservoirFormat = 'json';
  const formatProp = get('format');
  if (formatProp) {
    const word = formatProp.format.text;
    if ((FORMATS as readonly string[]).includes(word)) format = word as ReservoirFormat;
    else ctx.report('WS306', formatProp.format.span, { word }, [...didYouMean(word, FORMATS), 'formats are json and parquet']);
  }

  let partition: PartitionScheme = 'hourly';
  const partitionProp = get('partition');
  if (partitionProp) {
    const word = partitionProp.partition.text;
    if ((PARTITIONS as readonly string[]).includes(word)) partition = word as PartitionScheme;
    else ctx.report('WS307', partitionProp.partition.span, { word }, [...didYouMean(word, PARTITIONS), 'partitioning is hourly or daily']);
  }

  const archive = checkArchive(ctx, get('archive'));
  if (!stream || !location || !archive) return undefined;
  return { name: decl.name.text, stream, location, format, partition, archive, locationSpan: at?.location.span ?? decl.name.span, span: decl.span };
}

function checkLocation(ctx: CheckContext, lit: StringLit): Location | undefined {
  const text = lit.value;
  if (lit.unterminated) return { kind: 'local', path: text };
  const fail = (why: string) => {
    ctx.report('WS314', lit.span, { text, why });
    return undefined;
  };
  if (text.trim() === '') return fail('it is empty');
  // The engines read a reservoir through a glob under its location: a glob character in the
  // location itself would read other folders too (or none), so it is refused here.
  const glob = /[*?[\]{}]/.exec(text);
  if (glob) return fail(`'${glob[0]}' is a glob character; a location names one folder`);
  if (/^s3:\/\//i.test(text)) {
    const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(text);
    if (!m) return fail('expected s3://bucket/prefix');
    const [, bucket, prefix] = m;
    // S3 bucket naming rules: 3–63 characters of lower-case letters, digits, dots and hyphens.
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) return fail(`'${bucket}' is not a valid S3 bucket name`);
    return { kind: 's3', bucket, prefix: prefix.replace(/\/+$/, '') };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return fail('only local paths and s3:// locations are supported');
  return { kind: 'local', path: text };
}

function checkArchive(ctx: CheckContext, prop: Extract<ReservoirProperty, { kind: 'archive' }> | undefined): ArchiveMethod | undefined {
  if (!prop) return { via: 'archiver', everySeconds: DEFAULT_EVERY_SECONDS };
  const via = prop.via.text;
  if (via === 'archiver') {
    if (prop.buffer) ctx.report('WS316', prop.buffer.span, { what: 'setting', text: 'buffer', why: 'only Firehose buffers; the archiver runs every DURATION' });
    const ms = prop.every ? ctx.quantity('WS302', prop.every, parseDuration) : DEFAULT_EVERY_SECONDS * 1000;
    if (ms === undefined) return undefined;
    return { via: 'archiver', everySeconds: Math.max(1, Math.round(ms / 1000)) };
  }
  if (via === 'firehose') {
    if (prop.every) ctx.report('WS316', prop.every.span, { what: 'setting', text: 'every', why: "Firehose delivers as its buffer fills; use 'buffer SIZE DURATION'" });
    let bufferBytes = FIREHOSE.defaultBytes;
    let bufferSeconds = FIREHOSE.defaultSeconds;
    if (prop.buffer) {
      const bytes = ctx.quantity('WS303', prop.buffer.size, parseSize);
      const ms = ctx.quantity('WS302', prop.buffer.interval, parseDuration);
      if (bytes === undefined || ms === undefined) return undefined;
      if (bytes < FIREHOSE.minBytes || bytes > FIREHOSE.maxBytes) {
        ctx.report('WS303', prop.buffer.size.span, { text: prop.buffer.size.text, why: 'Firehose buffers 64MB to 128MB when it partitions records by arrival time, as watershed\'s delivery streams do' });
        return undefined;
      }
      const seconds = ms / 1000;
      if (!Number.isInteger(seconds) || seconds > FIREHOSE.maxSeconds) {
        ctx.report('WS302', prop.buffer.interval.span, { text: prop.buffer.interval.text, why: 'Firehose buffers for whole seconds, up to 900s' });
        return undefined;
      }
      bufferBytes = bytes;
      bufferSeconds = seconds;
    }
    return { via: 'firehose', bufferBytes, bufferSeconds };
  }
  ctx.report('WS315', prop.via.span, { word: via }, [...didYouMean(via, ARCHIVERS), 'archive via archiver (built in) or via firehose']);
  return undefined;
}
