/**
 * WebRTC through the MediaMTX gateway in real Chromium, beside LL-HLS and MSE, all on one camera
 * stream (real MediaMTX, real FFmpeg, the synthetic camera):
 * - three panel pages (`?tech=llhls`, `?tech=mse`, `?tech=webrtc`) play the same sub stream, an
 *   FFmpeg reads the RTSP restream, a manual recording runs and a snapshot is taken: the camera
 *   counts exactly one RTSP session for that stream;
 * - glass-to-glass latency of each tile (the camera's burned-in capture time, decoded from every
 *   presented frame) is printed side by side;
 * - MediaMTX killed with SIGKILL: restarted, and every tile plays again by itself;
 * - `live_tech: auto` plays WebRTC for a camera behind the gateway, and a tile whose WebRTC
 *   signalling fails falls back to MSE by itself;
 * - a WebRTC tile shows MSE's picture at once while WebRTC waits for a keyframe, then switches to
 *   WebRTC and frees the MSE subscription (players/webrtc-bridge.ts);
 * - no zombie, no orphan, no camera password in any command line.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import type { ChildProcess } from '../../addon/src/lib/child-process.js';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import type { CameraDetail, GatewayPathStatus, StreamGraph } from '../../addon/src/contracts/api.js';
import type { Lookout } from '../../addon/src/main.js';
import { FAST_STREAM, resolveOrThrow, startTestLookout, tempDir } from '../helpers/setup.js';
import { allProcesses, readProc, waitFor, zombieChildren } from '../helpers/processes.js';
import { loopbackGateway, mediamtxBinary, rtspCopy, stopGatewayTest } from '../helpers/gateway.js';

const PASSWORD = 'Wr-s3cret!pass';
const TECHS = ['llhls', 'mse', 'webrtc'] as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Page side: the tile's video, its state, and every presented frame's glass-to-glass latency. */
const INIT = `
window.__tile = () => {
  const card = document.querySelector('lookout-panel')?.shadowRoot?.querySelector('lookout-grid-card');
  return card?.shadowRoot?.querySelector('lookout-camera-tile') ?? null;
};
window.__lat = [];
window.__frames = 0;
(function meter() {
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  let video = null;
  const onFrame = () => {
    const v = video;
    if (!v || !v.isConnected) { video = null; return; }
    const at = Date.now();
    window.__frames++;
    if (v.videoWidth > 0) {
      const w = Math.min(v.videoWidth, 640), h = Math.round((v.videoHeight * w) / v.videoWidth);
      const band = Math.min(h, Math.ceil((h * 2) / 18) + 1);
      canvas.width = w; canvas.height = band;
      ctx.drawImage(v, 0, 0, w, h);
      const ts = LookoutTs.decodeTimestampFromRgba(ctx.getImageData(0, 0, w, band).data, w, h);
      if (ts !== null) window.__lat.push([at, at - ts]);
    }
    v.requestVideoFrameCallback(onFrame);
  };
  setInterval(() => {
    const v = window.__tile()?.shadowRoot?.querySelector('video');
    if (v && v !== video) { video = v; v.requestVideoFrameCallback(onFrame); }
  }, 200);
})();
/** When each video of the tile (the WebRTC one, and the MSE bridge over it) first presents a frame. */
window.__first = { videoAt: null, webrtc: null, mse: null, bridgeSeen: false };
(function firstFrames() {
  const seen = new WeakSet();
  setInterval(() => {
    for (const v of window.__tile()?.shadowRoot?.querySelectorAll('video') ?? []) {
      if (seen.has(v)) continue;
      seen.add(v);
      const which = v.classList.contains('webrtc-bridge') ? 'mse' : 'webrtc';
      if (which === 'webrtc' && window.__first.videoAt === null) window.__first.videoAt = performance.now();
      if (which === 'mse') window.__first.bridgeSeen = true;
      v.requestVideoFrameCallback(() => {
        if (window.__first[which] === null) window.__first[which] = performance.now();
      });
    }
  }, 10);
})();
window.__view = () => {
  const el = window.__tile();
  return { state: el?.dataset.state, tech: el?.dataset.tech, showing: el?.dataset.showing,
    bridge: !!el?.shadowRoot?.querySelector('video.webrtc-bridge'), frames: window.__frames,
    status: el?.shadowRoot?.querySelector('.status')?.textContent ?? '',
    badge: el?.shadowRoot?.querySelector('.latency')?.textContent?.trim().replace(/\\s+/g, ' ') ?? null };
};
`;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

