// Checks `stream` declarations: shard count, retention within Kinesis limits, the record key.

import type { StreamDecl, StreamProperty } from '../ast.ts';
import type { StreamModel } from '../model.ts';
import { didYouMean } from '../suggest.ts';
import { CheckContext, reportRepeats } from './context.ts';
import { parseDuration } from './values.ts';

const STREAM_PROPERTIES = ['shards', 'retention', 'key'];
const HOUR = 3_600_000;
/** Kinesis allows 24 hours (the default) to 365 days. */
const MIN_RETENTION_HOURS = 24;
const MAX_RETENTION_HOURS = 8760;
const MAX_SHARDS = 10_000;

export function checkStream(ctx: CheckContext, decl: StreamDecl): StreamModel {
  const where = `stream '${decl.name.text}'`;
  for (const p of decl.properties) {
    if (p.kind === 'unknown') {
      ctx.report('WS106', p.word.span, { word: p.word.text, where }, didYouMean(p.word.text, STREAM_PROPERTIES));
    }
  }
  const props = reportRepeats(ctx, decl.properties, where);
  const get = <K extends StreamProperty['kind']>(kind: K) => props.get(kind) as Extract<StreamProperty, { kind: K }> | undefined;

  let shards = 1;
  const shardsProp = get('shards');
  if (shardsProp) {
    const n = shardsProp.count.value;
    if (!Number.isInteger(n) || n < 1 || n > MAX_SHARDS) {
      ctx.report('WS308', shardsProp.count.span, { what: 'shards', rule: `a whole number from 1 to ${MAX_SHARDS}`, text: shardsProp.count.text });
    } else {
      shards = n;
    }
  }

  let retentionHours = MIN_RETENTION_HOURS;
  const retention = get('retention');
  if (retention) {
    const ms = ctx.quantity('WS302', retention.duration, parseDuration);
    if (ms !== undefined) {
      const hours = ms / HOUR;
      if (!Number.isInteger(hours) || hours < MIN_RETENTION_HOURS || hours > MAX_RETENTION_HOURS) {
        ctx.report('WS309', retention.duration.span, { text: retention.duration.text });
      } else {
        retentionHours = hours;
      }
    }
  }

  const keyProp = get('key');
  const key = keyProp ? (ctx.key(keyProp.key) ?? null) : null;
  return { name: decl.name.text, shards, retentionHours, key, span: decl.span };
}
