/**
 * npm run bench:peers — Lookout side by side with the servers a user would pick instead, in one run on
 * one synthetic camera (640x360, 15 fps, 1 s GOP, burned-in capture time): MediaMTX's LL-HLS (the real
 * MediaMTX binary, its defaults but for the listen addresses) against ours, and go2rtc's MSE and WebRTC
 * against ours (go2rtc from scripts/build-go2rtc.sh; without it its rows print "go2rtc: not built").
 * Prints per case glass-to-glass p50/p95, first frame (warm: the server already receives the camera;
 * cold: the first viewer of an idle server) and CPU per stream (the server's processes while that one
 * viewer plays), and the ratios ours / peer. Not a test: it asserts nothing.
 *
 * Players, each the one its server ships, metered alike (page.js: every presented frame's burned-in
 * capture time decoded in Chromium):
 *   ours MSE       the panel's MSE client (panel/src/players/mse-client.js), its defaults, /api/ws
 *   ours LL-HLS    stock hls.js, { lowLatencyMode: true } and nothing else, HTTP/1.1
 *   ours WebRTC    WHEP through Lookout to its MediaMTX gateway (the panel's WebRTC player path)
 *   MediaMTX LL-HLS  the same stock hls.js against MediaMTX's own /cam/index.m3u8, HTTP/1.1
 *   go2rtc MSE/WebRTC  go2rtc's own <video-stream> element (video-rtc.js) loaded from go2rtc itself,
 *                  mode 'mse' or 'webrtc', on a page of go2rtc's origin (peer-page.js)
 *
 * Env: SECONDS [20] latency/CPU window  SETTLE [5]  ROUNDS [5] warm first-frame rounds  COLD [3] cold
 *      rounds  GO2RTC [~/.cache/lookout/go2rtc/v1.9.9/go2rtc]  CASES [all] comma list of case ids
 *      GATEWAY [1] 0: Lookout without its MediaMTX gateway (no WebRTC row of ours)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { SyntheticCamera } from '../../../addon/src/demo/synthetic-camera.js';
import { launchChromium } from '../../../test/helpers/browser.js';
import { mediamtxBinary } from '../../../test/helpers/gateway.js';
import { procCpuSeconds } from './cpu.js';
import { buildBenchPage } from './page.js';
import { freePort, jsonChild, startServer, type JsonChild, type PeerProcess } from './peer-process.js';

const env = process.env;
const num = (v: string | undefined, d: number) => (v && Number.isFinite(Number(v)) ? Number(v) : d);
const SECONDS = num(env.SECONDS, 20);
const SETTLE_S = num(env.SETTLE, 5);
const ROUNDS = num(env.ROUNDS, 5);
const COLD = num(env.COLD, 3);
const GO2RTC_VERSION = 'v1.9.9';
const GO2RTC =
  env.GO2RTC ??
  join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'lookout', 'go2rtc', GO2RTC_VERSION, 'go2rtc');
const WIDTH = 640;
const HEIGHT = 360;
const FPS = 15;
const STOCK_HLS = { lowLatencyMode: true };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const f = (v: number | null | undefined, d = 3) =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(d);
function pct(xs: number[], p: number): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? null;
}

const cleanups: Array<() => Promise<unknown>> = [];
async function cleanup() {
  while (cleanups.length) await cleanups.pop()!().catch((e: Error) => console.error(`cleanup: ${e.message}`));
}
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.on(sig, () => void cleanup().finally(() => process.exit(130)));

interface Case {
  id: string;
  label: string;
  /** Which server and page. */
  server: 'ours' | 'mediamtx' | 'go2rtc';
  tech: 'mse' | 'llhls' | 'webrtc';
  start: string; // page expression returning a player id (or a promise of one)
  pids: () => Promise<number[]>;
  /** The server has stopped pulling the camera (for cold rounds); null = it never does by default. */
  idle: (() => Promise<boolean>) | null;
}

interface Result {
  id: string;
  label: string;
  available: boolean;
  note?: string;
  p50S: number | null;
  p95S: number | null;
  samples: number;
  warmS: number | null;
  coldS: number | null;
  cpuPct: number | null;
  errors: string[];
}

async function openOn(browser: Browser, origin: string, html: string): Promise<Page> {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 1280, height: 720 },
  });
  cleanups.push(() => context.close());
  const page = await context.newPage();
  // A real document of that origin first, then our content written into it (see page.ts / live.ts).
  await page.goto(origin);
  await page.setContent(html);
  await page.waitForFunction('window.bench && window.bench.ready === true', undefined, { timeout: 10_000 });
  return page;
}

