/**
 * The users' top automation, end to end: a camera's ONVIF motion event (loopback device, real SOAP
 * through the onvif library) → CameraControl → the recorder's motion mode → one clip with pre-roll,
 * listed in the index and playable over HTTP.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import { CLOCK_TEXT_REGION, TIMESTAMP_BAND_REGION } from '../../addon/src/demo/timestamp-code.js';
import type { RecordingEvent } from '../../addon/src/contracts/recording.js';
import type { MotionEvent } from '../../addon/src/contracts/events.js';
import type { Lookout } from '../../addon/src/main.js';
import { startOnvifDevice, type OnvifDevice } from '../fixtures/onvif-device/index.js';
import { FAST_STREAM, resolveOrThrow, tempDir, startTestLookout, cameraProfiles } from '../helpers/setup.js';
import { waitFor } from '../helpers/processes.js';

const USER = { username: 'admin', password: 'onvif#pw)1' };

describe('motion event → recorded clip', { timeout: 90_000 }, () => {
  let cam: SyntheticCamera;
  let dev: OnvifDevice;
  let app: Lookout;
  const recordingEvents: RecordingEvent[] = [];
  const motionEvents: MotionEvent[] = [];

  before(async () => {
    // The scene starts static (no moving object), so pixel motion has nothing to see until we say so.
    cam = await SyntheticCamera.start({
      names: ['porch', 'lawn'],
      sub: { width: 320, height: 180, fps: 10, gop: 10 },
      motion: false,
    });
    dev = await startOnvifDevice({ ...USER });
    const config = resolveOrThrow(
      {
        server: { host: '127.0.0.1', port: 0, data_dir: tempDir() },
        defaults: { audio: 'drop', stream: FAST_STREAM },
        recording: { root: tempDir('lookout-rec-') },
        cameras: [
          {
            id: 'porch',
            vendor: 'onvif',
            profiles: cameraProfiles(cam, 'porch'),
            onvif: {
              host: '127.0.0.1',
              port: dev.port,
              credentials: { username: USER.username, password: '${PORCH_PW}' },
            },
            capabilities: { ptz: false, presets: false, motion_events: true },
            recording: {
              mode: 'motion',
              profile: 'sub',
              pre_roll: '2s',
              post_roll: '2s',
              triggers: ['motion'],
            },
          },
          {
            // No ONVIF events: motion.source auto + recording on motion → pixel motion on the sub stream.
            id: 'lawn',
            vendor: 'generic',
            profiles: cameraProfiles(cam, 'lawn'),
            motion: { masks: [TIMESTAMP_BAND_REGION, CLOCK_TEXT_REGION] },
            recording: {
              mode: 'motion',
              profile: 'sub',
              pre_roll: '1s',
              post_roll: '2s',
              triggers: ['motion'],
            },
          },
        ],
      },
      { PORCH_PW: USER.password },
    );
    app = await startTestLookout(config, { tls: false, mqtt: false });
    app.recordings.on('recording', (e) => recordingEvents.push(e));
    app.control.on('motion', (e) => motionEvents.push(e));
  });

  after(async () => {
    await app?.stop();
    await dev?.close();
    await cam?.close();
  });

  test('one clip per motion episode, found in the index and served with byte ranges', async () => {
    // Motion mode keeps the stream running so the pre-roll is in the hub's window.
    await waitFor(
      () => app.supervisor.status({ camera: 'porch', profile: 'sub' }).state === 'live',
      8000,
      'recorded key live',
    );
    await waitFor(() => dev.activeSubscriptions().length === 1, 8000, 'ONVIF event subscription');
    await new Promise((r) => setTimeout(r, 2500)); // let the window fill past the pre-roll

    dev.emitMotion(true, 'cell');
    await waitFor(() => motionEvents.some((e) => e.active), 3000, 'normalised motion event');
    await waitFor(() => recordingEvents.some((e) => e.type === 'started'), 3000, 'clip started');
    await new Promise((r) => setTimeout(r, 1500));
    dev.emitMotion(false, 'cell');
    await waitFor(
      () => recordingEvents.some((e) => e.type === 'finished'),
      20_000,
      'clip finished after post-roll',
    );

    const started = recordingEvents.filter((e) => e.type === 'started');
    assert.equal(started.length, 1, 'one clip');
    const list = (await (await fetch(`${app.url}/api/recordings?camera=porch`)).json()) as {
      recordings: Array<{ id: string; durationS: number; trigger: string; mode: string }>;
    };
    assert.equal(list.recordings.length, 1);
    const rec = list.recordings[0]!;
    assert.equal(rec.mode, 'motion');
    // pre-roll (2 s) + motion (~1.5 s) + post-roll (2 s), within a GOP or so
    assert.ok(rec.durationS >= 4.5, `clip ${rec.durationS}s`);
    const ranged = await fetch(`${app.url}/api/recordings/${rec.id}`, { headers: { range: 'bytes=0-7' } });
    assert.equal(ranged.status, 206);
    const head = Buffer.from(await ranged.arrayBuffer());
    assert.equal(head.subarray(4, 8).toString('latin1'), 'ftyp');
  });

  test('a camera without ONVIF events records on pixel motion', async () => {
    await waitFor(
      () => app.supervisor.status({ camera: 'lawn', profile: 'sub' }).state === 'live',
      8000,
      'lawn live',
    );
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(
      recordingEvents.filter((e) => e.camera === 'lawn').length,
      0,
      'a static scene records nothing',
    );
    await cam.setMotion(true);
    await waitFor(
      () => motionEvents.some((e) => e.camera === 'lawn' && e.active && e.source === 'pixel'),
      10_000,
      'pixel motion',
    );
    await waitFor(
      () => recordingEvents.some((e) => e.camera === 'lawn' && e.type === 'started'),
      5000,
      'lawn clip started',
    );
    await cam.setMotion(false);
    await waitFor(
      () => recordingEvents.some((e) => e.camera === 'lawn' && e.type === 'finished'),
      20_000,
      'lawn clip finished',
    );
    const list = (await (await fetch(`${app.url}/api/recordings?camera=lawn`)).json()) as {
      recordings: Array<{ trigger: string }>;
    };
    assert.equal(list.recordings.length, 1);
  });
});
