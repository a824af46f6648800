// The job service's bundle for the cluster (`service.onCluster`): a gzipped tarball whose top folder
// `package/` holds the installed watershed's package.json, conf/, dist/ and its production
// node_modules (the dependency closure of package.json's dependencies), exactly what
// scripts/emr/install-wshed-service.sh unpacks and runs (`package/dist/wshed.mjs`).

import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import { RuntimeError } from '../../runtime-error.ts';

const PACKAGE_NAME = 'watershed';

/** The installed package's folder: the nearest one above this module with watershed's package.json (sources or bundle alike). */
export function packageRoot(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && readManifest(manifest)?.name === PACKAGE_NAME) return dir;
    if (path.dirname(dir) === dir) throw new RuntimeError('WS783', { root: from, why: `no ${PACKAGE_NAME} package.json above it`, fix: 'run wshed from an installed package (npm ci)' });
  }
}

interface Manifest {
  readonly name?: string;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
}

function readManifest(file: string): Manifest | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  } catch {
    return null;
  }
}

/** Where `name` resolves from `dir`, as Node does: `node_modules/<name>` in dir, then in each folder above. */
function resolvePackage(name: string, dir: string): string | null {
  for (let d = dir; ; d = path.dirname(d)) {
    const candidate = path.join(d, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(d) === d) return null;
  }
}

/**
 * The production dependency closure of the package at `root`, each folder with its place in the
 * bundle (`node_modules/...`): a folder inside root keeps its path; one hoisted above root (watershed
 * installed as a dependency) goes to the same path under the bundle's own node_modules. A package
 * nested inside another one travels with it.
 */
export function productionModules(root: string): Map<string, string> {
  const found = new Map<string, string>();
  const queue: { name: string; from: string; optional: boolean }[] = [];
  const enqueue = (manifest: Manifest, from: string) => {
    for (const name of Object.keys(manifest.dependencies ?? {})) queue.push({ name, from, optional: false });
    for (const name of Object.keys(manifest.optionalDependencies ?? {})) queue.push({ name, from, optional: true });
  };
  enqueue(readManifest(path.join(root, 'package.json')) ?? {}, root);
  const seen = new Set<string>();
  while (queue.length > 0) {
    const { name, from, optional } = queue.shift()!;
    const dir = resolvePackage(name, from);
    if (dir === null) {
      // An optional dependency for another platform is not installed: right, not a gap.
      if (optional) continue;
      throw new RuntimeError('WS783', { root, why: `the dependency ${name} (of ${path.relative(root, from) || 'watershed'}) is not installed`, fix: `install the dependencies in ${root} (npm ci --omit=dev)` });
    }
    if (seen.has(dir)) continue;
    seen.add(dir);
    found.set(bundlePath(root, dir), dir);
    enqueue(readManifest(path.join(dir, 'package.json')) ?? {}, dir);
  }
  const places = [...found.keys()].sort();
  const outer = places.filter((p) => !places.some((q) => q !== p && p.startsWith(`${q}/`)));
  return new Map(outer.map((p) => [p, found.get(p)!]));
}

function bundlePath(root: string, dir: string): string {
  const inside = path.relative(root, dir);
  if (!inside.startsWith('..') && !path.isAbsolute(inside)) return inside.split(path.sep).join('/');
  // Hoisted above root: its path from the node_modules that holds watershed itself.
  const rootParts = root.split(path.sep);
  const dirParts = dir.split(path.sep);
  let common = 0;
  while (common < rootParts.length && rootParts[common] === dirParts[common]) common++;
  const base = rootParts.slice(0, common).lastIndexOf('node_modules');
  return dirParts.slice(base === -1 ? common : base).join('/');
}

/**
 * Writes the bundle to `out` and returns its size. The tarball is made by `tar` over a staging
 * folder of links (dereferenced, so nothing is copied twice), gzipped here (level 1: most of it is
 * native code and minified JavaScript, and it is built at every upload).
 */
export async function buildServiceBundle(out: string, root: string = packageRoot()): Promise<{ bytes: number; modules: number }> {
  const entry = path.join(root, 'dist', 'wshed.mjs');
  if (!existsSync(entry)) throw new RuntimeError('WS783', { root, why: 'dist/wshed.mjs is missing (the bundle runs it on the node)', fix: `run 'npm run build' in ${root}` });
  const modules = productionModules(root);
  const staging = mkdtempSync(path.join(os.tmpdir(), 'wshed-bundle-'));
  try {
    const pkg = path.join(staging, 'package');
    mkdirSync(pkg);
    copyFileSync(path.join(root, 'package.json'), path.join(pkg, 'package.json'));
    for (const folder of ['conf', 'dist']) symlinkSync(path.join(root, folder), path.join(pkg, folder));
    for (const [place, dir] of modules) {
      mkdirSync(path.dirname(path.join(pkg, place)), { recursive: true });
      symlinkSync(dir, path.join(pkg, place));
    }
    const tar = spawn('tar', ['-ch', '--exclude', '.bin', '-f', '-', '-C', staging, 'package'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    tar.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const exited = new Promise<number>((resolve, reject) => {
      tar.once('error', reject);
      tar.once('close', (code) => resolve(code ?? 1));
    });
    try {
      await pipeline(tar.stdout, createGzip({ level: 1 }), createWriteStream(out));
    } catch (err) {
      tar.kill();
      throw new RuntimeError('WS783', { root, why: `writing ${out}: ${(err as Error).message}`, fix: 'check the free space of the temporary folder' }, { cause: err });
    }
    const code = await exited.catch((err: Error) => {
      throw new RuntimeError('WS783', { root, why: `tar could not run (${err.message})`, fix: 'install tar' }, { cause: err });
    });
    if (code !== 0) throw new RuntimeError('WS783', { root, why: `tar failed: ${stderr.trim().split('\n')[0] ?? `exit ${code}`}`, fix: 'see what tar said' });
    return { bytes: statSync(out).size, modules: modules.size };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
