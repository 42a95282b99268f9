/**
 * Two-way audio end to end: real Lookout, the synthetic camera's ONVIF RTSP backchannel (GStreamer,
 * recording each backchannel session to a WAV), real FFmpeg for the mixer and the play endpoint.
 * Band levels are measured on the camera's WAV with Goertzel (test/helpers/talk.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import type { Lookout } from '../../addon/src/main.js';
import type { StreamGraph } from '../../addon/src/contracts/api.js';
import { FAST_STREAM, resolveOrThrow, startTestLookout, tempDir, cameraProfiles } from '../helpers/setup.js';
import { loadScaledMs, waitFor, zombieChildren } from '../helpers/processes.js';
import { bandRms, db, tone, wavSamples, windowRms, wsTalker } from '../helpers/talk.js';

interface CamEvent {
  event: string;
  file?: string;
  camera?: string;
  bytes?: number;
}

describe('talkback', () => {
  let cam: SyntheticCamera;
  let plain: SyntheticCamera;
  let app: Lookout;
  const events: CamEvent[] = [];
  const dir = tempDir('lookout-talk-');
  const media = tempDir('lookout-talk-media-');

  const closedFor = (file: string) => events.find((e) => e.event === 'backchannel-closed' && e.file === file);
  const sessionsFor = (camera: string) => events.filter((e) => e.event === 'backchannel-media' && e.camera === camera);
  const wsUrl = (camera: string) => `${app.url.replace('http', 'ws')}/api/talk/${camera}/ws`;

  /** Waits for the camera's next backchannel session to close (linger 2 s) and returns its WAV. */
  async function nextWav(camera: string, before: number): Promise<string> {
    const { limitMs } = loadScaledMs(15_000);
    await waitFor(() => sessionsFor(camera).length > before, limitMs, `a backchannel session on ${camera}`);
    const file = sessionsFor(camera)[before]!.file!;
    await waitFor(() => closedFor(file) !== undefined, limitMs, `backchannel session ${file} to close`);
    return file;
  }

  before(async () => {
    cam = await SyntheticCamera.start({
      names: ['door', 'solo', 'gate'],
      backchannel: 'pcmu',
      backchannelDir: dir,
      main: { width: 320, height: 240, fps: 10, gop: 10 },
      sub: { width: 320, height: 240, fps: 10, gop: 10 },
      onEvent: (e) => events.push(e as CamEvent),
    });
    plain = await SyntheticCamera.start({
      names: ['mute'],
      main: { width: 320, height: 240, fps: 10, gop: 10 },
      sub: { width: 320, height: 240, fps: 10, gop: 10 },
    });
    writeFileSync(join(media, 'chime.wav'), Buffer.alloc(0));
    const config = resolveOrThrow({
      server: { host: '127.0.0.1', port: 0, data_dir: tempDir() },
      defaults: { audio: 'drop', stream: FAST_STREAM },
      talk: { media_dir: media },
      cameras: [
        { id: 'door', vendor: 'generic', profiles: cameraProfiles(cam, 'door'), backchannel: { mix: true } },
        { id: 'solo', vendor: 'generic', profiles: cameraProfiles(cam, 'solo') },
        {
          id: 'gate',
          vendor: 'generic',
          profiles: cameraProfiles(cam, 'gate'),
          backchannel: { url: `${cam.url('gate', 'sub')}#mix` },
        },
        { id: 'mute', vendor: 'generic', profiles: cameraProfiles(plain, 'mute') },
      ],
    });
    app = await startTestLookout(config, { mqtt: false, tls: false });
  });

  after(async () => {
    await app?.stop();
    await cam?.close();
    await plain?.close();
    assert.deepEqual(zombieChildren(), []);
  });

  test('one talker: 440 Hz reaches the camera WAV at the level sent', async () => {
    const n = sessionsFor('solo').length;
    const t = wsTalker(wsUrl('solo'));
    const ready = await t.ready;
    assert.equal(ready.type, 'ready', JSON.stringify(ready));
    await t.talk(440, 2000, 0.25);
    await t.close();
    const wav = await nextWav('solo', n);
    const s = wavSamples(wav);
    assert.ok(s.length >= 8000 * 1.5, `camera recorded ${s.length} samples for 2 s of talk`);
    const body = s.subarray(2400, s.length - 800);
    const at440 = bandRms(body, 440);
    const off = bandRms(body, 700);
    // A sine of peak 0.25 has RMS 0.177; G.711 costs a fraction of a dB.
    assert.ok(Math.abs(db(at440, 0.25 / Math.SQRT2)) < 1.5, `440 Hz band RMS ${at440.toFixed(4)}`);
    assert.ok(db(at440, off) > 40, `440 Hz ${db(at440, off).toFixed(1)} dB over off-band`);
  });
});
