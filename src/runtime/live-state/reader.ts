// What a target's provider implements so `wshed plan` can diff against what exists: it only
// reads (never creates or starts anything); the diff itself is computed once, in the compiler
// (`src/compiler/plan/changes.ts`). Every target's `Provisioner` (`target/target-runtime.ts`) is one.

import type { LiveState } from '../../compiler/plan/changes.ts';
import type { Plan } from '../../compiler/plan/types.ts';

export interface LiveStateReader {
  /** The live state of the plan's provisioning steps; steps it cannot read are left out. */
  read(plan: Plan): Promise<LiveState>;
}
