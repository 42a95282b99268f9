import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sharedCapture, testAudio, testVideo, x264 } from '../lib/mp4/ffmpeg.test-helper.js';
import { TestClock, collector, feed, keyframeIndexes, tick } from './hub.test-helper.js';
import type { HubWarning } from './meter.js';
import { StreamHub } from './stream-hub.js';
import type { Segment } from './types.js';

const std = sharedCapture([...testVideo(15, 6), ...testAudio(6), ...x264('main', 15), '-c:a', 'aac']);
// -g 150 at 15 fps: a keyframe every 10 s, as on a badly configured camera.
const longGop = sharedCapture([...testVideo(15, 12), ...x264('main', 150)]);

describe('StreamHub: measuring the stream', () => {
  it('reports codecs, size, the measured GOP, fps and bitrate; no warnings for a 1 s GOP', async () => {
    const capture = await std;
    const clock = new TestClock();
    const hub = new StreamHub('cam/main', { now: clock.now });
    hub.setInit(capture.init);
    await feed(hub, capture, clock);
    const s = hub.status();
    assert.equal(s.id, 'cam/main');
    assert.equal(s.live, true);
    assert.match(s.codecs ?? '', /^avc1\.4d[0-9a-f]{4},mp4a\.40\.2$/);
    assert.equal(s.mimeType, `video/mp4; codecs="${s.codecs}"`);
    assert.deepEqual(s.video && [s.video.width, s.video.height], [320, 180]);
    assert.equal(s.audio?.sampleRate, 48000);
    assert.ok(s.gopS !== null && Math.abs(s.gopS - 1) < 0.05, `gop ${s.gopS}`);
    assert.ok(s.fps !== null && Math.abs(s.fps - 15) < 0.5, `fps ${s.fps}`);
    assert.ok(s.bytesPerS !== null && s.bytesPerS > 1000, `bytes/s ${s.bytesPerS}`);
    assert.ok(
      s.partDurationS && Math.abs(s.partDurationS.avg - 0.2) < 0.03,
      `parts ${JSON.stringify(s.partDurationS)}`,
    );
    assert.deepEqual(s.warnings, []);
    assert.equal(s.warning, null);
    assert.equal(s.counters.fragmentsIn, capture.fragments.length);
    assert.equal(
      s.counters.bytesIn,
      capture.fragments.reduce((n, f) => n + f.length, 0),
    );
  });

  it('a 10 s GOP is reported: first "no keyframe", then the measured interval', async () => {
    const capture = await longGop;
    const clock = new TestClock();
    const hub = new StreamHub('cam/main', { now: clock.now, windowS: 30 });
    const seen: HubWarning[][] = [];
    hub.on('warning', (w) => seen.push(w));
    hub.setInit(capture.init);
    await feed(hub, capture, clock);
    const s = hub.status();
    assert.ok(s.gopS !== null && Math.abs(s.gopS - 10) < 0.05, `gop ${s.gopS}`);
    assert.match(s.warning ?? '', /keyframe interval is 10\.00 s, above 2\.00 s/);
    assert.deepEqual(
      seen.map((w) => w.map((x) => x.code)),
      [['no-keyframe'], ['long-gop']],
      'each change of the warning set is emitted once',
    );
    assert.equal(hub.segments()[0]!.durationS.toFixed(2), '10.00', 'segments stretch to the GOP');
  });
});

