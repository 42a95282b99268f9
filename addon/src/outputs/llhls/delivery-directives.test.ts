/** Blocking reload rules and playlist text on hand-made segments (no FFmpeg needed). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Fragment, InitRecord, Segment } from '../../hub/index.js';
import { parseDirective, parseSkip, rejectDirective, satisfies } from './delivery-directives.js';
import { renderMediaPlaylist } from './playlist.js';

const init = (generation: number) => ({ generation }) as InitRecord;

/** A listed LL-HLS segment: a hub segment whose parts are single fragments. */
type TestSegment = Omit<Segment, 'fragments'> & { parts: Fragment[] };

/** Segments of `counts[i]` parts each (0.2 s), numbered from seq `first`; the last one open unless `allClosed`. */
function window(first: number, counts: number[], allClosed = false, generations?: number[]): TestSegment[] {
  let partSeq = 100;
  return counts.map((n, i) => {
    const seq = first + i;
    const parts = Array.from(
      { length: n },
      (_, index) =>
        ({ seq: partSeq++, segmentSeq: seq, index, durationS: 0.2, independent: index === 0 }) as Fragment,
    );
    const generation = generations?.[i] ?? 1;
    return {
      seq,
      generation,
      init: init(generation),
      discontinuity: i > 0 && generation !== (generations?.[i - 1] ?? 1),
      discontinuitySeq: generation - 1,
      parts,
      durationS: n * 0.2,
      byteLength: n * 100,
      programDateTime: Date.UTC(2026, 0, 1) + seq * 1000,
      closed: allClosed || i < counts.length - 1,
    };
  });
}

describe('delivery directives', () => {
  test('parse: absent, valid, and every malformed shape', () => {
    assert.deepEqual(parseDirective({}), { ok: true, directive: null });
    assert.deepEqual(parseDirective({ _HLS_msn: '7' }), { ok: true, directive: { msn: 7, part: null } });
    assert.deepEqual(parseDirective({ _HLS_msn: '7', _HLS_part: '0' }), {
      ok: true,
      directive: { msn: 7, part: 0 },
    });
    for (const q of [
      { _HLS_part: '1' },
      { _HLS_msn: 'x' },
      { _HLS_msn: '-1' },
      { _HLS_msn: '1.5' },
      { _HLS_msn: '1', _HLS_part: '' },
      { _HLS_msn: ['1', '2'] },
    ]) {
      assert.equal(parseDirective(q).ok, false, JSON.stringify(q));
    }
  });

  test('reject: too far ahead, evicted, part beyond the advance limit', () => {
    const w = window(10, [5, 5, 2]); // last = 12, open with parts 0..1
    assert.equal(rejectDirective({ msn: 13, part: 0 }, w), null);
    assert.match(rejectDirective({ msn: 14, part: null }, w) ?? '', /more than one past/);
    assert.match(rejectDirective({ msn: 9, part: null }, w) ?? '', /older/);
    assert.equal(rejectDirective({ msn: 12, part: 4 }, w), null);
    assert.match(rejectDirective({ msn: 12, part: 5 }, w) ?? '', /too far ahead/);
  });

  test('satisfied: the part, any later part, or a complete segment for msn-only', () => {
    const w = window(10, [5, 5, 2]);
    assert.equal(satisfies({ msn: 12, part: 1 }, w), true);
    assert.equal(satisfies({ msn: 12, part: 2 }, w), false);
    assert.equal(satisfies({ msn: 11, part: 9 }, w), true, 'a later segment has parts');
    assert.equal(satisfies({ msn: 11, part: null }, w), true);
    assert.equal(satisfies({ msn: 12, part: null }, w), false, 'segment 12 is still open');
    assert.equal(satisfies({ msn: 13, part: 0 }, w), false);
    // After a restart closed the last segment, its "next part" waits for the new generation.
    assert.equal(satisfies({ msn: 12, part: 2 }, window(10, [5, 5, 2], true)), false);
  });
});

