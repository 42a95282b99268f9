/**
 * npm run bench:scale — how many cameras one Lookout carries on this machine, stepped until it breaks.
 * For each N: Lookout (its own process, scale-lookout.ts, fresh per N) pulls N copy-mode main streams,
 * records every one of them (recording mode `continuous`) and serves a 9-tile grid of WebSocket MSE
 * viewers (ws-viewers.mjs: one socket with 9 subscriptions, as the panel opens it; VIEWERS=all adds one
 * socket per camera). Per N it reports supervisor and FFmpeg CPU per stream, RSS, event-loop delay p99
 * and fragment lateness p99 (at the hub's readers for every camera, and at the grid's sockets), and
 * it names the largest N that holds (lateness p99 ≤ 100 ms both places, no restart, every camera's
 * recording growing). Steps stop at the first N that does not hold. Not a test: it asserts nothing.
 *
 * Camera side, kept cheap and counted apart: ONE synthetic camera encode (GStreamer, `picture: noise`
 * so the stream really carries the bitrate setting) relayed by the real MediaMTX, whose one path every
 * Lookout camera reads over RTSP/TCP, like N cameras on a LAN. A camera process of its own per stream
 * would cost an x264 encode each and saturate the 2 cores long before Lookout does.
 *
 * Env (defaults in brackets):
 *   STREAMS [32,64,96,128,160,192,256]  BITRATE_KBPS [2000]  RES [1280x720]  FPS [15]  GOP [FPS]
 *   SECONDS [20] window   SETTLE [10] s after all are live   VIEWERS [grid] grid | all | none
 *   RECORD [1]  0: no recording   PROFILE [0]  N at which to write a V8 CPU profile of the window
 *                                  (bench-results/scale-N.cpuprofile, top functions printed)
 *   HEAPSNAP [0]  N at which to write a V8 heap snapshot at the window's end (bench-results/scale-N.heapsnapshot)
 *   ALL [0]  1: run every N even after one fails
 *   MALLOC_* (glibc allocator settings) and SMAPS_DUMP (file for /proc/self/smaps at the window's end)
 *                are passed to the Lookout child
 * "CPU saturated" is judged on the bench's own processes (≥ 180 % of the 2 cores' 200 %); machine % (every
 * user's processes) is printed beside it because this machine is shared.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SyntheticCamera } from '../../../addon/src/demo/synthetic-camera.js';
import { mediamtxBinary } from '../../../test/helpers/gateway.js';
import { procCpuSeconds } from './cpu.js';
import { freePort, jsonChild, startServer, type JsonChild } from './peer-process.js';
import { rtspAnswers } from './rtsp-probe.js';
import { cameraReference, type CameraReference } from './camera-reference.js';

const env = process.env;
const num = (v: string | undefined, d: number) => (v && Number.isFinite(Number(v)) ? Number(v) : d);
const STREAMS = (env.STREAMS ?? '32,64,96,128,160,192,256')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const BITRATE_KBPS = num(env.BITRATE_KBPS, 2000);
const [WIDTH, HEIGHT] = (env.RES ?? '1280x720').split('x').map(Number) as [number, number];
const FPS = num(env.FPS, 15);
const GOP = num(env.GOP, FPS);
const SECONDS = num(env.SECONDS, 20);
const SETTLE_S = num(env.SETTLE, 10);
const VIEWERS = (env.VIEWERS ?? 'grid') as 'grid' | 'all' | 'none';
const RECORD = env.RECORD !== '0';
const PROFILE_AT = num(env.PROFILE, 0);
const HEAPSNAP_AT = num(env.HEAPSNAP, 0);
const ALL = env.ALL === '1';
const LATE_LIMIT_MS = 100;
const GRID = 9;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const f = (v: unknown, d = 1) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : '—');

const cleanups: Array<() => Promise<unknown>> = [];
async function cleanup() {
  while (cleanups.length) await cleanups.pop()!().catch((e: Error) => console.error(`cleanup: ${e.message}`));
}
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.on(sig, () => void cleanup().finally(() => process.exit(130)));

/** Busy and total jiffies of the whole machine (every core, every user). */
function machineTicks(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  return { busy: total - idle, total };
}