describe('StreamHub: the window', () => {
  it('is bounded by time and exposes keyframe-aligned segments of parts with LL-HLS events', async () => {
    const capture = await std;
    const clock = new TestClock();
    const hub = new StreamHub('cam/main', { now: clock.now, windowS: 2 });
    const closed: Segment[] = [];
    const evicted: number[] = [];
    let partEvents = 0;
    hub.on('segment', (s) => closed.push(s));
    hub.on('evict', (s) => evicted.push(s.seq));
    hub.on('fragment', (p, seg) => {
      partEvents++;
      assert.equal(seg.fragments.at(-1), p);
    });
    hub.setInit(capture.init);
    const parts = await feed(hub, capture, clock);
    const { window } = hub.status();
    assert.ok(window.spanS >= 2 && window.spanS < 3.1, `span ${window.spanS}`);
    assert.equal(partEvents, parts.length);
    assert.deepEqual(
      closed.map((s) => s.seq),
      [0, 1, 2, 3, 4],
    );
    assert.deepEqual(evicted, [0, 1, 2, 3]);
    for (const seg of hub.segments()) {
      assert.equal(seg.fragments[0]!.independent, true, 'segments start on a keyframe');
      assert.equal(seg.fragments.filter((p) => p.independent).length, 1, 'one 1 s GOP per 1 s segment');
      assert.deepEqual(
        seg.fragments.map((p) => p.index),
        seg.fragments.map((_, i) => i),
      );
      assert.ok(Math.abs(seg.durationS - 1) < 0.05 || !seg.closed, `segment of ${seg.durationS} s`);
    }
    const pdts = parts.map((p) => p.programDateTime);
    assert.deepEqual(
      pdts,
      [...pdts].sort((a, b) => a - b),
      'program date times never go backwards',
    );
  });

  it('windowS 0 holds only the newest GOP; setHistory keeps what a consumer needs (pre-roll)', async () => {
    const capture = await std;
    const clock = new TestClock();
    // (The default base window is 1 s: the GOP before the newest too, for a first LL-HLS viewer.)
    const hub = new StreamHub('cam/main', { now: clock.now, windowS: 0 });
    hub.setInit(capture.init);
    const kf = keyframeIndexes(capture);
    await feed(hub, capture, clock, 0, kf[2]! + 3);
    assert.deepEqual(
      hub.segments().map((s) => s.closed),
      [false],
      'no history nobody asked for: the GOP in progress only',
    );
    const live = collector();
    hub.subscribe({ write: live.write });
    await tick();
    assert.equal(live.fragments()[0]!.seq, hub.segments()[0]!.fragments[0]!.seq, 'fast start still works');

    hub.setHistory(3);
    assert.equal(hub.historyS, 3);
    await feed(hub, capture, clock, kf[2]! + 3, kf[5]! + 3);
    const span = hub.status().window.spanS;
    assert.ok(span >= 3 && span < 4.1, `window holds the 3 s asked for: ${span} s`);
    const pre = collector();
    hub.subscribe({ write: pre.write, start: { secondsAgo: 3 } });
    await tick();
    const got = pre.fragments();
    const preRollS = (got.at(-1)!.programDateTime - got[0]!.programDateTime) / 1000 + got.at(-1)!.durationS;
    assert.ok(preRollS >= 3, `a 3 s pre-roll replays ${preRollS.toFixed(2)} s`);

    hub.setHistory(0);
    await feed(hub, capture, clock, kf[5]! + 3, kf[5]! + 4);
    assert.equal(hub.segments().length, 1, 'the history goes with the consumer that asked for it');
  });

  it('is bounded by bytes; a GOP bigger than the cap empties it with a warning', async () => {
    const capture = await std;
    const clock = new TestClock();
    const cap = 64 * 1024;
    const hub = new StreamHub('cam/main', { now: clock.now, windowS: 60, maxWindowBytes: cap });
    hub.setInit(capture.init);
    await feed(hub, capture, clock);
    const w = hub.status().window;
    assert.ok(w.bytes <= cap && w.bytes > 0, `window holds ${w.bytes} bytes`);
    assert.ok(w.spanS < 6, 'the byte cap, not windowS, limited it');

    const big = await longGop;
    const hub2 = new StreamHub('cam/main', { now: clock.now, maxWindowBytes: cap });
    hub2.setInit(big.init);
    await feed(hub2, big, clock, 0, 60);
    assert.equal(hub2.status().window.bytes <= cap, true);
    assert.match(hub2.status().warning ?? '', /one GOP grew to .* MiB, over the 0\.1 MiB window cap/);
    const c = collector();
    hub2.subscribe({ write: c.write });
    await tick();
    assert.deepEqual(
      c.events.map((e) => e.type),
      ['init'],
      'nothing to fast-start from: wait for the next keyframe',
    );
  });
});

