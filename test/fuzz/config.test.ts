/**
 * Fuzz: the config loader (config/load.ts parseConfigText, config/resolve.ts resolveConfig). Seeds
 * are the shipped examples: their YAML text mutated line- and character-wise, and their parsed
 * tree mutated value-wise (any JSON value, prototype keys, nasty strings, at any path). Property:
 * never throws; a bad config is `ok: false` with at least one located, readable problem; a secret
 * never appears in a problem or in `explain`; bounded time.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { secretTag } from '../../addon/src/config/secrets.js';
import {
  explainCamera,
  explainConfig,
  parseConfigText,
  resolveConfig,
} from '../../addon/src/config/index.js';
import type { ConfigResult } from '../../addon/src/config/resolve.js';
import {
  assertQuick,
  corpus,
  fc,
  mutateAt,
  nastyJson,
  NASTY_STRINGS,
  params,
  trapUnhandled,
} from './harness.js';

const examples = join(new URL('../..', import.meta.url).pathname, 'config', 'examples');
const SECRET = 'Fuzz-S3cret"\\pw';
const opts = {
  baseDir: examples,
  env: { FRONT_DOOR_PASSWORD: SECRET, NURSERY_PASSWORD: SECRET, SHED_PASSWORD: SECRET },
  // lookout_token: the multi-vendor example's server.token (at least 16 characters).
  secrets: {
    garage_password: SECRET,
    driveway_password: SECRET,
    x: SECRET,
    lookout_token: `${SECRET}-token`,
  },
};
const seeds = ['minimal.yaml', 'multi-vendor.yaml'].map((f) => readFileSync(join(examples, f), 'utf8'));

/** The property every loader outcome must have. */
function judge(r: ConfigResult, what: string): void {
  if (r.ok) {
    const text = [explainConfig(r), ...r.config.cameras.map((c) => explainCamera(r, c.id))].join('\n');
    assert.ok(!text.includes(SECRET), `${what}: explain shows the secret`);
    return;
  }
  assert.ok(r.errors.length > 0, `${what}: ok false without a problem`);
  for (const e of r.errors) {
    assert.equal(typeof e.path, 'string', `${what}: problem without a path`);
    assert.ok(typeof e.message === 'string' && e.message.length > 0, `${what}: empty problem`);
    assert.ok(!e.message.includes(SECRET), `${what}: problem quotes the secret: ${e.message}`);
  }
}

/** YAML snippets that stress the parser (anchors, merges, tags, odd scalars). */
const YAML_BITS = [
  'a: &x [*x]',
  '<<: *nope',
  'cameras: !secret x',
  'password: !secret',
  '- !!binary aGVsbG8=',
  'port: 0x1F90',
  'port: 1e400',
  'id: ~',
  '? [a, b]\n: c',
  '\t- tab',
  'x: "unterminated',
  'y: ${UNSET}',
  'z: $${literal}',
  '__proto__: { polluted: true }',
  'constructor: 1',
  '...',
  '---\nsecond: doc',
  'k: |\n  block',
];

describe('fuzz: config loader', () => {
  const trap = trapUnhandled();
  after(() => trap.dispose());

  test('the seeds load (the fuzzer starts from valid configs)', () => {
    for (const s of seeds) assert.ok(parseConfigText(s, opts).ok);
  });

  test('corpus: every config that once broke the loader gets a clear answer', () => {
    for (const { name, data } of corpus('config')) {
      const t0 = Date.now();
      const text = data.toString('utf8');
      judge(
        name.endsWith('.json') ? resolveConfig(JSON.parse(text), opts) : parseConfigText(text, opts),
        name,
      );
      assertQuick(t0, 2000, `corpus ${name}`);
    }
    trap.check('config corpus');
  });

  test('YAML text: lines dropped, repeated, replaced; characters flipped', () => {
    const edit = fc.oneof(
      fc.record({ op: fc.constant('drop' as const), at: fc.nat() }),
      fc.record({ op: fc.constant('dup' as const), at: fc.nat() }),
      fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bit: fc.constantFrom(...YAML_BITS) }),
      fc.record({
        op: fc.constant('char' as const),
        at: fc.nat(),
        ch: fc.constantFrom(':', '-', ' ', '{', '"', '&', '*', '!', '\t', '#'),
      }),
    );
    fc.assert(
      fc.property(
        fc.nat({ max: seeds.length - 1 }),
        fc.array(edit, { minLength: 1, maxLength: 5 }),
        (which, edits) => {
          const lines = seeds[which]!.split('\n');
          for (const e of edits) {
            const i = e.at % lines.length;
            if (e.op === 'drop') lines.splice(i, 1);
            else if (e.op === 'dup') lines.splice(i, 0, lines[i]!);
            else if (e.op === 'insert') lines.splice(i, 0, ...e.bit.split('\n'));
            else {
              const l = lines[i]!;
              const j = l.length ? e.at % l.length : 0;
              lines[i] = l.slice(0, j) + e.ch + l.slice(j + 1);
            }
            if (lines.length === 0) lines.push('');
          }
          const text = lines.join('\n');
          const t0 = Date.now();
          judge(parseConfigText(text, opts), text);
          assertQuick(t0, 2000, 'one YAML config');
        },
      ),
      params(300),
    );
    trap.check('config YAML');
  });

  test('config trees: any value at any path, prototype keys added', () => {
    const trees = seeds.map((s) => parse(s, { customTags: [secretTag] }) as unknown);
    fc.assert(
      fc.property(
        fc.nat({ max: trees.length - 1 }),
        fc.array(
          fc.tuple(
            fc.nat(),
            nastyJson,
            fc.option(
              fc.constantFrom('__proto__', 'constructor', 'toString', 'extra', ...NASTY_STRINGS.slice(0, 4)),
              { nil: null },
            ),
          ),
          { minLength: 1, maxLength: 3 },
        ),
        (which, changes) => {
          let tree = trees[which];
          for (const [pick, value, key] of changes) tree = mutateAt(tree, pick, value, key);
          const t0 = Date.now();
          judge(resolveConfig(tree, opts), JSON.stringify(tree).slice(0, 500));
          assertQuick(t0, 2000, 'one config tree');
        },
      ),
      params(300),
    );
    trap.check('config trees');
  });
});
