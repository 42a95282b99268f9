import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { panelRoutes } from './routes.js';

test('serves the built panel; a missing build is a 503 that says how to build it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-panel-')) + '/';
  const app = Fastify();
  panelRoutes(app, dir);
  try {
    const missing = await app.inject({ url: '/' });
    assert.equal(missing.statusCode, 503);
    assert.match(missing.json<{ error: { message: string } }>().error.message, /npm run build:panel/);

    writeFileSync(`${dir}index.html`, '<!doctype html><lookout-panel></lookout-panel>');
    writeFileSync(`${dir}lookout-card.js`, 'export {};');
    const page = await app.inject({ url: '/' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.equal(page.headers['cache-control'], 'no-cache');
    const js = await app.inject({ url: '/panel/lookout-card.js' });
    assert.equal(js.statusCode, 200);
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    // Only the bundle's own files: nothing else from the folder, no index.html twice, no traversal.
    for (const url of ['/panel/index.html', '/panel/secret.txt', '/panel/..%2Fpackage.json']) {
      assert.equal((await app.inject({ url })).statusCode, 404, url);
    }
  } finally {
    await app.close();
  }
});
