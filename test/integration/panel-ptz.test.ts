/**
 * The PTZ overlay (`<lookout-ptz-overlay>`) in real Chromium against the real supervisor, whose
 * camera is the loopback ONVIF device (video from the synthetic camera): press-and-hold with mouse
 * and touch sends ContinuousMove, renewed while held, then Stop on release or touch cancel — never a
 * Stop mid-press; blur and a hidden tab stop too, and a lost network ends in the server's safety
 * stop; the preset dropdown lists the device's presets and goes to one by its token; "save" creates
 * a preset (SetPreset) and can remove it; API errors show inline, never unhandled.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { startOnvifDevice, type OnvifCall, type OnvifDevice } from '../fixtures/onvif-device/index.js';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import type { Lookout } from '../../addon/src/main.js';
import { streamKey } from '../../addon/src/contracts/stream-key.js';
import type { PtzCapabilitiesAnswer } from '../../addon/src/contracts/ptz.js';
import { launchChromium } from '../helpers/browser.js';
import { bundlePanel, openTestPage } from '../helpers/panel-bundle.js';
import { processesMatching, waitFor, zombieChildren } from '../helpers/processes.js';
import { rawConfigFor, resolveOrThrow, startTestLookout } from '../helpers/setup.js';

const USER = { username: 'admin', password: 'Pw-s3cret!x' };
const SHOTS = 'test-results/screenshots';
/** Every answer the pages got for a snapshot URL: said when a tile never shows a picture. */
const snapshotAnswers: string[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('PTZ overlay in Chromium', () => {
  let dev: OnvifDevice;
  let cam: SyntheticCamera;
  let app: Lookout;
  let browser: Browser | undefined;
  let script: string;
  let caps: PtzCapabilitiesAnswer;
  const pageErrors: string[] = [];

  before(async () => {
    [dev, cam] = await Promise.all([
      startOnvifDevice({
        ...USER,
        presets: [
          { token: 'tok-porch', name: 'Porch', position: { x: 0.5, y: 0, zoom: 0 } },
          { token: 'tok-gate', name: 'Gate', position: { x: -0.5, y: 0.2, zoom: 0.1 } },
        ],
      }),
      SyntheticCamera.start({
        names: ['dome'],
        main: { width: 640, height: 360, fps: 10, gop: 10 },
        sub: { width: 640, height: 360, fps: 10, gop: 10 },
      }),
    ]);
    const raw = rawConfigFor(cam);
    const config = resolveOrThrow({
      ...raw,
      cameras: raw.cameras.map((c) => ({
        ...c,
        name: 'Dome',
        vendor: 'onvif',
        host: '127.0.0.1',
        credentials: USER,
        onvif: { port: dev.port },
        capabilities: { ptz: true, presets: true, motion_events: false },
      })),
    });
    [app, browser, script] = await Promise.all([
      startTestLookout(config),
      launchChromium(),
      bundlePanel(`import './components/ptz-overlay.js';
        import { LookoutApi } from './api/client.js';
        window.LookoutApi = LookoutApi;`),
    ]);
    caps = (await (await fetch(`${app.url}/api/cameras/dome/ptz`)).json()) as PtzCapabilitiesAnswer;
    assert.equal(caps.continuous, true, JSON.stringify(caps));
  });

  after(async () => {
    await browser?.close();
    await app?.stop();
    await Promise.all([cam?.close(), dev?.close()]);
    if (cam) assert.deepEqual(processesMatching(`127.0.0.1:${cam.port}/`), [], 'no FFmpeg left behind');
    assert.deepEqual(zombieChildren(), [], 'no zombies');
    assert.deepEqual(pageErrors, [], 'no page errors or unhandled rejections');
  });

  /** A page with the snapshot of the camera as the tile and the overlay over its corner. */
  async function open(t: TestContext, context?: BrowserContext): Promise<Page> {
    const page = await (context ?? browser!).newPage({ viewport: { width: 720, height: 440 } });
    // Closed even when the test fails midway: a page left holding a button would keep moving the camera.
    t.after(() => page.close());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('response', (r) => {
      if (r.url().includes('/snapshot'))
        void r.text().then(
          (text) =>
            snapshotAnswers.push(`${r.status()} ${r.ok() ? `${text.length} bytes` : text.slice(0, 300)}`),
          () => snapshotAnswers.push(`${r.status()} (no body)`),
        );
    });
    await page.addInitScript(`
      window.__pointerTypes = [];
      document.addEventListener('pointerdown', (e) => window.__pointerTypes.push(e.pointerType), true);
      window.addEventListener('unhandledrejection', (e) => { throw new Error('unhandled rejection: ' + e.reason); });
    `);
    await openTestPage(page, app.url, 'ptz', {
      head: `<style>
        body { margin: 0; background: #111; font-family: sans-serif; }
        .tile { position: relative; width: 720px; height: 405px; background: #000; }
        .tile img { width: 100%; height: 100%; object-fit: cover; display: block; }
        lookout-ptz-overlay { position: absolute; right: 12px; bottom: 12px; }
      </style>`,
      body: `<div class="tile"><img alt="dome" src="/api/cameras/dome/snapshot?profile=sub">
        <lookout-ptz-overlay camera="dome" presets></lookout-ptz-overlay></div>`,
      scripts: [
        `${script}
        document.querySelector('lookout-ptz-overlay').api = new window.LookoutApi(location.origin + '/');`,
      ],
    });
    await page.locator('lookout-ptz-overlay select option', { hasText: 'Gate' }).waitFor({
      state: 'attached',
      timeout: 15_000,
    });
    return page;
  }

  const center = async (l: Locator) => {
    const b = await l.boundingBox();
    assert.ok(b, 'control is visible');
    return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
  };

  /** Moves and stops since `from`, with the checks every hold must pass. */
  async function checkHold(from: number, releasedAt: number) {
    await waitFor(() => dev.callsTo('Stop').some((c) => c.time >= from), 5000, 'Stop after release');
    const mine = (c: OnvifCall) => c.time >= from;
    const moves = dev.callsTo('ContinuousMove').filter(mine);
    const stops = dev.callsTo('Stop').filter(mine);
    assert.ok(moves.length > 0, 'ContinuousMove sent');
    // The safety stop (server) and our own stop may both come, but only after the release.
    for (const s of stops)
      assert.ok(s.time >= releasedAt - 5, `a Stop ${releasedAt - s.time} ms before release`);
    const lastMove = moves[moves.length - 1]!;
    assert.ok(lastMove.time <= stops[0]!.time, 'no move after the stop');
    const gaps = moves.slice(1).map((m, i) => m.time - moves[i]!.time);
    return { moves, stops, gaps, stopLatencyMs: stops[0]!.time - releasedAt };
  }

  test('mouse press-and-hold moves, renews the move while held, and stops on release', async (t) => {
    const page = await open(t);
    const right = page.locator('lookout-ptz-overlay [data-control="right"]');
    const at = await center(right);
    await page.mouse.move(at.x, at.y);
    const t0 = Date.now();
    await page.mouse.down();
    await sleep(1500);
    // Still held: renewals keep coming and no Stop has reached the camera.
    assert.equal(dev.callsTo('Stop').filter((c) => c.time >= t0).length, 0, 'no Stop while held');
    const releasedAt = Date.now();
    await page.mouse.up();
    const { moves, gaps, stopLatencyMs } = await checkHold(t0, releasedAt);
    assert.ok(moves.length >= 3, `moves renewed while held (${moves.length} ContinuousMove in 1.5 s)`);
    assert.ok(
      gaps.every((g) => g < 1000),
      `every renewal before the 1 s safety timeout: gaps ${gaps.join(', ')} ms`,
    );
    for (const m of moves) {
      assert.ok((m.params.velocity?.x ?? 0) > 0, 'pans right');
      assert.equal(m.params.velocity?.y ?? 0, 0, 'no tilt');
    }
    assert.equal(moves[0]!.params.timeoutMs, 1000, 'each move carries the short camera-side timeout');
    assert.ok(dev.ptz.position().x > 0, 'the camera actually moved');
    assert.deepEqual(await page.evaluate('window.__pointerTypes'), ['mouse']);
    console.log(
      `mouse hold 1.5 s: ${moves.length} moves, gaps ${gaps.join('/')} ms, stop ${stopLatencyMs} ms after release`,
    );
  });

  test('touch press-and-hold works, and a touch cancel stops the move too', async (t) => {
    const context = await browser!.newContext({ hasTouch: true, isMobile: true });
    t.after(() => context.close());
    const page = await open(t, context);
    const cdp = await context.newCDPSession(page);
    const touch = (type: 'touchStart' | 'touchEnd' | 'touchCancel', p?: { x: number; y: number }) =>
      cdp.send('Input.dispatchTouchEvent', { type, touchPoints: p ? [{ ...p, id: 1 }] : [] });

    const up = await center(page.locator('lookout-ptz-overlay [data-control="up-left"]'));
    let t0 = Date.now();
    await touch('touchStart', up);
    await sleep(1200);
    let releasedAt = Date.now();
    await touch('touchEnd');
    let r = await checkHold(t0, releasedAt);
    assert.ok(r.moves.length >= 2, `renewed while touched (${r.moves.length} moves)`);
    for (const { params } of r.moves) {
      const v = params.velocity;
      assert.ok((v?.x ?? 0) < 0 && (v?.y ?? 0) > 0, `up-left velocity ${JSON.stringify(v)}`);
    }

    const zoomIn = await center(page.locator('lookout-ptz-overlay [data-control="zoom-in"]'));
    await sleep(50);
    t0 = Date.now();
    await touch('touchStart', zoomIn);
    await sleep(800);
    releasedAt = Date.now();
    await touch('touchCancel');
    r = await checkHold(t0, releasedAt);
    for (const { params } of r.moves) assert.ok((params.velocity?.zoom ?? 0) > 0, 'zoom in');
    assert.ok(r.stopLatencyMs < 1000, `cancel stopped before the safety timeout (${r.stopLatencyMs} ms)`);
    assert.deepEqual(await page.evaluate('window.__pointerTypes'), ['touch', 'touch']);
  });

  test('window blur and a hidden tab stop the move; a lost network ends in the server safety stop', async (t) => {
    const page = await open(t);
    const down = await center(page.locator('lookout-ptz-overlay [data-control="down"]'));
    const stopAfter = async (what: string, trigger: () => Promise<unknown>) => {
      await page.mouse.move(down.x, down.y);
      const t0 = Date.now();
      await page.mouse.down();
      await sleep(700);
      const at = Date.now();
      await trigger();
      await waitFor(() => dev.callsTo('Stop').some((c) => c.time >= at), 900, `Stop on ${what}`);
      assert.equal(dev.callsTo('Stop').filter((c) => c.time >= t0 && c.time < at).length, 0);
      await page.mouse.up();
      await sleep(100);
    };
    await stopAfter('blur', () => page.evaluate(`window.dispatchEvent(new Event('blur'))`));
    await stopAfter('hidden tab', () =>
      page.evaluate(`Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
        document.dispatchEvent(new Event('visibilitychange'))`),
    );
    await page.evaluate(`delete document.visibilityState`);

    // The network goes while the button is held: neither renewals nor the stop arrive, so the
    // server's safety timeout stops the camera, and the overlay says what happened.
    await page.mouse.move(down.x, down.y);
    await page.mouse.down();
    await sleep(600);
    await page.route('**/api/cameras/*/ptz/**', (r) => r.abort());
    const cutAt = Date.now();
    await waitFor(() => dev.callsTo('Stop').some((c) => c.time >= cutAt), 3000, 'safety Stop');
    const safety = dev.callsTo('Stop').find((c) => c.time >= cutAt)!;
    const lastMove = Math.max(...dev.callsTo('ContinuousMove').map((c) => c.time));
    const delay = safety.time - lastMove;
    console.log(`network cut mid-press: safety stop ${delay} ms after the last move`);
    assert.ok(delay >= 900 && delay < 1600, `safety stop ${delay} ms after the last move (timeout 1000 ms)`);
    const alert = page.locator('lookout-ptz-overlay .error[role="alert"]');
    await alert.waitFor({ timeout: 2000 });
    assert.match((await alert.textContent()) ?? '', /unreachable/);
    await page.mouse.up();
  });

  test('presets: the dropdown lists the device presets, goes to one, saves and removes', async (t) => {
    const page = await open(t);
    const overlay = page.locator('lookout-ptz-overlay');
    const options = await overlay.locator('select option').allTextContents();
    assert.deepEqual(options.slice(1).sort(), ['Gate', 'Porch']);

    const from = Date.now();
    await overlay.locator('select').selectOption('Gate');
    await waitFor(() => dev.callsTo('GotoPreset').some((c) => c.time >= from), 5000, 'GotoPreset');
    const gotos = dev.callsTo('GotoPreset').filter((c) => c.time >= from);
    assert.deepEqual(
      gotos.map((c) => c.params.presetToken),
      ['tok-gate'],
    );
    assert.equal(await overlay.locator('select').inputValue(), '', 'back to the placeholder');

    // Save the current position under a new name, through the inline field (no window.prompt).
    await overlay.locator('button.add').click();
    await overlay.locator('input.name').fill('Driveway');
    await overlay.locator('input.name').press('Enter');
    await overlay
      .locator('select option', { hasText: 'Driveway' })
      .waitFor({ state: 'attached', timeout: 5000 });
    const set = dev.callsTo('SetPreset').filter((c) => c.time >= from);
    assert.equal(set.length, 1);
    assert.equal(set[0]!.params.presetName, 'Driveway');
    assert.ok(
      dev.presets().some((p) => p.name === 'Driveway'),
      'the device has the preset',
    );
    mkdirSync(SHOTS, { recursive: true });
    await page
      .waitForFunction(`document.querySelector('.tile img').naturalWidth > 0`, undefined, { timeout: 15_000 })
      .catch(async (err: Error) => {
        // Say why the tile has no picture: what the snapshot URL answers now, and the stream's state.
        const res = await fetch(`${app.url}/api/cameras/dome/snapshot?profile=sub`);
        const body = res.headers.get('content-type')?.startsWith('image/') ? 'JPEG' : await res.text();
        const st = app.supervisor.status(streamKey('dome', 'sub'));
        throw new Error(
          `${err.message}; the page's snapshot answers: ${JSON.stringify(snapshotAnswers)}; ` +
            `snapshot now: ${res.status} ${body}; sub ${st.state} (${st.reason})`,
        );
      });
    await page.screenshot({ path: `${SHOTS}/ptz.png` });

    // An existing name offers Overwrite and Remove; Remove deletes it on the device.
    await overlay.locator('button.add').click();
    await overlay.locator('input.name').fill('Driveway');
    assert.equal((await overlay.locator('button.save').textContent())?.trim(), 'Overwrite');
    await page.screenshot({ path: `${SHOTS}/ptz-save.png` });
    await overlay.locator('button.remove').click();
    await waitFor(() => !dev.presets().some((p) => p.name === 'Driveway'), 5000, 'preset removed');
    assert.equal(dev.callsTo('RemovePreset').length, 1);
    await overlay.locator('select').waitFor({ timeout: 5000 });
    assert.equal(await overlay.locator('select option', { hasText: 'Driveway' }).count(), 0);
  });

  test('home goes home; API errors show inline and nothing is left unhandled', async (t) => {
    const page = await open(t);
    const overlay = page.locator('lookout-ptz-overlay');
    const home = overlay.locator('[data-control="home"]');
    assert.equal(await home.count(), caps.home ? 1 : 0, 'home button follows the capabilities');
    if (caps.home) {
      const from = Date.now();
      await home.click();
      await waitFor(() => dev.callsTo('GotoHomePosition').some((c) => c.time >= from), 5000, 'home');
    }
    // A name the API refuses (unsafe characters): a 400 from the supervisor, shown in the overlay.
    await overlay.locator('button.add').click();
    await overlay.locator('input.name').fill('a<b');
    await overlay.locator('button.save').click();
    const alert = overlay.locator('.error[role="alert"]');
    await alert.waitFor({ timeout: 5000 });
    assert.match((await alert.textContent()) ?? '', /invalid preset name/);
    assert.equal(dev.callsTo('SetPreset').filter((c) => c.params.presetName === 'a<b').length, 0);
  });
});
