/**
 * npm run bench:live — what users get from live view, measured in real Chromium: glass-to-glass
 * latency and time to first frame of the panel's own tile players (MSE, LL-HLS as the playlist is
 * served, WebRTC through the gateway) with the product's defaults, then, in a separate labelled
 * table, tuned variants no user runs as is; and supervisor / FFmpeg CPU for N copy-mode streams.
 * Prints tables (and the README's table as markdown) and writes bench-results/live.json + live.md.
 * Not a test: it asserts nothing (targets are printed as pass/miss).
 *
 * Latency: the synthetic camera burns its capture wall-clock time into every frame; the page draws
 * each presented frame (requestVideoFrameCallback) into a canvas, decodes the band
 * (addon/src/demo/timestamp-code.ts, bundled with esbuild) and records Date.now() − capture ms. The
 * browser and the camera run on this machine, so they share one clock. MSE rows also get a frame
 * timeline from the product's frame headers (Lookout's receive time): capture → Lookout → page →
 * appended → presented.
 *
 * Rows: scripts/bench/live/cases.ts (a `LiveCase` per row; other modules add theirs to ALL_CASES).
 *
 * Env (defaults in brackets; QUICK=1 shortens every window and runs 1 and 8 streams):
 *   SECONDS [20]  latency and CPU window        SETTLE [5]    s before each window
 *   WARMUP [10]   extra s before the first CPU window (V8 compiles the media paths on first use)
 *   ROUNDS [5]    first-frame rounds per case    STREAMS [1,8,16,32]
 *   PHASES [cpu,llhls,mse]  techs (and cpu) to run; CASES: case ids instead (e.g. mse,llhls-tuned)
 *   TUNED [1]     0: skip the tuned rows         CONSUMERS [hub] hub | ws (simulated viewers, CPU cases)
 *   Latency cases play the `sub` profile (what grid tiles play): LAT_RES [640x360] at FPS, 1 s GOP,
 *   LAT_BITRATE_KBPS [600]. CPU cases play `main`: RES [1280x720]  FPS [15]  GOP [FPS = 1 s]
 *   BITRATE_KBPS [2000]. PART_MS [the product's default part_target, 150]
 *   HLS_SYNC [0.5]      tuned LL-HLS row: hls.js liveSyncDuration, s (overrides the playlist's PART-HOLD-BACK)
 *   HLS_CATCHUP [0.25]  tuned LL-HLS row: page seek to hls.liveSyncPosition when this far above target
 *   Phase `hlsrows` (with llhls, or alone): stock hls.js and the panel's LL-HLS tile over HTTP/1.1 and
 *                       HTTP/2, with each row's frame timeline (live/stock-hlsjs.ts)
 *   MSE_EDGE [unset]    adds a tuned MSE row per live-edge target listed, s (e.g. 0.03,0.05)
 *   GRID [1]            MSE rows: the measured tile plays in a grid of this many tiles (9: a loaded browser)
 *   BENCH_DATA_DIR [$TMPDIR/lookout-bench-live]  Lookout data dir (kept: lets a run reap a killed run's FFmpegs)
 *   GATEWAY [0]   1: the cameras through the MediaMTX gateway (as `lookout serve` and the add-on run
 *                 them; the real MediaMTX from scripts/setup.sh), which adds the WebRTC row (WHEP
 *                 through Lookout's origin, the panel's player); PHASES then defaults to cpu,llhls,mse,webrtc
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../test/helpers/browser.js';
import { loopbackGateway, mediamtxBinary } from '../../test/helpers/gateway.js';
import { resolveConfig } from '../../addon/src/config/index.js';
import { BUILT_IN_TUNING } from '../../addon/src/config/built-in.js';
import { keyId, streamKey, type StreamKey } from '../../addon/src/contracts/stream-key.js';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import { silentLogger } from '../../addon/src/lib/log.js';
import { startLookout, type Lookout } from '../../addon/src/main.js';
import { defaultCases, tunedCases, type LiveCase, type LiveTech } from './live/cases.js';
import { hubConsumers, wsConsumers, type Consumers } from './live/consumers.js';
import { startCpuWindow, type CpuWindow } from './live/cpu.js';
import { watchMediaLog, type MediaLogSummary } from './live/media-log.js';
import { buildBenchPage } from './live/page.js';
import { buildHlsRowsPage, HLS_ROWS_CAMERA, hlsRows, printHlsRows, type HlsRow } from './live/stock-hlsjs.js';

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
const [LAT_WIDTH, LAT_HEIGHT] = (env.LAT_RES ?? '640x360').split('x').map(Number) as [number, number];
const FPS = num(env.FPS, 15);
const GOP = num(env.GOP, FPS);
const BITRATE_KBPS = num(env.BITRATE_KBPS, 2000);
const LAT_BITRATE_KBPS = num(env.LAT_BITRATE_KBPS, 600);
const PART_MS = num(env.PART_MS, BUILT_IN_TUNING.partTargetMs);
const MSE_EDGE_S = (env.MSE_EDGE ?? '')
  .split(',')
  .filter((v) => v.trim() !== '' && Number.isFinite(Number(v)))
  .map(Number);
/**
 * GRID=n (MSE rows only): the measured tile plays beside n − 1 other tiles of their own cameras on
 * the same page and socket (a 9-tile grid: 9 decoders on the 2 cores), to see the lag a loaded
 * browser settles at. Printed with the grid size; the default (1) is the quiet single tile.
 */
