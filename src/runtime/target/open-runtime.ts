// The one place a target's name picks its runtime; everything below takes the TargetRuntime.

import type { TargetConfig } from '../../compiler/target-config.ts';
import { awsRuntime, type AwsRuntimeOptions } from './aws-runtime.ts';
import { localRuntime } from './local-runtime.ts';
import type { TargetRuntime } from './target-runtime.ts';

export function openTargetRuntime(config: TargetConfig, options: AwsRuntimeOptions = {}): TargetRuntime {
  switch (config.target) {
    case 'local':
      return localRuntime(config, options);
    case 'aws':
      return awsRuntime(config, options);
  }
}
