/**
 * npm run bench:live — glass-to-glass latency and time to first frame of LL-HLS (hls.js) and MSE over
 * WebSocket in real Chromium, and supervisor / FFmpeg CPU for N copy-mode streams. Prints tables and
 * writes bench-results/live.json. Not a test: it asserts nothing (targets are printed as pass/miss).
 *
 * Latency: the synthetic camera burns its capture wall-clock time into every frame; the page draws
 * each presented frame (requestVideoFrameCallback) into a canvas, decodes the band
 * (addon/src/demo/timestamp-code.ts, bundled with esbuild) and records Date.now() − capture ms. The
 * browser and the camera run on this machine, so they share one clock.
 *
 * Env (defaults in brackets; QUICK=1 shortens every window and runs 1 and 8 streams):
 *   SECONDS [20]  latency and CPU window        SETTLE [5]    s before each window
 *   WARMUP [10]   extra s before the first CPU window (V8 compiles the media paths on first use)
 *   ROUNDS [5]    first-frame rounds per case    STREAMS [1,8,16,32]
 *   PHASES [cpu,llhls,mse]                       CONSUMERS [hub] hub | ws (simulated viewers, CPU cases)
 *   RES [1280x720]  FPS [15]  GOP [FPS = 1 s]  BITRATE_KBPS [2000]  PART_MS [200]
 *   HLS_SYNC [unset]    a tuned LL-HLS variant: hls.js liveSyncDuration, s (overrides the playlist's
 *                       PART-HOLD-BACK; its rows are labelled tuned). Unset: stock hls.js, lowLatencyMode only
 *   HLS_CATCHUP [0.25 when HLS_SYNC is set, else 0]  page seeks to hls.liveSyncPosition when hls.js stays
 *                       this far above target; 0 = off
 *   Phase `hlsrows` (with llhls, or alone): stock hls.js and the panel's LL-HLS tile over HTTP/1.1 and
 *                       HTTP/2, with each row's frame timeline (live/stock-hlsjs.ts)
 *   MSE_EDGE [product default]  MSE player's target lag behind the buffered end, s (the player is the
 *                       product's panel/src/players/mse-client.js with its LIVE_EDGE_DEFAULTS unless set)
 *   BENCH_DATA_DIR [$TMPDIR/lookout-bench-live]  Lookout data dir (kept: lets a run reap a killed run's FFmpegs)
 *   GATEWAY [0]   1: the cameras through the MediaMTX gateway (as `lookout serve` and the add-on run
 *                 them; the real MediaMTX from scripts/setup.sh), which adds the `webrtc` phase (WHEP
 *                 through Lookout's origin, as the panel's player); PHASES then defaults to llhls,mse,webrtc
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../test/helpers/browser.js';
import { loopbackGateway, mediamtxBinary } from '../../test/helpers/gateway.js';
import { resolveConfig } from '../../addon/src/config/index.js';
import { keyId, streamKey, type StreamKey } from '../../addon/src/contracts/stream-key.js';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import { silentLogger } from '../../addon/src/lib/log.js';
import { startLookout, type Lookout } from '../../addon/src/main.js';
import { hubConsumers, wsConsumers, type Consumers } from './live/consumers.js';
import { startCpuWindow, type CpuWindow } from './live/cpu.js';
import { buildBenchPage } from './live/page.js';
import { LIVE_EDGE_DEFAULTS } from '../../panel/src/players/mse-client.js';
import {
  buildHlsRowsPage,
  HLS_ROWS_CAMERA,
  hlsRows,
  printHlsRows,
  STOCK_HLS_CONFIG,
  type HlsRow,
} from './live/stock-hlsjs.js';

// ------------------------------------------------------------------------------------------ settings

const env = process.env;
const num = (v: string | undefined, d: number): number =>
  v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : d;
const QUICK = env.QUICK === '1';
const SECONDS = num(env.SECONDS, QUICK ? 5 : 20);
const SETTLE_S = num(env.SETTLE, QUICK ? 2 : 5);
/** Extra settle before the first CPU window with streams: V8 compiles the media paths on first use. */
const WARMUP_S = num(env.WARMUP, QUICK ? 5 : 10);
const ROUNDS = Math.max(1, Math.round(num(env.ROUNDS, QUICK ? 2 : 5)));
const STREAMS = (env.STREAMS ? env.STREAMS.split(',').map(Number) : QUICK ? [1, 8] : [1, 8, 16, 32])
  .filter((n) => Number.isInteger(n) && n > 0)
  .sort((a, b) => a - b);
const GATEWAY = env.GATEWAY === '1';
const PHASES = new Set(
  (env.PHASES ?? (GATEWAY ? 'cpu,llhls,mse,webrtc' : 'cpu,llhls,mse')).split(',').map((s) => s.trim()),
);
if (PHASES.has('webrtc') && !GATEWAY)
  throw new Error('PHASES=webrtc needs GATEWAY=1 (WebRTC comes from MediaMTX)');
