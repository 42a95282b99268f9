/**
 * The semantic pass runs even when the schema failed, so it meets every malformed shape a user can
 * type. This replaces nodes of a valid config with wrong-typed values (deterministically) and checks
 * that resolving never throws and always explains itself with at least one issue or a valid config.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { resolveConfig } from './resolve.js';
import { SecretRef, secretTag } from './secrets.js';

const file = fileURLToPath(new URL('../../../config/examples/multi-vendor.yaml', import.meta.url));
const base: unknown = parse(readFileSync(file, 'utf8'), { customTags: [secretTag] });
const env = { FRONT_DOOR_PASSWORD: 'a', NURSERY_PASSWORD: 'b', SHED_PASSWORD: 'c' };
const secrets = { garage_password: 'g', driveway_password: 'd', lookout_token: 'a-token-of-24-characters' };
const REPLACEMENTS: unknown[] = [
  null,
  0,
  -1,
  1.5,
  'x',
  '',
  '5x',
  '/p',
  [],
  [1],
  {},
  { a: 1 },
  true,
  new SecretRef('nope'),
];

function paths(
  node: unknown,
  at: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  out.push(at);
  if (Array.isArray(node)) node.forEach((v, i) => paths(v, [...at, i], out));
  else if (node && typeof node === 'object' && node.constructor === Object) {
    for (const [k, v] of Object.entries(node)) paths(v, [...at, k], out);
  }
  return out;
}

// structuredClone would turn SecretRef instances into plain objects.
function clone(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(clone);
  if (v && typeof v === 'object' && v.constructor === Object) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)]));
  }
  return v;
}

function replaced(path: (string | number)[], value: unknown): unknown {
  const copy = clone(base) as Record<string | number, unknown>;
  if (path.length === 0) return value;
  let node = copy;
  for (const seg of path.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = value;
  return copy;
}

test('resolving never throws on wrong-typed values anywhere', () => {
  assert.ok(resolveConfig(clone(base), { env, secrets, baseDir: '/tmp' }).ok);
  const all = paths(base);
  assert.ok(all.length > 100);
  let invalid = 0;
  for (const p of all) {
    for (const value of REPLACEMENTS) {
      const raw = replaced(p, value);
      let r;
      try {
        r = resolveConfig(raw, { env, secrets, baseDir: '/tmp' });
      } catch (err) {
        assert.fail(`threw at /${p.join('/')} = ${JSON.stringify(value)}: ${(err as Error).stack}`);
      }
      if (!r.ok) {
        invalid++;
        assert.ok(r.errors.length > 0);
      }
    }
  }
  assert.ok(invalid > all.length, 'most replacements should be invalid');
});