function rssMB(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Bytes under each camera's recording folder. */
function recordedBytes(root: string): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (dir: string): number => {
    let sum = 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) sum += walk(p);
      else if (e.isFile()) sum += statSync(p).size;
    }
    return sum;
  };
  try {
    for (const e of readdirSync(root, { withFileTypes: true }))
      if (e.isDirectory()) out.set(e.name, walk(join(root, e.name)));
  } catch {
    /* no recordings yet */
  }
  return out;
}

/** PIDs of the camera side (synthetic camera, MediaMTX relay): measured, but not Lookout's cost. */
const cameraSide: Record<'camera' | 'relay', number | null> = { camera: null, relay: null };

interface Row {
  n: number;
  live: number;
  bitrateKbps: number | null;
  supervisorPct: number;
  supervisorPerStreamPct: number;
  ffmpegPct: number;
  ffmpegPerStreamPct: number;
  ffmpegRssMB: number | null;
  rssMaxMB: number;
  heapUsedMB: number;
  /** Buffers (external + array buffers) at the window's end. */
  externalMB: number;
  /** process.memoryUsage() at the window's end, and what the hub windows and reader queues hold. */
  memory: Record<string, number> | null;
  eldP99Ms: number;
  eldMaxMs: number;
  hubLateP50Ms: number | null;
  hubLateP99Ms: number | null;
  hubLateMaxMs: number | null;
  wsLateP99Ms: number | null;
  /** The same measure on a reference reader of the relay outside Lookout (camera side + machine). */
  refLateP99Ms: number | null;
  wsLateMaxMs: number | null;
  wsFragments: number;
  viewersPct: number | null;
  cameraSidePct: number | null;
  machineBusyPct: number;
  restarts: number;
  recordedCameras: number;
  recordedMbps: number;
  loadavg: number[];
  holds: boolean;
  why: string[];
}

