/**
 * The request/response nodes (lookout-ptz, lookout-snapshot, lookout-record) and the example flows in
 * a real Node-RED 4 runtime (node-red-node-test-helper), against the real Lookout (supervisor,
 * snapshots, recorder, camera control, embedded MQTT broker) with a synthetic RTSP camera and the
 * loopback ONVIF device. Errors are observed the way users see them: through a Catch node.
 * The package as users install it (npm pack, a fresh user dir, the editor) is palette-install.test.ts.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { SyntheticCamera } from '../addon/src/demo/synthetic-camera.js';
import type { RecordingEntry, RecordingEvent } from '../addon/src/contracts/recording.js';
import type { Lookout } from '../addon/src/main.js';
import { startOnvifDevice, type OnvifDevice } from '../test/fixtures/onvif-device/index.js';
import { jpegSize } from '../test/helpers/jpeg.js';
import { processesMatching, waitFor, zombieChildren } from '../test/helpers/processes.js';
import { rawConfigFor, resolveOrThrow, startTestLookout, tempDir } from '../test/helpers/setup.js';
import lookoutConfig from './lookout-config/lookout-config.js';
import lookoutCamera from './lookout-camera/lookout-camera.js';
import lookoutMotion from './lookout-motion/lookout-motion.js';
import lookoutPtz from './lookout-ptz/lookout-ptz.js';
import lookoutSnapshot from './lookout-snapshot/lookout-snapshot.js';
import lookoutRecord from './lookout-record/lookout-record.js';
import type { NodeMessage, NodeStatus } from './lib/red.js';
import { helper, type TestNode } from './test-support/runtime.js';
import type { LookoutConfigNode } from './lookout-config/lookout-config.js';

const require = createRequire(import.meta.url);
/** Core nodes the example flows use, from Node-RED's own package. */
const core = (p: string) => require(`@node-red/nodes/core/${p}`) as unknown;
const CORE_NODES = [
  core('common/20-inject.js'),
  core('common/21-debug.js'),
  core('common/90-comment.js'),
  core('function/10-function.js'),
  core('function/10-switch.js'),
  core('function/15-change.js'),
  core('network/10-mqtt.js'),
];
const LOOKOUT_NODES = [
  lookoutConfig,
  lookoutCamera,
  lookoutMotion,
  lookoutPtz,
  lookoutSnapshot,
  lookoutRecord,
];
const root = new URL('..', import.meta.url).pathname;

const USER = { username: 'admin', password: 'Nr-s3cret!x' };
const MAIN = { width: 640, height: 360 };
const SUB = { width: 320, height: 180 };

let cam: SyntheticCamera;
let dev: OnvifDevice;
let app: Lookout;
let brokerUrl: string;

before(async () => {
  [cam, dev] = await Promise.all([
    SyntheticCamera.start({
      names: ['dome'],
      main: { ...MAIN, fps: 10, gop: 10 },
      sub: { ...SUB, fps: 10, gop: 10 },
    }),
    startOnvifDevice({
      ...USER,
      panTiltSpeed: 1,
      zoomSpeed: 1,
      presets: [{ token: '7', name: 'gate', position: { x: 0.2, y: 0.1, zoom: 0 } }],
    }),
  ]);
  const raw = rawConfigFor(cam, { names: ['dome'] });
  const config = resolveOrThrow({
    ...raw,
    recording: { root: tempDir('lookout-nr-rec-') },
    cameras: [
      {
        ...raw.cameras[0]!,
        vendor: 'onvif',
        host: '127.0.0.1',
        credentials: USER,
        onvif: { port: dev.port },
        capabilities: { ptz: true, presets: true, motion_events: true },
      },
      // Nothing listens there: a snapshot of it cannot succeed within a short timeout.
      { id: 'dead', vendor: 'generic', profiles: { main: { url: 'rtsp://127.0.0.1:9/none' } } },
    ],
  });
  app = await startTestLookout(config, { tls: false });
  assert.ok(app.mqtt, 'MQTT service started');
  brokerUrl = app.mqtt.url;
  await helper.startServer();
});

