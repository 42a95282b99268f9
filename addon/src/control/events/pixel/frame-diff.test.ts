import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDiffer, MotionDebounce } from './frame-diff.js';

const W = 16;
const H = 10;
const frame = (fill = 0) => new Uint8Array(W * H).fill(fill);
const paint = (f: Uint8Array, x0: number, y0: number, w: number, h: number, v: number) => {
  for (let y = y0; y < y0 + h; y++) f.fill(v, y * W + x0, y * W + x0 + w);
  return f;
};

test('static frames are not motion; a moved block is; small noise is not', () => {
  const d = new FrameDiffer({ width: W, height: H, areaThreshold: 0.02 });
  assert.equal(d.changed(frame(100)), 0, 'first frame has no reference');
  assert.equal(d.isMotion(frame(100)), false);
  assert.equal(d.isMotion(frame(110)), false, 'global shimmer below the pixel threshold');
  assert.equal(d.isMotion(paint(frame(110), 2, 2, 4, 4, 250)), true);
  assert.equal(d.isMotion(paint(frame(110), 2, 2, 4, 4, 250)), false, 'same picture again');
});

test('masked regions (a burned-in clock) never count', () => {
  const d = new FrameDiffer({ width: W, height: H, masks: [{ x: 0, y: 0.8, width: 0.5, height: 0.2 }] });
  d.changed(frame(0));
  assert.equal(d.changed(paint(frame(0), 0, 8, 8, 2, 255)), 0, 'change inside the mask only');
  assert.ok(d.changed(paint(frame(0), 8, 8, 8, 2, 255)) > 0, 'beside the mask it counts');
});

test('debounce: motion needs consecutive frames; one quiet frame drops the raw state', () => {
  const m = new MotionDebounce(2);
  assert.deepEqual(
    [true, false, true, true, true, false].map((x) => m.push(x)),
    [false, false, false, true, true, false],
  );
});