const CONSUMERS: 'hub' | 'ws' = env.CONSUMERS === 'ws' ? 'ws' : 'hub';
const [WIDTH, HEIGHT] = (env.RES ?? '1280x720').split('x').map(Number) as [number, number];
const FPS = num(env.FPS, 15);
const GOP = num(env.GOP, FPS);
const BITRATE_KBPS = num(env.BITRATE_KBPS, 2000);
const PART_MS = num(env.PART_MS, 200);
/** null: stock hls.js (the playlist's PART-HOLD-BACK rules); set: the tuned variant. */
const HLS_SYNC_S = env.HLS_SYNC ? num(env.HLS_SYNC, 0.5) : null;
const MSE_EDGE_S = env.MSE_EDGE ? num(env.MSE_EDGE, LIVE_EDGE_DEFAULTS.edgeS) : null;
const PROFILE = 'main' as const;

/**
 * hls.js settings: stock (lowLatencyMode only) unless HLS_SYNC asks for the tuned variant, whose
 * liveSyncDuration overrides the playlist's PART-HOLD-BACK (no user's player does that).
 */
const HLS_CONFIG =
  HLS_SYNC_S === null
    ? { ...STOCK_HLS_CONFIG }
    : {
        lowLatencyMode: true,
        liveSyncDuration: HLS_SYNC_S,
        liveMaxLatencyDuration: Math.max(2.5, HLS_SYNC_S * 4),
        maxLiveSyncPlaybackRate: 1.5,
        // Default 1 s per stall: one stall on a busy machine would then cost a second of latency for good.
        liveSyncOnStallIncrease: 0.1,
        backBufferLength: 4,
        maxBufferLength: 4,
      };
const HLS_LABEL = HLS_SYNC_S === null ? 'LL-HLS' : `LL-HLS tuned (liveSyncDuration ${HLS_SYNC_S} s)`;
/** MSE live-edge keeping: the product player's defaults, or MSE_EDGE's targets (mse-client.js). */
const MSE_OPTIONS =
  MSE_EDGE_S === null
    ? { ...LIVE_EDGE_DEFAULTS }
    : { ...LIVE_EDGE_DEFAULTS, edgeS: MSE_EDGE_S, loS: MSE_EDGE_S, hiS: MSE_EDGE_S + 0.1 };
/** Page-side catch-up seek for hls.js (s above its target latency; 0 = off), see page.js playHls. */
const HLS_CATCHUP_S = num(env.HLS_CATCHUP, HLS_SYNC_S === null ? 0 : 0.25);

const TARGETS = {
  llhlsP50S: 0.8,
  llhlsP95S: 1.0,
  mseP50S: 0.35,
  firstFrameWarmS: 0.5,
  firstFrameColdS: 2.0,
  supervisorPctPer2Mbps: 1,
};

// ------------------------------------------------------------------------------------------ helpers

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function pct(xs: number[], p: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? null;
}

function stats(xs: number[]) {
  if (xs.length === 0) return { n: 0, p50: null, p95: null, min: null, max: null, mean: null };
  return {
    n: xs.length,
    p50: pct(xs, 50),
    p95: pct(xs, 95),
    min: Math.min(...xs),
    max: Math.max(...xs),
    mean: xs.reduce((a, b) => a + b, 0) / xs.length,
  };
}

async function until(what: string, pred: () => boolean, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]);
}

/** Cleanup stack: everything started registers its own stop; run in reverse, each bounded, on any exit. */
const cleanups: Array<{ name: string; fn: () => Promise<unknown> }> = [];
let cleaning: Promise<void> | null = null;
/** When the first SIGINT/SIGTERM/SIGHUP arrived (0: none). */
let firstSignalAt = 0;
function onCleanup(name: string, fn: () => Promise<unknown>): void {
  cleanups.push({ name, fn });
}
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    while (cleanups.length) {
      const { name, fn } = cleanups.pop()!;
      try {
        if (firstSignalAt) console.error(`  stopping ${name}`);
        await withTimeout(Promise.resolve().then(fn), 20_000, `cleanup ${name}`);
      } catch (err) {
        console.error(`cleanup of ${name} failed: ${(err as Error).message}`);
      }
    }
  })();
  return cleaning;
}
// Ctrl-C often arrives more than once (the terminal's group signal, tsx and npm relaying it): the
// first starts the cleanup, and signals in the next 3 s must not kill us half-way (that would leave
// Chromium or FFmpeg behind); a later one gives up on the cleanup.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    if (!firstSignalAt) {
      firstSignalAt = Date.now();
      console.error(`\n${sig}: stopping the browser, Lookout and the cameras…`);
      void cleanup().finally(() => process.exit(130));
    } else if (Date.now() - firstSignalAt > 3000) {
      console.error(`${sig} again: exiting without finishing the cleanup`);
      process.exit(130);
    }
  });
}

const f = (v: number | null | undefined, digits = 2) =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);
const verdict = (v: number | null | undefined, limit: number) =>
  v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v <= limit ? 'pass' : 'MISS';

