/**
 * The embedded broker attacked the way issue 12 did it, through startLookout and real mqtt.js
 * clients: retained fake state, fake discovery, Lookout's client id taken over, reply topics aimed
 * at HA discovery, a flood of stream_start. On loopback (the default) clients without credentials
 * may read and send commands; with `allow_anonymous: false` (what a non-loopback bind gets, the
 * config test shows the default) they are refused and the generated credentials are needed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { mqttTopics } from '../../addon/src/contracts/mqtt.js';
import { LEASE_LIMITS } from '../../addon/src/contracts/stream-state.js';
import { streamKey } from '../../addon/src/contracts/stream-key.js';
import { credentialsFile } from '../../addon/src/control/mqtt/broker-credentials.js';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import { createLogger } from '../../addon/src/lib/log.js';
import { startLookout, type Lookout } from '../../addon/src/main.js';
import { recorder, testClient, waitUntil } from '../helpers/mqtt-client.js';
import { rawConfigFor, resolveOrThrow, tempDir } from '../helpers/setup.js';

const t = mqttTopics('lookout');
const key = streamKey('porch', 'main');

async function startWith(
  cam: SyntheticCamera,
  embedded: Record<string, unknown>,
  dataDir = tempDir('lookout-broker-'),
) {
  const lines: string[] = [];
  const sink = new PassThrough();
  sink.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
  const log = createLogger({ pretty: false, level: 'debug', destination: sink });
  const raw = rawConfigFor(cam, { dataDir });
  const config = resolveOrThrow({ ...raw, mqtt: { embedded } });
  const app = await startLookout({ config, log, listen: { host: '127.0.0.1', port: 0 }, tls: false });
  return { app, dataDir, lines };
}

/** Resolves when the broker closes the client's connection (what aedes does to a refused publish). */
function closed(client: MqttClient, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    client.once('close', () => (clearTimeout(timer), resolve(true)));
  });
}

const v311 = (opts: IClientOptions = {}) => ({ protocolVersion: 4 as const, ...opts });

