// Builds the pump page that `wshed serve` serves at `/`: bundles src/service/web/app.ts for the
// browser into dist/web/app.js and copies index.html and style.css beside it.
// `node scripts/build-web.mjs` runs it; scripts/build.mjs calls `buildWeb()`.
import { build } from 'esbuild';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeAtomically } from './write-atomically.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'src/service/web');

/** Writes the page into `outDir` (default `<package root>/dist/web`, the service's WEB_ROOT). */
export async function buildWeb({ outDir = path.join(root, 'dist/web') } = {}) {
  const result = await build({
    entryPoints: [path.join(source, 'app.ts')],
    outfile: path.join(outDir, 'app.js'),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: false,
    logLevel: 'warning',
    write: false,
  });
  const copies = await Promise.all(
    ['index.html', 'style.css'].map(async (f) => ({ path: path.join(outDir, f), contents: await fs.readFile(path.join(source, f)) })),
  );
  await writeAtomically([...result.outputFiles, ...copies]);
  return outDir;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildWeb();
}
