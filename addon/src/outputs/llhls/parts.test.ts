/** Grouping fragments into LL-HLS parts, on hand-made fragments (no FFmpeg needed). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Fragment } from '../../hub/index.js';
import { groupParts } from './parts.js';

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
