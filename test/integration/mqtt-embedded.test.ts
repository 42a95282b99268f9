/**
 * No broker configured: Lookout runs its embedded aedes broker (port 0 here, as the API listens on
 * port 0), wired through startLookout. aedes is MQTT 3.1.1, so requests name their reply topic in the
 * payload; plain publishes are fire-and-forget.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { mqttTopics } from '../../addon/src/contracts/mqtt.js';
import { streamKey } from '../../addon/src/contracts/stream-key.js';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import { startLookout, type Lookout } from '../../addon/src/main.js';
import { rawConfigFor, resolveOrThrow, testLogger } from '../helpers/setup.js';
import { recorder, testClient, waitUntil } from '../helpers/mqtt-client.js';

const t = mqttTopics('lookout');
let cam: SyntheticCamera;
let app: Lookout;
let client: MqttClient;

before(async () => {
  cam = await SyntheticCamera.start({ names: ['porch'] });
  const config = resolveOrThrow(rawConfigFor(cam));
  assert.equal(config.mqtt.url, null);
  app = await startLookout({ config, log: testLogger(), listen: { host: '127.0.0.1', port: 0 }, tls: false });
});

after(async () => {
  await client?.endAsync();
  await app?.stop();
  await cam?.close();
});

test('embedded broker: availability, retained camera status, v3.1.1 request with a reply topic', async () => {
  assert.ok(app.mqtt, 'MQTT service running');
  assert.match(app.mqtt.url, /^mqtt:\/\/127\.0\.0\.1:\d+$/);
  assert.notEqual(app.mqtt.url, 'mqtt://127.0.0.1:1883');
  client = await testClient(app.mqtt.url, { protocolVersion: 4 });
  const seen = await recorder(client, 'lookout/#');
  await waitUntil(() => seen.latest.get(t.status)?.toString() === 'online', 10_000, 'lookout/status online');
  await waitUntil(
    () => seen.latest.get(t.cameraStatus('porch'))?.toString() === 'online',
    10_000,
    'porch online',
  );

  const replies = await recorder(client, 'lookout/_replies/test');
  client.publish(
    t.command('porch', 'stream_start'),
    JSON.stringify({ ttl_s: 30, response_topic: 'lookout/_replies/test', correlation_id: 7 }),
  );
  await waitUntil(() => replies.log.length === 1, 10_000, 'stream_start reply');
  const answer = JSON.parse(replies.log[0]!.payload.toString());
  assert.equal(answer.ok, true);
  assert.equal(answer.correlation_id, 7);
  assert.ok(app.supervisor.status(streamKey('porch', 'main')).leases.some((l) => l.id === answer.lease));

  // Fire-and-forget stop, then garbage without a reply topic: nothing answers, nothing breaks.
  client.publish(t.command('porch', 'stream_stop'), JSON.stringify({ lease: answer.lease }));
  client.publish(t.command('porch', 'stream_start'), 'garbage');
  await waitUntil(
    () => app.supervisor.status(streamKey('porch', 'main')).leases.length === 0,
    10_000,
    'lease released',
  );
  assert.equal(replies.log.length, 1);
});

test('recording switch: the HA ON/OFF form drives the real recorder and the retained state', async () => {
  const seen = await recorder(client, t.recording('porch'));
  await waitUntil(() => seen.latest.get(t.recording('porch'))?.toString() === 'OFF', 10_000, 'recording OFF');
  client.publish(t.command('porch', 'record'), 'ON');
  await waitUntil(() => seen.latest.get(t.recording('porch'))?.toString() === 'ON', 20_000, 'recording ON');
  assert.equal(app.recordings.recorder('porch').state().recording, true);
  client.publish(t.command('porch', 'record'), 'OFF');
  await waitUntil(
    () => seen.latest.get(t.recording('porch'))?.toString() === 'OFF',
    20_000,
    'recording OFF again',
  );
});
