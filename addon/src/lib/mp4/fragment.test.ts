import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sharedCapture, testAudio, testVideo, x264 } from './ffmpeg.test-helper.js';
import { parseFragment } from './fragment.js';
import { type InitSegmentInfo, type InitTrack, parseInitSegment } from './init-segment.js';

function box(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}
const u32 = (...values: number[]): Buffer => {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
};

const KEY = 0x02000000; // depends_on = 2 (I-frame)
const NON_KEY = 0x01010000; // depends_on = 1, is_non_sync_sample

describe('fragments from real FFmpeg output (g=15 at 15 fps, AAC)', () => {
  const capture = sharedCapture([...testVideo(15, 3), ...testAudio(3), ...x264('main', 15), '-c:a', 'aac']);

  it('marks a keyframe fragment exactly every second, i.e. every -g frames', async () => {
    const { init, fragments } = await capture;
    const info = parseInitSegment(init);
    const parsed = fragments.map((f) => parseFragment(f, info));
    const keyTimes = parsed.filter((p) => p.independent).map((p) => p.decodeTimeS);
    assert.equal(keyTimes.length, 3);
    assert.equal(keyTimes[0], 0);
    // FFmpeg stretches the first video frame by the AAC priming delay (~21 ms), so compare intervals.
    for (let i = 1; i < keyTimes.length; i++) {
      const gop = keyTimes[i]! - keyTimes[i - 1]!;
      assert.ok(Math.abs(gop - 1) < 0.03, `keyframe interval ${gop} s`);
    }
    const videoSamples = parsed.reduce((n, p) => n + p.primary.sampleCount, 0);
    assert.equal(videoSamples, 45);
    for (const p of parsed) {
      assert.equal(p.primary.trackId, info.video!.id);
      assert.equal(p.primary.startsWithKeyframe, p.independent);
      assert.equal(p.primary.syncSamples, p.independent ? 1 : 0, 'frag_keyframe puts every keyframe first');
      assert.ok(p.durationS > 0 && p.durationS <= 0.25, `fragment of ${p.durationS} s`);
      assert.equal(p.byteLength, fragments[parsed.indexOf(p)]!.length);
    }
  });

  it('decode times are monotonic and contiguous per track', async () => {
    const { init, fragments } = await capture;
    const info = parseInitSegment(init);
    const next = new Map<number, number>();
    let sequence = 0;
    for (const f of fragments) {
      const p = parseFragment(f, info);
      assert.ok(p.sequenceNumber > sequence, 'mfhd sequence increases');
      sequence = p.sequenceNumber;
      for (const t of p.tracks) {
        const expected = next.get(t.trackId);
        if (expected !== undefined) assert.equal(t.baseDecodeTime, expected, `track ${t.trackId} gap`);
        next.set(t.trackId, t.baseDecodeTime + t.duration);
        if (t.trackId === info.audio!.id) assert.ok(t.startsWithKeyframe, 'every AAC frame is a sync sample');
      }
    }
    const audioEnd = next.get(info.audio!.id)! / info.audio!.timescale;
    assert.ok(Math.abs(audioEnd - 3) < 0.05, `audio ends at ${audioEnd} s`);
  });
});

