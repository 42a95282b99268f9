/**
 * The FLV → fMP4 fragmenter on real FFmpeg FLV output (x264 with and without B-frames, AAC), checked
 * by our own parsers (what the hub reads) and by FFmpeg/ffprobe reading the result back.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { ffprobeStreams, testAudio, testVideo, x264 } from '../../lib/mp4/ffmpeg.test-helper.js';
import { parseFragment, parseInitSegment } from '../../lib/mp4/index.js';
import { FlvFragmenter } from './flv-fragmenter.js';
import { FlvReader } from './flv-reader.js';
import { MediaReader } from './media-reader.js';

interface Capture {
  init: Buffer;
  fragments: Buffer[];
}

/** Runs FFmpeg with the supervisor's FLV output flags and returns its raw stdout. */
async function ffmpegOut(args: readonly string[], format = 'flv'): Promise<Buffer> {
  const out =
    format === 'flv'
      ? ['-f', 'flv', '-flvflags', 'no_duration_filesize', '-flush_packets', '1', 'pipe:1']
      : ['-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof', 'pipe:1'];
  const child = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', ...args, ...out], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: Buffer[] = [];
  let err = '';
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 30_000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  clearTimeout(timer);
  if (code !== 0) throw new Error(`ffmpeg exited with ${code}: ${err.trim()}`);
  return Buffer.concat(chunks);
}

/** Feeds `bytes` in pipe-sized pieces cut at odd places (tags split across chunks). */
function fragmentsOf(bytes: Buffer, step = 4093): Capture {
  let init: Buffer | null = null;
  const fragments: Buffer[] = [];
  const reader = new MediaReader({
    init: (b) => (init = Buffer.from(b)),
    fragment: (f) => fragments.push(Buffer.from(f)),
  });
  for (let i = 0; i < bytes.length; i += step) reader.push(bytes.subarray(i, i + step));
  if (!init) throw new Error('no init segment');
  return { init, fragments };
}

interface Packet {
  pts_time: string;
  dts_time: string;
  flags: string;
  duration_time?: string;
}

async function run(
  cmd: string,
  args: string[],
  input: Buffer,
): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(cmd, args, { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  child.stdin.on('error', () => {});
  child.stdin.end(input);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  return { code, out, err };
}

async function probePackets(file: Buffer, stream: 'v' | 'a'): Promise<Packet[]> {
  const r = await run(
    'ffprobe',
    [
      '-v',
      'error',
      '-select_streams',
      stream,
      '-show_packets',
      '-show_entries',
      'packet=pts_time,dts_time,flags,duration_time',
      '-of',
      'json',
      '-i',
      'pipe:0',
    ],
    file,
  );
  assert.equal(r.code, 0, r.err);
  return (JSON.parse(r.out) as { packets: Packet[] }).packets;
}

/** FFmpeg decodes every frame of our fMP4 without a single warning. */
async function decodesCleanly(file: Buffer): Promise<void> {
  const r = await run(
    'ffmpeg',
    ['-v', 'warning', '-nostdin', '-f', 'mp4', '-i', 'pipe:0', '-f', 'null', '-'],
    file,
  );
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err.trim(), '', `decoder warnings: ${r.err}`);
}

