/** Grouping fragments into LL-HLS parts, on hand-made fragments (no FFmpeg needed). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Fragment } from '../../hub/index.js';
import { groupParts, PART_TARGET_SLACK, partTargetFor } from './parts.js';

/** Fragments numbered from 100 with these durations (ms); `k` marks a keyframe fragment. */
function fragments(spec: Array<number | `${number}k`>): Fragment[] {
  return spec.map((d, i) => {
    const ms = typeof d === 'number' ? d : Number(d.slice(0, -1));
    return {
      seq: 100 + i,
      durationS: ms / 1000,
      byteLength: 10,
      independent: typeof d === 'string',
    } as Fragment;
  });
}

const shape = (parts: ReturnType<typeof groupParts>) =>
  parts.map((p) => `${p.seq}:${p.fragments.length}:${Math.round(p.durationS * 1000)}`);

describe('groupParts', () => {
  test('one-frame fragments at 15 fps: parts of three, the newest complete at once', () => {
    const f = fragments(['66.667k', 66.667, 66.666, 66.667, 66.667, 66.666, 66.667]);
    // 7 fragments: two full parts; the seventh waits for more (one more like it still fits).
    assert.deepEqual(shape(groupParts(f, false, 0.2)), ['100:3:200', '103:3:200']);
    // Closed segment: the rest is a (short) last part.
    assert.deepEqual(shape(groupParts(f, true, 0.2)), ['100:3:200', '103:3:200', '106:1:67']);
  });

  test('never over the target; a keyframe starts a part; a long fragment stands alone', () => {
    const f = fragments(['67k', 133, 67, 67, 70, '67k', 250, 67]);
    const parts = groupParts(f, true, 0.2);
    assert.deepEqual(shape(parts), [
      '100:2:200',
      '102:2:134',
      '104:1:70',
      '105:1:67',
      '106:1:250',
      '107:1:67',
    ]);
    for (const p of parts.filter((x) => x.fragments.length > 1)) assert.ok(p.durationS <= 0.2 + 1e-9);
    assert.deepEqual(
      parts.map((p) => p.independent),
      [true, false, false, true, false, false],
    );
  });

  test('prefix-stable: a listed part never changes as fragments arrive', () => {
    const all = fragments(['40k', 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40]);
    let before: string[] = [];
    for (let n = 1; n <= all.length; n++) {
      const now = shape(groupParts(all.slice(0, n), false, 0.2));
      assert.deepEqual(now.slice(0, before.length), before, `after ${n} fragments`);
      before = now;
    }
    assert.deepEqual(before, ['100:5:200', '105:5:200']);
  });
});

describe('partTargetFor: whole fragments, within the spec 85 % floor', () => {
  /** n fragments of `ms` (1000 / 15: one 15 fps frame, as a 90 kHz timescale gives it). */
  const frames = (ms: number, n = 30) => Array.from({ length: n }, () => ms / 1000);
  /** RFC 8216bis 4.4.4.9: a part (not a segment's first or last) lasts 85-100 % of PART-TARGET. */
  const inRange = (partS: number, targetS: number) => partS <= targetS && partS >= 0.85 * targetS;

  test('15 fps: 150 ms is two frames (0.147), 200 ms three (0.22, as before)', () => {
    assert.equal(partTargetFor(0.15, frames(1000 / 15)), 0.147);
    assert.ok(inRange(2 * 0.066667, 0.147));
    assert.equal(partTargetFor(0.2, frames(1000 / 15)), 0.22);
    assert.ok(inRange(3 * 0.066667, 0.22));
    // The old rule (configured × 1.1) gave 0.165 for 150 ms: its 133 ms parts were 81 %, under the floor.
    assert.ok(!inRange(2 * 0.066667, 0.15 * PART_TARGET_SLACK));
  });

  test('other rates: 25 fps, 30 fps in two-frame fragments, 10 fps, 5 fps (a frame longer than the target)', () => {
    assert.equal(partTargetFor(0.15, frames(40)), 0.132); // three frames
    assert.equal(partTargetFor(0.15, frames(1000 / 15)), 0.147); // 30 fps, FFmpeg's two-frame fragments
    assert.equal(partTargetFor(0.15, frames(1000 / 30)), 0.147); // 30 fps, one-frame fragments: four
    assert.equal(partTargetFor(0.15, frames(100)), 0.11); // one frame
    assert.equal(partTargetFor(0.15, frames(200)), 0.22); // one frame, longer than the configured target
  });

  test('the median fragment sets the unit; a single longer fragment sets the floor; no fragments: configured', () => {
    const jittery = [...frames(1000 / 15, 20), 0.07, 0.063, 0.1];
    assert.equal(partTargetFor(0.15, jittery), 0.147);
    assert.equal(partTargetFor(0.15, [...frames(1000 / 15, 20), 0.16]), 0.16);
    assert.equal(partTargetFor(0.2, []), 0.22);
    assert.equal(partTargetFor(0.15, [0, 0]), 0.165);
  });

  test('grouping 15 fps fragments against 0.147: two-frame parts, a one-frame last part', () => {
    const f = fragments([
      '66.667k',
      ...Array.from({ length: 14 }, (_, i) => (i % 3 === 2 ? 66.666 : 66.667)),
    ]);
    const parts = groupParts(
      f,
      true,
      partTargetFor(
        0.15,
        f.map((x) => x.durationS),
      ),
    );
    assert.deepEqual(
      parts.map((p) => p.fragments.length),
      [2, 2, 2, 2, 2, 2, 2, 1],
    );
  });
});
