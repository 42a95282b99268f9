/**
 * hls.js in real Chromium against the LL-HLS origin: one tile plays for 10 s without a fatal error,
 * keeps playing after its FFmpeg is killed (player-side recovery only, no page reload), and a grid
 * of 9 tiles over HTTP/2 + TLS plays without stalls once every tile shows a frame (judged against
 * what the origin itself received and how starved the machine was; see the test; h2 asserted). The page is served by Playwright's request interception on the
 * origin's own host, so hls.js requests stay same-origin.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import { streamKey } from '../../addon/src/contracts/stream-key.js';
import type { Fragment } from '../../addon/src/hub/index.js';
import { startLookout, type Lookout } from '../../addon/src/main.js';
import { rawConfigFor, resolveOrThrow, testLogger } from '../helpers/setup.js';

const require = createRequire(import.meta.url);
const HLS_JS = readFileSync(require.resolve('hls.js/dist/hls.min.js'), 'utf8');
const TILES = ['t1', 't2', 't3', 't4', 't5', 't6', 't7', 't8', 't9'];

/**
 * The player under test: hls.js in low-latency mode with escalating recovery (FIELD-NOTES #20-21):
 * recoverMediaError / startLoad first, then destroy and re-create with capped backoff. The page
 * judges only its own playback.
 */
