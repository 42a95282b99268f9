import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { captureFmp4, ffprobeStreams, testAudio, testVideo, x264 } from './ffmpeg.test-helper.js';
import { hevcAsHvc1, parseInitSegment } from './init-segment.js';

const H264_PROFILE_IDC: Record<string, number> = {
  'Constrained Baseline': 66,
  Baseline: 66,
  Main: 77,
  High: 100,
};
const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

describe('init segment from real FFmpeg output', () => {
  for (const profile of ['baseline', 'main', 'high']) {
    it(`libx264 ${profile}: avc1 codec string agrees with ffprobe's profile and level`, async () => {
      const { init, fragments } = await captureFmp4([...testVideo(15, 0.5, '640x360'), ...x264(profile, 15)]);
      const info = parseInitSegment(init);
      const [probed] = await ffprobeStreams(Buffer.concat([init, ...fragments]));
      assert.ok(probed && probed.profile && probed.level !== undefined, 'ffprobe reports profile and level');
      const idc = H264_PROFILE_IDC[probed.profile];
      assert.ok(idc !== undefined, `unexpected ffprobe profile ${probed.profile}`);
      const video = info.video!;
      assert.match(video.codec, new RegExp(`^avc1\\.${hex2(idc)}[0-9a-f]{2}${hex2(probed.level)}$`));
      if (probed.profile === 'Constrained Baseline') {
        assert.ok(parseInt(video.codec.slice(7, 9), 16) & 0x40, 'constraint_set1 must be set');
      }
      assert.equal(probed.profile.toLowerCase().endsWith(profile), true);
      assert.deepEqual([video.width, video.height], [probed.width, probed.height]);
      assert.equal(video.kind, 'video');
      assert.equal(info.audio, null);
      assert.equal(info.mimeType, `video/mp4; codecs="${video.codec}"`);
    });
  }

  it('H.264 + AAC: mp4a.40.2 with rate and channels, trex defaults per track', async () => {
    const { init, fragments } = await captureFmp4([
      ...testVideo(15, 0.5),
      ...testAudio(0.5, 44100),
      ...x264('main', 15),
      ...['-c:a', 'aac'],
    ]);
    const info = parseInitSegment(init);
    const streams = await ffprobeStreams(Buffer.concat([init, ...fragments]));
    const probed = streams.find((x) => x.codec_type === 'audio');
    assert.equal(probed?.profile, 'LC');
    assert.ok(probed, 'ffprobe sees the audio stream');
    const audio = info.audio!;
    assert.equal(audio.codec, 'mp4a.40.2');
    assert.equal(audio.sampleRate, 44100);
    assert.equal(audio.channels, probed.channels);
    assert.equal(audio.handler, 'soun');
    assert.equal(audio.timescale, 44100);
    assert.equal(audio.g711, null);
    assert.equal(info.codecs, `${info.video!.codec},mp4a.40.2`);
    assert.deepEqual(
      info.tracks.map((t) => t.defaults.sampleDescriptionIndex),
      [1, 1],
    );
  });

  it('Opus: codec "opus", channel count from dOps', async () => {
    const { init } = await captureFmp4([...testAudio(0.5), '-ac', '2', '-c:a', 'libopus']);
    const info = parseInitSegment(init);
    assert.equal(info.video, null);
    assert.equal(info.audio?.codec, 'opus');
    assert.equal(info.audio?.channels, 2);
    assert.equal(info.audio?.sampleRate, 48000);
    assert.equal(info.mimeType, 'audio/mp4; codecs="opus"');
  });

  for (const tag of ['hev1', 'hvc1']) {
    it(`libx265 (${tag}): hevc codec string agrees with ffprobe`, async () => {
      const { init } = await captureFmp4([
        ...testVideo(15, 0.3),
        ...['-c:v', 'libx265', '-x265-params', 'log-level=0', '-preset', 'ultrafast', '-tag:v', tag],
      ]);
      const video = parseInitSegment(init).video!;
      const [probed] = await ffprobeStreams(init);
      assert.equal(probed?.profile, 'Main');
      assert.match(video.codec, new RegExp(`^${tag}\\.1\\.6\\.L${probed.level}(\\.[0-9A-F]{1,2})*$`));
      assert.deepEqual([video.width, video.height], [320, 180]);
    });
  }

  it('G.711: recognised in QuickTime fMP4 (the mp4 muxer refuses it)', async () => {
    const { init } = await captureFmp4([...testAudio(0.3, 8000), '-c:a', 'pcm_mulaw'], 'mov');
    const audio = parseInitSegment(init).audio!;
    assert.equal(audio.g711, 'ulaw');
    assert.equal(audio.codec, 'ulaw');
    assert.equal(audio.sampleRate, 8000);
    await assert.rejects(
      captureFmp4([...testAudio(0.1, 8000), '-c:a', 'pcm_alaw']),
      /codec not currently supported/,
    );
  });

  it('rejects a truncated init segment with a readable error', async () => {
    const { init } = await captureFmp4([...testVideo(15, 0.2), ...x264('main', 15)]);
    assert.throws(() => parseInitSegment(init.subarray(0, init.length - 10)), /mp4: box "moov"/);
    assert.throws(() => parseInitSegment(init.subarray(0, 28)), /missing "moov"/);
  });
});

test('hevcAsHvc1 renames an hev1 sample entry (and only that); other inits come back untouched', () => {
  const hev1 = Buffer.from('hev1');
  // A minimal moov/trak/mdia/minf/stbl/stsd with one 16-byte hev1 entry.
  const box = (type: string, ...body: Buffer[]) => {
    const payload = Buffer.concat(body);
    const head = Buffer.alloc(8);
    head.writeUInt32BE(8 + payload.length);
    head.write(type, 4, 'latin1');
    return Buffer.concat([head, payload]);
  };
  const entry = Buffer.concat([Buffer.from([0, 0, 0, 16]), hev1, Buffer.alloc(8)]);
  const stsd = box('stsd', Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]), entry);
  const init = box('moov', box('trak', box('mdia', box('minf', box('stbl', stsd)))));
  const out = hevcAsHvc1(init);
  assert.notEqual(out, init);
  assert.ok(out.includes(Buffer.from('hvc1')) && !out.includes(hev1));
  assert.ok(init.includes(hev1), 'the input is not modified');
  assert.equal(hevcAsHvc1(out), out, 'nothing to change: same buffer');
});
