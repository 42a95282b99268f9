/**
 * `POST /api/talk/:camera/play` with the audio itself (what the Node-RED node and MQTT `data` carry):
 * a raw `audio/wav` body and JSON `{data: base64}` both reach the synthetic camera's backchannel WAV
 * as their tone; an oversized body is refused with 413 before any playback, bad base64 and a body
 * with both url and data with 400.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import type { Lookout } from '../../addon/src/main.js';
import { TALK_PLAY_MAX_BYTES } from '../../addon/src/contracts/talk.js';
import { zombieChildren } from '../helpers/processes.js';
import { cameraProfiles, FAST_STREAM, resolveOrThrow, startTestLookout, tempDir } from '../helpers/setup.js';
import { BackchannelLog, bandRms, db, toneWav, wavSamples, TALK_TEST_VIDEO } from '../helpers/talk.js';

describe('play with the audio in the request', () => {
  let cam: SyntheticCamera;
  let app: Lookout;
  const log = new BackchannelLog();
  const sessions = () => log.sessionsFor('door');
  const wavOf = (hz: number, seconds: number) => toneWav(hz, seconds);

  async function heard(n: number, hz: number): Promise<void> {
    const file = await log.nextWav('door', n);
    const s = wavSamples(file);
    const body = s.subarray(1600, s.length - 1600);
    const other = hz === 440 ? 1000 : 440;
    assert.ok(db(bandRms(body, hz), bandRms(body, other)) > 30, `${hz} Hz in the camera's WAV`);
  }

  before(async () => {
    cam = await SyntheticCamera.start({
      names: ['door'],
      backchannel: 'pcma',
      backchannelDir: tempDir('lookout-upload-'),
      ...TALK_TEST_VIDEO,
      onEvent: log.onEvent,
    });
    const config = resolveOrThrow({
      server: { host: '127.0.0.1', port: 0, data_dir: tempDir() },
      defaults: { audio: 'drop', stream: FAST_STREAM },
      cameras: [{ id: 'door', vendor: 'generic', profiles: cameraProfiles(cam, 'door') }],
    });
    app = await startTestLookout(config, { mqtt: false, tls: false });
  });

  after(async () => {
    await app?.stop();
    await cam?.close();
    assert.deepEqual(zombieChildren(), []);
  });

  const play = (body: string | Buffer, type: string, query = '') =>
    fetch(`${app.url}/api/talk/door/play${query}`, {
      method: 'POST',
      headers: { 'content-type': type },
      body,
    });

  test('a raw audio/wav body, with ?volume: played, answered when done', async () => {
    const n = sessions().length;
    const res = await play(await wavOf(440, 2), 'audio/wav', '?volume=0.5');
    const answer = (await res.json()) as { talker: string; durationMs: number };
    assert.equal(res.status, 200, JSON.stringify(answer));
    assert.ok(answer.durationMs >= 1800, `durationMs ${answer.durationMs}`);
    await heard(n, 440);
  });

  test('JSON {data: base64}: played like the raw body', async () => {
    const n = sessions().length;
    const wav = await wavOf(1000, 2);
    const res = await play(JSON.stringify({ data: wav.toString('base64') }), 'application/json');
    assert.equal(res.status, 200, await res.clone().text());
    await heard(n, 1000);
  });

  test('too large: 413 before anything plays; bad base64, url and data together: 400', async () => {
    const n = sessions().length;
    const big = await play(Buffer.alloc(TALK_PLAY_MAX_BYTES + 1), 'application/octet-stream');
    assert.equal(big.status, 413, await big.clone().text());
    const bigJson = await play(
      JSON.stringify({ data: 'A'.repeat(TALK_PLAY_MAX_BYTES * 2) }),
      'application/json',
    );
    assert.equal(bigJson.status, 413);
    const bad = await play(JSON.stringify({ data: 'not base64!' }), 'application/json');
    assert.equal(bad.status, 400);
    const both = await play(JSON.stringify({ data: 'AAAA', url: 'x.wav' }), 'application/json');
    assert.equal(both.status, 400);
    const neither = await play(JSON.stringify({ volume: 1 }), 'application/json');
    assert.equal(neither.status, 400);
    assert.equal(sessions().length, n, 'no camera session for refused requests');
  });
});
