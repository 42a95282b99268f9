/**
 * HA entities that show pictures, and no ghost entities, against a real mosquitto and the real
 * Lookout (supervisor, snapshot service, pixel motion on a synthetic camera):
 * - the camera entity's topic holds a retained JPEG soon after start (the periodic round), so a
 *   fresh subscriber (HA after a restart) gets a picture at once;
 * - a motion start publishes the retained "last motion" JPEG (main stream) and its time;
 * - the announced set survives a restart in the data dir: a camera removed while Lookout was
 *   stopped, and everything announced under an old base topic, is cleared at the next start.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mqttTopics, type LastMotionPayload } from '../../addon/src/contracts/mqtt.js';
import { announcedFile } from '../../addon/src/control/mqtt/announced.js';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import { CLOCK_TEXT_REGION, TIMESTAMP_BAND_REGION } from '../../addon/src/demo/timestamp-code.js';
import type { Lookout } from '../../addon/src/main.js';
import { discoveryProblem } from '../helpers/ha-discovery.js';
import { jpegSize } from '../helpers/jpeg.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { testClient } from '../helpers/mqtt-client.js';
import { rawConfigFor, resolveOrThrow, startTestLookout, tempDir } from '../helpers/setup.js';

const MAIN = { width: 640, height: 360 };
const SUB = { width: 320, height: 180 };

/** What a client that subscribes now gets as retained messages (HA after its restart). */
async function retained(url: string, filter: string, settleMs = 700): Promise<Map<string, Buffer>> {
  const c = await testClient(url);
  const got = new Map<string, Buffer>();
  c.on('message', (topic, payload, packet) => {
    if (packet.retain) got.set(topic, payload);
  });
  await c.subscribeAsync(filter, { qos: 1 });
  await new Promise((r) => setTimeout(r, settleMs));
  await c.endAsync();
  return got;
}

