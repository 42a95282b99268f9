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
    replyPrefix: 'lookout/_replies',
    embedded: { host: '127.0.0.1', port: 1883, allowAnonymous: true },
    imageIntervalMs: 600_000,
  });
});

test('embedded broker off loopback: anonymous clients off by default, asking for them is an error', () => {
  const read = (embedded: unknown) =>
    resolveConfig({ mqtt: { embedded }, cameras: cams }, { env: {}, baseDir: '/tmp' });
  for (const host of ['0.0.0.0', '192.168.1.5', '::']) {
    const r = read({ host });
    assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
    assert.equal(r.config.mqtt.embedded.allowAnonymous, false, host);
    const bad = read({ host, allow_anonymous: true });
    assert.ok(!bad.ok, `${host} with anonymous clients refused`);
    const e = bad.errors.find((x) => x.path === '/mqtt/embedded/allow_anonymous');
    assert.ok(e, JSON.stringify(bad.errors));
    assert.match(e.message, /needs credentials there/);
  }
  for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost']) {
    const r = read({ host });
    assert.ok(r.ok && r.config.mqtt.embedded.allowAnonymous, host);
    const off = read({ host, allow_anonymous: false });
    assert.ok(off.ok && !off.config.mqtt.embedded.allowAnonymous, `${host}: anonymous can be turned off`);
  }
});

test('mqtt.reply_prefix: follows base_topic; may not overlap Lookout’s or HA’s topics', () => {
  const read = (mqtt: unknown) => resolveConfig({ mqtt, cameras: cams }, { env: {}, baseDir: '/tmp' });
  const ok = (mqtt: unknown) => {
    const r = read(mqtt);
    assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
    return r.config.mqtt.replyPrefix;
  };
  assert.equal(ok({ base_topic: 'cams/home' }), 'cams/home/_replies');
  assert.equal(ok({ reply_prefix: 'nodered/answers' }), 'nodered/answers');
  for (const bad of ['lookout', 'lookout/gate', 'homeassistant/switch', 'homeassistant', 'a/b/#']) {
    const r = read({ reply_prefix: bad });
    assert.ok(!r.ok && r.errors.some((e) => e.path === '/mqtt/reply_prefix'), bad);
  }
  // A prefix above the base topic would contain every Lookout topic.
  const above = read({ base_topic: 'home/lookout', reply_prefix: 'home' });
  assert.ok(!above.ok, 'a reply prefix above base_topic is refused');
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
