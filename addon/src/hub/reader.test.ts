import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runFfmpeg, sharedCapture, testAudio, testVideo, x264 } from '../lib/mp4/ffmpeg.test-helper.js';
import { TestClock, collector, feed, keyframeIndexes, settle, tick } from './hub.test-helper.js';
import { StreamHub } from './stream-hub.js';
import type { ReaderEvent } from './types.js';

// 6 s of 15 fps H.264 with a keyframe every second (-g 15) and AAC, ~200 ms fragments.
const std = sharedCapture([...testVideo(15, 6), ...testAudio(6), ...x264('main', 15), '-c:a', 'aac']);

describe('readers: where they start', () => {
  it('a new reader gets the init, then the current GOP from its keyframe at once, then live', async () => {
    const capture = await std;
    const keys = keyframeIndexes(capture);
    const clock = new TestClock();
    const hub = new StreamHub('cam/main', { now: clock.now });
    hub.setInit(capture.init);
    const stop = keys[2]! + 2; // the third GOP's keyframe and one fragment after it
    await feed(hub, capture, clock, 0, stop);
    const c = collector();
    hub.subscribe({ write: c.write });
    await tick();
    const [first, ...rest] = c.events;
    assert.equal(first?.type, 'init');
    assert.equal(first.type === 'init' && first.discontinuity, false);
    assert.equal(first.type === 'init' && first.init.data, capture.init);
    assert.equal(rest.length, 2, 'the keyframe fragment and the one after it');
    const gop = c.fragments();
    assert.equal(gop[0]!.independent, true);
    assert.equal(gop[0]!.data, capture.fragments[keys[2]!]);
    await feed(hub, capture, clock, stop, stop + 1);
    await tick();
    assert.equal(c.fragments().at(-1)!.data, capture.fragments[stop], 'live fragments follow');
    assert.deepEqual(
      c.fragments().map((p) => p.seq),
      [stop - 2, stop - 1, stop],
      'part seqs are contiguous',
    );
  });

  it('next-keyframe: init now, fragments only from the next keyframe', async () => {
    const capture = await std;
    const keys = keyframeIndexes(capture);
    const clock = new TestClock();
    const hub = new StreamHub('cam/main', { now: clock.now });
    hub.setInit(capture.init);
    await feed(hub, capture, clock, 0, keys[1]! + 1);
    const c = collector();
    hub.subscribe({ write: c.write, start: 'next-keyframe' });
    await feed(hub, capture, clock, keys[1]! + 1, keys[2]!);
    await tick();
    assert.deepEqual(
      c.events.map((e) => e.type),
      ['init'],
    );
    await feed(hub, capture, clock, keys[2]!, keys[2]! + 1);
    await tick();
    assert.equal(c.fragments()[0]?.data, capture.fragments[keys[2]!]);
  });

  it('secondsAgo (recording pre-roll): starts at the newest keyframe at least that old', async () => {
    const capture = await std;
    const clock = new TestClock();
    const hub = new StreamHub('cam/main', { now: clock.now, windowS: 60 });
    hub.setInit(capture.init);
    await feed(hub, capture, clock);
    const c = collector();
    hub.subscribe({ write: c.write, start: { secondsAgo: 3.5 } });
    await tick();
    const parts = c.fragments();
    const target = clock.t - 3500;
    assert.equal(parts[0]!.independent, true);
    assert.ok(parts[0]!.programDateTime <= target, 'starts before the requested moment');
    const nextKey = parts.slice(1).find((p) => p.independent)!;
    assert.ok(nextKey.programDateTime > target, 'and is the latest keyframe that does');
    assert.equal(parts.at(-1)!.data, capture.fragments.at(-1), 'through to the live edge');
  });

  it('a reader subscribed before the producer starts gets init and fragments from a live FFmpeg pipe', async () => {
    const hub = new StreamHub('cam/sub');
    const c = collector();
    hub.subscribe({ write: c.write });
    const ffmpeg = runFfmpeg([...testVideo(15, 2), ...x264('baseline', 15)], {
      init: (b) => hub.setInit(b),
      fragment: (f) => hub.pushFragment(f),
    });
    await ffmpeg.done;
    hub.reset('ffmpeg exited (code 0)');
    await tick();
    const types = c.events.map((e) => e.type);
    assert.equal(types[0], 'init');
    assert.equal(types.at(-1), 'reset');
    assert.equal(c.fragments()[0]!.independent, true);
    assert.equal(c.fragments().length, hub.status().counters.fragmentsIn);
  });
});

