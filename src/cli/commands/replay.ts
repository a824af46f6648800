// `wshed replay FILE NAME`: runs one replay of a pipeline (wshed run runs them all).

import type { ReplayStep } from '../../compiler/plan/types.ts';
import type { StreamService } from '../../runtime/kinesis/stream-service.ts';

/** Runs one replay step with a progress bar and prints its summary. */
export async function replayWithProgress(step: ReplayStep, _streams: StreamService, options: { json: boolean; home: string }): Promise<void> {
  const text = `replay '${step.name}' not run: the replay engine is not part of this build yet`;
  process.stdout.write(options.json ? JSON.stringify({ step: step.id, kind: 'replay', skipped: true, why: text }) + '\n' : text + '\n');
}