afterEach(() => helper.unload());

after(async () => {
  await helper.stopServer();
  await app?.stop();
  const port = cam?.port;
  await Promise.all([dev?.close(), cam?.close()]);
  if (port) assert.deepEqual(processesMatching(`127.0.0.1:${port}/`), [], 'no FFmpeg left behind');
  assert.deepEqual(zombieChildren(), [], 'no zombies (FFmpeg, ffprobe, Node-RED children)');
});

/**
 * A tab with the config node, the node under test wired to `out`, and a Catch node wired to `errs`.
 * Nodes on a tab need x/y: without them Node-RED files them as config nodes and Catch sees nothing.
 */
const AT = { z: 'tab', x: 100, y: 100 };
function flowWith(node: Record<string, unknown>) {
  const at = AT;
  return [
    { id: 'tab', type: 'tab', label: 'test' },
    { id: 'srv', type: 'lookout-config', broker: brokerUrl, baseTopic: 'lookout' },
    { ...at, id: 'n', server: 'srv', wires: [['out']], ...node },
    { ...at, id: 'out', type: 'helper', wires: [] },
    { ...at, id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['errs']] },
    { ...at, id: 'errs', type: 'helper', wires: [] },
  ];
}

interface Loaded {
  node: TestNode;
  out: NodeMessage[];
  errs: Array<NodeMessage & { error: { message: string; source: { id: string } } }>;
  statuses: NodeStatus[];
  conn: LookoutConfigNode['connection'];
}

async function load(node: Record<string, unknown>): Promise<Loaded> {
  await helper.load(LOOKOUT_NODES, flowWith(node));
  const out: Loaded['out'] = [];
  const errs: Loaded['errs'] = [];
  const statuses: NodeStatus[] = [];
  (helper.getNode('n') as TestNode).on('call:status', (c) => statuses.push(c.args[0]));
  (helper.getNode('out') as TestNode).on('input', (m) => out.push(m));
  (helper.getNode('errs') as TestNode).on('input', (m) => errs.push(m as Loaded['errs'][number]));
  const conn = (helper.getNode('srv') as LookoutConfigNode).connection;
  await waitFor(() => conn.connected, 10_000, 'config node connected');
  return { node: helper.getNode('n') as TestNode, out, errs, statuses, conn };
}

/** Sends one message and waits for its outcome: the output message, or the Catch node's. */
async function send(l: Loaded, msg: NodeMessage, timeoutMs = 15_000) {
  const [o, e] = [l.out.length, l.errs.length];
  l.node.receive(msg);
  await waitFor(() => l.out.length > o || l.errs.length > e, timeoutMs, `outcome of ${JSON.stringify(msg)}`);
  return { msg: l.out[o], err: l.errs[e] };
}

async function ok(l: Loaded, msg: NodeMessage, timeoutMs?: number): Promise<NodeMessage> {
  const r = await send(l, msg, timeoutMs);
  assert.equal(r.err, undefined, `unexpected error: ${r.err?.error.message}`);
  return r.msg!;
}

async function fails(l: Loaded, msg: NodeMessage, pattern: RegExp, timeoutMs?: number): Promise<string> {
  const r = await send(l, msg, timeoutMs);
  assert.equal(r.msg, undefined, 'no output message on failure');
  assert.equal(r.err!.error.source.id, 'n', 'the Catch node names the failing node');
  assert.match(r.err!.error.message, pattern);
  return r.err!.error.message;
}

