import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FragmentInfo, InitSegmentInfo } from '../lib/mp4/index.js';
import type { InitRecord } from './types.js';
import { MediaWindow, type NewFragment } from './window.js';

// Synthetic parts keep these rules exact; stream-hub.test.ts covers the same paths with FFmpeg output.
const info = {} as InitSegmentInfo;
const init = (generation: number): InitRecord => ({
  generation,
  data: Buffer.alloc(0),
  info,
  changed: false,
  receivedAt: 0,
});

let seq = 0;
function part(
  generation: number,
  independent: boolean,
  t: number,
  bytes = 1000,
  durationS = 0.2,
): NewFragment {
  return {
    seq: seq++,
    generation,
    data: Buffer.alloc(0),
    byteLength: bytes,
    durationS,
    decodeTimeS: t,
    independent,
    arrivedAt: t * 1000,
    programDateTime: t * 1000,
    info: {} as FragmentInfo,
  };
}

/** Feeds `seconds` of 0.2 s parts with a keyframe every `gop` seconds, starting at `from`. */
function feed(w: MediaWindow, gen: InitRecord, seconds: number, gop = 1, from = 0, bytes = 1000): void {
  for (let i = 0; i < Math.round(seconds / 0.2); i++) {
    const t = from + i * 0.2;
    w.add(part(gen.generation, Math.abs(t / gop - Math.round(t / gop)) < 1e-6, t, bytes), gen);
  }
}

describe('MediaWindow', () => {
  const limits = { windowS: 4, maxWindowBytes: 1_000_000, segmentTargetS: 1 };

  it('cuts a segment at each keyframe once the target is reached, numbering parts within it', () => {
    const w = new MediaWindow(limits);
    const g = init(1);
    feed(w, g, 3, 0.4); // keyframes every 0.4 s, target 1 s → segments of 1.2 s (3 GOPs)
    const segs = w.segments();
    assert.deepEqual(
      segs.map((s) => [s.seq, s.fragments.length, s.closed]),
      [
        [0, 6, true],
        [1, 6, true],
        [2, 3, false],
      ],
    );
    assert.deepEqual(
      segs[1]!.fragments.map((p) => [p.segmentSeq, p.index, p.independent]),
      [
        [1, 0, true],
        [1, 1, false],
        [1, 2, true],
        [1, 3, false],
        [1, 4, true],
        [1, 5, false],
      ],
    );
  });

  it('keeps at least windowS of media and evicts whole segments from the front', () => {
    const w = new MediaWindow(limits);
    feed(w, init(1), 10);
    const { spanS, segments } = w.stats;
    assert.ok(spanS >= 4 - 1e-9 && spanS < 5 + 1e-9, `span ${spanS}`);
    assert.equal(segments, 4);
    assert.equal(w.segments()[0]!.fragments[0]!.independent, true, 'the window starts on a keyframe');
  });

  it('windowS 0 keeps only the segment of the newest keyframe; setLimits grows and shrinks it', () => {
    const w = new MediaWindow({ ...limits, windowS: 0 });
    feed(w, init(1), 5.4);
    assert.deepEqual(
      w.segments().map((s) => [s.closed, s.fragments.length, s.fragments[0]!.independent]),
      [[false, 2, true]],
      'the GOP in progress, from its keyframe: what a live viewer or a snapshot starts from',
    );
    w.setLimits(3, 1_000_000);
    feed(w, init(1), 6, 1, 5.4);
    assert.ok(w.stats.spanS >= 3 - 1e-9 && w.stats.spanS < 4 + 1e-9, `grown to ${w.stats.spanS} s`);
    w.setLimits(0, 1_000_000);
    assert.ok(w.stats.spanS >= 3 - 1e-9, 'nothing is dropped before the next fragment');
    feed(w, init(1), 0.2, 1, 11.4);
    assert.equal(w.stats.segments, 1, 'shrunk back at the next fragment');
  });

  it('evicts by bytes; an open segment larger than the cap is evicted and reported', () => {
    const w = new MediaWindow({ ...limits, maxWindowBytes: 12_000 });
    feed(w, init(1), 4, 1, 0, 1000); // 5 KB per segment
    assert.ok(w.stats.bytes <= 12_000, `bytes ${w.stats.bytes}`);
    assert.equal(w.overflowBytes, null);
    const huge = new MediaWindow({ ...limits, maxWindowBytes: 12_000 });
    const r = [...Array(20).keys()].map((i) => huge.add(part(1, i === 0, i * 0.2, 1000), init(1)));
    assert.equal(huge.stats.segments, 0);
    assert.ok(huge.overflowBytes !== null && huge.overflowBytes > 12_000, 'overflow recorded');
    assert.deepEqual(
      r.map((x) => x.stored),
      [...Array(12).fill(true), ...Array(8).fill(false)],
    );
    assert.deepEqual(
      r.slice(11, 14).map((x) => [x.fragment.segmentSeq, x.fragment.index]),
      [
        [0, 11],
        [0, 12],
        [0, 13],
      ],
      'numbering continues while nothing is stored',
    );
  });

  it('marks the first segment of each new generation as a discontinuity and keeps numbering', () => {
    const w = new MediaWindow({ ...limits, windowS: 60 });
    feed(w, init(1), 2);
    w.closeOpen();
    feed(w, init(2), 2);
    w.closeOpen();
    feed(w, init(3), 1);
    assert.deepEqual(
      w.segments().map((s) => [s.seq, s.generation, s.discontinuity, s.discontinuitySeq]),
      [
        [0, 1, false, 0],
        [1, 1, false, 0],
        [2, 2, true, 1],
        [3, 2, false, 1],
        [4, 3, true, 2],
      ],
    );
  });

  it('replays from the latest keyframe, from N seconds ago, within a byte budget', () => {
    const w = new MediaWindow({ ...limits, windowS: 60 });
    const g1 = init(1);
    const g2 = init(2);
    feed(w, g1, 3);
    w.closeOpen();
    feed(w, g2, 2.4, 1, 10); // restarted: t = 10..12.2
    const latest = w.replay('latest-keyframe', 2, 12_400, 1e9);
    assert.deepEqual(
      latest.map((x) => x.fragment.decodeTimeS),
      [12, 12.2],
    );
    assert.equal(
      w.replay('latest-keyframe', 3, 12_400, 1e9).length,
      0,
      'no keyframe of the new generation yet',
    );
    assert.equal(w.replay('next-keyframe', 2, 12_400, 1e9).length, 0);
    // 11 s ago from 12.4 → 1.4 → newest keyframe at or before it is t=1 (generation 1)
    const preroll = w.replay({ secondsAgo: 11 }, 2, 12_400, 1e9);
    assert.equal(preroll[0]!.fragment.decodeTimeS, 1);
    assert.deepEqual([...new Set(preroll.map((x) => x.init.generation))], [1, 2]);
    // Too far back → the oldest keyframe; a tight budget moves the start to a later keyframe.
    assert.equal(w.replay({ secondsAgo: 100 }, 2, 12_400, 1e9)[0]!.fragment.decodeTimeS, 0);
    assert.equal(w.replay({ secondsAgo: 100 }, 2, 12_400, 7_000)[0]!.fragment.decodeTimeS, 11);
    assert.equal(w.replay('latest-keyframe', 2, 12_400, 1_500).length, 0, 'the GOP alone exceeds the budget');
  });
});
