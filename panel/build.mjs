#!/usr/bin/env node
// Builds the card and panel into one minified ES module (dist/panel/lookout-card.js, with its source
// map) and copies the page the supervisor serves at `/`. HA loads the same file as a dashboard resource.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const here = new URL('.', import.meta.url).pathname;
const out = join(here, '..', 'dist', 'panel');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(here, 'src', 'index.ts')],
  outfile: join(out, 'lookout-card.js'),
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  // The light build has LL-HLS and drops what Lookout never serves (subtitles, alternate audio, DRM).
  alias: { 'hls.js': 'hls.js/light' },
  logLevel: 'warning',
});
copyFileSync(join(here, 'index.html'), join(out, 'index.html'));
console.log(`built panel into ${out}`);