describe('media playlist text', () => {
  test('tags, parts only near the edge, discontinuity with a new MAP, relative URIs, hint', () => {
    const w = window(10, [5, 5, 5, 3], false, [1, 1, 2, 2]);
    const text = renderMediaPlaylist({
      segments: w,
      targetDurationS: 1,
      partTargetS: 0.2,
      partWindowS: 2,
      nextPartSeq: 118,
    });
    const lines = text.trim().split('\n');
    assert.deepEqual(lines.slice(0, 7), [
      '#EXTM3U',
      '#EXT-X-VERSION:9',
      '#EXT-X-TARGETDURATION:1',
      '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=6,PART-HOLD-BACK=0.6,HOLD-BACK=3',
      '#EXT-X-PART-INF:PART-TARGET=0.2',
      // Hub segment 10 is media sequence 11 (MSN_BASE: hls.js mishandles a segment numbered 0).
      '#EXT-X-MEDIA-SEQUENCE:11',
      '#EXT-X-DISCONTINUITY-SEQUENCE:0',
    ]);
    assert.deepEqual(
      lines.filter((l) => l.startsWith('#EXT-X-MAP')),
      ['#EXT-X-MAP:URI="init-1.mp4"', '#EXT-X-MAP:URI="init-2.mp4"'],
    );
    assert.equal(lines.filter((l) => l === '#EXT-X-DISCONTINUITY').length, 1);
    assert.ok(lines.indexOf('#EXT-X-DISCONTINUITY') < lines.indexOf('#EXT-X-MAP:URI="init-2.mp4"'));
    // 2 s of parts from the end: the open segment (0.6 s) and the one before (1 s) and one more.
    const partUris = lines.filter((l) => l.startsWith('#EXT-X-PART:'));
    assert.equal(partUris.length, 13);
    assert.equal(lines.filter((l) => l.startsWith('#EXTINF')).length, 3);
    assert.equal(lines.at(-1), '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part-118.mp4"');
    assert.ok(!/https?:|\/\//.test(text), 'relative URIs only');
  });

  test('delta update: segments ending ≥ CAN-SKIP-UNTIL before the end become one EXT-X-SKIP', () => {
    // 10 closed segments of 1 s and an open one: the first 4 end ≥ 6 s before the end.
    const w = window(10, [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 3], false, [1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2]);
    const full = renderMediaPlaylist({
      segments: w,
      targetDurationS: 1,
      partTargetS: 0.2,
      partWindowS: 3,
      nextPartSeq: 200,
    });
    const delta = renderMediaPlaylist({
      segments: w,
      targetDurationS: 1,
      partTargetS: 0.2,
      partWindowS: 3,
      nextPartSeq: 200,
      skip: true,
    });
    assert.match(delta, /\n#EXT-X-SKIP:SKIPPED-SEGMENTS=4\n/);
    assert.ok(!full.includes('EXT-X-SKIP'));
    const tail = (text: string) => text.slice(text.indexOf('seg-14.mp4'));
    assert.equal(tail(delta), tail(full), 'everything after the skipped segments is the same');
    assert.ok(!delta.includes('seg-13.mp4') && delta.includes('seg-14.mp4'));
    // The first listed segment carries its own MAP; the discontinuity before segment 15 stays.
    const afterSkip = delta.slice(delta.indexOf('#EXT-X-SKIP'));
    assert.match(
      afterSkip,
      /^#EXT-X-SKIP:SKIPPED-SEGMENTS=4\n#EXT-X-MAP:URI="init-1\.mp4"\n#EXT-X-PROGRAM-DATE-TIME/,
    );
    assert.match(afterSkip, /seg-14\.mp4\n#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="init-2\.mp4"/);
    assert.equal(
      delta.split('\n').find((l) => l.startsWith('#EXT-X-MEDIA-SEQUENCE')),
      '#EXT-X-MEDIA-SEQUENCE:11',
    );
    // A short window has nothing to skip.
    const short = renderMediaPlaylist({
      ...{ segments: w.slice(6), targetDurationS: 1, partTargetS: 0.2, partWindowS: 3, nextPartSeq: 200 },
      skip: true,
    });
    assert.ok(!short.includes('EXT-X-SKIP'));
    assert.deepEqual(parseSkip({ _HLS_skip: 'YES' }), { ok: true, skip: true });
    assert.deepEqual(parseSkip({ _HLS_skip: 'v2' }), { ok: true, skip: true });
    assert.deepEqual(parseSkip({}), { ok: true, skip: false });
    assert.equal(parseSkip({ _HLS_skip: 'NO' }).ok, false);
  });
});
