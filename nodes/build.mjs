#!/usr/bin/env node
// Builds the Node-RED nodes: tsc (CommonJS) into dist/node-red, then copies each node's .html and
// locales beside its .js, and marks dist/node-red as CommonJS (the repo root is "type": "module").
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const here = new URL('.', import.meta.url).pathname;
const out = join(here, '..', 'dist', 'node-red');
rmSync(out, { recursive: true, force: true });
execFileSync(join(here, '..', 'node_modules', '.bin', 'tsc'), ['-p', join(here, 'tsconfig.json')], {
  stdio: 'inherit',
});
writeFileSync(join(out, 'package.json'), '{ "type": "commonjs" }\n');
for (const dir of readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name.startsWith('lookout-'))
  .map((d) => d.name)) {
  const target = join(out, 'nodes', dir);
  cpSync(join(here, dir, `${dir}.html`), join(target, `${dir}.html`));
  cpSync(join(here, dir, 'locales'), join(target, 'locales'), { recursive: true });
}
console.log(`built Node-RED nodes into ${out}`);
