// Builds the pump page that `wshed serve` serves at `/`: bundles src/service/web/app.ts for the
// browser into dist/web/app.js and copies index.html and style.css beside it.
// `node scripts/build-web.mjs` runs it; scripts/build.mjs calls `buildWeb()`.
import { build } from 'esbuild';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'src/service/web');

/** Writes the page into `outDir` (default `<package root>/dist/web`, the service's WEB_ROOT). */
export async function buildWeb({ outDir = path.join(root, 'dist/web') } = {}) {
  await fs.mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [path.join(source, 'app.ts')],
    outfile: path.join(outDir, 'app.js'),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: false,
    logLevel: 'warning',
  });
  await Promise.all(['index.html', 'style.css'].map((f) => fs.copyFile(path.join(source, f), path.join(outDir, f))));
  return outDir;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildWeb();
}