describe('sample defaults fall back trun → tfhd → trex', () => {
  const track = (id: number, kind: 'video' | 'audio', duration: number, flags: number): InitTrack => ({
    id,
    handler: kind === 'video' ? 'vide' : 'soun',
    kind,
    timescale: 90000,
    sampleEntry: 'avc1',
    codec: 'avc1.4d401f',
    width: 640,
    height: 360,
    sampleRate: null,
    channels: null,
    g711: null,
    defaults: { sampleDescriptionIndex: 1, sampleDuration: duration, sampleSize: 0, sampleFlags: flags },
  });
  const video = track(1, 'video', 3000, NON_KEY);
  const init: InitSegmentInfo = { tracks: [video], video, audio: null, codecs: video.codec, mimeType: '' };

  /** moof with one traf: tfhd (default-base-is-moof + optional fields), tfdt v1, one trun. */
  function fragment(
    tfhdFlags: number,
    tfhdFields: number[],
    trunFlags: number,
    trunFields: number[],
  ): Buffer {
    const moof = box(
      'moof',
      box('mfhd', u32(0, 7)),
      box(
        'traf',
        box('tfhd', u32(0x20000 | tfhdFlags, 1, ...tfhdFields)),
        box('tfdt', Buffer.from([1, 0, 0, 0]), Buffer.from([0, 0, 0, 0, 0, 0x01, 0x5f, 0x90])), // 90000
        box('trun', u32(trunFlags, ...trunFields)),
      ),
    );
    return Buffer.concat([box('styp', Buffer.from('msdh')), moof, box('mdat', Buffer.alloc(4))]);
  }

  it('uses trex duration and flags when trun and tfhd carry none', () => {
    const p = parseFragment(fragment(0, [], 0x001, [3, 0]), init);
    assert.equal(p.sequenceNumber, 7);
    assert.equal(p.decodeTimeS, 1);
    assert.equal(p.primary.sampleCount, 3);
    assert.equal(p.primary.duration, 9000);
    assert.equal(p.durationS, 0.1);
    assert.equal(p.independent, false);
  });

  it('first_sample_flags marks a keyframe start over the defaults', () => {
    const p = parseFragment(fragment(0, [], 0x005, [3, 0, KEY]), init);
    assert.equal(p.independent, true);
    assert.equal(p.primary.syncSamples, 1);
  });

  it('tfhd defaults override trex; per-sample trun values override both', () => {
    // tfhd: default duration 1500 and default flags = keyframe
    const tfhd = parseFragment(fragment(0x08 | 0x20, [1500, KEY], 0x001, [2, 0]), init);
    assert.equal(tfhd.primary.duration, 3000);
    assert.equal(tfhd.primary.syncSamples, 2);
    // trun: per-sample durations + flags (non-key first, key second)
    const trun = parseFragment(fragment(0x08, [1500], 0x501, [2, 0, 1000, NON_KEY, 2000, KEY]), init);
    assert.equal(trun.primary.duration, 3000);
    assert.equal(trun.independent, false);
    assert.equal(trun.primary.syncSamples, 1, 'a keyframe in mid-fragment is counted but does not start it');
  });

  it('an audio-only fragment of an A/V stream is timed by its audio but adds no time', () => {
    const audio: InitTrack = { ...track(1, 'audio', 1024, KEY), timescale: 48000, sampleEntry: 'mp4a' };
    const av: InitSegmentInfo = {
      ...init,
      tracks: [audio, { ...video, id: 2 }],
      video: { ...video, id: 2 },
      audio,
    };
    const p = parseFragment(fragment(0, [], 0x001, [3, 0]), av);
    assert.equal(p.primary.trackId, 1);
    assert.equal(p.primary.durationS, 3072 / 48000);
    assert.equal(p.durationS, 0);
    assert.equal(p.independent, false);
    // The same fragment in an audio-only stream is the timeline.
    const audioOnly: InitSegmentInfo = { ...init, tracks: [audio], video: null, audio };
    assert.equal(parseFragment(fragment(0, [], 0x001, [3, 0]), audioOnly).durationS, 3072 / 48000);
  });

  it('rejects fragments for unknown tracks and absurd sample counts', () => {
    const other: InitSegmentInfo = { ...init, tracks: [{ ...video, id: 2 }], video: { ...video, id: 2 } };
    assert.throws(() => parseFragment(fragment(0, [], 0x001, [3, 0]), other), /track 1, which the init/);
    assert.throws(() => parseFragment(fragment(0, [], 0x101, [1e6, 0]), init), /claims 1000000 samples/);
  });
});