const GRID = Math.max(1, Math.round(num(env.GRID, 1)));
/** Page-side catch-up seek of the tuned hls.js row (s above its target latency; 0 = off), see page.js playHls. */
const HLS_CATCHUP_S = num(env.HLS_CATCHUP, 0.25);
const HLS_SYNC_S = num(env.HLS_SYNC, 0.5);
/** Stock hls.js rows and their frame timelines (live/stock-hlsjs.ts). */
const HLS_ROWS = PHASES.has('llhls') || PHASES.has('hlsrows');
/** CPU cases: the main stream. */
const PROFILE = 'main' as const;
/** Latency cases: the sub stream, what grid tiles play. */
const LAT_PROFILE = 'sub' as const;

/** Every row, defaults first. Other modules' rows are appended here. */
const ALL_CASES: LiveCase[] = [
  ...defaultCases(),
  ...(env.TUNED === '0'
    ? []
    : tunedCases({ hlsCatchUpS: HLS_CATCHUP_S, hlsSyncS: HLS_SYNC_S, mseEdgeS: MSE_EDGE_S })),
];
const CASES = env.CASES
  ? ALL_CASES.filter((c) => env.CASES!.split(',').includes(c.id))
  : ALL_CASES.filter((c) => PHASES.has(c.tech) && (GATEWAY || !c.gateway));

/** Issue 16's targets. */
const TARGETS = {
  llhlsP50S: 0.8,
  llhlsP95S: 1.0,
  mseP50S: 0.2,
  firstFrameWarmS: 0.15,
  firstFrameColdS: 1.0,
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
  /** The tile's first picture (panel WebRTC: its MSE bridge's when that came first). */
  firstPictureAt: number | null;
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
  /** What the tile's badge said at the end of the window (panel players). */
  badge?: { seconds: number; short: string; long: string } | null;
  /**
   * MSE: [capture→Lookout, Lookout→page, page→appended, appended→presented, appended→composited,
   * composited→presented] ms per frame (composited: the frame's rVFC presentationTime).
   */
  timeline?: number[][];
}

interface FirstFrame {
  round: number;
  key: string;
  stateBefore: string;
  /** ms from the page starting the player to the first presented frame carrying a timestamp */
  ms: number | null;
  /** ms to the tile's first picture from any of its videos (WebRTC: the MSE bridge's) */
  pictureMs: number | null;
  /** how old that first frame was when shown (ms) */
  ageMs: number | null;
  errors: string[];
}

