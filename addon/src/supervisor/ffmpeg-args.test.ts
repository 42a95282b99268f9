import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFfmpegArgs, buildVariantArgs, FLV_REFUSED_RE, PROBE_TOO_SHORT_RE } from './ffmpeg-args.js';
import { resolveSource } from '../sources/resolve.js';
import { keyId, parseKeyId, streamKey } from '../contracts/stream-key.js';
import type { ResolvedProfile, StreamTuning } from '../contracts/config.js';

const tuning: StreamTuning = {
  stallTimeoutMs: 5000,
  startupGraceMs: 10000,
  idleTimeoutMs: 30000,
  leaseTtlMs: 30000,
  probeIntervalMs: 2000,
  backoffStepsMs: [1000],
  backoffResetAfterMs: 30000,
  rtspTimeoutMs: 5000,
  partTargetMs: 200,
};
const base: ResolvedProfile = {
  name: 'main',
  sourceUrl: 'rtsp://u:p%40ss@127.0.0.1:8554/cam/main',
  displayUrl: 'rtsp://127.0.0.1:8554/cam/main',
  transport: 'udp',
  mode: 'copy',
  transcode: null,
  audio: 'drop',
  alwaysOn: false,
  tuning,
};
const key = streamKey('cam', 'main');

test('copy mode: no filters or encoder options, RTSP transport and µs timeout, FLV to stdout', () => {
  const args = buildFfmpegArgs(base, resolveSource(key, base), { transport: 'udp' });
  const s = args.join(' ');
  assert.match(s, /-rtsp_transport udp -timeout 5000000 /);
  assert.match(s, /-c:v copy -bsf:v setts=/);
  assert.doesNotMatch(s, /-vf|libx264|-g |-preset/);
  assert.match(s, /-f flv -flvflags no_duration_filesize -flush_packets 1 pipe:1$/);
  assert.ok(!args.includes('-map') || !s.includes('0:a'), 'audio dropped');
});

test('container: FLV for H.264 with no or AAC audio; FFmpeg mp4 muxer when FLV cannot carry the codecs', () => {
  const mp4 = /-f mp4 -movflags frag_keyframe\+empty_moov\+default_base_moof -frag_duration 50000 pipe:1$/;
  const flv = /-f flv -flvflags no_duration_filesize -flush_packets 1 pipe:1$/;
  const src = resolveSource(key, base);
  assert.match(buildFfmpegArgs({ ...base, audio: 'auto' }, src).join(' '), flv);
  assert.match(buildFfmpegArgs({ ...base, audio: 'aac' }, src).join(' '), flv);
  // A copy's audio may be G.711/PCM, Opus is not FLV at all.
  assert.match(buildFfmpegArgs({ ...base, audio: 'copy' }, src).join(' '), mp4);
  assert.match(buildFfmpegArgs({ ...base, audio: 'opus' }, src).join(' '), mp4);
  // FFmpeg refused this copy's video as FLV (H.265 ...): mp4; an encode is H.264 whatever the camera sends.
  assert.match(buildFfmpegArgs(base, src, { noFlv: true }).join(' '), mp4);
  assert.match(buildFfmpegArgs(base, src, { noFlv: true, encodeH264: true }).join(' '), flv);
  assert.match('[flv @ 0x55] Video codec hevc not compatible with flv', FLV_REFUSED_RE);
  assert.match(
    '[flv @ 0x55] Codec mpeg4 is not supported in the official FLV specification,',
    FLV_REFUSED_RE,
  );
});

test('transcode mode: keyframes on the part grid, scaling, bitrate', () => {
  const p: ResolvedProfile = {
    ...base,
    mode: 'transcode',
    audio: 'auto',
    transcode: {
      width: 640,
      height: null,
      fps: 10,
      keyframeIntervalS: 1,
      bitrateKbps: 512,
      preset: 'veryfast',
    },
  };
  const s = buildFfmpegArgs(p, resolveSource(key, p)).join(' ');
  assert.match(s, /-c:v libx264 -preset veryfast -tune zerolatency/);
  assert.match(s, /-vf setpts=\S+,scale=640:-2,fps=10 /);
  assert.match(s, /-g 10 -keyint_min 10/);
  assert.match(s, /-force_key_frames expr:gte\(t,n_forced\*1\)/);
  assert.match(s, /-b:v 512k/);
  assert.match(s, /-map 0:a:0\? -c:a aac/);
});

