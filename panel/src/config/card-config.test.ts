import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CARD_DEFAULTS,
  CardConfigError,
  resolveCardConfig,
  toStoredConfig,
  type ResolvedCardConfig,
} from './card-config.js';

function problemsOf(raw: unknown): string[] {
  try {
    resolveCardConfig(raw);
  } catch (err) {
    assert.ok(err instanceof CardConfigError, `expected CardConfigError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('config was accepted');
}

test('a bad card config lists every problem with its path', () => {
  const problems = problemsOf({
    type: 'custom:lookout-grid-card',
    cameras: ['front_door', 'Bad Id!', 'front_door'],
    columns: 12,
    live_tech: 'rtmp',
    controls: { ptz: 'yes', lasers: true },
    url: 'ftp://nas',
    aspect_ratio: '16/9',
    title: 7,
    colour: 'red',
  });
  const expected = [
    'colour: unknown key',
    'cameras.1: must match pattern',
    'cameras: must NOT have duplicate items',
    'columns: must be an integer 1-8 or "auto"',
    'live_tech: must be one of auto, webrtc, llhls, mse, snapshot',
    'controls.lasers: unknown key',
    'controls.ptz: must be boolean',
    'url: must match pattern',
    'aspect_ratio: must match pattern',
    'title: must be string',
  ];
  for (const e of expected) {
    assert.ok(
      problems.some((p) => p.startsWith(e)),
      `missing "${e}" in:\n${problems.join('\n')}`,
    );
  }
  assert.equal(problems.length, expected.length, problems.join('\n'));
  // The thrown message (what HA's error card shows) names every problem too.
  const err = (() => {
    try {
      resolveCardConfig({ columns: 0, live_tech: 'x' });
    } catch (e) {
      return e as Error;
    }
  })();
  assert.match(err!.message, /columns: must be an integer 1-8 or "auto"/);
  assert.match(err!.message, /live_tech: must be one of/);
});

test('non-object configs are refused with a clear message', () => {
  for (const raw of [null, 'cameras: all', 3, ['front_door']]) {
    assert.deepEqual(problemsOf(raw), ['(config): must be an object']);
  }
});

test('defaults fill in, and toStoredConfig is the minimal inverse', () => {
  assert.deepEqual(resolveCardConfig({}), CARD_DEFAULTS);
  const full: ResolvedCardConfig = {
    ...CARD_DEFAULTS,
    cameras: ['b', 'a'],
    columns: 3,
    live_tech: 'mse',
    controls: { ...CARD_DEFAULTS.controls, ptz: false, latency: false },
    url: '/api/hassio_ingress/x/',
    title: 'Yard',
  };
  const stored = toStoredConfig(full);
  assert.deepEqual(stored, {
    type: 'custom:lookout-grid-card',
    title: 'Yard',
    cameras: ['b', 'a'],
    columns: 3,
    live_tech: 'mse',
    controls: { ptz: false, latency: false },
    url: '/api/hassio_ingress/x/',
  });
  assert.deepEqual(resolveCardConfig(stored), full);
  assert.deepEqual(toStoredConfig(CARD_DEFAULTS), { type: 'custom:lookout-grid-card' });
});

test('keys Home Assistant stores in card configs (grid_options, visibility...) are accepted', () => {
  const r = resolveCardConfig({
    type: 'custom:lookout-grid-card',
    grid_options: { columns: 12, rows: 'auto' },
    visibility: [{ condition: 'screen', media_query: '(min-width: 768px)' }],
    view_layout: { position: 'main' },
    layout_options: { grid_columns: 4 },
  });
  assert.equal(r.columns, 'auto');
});
