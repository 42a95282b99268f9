/**
 * The minimal live page in real Chromium over plain HTTP/1.1: 9 tiles on one WebSocket all play at
 * once (video.currentTime advances on every tile); FFmpeg of one key is killed and that tile resumes
 * without a reload while the others never stop; clicking a tile switches it to main and back.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import type { Lookout } from '../../addon/src/main.js';
import { streamKey } from '../../addon/src/contracts/stream-key.js';
import { rawConfigFor, resolveOrThrow, startTestLookout } from '../helpers/setup.js';
import { waitFor } from '../helpers/processes.js';

const NAMES = Array.from({ length: 9 }, (_, i) => `cam${i + 1}`);

interface TileView {
  camera: string;
  profile: string;
  state: string;
  t: number;
  w: number;
}

describe('live page in Chromium', () => {
  let cam: SyntheticCamera;
  let app: Lookout;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  // Browser-side code is passed as strings: this project compiles without the DOM library.
  const tiles = (): Promise<TileView[]> =>
    page.evaluate(`window.lookoutLive.tiles.map((t) => {
      const v = t.el.querySelector('video');
      return { camera: t.camera, profile: t.profile, state: t.state, t: v.currentTime, w: v.videoWidth };
    })`);
  /** Milliseconds after navigation when each tile's video first showed a frame (recorded in the page). */
  const firstFrames = (): Promise<Record<string, number>> => page.evaluate('window.__firstFrame');
  const waitInPage = (expr: string, timeout = 20_000) =>
    page.waitForFunction(expr, undefined, { timeout, polling: 100 });

  async function open(): Promise<void> {
    page = await browser!.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // Media events do not bubble; capture sees every video's first frame.
    await page.addInitScript(`
      window.__firstFrame = {};
      for (const type of ['playing', 'timeupdate']) {
        document.addEventListener(type, (ev) => {
          const cam = ev.target.closest && ev.target.closest('.tile')?.dataset.camera;
          if (cam && ev.target.currentTime > 0 && !(cam in window.__firstFrame)) window.__firstFrame[cam] = Math.round(performance.now());
        }, true);
      }
    `);
    await page.goto(`${app.url}/`);
  }

  before(async () => {
    cam = await SyntheticCamera.start({
      names: NAMES,
      main: { width: 640, height: 360, fps: 15, gop: 15 },
      sub: { width: 320, height: 180, fps: 15, gop: 15 },
      encode: 'shared',
    });
    const config = resolveOrThrow(rawConfigFor(cam));
    app = await startTestLookout(config);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await app?.stop();
    await cam?.close();
  });

  test('9 tiles play at once over one WebSocket; a killed FFmpeg resumes without a reload', async () => {
    await open();
    await waitInPage(
      `[...document.querySelectorAll('video')].filter((v) => v.currentTime > 0).length === 9`,
      30_000,
    );
    const cold = Object.values(await firstFrames());
    console.log(
      `# live page, cold (9 idle keys): first frame ${Math.min(...cold)}-${Math.max(...cold)} ms after navigation`,
    );

    // ~10 s: every tile's currentTime advances between every 2 s sample.
    let prev = await tiles();
    assert.equal(prev.length, 9);
    for (const t of prev) assert.equal(t.w, 320, `${t.camera} decodes the sub stream`);
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 2000));
      const now = await tiles();
      for (const [j, t] of now.entries())
        assert.ok(t.t > prev[j]!.t + 0.5, `${t.camera} advanced (${prev[j]!.t} → ${t.t})`);
      prev = now;
    }
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/live-page.png' });

    // Kill one key's FFmpeg: that tile gets a new init and resumes; the others never stop.
    const victim = streamKey('cam5', 'sub');
    const pid = app.supervisor.status(victim).pid!;
    const spawnsBefore = app.supervisor.status(victim).counters.spawns;
    process.kill(pid, 'SIGKILL');
    const killedAt = Date.now();
    let resumedAt = 0;
    let before5 = (await tiles()).find((t) => t.camera === 'cam5')!;
    prev = await tiles();
    while (Date.now() - killedAt < 30_000) {
      await new Promise((r) => setTimeout(r, 1000));
      const now = await tiles();
      for (const [j, t] of now.entries()) {
        if (t.camera === 'cam5') continue;
        assert.ok(
          t.t > prev[j]!.t + 0.3,
          `${t.camera} kept playing while cam5 restarted (${prev[j]!.t} → ${t.t})`,
        );
      }
      prev = now;
      const t5 = now.find((t) => t.camera === 'cam5')!;
      const restarted = app.supervisor.status(victim).counters.spawns > spawnsBefore;
      if (restarted && !resumedAt && t5.state === 'playing' && t5.t !== before5.t) {
        // Confirm it advances, not just one new frame.
        before5 = t5;
        await new Promise((r) => setTimeout(r, 1000));
        const again = (await tiles()).find((t) => t.camera === 'cam5')!;
        if (again.t > t5.t + 0.3) resumedAt = Date.now();
      }
      if (resumedAt && Date.now() - killedAt > 6000) break;
      before5 = t5;
    }
    if (!resumedAt) {
      const st = app.supervisor.status(victim);
      const tile = (await tiles()).find((t) => t.camera === 'cam5');
      assert.fail(
        `cam5 did not resume: tile ${JSON.stringify(tile)}, stream ${st.state} (${st.reason}), spawns ${st.counters.spawns - spawnsBefore} new, stderr ${st.stderrTail.slice(-3).join(' | ')}`,
      );
    }
    console.log(`# live page: FFmpeg SIGKILL → tile playing again in ${resumedAt - killedAt} ms (no reload)`);
    assert.deepEqual(pageErrors, []);
  });

  test('warm keys: a new page plays at once; a click switches a tile to main and back', async () => {
    await page.close();
    await open();
    await waitInPage(`[...document.querySelectorAll('video')].filter((v) => v.currentTime > 0).length === 9`);
    const warm = Object.values(await firstFrames());
    console.log(
      `# live page, warm (keys already live): first frame ${Math.min(...warm)}-${Math.max(...warm)} ms after navigation`,
    );

    await page.click('.tile[data-camera="cam2"]');
    const t0 = Date.now();
    await waitInPage(`(() => {
      const v = document.querySelector('.tile[data-camera="cam2"] video');
      return v.videoWidth === 640 && v.currentTime > 0;
    })()`);
    console.log(`# live page: click → main stream playing in ${Date.now() - t0} ms (cam2/main was idle)`);
    assert.equal((await tiles()).find((t) => t.camera === 'cam2')!.profile, 'main');
    await waitFor(
      () => app.supervisor.status(streamKey('cam2', 'main')).leases.length === 1,
      3000,
      'main lease',
    );
    await page.click('.tile[data-camera="cam2"]');
    await waitInPage(`(() => {
      const v = document.querySelector('.tile[data-camera="cam2"] video');
      return v.videoWidth === 320 && v.currentTime > 0;
    })()`);
    // The main lease is released when the tile goes back to sub.
    await waitFor(
      () => app.supervisor.status(streamKey('cam2', 'main')).leases.length === 0,
      3000,
      'main lease released',
    );
    assert.deepEqual(pageErrors, []);
  });
});
