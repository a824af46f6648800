// Writes grammar/cst-types.ts, the TypeScript shapes of the parser's CST, from the grammar
// itself. Run after changing a rule: node --import tsx grammar/generate-cst-types.ts

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateCstDts } from 'chevrotain';
import { parser } from './parser.ts';

export const CST_TYPES_PATH = fileURLToPath(new URL('./cst-types.ts', import.meta.url));

export function cstTypesSource(): string {
  const header = '// Generated from the grammar by grammar/generate-cst-types.ts; do not edit by hand.\n// test/grammar/cst-types.test.ts fails when this file is out of date.\n\n';
  return header + generateCstDts(parser.getGAstProductions(), { visitorInterfaceName: 'WatershedCstVisitor' });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(CST_TYPES_PATH, cstTypesSource());
  console.log(`wrote ${CST_TYPES_PATH}`);
}
