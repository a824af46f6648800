#!/usr/bin/env node
// Entry point of the `wshed` command: loads TypeScript through tsx, then runs the CLI.
import { register } from 'tsx/esm/api';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
await import('../src/cli/main.ts');
