/**
 * npx tsx scripts/bench/live/cold-start.ts — where an idle key's start goes: FFmpeg with the
 * product's own arguments (supervisor/ffmpeg-args.ts for a default copy profile, resolved by the
 * config code) against the synthetic camera, each step timed from FFmpeg's trace log and its stdout:
 *   spawn → OPTIONS sent          FFmpeg's own start-up (exec, dynamic linking, option parsing)
 *   → DESCRIBE answered           the camera's DESCRIBE (the synthetic camera answers it only when
 *                                 its next keyframe is there: the keyframe wait, 0-1 GOP)
 *   → PLAY answered               SETUP and PLAY round trips
 *   → first keyframe in           the camera's first media after PLAY
 *   → probe done                  avformat_find_stream_info ("All info found")
 *   → first fMP4 bytes out        init segment
 *   → first fragment out          the fragment cut (a fragment leaves when the next frame arrives)
 * Labelled variants after the product row: FFmpeg's own timestamp probe (max_ts_probe 50, the
 * default: on H.264 without B-frame info it decodes 7 frames, 0.47 s at 15 fps) and max_ts_probe 1.
 * Also `ffmpeg -version` (start-up without any input). Not a test; prints a table.
 * Env: ROUNDS [8], RES [640x360], FPS [15], GOP [FPS].
 */
import { spawn, spawnSync } from 'node:child_process';
import { loadavg, tmpdir } from 'node:os';
import { SyntheticCamera } from '../../../addon/src/demo/synthetic-camera.js';
import { resolveConfig } from '../../../addon/src/config/resolve.js';
import { buildFfmpegArgs } from '../../../addon/src/supervisor/ffmpeg-args.js';
import { resolveSource } from '../../../addon/src/sources/resolve.js';
import { streamKey } from '../../../addon/src/contracts/stream-key.js';

const env = process.env;
const ROUNDS = Number(env.ROUNDS ?? 8);
const [W, H] = (env.RES ?? '640x360').split('x').map(Number) as [number, number];
const FPS = Number(env.FPS ?? 15);
const GOP = Number(env.GOP ?? FPS);

const STEPS = ['options', 'described', 'played', 'keyframe', 'probed', 'header', 'fragment'] as const;
type Step = (typeof STEPS)[number];
const STEP_LABEL: Record<Step, string> = {
  options: 'spawn → OPTIONS sent (FFmpeg start-up)',
  described: '→ DESCRIBE answered (camera; synthetic: keyframe wait)',
  played: '→ PLAY answered (SETUP, PLAY round trips)',
  keyframe: '→ first keyframe in',
  probed: '→ probe done (find_stream_info)',
  header: '→ first fMP4 bytes out (init segment)',
  fragment: '→ first fragment out',
};
type Run = Partial<Record<Step, number>>;

/** The product's arguments for a default copy profile of `url`, at trace log level. */
function productArgs(url: string): string[] {
  const resolved = resolveConfig(
    { cameras: [{ id: 'cold', vendor: 'generic', profiles: { main: { url } } }] },
    { env: {}, baseDir: tmpdir() },
  );
  if (!resolved.ok) throw new Error(`config invalid: ${JSON.stringify(resolved.errors)}`);
  const profile = resolved.config.cameras[0]!.profiles.main!;
  const args = buildFfmpegArgs(profile, resolveSource(streamKey('cold', 'main'), profile));
  args[args.indexOf('-loglevel') + 1] = 'trace';
  return args;
}

/** `args` with one input option replaced (value null: removed). */
function withOption(args: string[], name: string, value: string | null): string[] {
  const out = [...args];
  const at = out.indexOf(name);
  if (at >= 0) out.splice(at, 2);
  if (value !== null) out.splice(out.indexOf('-i'), 0, name, value);
  return out;
}

