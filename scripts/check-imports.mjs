#!/usr/bin/env node
// Import rules, checked by the test command (scripts/test.sh):
//   1. panel/ and nodes/ (product code, not their tests) import nothing of addon/ but addon/src/contracts/:
//      the card and the Node-RED nodes must not pull in the supervisor, Node's server code or config.
//   2. No import cycle among the product's modules (addon/src, panel/src, nodes), type-only imports
//      included: a cycle is a design knot even when it vanishes at run time.
// The import lists come from TypeScript's own scanner (ts.preProcessFile: static imports, re-exports,
// dynamic import()), so comments and strings never fool it; relative specifiers are resolved the way
// NodeNext writes them (`./x.js` is `./x.ts`). Hand-written rather than madge/dependency-cruiser: it
// needs no new dependency (typescript is already installed) and is ~100 lines.
// Usage: node scripts/check-imports.mjs   (exit 1 and one line per problem)
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const ROOTS = ['addon/src', 'panel/src', 'nodes'];
const CONTRACTS = 'addon/src/contracts/';
const BOUNDED = ['panel/', 'nodes/'];

/** Product code only: tests, test helpers and test support may reach anywhere. */
const isProduct = (f) =>
  /\.(ts|js|mjs)$/.test(f) &&
  !f.endsWith('.d.ts') &&
  !/\.test(-helper)?\.ts$/.test(f) &&
  !f.includes('/test-support/') &&
  !f.endsWith('build.mjs');

function walk(dir, out) {
  for (const name of readdirSync(join(root, dir))) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const rel = `${dir}/${name}`;
    if (statSync(join(root, rel)).isDirectory()) walk(rel, out);
    else if (isProduct(rel)) out.push(rel);
  }
  return out;
}

/** A relative specifier → the repo file it names, or null (packages, node: built-ins). */
function resolveImport(from, spec) {
  if (!spec.startsWith('.')) return null;
  const base = join(dirname(from), spec);
  const candidates = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')];
  for (const c of candidates) if (existsSync(join(root, c)) && statSync(join(root, c)).isFile()) return c;
  return base; // unresolvable: reported below
}

const files = ROOTS.flatMap((d) => walk(d, []));
const graph = new Map();
const problems = [];
for (const file of files) {
  const { importedFiles } = ts.preProcessFile(readFileSync(join(root, file), 'utf8'), true, true);
  const targets = [];
  for (const { fileName } of importedFiles) {
    const target = resolveImport(file, fileName);
    if (target === null) continue;
    const norm = relative(root, join(root, target));
    if (!existsSync(join(root, norm))) {
      problems.push(`${file}: imports ${fileName}, which does not exist`);
      continue;
    }
    if (BOUNDED.some((b) => file.startsWith(b)) && norm.startsWith('addon/') && !norm.startsWith(CONTRACTS))
      problems.push(`${file}: imports ${norm}; panel/ and nodes/ may import only ${CONTRACTS}`);
    targets.push(norm);
  }
  graph.set(file, targets);
}

// Tarjan's strongly connected components: every component with more than one module (or a module
// importing itself) is a cycle.
let index = 0;
const idx = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
function strong(v) {
  idx.set(v, index);
  low.set(v, index++);
  stack.push(v);
  onStack.add(v);
  for (const w of graph.get(v) ?? []) {
    if (!graph.has(w)) continue; // a test helper or file outside the checked roots
    if (!idx.has(w)) {
      strong(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) !== idx.get(v)) return;
  const component = [];
  let w;
  do {
    w = stack.pop();
    onStack.delete(w);
    component.push(w);
  } while (w !== v);
  if (component.length > 1 || (graph.get(v) ?? []).includes(v))
    problems.push(`import cycle: ${component.sort().join(' ↔ ')}`);
}
for (const v of graph.keys()) if (!idx.has(v)) strong(v);

if (problems.length) {
  for (const p of problems) console.error(`check-imports: ${p}`);
  process.exit(1);
}
console.log(`check-imports: ${files.length} modules, panel/ and nodes/ import only contracts, no cycles`);
