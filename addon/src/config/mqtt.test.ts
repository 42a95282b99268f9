import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from './index.js';

const cams = [{ id: 'a', profiles: { main: { url: 'rtsp://127.0.0.1:1/x' } } }];

test('mqtt defaults: embedded broker on loopback 1883, lookout/homeassistant topics', () => {
  const r = resolveConfig({ cameras: cams }, { env: {}, baseDir: '/tmp' });
  assert.ok(r.ok);
  assert.deepEqual(r.config.mqtt, {
    enabled: true,
    url: null,
    username: null,
    password: null,
    clientId: 'lookout',
    baseTopic: 'lookout',
    discovery: true,
    discoveryPrefix: 'homeassistant',
    embedded: { host: '127.0.0.1', port: 1883 },
    imageIntervalMs: 600_000,
  });
});

test('mqtt.image_interval: a duration of at least 1m, or false', () => {
  const read = (v: unknown) =>
    resolveConfig({ mqtt: { image_interval: v }, cameras: cams }, { env: {}, baseDir: '/tmp' });
  const ms = (v: unknown) => {
    const r = read(v);
    assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
    return r.config.mqtt.imageIntervalMs;
  };
  assert.equal(ms('2m'), 120_000);
  assert.equal(ms(3600), 3_600_000);
  assert.equal(ms(false), null);
  for (const bad of ['10s', 'soon', true]) {
    const r = read(bad);
    assert.ok(!r.ok, `${String(bad)} refused`);
    assert.ok(
      r.errors.some((e) => e.path === '/mqtt/image_interval'),
      JSON.stringify(r.errors),
    );
  }
});

test('mqtt section: values are read, the password is a secret', () => {
  const r = resolveConfig(
    {
      mqtt: {
        url: 'mqtt://core-mosquitto:1883',
        username: 'lookout',
        password: '${MQTT_PW}',
        base_topic: 'cams/home',
        discovery_prefix: 'ha',
        client_id: 'lk1',
      },
      cameras: cams,
    },
    { env: { MQTT_PW: 'pa55-word!' }, baseDir: '/tmp' },
  );
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  assert.equal(r.config.mqtt.url, 'mqtt://core-mosquitto:1883');
  assert.equal(r.config.mqtt.password, 'pa55-word!');
  assert.equal(r.config.mqtt.baseTopic, 'cams/home');
  assert.equal(r.config.mqtt.discoveryPrefix, 'ha');
  assert.ok(r.config.secrets.includes('pa55-word!'));
});

test('mqtt section: bad values are reported at their path', () => {
  const paths = (mqtt: unknown) => {
    const r = resolveConfig({ mqtt, cameras: cams }, { env: {}, baseDir: '/tmp' });
    assert.ok(!r.ok);
    return r.errors.map((e) => e.path).sort();
  };
  assert.deepEqual(paths({ url: 'http://x', base_topic: 'a/#' }), ['/mqtt/base_topic', '/mqtt/url']);
  assert.deepEqual(paths({ embedded: { port: 70000 }, nope: 1 }), ['/mqtt/embedded/port', '/mqtt/nope']);
});
