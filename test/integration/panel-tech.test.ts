/**
 * The live tech a tile plays, in real Chromium against a real supervisor and two synthetic cameras
 * (no gateway here; `webrtc-browser.test.ts` has auto → WebRTC behind MediaMTX):
 * - `live_tech: auto` plays MSE (the fastest tech without the gateway), for a small grid too, and the
 *   badge names the tech and "since Lookout" (the frame headers' receive time, on Lookout's clock:
 *   a browser whose clock is an hour off still reads a fraction of a second);
 * - on a browser with only ManagedMediaSource (iOS 17.1+, aliased here) the MSE player runs on it
 *   (remote playback off, as Safari requires) and plays;
 * - without any MediaSource (so no hls.js either) and no native HLS: snapshots; with native HLS
 *   (Safari before 17.1, stubbed here): LL-HLS;
 * - a WebSocket that never opens (a proxy dropping upgrades): the MSE tiles fall back to LL-HLS
 *   by themselves and play.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import type { Lookout } from '../../addon/src/main.js';
import { rawConfigFor, resolveOrThrow, startTestLookout } from '../helpers/setup.js';
import { loadScaledMs, zombieChildren } from '../helpers/processes.js';

/** Page side: the tiles' tech, state, badges and video. Strings: this project compiles without the DOM library. */
const VIEW = `
window.__tiles = () => {
  const card = document.querySelector('lookout-panel')?.shadowRoot?.querySelector('lookout-grid-card');
  return [...(card?.shadowRoot?.querySelectorAll('lookout-camera-tile') ?? [])].map((el) => {
    const v = el.shadowRoot.querySelector('video');
    const img = el.shadowRoot.querySelector('img');
    const badge = el.shadowRoot.querySelector('.latency');
    return { camera: el.dataset.camera, tech: el.dataset.tech, state: el.dataset.state,
      t: v ? v.currentTime : -1, img: img ? img.naturalWidth : 0,
      remote: v ? v.disableRemotePlayback : null,
      badge: badge?.textContent?.trim().replace(/\\s+/g, ' ') ?? null, title: badge?.title ?? null,
      reason: el.shadowRoot.querySelector('.status')?.textContent ?? '' };
  });
};
`;

interface TileView {
  camera: string;
  tech: string;
  state: string;
  t: number;
  img: number;
  remote: boolean | null;
  badge: string | null;
  title: string | null;
  reason: string;
}