test('non-RTSP sources get no RTSP options; the restream rewrite is one switch', () => {
  const p: ResolvedProfile = {
    ...base,
    sourceUrl: 'srt://127.0.0.1:9000',
    displayUrl: 'srt://127.0.0.1:9000',
  };
  assert.doesNotMatch(buildFfmpegArgs(p, resolveSource(key, p)).join(' '), /rtsp_transport/);
  const r = resolveSource(key, base, { restreamBase: 'rtsp://127.0.0.1:8554/' });
  assert.equal(r.url, 'rtsp://127.0.0.1:8554/cam_main');
  assert.equal(r.isRtsp, true);
});

test('probing: fast by default, longer after a "probe too short" failure', () => {
  const fast = buildFfmpegArgs(base, resolveSource(key, base)).join(' ');
  // The timestamp probe ends one frame after the keyframe (not FFmpeg's 7 decoded H.264 frames).
  assert.match(fast, /-analyzeduration 2500000 -probesize 2500000 -fpsprobesize 0 -max_ts_probe 2 -i /);
  const long = buildFfmpegArgs(base, resolveSource(key, base), { longProbe: true }).join(' ');
  // The retry gets FFmpeg's full heuristics back.
  assert.match(long, /-analyzeduration 6000000 -probesize 6000000 -fpsprobesize 0 -i /);
  assert.ok(PROBE_TOO_SHORT_RE.test('[mp4 @ 0x55] dimensions not set'));
  assert.ok(!PROBE_TOO_SHORT_RE.test('Connection refused'));
});

test('HTTP MJPEG: stamped on arrival and encoded to H.264 although the profile says copy', () => {
  const p: ResolvedProfile = {
    ...base,
    sourceUrl: 'http://10.0.0.9/cam.mjpeg',
    displayUrl: 'http://10.0.0.9/cam.mjpeg',
  };
  const s = buildFfmpegArgs(p, resolveSource(key, p)).join(' ');
  assert.match(s, /-use_wallclock_as_timestamps 1 .*-i http:/);
  assert.match(s, /-c:v libx264 /);
  assert.doesNotMatch(s, /rtsp_transport|-c:v copy/);
});

test('a copy whose codec no browser plays (encodeH264) gets the default H.264 encode', () => {
  const s = buildFfmpegArgs(base, resolveSource(key, base), { encodeH264: true }).join(' ');
  assert.match(s, /-c:v libx264 -preset veryfast .* -force_key_frames expr:gte\(t,n_forced\*1\)/);
});

test('H.264 variant: fMP4 from stdin, software x264 by default, VAAPI / QSV presets with a device', () => {
  const sw = buildVariantArgs(base).join(' ');
  assert.match(sw, /-f mp4 -i pipe:0 -map 0:v:0 -c:v libx264 .*-map 0:a:0\? -c:a copy -f flv /);
  assert.match(buildVariantArgs({ ...base, audio: 'copy' }).join(' '), /-c:a copy -f mp4 /);
  const vaapi = buildVariantArgs(base, { api: 'vaapi', device: '/dev/dri/renderD128' }).join(' ');
  assert.match(
    vaapi,
    /-vaapi_device \/dev\/dri\/renderD128 .*-vf setpts=\S+,format=nv12,hwupload -c:v h264_vaapi/,
  );
  const qsv = buildVariantArgs(base, { api: 'qsv', device: '/dev/dri/renderD128' }).join(' ');
  assert.match(qsv, /-init_hw_device qsv=hw:\/dev\/dri\/renderD128 -filter_hw_device hw .*-c:v h264_qsv/);
  assert.doesNotMatch(qsv + vaapi, /libx264/);
});

test('variant keys: camera/profile~h264 round-trips; anything else is rejected', () => {
  const v = streamKey('cam', 'sub', 'h264');
  assert.equal(keyId(v), 'cam/sub~h264');
  assert.deepEqual(parseKeyId('cam/sub~h264'), v);
  assert.deepEqual(parseKeyId('cam/sub'), streamKey('cam', 'sub'));
  assert.throws(() => parseKeyId('cam/sub~vp9'), /expected <camera>\/<main\|sub>\[~h264\]/);
});