describe('embedded broker on loopback (anonymous clients read and send commands)', () => {
  let cam: SyntheticCamera;
  let lookout: Awaited<ReturnType<typeof startWith>>;
  let app: Lookout;
  let watcher: MqttClient;
  const clients: MqttClient[] = [];

  before(async () => {
    cam = await SyntheticCamera.start({ names: ['porch'] });
    lookout = await startWith(cam, {});
    app = lookout.app;
    watcher = await testClient(app.mqtt!.url, v311());
    const status = await recorder(watcher, t.status);
    await waitUntil(() => status.latest.get(t.status)?.toString() === 'online', 10_000, 'lookout online');
  });

  after(async () => {
    for (const c of [watcher, ...clients]) await c?.endAsync(true).catch(() => {});
    await app?.stop();
    await cam?.close();
  });

  test('credentials generated on first start: 0600 in a 0700 folder, never in the log', () => {
    const file = credentialsFile(lookout.dataDir);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(lookout.dataDir, 'mqtt')).mode & 0o777, 0o700);
    const creds = JSON.parse(readFileSync(file, 'utf8')) as { username: string; password: string };
    assert.match(creds.username, /^lookout-[0-9a-f]{8}$/);
    assert.ok(creds.password.length >= 32);
    assert.ok(!lookout.lines.some((l) => l.includes(creds.password)), 'the password is never logged');
  });

  test('a foreign client publishing retained motion ON, fake discovery or fake status is refused', async () => {
    for (const [topic, payload] of [
      [t.motion('porch'), 'ON'],
      ['homeassistant/switch/evil/config', '{"name":"evil","command_topic":"x"}'],
      [t.status, 'offline'],
      [t.streamState('porch', 'main'), '{"state":"failed"}'],
    ] as const) {
      const evil = await testClient(app.mqtt!.url, v311());
      clients.push(evil);
      const gone = closed(evil, 5000);
      evil.publish(topic, payload, { retain: true, qos: 1 });
      assert.ok(await gone, `${topic}: the broker dropped the publisher`);
    }
    // A fresh reader sees what Lookout published, none of the above.
    const reader = await testClient(app.mqtt!.url, v311());
    clients.push(reader);
    const seen = await recorder(reader, '#');
    await waitUntil(() => seen.latest.get(t.status)?.toString() === 'online', 5000, 'retained status');
    await new Promise((r) => setTimeout(r, 500));
    assert.notEqual(seen.latest.get(t.motion('porch'))?.toString(), 'ON');
    assert.equal(seen.latest.get('homeassistant/switch/evil/config'), undefined);
    assert.notEqual(seen.latest.get(t.streamState('porch', 'main'))?.toString(), '{"state":"failed"}');
    // Reading is allowed here: the retained state and discovery are visible to a loopback reader.
    assert.ok(
      [...seen.latest.keys()].some((k) => k.startsWith('homeassistant/')),
      'discovery readable',
    );
  });

  test('a retained command is refused (it would replay at every Lookout reconnect)', async () => {
    const evil = await testClient(app.mqtt!.url, v311());
    clients.push(evil);
    const gone = closed(evil, 5000);
    evil.publish(t.command('porch', 'record'), 'ON', { retain: true, qos: 1 });
    assert.ok(await gone);
    assert.equal(app.recordings.recorder('porch').state().recording, false);
  });

  test("Lookout's client id: refused to anyone else, Lookout's session stays (0 reconnect flaps)", async () => {
    const creds = JSON.parse(readFileSync(credentialsFile(lookout.dataDir), 'utf8')) as {
      username: string;
      password: string;
    };
    const flapsBefore = lookout.lines.filter((l) => l.includes('retrying with backoff')).length;
    for (const opts of [{}, { username: creds.username, password: creds.password }]) {
      for (let i = 0; i < 3; i++) {
        await assert.rejects(
          connectAsync(app.mqtt!.url, { ...v311(opts), clientId: 'lookout', reconnectPeriod: 0 }),
          /Identifier rejected|identifier/i,
        );
      }
    }
    await new Promise((r) => setTimeout(r, 1500));
    const flaps = lookout.lines.filter((l) => l.includes('retrying with backoff')).length - flapsBefore;
    assert.equal(flaps, 0, 'Lookout never lost its connection');
    assert.ok(!lookout.lines.some((l) => l.includes('MQTT connection restored')));
    // Commands still reach Lookout's session.
    const replies = await recorder(watcher, 'lookout/_replies/takeover');
    watcher.publish(
      t.command('porch', 'ptz_stop'),
      JSON.stringify({ response_topic: 'lookout/_replies/takeover', correlation_id: 1 }),
    );
    await waitUntil(() => replies.log.length === 1, 10_000, 'an answer after the takeover attempts');
  });

  test('reply topics: HA discovery and Lookout status refused (command not run); the reply prefix works', async () => {
    const ha = await recorder(watcher, 'homeassistant/switch/evil/config');
    const status = await recorder(watcher, t.status);
    const leasesBefore = app.supervisor.status(key).leases.length;
    for (const response_topic of ['homeassistant/switch/evil/config', t.status, 'lookout/porch/motion'])
      watcher.publish(
        t.command('porch', 'stream_start'),
        JSON.stringify({ ttl_s: 30, response_topic, correlation_id: 'pwn' }),
      );
    const ok = await recorder(watcher, 'lookout/_replies/fine');
    watcher.publish(
      t.command('porch', 'ptz_stop'),
      JSON.stringify({ response_topic: 'lookout/_replies/fine', correlation_id: 2 }),
    );
    await waitUntil(() => ok.log.length === 1, 10_000, 'the allowed reply');
    assert.equal(ha.log.length, 0, 'nothing published to homeassistant/switch/evil/config');
    assert.ok(!status.log.some((m) => m.payload.toString().includes('pwn')), 'nothing on lookout/status');
    assert.equal(app.supervisor.status(key).leases.length, leasesBefore, 'the dropped commands were not run');
    assert.equal(app.mqtt!.stats().replyTopics, 3);
    assert.equal(
      lookout.lines.filter((l) => l.includes('its reply topic is') && l.includes('"level":40')).length,
      1,
    );
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    assert.match(metrics, /^lookout_mqtt_reply_topic_refused_total 3$/m);
    assert.match(metrics, /^lookout_mqtt_broker_refused_total\{what="publish"\} [1-9]/m);
    assert.match(metrics, /^lookout_mqtt_broker_refused_total\{what="connect"\} [1-9]/m);
  });

  test('3,000 stream_start commands: leases bounded, status answer bounded, clear error past the bound', async () => {
    const statusUrl = `${app.url}/api/streams/porch/main`;
    const sizeBefore = (await (await fetch(statusUrl)).text()).length;
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const flood = await testClient(app.mqtt!.url, v311());
    clients.push(flood);
    for (let i = 0; i < 3000; i++)
      flood.publish(t.command('porch', 'stream_start'), JSON.stringify({ ttl_s: 600, holder: `h${i}` }));
    const replies = await recorder(flood, 'lookout/_replies/flood');
    flood.publish(
      t.command('porch', 'stream_start'),
      JSON.stringify({ response_topic: 'lookout/_replies/flood', correlation_id: 'last' }),
    );
    await waitUntil(() => replies.log.length === 1, 60_000, 'the answer after the flood');
    const answer = JSON.parse(replies.log[0]!.payload.toString()) as {
      ok: boolean;
      error?: { code: string };
    };
    assert.equal(answer.ok, false);
    assert.equal(answer.error?.code, 'too_many_leases');
    const held = app.supervisor.status(key).leases.filter((l) => l.kind === 'api').length;
    assert.equal(held, LEASE_LIMITS.perClient);
    const status = await (await fetch(statusUrl)).text();
    global.gc?.();
    const rssAfter = process.memoryUsage().rss;
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    assert.match(metrics, /^lookout_client_leases 256$/m);
    const refused = Number(/^lookout_lease_refused_total\{limit="per_client"\} (\d+)$/m.exec(metrics)?.[1]);
    assert.ok(refused >= 3000 - LEASE_LIMITS.perClient, `refused ${refused}`);
    console.log(
      `# lease flood: 3001 stream_start → ${held} api leases, ${refused} refused; status ${sizeBefore} → ` +
        `${status.length} bytes; RSS ${(rssBefore / 2 ** 20).toFixed(0)} → ${(rssAfter / 2 ** 20).toFixed(0)} MB`,
    );
    assert.ok(status.length < 100_000, `status answer ${status.length} bytes`);
  });
});

