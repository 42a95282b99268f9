/**
 * Media playlist text on hand-made segments: the tags a stock hls.js and Safari's native player rely
 * on (PART-INF, SERVER-CONTROL with CAN-BLOCK-RELOAD and PART-HOLD-BACK, independent parts, the
 * preload hint) and the program date times (present on every segment, increasing along media time).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMediaPlaylist } from '../../../../test/helpers/m3u8.js';
import { holdBacks, PART_HOLD_BACK_PARTS, renderMediaPlaylist, type ListedSegment } from './playlist.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');

/** `n` closed segments of 1 s (five 0.2 s parts), then an open one with `openParts` parts. */
function segments(n: number, openParts: number): ListedSegment[] {
  const out: ListedSegment[] = [];
  for (let i = 0; i <= n; i++) {
    const closed = i < n;
    const count = closed ? 5 : openParts;
    out.push({
      seq: 10 + i,
      init: { generation: 1 },
      discontinuity: false,
      discontinuitySeq: 0,
      programDateTime: T0 + i * 1000,
      durationS: count * 0.2,
      closed,
      parts: Array.from({ length: count }, (_, k) => ({
        seq: 100 + i * 5 + k,
        durationS: 0.2,
        independent: k === 0,
      })),
    });
  }
  return out;
}

describe('LL-HLS media playlist', () => {
  test('PART-HOLD-BACK is 3 × PART-TARGET (the spec asks ≥ 2, recommends ≥ 3) for any part target', () => {
    assert.equal(PART_HOLD_BACK_PARTS, 3);
    for (const pt of [0.11, 0.165, 0.22, 0.33, 0.55, 1.1]) {
      const { partHoldBack, holdBack } = holdBacks(1, pt);
      assert.ok(partHoldBack >= 3 * pt - 1e-9, `PART-HOLD-BACK ${partHoldBack} for PART-TARGET ${pt}`);
      assert.ok(partHoldBack < 3 * pt + 1e-3, `not more than asked: ${partHoldBack} for ${pt}`);
      assert.equal(holdBack, 3);
    }
  });

  test('tags a stock hls.js and Safari need; program date times on every segment, increasing', () => {
    const segs = segments(4, 2);
    const text = renderMediaPlaylist({
      segments: segs,
      targetDurationS: 1,
      partTargetS: 0.22,
      partWindowS: 3,
      nextPartSeq: 122,
    });
    const pl = parseMediaPlaylist(text);
    assert.deepEqual(pl.unknownTags, []);
    assert.equal(pl.version, 9);
    assert.equal(pl.partTarget, 0.22);
    assert.equal(pl.serverControl['CAN-BLOCK-RELOAD'], 'YES');
    assert.equal(Number(pl.serverControl['PART-HOLD-BACK']), 0.66);
    assert.ok(Number(pl.serverControl['PART-HOLD-BACK']) >= 3 * pl.partTarget!);
    assert.deepEqual(pl.preloadHint, { type: 'PART', uri: 'part-122.mp4' });
    // Parts listed within the part window, each segment's first part independent.
    const withParts = pl.segments.filter((s) => s.parts.length > 0);
    assert.ok(withParts.length >= 3);
    for (const s of withParts) assert.ok(s.parts[0]!.independent, `segment ${s.msn} starts independent`);
    // The open segment: parts, no URI yet.
    assert.equal(pl.segments.at(-1)!.uri, null);
    assert.equal(pl.segments.at(-1)!.parts.length, 2);
    const pdts = pl.segments.map((s) => s.programDateTime);
    assert.ok(
      pdts.every((p) => p !== null),
      'EXT-X-PROGRAM-DATE-TIME on every segment',
    );
    assert.deepEqual(
      pdts,
      segs.map((s) => s.programDateTime),
    );
    for (let i = 1; i < pdts.length; i++) assert.ok(pdts[i]! > pdts[i - 1]!, 'increasing');
    assert.match(text, /#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00\.000Z\n/);
  });

  test('the date function given by the muxer is what is written', () => {
    const segs = segments(2, 1);
    const pl = parseMediaPlaylist(
      renderMediaPlaylist({
        segments: segs,
        targetDurationS: 1,
        partTargetS: 0.22,
        partWindowS: 3,
        nextPartSeq: 111,
        programDateTime: (s) => T0 + 5000 + (s.seq - 10) * 1000,
      }),
    );
    assert.deepEqual(
      pl.segments.map((s) => s.programDateTime),
      [T0 + 5000, T0 + 6000, T0 + 7000],
    );
  });
});