const TECH_NAME: Record<LiveTech, string> = { llhls: 'LL-HLS', mse: 'MSE', webrtc: 'WebRTC' };

/** Per-frame stages (ms, p50 / p95) from the MSE frame headers: where the glass-to-glass time goes. */
interface Timeline {
  frames: number;
  captureToLookout: { p50: number | null; p95: number | null };
  lookoutToPage: { p50: number | null; p95: number | null };
  pageToAppended: { p50: number | null; p95: number | null };
  appendedToPresented: { p50: number | null; p95: number | null };
  /** appended → the compositor took the frame (rVFC presentationTime): the player's lag, decode, vsync. */
  appendedToComposited: { p50: number | null; p95: number | null };
  /** composited → the page's rVFC callback read it: the measurement's own delay. */
  compositedToPresented: { p50: number | null; p95: number | null };
}

interface TechResult {
  id: string;
  label: string;
  tuned: boolean;
  settings: Record<string, unknown>;
  tech: LiveTech;
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
    timeline: Timeline | null;
    /** GRID runs: tiles on the page and the other tiles' waiting events over the whole run. */
    grid: { tiles: number; othersWaiting: number[] } | null;
  };
  warm: FirstFrame[];
  cold: FirstFrame[];
  pageErrors: string[];
  /** Chromium's media log for the case's players (decoder, low-delay rendering). */
  chromium: MediaLogSummary;
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

function timelineOf(rows: number[][] | undefined): Timeline | null {
  if (!rows?.length) return null;
  const col = (i: number) => {
    const xs = rows.map((r) => r[i]!);
    return { p50: pct(xs, 50), p95: pct(xs, 95) };
  };
  return {
    frames: rows.length,
    captureToLookout: col(0),
    lookoutToPage: col(1),
    pageToAppended: col(2),
    appendedToPresented: col(3),
    appendedToComposited: col(4),
    compositedToPresented: col(5),
  };
}

/** Camera ids of a case: one warm key, ROUNDS idle keys. */
const caseCamera = (c: LiveCase, what: 'warm' | number) =>
  `${what === 'warm' ? 'warm' : 'cold'}-${c.id}${what === 'warm' ? '' : `-${what}`}`;

/** The other tiles of a GRID run (MSE cases only). */
const gridCameras = (c: LiveCase) =>
  c.tech === 'mse' ? Array.from({ length: GRID - 1 }, (_, i) => `grid-${c.id}-${i + 1}`) : [];

