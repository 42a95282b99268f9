/**
 * The MQTT interface against a real mosquitto and the real supervisor with synthetic cameras:
 * v5 command round trips (leases really taken and released), garbage on every command topic,
 * LWT on a cut connection, retained state topics, and HA discovery (validated in discovery.test.ts,
 * here: present, re-published on HA's birth message, cleared for a removed camera).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { MqttClient } from 'mqtt';
import { MQTT_COMMANDS, mqttTopics } from '../../addon/src/contracts/mqtt.js';
import { streamKey } from '../../addon/src/contracts/stream-key.js';
import type { ResolvedConfig } from '../../addon/src/contracts/config.js';
import { MqttService } from '../../addon/src/control/mqtt/service.js';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import { createLogger } from '../../addon/src/lib/log.js';
import type { Supervisor } from '../../addon/src/supervisor/supervisor.js';
import { rawConfigFor, resolveOrThrow, startSupervisor } from '../helpers/setup.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { recorder, request, tcpProxy, testClient, waitUntil } from '../helpers/mqtt-client.js';
import { discoveryProblem } from '../helpers/ha-discovery.js';

const t = mqttTopics('lookout');

describe('MQTT interface (mosquitto, v5)', () => {
  let cam: SyntheticCamera;
  let broker: Mosquitto;
  let proxy: Awaited<ReturnType<typeof tcpProxy>>;
  let sup: Supervisor;
  let service: MqttService;
  let client: MqttClient;
  let raw: ReturnType<typeof rawConfigFor>;
  const logLines: string[] = [];

  const configWith = (names: string[]): ResolvedConfig => {
    const r = {
      ...raw,
      cameras: raw.cameras.filter((c) => names.includes(c.id)),
      mqtt: { url: proxy.url, client_id: 'lookout-test' },
    };
    return resolveOrThrow(r);
  };

  before(async () => {
    [cam, broker] = await Promise.all([SyntheticCamera.start({ names: ['gate', 'yard'] }), startMosquitto()]);
    proxy = await tcpProxy(broker.port);
    raw = rawConfigFor(cam);
    const config = configWith(['gate', 'yard']);
    const sink = new PassThrough();
    sink.on('data', (d: Buffer) => logLines.push(...d.toString().split('\n').filter(Boolean)));
    const log = createLogger({ pretty: false, level: 'debug', destination: sink });
    sup = await startSupervisor(config, log);
    service = new MqttService({
      settings: config.mqtt,
      host: sup,
      log,
      version: '0.0.0-test',
      stateThrottleMs: 100,
      refreshMs: 1000,
      rediscoverDelayMs: [50, 150],
      reconnectMinMs: 200,
      reconnectMaxMs: 1000,
    });
    await service.start();
    client = await testClient(broker.url);
    const status = await recorder(client, t.status);
    await waitUntil(
      () => status.latest.get(t.status)?.toString() === 'online',
      10_000,
      'lookout/status online',
    );
  });

  after(async () => {
    await client?.endAsync();
    await service?.stop();
    await sup?.stop();
    await proxy?.close();
    await Promise.all([broker?.stop(), cam?.close()]);
  });

  test('stream_start takes a real lease, state topics follow, stream_stop releases it', async (tc) => {
    const states = await recorder(client, 'lookout/gate/+/state');
    const requestedAt = Date.now();
    const start = await request(
      client,
      t.command('gate', 'stream_start'),
      JSON.stringify({ ttl_s: 60, holder: 'test' }),
    );
    assert.equal(start.ok, true, JSON.stringify(start));
    assert.equal(start.key, 'gate/main');
    assert.equal(typeof start.lease, 'string');
    const leaseIds = () => sup.status(streamKey('gate', 'main')).leases.map((l) => l.id);
    assert.ok(leaseIds().includes(start.lease as string));

    await waitUntil(
      () => JSON.parse(states.latest.get(t.streamState('gate', 'main'))?.toString() ?? '{}').state === 'live',
      30_000,
      'gate/main live on its state topic',
    );
    const sawLiveAfterMs = Date.now() - requestedAt;
    const live = JSON.parse(states.latest.get(t.streamState('gate', 'main'))!.toString());
    assert.equal(live.leases, 1);
    assert.equal(typeof live.fps, 'number');
    assert.equal(typeof live.bitrateKbps, 'number');
    // Start latency (spawn → first fragment): measured, so positive, and within what this client
    // itself waited between asking and seeing live.
    assert.equal(typeof live.startLatencyMs, 'number');
    assert.ok(live.startLatencyMs > 0, `startLatencyMs ${live.startLatencyMs}`);
    assert.ok(
      live.startLatencyMs <= sawLiveAfterMs,
      `${live.startLatencyMs} ms > ${sawLiveAfterMs} ms observed`,
    );
    assert.equal(live.startLatencyMs, sup.status(streamKey('gate', 'main')).startLatencyMs);
    tc.diagnostic(
      `gate/main start latency ${live.startLatencyMs} ms (client saw live after ${sawLiveAfterMs} ms)`,
    );

    // A fresh subscriber gets the retained state at once.
    const fresh = await testClient(broker.url);
    const retained = await recorder(fresh, 'lookout/gate/#');
    await waitUntil(
      () => retained.latest.has(t.streamState('gate', 'main')) && retained.latest.has(t.cameraStatus('gate')),
      5000,
      'retained gate topics',
    );
    assert.equal(retained.latest.get(t.cameraStatus('gate'))!.toString(), 'online');
    await fresh.endAsync();

    const renew = await request(
      client,
      t.command('gate', 'stream_renew'),
      JSON.stringify({ lease: start.lease, ttl_s: 30 }),
    );
    assert.equal(renew.ok, true, JSON.stringify(renew));
    const stop = await request(
      client,
      t.command('gate', 'stream_stop'),
      JSON.stringify({ lease: start.lease }),
    );
    assert.deepEqual(stop, { ok: true, lease: start.lease });
    assert.ok(!leaseIds().includes(start.lease as string));
    const again = await request(
      client,
      t.command('gate', 'stream_stop'),
      JSON.stringify({ lease: start.lease }),
    );
    assert.equal(again.ok, false);
    assert.equal((again.error as { code: string }).code, 'not_found');
  });

  test('garbage on every command topic: error answers, one log line each, service and cameras fine', async () => {
    const garbage = ['{not json', '[1,2,3]', '{"no_such_field":1}', '\u0000\u0001\u0002', 'null'];
    const before = logLines.filter((l) => l.includes('MQTT command failed')).length;
    let sent = 0;
    for (const command of MQTT_COMMANDS) {
      for (const g of garbage) {
        const r = await request(client, t.command('gate', command), g);
        sent++;
        assert.equal(r.ok, false, `${command} ${JSON.stringify(g)} → ${JSON.stringify(r)}`);
        const e = r.error as { code: string; message: string };
        assert.equal(typeof e.message, 'string');
        assert.ok(['bad_request', 'unavailable'].includes(e.code), `${command}: ${e.code}`);
      }
    }
    // Fire-and-forget garbage (no response topic) must not crash anything either.
    await client.publishAsync(t.command('gate', 'stream_start'), '{{{', { qos: 1 });
    sent++;
    await client.publishAsync('lookout/gate/cmd/no_such_command', 'x', { qos: 1 });
    sent++;
    await waitUntil(
      () => logLines.filter((l) => l.includes('MQTT command failed')).length - before === sent,
      5000,
      'one log line per failed command',
    );

    const unknownCam = await request(client, t.command('nope', 'stream_start'), '{}');
    assert.equal((unknownCam.error as { code: string }).code, 'not_found');
    const unknownCmd = await request(client, 'lookout/gate/cmd/self_destruct', '{}');
    assert.equal((unknownCmd.error as { code: string }).code, 'bad_request');
    // PTZ/recording/snapshot services were not given to this instance.
    const home = await request(client, t.command('gate', 'ptz_home'), 'PRESS');
    assert.equal((home.error as { code: string }).code, 'unavailable');

    // The other camera still works end to end.
    const ok = await request(
      client,
      t.command('yard', 'stream_start'),
      JSON.stringify({ profile: 'sub', ttl_s: 5 }),
    );
    assert.equal(ok.ok, true, JSON.stringify(ok));
    assert.equal(
      (await request(client, t.command('yard', 'stream_stop'), JSON.stringify({ lease: ok.lease }))).ok,
      true,
    );
  });

  test('discovery: present, re-published after homeassistant/status online', async () => {
    const ha = await testClient(broker.url);
    const disc = await recorder(ha, 'homeassistant/#');
    await waitUntil(
      () => [...disc.latest.keys()].some((k) => k.includes('lookout_yard_')),
      5000,
      'retained discovery',
    );
    // Camera entities (the hub's connectivity sensor is the availability itself).
    const configs = [...disc.latest.entries()].filter(
      ([k, v]) => k.endsWith('/config') && v.length > 0 && !k.includes('lookout_hub_'),
    );
    assert.ok(disc.latest.has('homeassistant/binary_sensor/lookout_hub_connected/config'));
    assert.ok(configs.some(([k]) => k === 'homeassistant/sensor/lookout_gate_stream_main/config'));
    assert.ok(configs.some(([k]) => k === 'homeassistant/switch/lookout_gate_recording/config'));
    for (const [k, v] of configs) {
      const p = JSON.parse(v.toString());
      assert.equal(discoveryProblem(k, p), null);
      assert.equal(p.availability_mode, 'all');
      assert.ok(!('object_id' in p));
    }
    const latency = JSON.parse(
      disc.latest.get('homeassistant/sensor/lookout_gate_start_latency_main/config')!.toString(),
    );
    assert.equal(latency.state_topic, t.streamState('gate', 'main'));
    assert.equal(latency.unit_of_measurement, 'ms');
    assert.equal(latency.state_class, 'measurement');
    const seen = disc.log.length;
    await ha.publishAsync('homeassistant/status', 'online');
    await waitUntil(
      () =>
        disc.log.slice(seen).filter((m) => m.topic === 'homeassistant/sensor/lookout_gate_stream_main/config')
          .length > 0,
      5000,
      'discovery re-published after birth',
    );
    await ha.endAsync();
  });

  test('a removed camera gets its discovery and state cleared', async () => {
    await sup.applyConfig(configWith(['gate']));
    await new Promise((r) => setTimeout(r, 500));
    const fresh = await testClient(broker.url);
    const all = await recorder(fresh, '#');
    await waitUntil(() => all.latest.has(t.cameraStatus('gate')), 5000, 'retained gate status');
    await new Promise((r) => setTimeout(r, 300));
    const yardTopics = [...all.latest.keys()].filter(
      (k) => k.includes('lookout_yard_') || k.startsWith('lookout/yard/'),
    );
    assert.deepEqual(yardTopics, []);
    assert.ok(all.latest.has('homeassistant/sensor/lookout_gate_stream_main/config'));
    await fresh.endAsync();
  });

  test('v5 responseTopic into HA discovery or Lookout status: refused, command not run; counted', async () => {
    const evil = await recorder(client, 'homeassistant/switch/evil/config');
    const status = await recorder(client, t.status);
    const key = streamKey('gate', 'main');
    const before = sup.status(key).leases.length;
    for (const responseTopic of ['homeassistant/switch/evil/config', t.status, 'elsewhere/answers'])
      client.publish(t.command('gate', 'stream_start'), JSON.stringify({ ttl_s: 30 }), {
        qos: 1,
        properties: { responseTopic, correlationData: Buffer.from('pwn') },
      });
    // An allowed request after them: once it is answered, the three were handled before it.
    const fine = await request(client, t.command('gate', 'ptz_stop'), '');
    assert.equal(fine.ok, false);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(evil.log.length, 0, 'nothing published to homeassistant/switch/evil/config');
    assert.ok(!status.log.some((m) => m.payload.toString().startsWith('{')), 'no answer on lookout/status');
    assert.equal(sup.status(key).leases.length, before, 'the refused commands took no lease');
    assert.equal(service.stats().replyTopics, 3);
    assert.equal(service.stats().broker, null, 'mosquitto: no embedded-broker counters');
  });

  test('LWT: a cut connection shows offline to other clients, then online again', async () => {
    const watcher = await testClient(broker.url);
    const status = await recorder(watcher, t.status);
    await waitUntil(
      () => status.latest.get(t.status)?.toString() === 'online',
      5000,
      'online before the cut',
    );
    const from = status.log.length;
    proxy.cut();
    await waitUntil(
      () => status.log.slice(from).some((m) => m.payload.toString() === 'offline'),
      15_000,
      'LWT offline',
    );
    await waitUntil(
      () => status.latest.get(t.status)?.toString() === 'online',
      15_000,
      'online after reconnect',
    );
    // Commands work again after the reconnect.
    const r = await request(watcher, t.command('gate', 'stream_start'), '{"ttl_s":5}');
    assert.equal(r.ok, true);
    await request(watcher, t.command('gate', 'stream_stop'), JSON.stringify({ lease: r.lease }));
    await watcher.endAsync();
  });
});
