/**
 * The Lookout nodes in Node-RED's real editor (Chromium on a running red.js): each node's edit dialog
 * opens with the rows the shared helpers (nodes/resources/lookout-editor.js) add, the config-node
 * select, the node's own values and labels from its catalog, the action-dependent rows shown or
 * hidden, and the camera id checked (required where msg.camera cannot stand in for it).
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { launchChromium } from '../../test/helpers/browser.js';

/** What one opened dialog shows, read in the page. */
interface Dialog {
  rows: string[];
  labels: string[];
  server: { tag: string; value: string };
  camera: string;
  /** The node's own settings as their inputs show them. */
  values: Record<string, string>;
  visible: string[];
  hidden: string[];
}

interface Case {
  type: string;
  props: Record<string, unknown>;
  /** Own rows (after server and camera, before name), by their input id. */
  own: string[];
  visible?: string[];
  hidden?: string[];
}

const CASES: Case[] = [
  { type: 'lookout-camera', props: { profile: 'sub', ttl: 60 }, own: ['profile', 'ttl'] },
  { type: 'lookout-motion', props: {}, own: [] },
  {
    type: 'lookout-ptz',
    props: { action: 'move', pan: 0.5 },
    own: ['action', 'preset', 'pan', 'tilt', 'zoom', 'speed', 'duration'],
    visible: ['.lookout-ptz-move', '.lookout-ptz-duration'],
    hidden: ['.lookout-ptz-preset', '.lookout-ptz-speed'],
  },
  {
    type: 'lookout-record',
    props: { action: 'start' },
    own: ['action', 'duration'],
    hidden: ['.lookout-record-duration'],
  },
  { type: 'lookout-snapshot', props: { profile: 'main', timeout: 15 }, own: ['profile', 'timeout'] },
  { type: 'lookout-talk', props: { url: '/chime.wav', volume: 2 }, own: ['url', 'volume', 'timeout'] },
];

type EditorRED = {
  nodes: {
    getType(t: string): unknown;
    import(nodes: unknown[]): void;
    node(id: string): { valid?: boolean } | null;
    remove(id: string): void;
  };
  workspaces: { active(): string };
  editor: { edit(node: unknown): void };
};
type Jq = (sel: string) => {
  val(): unknown;
  prop(name: string): string;
  length: number;
  is(sel: string): boolean;
  toArray(): Array<{ id: string; textContent: string | null }>;
};

async function openDialog(page: Page, c: Case, camera: string): Promise<Dialog> {
  const id = `n-${c.type}`;
  await page.evaluate(
    ({ c, id, camera }) => {
      const RED = (globalThis as unknown as { RED: EditorRED }).RED;
      const z = RED.workspaces.active();
      RED.nodes.import([
        { id, type: c.type, z, x: 200, y: 100, server: 'cfg', camera, ...c.props, wires: [] },
      ]);
      RED.editor.edit(RED.nodes.node(id));
    },
    { c, id, camera },
  );
  await page.waitForSelector('#node-input-camera', { state: 'visible' });
  // oneditprepare and the editor's change handlers have run once the server select holds its value.
  await page.waitForFunction(() => {
    const $ = (globalThis as unknown as { $: Jq }).$;
    return $('#node-input-server').val() === 'cfg';
  });
  const dialog = await page.evaluate(
    ({ visible, hidden, keys }) => {
      const $ = (globalThis as unknown as { $: Jq }).$;
      const inputs = $('.red-ui-tray .form-row [id^="node-input-"]').toArray();
      return {
        rows: inputs.map((el) => el.id.replace('node-input-', '')).filter((i) => !i.includes('-')),
        labels: $('.red-ui-tray .form-row label span')
          .toArray()
          .map((s) => s.textContent ?? ''),
        server: {
          tag: $('#node-input-server').prop('tagName'),
          value: String($('#node-input-server').val()),
        },
        camera: String($('#node-input-camera').val()),
        values: Object.fromEntries(keys.map((k) => [k, String($(`#node-input-${k}`).val())])),
        visible: visible.filter((s) => $(s).is(':visible')),
        hidden: hidden.filter((s) => $(s).length > 0 && !$(s).is(':visible')),
      };
    },
    { visible: c.visible ?? [], hidden: c.hidden ?? [], keys: Object.keys(c.props) },
  );
  // Clicked in the page: a first-run overlay (the editor's welcome tour) must not get in the way.
  await page.evaluate(() =>
    (globalThis as unknown as { $: (s: string) => { trigger(e: string): void } })
      .$('#node-dialog-cancel')
      .trigger('click'),
  );
  await page.waitForSelector('#node-input-camera', { state: 'detached' });
  return dialog;
}