async function casePhase(c: LiveCase, app: Lookout, browser: Browser, html: string): Promise<TechResult> {
  const sup = app.supervisor;
  const tech = c.tech;
  const base = c.origin === 'tls' ? (app.tlsUrl ?? app.url) : app.url;
  const transport =
    c.origin === 'tls' && !app.tlsUrl ? `${c.transport} (no TLS listener: HTTP/1.1)` : c.transport;
  const pageErrors: string[] = [];
  const page = await openPage(browser, base, html, pageErrors);
  const mediaLog = await watchMediaLog(page);
  // The page's one WebSocket, opened before any measurement (as the panel has it by the time a tile starts).
  await page.evaluate(`window.bench.openSocket(${JSON.stringify(`${base.replace(/^http/, 'ws')}/api/ws`)})`);
  const PROFILE = LAT_PROFILE;

  const start = async (camera: string): Promise<number> =>
    (await page.evaluate(c.startJs(camera, PROFILE))) as number;
  const stop = (id: number) => page.evaluate(`window.bench.stop(${id})`);
  const firstFrame = (round: number, key: string, stateBefore: string, info: PlayerInfo): FirstFrame => ({
    round,
    key,
    stateBefore,
    ms: info.firstFrameAt !== null ? info.firstFrameAt - info.t0 : null,
    pictureMs: info.firstPictureAt !== null ? info.firstPictureAt - info.t0 : null,
    ageMs: info.firstFrameAgeMs,
    errors: info.errors,
  });

  // Each round ends a fixed time after a keyframe (the first frame is one), so a fixed pause would
  // start every round at the same point of the camera's GOP: the keyframe wait (0 to 1 GOP, the
  // camera's) would be the same in every round, and the p50 luck. The pause steps through the GOP.
  const roundGap = (r: number) => 300 + Math.round((((r + 1) % ROUNDS) / ROUNDS) * (GOP / FPS) * 1000);

  // Warm: the key already runs (our lease, live, a complete GOP in the hub) before the player starts.
  const warmCamera = caseCamera(c, 'warm');
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

  // GRID: the other tiles start first and keep playing through the warm window.
  const grid: number[] = [];
  for (const camera of gridCameras(c)) grid.push(await start(camera));
  if (grid.length) {
    for (const id of grid) await waitFirstFrame(page, id, 30_000);
    await sleep(SETTLE_S * 1000);
  }

  const warm: FirstFrame[] = [];
  let latency: TechResult['latency'] | null = null;
  for (let r = 0; r < ROUNDS; r++) {
    const stateBefore = sup.status(warmKey).state;
    const id = await start(warmCamera);
    const info = await waitFirstFrame(page, id, 20_000);
    warm.push(firstFrame(r + 1, keyId(warmKey), stateBefore, info));
    console.log(
      `  ${c.id}: warm first frame ${warm.at(-1)!.ms ?? 'none'} ms, first picture ${warm.at(-1)!.pictureMs ?? 'none'} ms`,
    );
    if (r === 0) {
      // Glass-to-glass on this first warm player: settle, then one window of every presented frame.
      await sleep(SETTLE_S * 1000);
      const before = await playerInfo(page, id);
      const since = Date.now();
      await sleep(SECONDS * 1000);
      const after = await playerInfo(page, id, since);
      const { samples, timeline, ...player } = after;
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
        timeline: timelineOf(timeline),
        grid: grid.length
          ? {
              tiles: grid.length + 1,
              othersWaiting: (await Promise.all(grid.map((g) => playerInfo(page, g)))).map((i) => i.waiting),
            }
          : null,
      };
      console.log(
        `  ${c.id}: latency p50 ${f(latency.p50)} s, p95 ${f(latency.p95)} s over ${latency.n} frames`,
      );
    }
    await stop(id);
    await sleep(roundGap(r));
    if (r === 0) for (const g of grid.splice(0)) await stop(g);
  }
  try {
    sup.releaseLease(warmLease);
  } catch {
    /* gone */
  }

  // Cold: a key nobody has asked for yet (idle, no FFmpeg), so the player's request starts it.
  const cold: FirstFrame[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const camera = caseCamera(c, r + 1);
    const key = streamKey(camera, PROFILE);
    const stateBefore = sup.status(key).state;
    const id = await start(camera);
    const info = await waitFirstFrame(page, id, 30_000);
    cold.push(firstFrame(r + 1, keyId(key), stateBefore, info));
    console.log(
      `  ${c.id}: cold first frame ${cold.at(-1)!.ms ?? 'none'} ms, first picture ${cold.at(-1)!.pictureMs ?? 'none'} ms (key was ${stateBefore})`,
    );
    await stop(id);
    await sleep(roundGap(r));
  }
  const chromium = mediaLog.summary();
  await page.context().close();
  return {
    chromium,
    id: c.id,
    label: grid.length || gridCameras(c).length ? `${c.label}, one of ${GRID} tiles (GRID)` : c.label,
    tuned: c.tuned,
    settings: c.settings,
    tech,
    base,
    transport,
    latency: latency!,
    warm,
    cold,
    pageErrors,
  };
}

// ------------------------------------------------------------------------------------------ main