async function step(
  n: number,
  camUrl: string,
  dataDir: string,
  profileTop: string[],
  ref: CameraReference,
): Promise<Row> {
  rmSync(join(dataDir, 'recordings'), { recursive: true, force: true });
  const ids = Array.from({ length: n }, (_, i) => `s${i + 1}`);
  const config = {
    server: { host: '127.0.0.1', port: 0, data_dir: dataDir },
    defaults: { audio: 'drop', stream: { idle_timeout: '5s', startup_grace: '20s', stall_timeout: '10s' } },
    recording: RECORD ? { mode: 'continuous', profile: 'main' } : { mode: 'manual' },
    cameras: ids.map((id) => ({ id, vendor: 'generic', profiles: { main: { url: camUrl } } })),
  };
  const cfgPath = join(dataDir, `scale-${n}.json`);
  writeFileSync(cfgPath, JSON.stringify(config));
  const script = fileURLToPath(new URL('./scale-lookout.ts', import.meta.url));
  // The child's environment is the minimal one Lookout gives its children, plus glibc allocator
  // settings (MALLOC_*) and SMAPS_DUMP (a path: /proc/self/smaps at the window's end) for experiments.
  const childEnv: Record<string, string | undefined> = { PATH: env.PATH, LANG: 'C' };
  for (const [k, v] of Object.entries(env)) if (/^MALLOC_|^SMAPS_DUMP$/.test(k)) childEnv[k] = v;
  const lk = jsonChild(process.execPath, ['--import', 'tsx', script, cfgPath], `lookout x${n}`, childEnv);
  cleanups.push(() => lk.stop());
  const ready = await lk.next('ready', 60_000);
  const url = String(ready.url);

  // Without recording nothing would pull the streams: the grid viewers (or one per camera) do.
  const t0 = Date.now();
  let viewers: JsonChild | null = null;
  const startViewers = async () => {
    if (VIEWERS === 'none') return;
    const wsUrl = `${url.replace(/^http/, 'ws')}/api/ws`;
    const keys = ids.map((id) => `${id}/main`);
    const groups = VIEWERS === 'all' ? keys : [keys.slice(0, GRID).join(',')];
    const script = fileURLToPath(new URL('./ws-viewers.mjs', import.meta.url));
    viewers = jsonChild(process.execPath, [script, wsUrl, ...groups], 'ws viewers');
    cleanups.push(() => viewers!.stop());
    await viewers.next('open', 20_000);
  };
  if (!RECORD) await startViewers();
  let live = 0;
  for (;;) {
    lk.send({ cmd: 'status' });
    live = Number((await lk.next('status')).live);
    if (live >= n || Date.now() - t0 > 60_000 + n * 500) break;
    await sleep(500);
  }
  if (RECORD) await startViewers();
  console.log(
    `  N=${n}: ${live}/${n} live after ${((Date.now() - t0) / 1000).toFixed(1)} s; settling ${SETTLE_S} s`,
  );
  await sleep(SETTLE_S * 1000);

  // ---- window
  const v = viewers as JsonChild | null;
  v?.child.stdin?.write('reset\n');
  ref.reset();
  if (PROFILE_AT === n) {
    lk.send({ cmd: 'profile-start' });
    await lk.next('profile-started');
  }
  lk.send({ cmd: 'window-start' });
  const started = await lk.next('window-started');
  const pids0 = new Map<number, number>();
  for (const pid of started.pids as number[]) {
    const s = procCpuSeconds(pid);
    if (s !== null) pids0.set(pid, s);
  }
  const others: Record<string, number | null> = { viewers: v?.pid ?? null, ...cameraSide };
  const other0: Record<string, number | null> = {};
  for (const [k, pid] of Object.entries(others)) other0[k] = pid ? procCpuSeconds(pid) : null;
  const m0 = machineTicks();
  const rec0 = recordedBytes(join(dataDir, 'recordings'));
  const w0 = process.hrtime.bigint();
  await sleep(SECONDS * 1000);
  lk.send({ cmd: 'window-end' });
  const win = await lk.next('window');
  const wallS = Number(process.hrtime.bigint() - w0) / 1e9;
  const m1 = machineTicks();
  const rec1 = recordedBytes(join(dataDir, 'recordings'));
  let wsLate: { p99: number | null; max: number | null; n: number } = { p99: null, max: null, n: 0 };
  if (v) {
    v.child.stdin?.write('report\n');
    wsLate = ((await v.next('lateness')).lateness as typeof wsLate) ?? wsLate;
  }
  const end = new Set(win.pids as number[]);
  let ff = 0;
  let ffRss = 0;
  for (const [pid, s0] of pids0) {
    const s1 = end.has(pid) ? procCpuSeconds(pid) : null;
    if (s1 !== null) ff += s1 - s0;
    ffRss += rssMB(pid) ?? 0;
  }
  const otherPct = (k: string): number | null => {
    const pid = others[k];
    const a = other0[k];
    const b = pid ? procCpuSeconds(pid) : null;
    return a === null || a === undefined || b === null ? null : ((b - a) / wallS) * 100;
  };
  if (PROFILE_AT === n) {
    mkdirSync('bench-results', { recursive: true });
    const path = join(process.cwd(), 'bench-results', `scale-${n}.cpuprofile`);
    lk.send({ cmd: 'profile-stop', path });
    await lk.next('profile-written');
    profileTop.push(...topFunctions(path, 25));
  }
  if (HEAPSNAP_AT === n) {
    mkdirSync('bench-results', { recursive: true });
    const path = join(process.cwd(), 'bench-results', `scale-${n}.heapsnapshot`);
    lk.send({ cmd: 'heap-snapshot', path });
    await lk.next('heap-snapshot-written', 120_000);
    console.log(`  N=${n}: heap snapshot ${path}`);
  }
  let grown = 0;
  let recBytes = 0;
  for (const id of ids) {
    const d = (rec1.get(id) ?? 0) - (rec0.get(id) ?? 0);
    if (d > 0) grown++;
    recBytes += Math.max(0, d);
  }
  const late = win.lateness as { p50: number | null; p99: number | null; max: number | null };
  const sidePcts = ['camera', 'relay'].map((k) => otherPct(k));
  const row: Row = {
    n,
    live,
    bitrateKbps: win.bitrateKbps as number | null,
    supervisorPct: win.cpuPct as number,
    supervisorPerStreamPct: (win.cpuPct as number) / n,
    ffmpegPct: (ff / wallS) * 100,
    ffmpegPerStreamPct: ((ff / wallS) * 100) / n,
    ffmpegRssMB: ffRss || null,
    rssMaxMB: win.rssMaxMB as number,
    heapUsedMB: win.heapUsedMB as number,
    externalMB: win.externalMB as number,
    memory: (win.memory as Record<string, number> | undefined) ?? null,
    eldP99Ms: win.eldP99Ms as number,
    eldMaxMs: win.eldMaxMs as number,
    hubLateP50Ms: late.p50,
    hubLateP99Ms: late.p99,
    hubLateMaxMs: late.max,
    wsLateP99Ms: wsLate.p99,
    refLateP99Ms: ref.lateness().p99,
    wsLateMaxMs: wsLate.max,
    wsFragments: wsLate.n,
    viewersPct: otherPct('viewers'),
    cameraSidePct: sidePcts.every((x) => x !== null)
      ? sidePcts.reduce((a: number, b) => a + (b ?? 0), 0)
      : null,
    machineBusyPct: ((m1.busy - m0.busy) / (m1.total - m0.total)) * 100,
    restarts: win.restarts as number,
    recordedCameras: grown,
    recordedMbps: (recBytes * 8) / 1e6 / wallS,
    loadavg: loadavg(),
    holds: true,
    why: [],
  };
  if (live < n) row.why.push(`${n - live} not live`);
  if (row.hubLateP99Ms === null || row.hubLateP99Ms > LATE_LIMIT_MS) row.why.push('hub lateness p99');
  if (VIEWERS !== 'none' && (row.wsLateP99Ms === null || row.wsLateP99Ms > LATE_LIMIT_MS))
    row.why.push('WS lateness p99');
  if (row.restarts > 0) row.why.push(`${row.restarts} restarts`);
  if (RECORD && grown < n) row.why.push(`${n - grown} not recording`);
  // Saturation judged on this bench's own processes (the machine is shared: its busy % includes others').
  const ours = row.supervisorPct + row.ffmpegPct + (row.viewersPct ?? 0) + (row.cameraSidePct ?? 0);
  if (ours >= 180) row.why.push(`CPU saturated (${ours.toFixed(0)} % of 200 %)`);
  row.holds = row.why.length === 0;

  await v?.stop();
  await lk.stop();
  cleanups.length = 0;
  return row;
}

