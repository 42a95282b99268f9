// Topic normalisation and payload parsing (library shapes), renew scheduling, and Renew on the device.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startOnvifDevice } from '../../../../test/fixtures/onvif-device/index.js';
import { PullPointFeed, renewDelayMs } from './pullpoint.js';
import { OnvifSession } from './session.js';
import { kindOf, normaliseTopic, parseNotification } from './topics.js';
import { USER, cameraFor, waitFor } from '../camera-control.test-helper.js';

const msg = (
  topic: string,
  data: unknown,
  op = 'Changed',
  source: unknown = { simpleItem: { $: { Name: 'Rule', Value: 'r1' } } },
) => ({
  topic: { _: topic, $: { Dialect: 'x' } },
  message: { message: { $: { UtcTime: new Date(), PropertyOperation: op }, source, data } },
});
const item = (Name: string, Value: unknown) => ({ $: { Name, Value } });

test('topics: prefixes and whitespace stripped, kinds recognised (most specific first)', () => {
  assert.equal(
    normaliseTopic('\n  tns1:RuleEngine/ tnsaxis:CellMotionDetector/Motion \n'),
    'RuleEngine/CellMotionDetector/Motion',
  );
  const cases: Array<[string, string | null]> = [
    ['RuleEngine/CellMotionDetector/Motion', 'motion'],
    ['VideoSource/MotionAlarm', 'motion'],
    ['VideoSoure/MotionAlarm', 'motion'],
    ['RuleEngine/PeopleDetector/People', 'person'],
    ['RuleEngine/MyRuleDetector/PeopleDetect', 'person'],
    ['RuleEngine/MyRuleDetector/VehicleDetect', 'vehicle'],
    ['RuleEngine/MyRuleDetector/DogCatDetect', 'animal'],
    ['RuleEngine/MyRuleDetector/FaceDetect', 'face'],
    ['RuleEngine/MyRuleDetector/Package', 'package'],
    ['RuleEngine/TamperDetector/Tamper', 'tamper'],
    ['RuleEngine/LineDetector/Crossed', 'line'],
    ['RuleEngine/FieldDetector/ObjectsInside', 'field'],
    ['Device/Trigger/DigitalInput', null],
  ];
  for (const [path, kind] of cases) assert.equal(kindOf(path), kind, path);
});

test('payloads: object or array simpleItem, coerced values, Initialized vs Changed, pulses', () => {
  assert.deepEqual(
    parseNotification(
      msg('tns1:RuleEngine/CellMotionDetector/Motion', { simpleItem: item('IsMotion', true) }),
    ),
    {
      kind: 'motion',
      key: 'RuleEngine/CellMotionDetector/Motion|Rule=r1',
      active: true,
      operation: 'Changed',
    },
  );
  const arr = parseNotification(
    msg(
      'tns1:VideoSource/MotionAlarm',
      { simpleItem: [item('Other', 'x'), item('State', 'false')] },
      'Initialized',
    ),
  );
  assert.equal(arr?.active, false);
  assert.equal(arr?.operation, 'Initialized');
  assert.equal(
    parseNotification(msg('tns1:RuleEngine/MyRuleDetector/PeopleDetect', { simpleItem: item('State', 1) }))
      ?.active,
    true,
  );
  assert.equal(
    parseNotification(msg('tns1:RuleEngine/LineDetector/Crossed', { simpleItem: item('ObjectId', 'abc') }))
      ?.active,
    null,
  );
  assert.equal(
    parseNotification(msg('tns1:RuleEngine/CellMotionDetector/Motion', {})),
    null,
    'stateful topic without state',
  );
  assert.equal(parseNotification({ nonsense: true }), null);
  assert.equal(parseNotification(null), null);
});

test('renew is scheduled at 80 % of the granted lifetime', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  assert.equal(renewDelayMs(now, new Date(now.getTime() + 120_000)), 96_000);
  assert.equal(renewDelayMs(now, new Date(now.getTime() + 60_000), 0.5), 30_000);
  assert.equal(renewDelayMs('garbage', undefined), 48_000, 'unknown lifetime → assume 60 s');
  assert.equal(renewDelayMs(now, now), 48_000);
});

test('the feed sends Renew on its own timer and keeps a single subscription', async (t) => {
  const dev = await startOnvifDevice(USER);
  const session = new OnvifSession({
    camera: 'cam1',
    endpoint: cameraFor(dev, 'cam1').onvif!,
    timeoutMs: 2000,
  });
  const feed = new PullPointFeed(session, {
    renewFraction: 0.01,
    onMessages: () => undefined,
    onUp: () => undefined,
    onDown: () => undefined,
  });
  t.after(async () => {
    await feed.stop();
    session.close();
    await dev.close();
  });
  feed.start();
  await waitFor('two renews', () => dev.callsTo('Renew').length >= 2, 5000);
  assert.equal(dev.callsTo('Renew')[0]?.fault, undefined);
  assert.equal(dev.activeSubscriptions().length, 1);
  assert.equal(feed.created, 1);
  await feed.stop();
  assert.equal(dev.activeSubscriptions().length, 0);
});
