/**
 * npm run bench:cold-start — where an idle key's start goes: FFmpeg with the product's input and
 * output arguments (supervisor/ffmpeg-args.ts, copy) against the synthetic camera, its RTSP exchange
 * timed from FFmpeg's own trace log, and the first bytes of its fMP4 on stdout:
 *   spawn → first RTSP request (FFmpeg's own start-up: loading its libraries)
 *   → RTSP PLAY answered (the camera's handshake: OPTIONS, DESCRIBE, SETUP, PLAY)
 *   PLAY → init segment out (FFmpeg's probe: it waits for the first keyframe's parameters)
 *   init → first fragment (the fragment cut: a fragment leaves when the next frame arrives)
 * Also `-fflags nobuffer` and a smaller probe, for comparison. Not a test; prints a table.
 * Env: ROUNDS [8], RES [640x360], FPS [15], GOP [FPS].
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { SyntheticCamera } from '../../../addon/src/demo/synthetic-camera.js';

const env = process.env;
const ROUNDS = Number(env.ROUNDS ?? 8);
const [W, H] = (env.RES ?? '640x360').split('x').map(Number) as [number, number];
const FPS = Number(env.FPS ?? 15);
const GOP = Number(env.GOP ?? FPS);

interface Run {
  /** FFmpeg sent its first RTSP request (process start-up until here). */
  firstRequestMs: number | null;
  playMs: number | null;
  initMs: number | null;
  fragMs: number | null;
}

function once(url: string, input: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const args = [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'trace',
      '-rtsp_transport',
      'tcp',
      ...input,
      '-i',
      url,
      '-map',
      '0:v:0',
      '-c:v',
      'copy',
      '-f',
      'mp4',
      '-movflags',
      'frag_keyframe+empty_moov+default_base_moof',
      '-frag_duration',
      '50000',
      'pipe:1',
    ];
    const p = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const run: Run = { firstRequestMs: null, playMs: null, initMs: null, fragMs: null };
    let sawPlay = false;
    let err = '';
    p.stderr.on('data', (d: Buffer) => {
      err += d.toString('latin1');
      if (run.firstRequestMs === null && /OPTIONS rtsp|DESCRIBE rtsp/.test(err))
        run.firstRequestMs = performance.now() - t0;
      if (run.playMs === null) {
        // The PLAY request's answer: the reply line after "PLAY" was sent.
        if (!sawPlay && /PLAY rtsp/.test(err)) sawPlay = true;
        if (sawPlay && /RTSP\/1\.0 200 OK[\s\S]*$/.test(err.slice(err.lastIndexOf('PLAY rtsp'))))
          run.playMs = performance.now() - t0;
      }
      if (err.length > 1 << 20) err = err.slice(-4096);
    });
    let out = Buffer.alloc(0);
    p.stdout.on('data', (d: Buffer) => {
      const at = performance.now() - t0;
      out = Buffer.concat([out, d]);
      if (run.initMs === null && out.includes(Buffer.from('moov'))) run.initMs = at;
      if (run.fragMs === null && out.includes(Buffer.from('moof'))) {
        run.fragMs = at;
        p.kill('SIGTERM');
      }
    });
    const timer = setTimeout(() => p.kill('SIGKILL'), 15_000);
    p.on('exit', () => {
      clearTimeout(timer);
      resolve(run);
    });
  });
}

const p50 = (xs: Array<number | null>) => {
  const s = xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : null;
};

const VARIANTS: Array<[string, string[]]> = [
  [
    'product (probe 2.5 s cap, fpsprobesize 0)',
    ['-analyzeduration', '2500000', '-probesize', '2500000', '-fpsprobesize', '0'],
  ],
  [
    'product + -fflags nobuffer',
    ['-fflags', 'nobuffer', '-analyzeduration', '2500000', '-probesize', '2500000', '-fpsprobesize', '0'],
  ],
  ['probe 0.5 s cap', ['-analyzeduration', '500000', '-probesize', '500000', '-fpsprobesize', '0']],
];

const load0 = loadavg();
const cam = await SyntheticCamera.start({
  names: ['cold'],
  encode: 'shared',
  main: { width: W, height: H, fps: FPS, gop: GOP, bitrateKbps: 600 },
  sub: { width: 320, height: 180, fps: FPS, gop: GOP, bitrateKbps: 200 },
  label: 'bench:cold-start',
});
try {
  const url = cam.url('cold', 'main');
  // Warm the camera's encoder (a real camera encodes all the time).
  await once(url, VARIANTS[0]![1]);
  const f = (v: number | null) => (v === null ? '—' : `${Math.round(v)} ms`);
  console.log(
    `cold start of FFmpeg against the synthetic camera, ${W}x${H} ${FPS} fps, GOP ${GOP} frames, ${ROUNDS} rounds, p50; load average ${load0.map((x) => x.toFixed(2)).join(' ')}`,
  );
  for (const [name, input] of VARIANTS) {
    const runs: Run[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      runs.push(await once(url, input));
      // Land at different points of the GOP.
      await new Promise((r) => setTimeout(r, 137 + i * 211));
    }
    const start = p50(runs.map((r) => r.firstRequestMs));
    const play = p50(
      runs.map((r) => (r.playMs !== null && r.firstRequestMs !== null ? r.playMs - r.firstRequestMs : null)),
    );
    const init = p50(runs.map((r) => (r.initMs !== null && r.playMs !== null ? r.initMs - r.playMs : null)));
    const frag = p50(runs.map((r) => (r.fragMs !== null && r.initMs !== null ? r.fragMs - r.initMs : null)));
    const total = p50(runs.map((r) => r.fragMs));
    console.log(
      `  ${name}: spawn → first RTSP request ${f(start)} (FFmpeg start-up), → PLAY answered ${f(play)} (RTSP handshake), PLAY → init out (probe, keyframe wait) ${f(init)}, init → first fragment ${f(frag)}; spawn → first fragment ${f(total)}`,
    );
  }
  console.log(
    `load average at end ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
} finally {
  await cam.close();
}
