#!/usr/bin/env node
// Runs every test with Node's own test runner (through tsx for TypeScript) and prints its summary.
// Test files: addon/src/**/*.test.ts (unit tests beside the code) and test/**/*.test.ts (integration).
// Usage: node scripts/run-tests.mjs [--unit] [substring filters...]
// Node 20's --test does not expand globs itself, so the file list is built here.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { execFileSync, spawn } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const filters = args.filter((a) => !a.startsWith('--'));

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

const dirs = unitOnly ? ['addon/src'] : ['addon/src', 'nodes', 'panel', 'test'];
let files = dirs.flatMap((d) => {
  try {
    return walk(join(root, d), []);
  } catch {
    return [];
  }
});
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
files.sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}

// The page at `/` serves the panel bundle: build it once so browser tests run the current source.
if (!unitOnly)
  execFileSync(process.execPath, [join(root, 'panel', 'build.mjs')], { cwd: root, stdio: 'inherit' });

// Integration tests start real cameras, FFmpeg, brokers and Chromium, and many assert timings (stall
// detection, recovery). On two cores, two such files at once starve each other, so files run one at
// a time (LOOKOUT_TEST_CONCURRENCY overrides, e.g. for a fast local unit run).
const concurrency = process.env.LOOKOUT_TEST_CONCURRENCY ?? '1';
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { cwd: root, stdio: 'inherit', env: { ...process.env, LOOKOUT_TEST: '1' } },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