describe('live tech choice in Chromium', () => {
  let cam: SyntheticCamera;
  let app: Lookout;
  let browser: Browser | undefined;

  before(async () => {
    if (!existsSync('dist/panel/lookout-card.js')) execFileSync(process.execPath, ['panel/build.mjs']);
    cam = await SyntheticCamera.start({
      names: ['cam1', 'cam2'],
      main: { width: 640, height: 360, fps: 15, gop: 15 },
      sub: { width: 320, height: 180, fps: 15, gop: 15 },
      encode: 'shared',
    });
    app = await startTestLookout(resolveOrThrow(rawConfigFor(cam)));
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await app?.stop();
    await cam?.close();
    assert.deepEqual(zombieChildren(), [], 'no zombies');
  });

  /** A fresh browser context with `init` run before the page's scripts. */
  async function open(init: string, query = ''): Promise<Page> {
    const ctx = await browser!.newContext({ viewport: { width: 1000, height: 700 } });
    const p = await ctx.newPage();
    await p.addInitScript(init + VIEW);
    await p.goto(`${app.url}/?cameras=cam1,cam2${query}`);
    return p;
  }
  const tiles = (p: Page) => p.evaluate('window.__tiles()') as Promise<TileView[]>;
  const waitFor = (p: Page, expr: string, ms = 30_000) =>
    p.waitForFunction(expr, undefined, { timeout: loadScaledMs(ms).limitMs, polling: 200 });
  const playing = `window.__tiles().length === 2 && window.__tiles().every((t) => t.state === 'live' && t.t > 0.5)`;

  test('auto, two tiles, no gateway: MSE; the badge says MSE and since Lookout, true on a browser clock an hour off', async () => {
    // The page's clock runs an hour ahead of Lookout's: only Lookout's clock (the time probe) gives a
    // true age for the receive times in the frame headers.
    const p = await open(`{ const real = Date.now; Date.now = () => real() + 3_600_000; }`);
    await waitFor(p, playing);
    await waitFor(p, `window.__tiles().every((t) => t.badge && /since Lookout/.test(t.badge))`, 15_000);
    for (const t of await tiles(p)) {
      assert.equal(t.tech, 'mse', `${t.camera}: auto → MSE`);
      const m = /^MSE (\d+\.\d+) s since Lookout$/.exec(t.badge ?? '');
      assert.ok(m, `${t.camera}: badge ${JSON.stringify(t.badge)}`);
      const s = Number(m[1]);
      assert.ok(s > 0 && s < 3, `${t.camera}: ${s} s since Lookout received the frame on screen`);
      assert.match(t.title ?? '', /^MSE: time since Lookout received the frame on screen/);
      assert.equal(t.remote, false, 'a classic MediaSource leaves remote playback alone');
    }
    await p.context().close();
  });

  test('only ManagedMediaSource (as on iOS 17.1+): the MSE player runs on it and plays', async () => {
    const p = await open(`{
      const MS = window.MediaSource;
      window.__managed = 0;
      window.ManagedMediaSource = class ManagedMediaSource extends MS {
        constructor() { super(); window.__managed++; }
      };
      delete window.MediaSource;
    }`);
    await waitFor(p, playing);
    for (const t of await tiles(p)) {
      assert.equal(t.tech, 'mse', `${t.camera}: MSE through ManagedMediaSource`);
      assert.equal(t.remote, true, `${t.camera}: disableRemotePlayback set, as Safari requires`);
    }
    assert.ok(
      ((await p.evaluate('window.__managed')) as number) >= 2,
      'each tile built a ManagedMediaSource',
    );
    await p.context().close();
  });

  test('no MediaSource at all and no native HLS: snapshots; with native HLS: LL-HLS', async () => {
    // Chromium itself has native HLS now: hide it for the snapshot case.
    const none = await open(`delete window.MediaSource; delete window.ManagedMediaSource;
      { const orig = HTMLMediaElement.prototype.canPlayType;
        HTMLMediaElement.prototype.canPlayType = function (t) { return /mpegurl/i.test(t) ? '' : orig.call(this, t); }; }`);
    await waitFor(
      none,
      `window.__tiles().length === 2 && window.__tiles().every((t) => t.state === 'live' && t.img > 0)`,
    );
    for (const t of await tiles(none)) assert.equal(t.tech, 'snapshot', `${t.camera}: no MSE, no HLS → JPEG`);
    await none.context().close();
    // Safari before 17.1: no MSE, native HLS (stubbed, whatever this Chromium has): only the choice is judged.
    const native = await open(`delete window.MediaSource; delete window.ManagedMediaSource;
      { const orig = HTMLMediaElement.prototype.canPlayType;
        HTMLMediaElement.prototype.canPlayType = function (t) { return /mpegurl/i.test(t) ? 'maybe' : orig.call(this, t); }; }`);
    await waitFor(native, `window.__tiles().length === 2`);
    for (const t of await tiles(native))
      assert.equal(t.tech, 'llhls', `${t.camera}: no MSE, native HLS → LL-HLS`);
    await native.context().close();
  });

  test('a WebSocket that never opens: the MSE tiles fall back to LL-HLS by themselves and play', async () => {
    const p = await open(`{
      // A proxy that swallows the upgrade: the socket stays CONNECTING for ever.
      class Stuck extends EventTarget {
        constructor(url) { super(); this.url = String(url); this.readyState = 0; this.binaryType = 'blob'; }
        send() { throw new Error('not open'); }
        close() {}
      }
      Stuck.CONNECTING = 0; Stuck.OPEN = 1; Stuck.CLOSING = 2; Stuck.CLOSED = 3;
      window.WebSocket = Stuck;
    }`);
    await waitFor(p, `${playing} && window.__tiles().every((t) => t.tech === 'llhls')`, 45_000);
    for (const t of await tiles(p)) assert.equal(t.tech, 'llhls', `${t.camera}: MSE → LL-HLS`);
    await p.context().close();
  });
});
