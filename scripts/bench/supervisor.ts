/**
 * npm run bench:supervisor — cold start-to-live time of a stream key (lease acquired → first media
 * fragment), and kill -9 → live recovery time, against the synthetic camera with real FFmpeg.
 * Prints a table and writes bench-results/supervisor.json. Not a test: it asserts nothing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolveConfig } from '../../addon/src/config/index.js';
import { streamKey, type ProfileName } from '../../addon/src/contracts/stream-key.js';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import { silentLogger } from '../../addon/src/lib/log.js';
import { Supervisor } from '../../addon/src/supervisor/supervisor.js';

const ROUNDS = Number(process.env.ROUNDS ?? 10);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

async function until(pred: () => boolean, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  while (!pred()) {
    if (performance.now() - t0 > timeoutMs) throw new Error('timeout');
    await new Promise((r) => setTimeout(r, 5));
  }
  return performance.now() - t0;
}

const cam = await SyntheticCamera.start({
  names: ['bench'],
  main: { width: 1280, height: 720, fps: 15, gop: 15 },
  sub: { width: 640, height: 360, fps: 15, gop: 15 },
});
const resolved = resolveConfig(
  {
    server: { host: '127.0.0.1', port: 0, data_dir: '/tmp/lookout-bench' },
    defaults: { audio: 'drop', stream: { idle_timeout: '100ms', backoff: ['100ms', '1s'] } },
    cameras: [
      {
        id: 'bench',
        vendor: 'generic',
        profiles: { main: { url: cam.url('bench', 'main') }, sub: { url: cam.url('bench', 'sub') } },
      },
    ],
  },
  { env: {} },
);
if (!resolved.ok) throw new Error('bench config invalid');
const sup = new Supervisor({ config: resolved.config, log: silentLogger() });
await sup.start();

const rows: Array<{ what: string; profile: ProfileName; n: number; p50: number; p95: number; max: number }> =
  [];
for (const profile of ['sub', 'main'] as const) {
  const key = streamKey('bench', profile);
  const cold: number[] = [];
  const recover: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    await until(() => sup.status(key).state === 'idle', 10_000);
    const t0 = performance.now();
    const { lease } = sup.acquireLease(key, { kind: 'viewer' });
    await until(() => sup.status(key).state === 'live', 10_000);
    cold.push(performance.now() - t0);
    const t1 = performance.now();
    process.kill(sup.status(key).pid!, 'SIGKILL');
    await until(() => sup.status(key).state !== 'live', 5_000);
    await until(() => sup.status(key).state === 'live', 10_000);
    recover.push(performance.now() - t1);
    sup.releaseLease(lease.id);
  }
  for (const [what, xs] of [
    ['lease → live (cold)', cold],
    ['kill -9 → live again', recover],
  ] as const) {
    rows.push({
      what,
      profile,
      n: xs.length,
      p50: Math.round(pct(xs, 50)),
      p95: Math.round(pct(xs, 95)),
      max: Math.round(Math.max(...xs)),
    });
  }
}
await sup.stop();
await cam.close();

console.log(`\nsupervisor start-up (synthetic camera, copy mode, GOP 1 s, 15 fps, ${ROUNDS} rounds)`);
console.log('what                    profile   n    p50 ms   p95 ms   max ms');
for (const r of rows) {
  console.log(
    `${r.what.padEnd(24)}${r.profile.padEnd(10)}${String(r.n).padEnd(5)}${String(r.p50).padStart(6)}   ${String(r.p95).padStart(6)}   ${String(r.max).padStart(6)}`,
  );
}
mkdirSync('bench-results', { recursive: true });
writeFileSync(
  'bench-results/supervisor.json',
  JSON.stringify({ at: new Date().toISOString(), rounds: ROUNDS, rows }, null, 2),
);
console.log('\nwrote bench-results/supervisor.json');