async function main(): Promise<void> {
  const started = new Date();
  const load0 = loadavg();
  const maxStreams = Math.max(0, ...STREAMS);
  const names = [
    ...(PHASES.has('cpu') ? Array.from({ length: maxStreams }, (_, i) => `cpu${i + 1}`) : []),
    ...CASES.flatMap((c) => [
      caseCamera(c, 'warm'),
      ...Array.from({ length: ROUNDS }, (_, i) => caseCamera(c, i + 1)),
      ...gridCameras(c),
    ]),
    ...(HLS_ROWS ? [HLS_ROWS_CAMERA] : []),
  ];
  if (names.length === 0)
    throw new Error(`nothing to do: PHASES=${[...PHASES].join(',')} CASES=${env.CASES ?? ''}`);
  for (const c of CASES)
    if (c.gateway && !GATEWAY) throw new Error(`case ${c.id} needs GATEWAY=1 (WebRTC comes from MediaMTX)`);

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
    latencyVideo: {
      profile: LAT_PROFILE,
      width: LAT_WIDTH,
      height: LAT_HEIGHT,
      fps: FPS,
      gopFrames: GOP,
      bitrateKbps: LAT_BITRATE_KBPS,
    },
    camera: 'synthetic, encode shared (N cameras = one encode), no audio',
    lookout: { mode: 'copy', partTargetMs: PART_MS, cpuProfile: PROFILE, latencyProfile: LAT_PROFILE },
    windows: {
      latencyS: SECONDS,
      cpuS: SECONDS,
      settleS: SETTLE_S,
      cpuWarmupS: WARMUP_S,
      firstFrameRounds: ROUNDS,
    },
    streams: STREAMS,
    consumers: CONSUMERS,
    cases: CASES.map((c) => ({ id: c.id, label: c.label, tuned: c.tuned, settings: c.settings })),
    gateway: GATEWAY ? 'MediaMTX v1.20.1 pulls the cameras; FFmpeg reads its loopback RTSP' : 'none',
    machine: { loadavgAtStart: load0 },
  };
  console.log(
    `bench:live — latency: ${LAT_PROFILE} ${LAT_WIDTH}x${LAT_HEIGHT} @ ${FPS} fps, ${LAT_BITRATE_KBPS} kbit/s; ` +
      `CPU: ${PROFILE} ${WIDTH}x${HEIGHT} @ ${FPS} fps, ${BITRATE_KBPS} kbit/s; GOP ${GOP} frames (${f(GOP / FPS)} s); ` +
      `part target ${PART_MS} ms, copy mode; windows ${SECONDS} s after ${SETTLE_S} s settle; ${ROUNDS} first-frame rounds` +
      `${QUICK ? ' (QUICK)' : ''}; load average ${load0.map((x) => x.toFixed(2)).join(' ')}`,
  );

  const cam = await SyntheticCamera.start({
    names,
    encode: 'shared',
    main: { width: WIDTH, height: HEIGHT, fps: FPS, gop: GOP, bitrateKbps: BITRATE_KBPS },
    sub: { width: LAT_WIDTH, height: LAT_HEIGHT, fps: FPS, gop: GOP, bitrateKbps: LAT_BITRATE_KBPS },
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
  await meetCameras(app, names);
  if (GATEWAY) console.log(`  MediaMTX gateway in front of the cameras (pid ${app.gateway?.pid})`);
  console.log(`  lookout at ${app.url}${app.tlsUrl ? ` and ${app.tlsUrl} (h2)` : ' (no TLS listener)'}`);

  let cpu: CpuRow[] = [];
  if (PHASES.has('cpu') && STREAMS.length) cpu = await cpuPhase(app, cam);

  const techs: TechResult[] = [];
  let hlsVersion: string | null = null;
  let llhlsRows: HlsRow[] = [];
  if (CASES.length || HLS_ROWS) {
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
    for (const c of CASES) techs.push(await casePhase(c, app, browser, page.html));
    if (HLS_ROWS) {
      const rowsPage = await buildHlsRowsPage();
      llhlsRows = await hlsRows(app, browser, rowsPage.html, {
        seconds: SECONDS,
        settleS: SETTLE_S,
        // The sub stream, like every latency row (what grid tiles play; the issue's 640x360 camera).
        profile: LAT_PROFILE,
      });
    }
    await browser.close();
  }

  report({ started, settings, cpu, techs, hlsVersion, llhlsRows, load1: loadavg() });
}

/**
 * Every camera key started once and stopped again before anything is measured: Lookout has met the
 * cameras, as it has every user's camera after its first start. A copy key's very first start goes
 * to FFmpeg's mp4 muxer until its init segment shows what the camera sends; every later start uses
 * what fits (H.264: FLV and our fragmenter, one frame sooner), remembered in the data dir
 * (supervisor/container-memory.ts). Without this, a fresh data dir would measure that one first start.
 */
async function meetCameras(app: Lookout, names: string[]): Promise<void> {
  const sup = app.supervisor;
  const keys = names.flatMap((n) => [streamKey(n, 'main'), streamKey(n, 'sub')]);
  // A few at a time: dozens of FFmpeg starts at once would only measure the machine's start-up.
  for (let i = 0; i < keys.length; i += 8) {
    const batch = keys.slice(i, i + 8);
    const leases = batch.map(
      (k) => sup.acquireLease(k, { kind: 'viewer', holder: 'bench:live meet' }).lease.id,
    );
    await until('camera keys live once', () => batch.every((k) => sup.status(k).media.codecs), 60_000);
    for (const id of leases) sup.releaseLease(id);
  }
  await until('every camera key idle again', () => keys.every((k) => sup.status(k).state === 'idle'), 30_000);
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
  const sec = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${v.toFixed(3)} s`);
  const ffStats = (xs: FirstFrame[], which: 'ms' | 'pictureMs' = 'ms') =>
    stats(
      xs
        .map((x) => x[which])
        .filter((x): x is number => x !== null)
        .map((ms) => ms / 1000),
    );
  const latencyTarget = (t: TechResult): [string, number | null, number | null] =>
    t.tech === 'llhls'
      ? ['≤ 0.8 / 1.0 s', TARGETS.llhlsP50S, TARGETS.llhlsP95S]
      : t.tech === 'mse'
        ? ['≤ 0.20 s', TARGETS.mseP50S, null]
        : ['(none)', null, null];
  const both = (p50: number | null, p95: number | null, l50: number | null, l95: number | null) =>
    l50 === null
      ? ''
      : [verdict(p50, l50), l95 === null ? 'pass' : verdict(p95, l95)].includes('MISS')
        ? 'MISS'
        : 'pass';
  for (const t of r.techs) {
    const [target, l50, l95] = latencyTarget(t);
    const name = `${t.tuned ? '[tuned] ' : ''}${t.label}`;
    rows.push([
      `${name}: glass-to-glass p50 / p95`,
      `${sec(t.latency.p50)} / ${sec(t.latency.p95)}`,
      target,
      both(t.latency.p50, t.latency.p95, l50, l95),
      `${t.latency.n} frames, ${t.latency.waiting} waiting`,
    ]);
    const w = ffStats(t.warm);
    const c = ffStats(t.cold);
    if (t.tech === 'webrtc') {
      // The tile shows its MSE bridge first (webrtc-bridge.ts): the user's first picture.
      const pw = ffStats(t.warm, 'pictureMs');
      const pc = ffStats(t.cold, 'pictureMs');
      rows.push([
        `${name}: first picture in the tile warm / cold p50`,
        `${sec(pw.p50)} / ${sec(pc.p50)}`,
        '≤ 0.15 / 1.0 s',
        both(pw.p50, pc.p50, TARGETS.firstFrameWarmS, TARGETS.firstFrameColdS),
        `n=${pw.n}/${t.warm.length} and ${pc.n}/${t.cold.length}; cold max ${sec(pc.max)}`,
      ]);
    }
    rows.push([
      `${name}: first ${t.tech === 'webrtc' ? 'WebRTC frame' : 'frame'} warm / cold p50`,
      `${sec(w.p50)} / ${sec(c.p50)}`,
      t.tech === 'llhls' ? '(none)' : '≤ 0.15 / 1.0 s',
      t.tech === 'llhls' ? '' : both(w.p50, c.p50, TARGETS.firstFrameWarmS, TARGETS.firstFrameColdS),
      `n=${w.n}/${t.warm.length} and ${c.n}/${t.cold.length}; cold max ${sec(c.max)}`,
    ]);
  }
  for (const h of r.llhlsRows) {
    rows.push([
      `${h.label} p50 / p95`,
      `${sec(h.latency.p50)} / ${sec(h.latency.p95)}`,
      '≤ 0.8 / 1.0 s',
      both(h.latency.p50, h.latency.p95, TARGETS.llhlsP50S, TARGETS.llhlsP95S),
      `${h.latency.n} frames, ${h.stalls} stalls`,
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

  const load = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(' ');
  const loadStart = (r.settings.machine as { loadavgAtStart: number[] }).loadavgAtStart;
  console.log(
    `\nresults, measured under load average ${load(loadStart)} (start) → ${load(r.load1)} (end); ` +
      'provisional unless the machine was quiet',
  );
  const head: [string, string, string, string, string] = ['metric', 'value', 'target', 'result', 'detail'];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...[head, ...rows].map((row) => row[i]!.length)) + 2);
  const line = (row: string[]) => row.map((cell, i) => (i < 4 ? cell.padEnd(widths[i]!) : cell)).join('');
  console.log(line(head));
  for (const row of rows) console.log(line(row));

  for (const t of r.techs) {
    const l = t.latency;
    const badge = l.player.badge;
    console.log(
      `\n${t.tuned ? '[tuned] ' : ''}${t.label} (${TECH_NAME[t.tech]} over ${t.transport}): ${l.n} decoded of ${l.frames} presented frames in ${l.windowS} s ` +
        `(${l.undecoded} undecoded, ${l.waiting} waiting events, ${l.jumps} jumps, ${l.rateChanges} rate changes); ` +
        `latency min ${sec(l.min)} mean ${sec(l.mean)} max ${sec(l.max)}` +
        (l.player.hlsLatencyS !== undefined
          ? `; hls.js latency ${sec(l.player.hlsLatencyS)} target ${sec(l.player.hlsTargetLatencyS)}`
          : '') +
        (l.player.bufferLagS !== undefined ? `; buffer lag ${sec(l.player.bufferLagS)}` : '') +
        (badge ? `; the tile's badge said ${sec(badge.seconds)} ${badge.short}` : '') +
        (l.grid
          ? `; in a ${l.grid.tiles}-tile grid (GRID), the other tiles' waiting events since they started: ${l.grid.othersWaiting.join(' ')}`
          : '') +
        (l.errors.length ? `; player errors: ${l.errors.join(', ')}` : '') +
        (t.pageErrors.length ? `; page errors: ${t.pageErrors.slice(0, 5).join(' | ')}` : ''),
    );
    const tl = l.timeline;
    if (tl) {
      const ms = (x: { p50: number | null; p95: number | null }) => `${f(x.p50, 0)} / ${f(x.p95, 0)}`;
      console.log(
        `  frame timeline, ms p50 / p95 over ${tl.frames} frames: capture → Lookout received ${ms(tl.captureToLookout)}` +
          ` (camera encode, RTSP, FFmpeg incl. its fragment cut), → page ${ms(tl.lookoutToPage)} (hub, socket),` +
          ` → appended ${ms(tl.pageToAppended)}, → presented ${ms(tl.appendedToPresented)} (player lag, render)` +
          ` = → composited ${ms(tl.appendedToComposited)} (player lag, decode, vsync; rVFC presentationTime)` +
          ` + → rVFC callback ${ms(tl.compositedToPresented)} (the measurement)`,
      );
    }
    const cr = t.chromium;
    console.log(
      `  Chromium media log: ${cr.lowDelay} of ${cr.players} players in low-delay video rendering; decoders ${cr.decoders.join(', ') || '?'}; underflows ${JSON.stringify(cr.underflows)}`,
    );
    const ff = (xs: FirstFrame[]) =>
      xs.map((x) => `${x.ms ?? 'none'}${x.ageMs !== null ? ` (age ${x.ageMs})` : ''}`).join(', ');
    console.log(`  first frame ms warm: ${ff(t.warm)}`);
    console.log(
      `  first frame ms cold: ${ff(t.cold)}  (key state before: ${t.cold.map((x) => x.stateBefore).join(',')})`,
    );
  }

  printHlsRows(r.llhlsRows, r.hlsVersion ?? '—');

  const md = readmeTable(r.techs, loadStart, r.load1, r.settings);
  console.log(`\nREADME table (bench-results/live.md):\n\n${md}`);

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

  console.log(
    `\nsettings: hls.js ${r.hlsVersion ?? '—'}; ` +
      r.techs.map((t) => `${t.id} ${JSON.stringify(t.settings)}`).join('; ') +
      '; Chromium headless (software decode), frames decoded at ≤ 640 px wide',
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
  writeFileSync('bench-results/live.md', md + '\n');
  console.log('\nwrote bench-results/live.json and bench-results/live.md');
}