describe('lookout-ptz', () => {
  test('move: ContinuousMove with the velocities, then the Stop Lookout arms for the duration', async () => {
    const l = await load({
      type: 'lookout-ptz',
      camera: 'dome',
      action: 'move',
      pan: 0.5,
      tilt: -0.25,
      duration: 0.4,
    });
    // Status: the camera's retained availability, not just the MQTT link.
    await waitFor(
      () => l.statuses.some((s) => s.text === 'dome online' && s.fill === 'green'),
      5000,
      'status "dome online"',
    );
    dev.clearCalls();
    const m = await ok(l, { payload: Date.now() });
    assert.deepEqual(m.payload, { ok: true, stops_in_ms: 400 });
    assert.equal(m.topic, 'ptz_move');
    const move = dev.callsTo('ContinuousMove');
    assert.equal(move.length, 1);
    assert.deepEqual(move[0]!.params.velocity, { x: 0.5, y: -0.25, zoom: 0 });
    await waitFor(() => dev.callsTo('Stop').length > 0, 5000, 'the safety Stop after the duration');
    const stop = dev.callsTo('Stop')[0]!;
    assert.ok(stop.time >= move[0]!.time + 300, `Stop ${stop.time - move[0]!.time} ms after the move`);

    // msg fields override the node: a zoom, then an explicit stop, then home.
    dev.clearCalls();
    assert.deepEqual((await ok(l, { action: 'zoom_in', speed: 0.8, duration: 5 })).payload, {
      ok: true,
      stops_in_ms: 5000,
    });
    assert.equal(dev.callsTo('ContinuousMove')[0]!.params.velocity?.zoom, 0.8);
    assert.deepEqual((await ok(l, { payload: 'stop' })).payload, { ok: true });
    assert.equal(dev.callsTo('Stop').length, 1);
    await ok(l, { payload: { action: 'home' } });
    assert.equal(dev.callsTo('GotoHomePosition').length, 1);

    // Input the node refuses before publishing, and Lookout's own refusal, both reach the Catch node.
    await fails(l, { action: 'move', pan: 3 }, /pan must be a number from -1 to 1/);
    await fails(l, { action: 'fly' }, /unknown action "fly"/);
    await fails(l, { camera: 'nope', action: 'home' }, /nope ptz_home: not_found: camera "nope" not found/);
    await fails(l, { camera: 'dead', action: 'home' }, /dead ptz_home: /);
  });

  test('presets by name: goto maps the name to its token; set / goto / remove round trip', async () => {
    const l = await load({ type: 'lookout-ptz', camera: 'dome', action: 'preset_goto', preset: 'gate' });
    dev.clearCalls();
    assert.deepEqual((await ok(l, { payload: 1 })).payload, { ok: true, preset: 'gate' });
    assert.equal(dev.callsTo('GotoPreset').at(-1)!.params.presetToken, '7');

    const saved = await ok(l, { action: 'preset_set', preset: 'porch view' });
    assert.deepEqual(saved.payload, { ok: true, preset: 'porch view', created: true });
    const token = dev.presets().find((p) => p.name === 'porch view')?.token;
    assert.ok(token && token !== '7', `new preset token ${token}`);

    // A bare string payload is a preset name for goto.
    await ok(l, { payload: 'porch view' });
    assert.equal(dev.callsTo('GotoPreset').at(-1)!.params.presetToken, token);

    await ok(l, { payload: { action: 'remove', preset: 'porch view' } });
    assert.equal(
      dev.presets().some((p) => p.name === 'porch view'),
      false,
    );
    const gotos = dev.callsTo('GotoPreset').length;
    await fails(l, { payload: 'porch view' }, /preset_goto: not_found: /);
    assert.equal(dev.callsTo('GotoPreset').length, gotos, 'an unknown name never reaches the camera');
    await fails(l, { action: 'preset_goto', preset: '' }, /needs a preset name/);
  });
});

/** The JPEG's size as FFmpeg decodes it. */

