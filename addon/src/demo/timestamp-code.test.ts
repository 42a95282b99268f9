// Unit tests for the burned-in timestamp code: round trips, rejection of damaged or absent patterns,
// and agreement with the Python renderer's layout (the real-frame tests are in synthetic-camera.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  TIMESTAMP_COLUMNS,
  TIMESTAMP_DATA_CELLS,
  decodeTimestampFromLuma,
  decodeTimestampFromRgba,
  encodeTimestampCells,
  renderTimestampLuma,
  timestampCellRect,
} from './timestamp-code.js';

const SAMPLE_MS = 1_763_700_000_123; // Nov 2025
const PY_DIR = fileURLToPath(new URL('../../synthetic-camera/', import.meta.url));

/** Box-filter downscale, like a scaler would do (area averaging). */
function downscale(src: Uint8Array, w: number, h: number, dw: number, dh: number): Uint8Array {
  const out = new Uint8Array(dw * dh);
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      const x0 = Math.floor((x * w) / dw);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * w) / dw));
      const y0 = Math.floor((y * h) / dh);
      const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * h) / dh));
      let s = 0;
      for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) s += src[yy * w + xx] ?? 0;
      out[y * dw + x] = Math.round(s / ((x1 - x0) * (y1 - y0)));
    }
  }
  return out;
}

test('round trip at camera sizes, including odd ones', () => {
  for (const [w, h] of [
    [1920, 1080],
    [1280, 720],
    [640, 480],
    [333, 187],
    [320, 180],
  ] as const) {
    assert.equal(decodeTimestampFromLuma(renderTimestampLuma(SAMPLE_MS, w, h), w, h), SAMPLE_MS, `${w}x${h}`);
  }
  assert.equal(decodeTimestampFromLuma(renderTimestampLuma(0, 320, 180), 320, 180), 0);
  const max = 2 ** 44 - 1;
  assert.equal(decodeTimestampFromLuma(renderTimestampLuma(max, 320, 180), 320, 180), max);
});

test('survives downscaling 1280x720 to 320x180 and 256x144, and low contrast with noise', () => {
  const big = renderTimestampLuma(SAMPLE_MS, 1280, 720);
  assert.equal(decodeTimestampFromLuma(downscale(big, 1280, 720, 320, 180), 320, 180), SAMPLE_MS);
  assert.equal(decodeTimestampFromLuma(downscale(big, 1280, 720, 256, 144), 256, 144), SAMPLE_MS);
  // Limited-range video (16..235) plus +-20 of deterministic noise must still decode.
  const noisy = renderTimestampLuma(SAMPLE_MS, 320, 180).map(
    (v, i) => Math.round(16 + (v * 219) / 255) + (((i * 7919) % 41) - 20),
  );
  assert.equal(decodeTimestampFromLuma(noisy, 320, 180), SAMPLE_MS);
});

test('stride and RGBA variants', () => {
  const w = 320;
  const h = 180;
  const luma = renderTimestampLuma(SAMPLE_MS, w, h);
  const stride = 384;
  const padded = new Uint8Array(stride * h).fill(7);
  for (let y = 0; y < h; y++) padded.set(luma.subarray(y * w, (y + 1) * w), y * stride);
  assert.equal(decodeTimestampFromLuma(padded, w, h, stride), SAMPLE_MS);
  // Without the right stride the rows are misread.
  assert.equal(decodeTimestampFromLuma(padded, w, h), null);

  const rgba = new Uint8ClampedArray(w * h * 4);
  luma.forEach((v, i) => {
    rgba.set([v, v, v, 255], i * 4);
  });
  assert.equal(decodeTimestampFromRgba(rgba, w, h), SAMPLE_MS);
});

test('returns null for blank, inverted, bit-flipped and too-small input', () => {
  assert.equal(decodeTimestampFromLuma(new Uint8Array(320 * 180).fill(128), 320, 180), null);
  assert.equal(decodeTimestampFromLuma(new Uint8Array(320 * 180), 320, 180), null);
  const inverted = renderTimestampLuma(SAMPLE_MS, 320, 180).map((v) => (v === 128 ? v : 255 - v));
  assert.equal(decodeTimestampFromLuma(inverted, 320, 180), null);
  // Flip each payload cell in turn: the CRC must catch every single-bit error.
  const w = 320;
  const h = 180;
  for (const k of TIMESTAMP_DATA_CELLS) {
    const luma = renderTimestampLuma(SAMPLE_MS, w, h);
    const r = timestampCellRect(Math.floor(k / TIMESTAMP_COLUMNS), k % TIMESTAMP_COLUMNS, w, h);
    for (let y = r.y0; y < r.y1; y++)
      for (let x = r.x0; x < r.x1; x++) luma[y * w + x] = 255 - (luma[y * w + x] ?? 0);
    assert.equal(decodeTimestampFromLuma(luma, w, h), null, `cell ${k}`);
  }
  assert.equal(decodeTimestampFromLuma(new Uint8Array(10), 320, 180), null);
  assert.throws(() => encodeTimestampCells(-1), RangeError);
});

test('the Python renderer uses the same cells and pixel rectangles', () => {
  const script = [
    'import json, timestamp_pattern as tp',
    `cells = tp.encode_cells(${SAMPLE_MS})`,
    'rects = [tp.cell_rect(k // tp.COLUMNS, k % tp.COLUMNS, w, h) for (w, h) in ((333, 187), (1280, 720)) for k in range(tp.CELL_COUNT)]',
    'print(json.dumps({"cells": cells, "rects": rects}))',
  ].join('\n');
  const out = execFileSync('/usr/bin/python3', ['-B', '-c', script], { cwd: PY_DIR, encoding: 'utf8' });
  const py = JSON.parse(out) as { cells: number[]; rects: number[][] };
  assert.deepEqual(py.cells, encodeTimestampCells(SAMPLE_MS));
  const tsRects: number[][] = [];
  for (const [w, h] of [
    [333, 187],
    [1280, 720],
  ] as const) {
    for (let k = 0; k < py.cells.length; k++) {
      const r = timestampCellRect(Math.floor(k / TIMESTAMP_COLUMNS), k % TIMESTAMP_COLUMNS, w, h);
      tsRects.push([r.x0, r.y0, r.x1, r.y1]);
    }
  }
  assert.deepEqual(py.rects, tsRects);
});