describe('FLV fragmenter on real FFmpeg output', () => {
  const SECONDS = 3;
  const FPS = 15;

  it('H.264 (B-frames) + AAC: one fragment per frame, decodable, timestamps and keyframes kept', async () => {
    const bframes = x264('high', FPS)
      .map((a, i, all) => (all[i - 1] === '-bf' ? '2' : a))
      .filter((a) => a !== 'zerolatency' && a !== '-tune');
    const flv = await ffmpegOut([
      ...testVideo(FPS, SECONDS),
      ...testAudio(SECONDS),
      ...bframes,
      '-c:a',
      'aac',
    ]);
    const { init, fragments } = fragmentsOf(flv);
    const info = parseInitSegment(init);
    assert.match(info.codecs, /^avc1\.6400\w\w,mp4a\.40\.2$/);
    assert.equal(info.video?.width, 320);
    assert.equal(info.video?.height, 180);
    assert.equal(info.video?.timescale, 90000);
    assert.equal(info.audio?.timescale, 48000);
    assert.equal(info.audio?.sampleRate, 48000);

    const parsed = fragments.map((f) => parseFragment(f, info));
    const videoFragments = parsed.filter((p) => p.tracks.some((t) => t.trackId === info.video!.id));
    assert.equal(videoFragments.length, SECONDS * FPS, 'one fragment per video frame');
    for (const p of videoFragments) assert.equal(p.primary.sampleCount, 1);
    const keyTimes = parsed.filter((p) => p.independent).map((p) => p.decodeTimeS);
    assert.equal(keyTimes.length, SECONDS);
    // tfdt strictly increasing, continuous: each video fragment starts where the previous one's estimate ends.
    for (let i = 1; i < videoFragments.length; i++) {
      const prev = videoFragments[i - 1]!;
      const gap = videoFragments[i]!.decodeTimeS - (prev.decodeTimeS + prev.durationS);
      assert.ok(Math.abs(gap) <= 0.0015, `fragment ${i} starts ${gap} s off the previous one's end`);
    }
    const audioSamples = parsed.reduce(
      (n, p) => n + (p.tracks.find((t) => t.trackId === info.audio!.id)?.sampleCount ?? 0),
      0,
    );
    // All but the frames after the last video frame (they wait for a next one that never comes at
    // the end of a file) and those before the first video frame (dropped like FFmpeg drops them).
    const aacFrames = (SECONDS * 48000) / 1024;
    assert.ok(audioSamples <= aacFrames && audioSamples >= aacFrames - 9, `${audioSamples} AAC frames`);

    const file = Buffer.concat([init, ...fragments]);
    const streams = await ffprobeStreams(file);
    assert.deepEqual(
      streams.map((s) => [s.codec_type, s.codec_name]),
      [
        ['video', 'h264'],
        ['audio', 'aac'],
      ],
    );
    const video = await probePackets(file, 'v');
    assert.equal(video.length, SECONDS * FPS);
    assert.ok(
      video.some((p) => p.pts_time !== p.dts_time),
      'B-frames: some pts differ from their dts',
    );
    // Presentation times are the frame grid (66.67 ms steps, to FLV's 1 ms) with nothing lost.
    const pts = video.map((p) => Number(p.pts_time)).sort((a, b) => a - b);
    for (let i = 1; i < pts.length; i++)
      assert.ok(Math.abs(pts[i]! - pts[i - 1]! - 1 / FPS) < 0.0015, `pts step at ${i}`);
    assert.equal(video.filter((p) => p.flags.startsWith('K')).length, SECONDS);
    const audio = await probePackets(file, 'a');
    for (let i = 1; i < audio.length; i++)
      assert.ok(Math.abs(Number(audio[i]!.dts_time) - Number(audio[i - 1]!.dts_time) - 1024 / 48000) < 1e-6);
    await decodesCleanly(file);
  });

  it('H.264 without audio (the default camera path): same frames as FFmpeg mp4 muxer, no warnings', async () => {
    const args = [...testVideo(FPS, SECONDS), ...x264('main', FPS)];
    const ours = fragmentsOf(await ffmpegOut(args));
    const theirs = fragmentsOf(await ffmpegOut(args, 'mp4'));
    const ourInfo = parseInitSegment(ours.init);
    const theirInfo = parseInitSegment(theirs.init);
    assert.equal(ourInfo.codecs, theirInfo.codecs);
    assert.equal(ourInfo.mimeType, theirInfo.mimeType);
    const file = Buffer.concat([ours.init, ...ours.fragments]);
    const ref = Buffer.concat([theirs.init, ...theirs.fragments]);
    const [a, b] = await Promise.all([probePackets(file, 'v'), probePackets(ref, 'v')]);
    assert.equal(a.length, b.length);
    a.forEach((p, i) => {
      assert.ok(Math.abs(Number(p.pts_time) - Number(b[i]!.pts_time)) < 0.001, `pts of frame ${i}`);
      assert.equal(p.flags[0], b[i]!.flags[0], `keyframe flag of frame ${i}`);
    });
    await decodesCleanly(file);
  });

  it('rejects input that is not FLV, or a broken tag, with a clear error', () => {
    const sink = { init: () => {}, fragment: () => {} };
    assert.throws(() => new FlvFragmenter(sink).push(Buffer.from('GARBAGE-GARBAGE')), /not "FLV"/);
    const header = Buffer.from([0x46, 0x4c, 0x56, 1, 1, 0, 0, 0, 9, 0, 0, 0, 0]);
    const tag = Buffer.alloc(11 + 2 + 4);
    tag[0] = 9;
    tag.writeUIntBE(2, 1, 3);
    tag.writeUInt32BE(99, 13); // previous tag size should be 13
    assert.throws(
      () => new FlvReader({ header: () => {}, tag: () => {} }).push(Buffer.concat([header, tag])),
      /previous-tag-size 99/,
    );
  });

  it('unwraps the 32-bit millisecond timestamp', () => {
    const times: number[] = [];
    const reader = new FlvReader({ header: () => {}, tag: (t) => times.push(t.timestampMs) });
    const header = Buffer.from([0x46, 0x4c, 0x56, 1, 1, 0, 0, 0, 9, 0, 0, 0, 0]);
    const tagAt = (ms: number): Buffer => {
      const t = Buffer.alloc(11 + 1 + 4);
      t[0] = 18;
      t.writeUIntBE(1, 1, 3);
      t.writeUIntBE(ms & 0xffffff, 4, 3);
      t[7] = (ms >>> 24) & 0xff;
      t.writeUInt32BE(12, 12);
      return t;
    };
    reader.push(Buffer.concat([header, tagAt(2 ** 32 - 40), tagAt(27), tagAt(94)]));
    assert.deepEqual(times, [2 ** 32 - 40, 2 ** 32 + 27, 2 ** 32 + 94]);
  });
});