describe('lookout-snapshot', () => {
  test('outputs a JPEG Buffer of the profile size; unknown camera and timeout go to Catch', async () => {
    const l = await load({ type: 'lookout-snapshot', camera: 'dome', profile: 'sub', timeout: 20 });
    const t0 = Date.now();
    const m = await ok(l, { payload: Date.now() }, 25_000);
    const jpeg = m.payload as Buffer;
    assert.ok(Buffer.isBuffer(jpeg), 'payload is a Buffer');
    assert.equal(jpeg.readUInt16BE(0), 0xffd8, 'SOI');
    assert.equal(jpeg.readUInt16BE(jpeg.length - 2), 0xffd9, 'EOI');
    assert.equal(await jpegSize(jpeg), `${SUB.width}x${SUB.height}`);
    assert.equal(m.contentType, 'image/jpeg');
    assert.equal(m.profile, 'sub');
    console.log(`# snapshot node (idle sub stream): ${Date.now() - t0} ms, ${jpeg.length} bytes`);

    const main = await ok(l, { profile: 'main' }, 25_000);
    assert.equal(await jpegSize(main.payload as Buffer), `${MAIN.width}x${MAIN.height}`);

    await fails(l, { camera: 'nope' }, /nope snapshot: not_found: /);
    await fails(l, { profile: 'hd' }, /profile must be "main" or "sub"/);
    const t1 = Date.now();
    const why = await fails(
      l,
      { camera: 'dead', profile: 'main', timeout: 2 },
      /dead snapshot: timeout: /,
      10_000,
    );
    assert.ok(Date.now() - t1 < 6000, `failed after ${Date.now() - t1} ms (timeout 2 s): ${why}`);
  });
});

describe('lookout-record', () => {
  test('start / stop change the recorder state; a clip ends by itself', async () => {
    const l = await load({ type: 'lookout-record', camera: 'dome', action: 'start' });
    const recording = () => app.recordings.recorder('dome').state().recording;
    assert.equal(recording(), false);
    const started = await ok(l, { payload: Date.now() });
    assert.deepEqual(started.payload, { ok: true, recording: true });
    assert.equal(started.topic, 'start');
    assert.equal(recording(), true);
    // Some media, so the recording is kept (one stopped before any media is discarded).
    await waitFor(
      () => app.supervisor.status({ camera: 'dome', profile: 'main' }).state === 'live',
      10_000,
      'dome/main live for the recording',
    );
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual((await ok(l, { payload: 'stop' })).payload, { ok: true, recording: false });
    assert.equal(recording(), false);

    const t0 = Date.now();
    assert.deepEqual((await ok(l, { action: 'clip', duration: 2 })).payload, { ok: true, recording: true });
    assert.equal(recording(), true);
    await waitFor(() => !recording(), 15_000, 'the clip to end by itself');
    // The recorder counts the duration in media time from the first part it writes (which may be
    // buffered from before the request), so the wall-clock end says little; the file's length does.
    const files = async () =>
      (
        (await (await fetch(`${app.url}/api/recordings?camera=dome`)).json()) as {
          recordings: RecordingEntry[];
        }
      ).recordings;
    let list = await files();
    for (let i = 0; i < 50 && list.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      list = await files();
    }
    assert.equal(list.length, 2, 'the started/stopped recording and the clip are in the index');
    const clip = list.sort((a, b) => a.start.localeCompare(b.start)).at(-1)!;
    console.log(`# 2 s clip: ended ${Date.now() - t0} ms after the request; file ${clip.durationS} s`);
    assert.ok(clip.durationS >= 1.5 && clip.durationS <= 4, `clip of ${clip.durationS} s`);

    await fails(l, { action: 'clip', duration: 0 }, /duration must be 1 to 86400 seconds/);
    await fails(l, { camera: 'nope', action: 'stop' }, /nope record_stop: not_found: /);
  });
});

