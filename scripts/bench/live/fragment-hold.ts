/**
 * npx tsx scripts/bench/live/fragment-hold.ts — how long FFmpeg's mp4 muxer holds each frame, against
 * its FLV muxer (what supervisor/fragmenter/ reads). One FFmpeg, one RTSP input from the synthetic
 * camera, two outputs: the old fMP4 arguments on stdout and the FLV arguments on fd 4 (both copy),
 * so the same packet's two arrival times compare directly; per video frame (by decode time) the
 * difference. Env: HOLD_S [12] (s), AUDIO [none] none | aac (the camera's AAC, copied),
 * RES [640x360], FPS [15].
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import type { Readable } from 'node:stream';
import { SyntheticCamera } from '../../../addon/src/demo/synthetic-camera.js';
import {
  Fmp4BoxSplitter,
  parseFragment,
  parseInitSegment,
  type InitSegmentInfo,
} from '../../../addon/src/lib/mp4/index.js';
import { FlvReader } from '../../../addon/src/supervisor/fragmenter/flv-reader.js';

const env = process.env;
const SECONDS = Number(env.HOLD_S ?? 12);
const AUDIO = env.AUDIO === 'aac' ? 'aac' : 'none';
const [W, H] = (env.RES ?? '640x360').split('x').map(Number) as [number, number];
const FPS = Number(env.FPS ?? 15);

const cam = await SyntheticCamera.start({ audio: AUDIO, main: { width: W, height: H, fps: FPS, gop: FPS } });
const load0 = loadavg();
const audio = AUDIO === 'none' ? [] : ['-map', '0:a:0', '-c:a', 'copy'];
const streams = ['-map', '0:v:0', '-c:v', 'copy', ...audio];
const args = [
  ...['-hide_banner', '-loglevel', 'error', '-rtsp_transport', 'tcp', '-i', cam.url(cam.cameras[0], 'main')],
  ...streams,
  ...[
    '-f',
    'mp4',
    '-movflags',
    'frag_keyframe+empty_moov+default_base_moof',
    '-frag_duration',
    '50000',
    'pipe:1',
  ],
  ...streams,
  ...['-f', 'flv', '-flvflags', 'no_duration_filesize', '-flush_packets', '1', 'pipe:4'],
];
const ff = spawn('ffmpeg', args, { detached: true, stdio: ['ignore', 'pipe', 'inherit', 'ignore', 'pipe'] });
const exited = new Promise((resolve) => ff.on('close', resolve));
const mp4At = new Map<number, number>();
const flvAt = new Map<number, number>();
let init: InitSegmentInfo | null = null;
const splitter = new Fmp4BoxSplitter({
  init: (s) => (init = parseInitSegment(s)),
  fragment: (f) => {
    const now = performance.now();
    const v = parseFragment(f, init!).tracks.find((t) => t.trackId === init!.video?.id);
    if (!v) return;
    for (let i = 0; i < v.sampleCount; i++) {
      const ms = Math.round(((v.baseDecodeTime + (i * v.duration) / v.sampleCount) / v.timescale) * 1000);
      if (!mp4At.has(ms)) mp4At.set(ms, now);
    }
  },
});
ff.stdout!.on('data', (c: Buffer) => splitter.push(c));
const flv = new FlvReader({
  header: () => {},
  // Video (9) frames (AVC packet type 1), by their ms decode time.
  tag: (t) => {
    if (t.type === 9 && t.data[1] === 1 && !flvAt.has(t.timestampMs))
      flvAt.set(t.timestampMs, performance.now());
  },
});
(ff.stdio[4] as Readable).on('data', (c: Buffer) => flv.push(c));
await new Promise((r) => setTimeout(r, SECONDS * 1000));
if (ff.pid) process.kill(-ff.pid, 'SIGTERM');
await exited;
await cam.stop();

const d: number[] = [];
for (const [ms, t] of flvAt) {
  // FLV rounds the 90 kHz time to ms; the mp4 side computed it from ticks: match within 1 ms.
  const m = mp4At.get(ms) ?? mp4At.get(ms - 1) ?? mp4At.get(ms + 1);
  if (m !== undefined) d.push(m - t);
}
d.sort((a, b) => a - b);
const q = (p: number) => d[Math.floor(p * (d.length - 1))]!.toFixed(1);
console.log(
  `audio ${AUDIO}, ${W}x${H} ${FPS} fps, ${d.length} frames: mp4 muxer later than FLV by p5 ${q(0.05)} ` +
    `p50 ${q(0.5)} p95 ${q(0.95)} ms (load ${load0.map((l) => l.toFixed(2)).join(' ')} → ` +
    `${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')})`,
);
