/**
 * The Node-RED nodes in a real Node-RED runtime (node-red-node-test-helper) against a real Lookout
 * MQTT service on its embedded broker (aedes, port 0) and the real supervisor: leases really taken
 * and released, motion events delivered, and the shared connection closed with its last user.
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { MqttService } from '../addon/src/control/mqtt/service.js';
import { streamKey } from '../addon/src/contracts/stream-key.js';
import type { Supervisor } from '../addon/src/supervisor/supervisor.js';
import { resolveOrThrow, startSupervisor, tempDir, testLogger } from '../test/helpers/setup.js';
import { waitUntil } from '../test/helpers/mqtt-client.js';
import type { MotionEvent } from '../addon/src/contracts/events.js';
import lookoutConfig from './lookout-config/lookout-config.js';
import lookoutCamera from './lookout-camera/lookout-camera.js';
import lookoutMotion from './lookout-motion/lookout-motion.js';
import type { NodeMessage } from './lib/red.js';
import { helper, type TestNode } from './test-support/runtime.js';
import type { LookoutConfigNode } from './lookout-config/lookout-config.js';

const NODES = [lookoutConfig, lookoutCamera, lookoutMotion];
let sup: Supervisor;
let service: MqttService;
let brokerUrl: string;
/**
 * Camera motion as the service sees it: Lookout itself publishes what this emits (only Lookout's
 * session may write its topics on the embedded broker; camera motion is covered in mqtt-control.test.ts).
 */
const motion = new EventEmitter();

before(async () => {
  const config = resolveOrThrow({
    server: { host: '127.0.0.1', port: 0, data_dir: tempDir() },
    // Never reaches media: the test is about leases and messages, not video.
    cameras: [
      {
        id: 'porch',
        name: 'Porch',
        vendor: 'generic',
        profiles: { main: { url: 'rtsp://127.0.0.1:9/none' } },
      },
    ],
  });
  sup = await startSupervisor(config);
  service = new MqttService({
    settings: config.mqtt,
    host: sup,
    log: testLogger(),
    version: '0.0.0-test',
    stateThrottleMs: 50,
    motion,
  });
  await service.start({ embeddedPort: 0 });
  brokerUrl = service.url;
  await helper.startServer();
});

afterEach(() => helper.unload());

after(async () => {
  await helper.stopServer();
  await service?.stop();
  await sup?.stop();
});

const configNode = () => ({ id: 'srv', type: 'lookout-config', broker: brokerUrl, baseTopic: 'lookout' });

test('lookout-camera: start takes a lease, state flows out, stop releases it', async () => {
  await helper.load(NODES, [
    configNode(),
    {
      id: 'cam',
      type: 'lookout-camera',
      server: 'srv',
      camera: 'porch',
      profile: 'main',
      ttl: 30,
      wires: [['out']],
    },
    { id: 'out', type: 'helper' },
  ]);
  const cam = helper.getNode('cam') as TestNode;
  const out = helper.getNode('out') as TestNode;
  const msgs: NodeMessage[] = [];
  out.on('input', (m) => msgs.push(m));
  const conn = (helper.getNode('srv') as LookoutConfigNode).connection;
  await waitUntil(() => conn.connected, 10_000, 'config node connected');

  const leases = () => sup.status(streamKey('porch', 'main')).leases;
  cam.receive({ payload: 'start' });
  await waitUntil(() => msgs.some((m) => m.topic === 'start'), 10_000, 'start answer');
  const answer = msgs.find((m) => m.topic === 'start')!.payload as { ok: boolean; lease: string };
  assert.equal(answer.ok, true, JSON.stringify(answer));
  assert.ok(leases().some((l) => l.id === answer.lease));
  await waitUntil(() => msgs.some((m) => m.topic === 'state'), 10_000, 'a state message');

  cam.receive({ payload: { action: 'stop' } });
  await waitUntil(() => msgs.some((m) => m.topic === 'stop'), 10_000, 'stop answer');
  assert.equal((msgs.find((m) => m.topic === 'stop')!.payload as { ok: boolean }).ok, true);
  assert.equal(leases().length, 0);
});

test('a held lease is released and the shared connection closed when the flow stops', async () => {
  await helper.load(NODES, [
    configNode(),
    { id: 'cam', type: 'lookout-camera', server: 'srv', camera: 'porch', ttl: 30, wires: [['out']] },
    { id: 'out', type: 'helper' },
  ]);
  const conn = (helper.getNode('srv') as LookoutConfigNode).connection;
  await waitUntil(() => conn.connected, 10_000, 'config node connected');
  const out = helper.getNode('out') as TestNode;
  let started = false;
  out.on('input', (m) => (started ||= m.topic === 'start'));
  (helper.getNode('cam') as TestNode).receive({ payload: 'start' });
  await waitUntil(() => started, 10_000, 'start answer');
  assert.equal(sup.status(streamKey('porch', 'main')).leases.length, 1);
  await helper.unload();
  assert.equal(sup.status(streamKey('porch', 'main')).leases.length, 0);
  assert.equal(conn.connected, false);
});

test('lookout-motion: one message per motion event on the camera', async () => {
  await helper.load(NODES, [
    configNode(),
    { id: 'mot', type: 'lookout-motion', server: 'srv', camera: 'porch', wires: [['out']] },
    { id: 'out', type: 'helper' },
  ]);
  const conn = (helper.getNode('srv') as LookoutConfigNode).connection;
  await waitUntil(() => conn.connected, 10_000, 'config node connected');
  const msgs: NodeMessage[] = [];
  (helper.getNode('out') as TestNode).on('input', (m) => msgs.push(m));
  const ev = { kind: 'person', active: true, at: new Date().toISOString(), source: 'onvif' } as const;
  // Subscriptions are made on connect; emit until the first one arrives.
  await waitUntil(
    () => {
      if (msgs.length === 0) motion.emit('motion', { camera: 'porch', ...ev } satisfies MotionEvent);
      return msgs.length > 0;
    },
    10_000,
    'motion message',
  );
  assert.deepEqual(msgs[0]!.payload, ev);
  assert.equal(msgs[0]!.camera, 'porch');
});