describe('close', () => {
  test('after the flow stops: no users, subscriptions or requests left, connection closed', async () => {
    await helper.load(LOOKOUT_NODES, [
      { id: 'tab', type: 'tab', label: 'test' },
      { id: 'srv', type: 'lookout-config', broker: brokerUrl, baseTopic: 'lookout' },
      { ...AT, id: 'p', type: 'lookout-ptz', server: 'srv', camera: 'dome', action: 'home', wires: [] },
      { ...AT, id: 's', type: 'lookout-snapshot', server: 'srv', camera: 'dome', profile: 'sub', wires: [] },
      { ...AT, id: 'r', type: 'lookout-record', server: 'srv', camera: 'dome', action: 'stop', wires: [] },
    ]);
    const conn = (helper.getNode('srv') as LookoutConfigNode).connection;
    await waitFor(() => conn.connected, 10_000, 'connected');
    // Each node holds its camera's availability topic; the snapshot node also its JPEG topic.
    (helper.getNode('s') as TestNode).receive({});
    (helper.getNode('p') as TestNode).receive({});
    await waitFor(() => conn.usage.filters === 2 && conn.usage.pending > 0, 5000, 'subscriptions + requests');
    assert.equal(conn.usage.users, 3);
    await helper.unload();
    assert.deepEqual(conn.usage, { users: 0, filters: 0, pending: 0 });
    assert.equal(conn.connected, false);
  });

  test('a Node-RED process using every node exits by itself after its flow stops (no timers left)', async () => {
    // A child runs the helper with the nodes against this Lookout, sends every kind of request,
    // unloads and stops; anything left (a timer, a socket, an MQTT client) would keep it alive.
    const t0 = Date.now();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(root, 'nodes/test-support/close-check.ts'), brokerUrl],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const t = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 40_000);
      child.on('exit', (c) => (clearTimeout(t), resolve(c)));
    });
    assert.equal(code, 0, `child did not exit cleanly by itself:\n${out}`);
    assert.match(out, /answers: ptz ok, record ok, snapshot \d+ bytes/);
    assert.match(out, /after close: users 0, filters 0, pending 0/);
    console.log(`# close-check child exited by itself ${Date.now() - t0} ms after start`);
  });
});

