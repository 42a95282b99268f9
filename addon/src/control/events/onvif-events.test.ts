// Camera events end to end: the loopback device's PullPoint service → PullPointFeed → tracker →
// CameraControl 'motion' events, through the real onvif library.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startOnvifDevice, type OnvifDevice } from '../../../../test/fixtures/onvif-device/index.js';
import type { MotionEvent } from '../../contracts/events.js';
import type { ResolvedCamera } from '../../contracts/config.js';
import { silentLogger } from '../../lib/log.js';
import { CameraControl, type CameraControlOptions } from '../camera-control.js';
import { USER, cameraFor, sleep, waitFor } from '../camera-control.test-helper.js';

type T = { after: (fn: () => Promise<void> | void) => void };

function control(t: T, cams: ResolvedCamera[], o: Partial<CameraControlOptions> = {}) {
  const c = new CameraControl({
    cameras: { cameras: () => cams, camera: (id) => cams.find((x) => x.id === id)! },
    log: silentLogger(),
    timeoutMs: 2000,
    reconnectInitialMs: 10,
    reconnectMaxMs: 100,
    feedBackoffInitialMs: 10,
    feedBackoffMaxMs: 100,
    offDelayMs: 0,
    ...o,
  });
  const events: MotionEvent[] = [];
  c.on('motion', (ev) => events.push(ev));
  c.start();
  t.after(() => c.stop());
  return { c, events };
}

async function device(t: T, o = {}): Promise<OnvifDevice> {
  const dev = await startOnvifDevice({ ...USER, ...o });
  t.after(() => dev.close());
  return dev;
}

const stateOf = (c: CameraControl, kind = 'motion') => c.events().states.find((s) => s.kind === kind)?.state;
const pulling = (dev: OnvifDevice) => dev.activeSubscriptions().some((s) => s.pulling);

test('motion on/off and person/vehicle arrive as normalised events within 1 s; off-delay is honoured', async (t) => {
  const dev = await device(t);
  const { c, events } = control(t, [cameraFor(dev, 'cam1', { motionEvents: true })], { offDelayMs: 400 });
  assert.equal(stateOf(c), 'unknown');
  await waitFor('subscribed and pulling', () => pulling(dev) && stateOf(c) === 'idle');
  assert.equal(events.length, 0, 'the Initialized dump is state, not motion');
  assert.deepEqual(new Set(c.events().states.map((s) => s.kind)), new Set(['motion', 'person', 'vehicle']));

  const on = Date.now();
  dev.emitMotion(true);
  const onLatency = await waitFor('motion on', () => events.length === 1, 1000);
  assert.deepEqual(
    { ...events[0], at: undefined },
    { camera: 'cam1', kind: 'motion', active: true, at: undefined, source: 'onvif' },
  );
  assert.ok(Date.parse(events[0]!.at) >= on - 5);

  dev.emitMotion(false);
  await sleep(250);
  assert.equal(events.length, 1, 'off is held back by the off-delay');
  dev.emitMotion(true); // flap within the delay: still one continuous motion
  await sleep(250);
  assert.equal(events.length, 1);
  const off = Date.now();
  dev.emitMotion(false);
  await waitFor('motion off', () => events.length === 2, 2000);
  const offAfter = Date.now() - off;
  assert.ok(offAfter >= 350 && offAfter < 1400, `off after ${offAfter} ms`);
  assert.equal(events[1]?.active, false);

  dev.emitMotion(true, 'reolink-person');
  dev.emitMotion(true, 'vehicle');
  await waitFor('person + vehicle', () => events.length === 4, 1000);
  assert.deepEqual(
    events
      .slice(2)
      .map((e) => `${e.kind}:${e.active}`)
      .sort(),
    ['person:true', 'vehicle:true'],
  );
  t.diagnostic(`motion-on latency ${onLatency} ms`);
});

test('subscription dies → state unknown (not idle); comes back by itself; stop() unsubscribes', async (t) => {
  const dev = await device(t, { rebootDownMs: 400 });
  const { c } = control(t, [cameraFor(dev, 'cam1', { motionEvents: true })]);
  await waitFor('subscribed', () => pulling(dev) && stateOf(c) === 'idle');
  const rebooted = dev.reboot();
  await waitFor('unknown', () => stateOf(c) === 'unknown', 1000);
  assert.equal(c.events().feeds[0]?.state, 'down');
  assert.match(c.events().feeds[0]?.reason ?? '', /camera "cam1"/);
  assert.ok(!(c.events().feeds[0]?.reason ?? '').includes(USER.password));
  await rebooted;
  await waitFor('idle again', () => stateOf(c) === 'idle' && pulling(dev), 3000);
  await c.stop();
  assert.deepEqual(dev.activeSubscriptions(), [], 'unsubscribed on shutdown');
  assert.equal(stateOf(c), undefined);
});

