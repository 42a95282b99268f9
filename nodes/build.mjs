#!/usr/bin/env node
// Builds the Node-RED package (nodes/, published as @lookout-nvr/node-red-lookout): tsc (CommonJS)
// into nodes/dist, then copies each node's .html and locales beside its .js, and marks dist/ as
// CommonJS (the sources are ES modules for the tests). `--pack` (the prepack script) also copies
// what npm would otherwise miss: the example flows (../flows → examples/, a real folder: npm pack
// drops symlinks) and the repository's LICENSE. Node-RED serves resources/ (a real folder here).
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const here = new URL('.', import.meta.url).pathname;
const out = join(here, 'dist');
rmSync(out, { recursive: true, force: true });
// typescript is the repository root's devDependency (npm workspace: hoisted to the root node_modules).
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.json')], { stdio: 'inherit' });
writeFileSync(join(out, 'package.json'), '{ "type": "commonjs" }\n');
for (const dir of readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name.startsWith('lookout-'))
  .map((d) => d.name)) {
  const target = join(out, 'nodes', dir);
  cpSync(join(here, dir, `${dir}.html`), join(target, `${dir}.html`));
  cpSync(join(here, dir, 'locales'), join(target, 'locales'), { recursive: true });
}
if (process.argv.includes('--pack')) {
  const examples = join(here, 'examples');
  rmSync(examples, { recursive: true, force: true });
  cpSync(join(here, '..', 'flows'), examples, {
    recursive: true,
    filter: (src) => !src.endsWith('.md'),
  });
  cpSync(join(here, '..', 'LICENSE'), join(here, 'LICENSE'));
}
console.log(`built Node-RED nodes into ${out}`);
