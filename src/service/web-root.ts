// Where the service finds the web page's built files: `<package root>/dist/web`, which the web
// page's build writes. The service serves `/` from here (a short note when it is absent).
// This file runs from the sources (src/service/, through tsx) or inside the bundle
// (dist/wshed.mjs), so the package root is found upwards from wherever it runs — never a path
// outside the package.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'watershed';

/** The nearest folder at or above `from` holding watershed's own package.json. */
export function packageRootAbove(from: string): string | null {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME) return dir;
      } catch {
        // Not ours (or unreadable): keep looking upwards.
      }
    }
    if (path.dirname(dir) === dir) return null;
  }
}

const here = path.dirname(fileURLToPath(import.meta.url));

// Without a package.json above (a copied bundle), the bundle's own dist/web beside it.
export const WEB_ROOT = path.join(packageRootAbove(here) ?? path.dirname(here), 'dist', 'web');