describe('StreamHub: restarts and resets', () => {
  it('a new init is a discontinuity: numbering continues, readers get the new init', async () => {
    const capture = await std;
    const keys = keyframeIndexes(capture);
    const other = await sharedCapture([...testVideo(15, 2, '640x360'), ...x264('high', 15)]);
    const clock = new TestClock();
    const hub = new StreamHub('cam/main', { now: clock.now, windowS: 60 });
    const c = collector();
    hub.subscribe({ write: c.write });
    hub.setInit(capture.init);
    await feed(hub, capture, clock, 0, keys[2]! + 1);
    hub.reset('ffmpeg exited with code 1');
    assert.equal(hub.live, false);
    assert.equal(hub.pushFragment(capture.fragments[0]!), null, 'late fragments after a reset are discarded');
    const late = collector();
    hub.subscribe({ write: late.write }); // while down: waits for the restart

    const same = hub.setInit(capture.init); // the restarted process, same parameters
    assert.deepEqual([same.generation, same.changed], [2, false]);
    await feed(hub, capture, clock, 0, keys[1]! + 1);
    const changed = hub.setInit(other.init); // restarted without a reset, new resolution
    assert.deepEqual([changed.generation, changed.changed], [3, true]);
    await feed(hub, other, clock, 0, 6);
    await tick();

    assert.deepEqual(
      hub.segments().map((s) => [s.generation, s.discontinuity, s.discontinuitySeq]),
      [
        [1, false, 0],
        [1, false, 0],
        [1, false, 0],
        [2, true, 1],
        [2, false, 1],
        [3, true, 2],
        [3, false, 2],
      ],
    );
    const seqs = hub.segments().map((s) => s.seq);
    assert.deepEqual(seqs, [0, 1, 2, 3, 4, 5, 6]);
    const partSeqs = hub.segments().flatMap((s) => s.fragments.map((p) => p.seq));
    assert.deepEqual(
      partSeqs,
      [...partSeqs].sort((a, b) => a - b),
    );
    assert.deepEqual(
      c.events.flatMap((e) =>
        e.type === 'fragment' ? [] : [e.type === 'init' ? `init${e.init.generation}` : e.type],
      ),
      ['init1', 'reset', 'init2', 'init3'],
    );
    const reinit = c.events.find((e) => e.type === 'init' && e.init.generation === 3);
    assert.ok(
      reinit?.type === 'init' && reinit.discontinuity && reinit.init.changed,
      'told: discontinuity + new codec',
    );
    assert.equal(late.events[0]?.type === 'init' && late.events[0].discontinuity, false);
    assert.equal(hub.status().video?.width, 640);
  });

  it('close() ends readers and refuses more input', async () => {
    const capture = await std;
    const hub = new StreamHub('cam/main');
    hub.setInit(capture.init);
    const reader = hub.subscribe({ write: () => {} });
    hub.on('fragment', () => {});
    hub.close('camera removed');
    assert.equal(await reader.closed, 'hub closed: camera removed');
    assert.equal(hub.readerCount, 0);
    assert.deepEqual(hub.eventNames(), []);
    assert.throws(() => hub.pushFragment(capture.fragments[0]!), /hub cam\/main is closed/);
  });
});

describe('StreamHub: audio-only and G.711', () => {
  it('every audio fragment is independent; G.711 is flagged', async () => {
    const capture = await sharedCapture([...testAudio(1, 8000), '-c:a', 'pcm_mulaw'], 'mov');
    const clock = new TestClock();
    const hub = new StreamHub('door/main', { now: clock.now });
    hub.setInit(capture.init);
    const parts = await feed(hub, capture, clock);
    assert.equal(
      parts.every((p) => p.independent),
      true,
    );
    const s = hub.status();
    assert.equal(s.audio?.g711, 'ulaw');
    assert.equal(s.gopS, null);
    assert.match(s.warning ?? '', /G\.711 \(ulaw\)/);
  });
});