/** Example flows with every broker pointed at this test's broker (never 127.0.0.1:1883). */
function exampleFlows(): Array<{ name: string; flow: Array<Record<string, unknown>> }> {
  const u = new URL(brokerUrl);
  return readdirSync(join(root, 'flows'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => {
      const flow = JSON.parse(readFileSync(join(root, 'flows', f), 'utf8')) as Array<Record<string, unknown>>;
      for (const n of flow) {
        if (n.type === 'lookout-config') {
          assert.equal(n.broker, 'mqtt://127.0.0.1:1883', `${f}: example broker`);
          n.broker = brokerUrl;
        }
        if (n.type === 'mqtt-broker') {
          assert.equal(`${String(n.broker)}:${String(n.port)}`, '127.0.0.1:1883', `${f}: example broker`);
          n.broker = u.hostname;
          n.port = u.port;
        }
      }
      return { name: f, flow };
    });
}

test('every node help renders as Node-RED markdown (headings and property lists at column 0)', () => {
  // Node-RED's editor (editor-client red.js, `descriptionList`) takes a property list only from lines
  // matching /^(?::[^:\n]+:[^:\n]*(?:\n|$))+/: starting at column 0, with exactly two colons.
  const dirs = readdirSync(join(root, 'nodes'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name.startsWith('lookout-'))
    .map((d) => d.name);
  assert.ok(dirs.length >= 6);
  for (const d of dirs) {
    const html = readFileSync(join(root, 'nodes', d, `${d}.html`), 'utf8');
    const help = /<script type="text\/markdown" data-help-name="([^"]+)">\n([\s\S]*?)<\/script>/.exec(html);
    assert.ok(help && help[1] === d, `${d}: markdown help block`);
    const lines = help[2]!.split('\n');
    for (const l of lines) {
      assert.ok(!/^\s+(:|#)/.test(l), `${d}: indented help line ${JSON.stringify(l)}`);
      if (l.startsWith(':')) assert.match(l, /^:[^:\n]+:[^:\n]*$/, `${d}: property line`);
    }
    if (d !== 'lookout-config')
      assert.ok(
        lines.some((l) => l.startsWith(':')),
        `${d}: documents its msg properties`,
      );
    const catalog = JSON.parse(readFileSync(join(root, 'nodes', d, 'locales/en-US', `${d}.json`), 'utf8'));
    assert.ok(catalog[d]?.label, `${d}: en-US labels`);
  }
});

describe('example flows', () => {
  test('every flows/*.json imports into Node-RED with no missing node type', async () => {
    const flows = exampleFlows();
    assert.deepEqual(
      flows.map((f) => f.name),
      ['motion-clip-notify.json', 'ptz-preset-tour.json', 'stream-health-alert.json'],
    );
    for (const { name, flow } of flows) {
      const types = new Set(flow.map((n) => String(n.type)));
      for (const t of types)
        assert.ok(
          /^(lookout-|tab$|comment$|inject$|debug$|function$|switch$|change$|catch$|mqtt in$|mqtt-broker$)/.test(
            t,
          ),
          `${name}: ${t} is neither a core nor a Lookout node`,
        );
      await helper.load([...LOOKOUT_NODES, ...CORE_NODES], flow);
      for (const n of flow) {
        if (n.type === 'tab') continue;
        assert.ok(
          helper.getNode(String(n.id)),
          `${name}: node ${String(n.id)} (${String(n.type)}) instantiated`,
        );
      }
      const conn = (helper.getNode('lookout-server') as LookoutConfigNode).connection;
      await waitFor(() => conn.connected, 10_000, `${name}: Lookout config node connected`);
      await helper.unload();
    }
  });

  test('motion-clip-notify runs: ONVIF motion on the camera → a clip that ends by itself + a snapshot notification', async () => {
    const flow = exampleFlows().find((f) => f.name === 'motion-clip-notify.json')!.flow;
    for (const n of flow) {
      if (n.camera === 'front_door') n.camera = 'dome';
      if (n.type === 'lookout-record') n.duration = 2; // the example's 30 s, shortened for the test
    }
    const events: RecordingEvent[] = [];
    const onRecording = (e: RecordingEvent) => e.camera === 'dome' && events.push(e);
    app.recordings.on('recording', onRecording);
    try {
      await helper.load([...LOOKOUT_NODES, ...CORE_NODES], flow);
      const notes: NodeMessage[] = [];
      (helper.getNode('mcn-notify-debug') as TestNode).on('input', (m) => notes.push(m));
      const errors: NodeMessage[] = [];
      (helper.getNode('mcn-error-debug') as TestNode).on('input', (m) => errors.push(m));
      const conn = (helper.getNode('lookout-server') as LookoutConfigNode).connection;
      await waitFor(() => conn.connected, 10_000, 'connected');
      await waitFor(() => dev.activeSubscriptions().some((x) => x.pulling), 10_000, 'ONVIF events pulling');
      await new Promise((r) => setTimeout(r, 300)); // the motion node's SUBACK
      const t0 = Date.now();
      dev.emitMotion(true);
      await waitFor(() => notes.length > 0 || errors.length > 0, 20_000, 'the notification');
      assert.deepEqual(errors, []);
      const note = notes[0]!.notification as { title: string; image: Buffer; bytes: number };
      assert.equal(note.title, 'Motion at dome');
      assert.equal(note.image.readUInt16BE(0), 0xffd8);
      assert.equal(await jpegSize(note.image), `${MAIN.width}x${MAIN.height}`);
      await waitFor(() => events.some((e) => e.type === 'started'), 10_000, 'the clip started');
      console.log(`# example flow: motion → notification with snapshot in ${Date.now() - t0} ms`);
      dev.emitMotion(false);
      await waitFor(() => events.some((e) => e.type === 'finished'), 15_000, 'the clip ended by itself');
    } finally {
      app.recordings.off('recording', onRecording);
    }
  });
});
