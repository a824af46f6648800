// Bundles the CLI into dist/wshed.mjs (and dist/chunks/, loaded on demand) so `wshed` starts in a
// fraction of a second instead of transpiling ~100 TypeScript files and chevrotain through tsx on
// every run. Runs on `npm ci` (the `prepare` script) and before `npm test` (test/run.ts);
// bin/wshed.js falls back to tsx when the bundle is missing or stale. Files are written aside and
// renamed into place, so a `wshed` that starts during a rebuild never loads half a bundle.
import { build } from 'esbuild';
import { writeAtomically } from './write-atomically.mjs';

const result = await build({
  entryPoints: { wshed: 'src/cli/main.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  // What is only imported dynamically (DuckDB's engine, which loads its native library) goes into
  // dist/chunks/ and is loaded on first use. Names carry a content hash, so a process started from
  // an older bundle still finds its own chunks after a rebuild.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Native or self-locating packages stay in node_modules.
  external: ['@duckdb/*', 'kinesalite', 'leveldown', 'aws-kinesis-agg', 'tsx', 'playwright-core', 'ssh2'],
  banner: { js: "import { createRequire as __wshedRequire } from 'node:module'; const require = __wshedRequire(import.meta.url);" },
  logLevel: 'warning',
  write: false,
});
// The entry last: once it is in place, every chunk it imports is there.
await writeAtomically(result.outputFiles.toSorted((a, b) => Number(a.path.endsWith('wshed.mjs')) - Number(b.path.endsWith('wshed.mjs'))));

// The Firehose transformation Lambda (src/lambda/): one self-contained file, node: builtins only,
// zipped by the provisioner (src/runtime/aws/firehose/lambda-code.ts).
const lambda = await build({
  entryPoints: ['src/lambda/firehose-transform.ts'],
  outfile: 'dist/lambda/firehose-transform.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  write: false,
});
await writeAtomically(lambda.outputFiles);

// The job service's web page (dist/web), served by `wshed serve` at /.
await (await import('./build-web.mjs')).buildWeb();
