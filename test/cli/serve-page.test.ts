// `wshed serve` through the installed CLI (the bundle dist/wshed.mjs that `npm ci` builds) serves
// the web page from inside the package: the same files the build wrote to dist/web, not the
// "not built" note, and nothing from outside the package.

import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Scratch, WSHED_BUNDLE, type Started } from './helpers.ts';

const WEB = path.join(path.dirname(WSHED_BUNDLE), 'web');
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const scratch = new Scratch();
writeFileSync(path.join(scratch.dir, 'p.wshed'), 'stream pages { shards 1 }\nreservoir pages_archive { from stream pages at "./reservoir" }\n');
let serve: Started | null = null;

function get(url: string): Promise<{ status: number; type: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

test.after(async () => {
  if (serve && serve.child.exitCode === null) {
    serve.child.kill('SIGTERM');
    await serve.done;
  }
  scratch.dispose();
});

test('the installed CLI serves the built page and its assets from inside the package', async () => {
  assert.ok(WSHED_BUNDLE.startsWith(ROOT + path.sep));
  assert.is(scratch.wshed(['local', 'start', '--port', '0']).code, 0);
  serve = scratch.start(['serve', 'p.wshed', '--port', '0']);
  let out = '';
  serve.child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const url = await new Promise<string>((resolve, reject) => {
    serve!.child.stdout!.on('data', () => {
      const m = /on (http:\/\/\S+) \(stop with/.exec(out);
      if (m) resolve(m[1]);
    });
    void serve!.done.then((r) => reject(new Error(`wshed serve exited (${r.code}):\n${r.stderr}`)));
  });

  const page = await get(`${url}/`);
  assert.is(page.status, 200);
  assert.match(page.type, /text\/html/);
  assert.not.match(page.body.toString('utf8'), /not built/);
  assert.is(page.body.toString('utf8'), readFileSync(path.join(WEB, 'index.html'), 'utf8'));
  for (const asset of ['app.js', 'style.css']) {
    const r = await get(`${url}/${asset}`);
    assert.is(r.status, 200, asset);
    assert.ok(r.body.equals(readFileSync(path.join(WEB, asset))), `${asset} is the built one`);
  }
  // Paths that climb out of the web root serve nothing.
  assert.is.not((await get(`${url}/..%2f..%2fpackage.json`)).status, 200);
});

test.run();