describe('FLV fragmenter timing rules (hand-made tags)', () => {
  const header = Buffer.from([0x46, 0x4c, 0x56, 1, 0x05, 0, 0, 0, 9, 0, 0, 0, 0]);
  const tag = (type: number, ms: number, body: Buffer): Buffer => {
    const t = Buffer.alloc(11 + body.length + 4);
    t[0] = type;
    t.writeUIntBE(body.length, 1, 3);
    t.writeUIntBE(ms & 0xffffff, 4, 3);
    t[7] = (ms >>> 24) & 0xff;
    body.copy(t, 11);
    t.writeUInt32BE(11 + body.length, 11 + body.length);
    return t;
  };
  const avcC = Buffer.from([1, 0x4d, 0x40, 0x1e, 0xff, 0xe1, 0, 0, 0xe1, 0]);
  const video = (ms: number, key: boolean, ctoMs = 0): Buffer => {
    const b = Buffer.from([key ? 0x17 : 0x27, 1, 0, 0, 0, 0, 0, 0, 1, 0x65]);
    b.writeIntBE(ctoMs, 2, 3);
    return tag(9, ms, b);
  };
  const aac = (ms: number): Buffer => tag(8, ms, Buffer.from([0xaf, 1, 0x21, 0x10]));

  it('audio times come from the frame count; a real gap resyncs; video tfdt is the tag time ×90', () => {
    const parts = [
      header,
      tag(9, 0, Buffer.concat([Buffer.from([0x17, 0, 0, 0, 0]), avcC])),
      tag(8, 0, Buffer.from([0xaf, 0, 0x11, 0x90])), // AAC LC, 48 kHz, stereo
      video(0, true, 67),
    ];
    // 48 kHz AAC frames are 21.333 ms: FLV rounds them to 21 or 22 ms.
    for (let n = 0; n < 9; n++) parts.push(aac(Math.round((n * 1024 * 1000) / 48000)));
    parts.push(video(67, false), video(133, false));
    parts.push(aac(1000), video(1000, true)); // the camera paused: audio 0.8 s later than expected
    let init: Buffer | null = null;
    const frags: Buffer[] = [];
    const f = new FlvFragmenter({
      init: (b) => (init = Buffer.from(b)),
      fragment: (b) => frags.push(Buffer.from(b)),
    });
    f.push(Buffer.concat(parts));
    const info = parseInitSegment(init!);
    assert.equal(info.codecs, 'avc1.4d401e,mp4a.40.2');
    assert.equal(info.audio?.channels, 2);
    const parsed = frags.map((b) => parseFragment(b, info));
    const videoTimes = parsed.map((p) => p.tracks.find((t) => t.trackId === 1)?.baseDecodeTime);
    const audio = parsed.map((p) => p.tracks.find((t) => t.trackId === 2));
    assert.deepEqual(videoTimes, [0, 67 * 90, 133 * 90, 1000 * 90]);
    // The first fragment had no audio yet; the 9 frames ride in the next one, timed by count.
    assert.equal(audio[0], undefined);
    assert.equal(audio[1]?.baseDecodeTime, 0);
    assert.equal(audio[1]?.sampleCount, 9);
    assert.equal(audio[1]?.duration, 9 * 1024);
    assert.equal(audio[2], undefined);
    // The gap: the late frame starts at its own time, not 9 × 1024 samples in.
    assert.equal(audio[3]?.baseDecodeTime, 48000);
    // A frame's duration is the last step (the stream's default, 15 fps, for the first), but the
    // 867 ms pause does not make the frame after it last 867 ms: the median of the recent steps.
    assert.deepEqual(
      parsed.map((p) => p.primary.duration),
      [6000, 67 * 90, 66 * 90, 67 * 90],
    );
  });

  it('new H.264 parameters mid-stream: a new init before the next frame, no error', () => {
    const inits: Buffer[] = [];
    let fragments = 0;
    const f = new FlvFragmenter({ init: (b) => inits.push(Buffer.from(b)), fragment: () => fragments++ });
    const avcHeader = (config: Buffer) => tag(9, 0, Buffer.concat([Buffer.from([0x17, 0, 0, 0, 0]), config]));
    const videoOnly = Buffer.from(header);
    videoOnly[4] = 0x01;
    f.push(Buffer.concat([videoOnly, avcHeader(avcC), video(0, true), video(67, false)]));
    f.push(Buffer.concat([avcHeader(avcC), video(133, false)])); // the same record again: nothing new
    const high = Buffer.from(avcC);
    high[1] = 0x64;
    f.push(Buffer.concat([avcHeader(high), video(200, true)]));
    assert.equal(inits.length, 2);
    assert.equal(fragments, 4);
    assert.equal(parseInitSegment(inits[1]!).codecs, 'avc1.64401e');
  });
});