describe('WebRTC tile beside LL-HLS and MSE, one camera connection', { timeout: 300_000 }, () => {
  let cam: SyntheticCamera;
  let app: Lookout;
  let browser: Browser | undefined;
  const pages = new Map<string, Page>();
  const pageErrors: string[] = [];
  let reader: ChildProcess | null = null;
  let decoderJs = '';

  async function openWindow(url: string, setup?: (p: Page) => Promise<unknown>): Promise<Page> {
    // One context (window) per page: a tab behind another is hidden, and hidden tiles stop.
    const context = await browser!.newContext({ viewport: { width: 800, height: 500 } });
    await context.addInitScript(decoderJs + INIT);
    const p = await context.newPage();
    p.on('pageerror', (e) => pageErrors.push(`${url}: ${e.message}`));
    await setup?.(p);
    await p.goto(url);
    return p;
  }

  const view = (tech: string) =>
    pages.get(tech)!.evaluate('window.__view()') as Promise<{
      state: string;
      tech: string;
      frames: number;
      status: string;
    }>;

  /** Every tile shows new frames `times` times, 1.5 s apart. */
  async function allPlaying(times: number): Promise<void> {
    let prev = await Promise.all(TECHS.map(view));
    for (let i = 0; i < times; i++) {
      await sleep(1500);
      const now = await Promise.all(TECHS.map(view));
      TECHS.forEach((t, j) =>
        assert.ok(now[j]!.frames > prev[j]!.frames + 3, `${t} tile plays: ${JSON.stringify(now[j])}`),
      );
      prev = now;
    }
  }

  before(async () => {
    cam = await SyntheticCamera.start({ names: ['yard'], username: 'admin', password: PASSWORD });
    const raw = {
      server: { host: '127.0.0.1', port: 0, data_dir: tempDir('lookout-webrtc-') },
      defaults: { audio: 'drop', stream: FAST_STREAM },
      recording: { root: tempDir('lookout-webrtc-rec-'), mode: 'manual', profile: 'sub' },
      cameras: [
        {
          id: 'yard',
          vendor: 'generic',
          credentials: { username: 'admin', password: '${YARD_PASSWORD}' },
          profiles: { main: { url: cam.url('yard', 'main') }, sub: { url: cam.url('yard', 'sub') } },
        },
      ],
    };
    app = await startTestLookout(resolveOrThrow(raw, { YARD_PASSWORD: PASSWORD }), {
      tls: false,
      mqtt: false,
      gateway: { binary: mediamtxBinary(), listen: await loopbackGateway(), required: true },
    });
    const decoder = await build({
      entryPoints: [fileURLToPath(new URL('../../addon/src/demo/timestamp-code.ts', import.meta.url))],
      bundle: true,
      write: false,
      format: 'iife',
      globalName: 'LookoutTs',
      logLevel: 'silent',
    });
    browser = await launchChromium({
      // MediaMTX announces 127.0.0.1 only: let Chromium pair its loopback candidates with it, and show
      // real addresses instead of mDNS names (nothing on loopback resolves those).
      extraArgs: ['--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns'],
    });
    decoderJs = decoder.outputFiles[0]!.text;
    for (const tech of TECHS) pages.set(tech, await openWindow(`${app.url}/?tech=${tech}`));
  });

  after(async () => {
    await reader?.stop();
    await browser?.close();
    await stopGatewayTest(app, cam);
  });

  test('the three tiles play, each with its own tech', async () => {
    for (const tech of TECHS) {
      await pages
        .get(tech)!
        .waitForFunction(`window.__view().state === 'live'`, undefined, { timeout: 30_000, polling: 200 });
      assert.equal((await view(tech)).tech, tech, `tile of ?tech=${tech}`);
    }
    // 'live' comes with the first picture; an LL-HLS player may still hold that picture while it
    // fills its PART-HOLD-BACK (one CI run saw 3 frames in its first 1.5 s). Judge steady play
    // once every tile has shown a second's worth of frames.
    for (const tech of TECHS)
      await pages
        .get(tech)!
        .waitForFunction(`window.__view().frames >= 15`, undefined, { timeout: 30_000, polling: 200 });
    await allPlaying(2);
    assert.deepEqual(pageErrors, []);
  });

  test('one camera session with LL-HLS, MSE, WebRTC, a restream reader, a recording and a snapshot', async () => {
    const detail = (await (await fetch(`${app.url}/api/cameras/yard`)).json()) as CameraDetail;
    const r = detail.gateway!.restream.find((x) => x.profile === 'sub')!;
    const u = new URL(r.url);
    u.username = r.username;
    u.password = r.password;
    reader = rtspCopy(u.href, ['-f', 'null', '-']);
    const rec = await fetch(`${app.url}/api/cameras/yard/recording/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(rec.status, 200, await rec.text());
    const snap = await fetch(`${app.url}/api/cameras/yard/snapshot?profile=sub`);
    assert.equal(snap.status, 200);
    assert.equal(snap.headers.get('content-type'), 'image/jpeg');
    let path: GatewayPathStatus;
    const t0 = Date.now();
    for (;;) {
      const graph = (await (await fetch(`${app.url}/api/streams`)).json()) as StreamGraph;
      path = graph.gateway!.paths.find((p) => p.key === 'yard/sub')!;
      if (
        path.readers.filter((x) => x === 'rtspSession').length >= 2 &&
        path.readers.includes('webRTCSession')
      )
        break;
      if (Date.now() - t0 > 15_000) assert.fail(`readers never complete: ${JSON.stringify(path)}`);
      await sleep(250);
    }
    const consumers = ((await (await fetch(`${app.url}/api/streams`)).json()) as StreamGraph).streams.find(
      (s) => s.key === 'yard/sub',
    )!.consumers;
    const kinds = new Set(consumers.map((c) => c.kind));
    assert.ok(kinds.has('viewer') && kinds.has('recorder'), JSON.stringify(consumers));
    await allPlaying(1);
    const sessions = (await cam.status()).cameras.yard!.subscribers;
    console.log(
      `# one connection: camera sessions sub=${sessions.sub} main=${sessions.main}; MediaMTX readers of yard_sub: ${path.readers.join(', ')}; Lookout leases: ${[...kinds].join(', ')}`,
    );
    assert.equal(sessions.sub, 1, 'exactly one RTSP session to the camera for yard/sub');
    assert.ok(sessions.main <= 1);
    const leaks = allProcesses().filter(
      (p) => p.cmdline.includes(PASSWORD) || p.cmdline.includes(encodeURIComponent(PASSWORD)),
    );
    assert.deepEqual(leaks, [], 'camera password in a command line');
  });

  test('glass-to-glass latency, WebRTC beside LL-HLS and MSE', async () => {
    await sleep(3000);
    const since = Date.now();
    await sleep(10_000);
    const rows: string[] = [];
    for (const tech of TECHS) {
      const lat = ((await pages.get(tech)!.evaluate('window.__lat')) as Array<[number, number]>)
        .filter(([at]) => at >= since)
        .map(([, ms]) => ms / 1000);
      assert.ok(lat.length > 50, `${tech}: ${lat.length} decoded frames in 10 s`);
      rows.push(
        `${tech.padEnd(7)} p50 ${pct(lat, 50).toFixed(3)} s  p95 ${pct(lat, 95).toFixed(3)} s  (${lat.length} frames)`,
      );
    }
    console.log(
      `# glass-to-glass, one 640x360 15 fps sub stream, 10 s, Chromium headless:\n# ${rows.join('\n# ')}`,
    );
  });

  test('MediaMTX killed with SIGKILL: restarted, every tile plays again by itself', async () => {
    const gw = app.gateway!;
    const old = gw.pid!;
    const t0 = Date.now();
    process.kill(old, 'SIGKILL');
    await waitFor(() => gw.currentState === 'up' && gw.pid !== old, 15_000, 'MediaMTX restarted');
    const recovered: string[] = [];
    for (const tech of TECHS) {
      const p = pages.get(tech)!;
      const before = (await view(tech)).frames;
      await p.waitForFunction(
        `window.__view().state === 'live' && window.__view().frames > ${before + 15}`,
        undefined,
        { timeout: 45_000, polling: 250 },
      );
      recovered.push(`${tech} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    console.log(`# MediaMTX SIGKILL → tiles playing again: ${recovered.join(', ')}`);
    assert.equal((await view('webrtc')).tech, 'webrtc', 'the WebRTC tile recovers on WebRTC');
    await allPlaying(2);
    assert.deepEqual(zombieChildren(), []);
    assert.equal(readProc(old), null, 'the killed MediaMTX was reaped');
  });

  test('auto picks WebRTC for a gateway camera; a tile whose WHEP fails falls back to MSE', async () => {
    for (const p of pages.values()) await p.context().close(); // the machine has two cores
    const auto = await openWindow(`${app.url}/`);
    await auto.waitForFunction(`window.__view().state === 'live'`, undefined, {
      timeout: 30_000,
      polling: 200,
    });
    assert.equal(((await auto.evaluate('window.__view()')) as { tech: string }).tech, 'webrtc');
    // The badge names the tech and what its number covers (receiver stats: network and jitter buffer).
    await auto.waitForFunction(
      `/^WebRTC \\d+\\.\\d+ s in transit$/.test(window.__view().badge ?? '')`,
      undefined,
      {
        timeout: 15_000,
        polling: 200,
      },
    );
    await auto.context().close();

    const blocked = await openWindow(`${app.url}/`, (p) =>
      p.route('**/api/webrtc/**', (route) =>
        route.fulfill({
          status: 503,
          contentType: 'application/json',
          body: '{"error":{"code":"x","message":"blocked by the test"}}',
        }),
      ),
    );
    await blocked.waitForFunction(
      `window.__view().state === 'live' && window.__view().tech === 'mse'`,
      undefined,
      {
        timeout: 30_000,
        polling: 200,
      },
    );
    const f0 = ((await blocked.evaluate('window.__view()')) as { frames: number }).frames;
    await sleep(2000);
    const v = (await blocked.evaluate('window.__view()')) as { frames: number; tech: string };
    assert.ok(v.frames > f0 + 10, `the fallback tile plays: ${JSON.stringify(v)}`);
    await blocked.context().close();
  });

  test('a WebRTC tile shows MSE at once, then WebRTC, and frees the MSE subscription', async () => {
    // The key is warm (the recording runs): MSE replays the hub's last keyframe, WebRTC waits for
    // the camera's next one after ICE and DTLS.
    const mseSubs = async () =>
      ((await (await fetch(`${app.url}/api/streams`)).json()) as StreamGraph).streams
        .find((s) => s.key === 'yard/sub')!
        .consumers.filter((c) => c.holder?.startsWith('mse-ws')).length;
    const t1 = Date.now();
    while ((await mseSubs()) !== 0) {
      if (Date.now() - t1 > 5000) assert.fail('an MSE viewer is left from an earlier page');
      await sleep(100);
    }
    const p = await openWindow(`${app.url}/`);
    type First = { videoAt: number | null; webrtc: number | null; mse: number | null; bridgeSeen: boolean };
    let maxSubs = 0;
    let first: First;
    const t0 = Date.now();
    for (;;) {
      maxSubs = Math.max(maxSubs, await mseSubs());
      first = (await p.evaluate('window.__first')) as First;
      if (first.webrtc !== null) break;
      if (Date.now() - t0 > 20_000) assert.fail(`no WebRTC frame: ${JSON.stringify(first)}`);
      await sleep(50);
    }
    const pictureS = (Math.min(first.mse ?? Infinity, first.webrtc) - first.videoAt!) / 1000;
    const webrtcS = (first.webrtc - first.videoAt!) / 1000;
    const firstBy = first.mse !== null && first.mse < first.webrtc ? 'MSE bridge' : 'WebRTC';
    console.log(
      `# WebRTC tile, warm key, from the tile's video: first picture ${pictureS.toFixed(3)} s (${firstBy}), first WebRTC frame ${webrtcS.toFixed(3)} s; MSE subscriptions while starting: ${maxSubs}`,
    );
    assert.ok(first.bridgeSeen, 'the tile starts an MSE bridge');
    assert.equal(firstBy, 'MSE bridge', `MSE's picture came first: ${JSON.stringify(first)}`);
    assert.ok(pictureS <= 0.5, `first picture within 0.5 s: ${pictureS} s`);
    assert.equal(maxSubs, 1, 'one MSE subscription while bridging');
    // Switched: the overlay is gone, the badge says WebRTC, and the MSE subscription is released.
    await p.waitForFunction(
      `(() => { const v = window.__view(); return v.tech === 'webrtc' && v.showing === 'webrtc' && !v.bridge && /^WebRTC \\d+\\.\\d+ s in transit$/.test(v.badge ?? ''); })()`,
      undefined,
      { timeout: 15_000, polling: 100 },
    );
    const t2 = Date.now();
    while ((await mseSubs()) !== 0) {
      if (Date.now() - t2 > 5000) assert.fail('the MSE subscription was not released after the switch');
      await sleep(100);
    }
    const f0 = ((await p.evaluate('window.__view()')) as { frames: number }).frames;
    await sleep(2000);
    const v = (await p.evaluate('window.__view()')) as { frames: number; tech: string; state: string };
    assert.ok(v.frames > f0 + 10 && v.state === 'live', `WebRTC plays on: ${JSON.stringify(v)}`);
    assert.deepEqual(pageErrors, []);
    await p.context().close();
  });
});
