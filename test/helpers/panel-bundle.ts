/**
 * Panel pieces in a test page: bundles panel sources with esbuild (as the panel build does) and
 * serves a page on the supervisor's own origin through playwright routing, so the page's API calls
 * go unmodified to the real supervisor (same origin: no CORS, same cookies as the real panel).
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';

const PANEL_SRC = fileURLToPath(new URL('../../panel/src/', import.meta.url));

/**
 * One ES module from `entry` (source text whose imports are relative to panel/src/), e.g.
 * `import './components/ptz-overlay.js'; export { LookoutApi } from './api/client.js';`.
 */
export async function bundlePanel(entry: string): Promise<string> {
  const out = await build({
    // As panel/build.mjs: the light hls.js build.
    alias: { 'hls.js': 'hls.js/light' },
    stdin: { contents: entry, resolveDir: PANEL_SRC, loader: 'ts', sourcefile: 'test-entry.ts' },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

/**
 * Opens `${origin}/__test/<name>.html` with `body` as its body, loading each of `scripts` as a module
 * (`/__test/<name>-<i>.js`, in order: two copies of one bundle load it twice, as a dashboard that
 * lists a resource twice does). Everything else the page asks for reaches the real server.
 */
export async function openTestPage(
  page: Page,
  origin: string,
  name: string,
  opts: { body: string; scripts: string[]; head?: string },
): Promise<void> {
  const base = `${origin}/__test/${name}`;
  const tags = opts.scripts.map((_, i) => `<script type="module" src="${base}-${i}.js"></script>`).join('');
  await page.route(`${base}.html`, (route) =>
    route.fulfill({
      contentType: 'text/html; charset=utf-8',
      body: `<!doctype html><html><head><meta charset="utf-8"><title>${name}</title>${opts.head ?? ''}${tags}</head><body>${opts.body}</body></html>`,
    }),
  );
  for (const [i, script] of opts.scripts.entries()) {
    await page.route(`${base}-${i}.js`, (route) =>
      route.fulfill({ contentType: 'text/javascript; charset=utf-8', body: script }),
    );
  }
  await page.goto(`${base}.html`);
}