const PLAYER = `
window.tiles = [];
// The browser keeps 250 resource entries by default; the trace and the h2 check read every request.
performance.setResourceTimingBufferSize(100000);
const file = (u) => u.split('/').pop();
function tile(src) {
  const video = document.createElement('video');
  video.muted = true; video.autoplay = true; video.playsInline = true; video.width = 320;
  document.body.appendChild(video);
  const policy = (ttfb) => ({ default: { maxTimeToFirstByteMs: ttfb, maxLoadTimeMs: 20000,
    timeoutRetry: { maxNumRetry: 6, retryDelayMs: 0, maxRetryDelayMs: 0 },
    errorRetry: { maxNumRetry: 8, retryDelayMs: 500, maxRetryDelayMs: 4000 } } });
  const st = { video, src, fatal: 0, recreated: 0, errors: [], hls: null,
    waiting: 0, stalled: 0, lastT: 0, lastMoveAt: 0, maxFrozenMs: 0, freezes: 0, frozenMs: 0, loads: new Map(), reloaded: [], maxLoads: 0, trace: [] };
  // A short history of what this player did, printed when the tile fails (ms since page start).
  const buffered = () => { const b = video.buffered; return b.length ? b.end(b.length - 1).toFixed(2) : '-'; };
  const trace = (what) => {
    st.trace.push(Math.round(performance.now()) + ' ' + what + ' @' + video.currentTime.toFixed(2) + '/' + buffered());
    if (st.trace.length > 4000) st.trace.splice(0, 1000);
  };
  st.note = trace;
  video.addEventListener('waiting', () => { trace('waiting'); if (window.watching) st.waiting++; });
  video.addEventListener('playing', () => trace('playing'));
  let attempts = 0;
  const create = () => {
    // maxLiveSyncPlaybackRate: after a stall, catch up to the target latency instead of staying behind.
    const hls = new Hls({ lowLatencyMode: true, backBufferLength: 5, maxLiveSyncPlaybackRate: 1.5,
      manifestLoadPolicy: policy(Infinity), playlistLoadPolicy: policy(Infinity), fragLoadPolicy: policy(10000) });
    st.hls = hls;
    hls.on(Hls.Events.FRAG_BUFFERED, (_e, d) => { attempts = 0; trace('buffered ' + file((d.part || d.frag).url)); });
    hls.on(Hls.Events.LEVEL_LOADING, (_e, d) => trace('reload ' + file(d.url)));
    hls.on(Hls.Events.LEVEL_LOADED, (_e, d) => trace('playlist to ' + d.details.lastPartSn + '.' + d.details.lastPartIndex + ' in ' + Math.round(d.stats.loading.end - d.stats.loading.start) + ' ms'));
    hls.on(Hls.Events.FRAG_LOADED, (_e, d) => {
      const f = d.part || d.frag;
      trace('loaded ' + file(f.url) + ' in ' + Math.round(f.stats.loading.end - f.stats.loading.start) + ' ms');
    });
    // The start-up loop of earlier versions: hls.js took the first segment for not fully buffered
    // (its EXTINF was rounded up past the media) and fetched its parts again and again until the
    // next segment was listed. One re-fetch of the first part happens when hls.js seeks to its start
    // position while that part loads; a loop is the same URI three times or more.
    hls.on(Hls.Events.FRAG_LOADING, (_e, d) => {
      const url = file((d.part || d.frag).url);
      trace('loading ' + url);
      const n = (st.loads.get(url) || 0) + 1;
      st.loads.set(url, n);
      if (n === 2) st.reloaded.push(url);
      st.maxLoads = Math.max(st.maxLoads, n);
    });
    hls.on(Hls.Events.ERROR, (_e, d) => {
      if (window.watching && d.details === Hls.ErrorDetails.BUFFER_STALLED_ERROR) st.stalled++;
      trace('error ' + d.details);
      st.errors.push(d.details + (d.fatal ? ' (fatal)' : '') + (d.error && d.error.message ? ': ' + d.error.message.slice(0, 100) : ''));
      if (!d.fatal) return;
      st.fatal++; attempts++;
      if (attempts <= 2 && d.type === Hls.ErrorTypes.MEDIA_ERROR) return hls.recoverMediaError();
      if (attempts <= 2 && d.type === Hls.ErrorTypes.NETWORK_ERROR) return void setTimeout(() => hls.startLoad(), 500);
      hls.destroy(); st.recreated++;
      setTimeout(create, Math.min(8000, 250 * 2 ** attempts));
    });
    hls.loadSource(src);
    hls.attachMedia(video);
    video.play().catch(() => {});
  };
  create();
  window.tiles.push(st);
}
// Stall watch: from watch() on, every 50 ms, per tile: the longest time its currentTime did not move,
// the number of freezes (clock still over FREEZE_MS) and their total. timerLagMs is how late this
// page's own 50 ms timer fired at worst: the renderer was starved of CPU for about that long.
const FREEZE_MS = 400;
const epoch = (t) => Math.round(performance.timeOrigin + t);
window.watching = false;
window.timerLagMs = 0;
/** [epoch ms the late timer fired, ms late]: spans the renderer went without CPU (over 150 ms). */
window.lags = [];
window.watch = () => {
  const now = performance.now();
  for (const t of window.tiles) {
    t.waiting = 0; t.stalled = 0; t.maxFrozenMs = 0; t.freezes = 0; t.frozenMs = 0; t.freezeList = [];
    t.lastT = t.video.currentTime; t.lastMoveAt = now;
  }
  window.watching = true;
  let prev = now;
  const close = (t, n) => { const f = n - t.lastMoveAt; if (f > FREEZE_MS) { t.freezes++; t.frozenMs += f; t.freezeList.push([epoch(t.lastMoveAt), epoch(n)]); t.note('froze ' + Math.round(f) + ' ms from ' + Math.round(t.lastMoveAt)); t.frozeAt = t.frozeAt || [t.lastMoveAt, n]; } };
  window.endWatch = () => { const n = performance.now(); for (const t of window.tiles) { close(t, n); t.lastMoveAt = n; } };
  setInterval(() => {
    const n = performance.now();
    window.timerLagMs = Math.max(window.timerLagMs, n - prev - 50);
    if (n - prev - 50 > 150 && window.lags.length < 1000) window.lags.push([epoch(n), Math.round(n - prev - 50)]);
    prev = n;
    for (const t of window.tiles) {
      if (t.video.currentTime !== t.lastT) { close(t, n); t.lastT = t.video.currentTime; t.lastMoveAt = n; }
      t.maxFrozenMs = Math.max(t.maxFrozenMs, n - t.lastMoveAt);
    }
  }, 50);
};
// The trace of a tile that froze, from 3 s before its first freeze to 0.5 s after, with the browser's
// own timing of every request this tile made in that span (start, first byte, end, in ms).
window.around = (t) => {
  const [from, to] = [t.frozeAt[0] - 3000, t.frozeAt[1] + 500];
  const lines = t.trace.filter((l) => { const ms = Number(l.split(' ')[0]); return ms >= from && ms <= to; });
  const dir = t.src.replace('index.m3u8', '');
  for (const e of performance.getEntriesByType('resource')) {
    if (!e.name.includes(dir) || e.startTime + e.duration < from || e.startTime > to) continue;
    lines.push(Math.round(e.startTime) + ' request ' + file(e.name) + ' first byte +' + Math.round(e.responseStart - e.startTime) + ' end +' + Math.round(e.responseEnd - e.startTime));
  }
  return lines.sort((a, b) => Number(a.split(' ')[0]) - Number(b.split(' ')[0]));
};
window.snapshot = () => window.tiles.map((t) => ({ t: t.video.currentTime, fatal: t.fatal, recreated: t.recreated,
  errors: t.errors.slice(-5), latency: t.hls && t.hls.latency, paused: t.video.paused,
  waiting: t.waiting, stalled: t.stalled, maxFrozenMs: Math.round(t.maxFrozenMs),
  freezes: t.freezes, frozenMs: Math.round(t.frozenMs), timerLagMs: Math.round(window.timerLagMs),
  freezeList: t.freezeList || [], lags: window.lags,
  trace: t.frozeAt ? window.around(t) : [], loads: t.loads.size, reloaded: t.reloaded.slice(0, 5), maxLoads: t.maxLoads, urls: [...t.loads.keys()].slice(-12).join(" ") }));
`;

