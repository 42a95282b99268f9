/**
 * The card's HA contract in real Chromium, on the real supervisor with synthetic cameras:
 * - the visual editor lists Lookout's cameras, emits `config-changed` (bubbling out of a shadow root)
 *   only when something changed, each change as the minimal config plus HA's own keys, and undoing
 *   every change gives back exactly the original config; bad input shows inline and emits nothing;
 *   without a reachable Lookout it falls back to typed camera ids;
 * - the card bundle (panel/src/index.ts, as panel/build.mjs builds it, plus registerLookoutCard):
 *   setConfig on a bad config throws CardConfigError naming every problem (shown as an error card,
 *   as HA's hui-card does), getGridOptions and getCardSize answer, the editor comes from
 *   getConfigElement, and loading the bundle twice leaves one `window.customCards` entry.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import type { Lookout } from '../../addon/src/main.js';
import { launchChromium } from '../helpers/browser.js';
import { bundlePanel, openTestPage } from '../helpers/panel-bundle.js';
import { processesMatching, zombieChildren } from '../helpers/processes.js';
import { rawConfigFor, resolveOrThrow, startTestLookout } from '../helpers/setup.js';

const SHOTS = 'test-results/screenshots';
type Config = Record<string, unknown>;

const ORIGINAL: Config = {
  type: 'custom:lookout-grid-card',
  title: 'Yard',
  cameras: ['cam2', 'cam1'],
  columns: 2,
  controls: { ptz: false },
  // Stored by HA's sections view in the card config: the editor must hand it back untouched.
  grid_options: { columns: 12, rows: 6 },
};

describe('card and editor in Chromium', () => {
  let cam: SyntheticCamera;
  let app: Lookout;
  let browser: Browser | undefined;
  let editorScript: string;
  let cardScript: string;
  const pageErrors: string[] = [];

  before(async () => {
    cam = await SyntheticCamera.start({
      names: ['cam1', 'cam2', 'cam3'],
      main: { width: 640, height: 360, fps: 10, gop: 10 },
      sub: { width: 320, height: 180, fps: 10, gop: 10 },
    });
    [app, browser, editorScript, cardScript] = await Promise.all([
      startTestLookout(resolveOrThrow(rawConfigFor(cam))),
      launchChromium(),
      bundlePanel(`import { createEditor, registerLookoutCard, stubConfig, CARD_ENTRY } from './register.js';
        import { resolveCardConfig } from './config/card-config.js';
        registerLookoutCard();
        window.lookout = { createEditor, stubConfig, CARD_ENTRY, resolveCardConfig };`),
      // The card bundle's entry plus the registration the entry is to call (idempotent if it does).
      bundlePanel(`import './index.js';
        import { registerLookoutCard } from './register.js';
        registerLookoutCard(customElements.get('lookout-grid-card'));`),
    ]);
  });

  after(async () => {
    await browser?.close();
    await app?.stop();
    await cam?.close();
    if (cam) assert.deepEqual(processesMatching(`127.0.0.1:${cam.port}/`), [], 'no FFmpeg left behind');
    assert.deepEqual(zombieChildren(), [], 'no zombies');
    assert.deepEqual(pageErrors, [], 'no page errors');
  });

  async function newPage(t: TestContext): Promise<Page> {
    const page = await browser!.newPage({ viewport: { width: 560, height: 900 } });
    t.after(() => page.close());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    return page;
  }

  /**
   * An editor inside a shadow root (as in HA's dialog); every config-changed is recorded. With
   * `ingress`, a stub `hass` answers the Supervisor calls HA would (add-on info with its ingress URL
   * — here the test supervisor's origin — and an ingress session), as a dashboard without `url` does.
   */
  async function openEditor(t: TestContext, config: Config, ingress: boolean): Promise<Page> {
    const page = await newPage(t);
    await openTestPage(page, app.url, 'editor', {
      head: `<style>body { margin: 0; background: #f0f0f0; font-family: sans-serif; }
        #frame { width: 480px; margin: 16px; padding: 16px; background: #fff; border-radius: 12px;
          box-shadow: 0 1px 4px rgba(0,0,0,.2); }</style>`,
      body: `<div id="frame"></div>`,
      scripts: [editorScript],
    });
    await page.evaluate(`(() => {
      window.__configs = [];
      document.addEventListener('config-changed', (e) => window.__configs.push(e.detail.config));
      window.__ws = [];
      const ed = window.lookout.createEditor();
      ed.setConfig(${JSON.stringify(config)});
      if (${ingress}) ed.hass = { callWS: async (m) => {
        window.__ws.push(m.endpoint);
        if (m.endpoint.endsWith('/info')) return { ingress_url: location.origin + '/', state: 'started' };
        if (m.endpoint === '/ingress/session') return { session: 'test-session' };
        return {};
      } };
      document.getElementById('frame').attachShadow({ mode: 'open' }).append(ed);
    })()`);
    return page;
  }

  const emitted = (page: Page): Promise<Config[]> => page.evaluate('window.__configs');

  test('the editor round-trips: each change emits the minimal config, undoing all gives the original', async (t) => {
    const page = await openEditor(t, ORIGINAL, true);
    const ed = page.locator('#frame lookout-grid-card-editor');
    await ed.locator('input[name="camera"]').nth(2).waitFor({ timeout: 10_000 });
    assert.deepEqual(
      await page.evaluate(`[...document.getElementById('frame').shadowRoot.querySelector('lookout-grid-card-editor')
        .shadowRoot.querySelectorAll('input[name="camera"]')].map((e) => [e.value, e.checked])`),
      [
        ['cam2', true],
        ['cam1', true],
        ['cam3', false],
      ],
      'ticked cameras first, in config order',
    );
    assert.deepEqual(
      (await page.evaluate<string[]>('window.__ws')).slice(0, 2),
      ['/addons/local_lookout/info', '/ingress/session'],
      'cameras listed through the add-on ingress, as in a dashboard',
    );
    mkdirSync(SHOTS, { recursive: true });
    await page.locator('#frame').screenshot({ path: `${SHOTS}/editor.png` });
    assert.deepEqual(await emitted(page), [], 'nothing changed: nothing emitted');

    const expectLast = async (want: Config, what: string, count?: number) => {
      const all = await emitted(page);
      if (count !== undefined) assert.equal(all.length, count, `${what}: ${count} events so far`);
      assert.deepEqual(all[all.length - 1], want, what);
    };
    const { controls: _c, ...noControls } = ORIGINAL;
    const record = ed.locator('input[name="control-record"]');
    await record.uncheck();
    await expectLast({ ...ORIGINAL, controls: { ptz: false, record: false } }, 'record off', 1);
    await record.check();
    await expectLast(ORIGINAL, 'record back on', 2);
    await ed.locator('input[name="control-ptz"]').check();
    await expectLast(noControls, 'all controls at default: no controls key', 3);
    await ed.locator('input[name="control-ptz"]').uncheck();
    await expectLast(ORIGINAL, 'ptz off again', 4);

    await ed.locator('input[name="camera"][value="cam3"]').check();
    await expectLast({ ...ORIGINAL, cameras: ['cam2', 'cam1', 'cam3'] }, 'cam3 added at the end', 5);
    await ed.getByRole('button', { name: 'Move cam3 up' }).click();
    await expectLast({ ...ORIGINAL, cameras: ['cam2', 'cam3', 'cam1'] }, 'cam3 moved up', 6);
    await ed.locator('input[name="camera"][value="cam3"]').uncheck();
    await expectLast(ORIGINAL, 'cam3 removed', 7);

    await ed.locator('select[name="columns"]').selectOption('auto');
    const { columns: _col, ...autoColumns } = ORIGINAL;
    await expectLast(autoColumns, 'columns auto is the default: omitted', 8);
    await ed.locator('select[name="columns"]').selectOption('2');
    await expectLast(ORIGINAL, 'columns 2', 9);

    await ed.locator('select[name="live_tech"]').selectOption('snapshot');
    await expectLast({ ...ORIGINAL, live_tech: 'snapshot' }, 'live tech snapshot', 10);
    await ed.locator('select[name="live_tech"]').selectOption('auto');
    await expectLast(ORIGINAL, 'live tech auto', 11);

    const aspect = ed.locator('input[name="aspect_ratio"]');
    await aspect.fill('4x3');
    await ed.locator('.error[role="alert"]').waitFor({ timeout: 2000 });
    assert.equal((await emitted(page)).length, 11, 'an invalid aspect ratio emits nothing');
    await aspect.fill('4:3');
    await expectLast({ ...ORIGINAL, aspect_ratio: '4:3' }, 'aspect 4:3', 12);
    assert.equal(await ed.locator('.error[role="alert"]').count(), 0, 'error cleared');
    await aspect.fill('16:9');
    await expectLast(ORIGINAL, 'aspect back to the default', 13);

    const title = ed.locator('input[name="title"]');
    await title.fill('');
    const { title: _t, ...noTitle } = ORIGINAL;
    await expectLast(noTitle, 'no title', 14);
    await title.fill('Yard');
    await expectLast(ORIGINAL, 'title back', 15);

    const url = ed.locator('input[name="url"]');
    await url.fill('ftp://nas');
    await url.dispatchEvent('change');
    await ed.locator('.error[role="alert"]').waitFor({ timeout: 2000 });
    assert.equal((await emitted(page)).length, 15, 'an invalid URL emits nothing');
    await url.fill('/lookout/');
    await url.dispatchEvent('change');
    await expectLast({ ...ORIGINAL, url: '/lookout/' }, 'url set', 16);
    await url.fill('');
    await url.dispatchEvent('change');
    await expectLast(ORIGINAL, 'url cleared', 17);

    // Every config the editor emitted is one the card accepts.
    const refused = await page.evaluate(`window.__configs.flatMap((c) => {
      try { window.lookout.resolveCardConfig(c); return []; } catch (e) { return [e.message]; }
    })`);
    assert.deepEqual(refused, []);
  });

  test('without a reachable Lookout the editor takes typed camera ids; bad configs are refused', async (t) => {
    const start: Config = { type: 'custom:lookout-grid-card', url: 'http://127.0.0.1:9/' };
    const page = await openEditor(t, start, false);
    const ed = page.locator('#frame lookout-grid-card-editor');
    const ids = ed.locator('input[name="camera-ids"]');
    await ids.waitFor({ timeout: 10_000 });
    assert.match((await ed.locator('fieldset.cameras').textContent()) ?? '', /could not be listed/);
    await ids.fill('cam1, cam2');
    await ids.dispatchEvent('change');
    assert.deepEqual(await emitted(page), [{ ...start, cameras: ['cam1', 'cam2'] }]);
    await ids.fill('cam1, Bad Id');
    await ids.dispatchEvent('change');
    await ed.locator('.error[role="alert"]').waitFor({ timeout: 2000 });
    assert.match((await ed.locator('.error[role="alert"]').textContent()) ?? '', /not a camera id: Bad Id/);
    assert.equal((await emitted(page)).length, 1, 'nothing emitted for bad ids');

    // HA contract: an invalid config makes setConfig throw (HA then offers the YAML editor).
    const thrown = await page.evaluate(`(() => {
      try { window.lookout.createEditor().setConfig({ columns: 'many', colour: 'red' }); return null; }
      catch (e) { return { name: e.name, problems: e.problems }; }
    })()`);
    assert.deepEqual(thrown, {
      name: 'CardConfigError',
      problems: ['colour: unknown key', 'columns: must be an integer 1-8 or "auto"'],
    });
    assert.deepEqual(await page.evaluate('window.lookout.stubConfig()'), {}, 'stub: all cameras, defaults');
  });

  test('the card: error card on bad config, grid options, card size, editor, one picker entry', async (t) => {
    const page = await newPage(t);
    await openTestPage(page, app.url, 'card', {
      head: `<style>body { margin: 0; background: #fafafa; } .error-card { color: #b00020; white-space: pre-line; }</style>`,
      body: `<div id="dash" style="width: 520px"></div>`,
      // The same bundle twice, as a dashboard listing the resource twice loads it.
      scripts: [cardScript, cardScript],
    });
    await page.waitForFunction(`customElements.get('lookout-grid-card') && window.customCards`, undefined, {
      timeout: 10_000,
    });
    const r = (await page.evaluate(`(async () => {
      const out = {};
      out.entries = window.customCards.filter((c) => c.type === 'lookout-grid-card');
      const Card = customElements.get('lookout-grid-card');
      const dash = document.getElementById('dash');
      // What HA's hui-card does: setConfig throwing becomes an error card showing the message.
      const mount = (config) => {
        const card = document.createElement('lookout-grid-card');
        try {
          card.setConfig(config);
        } catch (e) {
          const err = document.createElement('div');
          err.className = 'error-card';
          err.textContent = e.message;
          dash.append(err);
          return { error: { name: e.name, problems: e.problems } };
        }
        card.hass = { callWS: async (m) => { (window.__ws ||= []).push(m); return {}; } };
        dash.append(card);
        return { card };
      };
      out.bad = mount({ type: 'custom:lookout-grid-card', columns: 0, live_tech: 'rtmp', controls: { ptz: 'no' } }).error;
      const { card } = mount({ type: 'custom:lookout-grid-card', cameras: ['cam1', 'cam2', 'cam3'],
        url: location.origin + '/', grid_options: { columns: 12, rows: 8 } });
      await card.updateComplete;
      out.grid = card.getGridOptions();
      out.size = await card.getCardSize();
      out.stub = Card.getStubConfig({ states: {} }, [], []);
      // The picker adds the type and mounts the stub: the card must accept its own stub config.
      out.stubError = mount({ type: 'custom:lookout-grid-card', ...out.stub }).error ?? null;
      const ed = Card.getConfigElement();
      out.editor = ed.tagName.toLowerCase();
      out.editorDefined = ed instanceof (customElements.get(out.editor) || class {});
      return out;
    })()`)) as {
      entries: Array<Record<string, unknown>>;
      bad: { name: string; problems: string[] };
      grid: Record<string, unknown>;
      size: unknown;
      stub: Config;
      stubError: unknown;
      editor: string;
      editorDefined: boolean;
    };

    assert.equal(r.entries.length, 1, 'one picker entry after loading the bundle twice');
    assert.equal(r.entries[0]!.name, 'Lookout camera grid');
    assert.equal(r.entries[0]!.preview, true);

    assert.equal(r.bad.name, 'CardConfigError');
    assert.deepEqual(r.bad.problems.sort(), [
      'columns: must be an integer 1-8 or "auto"',
      'controls.ptz: must be boolean',
      'live_tech: must be one of auto, webrtc, llhls, mse, snapshot',
    ]);
    const shown = (await page.locator('.error-card').textContent()) ?? '';
    for (const p of r.bad.problems) assert.ok(shown.includes(p), `error card shows "${p}"`);

    for (const k of ['columns', 'rows', 'min_columns', 'min_rows'])
      assert.equal(typeof r.grid[k], 'number', `getGridOptions().${k}: ${JSON.stringify(r.grid)}`);
    assert.ok(
      (r.grid.columns as number) % 3 === 0 && (r.grid.columns as number) <= 12,
      'columns in 12ths, by 3',
    );
    assert.ok(typeof r.size === 'number' && r.size >= 1, `getCardSize() = ${String(r.size)}`);
    assert.equal(r.stubError, null, `getStubConfig() ${JSON.stringify(r.stub)} is a valid config`);
    assert.equal('type' in r.stub, false, 'the stub has no type (HA adds it)');
    assert.equal(r.editor, 'lookout-grid-card-editor');
    assert.equal(r.editorDefined, true, 'the editor element is defined');
  });
});