/** Self time per function from a V8 .cpuprofile, largest first. */
function topFunctions(path: string, k: number): string[] {
  const p = JSON.parse(readFileSync(path, 'utf8')) as {
    nodes: Array<{
      id: number;
      hitCount?: number;
      callFrame: { functionName: string; url: string; lineNumber: number };
    }>;
  };
  const total = p.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0) || 1;
  const by = new Map<string, number>();
  for (const n of p.nodes) {
    const cf = n.callFrame;
    const where = cf.url
      ? `${cf.url.replace(/^.*\/(node_modules|addon|scripts)\//, '$1/')}:${cf.lineNumber + 1}`
      : '';
    const name = `${cf.functionName || '(anonymous)'} ${where}`.trim();
    by.set(name, (by.get(name) ?? 0) + (n.hitCount ?? 0));
  }
  return [...by.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([name, hits]) => `${((hits / total) * 100).toFixed(1).padStart(5)} %  ${name}`);
}

async function main() {
  const started = new Date();
  const load0 = loadavg();
  console.log(
    `bench:scale — ${WIDTH}x${HEIGHT} @ ${FPS} fps, GOP ${GOP}, ${BITRATE_KBPS} kbit/s noise picture, copy mode; ` +
      `recording ${RECORD ? 'every camera (continuous)' : 'off'}; viewers ${VIEWERS}${VIEWERS === 'grid' ? ` (${GRID} tiles, one WebSocket)` : ''}; ` +
      `windows ${SECONDS} s after ${SETTLE_S} s; load average ${load0.map((x) => x.toFixed(2)).join(' ')}`,
  );
  const cam = await SyntheticCamera.start({
    names: ['src'],
    encode: 'shared',
    picture: 'noise',
    clockText: false,
    main: { width: WIDTH, height: HEIGHT, fps: FPS, gop: GOP, bitrateKbps: BITRATE_KBPS },
    sub: { width: 320, height: 180, fps: FPS, gop: GOP, bitrateKbps: 100 },
    label: 'bench:scale',
  });
  cleanups.push(() => cam.close());
  cameraSide.camera = cam.pid;
  const rtspPort = await freePort();
  const relay = await startServer({
    binary: mediamtxBinary(),
    label: 'mediamtx-relay',
    configName: 'mediamtx.yml',
    args: ['{config}'],
    config: [
      'logLevel: warn',
      'api: false',
      'metrics: false',
      'pprof: false',
      'playback: false',
      'rtmp: false',
      'hls: false',
      'webrtc: false',
      'srt: false',
      // MoQ (on by default in v1.20) binds every interface and writes auto.key/auto.crt into the cwd.
      'moq: false',
      'rtsp: true',
      'rtspTransports: [tcp]',
      `rtspAddress: 127.0.0.1:${rtspPort}`,
      'paths:',
      '  cam:',
      `    source: ${cam.url('src', 'main')}`,
      '    rtspTransport: tcp',
      '    sourceOnDemand: false',
      '',
    ].join('\n'),
    ready: () => rtspAnswers('127.0.0.1', rtspPort, 'cam'),
  });
  const baseCleanups = [() => cam.close(), () => relay.stop()];
  cameraSide.relay = relay.pid;
  const camUrl = `rtsp://127.0.0.1:${rtspPort}/cam`;
  console.log(`  camera: synthetic camera pid ${cam.pid} → MediaMTX relay pid ${relay.pid} at ${camUrl}`);

  const ref = cameraReference(camUrl);
  baseCleanups.push(() => ref.stop());
  const dataDir = env.BENCH_DATA_DIR ?? join(tmpdir(), 'lookout-bench-scale');
  mkdirSync(dataDir, { recursive: true });
  const rows: Row[] = [];
  const profileTop: string[] = [];
  try {
    for (const n of STREAMS) {
      const row = await step(n, camUrl, dataDir, profileTop, ref);
      rows.push(row);
      console.log(
        `  N=${n}: supervisor ${f(row.supervisorPct)} % (${f(row.supervisorPerStreamPct, 2)} %/stream), FFmpeg ${f(row.ffmpegPct)} % ` +
          `(${f(row.ffmpegPerStreamPct, 2)} %/stream), RSS ${f(row.rssMaxMB, 0)} MB, ELD p99 ${f(row.eldP99Ms)} ms, ` +
          `late p99 hub ${f(row.hubLateP99Ms, 0)} / ws ${f(row.wsLateP99Ms, 0)} ms, machine ${f(row.machineBusyPct, 0)} % busy → ${row.holds ? 'holds' : `FAILS (${row.why.join(', ')})`}`,
      );
      const m = row.memory;
      if (m)
        console.log(
          `  N=${n}: memory at the window's end: RSS ${f(m.rssMB, 0)} MB = heap ${f(m.heapTotalMB, 0)} (used ${f(m.heapUsedMB, 0)}) ` +
            `+ external ${f(m.externalMB, 0)} (array buffers ${f(m.arrayBuffersMB, 0)}) + native ${f(m.rssMB! - m.heapTotalMB! - m.externalMB!, 0)} MB; ` +
            `hub windows ${f(m.hubWindowsMB, 0)} MB, reader queues ${f(m.readerQueuesMB, 0)} MB`,
        );
      if (!row.holds && !ALL) break;
    }
  } finally {
    await cleanup();
    for (const c of baseCleanups.reverse()) await c().catch(() => {});
  }
  report(started, rows, profileTop);
}