function pageHtml(srcs: string[]): string {
  return `<!doctype html><html><body><script>${HLS_JS}</script><script>${PLAYER}
for (const s of ${JSON.stringify(srcs)}) tile(s);</script></body></html>`;
}

interface TileSnap {
  t: number;
  fatal: number;
  recreated: number;
  errors: string[];
  latency: number | null;
  paused: boolean;
  waiting: number;
  stalled: number;
  maxFrozenMs: number;
  /** The player's recent events, for a tile that froze (else empty). */
  trace: string[];
  /** Freezes over 400 ms (closed by endWatch) and their total duration. */
  freezes: number;
  frozenMs: number;
  /** The page's worst timer lateness since watch(): how long the renderer went without CPU. */
  timerLagMs: number;
  /** Each freeze over 400 ms: [from, to], epoch ms (the origin's clock too). */
  freezeList: Array<[number, number]>;
  /** [epoch ms, ms late] of the page's timer, where it fired over 150 ms late (the renderer starved). */
  lags: Array<[number, number]>;
  /** Distinct media URIs loaded, the first few loaded more than once, the most loads of one URI. */
  loads: number;
  reloaded: string[];
  maxLoads: number;
  /** The last 12 media URIs loaded. */
  urls: string;
}

const snap = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as { snapshot: () => unknown }).snapshot()) as Promise<
    TileSnap[]
  >;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('hls.js in Chromium', () => {
  let cam: SyntheticCamera;
  let app: Lookout;
  let browser: Browser | null = null;

  before(async () => {
    // Small encodes: the camera's x264 shares 2 cores with nine software decoders in Chromium, the
    // origin and 10 FFmpegs; a 720p main nobody watches here would only starve the players.
    cam = await SyntheticCamera.start({
      names: ['yard', ...TILES],
      main: { width: 320, height: 180, fps: 15, gop: 15 },
      sub: { width: 320, height: 180, fps: 15, gop: 15 },
    });
    app = await startLookout({
      config: resolveOrThrow(rawConfigFor(cam)),
      log: testLogger(),
      listen: { host: '127.0.0.1', port: 0 },
      tls: { port: 0 },
    });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await app?.stop();
    await cam?.close();
  });

  async function open(base: string, srcs: string[]): Promise<Page> {
    const context = await browser!.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.route(`${base}/__test/player.html`, (route) =>
      route.fulfill({ contentType: 'text/html', body: pageHtml(srcs) }),
    );
    await page.goto(`${base}/__test/player.html`);
    return page;
  }

  /** Waits until every tile's currentTime passed `min` seconds. */
  async function untilPlaying(page: Page, min: number, timeoutMs: number): Promise<TileSnap[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await snap(page);
      if (s.every((x) => x.t > min)) return s;
      if (Date.now() > deadline) throw new Error(`not playing: ${JSON.stringify(s)}`);
      await sleep(250);
    }
  }

  test('one tile plays 10 s, then survives an FFmpeg kill without a page reload', async () => {
    const page = await open(app.url, ['/hls/yard/sub/index.m3u8']);
    const t0 = Date.now();
    await untilPlaying(page, 0.1, 30_000);
    console.log(`hls.js: first frame after ${Date.now() - t0} ms`);
    await untilPlaying(page, 2, 15_000);
    const start = (await snap(page))[0]!;
    // A fresh key's first segment: hls.js 1.7.4 took a segment numbered 0 for evicted while its parts
    // were appended, re-fetched them from part 0 in a loop (5-9 loads each) and stalled at its end
    // (playlist.ts MSN_BASE). One re-fetch of the first part is its seek to the start position.
    assert.ok(
      start.maxLoads <= 2,
      `first segment fetched in a loop: ${start.maxLoads} loads of one URI: ${start.urls}`,
    );
    assert.ok(
      !start.errors.some((e) => e.startsWith('bufferStalledError')),
      `stalled at start-up: ${start.errors}`,
    );
    let stuck = 0;
    let prev = start.t;
    for (let i = 0; i < 10; i++) {
      await sleep(1000);
      const s = (await snap(page))[0]!;
      assert.equal(s.fatal, 0, `no fatal error: ${JSON.stringify(s)}`);
      if (s.t <= prev) stuck++;
      prev = s.t;
    }
    const mid = (await snap(page))[0]!;
    // Generous for a shared 2-core machine: a short live-edge stall is reported, not failed.
    assert.ok(mid.t - start.t >= 7, `advanced ${mid.t - start.t} s in 10 s: ${JSON.stringify(mid)}`);
    assert.ok(stuck <= 2, `stuck in ${stuck} of 10 seconds: ${JSON.stringify(mid)}`);
    console.log(
      `hls.js: ${(mid.t - start.t).toFixed(1)} s played in 10 s (${stuck} s without progress), live latency ${mid.latency?.toFixed(2)} s`,
    );

    const pid = app.supervisor.status(streamKey('yard', 'sub')).pid;
    assert.ok(pid);
    process.kill(pid, 'SIGKILL');
    const killedAt = Date.now();
    const atKill = (await snap(page))[0]!.t;
    // Resumed: the clock moves well past where buffered media could take it.
    const deadline = Date.now() + 30_000;
    let s = (await snap(page))[0]!;
    while (s.t < atKill + 4 && Date.now() < deadline) {
      await sleep(250);
      s = (await snap(page))[0]!;
    }
    assert.ok(s.t >= atKill + 4, `playback resumed after the kill: ${JSON.stringify(s)}`);
    const a = (await snap(page))[0]!;
    await sleep(2000);
    const b = (await snap(page))[0]!;
    assert.ok(b.t > a.t + 1, `still advancing: ${JSON.stringify(b)}`);
    console.log(
      `hls.js: resumed ${Date.now() - killedAt - 2000} ms after the kill; fatal errors ${b.fatal}, players re-created ${b.recreated}; last errors ${JSON.stringify(b.errors)}`,
    );
    await page.context().close();
  });

  test('9 tiles over HTTP/2 + TLS play without stalls, every HLS request over h2', async () => {
    // Per tile, every fragment its origin received: when, and how late against its media time.
    const arrivals = TILES.map(() => [] as Array<{ at: number; late: number }>);
    const listeners = TILES.map((n, i) => {
      const hub = app.supervisor.hub(streamKey(n, 'sub'));
      const onPart = (p: Fragment) => {
        arrivals[i]!.push({ at: p.arrivedAt, late: p.arrivedAt - p.programDateTime });
      };
      hub.on('fragment', onPart);
      return () => hub.off('fragment', onPart);
    });
    const page = await open(
      app.tlsUrl!,
      TILES.map((n) => `/hls/${n}/sub/index.m3u8`),
    );
    const t0 = Date.now();
    await untilPlaying(page, 0.1, 45_000);
    console.log(`9 tiles over h2: all playing after ${Date.now() - t0} ms`);
    // Start-up is over once every tile shows a frame: from here on, no tile may stall.
    await page.evaluate(() => (globalThis as unknown as { watch: () => void }).watch());
    const watchFrom = Date.now();
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const a = await snap(page);
    const WATCH_S = 12;
    for (let i = 0; i < WATCH_S; i++) {
      await sleep(1000);
      if (process.env.LOOKOUT_TEST_DEBUG)
        console.log(
          (await snap(page))
            .map((x) => `${x.t.toFixed(1)}/${x.latency?.toFixed(1)}/${x.maxFrozenMs}/${x.waiting}`)
            .join(' '),
        );
    }
    await page.evaluate(() => (globalThis as unknown as { endWatch: () => void }).endWatch());
    const b = await snap(page);
    loopDelay.disable();
    listeners.forEach((off) => off());
    // The players' buffer: PART-HOLD-BACK as the playlist announces it.
    const holdBackMs =
      1000 *
      Number(
        /PART-HOLD-BACK=([\d.]+)/.exec(
          await (await fetch(`${app.url}/hls/${TILES[0]}/sub/stream.m3u8`)).text(),
        )?.[1] ?? 1,
      );
    const source = arrivals.map((arr) => {
      // From a hold-back before the watch: media that arrived then is what the players were playing.
      let gap = 0;
      for (let k = 1; k < arr.length; k++)
        if (arr[k]!.at >= watchFrom - holdBackMs) gap = Math.max(gap, arr[k]!.at - arr[k - 1]!.at);
      const late = arr.filter((x) => x.at >= watchFrom - holdBackMs).map((x) => x.late);
      const spread = late.length ? Math.max(...late) - Math.min(...late) : 0;
      return { gap: Math.round(gap), lateSpread: Math.round(spread) };
    });
    const ms = (ns: number) => Math.round(ns / 1e6);
    console.log(
      `9 tiles over h2: advanced ${b.map((x, i) => (x.t - a[i]!.t).toFixed(1)).join(' ')} s in ${WATCH_S} s; ` +
        `freezes over 400 ms ${b.map((x) => x.freezes).join(' ')}; longest ${b.map((x) => x.maxFrozenMs).join(' ')} ms; ` +
        `stall events ${b.map((x) => x.stalled).join(' ')}; latency ${b.map((x) => x.latency?.toFixed(2)).join(' ')} s\n` +
        `  origin input: longest gap between fragments ${source.map((x) => x.gap).join(' ')} ms, arrival-vs-media-time spread ${source.map((x) => x.lateSpread).join(' ')} ms; ` +
        `CPU starvation: page timer late by up to ${b[0]!.timerLagMs} ms, origin event loop delay p99 ${ms(loopDelay.percentile(99))} / max ${ms(loopDelay.max)} ms`,
    );
    /**
     * Why a freeze happened, when the machine explains it: the origin itself received nothing for
     * longer than the players' buffer covers (FFmpeg or the camera starved: nothing to deliver), or
     * the page's own timer fired over 150 ms late across it or a hold-back before (the renderer had
     * no CPU). Null: unexplained, which is
     * what a delivery fault (a part answered late, a reload held too long, requests queued behind
     * others over the one h2 connection) looks like.
     */
    const explain = (
      i: number,
      [from, to]: [number, number],
      lags: Array<[number, number]>,
    ): string | null => {
      const arr = arrivals[i]!.map((x) => x.at);
      for (let k = 1; k < arr.length; k++) {
        const gap = arr[k]! - arr[k - 1]!;
        if (arr[k]! >= from - holdBackMs && arr[k - 1]! <= to && gap > holdBackMs / 2 + 150)
          return `origin input paused ${gap} ms`;
      }
      // A starved renderer delays hls.js's next request and append: the buffer runs dry up to a
      // hold-back later, so lateness shortly before the freeze counts too.
      const lag = lags.find(([at, late]) => at >= from - holdBackMs && at - late <= to);
      return lag ? `renderer starved ${lag[1]} ms` : null;
    };
    b.forEach((x, i) => {
      const { trace, lags, freezeList, ...rest } = x;
      const reasons = freezeList.map((fz) => explain(i, fz, lags));
      const unexplained = freezeList.filter((_, k) => reasons[k] === null);
      const explainedMs = freezeList.reduce((n, [f, t], k) => n + (reasons[k] ? t - f : 0), 0);
      const longestUnexplained = Math.max(0, ...unexplained.map(([f, t]) => t - f));
      const what =
        `tile ${i + 1}: ${JSON.stringify(rest)}; origin input ${JSON.stringify(source[i])}; ` +
        `freezes ${JSON.stringify(freezeList.map(([f, t], k) => `${t - f} ms: ${reasons[k] ?? 'unexplained'}`))}` +
        (trace.length
          ? `\n  player trace (ms, event @currentTime/buffered end):\n    ${trace.join('\n    ')}`
          : '');
      assert.equal(x.fatal, 0, what);
      assert.equal(x.recreated, 0, what);
      // What this asserts is delivery: blocking reloads and preload-hinted parts answered in time over
      // one h2 connection keep every tile's buffer (PART-HOLD-BACK) from running dry. A delivery fault
      // recurs every few parts and shows as repeated freezes on many tiles while the origin's input
      // flows and the renderer runs. What it tolerates is the machine: nine software decoders,
      // Chromium, the origin, ten FFmpegs and the camera's encoders share 2 cores, and neighbours can
      // take them for seconds. So freezes are judged by cause, not by length (explain() above): a
      // freeze while the origin itself received nothing, or while this page's timer could not run, is
      // the machine's and only printed. Per tile: at most one unexplained freeze over 400 ms, none over
      // 2 s, and the clock advanced by the watch minus those freezes and the explained ones.
      assert.ok(unexplained.length <= 1, `froze ${unexplained.length} times without cause: ${what}`);
      assert.ok(longestUnexplained <= 2000, `stalled ${longestUnexplained} ms without cause: ${what}`);
      assert.ok(
        x.t - a[i]!.t >= WATCH_S - 0.5 - (2000 + explainedMs) / 1000,
        `advanced ${(x.t - a[i]!.t).toFixed(1)} s: ${what}`,
      );
      // The old start-up loop fetched the first parts ~8 times each. hls.js may still re-fetch the very
      // first part once or twice while it settles its start position (seen in ~1 run of 6 here).
      assert.ok(x.maxLoads <= 3, `one media URI loaded ${x.maxLoads} times (start-up loop): ${what}`);
      assert.ok(x.reloaded.length <= 1, `media loaded twice: ${what}`);
    });
    // Grid-wide: a part answered 400 ms late one time in three (a fault injected by hand while writing
    // this test) gave 3-5 short stalls on every tile, 36 in all; a starved machine gave 0-1 per tile.
    // Only freezes nothing on the machine explains count here.
    const unexplainedAll = b.reduce(
      (n, x, i) => n + x.freezeList.filter((fz) => explain(i, fz, x.lags) === null).length,
      0,
    );
    assert.ok(unexplainedAll <= 3, `${unexplainedAll} freezes without cause in the grid`);
    const protocols = await page.evaluate(() => [
      ...new Set(
        performance
          .getEntriesByType('resource')
          .filter((e) => e.name.includes('/hls/'))
          .map((e) => (e as unknown as { nextHopProtocol: string }).nextHopProtocol),
      ),
    ]);
    // '' is a request that never finished (a held reload cancelled by hls.js): nothing to judge.
    assert.deepEqual(
      protocols.filter((x) => x !== ''),
      ['h2'],
      `protocols: ${protocols.join(',')}`,
    );
    await page.context().close();
  });
});
