// What `wshed plan` shows of each step: attribute lines (name = value) and text blocks (SQL,
// DDL, plugin JSON). The summary keeps the key attributes; `full` adds the order (`after`), the
// relations the runtime provides and every text block. Plain text, deterministic, no colour.

import type { Key, Location } from '../model.ts';
import { humanBytes, humanDuration } from './human.ts';
import type { TargetName } from '../target-config.ts';
import { inputBinding } from './inputs.ts';
import type { PlanInput, PlanStep, ReplayOperator } from './types.ts';

export type Dialect = 'duckdb' | 'drill';

export type Line =
  | { readonly kind: 'attr'; readonly name: string; readonly value: string }
  | { readonly kind: 'block'; readonly title: string; readonly text: string }
  | { readonly kind: 'list'; readonly title: string; readonly items: readonly string[] };

const attr = (name: string, value: string): Line => ({ kind: 'attr', name, value });
const q = (value: string | null): string => (value === null ? 'null' : JSON.stringify(value));
const names = (values: readonly string[]): string => `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;

export const keyText = (key: Key): string => (key.kind === 'meta' ? `@${key.name}` : key.path.join('.'));
export const locationText = (loc: Location): string => (loc.kind === 'local' ? loc.path : `s3://${loc.bucket}/${loc.prefix}`);

export type Detail = 'summary' | 'full';

/** What the summary may point to: the pipeline as given, and whether `wshed query` runs it (local). */
export interface LineContext {
  readonly pipeline: string;
  readonly target: TargetName;
}

export function stepLines(step: PlanStep, dialect: Dialect, detail: Detail = 'full', context: LineContext = { pipeline: 'FILE', target: 'local' }): Line[] {
  if (detail === 'summary') return summaryLines(step, dialect, context);
  const after = step.after.length > 0 ? [attr('after', step.after.join(', '))] : [];
  return [...after, ...kindLines(step, dialect)];
}

/** The key attributes only: no SQL, DDL or plugin JSON, which `--sql` shows. */
function summaryLines(step: PlanStep, dialect: Dialect, context: LineContext): Line[] {
  switch (step.kind) {
    case 'reservoir-views':
      return [attr('views', step.views.map((v) => v.name).join(', '))];
    case 'query':
      // `wshed query` runs on the embedded engine: on AWS the saved query is only defined.
      return context.target === 'local' ? [attr('run it with', `wshed query ${context.pipeline} --name ${step.name}`)] : [attr('name', step.name)];
    case 'replay':
      return kindLines(step, dialect).filter((l) => l.kind !== 'block' && !(l.kind === 'list' && l.title === 'inputs'));
    default:
      return kindLines(step, dialect).filter((l) => l.kind !== 'block');
  }
}

