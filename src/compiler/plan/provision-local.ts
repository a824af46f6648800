// Provisioning on the local target: the local Kinesis service, its streams and reservoir folders.
// Anything only AWS can provide (S3 locations, Firehose) is reported as WS501 here.

import { diagnostic, type Diagnostic } from '../diagnostics.ts';
import type { Model } from '../model.ts';
import type { LocalTargetConfig } from '../target-config.ts';
import { stepId, type StepList } from './step-list.ts';

export function provisionLocal(model: Model, config: LocalTargetConfig, list: StepList, diagnostics: Diagnostic[]): void {
  list.add({ id: stepId.service(), kind: 'local-service', action: 'create', after: [], port: config.kinesisPort, home: config.home });
  for (const s of model.streams) {
    list.add({
      id: stepId.stream(s.name),
      kind: 'stream',
      action: 'create',
      after: list.after(stepId.service()),
      name: s.name,
      shards: s.shards,
      retentionHours: s.retentionHours,
      key: s.key,
    });
  }
  for (const r of model.reservoirs) {
    if (r.archive.via === 'firehose') {
      diagnostics.push(diagnostic('WS501', r.span, { what: 'archiving via firehose', target: 'local' }, ['archive via archiver instead, or plan with --target aws']));
    }
    if (r.location.kind !== 'local') {
      diagnostics.push(diagnostic('WS501', r.span, { what: 's3 reservoir location', target: 'local' }, ['use a local path, or plan with --target aws']));
      continue;
    }
    list.add({ id: stepId.reservoir(r.name), kind: 'reservoir-folder', action: 'create', after: [], reservoir: r.name, path: r.location.path });
  }
}