function report(started: Date, rows: Row[], profileTop: string[]) {
  const holding = rows.filter((r) => r.holds).map((r) => r.n);
  const largest = holding.length ? Math.max(...holding) : null;
  console.log(
    `\nresults (provisional: shared machine; load average at end ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')})`,
  );
  const hdr = [
    'N',
    'live',
    'kbit/s',
    'sup %',
    'sup %/str',
    'FFmpeg %',
    'FF %/str',
    'RSS MB',
    'heap/ext MB',
    'ELD p99',
    'late p99 hub',
    'late p99 ws',
    'ref p99',
    'rec',
    'viewers %',
    'camera side %',
    'machine %',
    'load1',
    'holds',
  ];
  const cells = rows.map((r) => [
    String(r.n),
    String(r.live),
    f(r.bitrateKbps, 0),
    f(r.supervisorPct),
    f(r.supervisorPerStreamPct, 2),
    f(r.ffmpegPct),
    f(r.ffmpegPerStreamPct, 2),
    f(r.rssMaxMB, 0),
    `${f(r.heapUsedMB, 0)}/${f(r.externalMB, 0)}`,
    `${f(r.eldP99Ms)} ms`,
    `${f(r.hubLateP99Ms, 0)} ms`,
    `${f(r.wsLateP99Ms, 0)} ms`,
    `${f(r.refLateP99Ms, 0)} ms`,
    `${r.recordedCameras}/${r.n}`,
    f(r.viewersPct),
    f(r.cameraSidePct),
    f(r.machineBusyPct, 0),
    f(r.loadavg[0], 2),
    r.holds ? 'yes' : `no: ${r.why.join(', ')}`,
  ]);
  const w = hdr.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)) + 2);
  console.log(hdr.map((h, i) => h.padEnd(w[i]!)).join(''));
  for (const c of cells) console.log(c.map((x, i) => x.padEnd(w[i]!)).join(''));
  console.log(
    `\nlargest N that holds (fragment lateness p99 ≤ ${LATE_LIMIT_MS} ms at the hub and the grid, no restart, every camera recording): ${largest ?? 'none'}` +
      `\n  % = of one core (the machine has 2: machine % is of both, every process of every user). sup = Lookout's process;` +
      `\n  FFmpeg = sum of the N copy-mode FFmpegs; camera side = the one synthetic encode + the MediaMTX relay (not Lookout's cost).` +
      `\n  ref = the same lateness on one FFmpeg reading the relay into this bench process, outside Lookout: what is late there` +
      `\n  was late before Lookout (camera side or machine).`,
  );
  if (profileTop.length)
    console.log(`\nV8 CPU profile at N=${PROFILE_AT}, self time:\n  ${profileTop.join('\n  ')}`);
  mkdirSync('bench-results', { recursive: true });
  const out = `bench-results/scale-${BITRATE_KBPS}k.json`;
  writeFileSync(
    out,
    JSON.stringify(
      {
        at: started.toISOString(),
        finishedAt: new Date().toISOString(),
        provisional: true,
        settings: {
          WIDTH,
          HEIGHT,
          FPS,
          GOP,
          BITRATE_KBPS,
          SECONDS,
          SETTLE_S,
          VIEWERS,
          RECORD,
          GRID,
          LATE_LIMIT_MS,
        },
        largestHolding: largest,
        rows,
        profileTop,
      },
      null,
      2,
    ),
  );
  console.log(`wrote ${out}`);
}

try {
  await main();
} catch (err) {
  console.error(`bench:scale failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
  await cleanup();
}
