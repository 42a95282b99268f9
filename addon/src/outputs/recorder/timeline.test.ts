/**
 * Recordings start at media time zero with their true duration in the header, whatever the stream's
 * uptime: real FFmpeg fMP4 (video + AAC, stream timeline shifted 120 s as after two minutes of
 * uptime) written through SegmentFile from a mid-stream keyframe, then judged by ffprobe. Also the
 * one-off migration of a file written the old way (stream decode times kept) and the repair of a torn one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../lib/log.js';
import { parseFragment, parseInitSegment, Retimer } from '../../lib/mp4/index.js';
import { sharedCapture, testAudio, testVideo, x264 } from '../../lib/mp4/ffmpeg.test-helper.js';
import { SegmentFile } from './segment-file.js';
import { RecordingStore } from './store.js';

const FPS = 10;
const FRAME_S = 1 / FPS;
const log = silentLogger();

/** 8 s of 10 fps video (1 s GOP) and AAC. */
const capture = () =>
  sharedCapture([...testVideo(FPS, 8), ...testAudio(8), ...x264('baseline', FPS), '-c:a', 'aac']);

interface Probe {
  format: { start_time: string; duration: string };
  streams: Array<{ codec_type: string; start_time: string; duration?: string }>;
}
function probe(file: string): Probe {
  const r = spawnSync(
    'ffprobe',
    [
      '-v',
      'error',
      '-show_entries',
      'format=start_time,duration:stream=codec_type,start_time,duration',
      '-of',
      'json',
      file,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Probe;
}

const meta = (startMs: number, mode: 'motion' | 'continuous' = 'continuous') => ({
  camera: 'yard',
  profile: 'main' as const,
  mode,
  trigger: mode,
  clip: 'c1',
  startMs,
});

/** The fragments from the second keyframe on: a file cut from a stream that has been running. */
async function midStream() {
  const cap = await capture();
  const info = parseInitSegment(cap.init);
  // FFmpeg's muxer starts every output at zero; a stream that has been up two minutes is 120 s on.
  const uptime = new Retimer(info, -120);
  const frags = cap.fragments
    .map((f) => uptime.retime(f))
    .map((f) => ({ data: f, info: parseFragment(f, info) }));
  const firstKey = frags.findIndex((f, i) => i > 0 && f.info.independent);
  assert.ok(firstKey > 0);
  const rest = frags.slice(firstKey);
  assert.ok(rest[0]!.info.decodeTimeS > 120, `source starts at ${rest[0]!.info.decodeTimeS}`);
  return { cap, rest };
}

function assertZeroBased(file: string, durationS: number) {
  const p = probe(file);
  assert.ok(Math.abs(Number(p.format.start_time)) < 1e-3, `format start_time ${p.format.start_time}`);
  assert.ok(
    Math.abs(Number(p.format.duration) - durationS) <= FRAME_S + 1e-3,
    `ffprobe duration ${p.format.duration} vs sidecar ${durationS}`,
  );
  const video = p.streams.find((s) => s.codec_type === 'video')!;
  const audio = p.streams.find((s) => s.codec_type === 'audio')!;
  assert.ok(Number(video.start_time) < 0.05, `video start ${video.start_time}`);
  // Audio rebased by the same origin: it stays where it was relative to the video (≤ one AAC frame).
  assert.ok(
    Math.abs(Number(audio.start_time) - Number(video.start_time)) < 0.05,
    `audio start ${audio.start_time}`,
  );
  return p;
}

test('a file cut mid-stream starts at zero; header duration matches the sidecar within one frame', async () => {
  const { cap, rest } = await midStream();
  const root = mkdtempSync(join(tmpdir(), 'rec-tl-'));
  const w = await SegmentFile.create(root, meta(Date.UTC(2026, 0, 2, 3, 4, 5)), cap.init, 1);
  for (const f of rest) await w.append(f.data, f.info.durationS, f.info);
  const done = await w.finish();
  assert.ok(done);
  assert.equal(done.meta.zeroBased, true);
  assert.ok(Math.abs(done.meta.sourceStartS! - rest[0]!.info.decodeTimeS) < 1e-6);
  const p = assertZeroBased(done.path, done.meta.durationS);
  console.log(
    `# recording timeline: source started at ${rest[0]!.info.decodeTimeS.toFixed(3)}s; file start ${p.format.start_time}s, duration ${p.format.duration}s, sidecar ${done.meta.durationS}s`,
  );
});

test('migration: a file written on the stream timeline is rewritten once to start at zero', async () => {
  const { cap, rest } = await midStream();
  const root = mkdtempSync(join(tmpdir(), 'rec-tl-'));
  const startMs = Date.UTC(2026, 0, 2, 3, 4, 5);
  const dir = join(root, 'yard', '2026-01-02');
  mkdirSync(dir, { recursive: true });
  const base = join(dir, '030405-000_motion_main');
  // The old recorder: init and fragments copied as they came.
  writeFileSync(`${base}.mp4`, Buffer.concat([cap.init, ...rest.map((f) => f.data)]));
  const durationS = rest.reduce((n, f) => n + f.info.durationS, 0);
  writeFileSync(
    `${base}.json`,
    JSON.stringify({ ...meta(startMs, 'motion'), durationS, size: 0, complete: true, repaired: false }),
  );
  assert.ok(Number(probe(`${base}.mp4`).format.start_time) > 120, 'the old file starts at its stream time');
  const store = new RecordingStore(root, log);
  await store.load();
  const [rec] = store.list();
  assert.ok(rec);
  assert.equal(store.counters.migrated, 1);
  assert.equal(rec.meta.zeroBased, true);
  assert.ok(Math.abs(rec.meta.sourceStartS! - rest[0]!.info.decodeTimeS) < 1e-6);
  assertZeroBased(rec.path, rec.entry.durationS);
  // A second start-up leaves it alone.
  const again = new RecordingStore(root, log);
  await again.load();
  assert.equal(again.counters.migrated, 0);
});

test('repair of a torn partial also ends at zero with the repaired duration in the header', async () => {
  const { cap, rest } = await midStream();
  const root = mkdtempSync(join(tmpdir(), 'rec-tl-'));
  const w = await SegmentFile.create(root, meta(Date.UTC(2026, 0, 2, 3, 4, 5)), cap.init, 1);
  for (const f of rest.slice(0, -1)) await w.append(f.data, f.info.durationS, f.info);
  appendFileSync(w.partialPath, rest.at(-1)!.data.subarray(0, 100));
  const store = new RecordingStore(root, log);
  await store.load();
  await w.abandon();
  const [rec] = store.list();
  assert.ok(rec?.entry.repaired);
  assertZeroBased(rec.path, rec.entry.durationS);
});
