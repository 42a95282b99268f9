/**
 * Push-to-talk in the panel, in real Chromium with a fake microphone playing a tone file
 * (`--use-file-for-fake-audio-capture`), against the real Lookout and the synthetic camera's ONVIF
 * RTSP backchannel (each backchannel session recorded to a WAV):
 * - holding the fullscreen tile's talk button sends the microphone to the camera: its WAV holds the
 *   tone; releasing ends the talk;
 * - two pages (two browsers, 440 Hz and 1000 Hz microphones) holding at once on a camera with
 *   `backchannel.mix`: one camera session whose WAV holds both tones;
 * - on a camera without mixing the second page is told "busy", the first keeps talking;
 * - cameras without a declared speaker show no button.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import type { Lookout } from '../../addon/src/main.js';
import { launchChromium } from '../helpers/browser.js';
import { loadScaledMs, zombieChildren } from '../helpers/processes.js';
import { cameraProfiles, FAST_STREAM, resolveOrThrow, startTestLookout, tempDir } from '../helpers/setup.js';
import { BackchannelLog, bandRms, db, toneWav, wavSamples, TALK_TEST_VIDEO } from '../helpers/talk.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('push-to-talk in Chromium', () => {
  let cam: SyntheticCamera;
  let app: Lookout;
  const browsers: Browser[] = [];
  let low: Browser;
  let high: Browser;
  const log = new BackchannelLog();
  const pageErrors: string[] = [];
  const dir = tempDir('lookout-ptt-');

  const sessionsFor = (camera: string) => log.sessionsFor(camera);
  const nextWav = (camera: string, n: number) => log.nextWav(camera, n);

  /** A 48 kHz 16-bit WAV of a sine (what Chromium's fake microphone loops). */
  async function toneFile(hz: number): Promise<string> {
    const path = join(dir, `mic-${hz}.wav`);
    writeFileSync(path, await toneWav(hz, 10, { rate: 48000, gain: 3 }));
    return path;
  }

  const micBrowser = async (file: string) => {
    const b = await launchChromium({
      extraArgs: [
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-audio-capture=${file}`,
      ],
    });
    browsers.push(b);
    return b;
  };

  before(async () => {
    if (!existsSync('dist/panel/lookout-card.js')) execFileSync(process.execPath, ['panel/build.mjs']);
    cam = await SyntheticCamera.start({
      names: ['door', 'solo', 'plain'],
      backchannel: 'pcmu',
      backchannelDir: dir,
      ...TALK_TEST_VIDEO,
      onEvent: log.onEvent,
    });
    const config = resolveOrThrow({
      server: { host: '127.0.0.1', port: 0, data_dir: tempDir() },
      defaults: { audio: 'drop', stream: FAST_STREAM },
      cameras: [
        {
          id: 'door',
          vendor: 'generic',
          profiles: cameraProfiles(cam, 'door'),
          capabilities: { audio_out: true },
          backchannel: { mix: true },
        },
        {
          id: 'solo',
          vendor: 'generic',
          profiles: cameraProfiles(cam, 'solo'),
          capabilities: { audio_out: true },
        },
        // A speaker is never assumed (FIELD-NOTES #15): no capability, no button.
        { id: 'plain', vendor: 'generic', profiles: cameraProfiles(cam, 'plain') },
      ],
    });
    app = await startTestLookout(config, { mqtt: false, tls: false });
    [low, high] = await Promise.all([micBrowser(await toneFile(440)), micBrowser(await toneFile(1000))]);
  });

  after(async () => {
    await Promise.all(browsers.map((b) => b.close()));
    await app?.stop();
    await cam?.close();
    assert.deepEqual(pageErrors, [], 'no page errors');
    assert.deepEqual(zombieChildren(), []);
  });

  /** The panel with one camera, its tile fullscreen (the talk button is in its bottom bar). */
  async function fullscreenTile(browser: Browser, camera: string): Promise<Page> {
    const page = await browser.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${app.url}/?tech=snapshot&cameras=${camera}`);
    // Playwright's CSS locators pierce open shadow roots.
    await page.locator(`lookout-camera-tile[data-camera="${camera}"] button.fs`).click();
    await page.locator('lookout-talk-button').waitFor();
    return page;
  }

  const talkState = (page: Page) =>
    page
      .locator('lookout-talk-button')
      .evaluate((el) => (el as unknown as { dataset: { talk?: string } }).dataset.talk);

  async function press(page: Page): Promise<void> {
    const box = await page.locator('lookout-talk-button button.talk').boundingBox();
    assert.ok(box, 'the talk button is on screen');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
  }

  /** Polls the page until `state` (or fails after `ms`, load-scaled). */
  async function untilState(page: Page, state: string, ms = 10_000): Promise<void> {
    const { limitMs } = loadScaledMs(ms);
    const t0 = Date.now();
    while ((await talkState(page)) !== state) {
      if (Date.now() - t0 > limitMs) assert.fail(`talk state "${await talkState(page)}", not "${state}"`);
      await sleep(50);
    }
  }

  async function pressUntilTalking(page: Page): Promise<void> {
    await press(page);
    const { limitMs } = loadScaledMs(10_000);
    const t0 = Date.now();
    for (;;) {
      const s = await talkState(page);
      if (s === 'talking') return;
      if (s === 'error') {
        const text = await page.locator('lookout-talk-button span.error').textContent();
        assert.fail(`talk failed: ${text}`);
      }
      if (Date.now() - t0 > limitMs) assert.fail(`still "${s}" after ${limitMs} ms`);
      await sleep(50);
    }
  }

  test('holding the button: the microphone’s 440 Hz reaches the camera’s WAV; release ends it', async () => {
    const page = await fullscreenTile(low, 'door');
    assert.equal(await talkState(page), 'idle');
    const n = sessionsFor('door').length;
    await pressUntilTalking(page);
    await sleep(2500);
    await page.mouse.up();
    await untilState(page, 'idle', 5000);
    const sent = Number(
      await page
        .locator('lookout-talk-button')
        .evaluate((el) => (el as unknown as { dataset: { sent?: string } }).dataset.sent),
    );
    assert.ok(sent >= 100, `about 125 chunks of 20 ms sent in 2.5 s (got ${sent})`);

    const file = await nextWav('door', n);
    // Latency: the page's first 20 ms chunk sent → the camera's depayloader got the first packet.
    const firstSent = Number(
      await page
        .locator('lookout-talk-button')
        .evaluate((el) => (el as unknown as { dataset: { firstSentAt?: string } }).dataset.firstSentAt),
    );
    const first = log.events.find((e) => e.event === 'backchannel-first-buffer' && e.file === file);
    assert.ok(first?.atMs && firstSent > 0, 'both ends timed');
    const latency = first.atMs - firstSent;
    console.log(`# page chunk → camera: ${latency.toFixed(1)} ms (load ${loadScaledMs(1).loadPerCore}/core)`);
    assert.ok(latency > -5, 'the camera cannot hear it before the page sent it (same clock)');

    const s = wavSamples(file);
    assert.ok(s.length >= 8000 * 1.5, `camera recorded ${s.length} samples for 2.5 s of talk`);
    const body = s.subarray(1600, s.length - 1600);
    const at440 = bandRms(body, 440);
    assert.ok(
      db(at440, bandRms(body, 700)) > 30,
      `440 Hz ${db(at440, bandRms(body, 700)).toFixed(1)} dB over 700 Hz`,
    );
    // Chromium's noise suppression and gain control work on the microphone (as they should for a
    // voice next to the camera's own microphone), and a steady tone is what suppression attenuates:
    // the level is well below the file's, but plainly there.
    assert.ok(at440 > 0.01, `audible level (band RMS ${at440.toFixed(3)})`);
    await page.close();
  });

  test('two pages talking at once on a mixing camera: one camera session with both tones', async () => {
    const [a, b] = await Promise.all([fullscreenTile(low, 'door'), fullscreenTile(high, 'door')]);
    const n = sessionsFor('door').length;
    await pressUntilTalking(a);
    await pressUntilTalking(b);
    await sleep(2500);
    await Promise.all([a.mouse.up(), b.mouse.up()]);
    const wav = await nextWav('door', n);
    await sleep(500);
    assert.equal(sessionsFor('door').length, n + 1, 'exactly one camera session for both talkers');
    const s = wavSamples(wav);
    const body = s.subarray(1600, s.length - 1600);
    // Both microphones went through Chromium's noise suppression and the mixer's limiter: the bands
    // stand ≥ 20 dB over the off-band (a missing talker leaves its band at the off-band level).
    const off = bandRms(body, 700);
    assert.ok(db(bandRms(body, 440), off) > 20, `440 Hz ${db(bandRms(body, 440), off).toFixed(1)} dB`);
    assert.ok(db(bandRms(body, 1000), off) > 20, `1000 Hz ${db(bandRms(body, 1000), off).toFixed(1)} dB`);
    console.log(
      `# mixed: 440 Hz ${db(bandRms(body, 440), off).toFixed(1)} dB, 1000 Hz ${db(bandRms(body, 1000), off).toFixed(1)} dB over 700 Hz`,
    );
    await Promise.all([a.close(), b.close()]);
  });

  test('mixing off: the second page is told the camera is busy; the first keeps talking', async () => {
    const [a, b] = await Promise.all([fullscreenTile(low, 'solo'), fullscreenTile(high, 'solo')]);
    const n = sessionsFor('solo').length;
    await pressUntilTalking(a);
    await press(b);
    await untilState(b, 'error');
    assert.match(
      (await b.locator('lookout-talk-button span.error').textContent()) ?? '',
      /Someone else is talking/,
    );
    await b.mouse.up();
    await sleep(1000);
    assert.equal(await talkState(a), 'talking', 'the first talker is unaffected');
    await a.mouse.up();
    const s = wavSamples(await nextWav('solo', n));
    const body = s.subarray(1600, s.length - 1600);
    assert.ok(db(bandRms(body, 440), bandRms(body, 1000)) > 30, 'only the first page’s 440 Hz');
    await Promise.all([a.close(), b.close()]);
  });

  test('a camera without a declared speaker shows no talk button', async () => {
    const page = await low.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${app.url}/?tech=snapshot&cameras=plain`);
    await page.locator('lookout-camera-tile[data-camera="plain"] button.fs').click();
    await page.locator('lookout-camera-tile[data-camera="plain"][fullscreen]').waitFor();
    assert.equal(await page.locator('lookout-talk-button').count(), 0);
    await page.close();
  });
});
