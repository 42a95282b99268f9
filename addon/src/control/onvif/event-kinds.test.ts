// Declared detection kinds: the loopback device's GetEventProperties (recorded Axis-style topic set
// plus its people/vehicle/Reolink topics) through the real onvif library and CameraControl, and the
// parser's rules on hand-made topic sets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startOnvifDevice } from '../../../../test/fixtures/onvif-device/index.js';
import { silentLogger } from '../../lib/log.js';
import { CameraControl } from '../camera-control.js';
import { USER, cameraFor } from '../camera-control.test-helper.js';
import { kindsFromEventProperties } from './event-kinds.js';

test('CameraControl.eventKinds reads the camera’s GetEventProperties topic set', async (t) => {
  const dev = await startOnvifDevice(USER);
  t.after(() => dev.close());
  const cams = [cameraFor(dev, 'dome', { motionEvents: true }), cameraFor(dev, 'plain')];
  const c = new CameraControl({
    cameras: { cameras: () => cams, camera: (id) => cams.find((x) => x.id === id)! },
    log: silentLogger(),
    timeoutMs: 2000,
    feedBackoffInitialMs: 10,
    feedBackoffMaxMs: 100,
  });
  c.start();
  t.after(() => c.stop());
  // Recorded: VideoSource/MotionAlarm, VideoAnalytics/MotionDetection (motion); the device adds
  // RuleEngine People/Vehicle detectors and Reolink's MyRuleDetector. Device/Trigger and IO are not kinds.
  assert.deepEqual(await c.eventKinds('dome'), ['motion', 'person', 'vehicle']);
  assert.ok(dev.callsTo('GetEventProperties').length >= 1);
  // No event feed for this camera (motion_events off): nothing to declare, the camera is not asked.
  const before = dev.callsTo('GetEventProperties').length;
  assert.equal(await c.eventKinds('plain'), null);
  assert.equal(await c.eventKinds('nope'), null);
  assert.equal(dev.callsTo('GetEventProperties').length, before);
});

const topic = (dataType: string | null) => ({
  $: { 'wstop:topic': true },
  messageDescription: {
    $: { IsProperty: true },
    data: dataType ? { simpleItemDescription: { $: { Name: 'State', Type: dataType } } } : {},
  },
});

test('only stateful topics count (line crossing is a pulse); odd shapes give nothing', () => {
  const props = {
    topicSet: {
      device: { networkInterface: { linkStatus: topic('xsd:string') } },
      ruleEngine: [
        { fieldDetector: { objectsInside: topic('xsd:boolean') } },
        { lineDetector: { crossed: topic(null) } },
        { tamperDetector: { tamper: topic('boolean') } },
        { myRuleDetector: { dogCatDetect: topic('xsd:boolean') } },
      ],
    },
  };
  assert.deepEqual(kindsFromEventProperties(props), ['animal', 'line', 'field', 'tamper']);
  for (const odd of [null, undefined, 'x', 42, {}, { topicSet: null }, { topicSet: [1, 'a', null] }])
    assert.deepEqual(kindsFromEventProperties(odd), []);
});