// ------------------------------------------------------------------------------------------ types

interface PlayerInfo {
  tech: string;
  what: string;
  t0: number;
  firstRvfcAt: number | null;
  firstFrameAt: number | null;
  firstFrameAgeMs: number | null;
  frames: number;
  undecoded: number;
  samples: number[];
  errors: string[];
  events: string[];
  waiting: number;
  jumps: number;
  rateChanges: number;
  currentTime: number;
  hlsLatencyS?: number | null;
  hlsTargetLatencyS?: number | null;
  bufferLagS?: number | null;
  playbackRate?: number;
}

interface FirstFrame {
  round: number;
  key: string;
  stateBefore: string;
  /** ms from the page starting the player to the first presented frame carrying a timestamp */
  ms: number | null;
  /** how old that first frame was when shown (ms) */
  ageMs: number | null;
  errors: string[];
}

type Tech = 'llhls' | 'mse' | 'webrtc';
const TECH_NAME: Record<Tech, string> = { llhls: HLS_LABEL, mse: 'MSE', webrtc: 'WebRTC' };
const HLS_ROWS = PHASES.has('llhls') || PHASES.has('hlsrows');

interface TechResult {
  tech: Tech;
  base: string;
  transport: string;
  latency: ReturnType<typeof stats> & {
    windowS: number;
    settleS: number;
    frames: number;
    undecoded: number;
    waiting: number;
    jumps: number;
    rateChanges: number;
    errors: string[];
    player: Partial<PlayerInfo>;
  };
  warm: FirstFrame[];
  cold: FirstFrame[];
  pageErrors: string[];
}

interface CpuRow {
  streams: number;
  consumers: string;
  windowS: number;
  supervisorPct: number;
  supervisorPerStreamPct: number | null;
  /** (supervisor − idle baseline) / streams */
  supervisorNetPerStreamPct: number | null;
  bitrateKbps: number | null;
  supervisorPer2MbpsPct: number | null;
  /** supervisorNetPerStreamPct scaled to 2000 kbit/s: what the target is judged on */
  supervisorNetPer2MbpsPct: number | null;
  ffmpegPct: number;
  ffmpegPerStreamPct: number | null;
  ffmpegPids: number;
  lostPids: number;
  cameraPct: number | null;
  consumersPct: number | null;
  consumedMbps: number | null;
  restartsInWindow: number;
}

// ------------------------------------------------------------------------------------------ cases

async function cpuPhase(app: Lookout, cam: SyntheticCamera): Promise<CpuRow[]> {
  const sup = app.supervisor;
  const rows: CpuRow[] = [];
  const keys: StreamKey[] = [];
  const leases: string[] = [];
  const consumers: Consumers[] = [];
  const releaseAll = async () => {
    for (const c of consumers.splice(0)) await c.close();
    for (const id of leases.splice(0)) {
      try {
        sup.releaseLease(id);
      } catch {
        /* expired or gone */
      }
    }
  };
  onCleanup('cpu leases', releaseAll);

  let baselinePct: number | null = null;
  const window = async (n: number, bytesNow: () => number): Promise<CpuRow> => {
    const spawns0 = keys.reduce((a, k) => a + sup.status(k).counters.spawns, 0);
    const others: Record<string, number> = { camera: cam.pid };
    consumers.forEach((c, i) => {
      if (c.pid !== null) others[`consumer${i}`] = c.pid;
    });
    const bytes0 = bytesNow();
    const end = startCpuWindow(
      () => keys.map((k) => sup.status(k).pid).filter((p): p is number => p !== null),
      others,
    );
    await sleep(SECONDS * 1000);
    const w: CpuWindow = end();
    const bytes1 = bytesNow();
    const spawns1 = keys.reduce((a, k) => a + sup.status(k).counters.spawns, 0);
    const rates = keys
      .map((k) => sup.status(k).progress.bitrateKbps)
      .filter((b) => Number.isFinite(b) && b > 0);
    const bitrate = rates.length ? rates.reduce((a, b) => a + b, 0) / rates.length : null;
    const perStream = n > 0 ? w.selfPct / n : null;
    const netPerStream = n > 0 && baselinePct !== null ? (w.selfPct - baselinePct) / n : null;
    const consumerPcts = Object.entries(w.others)
      .filter(([label]) => label.startsWith('consumer'))
      .map(([, v]) => v);
    return {
      streams: n,
      consumers:
        n === 0
          ? 'none'
          : CONSUMERS === 'ws'
            ? 'WebSocket (child process, /api/ws)'
            : 'in-process hub readers',
      windowS: w.wallS,
      supervisorPct: w.selfPct,
      supervisorPerStreamPct: perStream,
      supervisorNetPerStreamPct: netPerStream,
      bitrateKbps: bitrate,
      supervisorPer2MbpsPct: perStream !== null && bitrate ? perStream * (2000 / bitrate) : null,
      supervisorNetPer2MbpsPct: netPerStream !== null && bitrate ? netPerStream * (2000 / bitrate) : null,
      ffmpegPct: w.pidsPct,
      ffmpegPerStreamPct: n > 0 ? w.pidsPct / n : null,
      ffmpegPids: keys.length,
      lostPids: w.lostPids.length,
      cameraPct: w.others.camera ?? null,
      consumersPct:
        consumerPcts.length === 0 || consumerPcts.some((v) => v === null)
          ? null
          : consumerPcts.reduce((a: number, b) => a + (b ?? 0), 0),
      consumedMbps: n > 0 ? ((bytes1 - bytes0) * 8) / 1e6 / w.wallS : null,
      restartsInWindow: spawns1 - spawns0,
    };
  };

  // Baseline: Lookout with every key idle.
  await sleep(SETTLE_S * 1000);
  rows.push(await window(0, () => 0));
  baselinePct = rows[0]!.supervisorPct;
  console.log(`  cpu: idle baseline ${f(rows[0]!.supervisorPct)} % of a core`);

  for (const n of STREAMS) {
    const added: StreamKey[] = [];
    while (keys.length < n) {
      const key = streamKey(`cpu${keys.length + 1}`, PROFILE);
      keys.push(key);
      added.push(key);
      leases.push(sup.acquireLease(key, { kind: 'viewer', holder: 'bench:live cpu' }).lease.id);
    }
    await until(
      `${n} streams live`,
      () => keys.every((k) => sup.status(k).state === 'live'),
      30_000 + n * 1000,
    );
    if (CONSUMERS === 'ws')
      consumers.push(await wsConsumers(`${app.url.replace(/^http/, 'ws')}/api/ws`, added.map(keyId)));
    else consumers.push(hubConsumers(sup, added));
    await sleep((SETTLE_S + (n === STREAMS[0] ? WARMUP_S : 0)) * 1000);
    const row = await window(n, () => consumers.reduce((a, c) => a + c.bytes(), 0));
    rows.push(row);
    console.log(
      `  cpu: ${n} streams: supervisor ${f(row.supervisorPct)} %, FFmpeg ${f(row.ffmpegPct)} %, ${f(row.bitrateKbps, 0)} kbit/s per stream`,
    );
  }
  await releaseAll();
  await until('cpu keys idle', () => keys.every((k) => sup.status(k).state === 'idle'), 30_000).catch(
    (err: Error) => console.error(`  cpu: ${err.message}`),
  );
  return rows;
}

