// The vendor talkback sinks behind the real talk session (talkback/service.ts): a PCM talker's
// 440 Hz goes through the session's clock and the in-process G.711 encoder into the Dahua and ISAPI
// sinks, and the loopback cameras receive it at real time (≈ 8000 bytes/s) as the tone. Two talkers
// back to back share one camera session (the linger), and a wrong password reaches the talker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResolvedCamera } from '../contracts/config.js';
import { silentLogger } from '../lib/log.js';
import { startDigestServer } from '../lib/http-digest-server.test-helper.js';
import { TalkService } from '../talkback/service.js';
import { DahuaTalkSink } from './dahua/talkback.js';
import { startIsapiCamera } from './hikvision/isapi-server.test-helper.js';
import { HikvisionTalkSink } from './hikvision/talkback.js';
import {
  ffmpegDecode,
  receivedBytes,
  receivedRate,
  sleep,
  toneLevel,
  type ReceivedAudio,
} from './talkback-peer.test-helper.js';

const USER = 'admin';
const PASS = 'S3ss!on-pw';

function camera(id: string, vendor: ResolvedCamera['vendor']): ResolvedCamera {
  return {
    id,
    name: id,
    enabled: true,
    hidden: false,
    vendor,
    host: '127.0.0.1',
    credentials: { username: USER, password: PASS },
    profiles: {},
    onvif: null,
    snapshotUrl: null,
    capabilities: { ptz: false, presets: false, motionEvents: false, audioOut: true },
    motion: { source: 'off', sensitivity: 50, masks: [] },
  } as ResolvedCamera;
}

/** `ms` of a sine, s16le 8 kHz, peak 0.25. */
function pcm(hz: number, ms: number, from = 0): Buffer {
  const n = (8000 * ms) / 1000;
  const b = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++)
    b.writeInt16LE(Math.round(8191 * Math.sin((2 * Math.PI * hz * (from + i)) / 8000)), i * 2);
  return b;
}

/** A talker sending `ms` of 440 Hz in 20 ms chunks, paced by the wall clock. */
async function talk(write: (b: Buffer) => void, ms: number): Promise<void> {
  const t0 = Date.now();
  for (let i = 0; i < ms / 20; i++) {
    write(pcm(440, 20, i * 160));
    await sleep(Math.max(0, t0 + (i + 1) * 20 - Date.now()));
  }
}

function service(cam: ResolvedCamera, sink: () => DahuaTalkSink | HikvisionTalkSink) {
  return new TalkService({
    cameras: { cameras: () => [cam], camera: () => cam },
    log: silentLogger(),
    lingerMs: 800,
    makeSink: sink,
  });
}

async function checkTone(audio: ReceivedAudio, format: 'alaw' | 'mulaw', seconds: number) {
  const bytes = receivedBytes(audio);
  assert.ok(bytes.length >= 8000 * seconds * 0.85, `${bytes.length} bytes for ${seconds} s`);
  const rate = receivedRate(audio);
  assert.ok(rate > 6500 && rate < 10000, `real time: ${Math.round(rate)} bytes/s`);
  const s = await ffmpegDecode(bytes, format);
  const body = s.subarray(800, s.length - 800);
  assert.ok(toneLevel(body, 440) > 100 * toneLevel(body, 1000), '440 Hz ≥ 40 dB over 1000 Hz');
  assert.ok(Math.abs(20 * Math.log10(toneLevel(body, 440) / (0.25 / Math.SQRT2))) < 1.5, 'level kept');
}

test('Dahua behind the talk session: one upload for two talkers in turn, real time, the tone', async (t) => {
  const uploads: ReceivedAudio[] = [];
  const cam = await startDigestServer(USER, PASS, 'Login to 4J0123456', (req) => {
    if (!req.url?.startsWith('/cgi-bin/audio.cgi')) return false;
    const up: ReceivedAudio = { chunks: [] };
    req.on('data', (c: Buffer) => up.chunks.push({ at: Date.now(), bytes: c }));
    uploads.push(up);
    return true;
  });
  t.after(() => cam.close());
  const svc = service(
    camera('vto', 'dahua'),
    () => new DahuaTalkSink({ baseUrl: cam.baseUrl, credentials: { username: USER, password: PASS } }),
  );
  t.after(() => svc.close());
  const a = await svc.openPcm('vto', { sampleRate: 8000, label: 'a' });
  assert.deepEqual(a.codec, { name: 'PCMA', clockRate: 8000, channels: 1 });
  await talk(a.write, 1500);
  await a.close();
  await sleep(200); // within the linger: the next talker reuses the camera session
  const b = await svc.openPcm('vto', { sampleRate: 8000, label: 'b' });
  await talk(b.write, 1000);
  await b.close();
  await sleep(1500);
  assert.equal(uploads.length, 1, 'one camera session for both');
  await checkTone(uploads[0]!, 'alaw', 2.5);
});

test('ISAPI behind the talk session: µ-law from the camera’s answer, real time, closed after the linger', async (t) => {
  const cam = await startIsapiCamera({ user: USER, pass: PASS });
  t.after(() => cam.close());
  const svc = service(
    camera('hik', 'hikvision'),
    () => new HikvisionTalkSink({ baseUrl: cam.baseUrl, credentials: { username: USER, password: PASS } }),
  );
  t.after(() => svc.close());
  const a = await svc.openPcm('hik', { sampleRate: 8000 });
  assert.equal(a.codec.name, 'PCMU');
  await talk(a.write, 2000);
  await a.close();
  await sleep(1500);
  assert.deepEqual(cam.log, ['GET channels', 'PUT close', 'PUT open', 'PUT audioData', 'PUT close']);
  await checkTone(cam.audio[0]!, 'mulaw', 2);
});

test('a wrong password reaches the talker as auth', async (t) => {
  const cam = await startIsapiCamera({ user: USER, pass: PASS });
  t.after(() => cam.close());
  const svc = service(
    camera('hik', 'hikvision'),
    () =>
      new HikvisionTalkSink({ baseUrl: cam.baseUrl, credentials: { username: USER, password: 'wrong-one' } }),
  );
  t.after(() => svc.close());
  const err = await svc.openPcm('hik', { sampleRate: 8000 }).catch((e: unknown) => e);
  assert.equal((err as { code?: string }).code, 'auth', String(err));
  assert.ok(!String((err as Error).message).includes('wrong-one'));
});
