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
import type { TalkBackchannelView } from '../../addon/src/contracts/talk.js';
import { FAST_STREAM, resolveOrThrow, startTestLookout, tempDir, cameraProfiles } from '../helpers/setup.js';
import { loadScaledMs, waitFor, zombieChildren } from '../helpers/processes.js';
import {
  BackchannelLog,
  bandRms,
  db,
  wavSamples,
  windowRms,
  wsTalker,
  TALK_TEST_VIDEO,
} from '../helpers/talk.js';

describe('talkback', () => {
  let cam: SyntheticCamera;
  let plain: SyntheticCamera;
  let app: Lookout;
  const log = new BackchannelLog();
  const dir = tempDir('lookout-talk-');
  const media = tempDir('lookout-talk-media-');

  const sessionsFor = (camera: string) => log.sessionsFor(camera);
  const wsUrl = (camera: string) => `${app.url.replace('http', 'ws')}/api/talk/${camera}/ws`;

  /** Waits for the camera's next backchannel session to close (linger 2 s) and returns its WAV. */
  const nextWav = (camera: string, n: number) =>
    log.nextWav(camera, n, {
      limitMs: 15_000,
      diagnose: () =>
        `talk views ${JSON.stringify(app.talk.views())}; camera stderr:\n${cam.stderrTail().join('\n')}`,
    });

  before(async () => {
    cam = await SyntheticCamera.start({
      names: ['door', 'solo', 'gate'],
      backchannel: 'pcmu',
      backchannelDir: dir,
      ...TALK_TEST_VIDEO,
      onEvent: log.onEvent,
    });
    plain = await SyntheticCamera.start({
      names: ['mute'],
      ...TALK_TEST_VIDEO,
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

  test('mix on: two talkers (440 + 1000 Hz) → one camera session with both tones at full level', async () => {
    const n = sessionsFor('door').length;
    const a = wsTalker(wsUrl('door'), { label: 'tablet' });
    const b = wsTalker(wsUrl('door'), { sampleRate: 16000, label: 'phone' });
    assert.equal((await a.ready).type, 'ready');
    assert.equal((await b.ready).type, 'ready');
    // Both talk 2 s; then b stays connected but silent while a talks 1.5 s more.
    const graphDuring = (async () => {
      await sleep(1000);
      return (await (await fetch(`${app.url}/api/streams`)).json()) as StreamGraph;
    })();
    await Promise.all([a.talk(440, 3500, 0.25), b.talk(1000, 2000, 0.25)]);
    const graph = await graphDuring;
    await Promise.all([a.close(), b.close()]);
    const wav = await nextWav('door', n);
    assert.equal(sessionsFor('door').length, n + 1, 'exactly one camera backchannel session for two talkers');

    const bc = graph.backchannels?.find((x) => x.camera === 'door');
    assert.ok(bc, 'door in /api/streams backchannels');
    assert.equal(bc.mixer?.mode, 'mix');
    assert.equal(bc.mixer?.parents.length, 2);
    assert.deepEqual(bc.mixer?.childs, [bc.id]);
    assert.equal(bc.codec?.name, 'PCMU');

    // 250 ms blocks: where both tones are present, each must be at the level sent (normalize=0);
    // where only a talks (b connected but silent), 440 Hz must stay at full level too.
    const s = wavSamples(wav);
    const full = 0.25 / Math.SQRT2;
    const blocks: { t440: number; t1000: number; off: number }[] = [];
    for (let i = 0; i + 2000 <= s.length; i += 2000) {
      const b = s.subarray(i, i + 2000);
      blocks.push({ t440: bandRms(b, 440), t1000: bandRms(b, 1000), off: bandRms(b, 700) });
    }
    const both = blocks.filter((b) => db(b.t440, b.off) >= 20 && db(b.t1000, b.off) >= 20);
    assert.ok(both.length >= 3, `both tones present in ${both.length} blocks of 250 ms`);
    const mid = both.slice(1, -1);
    const sum = (k: 't440' | 't1000' | 'off') =>
      Math.sqrt(mid.reduce((x, b) => x + b[k] ** 2, 0) / mid.length);
    assert.ok(
      db(sum('t440'), sum('off')) >= 40,
      `440 Hz ${db(sum('t440'), sum('off')).toFixed(1)} dB over off-band`,
    );
    assert.ok(
      db(sum('t1000'), sum('off')) >= 40,
      `1000 Hz ${db(sum('t1000'), sum('off')).toFixed(1)} dB over off-band`,
    );
    const median = (k: 't440' | 't1000') => [...mid.map((b) => b[k])].sort((x, y) => x - y)[mid.length >> 1]!;
    // amix's default normalize would put each at −6 dB; 3 dB leaves room for the frames a starved
    // machine drops (the bounded queues drop audio rather than delay it).
    assert.ok(
      Math.abs(db(median('t440'), full)) < 3,
      `440 Hz at ${db(median('t440'), full).toFixed(1)} dB of the level sent`,
    );
    assert.ok(
      Math.abs(db(median('t1000'), full)) < 3,
      `1000 Hz at ${db(median('t1000'), full).toFixed(1)} dB of the level sent (normalize=0)`,
    );
    const alone = blocks.filter((b) => db(b.t440, b.off) >= 40 && b.t1000 < full / 100);
    assert.ok(alone.length >= 2, `${alone.length} blocks with a alone`);
    // Judged by the median block, like the mixed part: amix's normalize (the flaw this guards
    // against) would put every block at −6 dB, while a starved test process that paces its own
    // talker late costs single blocks some samples (the gap test judges those).
    const aloneDb = alone.slice(0, -1).map((b) => db(b.t440, full));
    const aloneMedian = [...aloneDb].sort((x, y) => x - y)[aloneDb.length >> 1]!;
    assert.ok(
      Math.abs(aloneMedian) < 2,
      `440 Hz alone (b silent) at ${aloneMedian.toFixed(1)} dB (blocks: ${aloneDb.map((x) => x.toFixed(1)).join(' ')})`,
    );
  });

  test('mix on: a third talker joins and leaves mid-way without a gap for the others', async () => {
    const n = sessionsFor('door').length;
    const a = wsTalker(wsUrl('door'));
    const b = wsTalker(wsUrl('door'));
    assert.equal((await a.ready).type, 'ready');
    assert.equal((await b.ready).type, 'ready');
    const spawns = async () =>
      (
        (await (await fetch(`${app.url}/api/talk`)).json()) as { backchannels: TalkBackchannelView[] }
      ).backchannels.find((x) => x.camera === 'door')?.mixer?.spawns ?? -1;
    let spawnsBefore = -1;
    let spawnsAfter = -2;
    const third = (async () => {
      await sleep(1000);
      spawnsBefore = await spawns();
      const c = wsTalker(wsUrl('door'));
      assert.equal((await c.ready).type, 'ready');
      await c.talk(700, 1000, 0.25);
      await c.close();
      await sleep(300);
      spawnsAfter = await spawns();
    })();
    await Promise.all([a.talk(440, 4000, 0.2), b.talk(1000, 4000, 0.2), third]);
    await Promise.all([a.close(), b.close()]);
    const wav = await nextWav('door', n);
    assert.equal(sessionsFor('door').length, n + 1, 'one camera session for all three');
    assert.equal(spawnsAfter, spawnsBefore, 'the mixer was not restarted when the third joined and left');
    const s = wavSamples(wav);
    const body = s.subarray(8000 * 0.4, s.length - 8000 * 0.4);
    const windows = windowRms(body, 20);
    const quiet = windows.flatMap((w, i) => (w < 0.05 ? [i * 20 + 400] : []));
    let run = 0;
    let longest = 0;
    for (const w of windows) {
      run = w < 0.05 ? run + 1 : 0;
      longest = Math.max(longest, run);
    }
    const load = loadScaledMs(1).loadPerCore;
    console.log(`third talker: silent 20 ms windows at ms ${quiet.join(',') || 'none'}; load/core ${load}`);
    // A mixer restart on join/leave would cost ≥ 60 ms (FFmpeg start-up); a single 20 ms window can
    // be this machine's scheduling under load (other sessions' tests), so only runs ≥ 3 count.
    assert.ok(longest < 3, `a gap of ${longest * 20} ms while two talkers talked (at ms ${quiet.join(',')})`);
    assert.equal(quiet.length <= 3 || load > 1.5, true, `silent windows at ms ${quiet.join(',')}`);
    let cBlocks = 0;
    const levels700: string[] = [];
    for (let i = 0; i + 2000 <= s.length; i += 2000) {
      const blk = s.subarray(i, i + 2000);
      if (db(bandRms(blk, 700), bandRms(blk, 600)) > 30) cBlocks++;
      levels700.push(
        `${db(bandRms(blk, 700), bandRms(blk, 600)).toFixed(0)}/${bandRms(blk, 700).toFixed(3)}`,
      );
    }
    assert.ok(
      cBlocks >= 2,
      `the third talker was mixed in (${cBlocks} blocks of 250 ms with 700 Hz: ${levels700.join(' ')}; ${s.length} samples in ${wav}; door events ${JSON.stringify(log.events.filter((e) => e.camera === 'door' || e.file?.includes('door')))})`,
    );
  });

  test('mix off: the second talker gets busy, the first is unaffected', async () => {
    const n = sessionsFor('solo').length;
    const a = wsTalker(wsUrl('solo'));
    assert.equal((await a.ready).type, 'ready');
    const talking = a.talk(440, 2000, 0.25);
    await sleep(300);
    const b = wsTalker(wsUrl('solo'));
    const answer = await b.ready;
    assert.equal(answer.type, 'error');
    assert.equal(answer.type === 'error' && answer.code, 'busy');
    const play = await fetch(`${app.url}/api/talk/solo/play`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'chime.wav' }),
    });
    assert.equal(play.status, 409);
    assert.equal(((await play.json()) as { error: { code: string } }).error.code, 'busy');
    await talking;
    await Promise.all([a.close(), b.close()]);
    const s = wavSamples(await nextWav('solo', n));
    const body = s.subarray(2400, s.length - 800);
    const levels: number[] = [];
    for (let i = 0; i + 2000 <= body.length; i += 2000) levels.push(bandRms(body.subarray(i, i + 2000), 440));
    const median = [...levels].sort((x, y) => x - y)[levels.length >> 1]!;
    assert.ok(
      Math.abs(db(median, 0.25 / Math.SQRT2)) < 1.5,
      `first talker at ${db(median, 0.25 / Math.SQRT2).toFixed(1)} dB`,
    );
    let run = 0;
    let longest = 0;
    for (const w of windowRms(body, 20)) {
      run = w < 0.05 ? run + 1 : 0;
      longest = Math.max(longest, run);
    }
    assert.ok(longest < 3, `a ${longest * 20} ms gap for the first talker while the second was refused`);
  });

  test('camera without backchannel (551): clear error to the talker, video unaffected', async () => {
    const lease = await fetch(`${app.url}/api/streams/mute/sub/leases`, { method: 'POST' });
    assert.equal(lease.status, 201);
    const { limitMs } = loadScaledMs(15_000);
    const live = async () =>
      ((await (await fetch(`${app.url}/api/streams/mute/sub`)).json()) as { state: string }).state;
    const t0 = Date.now();
    while ((await live()) !== 'live') {
      assert.ok(Date.now() - t0 < limitMs, 'mute/sub live');
      await sleep(200);
    }
    const t = wsTalker(wsUrl('mute'));
    const answer = await t.ready;
    assert.equal(answer.type, 'error');
    assert.equal(answer.type === 'error' && answer.code, 'unsupported');
    assert.match(answer.type === 'error' ? answer.message : '', /551/);
    await t.close();
    const play = await fetch(`${app.url}/api/talk/mute/play`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://example.invalid/tts.mp3' }),
    });
    assert.equal(play.status, 501);
    await sleep(1000);
    assert.equal(await live(), 'live', 'the video stream did not notice');
  });

  test('play: a file under talk.media_dir plays to the camera and answers when done', async () => {
    const file = join(media, 'tone.wav');
    const { execFileSync } = await import('node:child_process');
    execFileSync('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'sine=f=1000:d=1.5:r=44100',
      '-ac',
      '2',
      file,
    ]);
    const n = sessionsFor('solo').length;
    const t0 = Date.now();
    const res = await fetch(`${app.url}/api/talk/solo/play`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'tone.wav' }),
    });
    const body = (await res.json()) as { talker: string; durationMs: number };
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.ok(Date.now() - t0 >= 1400, 'answered after playback (real-time paced)');
    const s = wavSamples(await nextWav('solo', n));
    const mid = s.subarray(2000, 10000);
    assert.ok(db(bandRms(mid, 1000), bandRms(mid, 700)) > 40, 'the file reached the camera');
    for (const bad of ['../etc/passwd', '/etc/passwd', 'file:///etc/passwd', 'missing.wav']) {
      const r = await fetch(`${app.url}/api/talk/solo/play`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ url: bad }),
      });
      assert.ok(r.status === 400 || r.status === 404, `${bad}: ${r.status}`);
    }
  });

  test('garbage on the WebSocket, abrupt disconnects: clear errors, no crash, the camera recovers', async () => {
    const { default: WebSocket } = await import('ws');
    // Binary before hello.
    const g1 = new WebSocket(wsUrl('door'));
    const err1 = await new Promise<string>((resolve) => {
      g1.on('open', () => g1.send(Buffer.from([1, 2, 3])));
      g1.on('message', (d) => resolve(String(d)));
      g1.on('close', () => resolve('closed'));
    });
    assert.match(err1, /"code":"bad_request"/);
    // A bad hello.
    const g2 = new WebSocket(wsUrl('door'));
    const err2 = await new Promise<string>((resolve) => {
      g2.on('open', () => g2.send('{"type":"hello","sampleRate":12345}'));
      g2.on('message', (d) => resolve(String(d)));
    });
    assert.match(err2, /sampleRate/);
    g2.close();
    // An oversized and an odd-sized chunk after a good hello.
    const g3 = wsTalker(wsUrl('door'));
    assert.equal((await g3.ready).type, 'ready');
    g3.ws.send(Buffer.alloc(3));
    await waitFor(() => g3.messages.some((m) => m.type === 'error'), 5000, 'odd chunk refused');
    // Two talkers, one vanishes without a close frame (socket destroyed), the other keeps talking.
    const a = wsTalker(wsUrl('door'));
    const b = wsTalker(wsUrl('door'));
    assert.equal((await a.ready).type, 'ready');
    assert.equal((await b.ready).type, 'ready');
    const talking = a.talk(440, 2500, 0.25);
    await b.talk(1000, 500);
    (b.ws as unknown as { _socket: { destroy(): void } })._socket.destroy();
    await talking;
    assert.ok(!a.messages.some((m) => m.type === 'error'), 'a was not disturbed');
    await a.close();
    await g3.close();
    const res = await fetch(`${app.url}/api/talk`);
    assert.equal(res.status, 200);
  });

  test('camera restarts mid-talk: the talker is told, a new talker gets a new session', async () => {
    const n = sessionsFor('gate').length;
    const a = wsTalker(wsUrl('gate'));
    const b = wsTalker(wsUrl('gate'));
    assert.equal((await a.ready).type, 'ready');
    assert.equal((await b.ready).type, 'ready');
    const talking = Promise.all([a.talk(440, 3000), b.talk(1000, 3000)]);
    await sleep(800);
    await cam.restart('gate');
    await talking;
    await waitFor(() => a.messages.some((m) => m.type === 'ended'), 5000, 'the talker to be told');
    const view = async () =>
      (
        (await (await fetch(`${app.url}/api/talk`)).json()) as {
          backchannels: { camera: string; state: string; mixer: { mode: string } | null }[];
        }
      ).backchannels.find((x) => x.camera === 'gate');
    await waitFor(() => true, 10, '');
    const v = await view();
    assert.equal(v?.state, 'idle');
    assert.notEqual(v?.mixer?.mode, 'mix');
    await Promise.all([a.close(), b.close()]);
    const c = wsTalker(wsUrl('gate'));
    assert.equal((await c.ready).type, 'ready', 'a new session after the restart');
    await c.talk(440, 1000);
    await c.close();
    await waitFor(
      () => sessionsFor('gate').length >= n + 2,
      loadScaledMs(10_000).limitMs,
      'the second session',
    );
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    assert.match(metrics, /lookout_talk_sessions_total\{camera="gate"\} [2-9]/);
    assert.match(metrics, /lookout_talk_mixer_spawns_total\{camera="door"\} [1-9]/);
  });
});