async function openPage(browser: Browser, base: string, html: string, errors: string[]): Promise<Page> {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 1280, height: 720 },
  });
  onCleanup(`browser context ${base}`, () => context.close());
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    // Resource failures (favicon, a part that 404s) are the players' business: hls.js reports its own.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  // A real document from Lookout's own origin first, then our content written into it: a page served
  // by route interception counts as non-local to Chromium, whose Local Network Access checks then
  // block its WebSocket to 127.0.0.1 (ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS).
  await page.goto(`${base}/api/health`);
  await page.setContent(html);
  await page.waitForFunction('window.bench && window.bench.ready === true', undefined, { timeout: 10_000 });
  return page;
}

async function playerInfo(page: Page, id: number, since?: number): Promise<PlayerInfo> {
  return (await page.evaluate(
    `window.bench.info(${id}, ${since === undefined ? 'undefined' : since})`,
  )) as PlayerInfo;
}

async function waitFirstFrame(page: Page, id: number, timeoutMs: number): Promise<PlayerInfo> {
  const t0 = Date.now();
  for (;;) {
    const info = await playerInfo(page, id);
    if (info.firstFrameAt !== null || Date.now() - t0 > timeoutMs) return info;
    await sleep(25);
  }
}

async function techPhase(tech: Tech, app: Lookout, browser: Browser, html: string): Promise<TechResult> {
  const sup = app.supervisor;
  const base = tech === 'llhls' ? (app.tlsUrl ?? app.url) : app.url;
  const transport =
    tech === 'llhls'
      ? app.tlsUrl
        ? 'HTTP/2 over TLS (self-signed)'
        : 'HTTP/1.1 (no TLS listener)'
      : tech === 'webrtc'
        ? 'WebRTC from MediaMTX (WHEP through Lookout, ICE on loopback UDP)'
        : 'WebSocket over HTTP/1.1 (/api/ws), one socket for the page';
  const pageErrors: string[] = [];
  const page = await openPage(browser, base, html, pageErrors);
  if (tech === 'mse')
    await page.evaluate(
      `window.bench.openSocket(${JSON.stringify(`${app.url.replace(/^http/, 'ws')}/api/ws`)})`,
    );

  const start = async (camera: string): Promise<number> => {
    const js =
      tech === 'llhls'
        ? `window.bench.playHls(${JSON.stringify(`/hls/${camera}/${PROFILE}/index.m3u8`)}, ${JSON.stringify(HLS_CONFIG)}, ${HLS_CATCHUP_S})`
        : tech === 'webrtc'
          ? `window.bench.playWebrtc(${JSON.stringify(`/api/webrtc/${camera}/${PROFILE}/whep`)})`
          : `window.bench.playMse(${JSON.stringify(`${camera}/${PROFILE}`)}, ${JSON.stringify(MSE_OPTIONS)})`;
    return (await page.evaluate(js)) as number;
  };
  const stop = (id: number) => page.evaluate(`window.bench.stop(${id})`);
  const firstFrame = (round: number, key: string, stateBefore: string, info: PlayerInfo): FirstFrame => ({
    round,
    key,
    stateBefore,
    ms: info.firstFrameAt !== null ? info.firstFrameAt - info.t0 : null,
    ageMs: info.firstFrameAgeMs,
    errors: info.errors,
  });

  // Warm: the key already runs (our lease, live, a complete GOP in the hub) before the player starts.
  const warmCamera = `warm${tech}`;
  const warmKey = streamKey(warmCamera, PROFILE);
  const warmLease = sup.acquireLease(warmKey, { kind: 'viewer', holder: 'bench:live warm' }).lease.id;
  onCleanup(`${tech} warm lease`, async () => {
    try {
      sup.releaseLease(warmLease);
    } catch {
      /* gone */
    }
  });
  await until(`${keyId(warmKey)} live`, () => sup.status(warmKey).state === 'live', 30_000);
  await sleep((GOP / FPS) * 1000 * 1.5 + 500);

  const warm: FirstFrame[] = [];
  let latency: TechResult['latency'] | null = null;
  for (let r = 0; r < ROUNDS; r++) {
    const stateBefore = sup.status(warmKey).state;
    const id = await start(warmCamera);
    const info = await waitFirstFrame(page, id, 20_000);
    warm.push(firstFrame(r + 1, keyId(warmKey), stateBefore, info));
    console.log(`  ${tech}: warm first frame ${warm.at(-1)!.ms ?? 'none'} ms`);
    if (r === 0) {
      // Glass-to-glass on this first warm player: settle, then one window of every presented frame.
      await sleep(SETTLE_S * 1000);
      const before = await playerInfo(page, id);
      const since = Date.now();
      await sleep(SECONDS * 1000);
      const after = await playerInfo(page, id, since);
      const { samples, ...player } = after;
      latency = {
        ...stats(samples.map((ms) => ms / 1000)),
        windowS: SECONDS,
        settleS: SETTLE_S,
        frames: after.frames - before.frames,
        undecoded: after.undecoded - before.undecoded,
        waiting: after.waiting - before.waiting,
        jumps: after.jumps - before.jumps,
        rateChanges: after.rateChanges - before.rateChanges,
        errors: after.errors,
        player,
      };
      console.log(
        `  ${tech}: latency p50 ${f(latency.p50)} s, p95 ${f(latency.p95)} s over ${latency.n} frames`,
      );
    }
    await stop(id);
    await sleep(300);
  }
  try {
    sup.releaseLease(warmLease);
  } catch {
    /* gone */
  }

  // Cold: a key nobody has asked for yet (idle, no FFmpeg), so the player's request starts it.
  const cold: FirstFrame[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const camera = `cold${tech}${r + 1}`;
    const key = streamKey(camera, PROFILE);
    const stateBefore = sup.status(key).state;
    const id = await start(camera);
    const info = await waitFirstFrame(page, id, 30_000);
    cold.push(firstFrame(r + 1, keyId(key), stateBefore, info));
    console.log(`  ${tech}: cold first frame ${cold.at(-1)!.ms ?? 'none'} ms (key was ${stateBefore})`);
    await stop(id);
    await sleep(300);
  }
  await page.context().close();
  return { tech, base, transport, latency: latency!, warm, cold, pageErrors };
}