/** Validity of a node of `type` with this camera setting, as the editor computes it on import. */
async function validWith(page: Page, type: string, camera: string): Promise<boolean> {
  return page.evaluate(
    ({ type, camera }) => {
      const RED = (globalThis as unknown as { RED: EditorRED }).RED;
      const id = `v-${type}-${camera.length}`;
      RED.nodes.import([
        { id, type, z: RED.workspaces.active(), x: 50, y: 300, server: 'cfg', camera, wires: [] },
      ]);
      const valid = RED.nodes.node(id)?.valid !== false;
      RED.nodes.remove(id);
      return valid;
    },
    { type, camera },
  );
}

export async function checkEditDialogs(base: string): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // The editor also reaches for the internet (the palette catalogue), which this machine has not:
    // only script errors, Lookout's own messages and failed requests to Node-RED itself count.
    page.on('console', (m) => {
      if (/lookout/i.test(m.text())) errors.push(m.text());
    });
    page.on('response', (r) => {
      if (r.url().startsWith(base) && r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
    });
    await page.goto(base);
    await page.waitForFunction(
      (types) => {
        const RED = (globalThis as unknown as { RED?: EditorRED }).RED;
        return !!RED?.workspaces?.active?.() && types.every((t) => RED.nodes.getType(t));
      },
      [...CASES.map((c) => c.type), 'lookout-config'],
      { timeout: 30_000 },
    );
    const configTemplate = await page.evaluate(() => {
      const { RED, $ } = globalThis as unknown as { RED: EditorRED; $: (s: string) => { html(): string } };
      RED.nodes.import([
        {
          id: 'cfg',
          type: 'lookout-config',
          name: 'hub',
          broker: 'mqtt://127.0.0.1:1883',
          baseTopic: 'lookout',
        },
      ]);
      return $('script[data-template-name="lookout-config"]').html();
    });
    assert.match(
      configTemplate,
      /^<div class="form-row"><label for="node-config-input-name">/,
      'config: name row',
    );
    for (const c of CASES) {
      const d = await openDialog(page, c, 'dome');
      assert.deepEqual(d.rows, ['server', 'camera', ...c.own, 'name'], `${c.type}: rows`);
      assert.equal(d.labels[0], 'Server', `${c.type}: server label from the catalog`);
      assert.equal(d.labels.at(-1), 'Name', `${c.type}: name label from the catalog`);
      assert.deepEqual(d.server, { tag: 'SELECT', value: 'cfg' }, `${c.type}: config-node select`);
      assert.equal(d.camera, 'dome', `${c.type}: camera value`);
      const expected = Object.fromEntries(Object.entries(c.props).map(([k, v]) => [k, String(v)]));
      assert.deepEqual(d.values, expected, `${c.type}: own values`);
      assert.deepEqual(d.visible, c.visible ?? [], `${c.type}: rows shown for the action`);
      assert.deepEqual(d.hidden, c.hidden ?? [], `${c.type}: rows hidden for the action`);
      assert.equal(await validWith(page, c.type, 'Not An Id'), false, `${c.type}: invalid camera id refused`);
      // msg.camera can stand in for an empty camera on the message-driven request nodes only.
      const optional = c.type !== 'lookout-camera' && c.type !== 'lookout-motion';
      assert.equal(await validWith(page, c.type, ''), optional, `${c.type}: empty camera valid: ${optional}`);
    }
    assert.deepEqual(errors, [], 'no editor errors');
  } finally {
    await browser.close();
  }
}