/**
 * The README's "Measured" live table: the product's defaults first, tuned rows after a separator
 * row, each with the settings and the load it was measured under.
 */
function readmeTable(
  techs: TechResult[],
  load0: number[],
  load1: number[],
  settings: Record<string, unknown>,
): string {
  const sec = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${v.toFixed(2)} s`);
  const ff = (xs: FirstFrame[], which: 'ms' | 'pictureMs' = 'ms') =>
    stats(
      xs
        .map((x) => x[which])
        .filter((x): x is number => x !== null)
        .map((ms) => ms / 1000),
    ).p50;
  const v = settings.latencyVideo as { width: number; height: number; fps: number; gopFrames: number };
  const head = ['path (Chromium, 1 tile)', 'glass-to-glass p50 / p95', 'first frame warm / cold p50'];
  const row = (t: TechResult) => [
    `${t.tuned ? '_tuned:_ ' : ''}${t.label}`,
    `${sec(t.latency.p50)} / ${sec(t.latency.p95)}`,
    // WebRTC: the tile's first picture (its MSE bridge), then WebRTC's own first frame.
    t.tech === 'webrtc'
      ? `picture ${sec(ff(t.warm, 'pictureMs'))} / ${sec(ff(t.cold, 'pictureMs'))}; WebRTC frame ${sec(ff(t.warm))} / ${sec(ff(t.cold))}`
      : `${sec(ff(t.warm))} / ${sec(ff(t.cold))}`,
  ];
  const defaults = techs.filter((t) => !t.tuned).map(row);
  const tuned = techs.filter((t) => t.tuned).map(row);
  const body = [
    ...defaults,
    ...(tuned.length ? [['**tuned variants (no user runs these)**', '', ''], ...tuned] : []),
  ];
  const w = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => `| ${r.map((c, i) => c.padEnd(w[i]!)).join(' | ')} |`;
  return [
    `bench:live, ${v.width}x${v.height} ${v.fps} fps, ${(v.gopFrames / v.fps).toFixed(0)} s GOP, copy; ` +
      `load average ${load0.map((x) => x.toFixed(1)).join(' ')} → ${load1.map((x) => x.toFixed(1)).join(' ')}` +
      ` (shared machine):`,
    '',
    fmt(head),
    fmt(w.map((n) => '-'.repeat(n))),
    ...body.map(fmt),
  ].join('\n');
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