test('a refused subscription (fault) is retried with backoff, never stacked', async (t) => {
  const dev = await device(t, { maxSubscriptions: 1 });
  dev.setFault('CreatePullPointSubscription', 'Too many subscriptions', 3);
  const { c } = control(t, [cameraFor(dev, 'cam1', { motionEvents: true })]);
  await waitFor('subscribed after 3 faults', () => pulling(dev) && stateOf(c) === 'idle', 3000);
  assert.equal(dev.callsTo('CreatePullPointSubscription').length, 4);
  assert.equal(dev.activeSubscriptions().length, 1);
});

test('100 reboots: never more than one subscription on the device; events resume after each', async (t) => {
  const dev = await device(t, { rebootDownMs: 20 });
  const { c, events } = control(t, [cameraFor(dev, 'cam1', { motionEvents: true })]);
  let maxSubs = 0;
  const watch = setInterval(() => (maxSubs = Math.max(maxSubs, dev.activeSubscriptions().length)), 1);
  t.after(() => clearInterval(watch));
  const started = Date.now();
  const recover: number[] = [];
  const latency: number[] = [];
  for (let i = 0; i < 100; i++) {
    await waitFor(`subscribed (round ${i})`, () => pulling(dev) && stateOf(c) === 'idle', 5000);
    const n = events.length;
    const sent = Date.now();
    dev.emitMotion(true, 'cell');
    await waitFor(
      `motion on (round ${i})`,
      () => events.length === n + 1 && events[n]?.active === true,
      2000,
    );
    latency.push(Date.now() - sent);
    dev.emitMotion(false, 'cell');
    await waitFor(`motion off (round ${i})`, () => events.length === n + 2, 2000);
    maxSubs = Math.max(maxSubs, dev.activeSubscriptions().length);
    const down = Date.now();
    await dev.reboot();
    await waitFor(`back (round ${i})`, () => pulling(dev) && stateOf(c) === 'idle', 5000);
    recover.push(Date.now() - down);
  }
  clearInterval(watch);
  assert.ok(maxSubs <= 1, `max subscriptions seen: ${maxSubs}`);
  const creates = dev.callsTo('CreatePullPointSubscription').length;
  const sorted = [...recover].sort((a, b) => a - b);
  const lat = [...latency].sort((a, b) => a - b);
  t.diagnostic(
    `100 reboots in ${Date.now() - started} ms; creates ${creates}; max subs ${maxSubs}; ` +
      `recovery p50 ${sorted[50]} ms max ${sorted.at(-1)} ms; event latency p50 ${lat[50]} ms max ${lat.at(-1)} ms`,
  );
  assert.ok(creates <= 110, `creates: ${creates}`);
  assert.equal(c.feedStats('cam1')?.created, creates);
});

test('config reload: a camera that loses motion_events is unsubscribed; one that gains it subscribes', async (t) => {
  const { EventEmitter } = await import('node:events');
  const dev = await device(t);
  let cams = [cameraFor(dev, 'cam1', { motionEvents: true })];
  const source = Object.assign(new EventEmitter(), {
    cameras: () => cams,
    camera: (id: string) => cams.find((x) => x.id === id)!,
  });
  const c = new CameraControl({
    cameras: source,
    log: silentLogger(),
    offDelayMs: 0,
    feedBackoffInitialMs: 10,
  });
  c.start();
  t.after(() => c.stop());
  await waitFor('subscribed', () => pulling(dev));
  cams = [cameraFor(dev, 'cam1', { motionEvents: false })];
  source.emit('config');
  await waitFor('unsubscribed', () => dev.activeSubscriptions().length === 0, 3000);
  assert.deepEqual(c.events().feeds, []);
  cams = [cameraFor(dev, 'cam1', { motionEvents: true })];
  source.emit('config');
  await waitFor('subscribed again', () => pulling(dev), 3000);
  assert.equal(dev.activeSubscriptions().length, 1);
});