describe('embedded broker without anonymous clients (what a non-loopback bind gets)', () => {
  let cam: SyntheticCamera;
  let lookout: Awaited<ReturnType<typeof startWith>>;
  const clients: MqttClient[] = [];

  before(async () => {
    cam = await SyntheticCamera.start({ names: ['porch'] });
    lookout = await startWith(cam, { allow_anonymous: false });
  });

  after(async () => {
    for (const c of clients) await c.endAsync(true).catch(() => {});
    await lookout?.app.stop();
    await cam?.close();
  });

  test('anonymous and wrong credentials are refused; the generated ones read and command, never write state', async () => {
    const url = lookout.app.mqtt!.url;
    await assert.rejects(connectAsync(url, { ...v311(), reconnectPeriod: 0 }), /Not authorized/i);
    await assert.rejects(
      connectAsync(url, { ...v311(), reconnectPeriod: 0, username: 'admin', password: 'admin' }),
      /Bad username or password/i,
    );
    const creds = JSON.parse(readFileSync(credentialsFile(lookout.dataDir), 'utf8')) as {
      username: string;
      password: string;
    };
    const client = await testClient(url, v311({ username: creds.username, password: creds.password }));
    clients.push(client);
    const seen = await recorder(client, 'lookout/#');
    await waitUntil(() => seen.latest.get(t.status)?.toString() === 'online', 10_000, 'reads state');
    const replies = await recorder(client, 'lookout/_replies/c');
    client.publish(
      t.command('porch', 'ptz_stop'),
      JSON.stringify({ response_topic: 'lookout/_replies/c', correlation_id: 1 }),
    );
    await waitUntil(() => replies.log.length === 1, 10_000, 'a command answered');
    const gone = closed(client, 5000);
    client.publish(t.motion('porch'), 'ON', { retain: true, qos: 1 });
    assert.ok(await gone, 'even with credentials, only Lookout writes its state');
    assert.ok(!lookout.lines.some((l) => l.includes(creds.password)), 'the password is never logged');
  });

  test('a restart keeps the same credentials (clients configured once keep working)', async () => {
    const before = readFileSync(credentialsFile(lookout.dataDir), 'utf8');
    await lookout.app.stop();
    const again = await startWith(cam, { allow_anonymous: false }, lookout.dataDir);
    try {
      assert.equal(readFileSync(credentialsFile(lookout.dataDir), 'utf8'), before);
    } finally {
      await again.app.stop();
    }
  });
});