// ------------------------------------------------------------------------------------------ main

async function main(): Promise<void> {
  const started = new Date();
  const load0 = loadavg();
  const maxStreams = Math.max(0, ...STREAMS);
  const names = [
    ...(PHASES.has('cpu') ? Array.from({ length: maxStreams }, (_, i) => `cpu${i + 1}`) : []),
    ...(['llhls', 'mse', 'webrtc'] as const)
      .filter((t) => PHASES.has(t))
      .flatMap((t) => [`warm${t}`, ...Array.from({ length: ROUNDS }, (_, i) => `cold${t}${i + 1}`)]),
    ...(HLS_ROWS ? [HLS_ROWS_CAMERA] : []),
  ];
  if (names.length === 0) throw new Error(`nothing to do: PHASES=${[...PHASES].join(',')}`);

  const settings = {
    quick: QUICK,
    video: {
      width: WIDTH,
      height: HEIGHT,
      fps: FPS,
      gopFrames: GOP,
      gopS: GOP / FPS,
      bitrateKbps: BITRATE_KBPS,
      codec: 'H.264 (x264 ultrafast zerolatency, no B-frames)',
    },
    camera: 'synthetic, encode shared (N cameras = one encode), no audio',
    lookout: { mode: 'copy', partTargetMs: PART_MS, profile: PROFILE },
    windows: {
      latencyS: SECONDS,
      cpuS: SECONDS,
      settleS: SETTLE_S,
      cpuWarmupS: WARMUP_S,
      firstFrameRounds: ROUNDS,
    },
    streams: STREAMS,
    consumers: CONSUMERS,
    hls: { ...HLS_CONFIG, pageCatchUpS: HLS_CATCHUP_S },
    mse: MSE_OPTIONS,
    gateway: GATEWAY ? 'MediaMTX v1.20.1 pulls the cameras; FFmpeg reads its loopback RTSP' : 'none',
    machine: { loadavgAtStart: load0 },
  };
  console.log(
    `bench:live — ${WIDTH}x${HEIGHT} @ ${FPS} fps, GOP ${GOP} frames (${f(GOP / FPS)} s), ${BITRATE_KBPS} kbit/s, ` +
      `part target ${PART_MS} ms, copy mode; windows ${SECONDS} s after ${SETTLE_S} s settle; ${ROUNDS} first-frame rounds` +
      `${QUICK ? ' (QUICK)' : ''}; load average ${load0.map((x) => x.toFixed(2)).join(' ')}`,
  );

  const cam = await SyntheticCamera.start({
    names,
    encode: 'shared',
    main: { width: WIDTH, height: HEIGHT, fps: FPS, gop: GOP, bitrateKbps: BITRATE_KBPS },
    sub: { width: 320, height: 180, fps: FPS, gop: GOP, bitrateKbps: 200 },
    label: 'bench:live',
  });
  onCleanup('synthetic camera', () => cam.close());

  // A fixed data dir, kept between runs: if a run is killed hard (SIGKILL, a crash), the next run's
  // supervisor ends that run's leftover FFmpeg processes from <data_dir>/run/children.json; the
  // self-signed certificate is reused too.
  const dataDir = env.BENCH_DATA_DIR ?? join(tmpdir(), 'lookout-bench-live');
  mkdirSync(dataDir, { recursive: true });
  rmSync(join(dataDir, 'recordings'), { recursive: true, force: true });
  const resolved = resolveConfig(
    {
      server: { host: '127.0.0.1', port: 0, data_dir: dataDir },
      defaults: {
        audio: 'drop',
        stream: {
          idle_timeout: '1s',
          lease_ttl: '1h',
          part_target: `${PART_MS}ms`,
          stall_timeout: '5s',
          startup_grace: '10s',
        },
      },
      cameras: names.map((id) => ({
        id,
        vendor: 'generic',
        profiles: { main: { url: cam.url(id, 'main') }, sub: { url: cam.url(id, 'sub') } },
      })),
    },
    { env: {}, baseDir: dataDir },
  );
  if (!resolved.ok) throw new Error(`bench config invalid: ${JSON.stringify(resolved.errors)}`);
  const app = await startLookout({
    config: resolved.config,
    log: silentLogger(),
    listen: { host: '127.0.0.1', port: 0 },
    mqtt: false,
    gateway: GATEWAY ? { binary: mediamtxBinary(), listen: await loopbackGateway(), required: true } : false,
  });
  onCleanup('lookout', () => app.stop());
  if (GATEWAY) console.log(`  MediaMTX gateway in front of the cameras (pid ${app.gateway?.pid})`);
  console.log(`  lookout at ${app.url}${app.tlsUrl ? ` and ${app.tlsUrl} (h2)` : ' (no TLS listener)'}`);

  let cpu: CpuRow[] = [];
  if (PHASES.has('cpu') && STREAMS.length) cpu = await cpuPhase(app, cam);

  const techs: TechResult[] = [];
  let hlsVersion: string | null = null;
  const want = (['llhls', 'mse', 'webrtc'] as const).filter((t) => PHASES.has(t));
  let llhlsRows: HlsRow[] = [];
  if (want.length || HLS_ROWS) {
    const page = await buildBenchPage();
    hlsVersion = page.hlsVersion;
    const browser = await launchChromium({
      // The LL-HLS page talks to the self-signed HTTP/2 listener.
      // WebRTC: MediaMTX announces 127.0.0.1; loopback candidates, no mDNS names.
      extraArgs: [
        '--ignore-certificate-errors',
        '--allow-loopback-in-peer-connection',
        '--disable-features=WebRtcHideLocalIpsWithMdns',
      ],
      // Our own signal handler closes the browser in order; Playwright's would exit the process
      // right after killing Chromium, before Lookout and the camera are stopped.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
    onCleanup('chromium', () => browser.close());
    for (const t of want) techs.push(await techPhase(t, app, browser, page.html));
    if (HLS_ROWS) {
      const rowsPage = await buildHlsRowsPage();
      llhlsRows = await hlsRows(app, browser, rowsPage.html, {
        seconds: SECONDS,
        settleS: SETTLE_S,
        profile: PROFILE,
      });
    }
    await browser.close();
  }

  report({ started, settings, cpu, techs, hlsVersion, llhlsRows, load1: loadavg() });
}

function report(r: {
  started: Date;
  settings: Record<string, unknown>;
  cpu: CpuRow[];
  techs: TechResult[];
  hlsVersion: string | null;
  llhlsRows: HlsRow[];
  load1: number[];
}): void {
  const rows: Array<[string, string, string, string, string]> = [];
  const byTech = new Map(r.techs.map((t) => [t.tech, t]));
  const hls = byTech.get('llhls');
  const mse = byTech.get('mse');
  const sec = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${v.toFixed(3)} s`);
  const ffStats = (xs: FirstFrame[]) =>
    stats(
      xs
        .map((x) => x.ms)
        .filter((x): x is number => x !== null)
        .map((ms) => ms / 1000),
    );
  if (hls) {
    rows.push([
      `${HLS_LABEL} latency p50 (h2)`,
      sec(hls.latency.p50),
      '≤ 0.8 s',
      verdict(hls.latency.p50, TARGETS.llhlsP50S),
      `${hls.latency.n} frames`,
    ]);
    rows.push([
      `${HLS_LABEL} latency p95 (h2)`,
      sec(hls.latency.p95),
      '≤ 1.0 s',
      verdict(hls.latency.p95, TARGETS.llhlsP95S),
      `max ${sec(hls.latency.max)}`,
    ]);
  }
  for (const h of r.llhlsRows) {
    rows.push([
      `${h.label} p50`,
      sec(h.latency.p50),
      '≤ 0.8 s',
      verdict(h.latency.p50, TARGETS.llhlsP50S),
      `${h.latency.n} frames, ${h.stalls} stalls`,
    ]);
    rows.push([
      `${h.label} p95`,
      sec(h.latency.p95),
      '≤ 1.0 s',
      verdict(h.latency.p95, TARGETS.llhlsP95S),
      `max ${sec(h.latency.max)}`,
    ]);
  }
  if (mse) {
    rows.push([
      'MSE latency p50',
      sec(mse.latency.p50),
      '≤ 0.35 s',
      verdict(mse.latency.p50, TARGETS.mseP50S),
      `${mse.latency.n} frames`,
    ]);
    rows.push(['MSE latency p95', sec(mse.latency.p95), '(none)', '', `max ${sec(mse.latency.max)}`]);
  }
  const webrtc = byTech.get('webrtc');
  if (webrtc) {
    rows.push(['WebRTC latency p50', sec(webrtc.latency.p50), '(none)', '', `${webrtc.latency.n} frames`]);
    rows.push([
      'WebRTC latency p95',
      sec(webrtc.latency.p95),
      '(none)',
      '',
      `max ${sec(webrtc.latency.max)}`,
    ]);
  }
  for (const t of r.techs) {
    const name = TECH_NAME[t.tech];
    const w = ffStats(t.warm);
    const c = ffStats(t.cold);
    rows.push([
      `${name} first frame warm p50`,
      sec(w.p50),
      '≤ 0.5 s',
      verdict(w.p50, TARGETS.firstFrameWarmS),
      `n=${w.n}/${t.warm.length}, max ${sec(w.max)}`,
    ]);
    rows.push([
      `${name} first frame cold p50`,
      sec(c.p50),
      '≤ 2.0 s',
      verdict(c.p50, TARGETS.firstFrameColdS),
      `n=${c.n}/${t.cold.length}, max ${sec(c.max)}`,
    ]);
  }
  const withStreams = r.cpu.filter((c) => c.streams > 0);
  for (const c of withStreams) {
    rows.push([
      `supervisor per 2 Mbps stream, N=${c.streams}`,
      `${f(c.supervisorNetPer2MbpsPct)} %`,
      '≤ 1 % core',
      verdict(c.supervisorNetPer2MbpsPct, TARGETS.supervisorPctPer2Mbps),
      `net of idle baseline; gross ${f(c.supervisorPer2MbpsPct)} %; ${f(c.supervisorNetPerStreamPct)} %/stream at ${f(c.bitrateKbps, 0)} kbit/s`,
    ]);
  }

  console.log(
    '\nresults (provisional unless the machine was quiet; load average at end ' +
      r.load1.map((x) => x.toFixed(2)).join(' ') +
      ')',
  );
  const head: [string, string, string, string, string] = ['metric', 'value', 'target', 'result', 'detail'];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...[head, ...rows].map((row) => row[i]!.length)) + 2);
  const line = (row: string[]) => row.map((cell, i) => (i < 4 ? cell.padEnd(widths[i]!) : cell)).join('');
  console.log(line(head));
  for (const row of rows) console.log(line(row));

  for (const t of r.techs) {
    const l = t.latency;
    console.log(
      `\n${TECH_NAME[t.tech]} over ${t.transport}: ${l.n} decoded of ${l.frames} presented frames in ${l.windowS} s ` +
        `(${l.undecoded} undecoded, ${l.waiting} waiting events, ${l.jumps} jumps, ${l.rateChanges} rate changes); ` +
        `latency min ${sec(l.min)} mean ${sec(l.mean)} max ${sec(l.max)}` +
        (t.tech === 'llhls'
          ? `; hls.js latency ${sec(l.player.hlsLatencyS)} target ${sec(l.player.hlsTargetLatencyS)}`
          : t.tech === 'mse'
            ? `; buffer lag ${sec(l.player.bufferLagS)}`
            : '') +
        (l.errors.length ? `; player errors: ${l.errors.join(', ')}` : '') +
        (t.pageErrors.length ? `; page errors: ${t.pageErrors.slice(0, 5).join(' | ')}` : ''),
    );
    const ff = (xs: FirstFrame[]) =>
      xs.map((x) => `${x.ms ?? 'none'}${x.ageMs !== null ? ` (age ${x.ageMs})` : ''}`).join(', ');
    console.log(`  first frame ms warm: ${ff(t.warm)}`);
    console.log(
      `  first frame ms cold: ${ff(t.cold)}  (key state before: ${t.cold.map((x) => x.stateBefore).join(',')})`,
    );
  }

  printHlsRows(r.llhlsRows, r.hlsVersion ?? '—');

  if (r.cpu.length) {
    const consumers = withStreams[0]?.consumers ?? 'none';
    console.log(
      `\nCPU, % of one core over ${f(r.cpu[0]!.windowS, 1)} s windows (consumers: ${consumers}; no browser running)`,
    );
    const hdr = [
      'streams',
      'supervisor',
      'per stream',
      'net/stream',
      'net per 2 Mbps',
      'FFmpeg sum',
      'FFmpeg/stream',
      'kbit/s',
      'consumed Mbit/s',
      'consumers',
      'camera',
      'restarts',
    ];
    const cells = r.cpu.map((c) => [
      String(c.streams),
      `${f(c.supervisorPct)} %`,
      c.supervisorPerStreamPct === null ? '—' : `${f(c.supervisorPerStreamPct)} %`,
      c.supervisorNetPerStreamPct === null ? '—' : `${f(c.supervisorNetPerStreamPct)} %`,
      c.supervisorNetPer2MbpsPct === null ? '—' : `${f(c.supervisorNetPer2MbpsPct)} %`,
      `${f(c.ffmpegPct)} %`,
      c.ffmpegPerStreamPct === null ? '—' : `${f(c.ffmpegPerStreamPct)} %`,
      f(c.bitrateKbps, 0),
      f(c.consumedMbps, 1),
      c.consumersPct === null ? '—' : `${f(c.consumersPct)} %`,
      `${f(c.cameraPct)} %`,
      String(c.restartsInWindow) + (c.lostPids ? ` (${c.lostPids} pid lost)` : ''),
    ]);
    const w2 = hdr.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)) + 2);
    console.log(hdr.map((h, i) => h.padEnd(w2[i]!)).join(''));
    for (const row of cells) console.log(row.map((c, i) => c.padEnd(w2[i]!)).join(''));
    console.log(
      '  streams 0 = idle baseline. supervisor = this Node process (Lookout + the idle bench harness); net/stream =\n' +
        '  (supervisor − baseline) / streams. net per 2 Mbps (judged against the target) = net/stream scaled\n' +
        '  linearly to 2000 kbit/s from the measured bitrate (the synthetic camera\n' +
        "  undershoots its bitrate setting on easy content). FFmpeg = sum over the keys' FFmpeg PIDs. consumers =\n" +
        '  the WebSocket client process(es) when CONSUMERS=ws. camera = synthetic camera, for reference.',
    );
  }

  const s = r.settings as { hls: typeof HLS_CONFIG; mse: typeof MSE_OPTIONS };
  console.log(
    `\nsettings: hls.js ${r.hlsVersion ?? '—'} ${JSON.stringify(s.hls)}; MSE player ${JSON.stringify(s.mse)}; ` +
      `Chromium headless (software decode), frames decoded at ≤ 640 px wide`,
  );

  mkdirSync('bench-results', { recursive: true });
  writeFileSync(
    'bench-results/live.json',
    JSON.stringify(
      {
        at: r.started.toISOString(),
        finishedAt: new Date().toISOString(),
        provisional: QUICK,
        settings: { ...r.settings, hlsJs: r.hlsVersion, loadavgAtEnd: r.load1 },
        targets: TARGETS,
        table: rows.map(([metric, value, target, result, detail]) => ({
          metric,
          value,
          target,
          result,
          detail,
        })),
        latency: r.techs,
        llhlsRows: r.llhlsRows,
        cpu: r.cpu,
      },
      null,
      2,
    ),
  );
  console.log('\nwrote bench-results/live.json');
}

try {
  await main();
} catch (err) {
  if (firstSignalAt) console.error(`bench:live interrupted (${(err as Error).message.split('\n')[0]})`);
  else console.error(`bench:live failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
