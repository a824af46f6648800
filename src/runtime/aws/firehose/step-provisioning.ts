// The Firehose provisioning as the aws provisioner takes it (`FirehoseProvisioning`): one plan
// step in, one StepOutcome out, whose line names every resource created or updated. Clients are
// built on first use from the SDK's standard chain and kept for the run.

import type { FirehoseStep } from '../../../compiler/plan/types.ts';
import type { StepOutcome } from '../../target/target-runtime.ts';
import { describeChange, type ResourceChange } from './changes.ts';
import { closeFirehoseClients, createFirehoseClients, type FirehoseClients } from './clients.ts';
import { previewFirehose, provisionFirehose, type ProvisionFirehoseOptions } from './provision.ts';

export interface FirehoseStepProvisioning {
  (step: FirehoseStep): Promise<StepOutcome>;
  /** Reads and compares only (what `wshed plan` shows); changes nothing. */
  preview(step: FirehoseStep): Promise<readonly ResourceChange[]>;
  close(): void;
}

export function firehoseStepProvisioning(options: ProvisionFirehoseOptions & { clients?: FirehoseClients } = {}): FirehoseStepProvisioning {
  let clients: FirehoseClients | null = options.clients ?? null;
  const own = !options.clients;
  const provision = async (step: FirehoseStep): Promise<StepOutcome> => {
    clients ??= createFirehoseClients({ region: step.region });
    const { changes } = await provisionFirehose(clients, step, options);
    return stepOutcome(changes);
  };
  return Object.assign(provision, {
    async preview(step: FirehoseStep): Promise<readonly ResourceChange[]> {
      clients ??= createFirehoseClients({ region: step.region });
      return (await previewFirehose(clients, step, options)).changes;
    },
    close() {
      if (own && clients) closeFirehoseClients(clients);
      clients = null;
    },
  });
}

/** `created: …; updated: …` naming each resource, or `exists` when nothing changed. */
export function stepOutcome(changes: readonly ResourceChange[]): StepOutcome {
  const named = (action: ResourceChange['action']) => changes.filter((c) => c.action === action).map((c) => `${c.resource.replace('-', ' ')} ${c.name}`);
  const created = named('create');
  const updated = changes.filter((c) => c.action === 'update').map((c) => `${c.resource.replace('-', ' ')} ${c.name} (${c.details.join('; ')})`);
  const parts = [created.length ? `created ${created.join(', ')}` : '', updated.length ? `updated ${updated.join(', ')}` : ''].filter(Boolean);
  const delivery = changes.find((c) => c.resource === 'delivery-stream');
  return {
    outcome: delivery?.action === 'create' ? 'created' : parts.length > 0 ? 'updated' : 'exists',
    text: parts.length > 0 ? parts.join('; ') : 'exists; roles, function and delivery stream as declared',
    data: { changes: changes.map((c) => ({ ...c })), lines: changes.map(describeChange) },
  };
}