function kindLines(step: PlanStep, dialect: Dialect): Line[] {
  switch (step.kind) {
    case 'local-service':
      return [attr('port', step.port === 0 ? '0 (a free port when it starts)' : String(step.port)), attr('home', q(step.home))];
    case 'reservoir-folder':
      return [attr('path', q(step.path))];
    case 'stream':
      return [
        attr('shards', String(step.shards)),
        attr('retention', humanDuration(step.retentionHours * 3600)),
        ...(step.key ? [attr('key', step.key.kind === 'meta' ? `@${step.key.name}` : step.key.path.join('.'))] : []),
      ];
    case 's3-location':
      return [attr('location', q(`s3://${step.bucket}/${step.prefix}`)), attr('region', q(step.region))];
    case 'firehose-delivery-stream':
      return [
        attr('name', q(step.name)),
        attr('source', q(step.sourceStream)),
        attr('bucket', q(step.bucket)),
        attr('prefix', q(step.prefix)),
        attr('error prefix', q(step.errorPrefix)),
        attr('extension', q(step.fileExtension)),
        attr('buffer', `${humanBytes(step.bufferBytes)} or ${humanDuration(step.bufferSeconds)}`),
        attr('compression', q(step.compression)),
        attr('transform', q(step.transform.functionName)),
        ...(step.formatConversion
          ? [attr('parquet', `via Glue table ${q(`${step.formatConversion.glueDatabase}.${step.formatConversion.glueTable}`)}, ${step.formatConversion.compression}`)]
          : []),
        step.roles ? attr('roles', `${q(step.roles.delivery)}, ${q(step.roles.transform)} (created)`) : attr('role', q(step.roleArn)),
      ];
    case 'upload-cluster-resources':
      return [attr('destination', q(`s3://${step.bucket}/${step.prefix}`)), attr('files', names(step.files))];
    case 'emr-cluster':
      return [
        attr('name', q(step.name)),
        attr('release', q(step.release)),
        attr('applications', names(step.applications)),
        attr('instances', step.instanceGroups.map((g) => `${g.role} ${g.instanceType} x${g.count}`).join(', ')),
        attr('key pair', q(step.keyPair)),
        attr('subnet', q(step.subnetId)),
        attr('logs', q(step.logUri)),
        attr('roles', `${q(step.serviceRole)}, instance profile ${q(step.instanceProfile)}`),
        ...step.bootstrapActions.map((b) => attr('bootstrap', `${b.name} (${b.script} ${b.args.join(' ')})`)),
        attr('tags', Object.entries(step.tags).map(([k, v]) => `${k}=${v}`).join(', ')),
      ];
    case 'drill-storage-plugin':
      return [attr('name', q(step.name)), attr('bucket', q(step.bucket)), { kind: 'block', title: 'config', text: JSON.stringify(step.config, null, 2) }];
    case 'hive-live-table':
      return [
        attr('stream', q(step.stream)),
        attr('table', `${step.database}.${step.table}`),
        { kind: 'block', title: 'ddl', text: step.ddl },
        { kind: 'block', title: `drill view ${step.drillView.name}`, text: step.drillView.sql },
      ];
    case 'ssh-tunnel':
      return [
        attr('user', q(step.user)),
        attr('key file', q(step.keyFile)),
        ...step.forwards.map((f) => attr(`forward ${f.service}`, `localhost:${f.localPort} -> primary node:${f.remotePort}`)),
      ];
    case 'emr-terminate':
      return [attr('cluster', q(step.cluster))];
    case 'archive':
      return [
        attr('stream', q(step.stream)),
        attr('via', step.via),
        attr('location', q(locationText(step.location))),
        attr('format', step.format),
        attr('partition', step.partition),
        attr(step.via === 'archiver' ? 'every' : 'buffer interval', humanDuration(step.everySeconds)),
      ];
    case 'reservoir-views':
      return [
        ...inputLines(step.inputs, dialect),
        ...step.views.map((v): Line => ({ kind: 'block', title: `view ${v.name} (${v.role}, ${dialect})`, text: v.sql[dialect] })),
      ];
    case 'query':
      return [{ kind: 'block', title: `sql (${dialect})`, text: step.sql[dialect] }];
    case 'replay':
      return [
        attr('source', `${step.source} of ${q(step.reservoir)} (stream ${q(step.stream)})`),
        attr('into', q(step.into)),
        { kind: 'list', title: 'operators', items: step.operators.map(operatorText) },
        ...inputLines(step.inputs, dialect),
        { kind: 'block', title: `sql (${dialect})`, text: step.sql[dialect] },
      ];
  }
}

/** One line per named input of the SQL: the relation as the SQL names it, and what the engine binds it to. */
function inputLines(inputs: readonly PlanInput[], dialect: Dialect): Line[] {
  return [{ kind: 'list', title: 'inputs', items: inputs.map((i) => `${i.relation[dialect]}: ${inputBinding(i, dialect)}`) }];
}

export function operatorText(op: ReplayOperator): string {
  const where = op.pushedDown ? '  (in SQL)' : '';
  switch (op.op) {
    case 'scan':
      return `scan ${op.sources.join(' + ')}${where}`;
    case 'dedupe':
      return `dedupe by ${op.by.join(', ')}${where}`;
    case 'bounds':
      return `bounds since ${op.since ?? '(start)'} until ${op.until ?? '(end)'}${where}`;
    case 'compact':
      return `compact by ${keyText(op.key)}, keeping the last by ${op.keepLastBy.join(', ')}${where}`;
    case 'filter':
      return `filter ${op.where}${where}`;
    case 'order':
      return `order by ${op.by.join(', ')}${where}`;
    case 'limit':
      return `limit ${op.count}${where}`;
    case 'annotate': {
      const fields = op.fields.map((f) => `${f.key}=${JSON.stringify(f.value)}`).join(', ');
      return `annotate ${op.metadataField}${fields ? ` with ${fields}` : ''}`;
    }
    case 'aggregate':
      return `aggregate ${op.format}`;
    case 'emit': {
      const budget = `${Math.round(op.shardBudgetFraction * 100)}% of the shard budget`;
      const rate = op.ratePerSecond === null ? budget : `${op.ratePerSecond}/s, at most ${budget}`;
      return `emit into ${op.stream}, partition key ${keyText(op.partitionKey)}, rate ${rate}`;
    }
  }
}
