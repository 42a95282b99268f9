/**
 * npm run bench:talk — talkback latency with the product defaults, against the synthetic camera's
 * real ONVIF RTSP backchannel: talker PCM chunk in (TalkService.openPcm().write) → RTP packet out of
 * the RTSP sink (the moment it is written to the camera's socket), p50/p95, for
 *   - passthrough, 8 kHz talker (in-process G.711, no FFmpeg)
 *   - passthrough, 16 kHz talker (FFmpeg resamples and encodes)
 *   - mix: two 8 kHz talkers through the FFmpeg amix mixer (the measured one sends pulses, the other silence)
 * Pulses: a 20 ms 1 kHz chunk every 400 ms between silent chunks; an RTP frame whose decoded level is
 * high is matched to the last pulse sent. Prints a table and writes bench-results/talk.json.
 * Not a test: it asserts nothing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import { silentLogger } from '../../addon/src/lib/log.js';
import { TalkService } from '../../addon/src/talkback/service.js';
import { sinkFor } from '../../addon/src/talkback/sinks.js';
import type { TalkSink } from '../../addon/src/talkback/sink.js';
import { resolveOrThrow, tempDir, cameraProfiles } from '../../test/helpers/setup.js';
import { tone } from '../../test/helpers/talk.js';

const PULSES = Number(process.env.PULSES ?? 25);
const PERIOD_MS = 400;

function ulawToLinear(u: number): number {
  const v = ~u & 0xff;
  const t = (((v & 0x0f) << 3) + 0x84) << ((v & 0x70) >> 4);
  return (v & 0x80 ? 0x84 - t : t - 0x84) / 32768;
}
const rms = (frame: Buffer) => Math.sqrt(frame.reduce((s, b) => s + ulawToLinear(b) ** 2, 0) / frame.length);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

let onWrite: (frame: Buffer, at: number) => void = () => {};

const cam = await SyntheticCamera.start({
  names: ['bench'],
  backchannel: 'pcmu',
  backchannelDir: tempDir('lookout-bench-talk-'),
  main: { width: 320, height: 240, fps: 10, gop: 10 },
  sub: { width: 320, height: 240, fps: 10, gop: 10 },
});
const config = resolveOrThrow({
  server: { host: '127.0.0.1', port: 0, data_dir: tempDir() },
  cameras: [{ id: 'bench', profiles: cameraProfiles(cam, 'bench'), backchannel: { mix: true } }],
});
const talk = new TalkService({
  cameras: { cameras: () => config.cameras, camera: (id) => config.cameras.find((c) => c.id === id)! },
  log: silentLogger(),
  makeSink: (c) => {
    const real = sinkFor(c);
    // The real RTSP sink; write() is the moment the RTP packet goes to the camera's socket.
    return new Proxy(real, {
      get(target, prop, recv) {
        if (prop === 'write')
          return (frame: Buffer, samples: number) => {
            target.write(frame, samples);
            onWrite(frame, performance.now());
          };
        const v = Reflect.get(target, prop, recv) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
      set(target, prop, value) {
        return Reflect.set(target, prop, value);
      },
    }) as TalkSink;
  },
});

async function measure(
  label: string,
  rate: number,
  others: number,
): Promise<Record<string, number | string>> {
  const main = await talk.openPcm('bench', { sampleRate: rate, kind: 'bench' });
  const extra = await Promise.all(
    Array.from({ length: others }, () => talk.openPcm('bench', { sampleRate: 8000, kind: 'bench' })),
  );
  const lat: number[] = [];
  let lastPulseAt = -Infinity;
  let matched = true;
  onWrite = (frame, at) => {
    if (!matched && rms(frame) > 0.1) {
      matched = true;
      lat.push(at - lastPulseAt);
    }
  };
  const silence = Buffer.alloc((rate / 50) * 2);
  const quiet = Buffer.alloc(320);
  const t0 = performance.now();
  const ticks = (PULSES * PERIOD_MS) / 20 + 50;
  for (let i = 0; i < ticks; i++) {
    const pulse = i > 50 && i % (PERIOD_MS / 20) === 0;
    if (pulse) {
      lastPulseAt = performance.now();
      matched = false;
    }
    main.write(pulse ? tone(1000, 20, rate, 0.5) : silence);
    for (const e of extra) e.write(quiet);
    const wait = t0 + (i + 1) * 20 - performance.now();
    if (wait > 0) await sleep(wait);
  }
  await Promise.all([main.close(), ...extra.map((e) => e.close())]);
  await sleep(300);
  return {
    case: label,
    pulses: lat.length,
    p50_ms: Math.round(pct(lat, 50) * 10) / 10,
    p95_ms: Math.round(pct(lat, 95) * 10) / 10,
  };
}

const loadBefore = loadavg()
  .map((x) => x.toFixed(2))
  .join(' ');
const rows = [
  await measure('passthrough, 8 kHz talker (in-process G.711)', 8000, 0),
  await measure('passthrough, 16 kHz talker (FFmpeg resample)', 16000, 0),
  await measure('mix, 2 talkers at 8 kHz (FFmpeg amix + alimiter)', 8000, 1),
];
await talk.close();
await cam.close();
const loadAfter = loadavg()
  .map((x) => x.toFixed(2))
  .join(' ');

console.log(
  `\ntalker chunk in → RTP out (PCMU 8 kHz camera, ${PULSES} pulses each); loadavg ${loadBefore} → ${loadAfter}\n`,
);
console.log('| case | pulses | p50 ms | p95 ms |\n|---|---|---|---|');
for (const r of rows) console.log(`| ${r.case} | ${r.pulses} | ${r.p50_ms} | ${r.p95_ms} |`);
mkdirSync('bench-results', { recursive: true });
writeFileSync(
  'bench-results/talk.json',
  JSON.stringify(
    { date: new Date().toISOString(), loadavg: { before: loadBefore, after: loadAfter }, rows },
    null,
    2,
  ) + '\n',
);