describe('readers: backpressure', () => {
  it('a reader that never drains is skipped, then dropped; a fast reader misses nothing', async () => {
    const capture = await std;
    const clock = new TestClock();
    const hub = new StreamHub('cam/main', { now: clock.now, readerMaxSkips: 1 });
    hub.setInit(capture.init);
    const fast: ReaderEvent[] = [];
    const fastReader = hub.subscribe({
      name: 'fast',
      write: async (e) => {
        await tick(); // a real socket write: asynchronous, but keeps up
        fast.push(e);
      },
    });
    let closedWith: string | null = null;
    const slow = hub.subscribe({
      name: 'stuck',
      maxQueueBytes: 16 * 1024,
      write: () => new Promise<void>(() => {}), // never completes
      onClose: (reason) => (closedWith = reason),
    });
    const parts = await feed(hub, capture, clock, 0, undefined, tick);
    await settle();
    const reason = await slow.closed;
    assert.match(reason, /^dropped: too slow/);
    assert.equal(closedWith, reason, 'onClose got the same reason');
    const s = slow.stats();
    assert.equal(s.skips, 2);
    assert.ok(s.droppedFragments > 0, 'it dropped fragments before being cut off');
    assert.equal(hub.readerCount, 1);
    assert.equal(hub.status().readers[0]!.name, 'fast');
    assert.deepEqual(
      fast.flatMap((e) => (e.type === 'fragment' ? [e.fragment.seq] : [])),
      parts.map((p) => p.seq),
    );
    assert.equal(fastReader.stats().droppedFragments, 0);
    assert.equal(
      fast.some((e) => e.type === 'gap'),
      false,
    );
  });

  it('a reader that stalls once skips to the next keyframe with a gap event, then continues', async () => {
    const capture = await std;
    const keys = keyframeIndexes(capture);
    const clock = new TestClock();
    const hub = new StreamHub('cam/main', { now: clock.now });
    hub.setInit(capture.init);
    let release: () => void = () => {};
    const stalled = new Promise<void>((r) => (release = r));
    const events: ReaderEvent[] = [];
    const reader = hub.subscribe({
      maxQueueBytes: 16 * 1024,
      write: (e) => {
        events.push(e);
        if (e.type === 'fragment' && e.fragment.seq === 1) return stalled; // stuck on the 2nd fragment
      },
    });
    await feed(hub, capture, clock, 0, keys[2]!, tick); // overflows while stuck
    const skips = reader.stats().skips;
    assert.ok(skips >= 1 && !reader.isClosed, `skipped ${skips} times, not dropped yet`);
    release();
    await feed(hub, capture, clock, keys[2]!, undefined, tick);
    await settle();
    assert.equal(reader.stats().skips, skips, 'no more skips once it keeps up');
    assert.equal(reader.isClosed, false);
    const gapAt = events.findIndex((e) => e.type === 'gap');
    assert.ok(gapAt > 0, 'a gap event was delivered');
    const gap = events[gapAt]!;
    const { droppedFragments, droppedBytes } = reader.stats();
    assert.ok(droppedFragments > 0, 'fragments were dropped');
    assert.deepEqual(gap, { type: 'gap', droppedFragments, droppedBytes }, 'the gap accounts for every drop');
    const after = events[gapAt + 1]!;
    assert.ok(
      after.type === 'fragment' && after.fragment.independent,
      'the fragment after a gap is a keyframe',
    );
    assert.equal(reader.stats().queuedBytes, 0);
    assert.equal(events.at(-1)!.type === 'fragment' && events.at(-1)!.type, 'fragment');
  });

  it('5,000 subscribe/unsubscribe cycles leave no readers or listeners behind', async () => {
    const capture = await std;
    const keys = keyframeIndexes(capture);
    const clock = new TestClock();
    const hub = new StreamHub('cam/main', { now: clock.now });
    hub.setInit(capture.init);
    await feed(hub, capture, clock, 0, keys[2]! + 3);
    let closes = 0;
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 5000; i++) {
      const reader = hub.subscribe({ write: () => {}, onClose: () => closes++ });
      if (i % 2) await tick(); // half of them get to deliver their replay first
      reader.close();
    }
    await tick();
    assert.equal(closes, 5000);
    assert.equal(hub.readerCount, 0);
    assert.deepEqual(hub.status().readers, []);
    assert.deepEqual(hub.eventNames(), []);
    await feed(hub, capture, clock, keys[2]! + 3);
    const grown = process.memoryUsage().heapUsed - before;
    assert.ok(grown < 50 * 1024 * 1024, `heap grew ${grown} bytes`);
  });
});