type Info = { firstFrameAt: number | null; t0: number; samples: number[]; errors: string[] };
const info = (page: Page, id: number, since?: number) =>
  page.evaluate(`window.bench.info(${id}, ${since === undefined ? 'undefined' : since})`) as Promise<Info>;

async function firstFrame(
  page: Page,
  c: Case,
  timeoutMs = 15_000,
): Promise<{ s: number | null; errors: string[] }> {
  const id = (await page.evaluate(c.start)) as number;
  const t0 = Date.now();
  let i: Info;
  for (;;) {
    i = await info(page, id);
    if (i.firstFrameAt !== null || Date.now() - t0 > timeoutMs) break;
    await sleep(20);
  }
  await page.evaluate(`window.bench.stop(${id})`);
  return { s: i.firstFrameAt === null ? null : (i.firstFrameAt - i.t0) / 1000, errors: i.errors };
}

async function runCase(page: Page, c: Case): Promise<Result> {
  const errors: string[] = [];
  // Cold: the first viewer of a server that is not pulling the camera (where its defaults stop pulling).
  const cold: number[] = [];
  if (c.idle) {
    for (let r = 0; r < COLD; r++) {
      const t0 = Date.now();
      while (!(await c.idle()) && Date.now() - t0 < 30_000) await sleep(200);
      const ff = await firstFrame(page, c);
      if (ff.s !== null) cold.push(ff.s);
      errors.push(...ff.errors);
    }
  }
  // Latency and CPU: one viewer playing for the window.
  const id = (await page.evaluate(c.start)) as number;
  await sleep(SETTLE_S * 1000);
  const pids = await c.pids();
  const cpu0 = pids.map((p) => procCpuSeconds(p));
  const since = Date.now();
  await sleep(SECONDS * 1000);
  const cpu1 = pids.map((p) => procCpuSeconds(p));
  const wall = (Date.now() - since) / 1000;
  const i = await info(page, id, since);
  errors.push(...i.errors);
  let cpu: number | null = 0;
  for (let k = 0; k < pids.length; k++) {
    const a = cpu0[k];
    const b = cpu1[k];
    if (a === null || a === undefined || b === null || b === undefined) cpu = null;
    else if (cpu !== null) cpu += b - a;
  }
  // Warm: new viewers while that one keeps the server pulling the camera.
  const warm: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const ff = await firstFrame(page, c);
    if (ff.s !== null) warm.push(ff.s);
  }
  await page.evaluate(`window.bench.stop(${id})`);
  const lat = i.samples.map((ms) => ms / 1000);
  return {
    id: c.id,
    label: c.label,
    available: true,
    p50S: pct(lat, 50),
    p95S: pct(lat, 95),
    samples: lat.length,
    warmS: pct(warm, 50),
    coldS: c.idle ? pct(cold, 50) : null,
    cpuPct: cpu === null ? null : (cpu / wall) * 100,
    errors: [...new Set(errors)].slice(0, 5),
  };
}

async function httpOk(url: string): Promise<boolean> {
  try {
    const r = await fetch(url);
    await r.arrayBuffer();
    return r.status < 500;
  } catch {
    return false;
  }
}