describe('MQTT pictures and ghost cleanup (mosquitto, real Lookout)', () => {
  let cam: SyntheticCamera;
  let broker: Mosquitto;
  let app: Lookout | null = null;
  let dataDir: string;

  const config = (names: string[], base = 'lookout') => {
    const raw = rawConfigFor(cam, { dataDir });
    return resolveOrThrow({
      ...raw,
      mqtt: { url: broker.url, client_id: 'lookout-pictures', base_topic: base },
      cameras: raw.cameras
        .filter((c) => names.includes(c.id))
        .map((c) =>
          c.id === 'porch'
            ? { ...c, motion: { source: 'pixel', masks: [TIMESTAMP_BAND_REGION, CLOCK_TEXT_REGION] } }
            : c,
        ),
    });
  };

  before(async () => {
    [cam, broker] = await Promise.all([
      SyntheticCamera.start({
        names: ['porch', 'yard'],
        encode: 'per-camera',
        motion: false,
        main: { ...MAIN, fps: 10, gop: 10 },
        sub: { ...SUB, fps: 10, gop: 10 },
      }),
      startMosquitto(),
    ]);
    dataDir = tempDir('lookout-pictures-');
  });

  after(async () => {
    await app?.stop();
    await Promise.all([broker?.stop(), cam?.close()]);
  });

  test('retained latest picture, last-motion picture with its time, valid image entity', async () => {
    const t = mqttTopics('lookout');
    app = await startTestLookout(config(['porch', 'yard']));
    // The periodic round (5 s after start, sub stream) gives every camera a retained picture.
    let pics = new Map<string, Buffer>();
    const t0 = Date.now();
    while (Date.now() - t0 < 30_000) {
      pics = await retained(broker.url, 'lookout/+/image');
      if (pics.size === 2) break;
    }
    assert.deepEqual([...pics.keys()].sort(), [t.image('porch'), t.image('yard')]);
    for (const jpeg of pics.values()) {
      assert.equal(jpeg.readUInt16BE(0), 0xffd8, 'JPEG');
      assert.equal(
        await jpegSize(jpeg),
        `${SUB.width}x${SUB.height}`,
        'periodic pictures come from the sub stream',
      );
    }
    console.log(`# retained camera pictures for 2 cameras ${Date.now() - t0} ms after start`);

    const disc = await retained(broker.url, 'homeassistant/#');
    for (const [topic, payload] of disc)
      assert.equal(discoveryProblem(topic, JSON.parse(payload.toString())), null);
    const camera = JSON.parse(disc.get('homeassistant/camera/lookout_porch_camera/config')!.toString()) as {
      topic: string;
    };
    assert.equal(camera.topic, t.image('porch'));
    const image = JSON.parse(
      disc.get('homeassistant/image/lookout_porch_last_motion/config')!.toString(),
    ) as {
      image_topic: string;
      json_attributes_topic: string;
    };
    assert.equal(image.image_topic, t.lastMotionImage('porch'));
    assert.equal(image.json_attributes_topic, t.lastMotion('porch'));
    assert.ok(!disc.has('homeassistant/image/lookout_yard_last_motion/config'), 'yard has no motion source');

    // Motion on porch (pixel motion sees the moving object): the last-motion picture and its time.
    const before = (await retained(broker.url, t.lastMotion('porch'))).size;
    assert.equal(before, 0, 'no motion yet');
    const motionAt = Date.now();
    await cam.setMotion(true, 'porch');
    let last = new Map<string, Buffer>();
    while (Date.now() - motionAt < 30_000) {
      last = await retained(broker.url, 'lookout/porch/last_motion/#');
      const again = await retained(broker.url, t.lastMotion('porch'), 300);
      for (const [k, v] of again) last.set(k, v);
      if (last.size === 2) break;
    }
    await cam.setMotion(false, 'porch');
    const meta = JSON.parse(last.get(t.lastMotion('porch'))!.toString()) as LastMotionPayload;
    assert.equal(meta.kind, 'motion');
    assert.equal(meta.source, 'pixel');
    assert.equal(meta.profile, 'main');
    assert.ok(Date.parse(meta.at) >= motionAt - 1000 && Date.parse(meta.at) <= Date.now(), meta.at);
    const jpeg = last.get(t.lastMotionImage('porch'))!;
    assert.equal(meta.bytes, jpeg.length);
    assert.equal(
      await jpegSize(jpeg),
      `${MAIN.width}x${MAIN.height}`,
      'the motion picture is the main stream',
    );
    console.log(
      `# last-motion picture retained ${Date.parse(meta.frameAt) - Date.parse(meta.at)} ms after the motion started`,
    );
  });

  test('a camera removed while stopped, and an old base topic, are cleared at the next start', async () => {
    await app?.stop();
    app = null;
    const saved = JSON.parse(readFileSync(announcedFile(dataDir), 'utf8')) as { entries: unknown[] };
    assert.deepEqual(saved.entries, [
      { baseTopic: 'lookout', prefix: 'homeassistant', camera: 'porch' },
      { baseTopic: 'lookout', prefix: 'homeassistant', camera: 'yard' },
    ]);
    assert.ok(
      (await retained(broker.url, 'homeassistant/+/+/config')).has(
        'homeassistant/camera/lookout_yard_camera/config',
      ),
    );

    // yard left the config while Lookout was stopped.
    app = await startTestLookout(config(['porch']));
    const t0 = Date.now();
    let yard = new Map<string, Buffer>();
    while (Date.now() - t0 < 15_000) {
      yard = new Map(
        [...(await retained(broker.url, '#'))].filter(
          ([k]) => k.includes('lookout_yard') || k.startsWith('lookout/yard/'),
        ),
      );
      if (yard.size === 0) break;
    }
    assert.deepEqual([...yard.keys()], [], 'every retained yard topic cleared (discovery, states, pictures)');
    assert.ok(
      (await retained(broker.url, 'homeassistant/+/+/config')).has(
        'homeassistant/camera/lookout_porch_camera/config',
      ),
    );
    await app.stop();
    app = null;

    // The base topic changed while stopped: the old base's entities go, the new ones come.
    app = await startTestLookout(config(['porch'], 'cams'));
    const t1 = Date.now();
    let old = new Map<string, Buffer>();
    while (Date.now() - t1 < 15_000) {
      const all = await retained(broker.url, '#');
      // The old bridge topic lookout/status (offline, the LWT) is no entity: it may stay.
      old = new Map(
        [...all].filter(
          ([k]) => k.includes('lookout_porch') || (k.startsWith('lookout/') && k !== 'lookout/status'),
        ),
      );
      if (old.size === 0 && all.has('homeassistant/camera/cams_porch_camera/config')) break;
    }
    assert.deepEqual([...old.keys()], [], 'nothing left under the old base topic');
    const now = JSON.parse(readFileSync(announcedFile(dataDir), 'utf8')) as { entries: unknown[] };
    assert.deepEqual(now.entries, [{ baseTopic: 'cams', prefix: 'homeassistant', camera: 'porch' }]);
  });
});