function once(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    // fd 3: the -progress pipe, drained.
    const p = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    const run: Run = {};
    const mark = (s: Step) => {
      run[s] ??= performance.now() - t0;
    };
    let lastRequest = '';
    let partial = '';
    p.stderr!.on('data', (d: Buffer) => {
      const lines = (partial + d.toString('latin1')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const req = /^(OPTIONS|DESCRIBE|SETUP|PLAY) rtsp/.exec(line);
        if (req) {
          lastRequest = req[1]!;
          if (lastRequest === 'OPTIONS') mark('options');
        } else if (/RTSP\/1\.0 200 OK/.test(line)) {
          if (lastRequest === 'DESCRIBE') mark('described');
          if (lastRequest === 'PLAY') mark('played');
        } else if (/nal_unit_type: (5|19|20)\b|Input #0/.test(line)) mark('keyframe');
        if (/All info found|max_analyze_duration .* reached|Input #0/.test(line)) mark('probed');
      }
    });
    p.stdio[3]!.on('data', () => {});
    let out = Buffer.alloc(0);
    p.stdout!.on('data', (d: Buffer) => {
      mark('header');
      out = Buffer.concat([out, d]);
      if (out.includes(Buffer.from('moof'))) {
        mark('fragment');
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

const p50 = (xs: Array<number | undefined>) => {
  const s = xs.filter((x): x is number => x !== undefined).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : undefined;
};
const ms = (v: number | undefined) => (v === undefined ? '—' : `${Math.round(v)} ms`);

const load0 = loadavg();
const cam = await SyntheticCamera.start({
  names: ['cold'],
  encode: 'shared',
  main: { width: W, height: H, fps: FPS, gop: GOP, bitrateKbps: 600 },
  sub: { width: 320, height: 180, fps: FPS, gop: GOP, bitrateKbps: 200 },
  label: 'bench:cold-start',
});
try {
  const product = productArgs(cam.url('cold', 'main'));
  const variants: Array<[string, string[]]> = [
    ['product defaults', product],
    [
      '_variant:_ FFmpeg default timestamp probe (max_ts_probe 50, before)',
      withOption(product, '-max_ts_probe', null),
    ],
    ['_variant:_ max_ts_probe 1', withOption(product, '-max_ts_probe', '1')],
  ];
  // Warm the camera's encoder (a real camera encodes all the time).
  await once(product);
  const version: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    spawnSync('ffmpeg', ['-hide_banner', '-version'], { stdio: 'ignore' });
    version.push(performance.now() - t);
  }
  console.log(
    `cold start of FFmpeg against the synthetic camera, ${W}x${H} ${FPS} fps, GOP ${GOP} frames, ${ROUNDS} rounds, p50; load average ${load0.map((x) => x.toFixed(2)).join(' ')}`,
  );
  console.log(`  ffmpeg -version (exec + dynamic linking, no input): ${ms(p50(version))}`);
  console.log(
    `  product input: ${product.slice(product.indexOf('-rtsp_transport'), product.indexOf('-i')).join(' ')}`,
  );
  const rows: string[][] = [];
  for (const [name, args] of variants) {
    const runs: Run[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      runs.push(await once(args));
      // Land at different points of the GOP.
      await new Promise((r) => setTimeout(r, 137 + i * 211));
    }
    const row = [name];
    STEPS.forEach((s, i) => {
      const prev = i === 0 ? undefined : STEPS[i - 1]!;
      row.push(
        ms(
          p50(
            runs.map((r) =>
              prev === undefined
                ? r[s]
                : r[s] !== undefined && r[prev] !== undefined
                  ? r[s]! - r[prev]!
                  : undefined,
            ),
          ),
        ),
      );
    });
    row.push(ms(p50(runs.map((r) => r.fragment))));
    rows.push(row);
    console.log(
      `  ${name}: ${STEPS.map((s, i) => `${STEP_LABEL[s]} ${row[i + 1]}`).join(', ')}; spawn → first fragment ${row.at(-1)}`,
    );
  }
  console.log('');
  console.log(`| step (p50 of ${ROUNDS}) | ${variants.map((v) => v[0]).join(' | ')} |`);
  console.log(`| --- | ${variants.map(() => '---').join(' | ')} |`);
  [...STEPS.map((s) => STEP_LABEL[s]), 'spawn → first fragment'].forEach((label, i) =>
    console.log(`| ${label} | ${rows.map((r) => r[i + 1]).join(' | ')} |`),
  );
  console.log(
    `load average at end ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
} finally {
  await cam.close();
}