async function main() {
  const started = new Date();
  const load0 = loadavg();
  console.log(
    `bench:peers — ${WIDTH}x${HEIGHT} @ ${FPS} fps, 1 s GOP, one synthetic camera; windows ${SECONDS} s after ${SETTLE_S} s; ` +
      `${ROUNDS} warm / ${COLD} cold first-frame rounds; load average ${load0.map((x) => x.toFixed(2)).join(' ')}`,
  );
  const cam = await SyntheticCamera.start({
    names: ['cam1'],
    main: { width: WIDTH, height: HEIGHT, fps: FPS, gop: FPS, bitrateKbps: 1000 },
    sub: { width: 320, height: 180, fps: FPS, gop: FPS, bitrateKbps: 200 },
    label: 'bench:peers',
  });
  cleanups.push(() => cam.close());
  const camUrl = cam.url('cam1', 'main');

  // ---- ours: Lookout in its own process (scale-lookout.ts), with the MediaMTX gateway for WebRTC
  const dataDir = join(tmpdir(), 'lookout-bench-peers');
  mkdirSync(dataDir, { recursive: true });
  const cfgPath = join(dataDir, 'peers.json');
  writeFileSync(
    cfgPath,
    JSON.stringify({
      server: { host: '127.0.0.1', port: 0, data_dir: dataDir },
      defaults: { audio: 'drop', stream: { idle_timeout: '1s' } },
      cameras: [{ id: 'cam1', vendor: 'generic', profiles: { main: { url: camUrl } } }],
    }),
  );
  const script = fileURLToPath(new URL('./scale-lookout.ts', import.meta.url));
  // With the MediaMTX gateway (as `lookout serve` and the add-on run it) unless GATEWAY=0: WebRTC needs it.
  const withGateway = env.GATEWAY !== '0';
  const lk: JsonChild = jsonChild(process.execPath, ['--import', 'tsx', script, cfgPath], 'lookout', {
    PATH: env.PATH,
    HOME: env.HOME,
    LANG: 'C',
    ...(withGateway ? { BENCH_GATEWAY: '1' } : {}),
  });
  cleanups.push(() => lk.stop());
  const ready = await lk.next('ready', 60_000);
  const lookoutUrl = String(ready.url);
  const gatewayPid = ready.gatewayPid as number | null;
  const ourPids = async () => {
    lk.send({ cmd: 'status' });
    const st = await lk.next('status');
    return [lk.pid, ...(st.pids as number[]), ...(gatewayPid ? [gatewayPid] : [])];
  };
  // Idle = every key back in `idle` with no FFmpeg left, twice 0.5 s apart. "No key live" was not
  // enough: a key still `starting` or `stopping` (or re-leased by a player that had not let go yet)
  // passed it, and the "cold" first frame then came from a running FFmpeg (0.33 s, too fast).
  const idleOnce = async () => {
    lk.send({ cmd: 'status' });
    const st = await lk.next('status');
    const states = st.states as Record<string, number>;
    const keys = Object.values(states).reduce((a, n) => a + n, 0);
    return (states.idle ?? 0) === keys && (st.pids as number[]).length === 0;
  };
  const ourIdle = async () => (await idleOnce()) && (await sleep(500), await idleOnce());

  // ---- MediaMTX, its defaults (LL-HLS variant, 1 s segments, 200 ms parts, source always pulled)
  const hlsPort = await freePort();
  const mtx: PeerProcess = await startServer({
    binary: mediamtxBinary(),
    label: 'mediamtx-peer',
    configName: 'mediamtx.yml',
    args: ['{config}'],
    config: [
      'logLevel: warn',
      'api: false',
      'rtsp: false',
      'rtmp: false',
      'webrtc: false',
      'srt: false',
      // MoQ (on by default in v1.20) binds every interface and writes auto.key/auto.crt into the cwd.
      'moq: false',
      'hls: true',
      `hlsAddress: 127.0.0.1:${hlsPort}`,
      'paths:',
      '  cam:',
      `    source: ${camUrl}`,
      '',
    ].join('\n'),
    ready: () => httpOk(`http://127.0.0.1:${hlsPort}/`),
  });
  cleanups.push(() => mtx.stop());

  // ---- go2rtc, when built
  let g2r: PeerProcess | null = null;
  let g2rPort = 0;
  if (existsSync(GO2RTC)) {
    g2rPort = await freePort();
    const rtcPort = await freePort();
    g2r = await startServer({
      binary: GO2RTC,
      label: 'go2rtc',
      configName: 'go2rtc.yaml',
      args: ['-config', '{config}'],
      config: [
        'log:',
        '  level: warn',
        'api:',
        `  listen: "127.0.0.1:${g2rPort}"`,
        'rtsp:',
        '  listen: ""',
        'rtmp:',
        '  listen: ""',
        'srtp:',
        '  listen: ""',
        'webrtc:',
        `  listen: "127.0.0.1:${rtcPort}"`,
        `  candidates: ["127.0.0.1:${rtcPort}"]`,
        'streams:',
        `  cam: ${camUrl}`,
        '',
      ].join('\n'),
      ready: () => httpOk(`http://127.0.0.1:${g2rPort}/api`),
    });
    cleanups.push(() => g2r!.stop());
  }
  console.log(
    `  lookout ${lookoutUrl} (pid ${lk.pid}${gatewayPid ? `, gateway ${gatewayPid}` : ', no gateway (GATEWAY=0)'}); ` +
      `MediaMTX pid ${mtx.pid} HLS :${hlsPort}; go2rtc ${g2r ? `pid ${g2r.pid} :${g2rPort}` : 'not built (bash scripts/build-go2rtc.sh)'}`,
  );

  const bench = await buildBenchPage();
  const peerJs = readFileSync(fileURLToPath(new URL('./peer-page.js', import.meta.url)), 'utf8');
  const html = bench.html.replace('</body>', `<script>${peerJs}</script></body>`);
  const browser = await launchChromium({
    extraArgs: [
      '--ignore-certificate-errors',
      '--allow-loopback-in-peer-connection',
      '--disable-features=WebRtcHideLocalIpsWithMdns',
    ],
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  cleanups.push(() => browser.close());
  const ours = await openOn(browser, `${lookoutUrl}/api/health`, html);
  await ours.evaluate(
    `window.bench.openSocket(${JSON.stringify(`${lookoutUrl.replace(/^http/, 'ws')}/api/ws`)})`,
  );
  const peerPage = g2r ? await openOn(browser, `http://127.0.0.1:${g2rPort}/links.html`, html) : null;
  const mtxPid = async () => [mtx.pid];
  const g2rPids = async () => (g2r ? [g2r.pid] : []);
  const g2rIdle = async () => {
    const r = (await (await fetch(`http://127.0.0.1:${g2rPort}/api/streams`)).json()) as Record<
      string,
      { producers?: Array<{ state?: string }> }
    >;
    return !(r.cam?.producers ?? []).some((p) => p.state && p.state !== 'stopped' && p.state !== 'close');
  };
  const go2rtcWs = `ws://127.0.0.1:${g2rPort}/api/ws?src=cam`;
  const cases: Array<Case & { page: Page | null }> = [
    {
      id: 'ours-mse',
      label: 'ours MSE (panel player)',
      server: 'ours',
      tech: 'mse',
      page: ours,
      start: `window.bench.playMse("cam1/main", {})`,
      pids: ourPids,
      idle: ourIdle,
    },
    {
      id: 'go2rtc-mse',
      label: `go2rtc ${GO2RTC_VERSION} MSE (its video-stream.js)`,
      server: 'go2rtc',
      tech: 'mse',
      page: peerPage,
      start: `window.bench.playGo2rtc(${JSON.stringify(go2rtcWs)}, "mse")`,
      pids: g2rPids,
      idle: g2rIdle,
    },
    {
      id: 'ours-llhls',
      label: 'ours LL-HLS (stock hls.js)',
      server: 'ours',
      tech: 'llhls',
      page: ours,
      start: `window.bench.playHls("/hls/cam1/main/index.m3u8", ${JSON.stringify(STOCK_HLS)}, 0)`,
      pids: ourPids,
      idle: ourIdle,
    },
    {
      id: 'mediamtx-llhls',
      label: 'MediaMTX v1.20.1 LL-HLS (stock hls.js)',
      server: 'mediamtx',
      tech: 'llhls',
      page: ours,
      start: `window.bench.playHls(${JSON.stringify(`http://127.0.0.1:${hlsPort}/cam/index.m3u8`)}, ${JSON.stringify(STOCK_HLS)}, 0)`,
      pids: mtxPid,
      idle: null,
    },
    ...(gatewayPid
      ? [
          {
            id: 'ours-webrtc',
            label: 'ours WebRTC (WHEP via the gateway)',
            server: 'ours' as const,
            tech: 'webrtc' as const,
            page: ours,
            start: `window.bench.playWebrtc("/api/webrtc/cam1/main/whep")`,
            pids: ourPids,
            idle: ourIdle,
          },
        ]
      : []),
    {
      id: 'go2rtc-webrtc',
      label: `go2rtc ${GO2RTC_VERSION} WebRTC (its video-stream.js)`,
      server: 'go2rtc',
      tech: 'webrtc',
      page: peerPage,
      start: `window.bench.playGo2rtc(${JSON.stringify(go2rtcWs)}, "webrtc")`,
      pids: g2rPids,
      idle: g2rIdle,
    },
  ];
  const only = env.CASES ? new Set(env.CASES.split(',')) : null;
  const results: Result[] = [];
  for (const c of cases) {
    if (only && !only.has(c.id)) continue;
    if (!c.page) {
      results.push({
        id: c.id,
        label: c.label,
        available: false,
        note: 'go2rtc: not built',
        p50S: null,
        p95S: null,
        samples: 0,
        warmS: null,
        coldS: null,
        cpuPct: null,
        errors: [],
      });
      continue;
    }
    console.log(`  ${c.label} …`);
    const r = await runCase(c.page, c).catch(
      (err: Error) =>
        ({
          id: c.id,
          label: c.label,
          available: false,
          note: err.message.split('\n')[0],
          p50S: null,
          p95S: null,
          samples: 0,
          warmS: null,
          coldS: null,
          cpuPct: null,
          errors: [],
        }) as Result,
    );
    results.push(r);
    console.log(
      `    p50 ${f(r.p50S)} s, p95 ${f(r.p95S)} s (${r.samples} frames), first frame warm ${f(r.warmS)} s cold ${f(r.coldS)} s, CPU ${f(r.cpuPct, 2)} %${r.errors.length ? `; errors: ${r.errors.join(' | ')}` : ''}${r.note ? `; ${r.note}` : ''}`,
    );
  }
  await cleanup();
  report(started, results, gatewayPid !== null);
}

function report(started: Date, results: Result[], gateway: boolean) {
  const by = new Map(results.map((r) => [r.id, r]));
  console.log(
    `\nresults (provisional: shared machine; load average at end ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')})`,
  );
  const hdr = ['case', 'g2g p50', 'g2g p95', 'frames', 'first warm', 'first cold', 'CPU %/stream', 'note'];
  const cells = results.map((r) => [
    r.label,
    f(r.p50S),
    f(r.p95S),
    String(r.samples),
    f(r.warmS),
    f(r.coldS),
    f(r.cpuPct, 2),
    r.note ?? (r.errors.join(' | ').slice(0, 80) || ''),
  ]);
  const w = hdr.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)) + 2);
  console.log(hdr.map((h, i) => h.padEnd(w[i]!)).join(''));
  for (const c of cells) console.log(c.map((x, i) => x.padEnd(w[i]!)).join(''));

  const ratio = (a: number | null | undefined, b: number | null | undefined) => (a && b ? a / b : null);
  const pairs: Array<[string, string, string]> = [
    ['LL-HLS', 'ours-llhls', 'mediamtx-llhls'],
    ['MSE', 'ours-mse', 'go2rtc-mse'],
    ['WebRTC', 'ours-webrtc', 'go2rtc-webrtc'],
  ];
  console.log('\nratios ours / peer (< 1: ours ahead)');
  const rows: Array<Record<string, unknown>> = [];
  for (const [tech, a, b] of pairs) {
    const x = by.get(a);
    const y = by.get(b);
    if (!y?.available || !x?.available) {
      console.log(
        `  ${tech}: ${!y?.available ? (y?.note ?? 'peer not run') : a === 'ours-webrtc' && !gateway ? 'ours needs the gateway (GATEWAY=0 was set)' : (x?.note ?? 'ours not run')}`,
      );
      rows.push({ tech, ours: a, peer: b, available: false, note: y?.note ?? x?.note ?? null });
      continue;
    }
    const row = {
      tech,
      ours: a,
      peer: b,
      available: true,
      g2gP50: ratio(x.p50S, y.p50S),
      firstFrameWarm: ratio(x.warmS, y.warmS),
      firstFrameCold: ratio(x.coldS, y.coldS),
      cpuPerStream: ratio(x.cpuPct, y.cpuPct),
    };
    rows.push(row);
    console.log(
      `  ${tech} (${x.label} / ${y.label}): glass-to-glass p50 ${f(row.g2gP50, 2)}, first frame warm ${f(row.firstFrameWarm, 2)}, ` +
        `cold ${f(row.firstFrameCold, 2)}, CPU per stream ${f(row.cpuPerStream, 2)}`,
    );
  }
  console.log(
    "  CPU per stream = the server's processes while one viewer plays (ours: Lookout + its FFmpeg [+ the gateway MediaMTX for\n" +
      '  WebRTC]; MediaMTX: its process; go2rtc: its process), % of one core, camera not counted. Cold = first viewer of a\n' +
      "  server not pulling the camera; MediaMTX's defaults pull it always (sourceOnDemand: no), so it has no cold row.",
  );
  mkdirSync('bench-results', { recursive: true });
  writeFileSync(
    'bench-results/peers.json',
    JSON.stringify(
      {
        at: started.toISOString(),
        finishedAt: new Date().toISOString(),
        provisional: true,
        loadavgAtEnd: loadavg(),
        settings: {
          WIDTH,
          HEIGHT,
          FPS,
          SECONDS,
          SETTLE_S,
          ROUNDS,
          COLD,
          go2rtc: GO2RTC_VERSION,
          hls: STOCK_HLS,
        },
        results,
        ratios: rows,
      },
      null,
      2,
    ),
  );
  console.log('wrote bench-results/peers.json');
}

try {
  await main();
} catch (err) {
  console.error(`bench:peers failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
  await cleanup();
}
