/**
 * The review list and the keep mark, as pure functions: clips grouped into one row (continuous files
 * one each), newest first, cursor pages that neither skip nor repeat rows (same start times too),
 * bad cursors and limits refused. (Retention of kept files: store.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RecordingEntry } from '../../contracts/recording.js';
import { LookoutError } from '../../lib/errors.js';
import { pageLimit, reviewPage, reviewRows } from './review.js';

const T = Date.UTC(2026, 0, 2, 3, 0, 0);
let n = 0;
const file = (over: Partial<RecordingEntry> & { at: number }): RecordingEntry => ({
  id: `id${String(++n).padStart(20, '0')}`,
  camera: 'door',
  profile: 'main',
  mode: 'motion',
  trigger: 'motion',
  start: new Date(T + over.at * 1000).toISOString(),
  durationS: 10,
  size: 100,
  repaired: false,
  clip: `c${n}`,
  eventAt: null,
  kept: false,
  mimeType: null,
  ...over,
});

test('one row per clip, continuous files one each; newest first; snapshot from the file holding the event', () => {
  const a1 = file({ at: 0, clip: 'A', eventAt: new Date(T + 13_000).toISOString() });
  const a2 = file({ at: 10, clip: 'A', eventAt: new Date(T + 13_000).toISOString() });
  const c1 = file({ at: 100, mode: 'continuous', trigger: 'continuous', clip: 'C' });
  const c2 = file({ at: 110, mode: 'continuous', trigger: 'continuous', clip: 'C' });
  const m = file({ at: 50, mode: 'manual', trigger: 'manual' });
  const rows = reviewPage([a2, c1, a1, m, c2], {}).items;
  assert.deepEqual(
    rows.map((r) => r.kind),
    ['continuous', 'continuous', 'manual', 'motion'],
  );
  const clip = rows[3]!;
  assert.equal(clip.id, a1.id);
  assert.equal(clip.durationS, 20);
  assert.deepEqual(
    clip.files.map((f) => f.id),
    [a1.id, a2.id],
  );
  assert.equal(clip.snapshot, `api/recordings/${a2.id}/snapshot`, 'the event at 13 s is in the second file');
  assert.equal(reviewRows([a1, a2])[0]!.kept, false);
  assert.equal(
    reviewRows([
      { ...a1, kept: true },
      { ...a2, kept: true },
    ])[0]!.kept,
    true,
  );
  assert.deepEqual(
    reviewPage([a1, a2, c1, c2, m], { kind: 'manual' }).items.map((r) => r.id),
    [m.id],
  );
  assert.deepEqual(
    reviewPage([a1, a2, c1, c2, m], { mode: 'continuous', fromMs: T + 105_000 }).items.map((r) => r.id),
    [c2.id, c1.id],
  );
});

test('cursor pages walk every row once, even with equal start times; bad cursor or limit is a 400', () => {
  const files = Array.from({ length: 7 }, (_, i) => file({ at: Math.floor(i / 2) }));
  const all = reviewPage(files, { limit: 200 }).items.map((r) => r.id);
  const seen: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const p = reviewPage(files, { limit: 3, cursor });
    seen.push(...p.items.map((r) => r.id));
    if (!p.next) break;
    cursor = p.next;
  }
  assert.deepEqual(seen, all);
  assert.equal(new Set(seen).size, 7);
  assert.throws(
    () => reviewPage(files, { cursor: 'nope' }),
    (e: unknown) => e instanceof LookoutError && e.status === 400,
  );
  assert.throws(() => pageLimit('0'), LookoutError);
  assert.throws(() => pageLimit('201'), LookoutError);
  assert.equal(pageLimit(undefined), 50);
});
