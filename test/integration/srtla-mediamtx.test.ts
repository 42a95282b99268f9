/**
 * The real MediaMTX (the add-on's build, scripts/setup.sh; found as the product finds it) as the SRT listener behind the SRTLA
 * receiver, as in the add-on: srt-live-transmit caller (stream id publish:cam) → test sender
 * (3 links) → receiver → MediaMTX's SRT server, which records the path as MPEG-TS.
 *
 * MediaMTX demuxes and re-muxes what it receives (new PES timing, AUDs dropped), so the file it
 * writes cannot equal the input byte for byte; what must be exact is the media: every decoded
 * video frame's MD5, in order, equals the input's (but for the tail MediaMTX's recorder holds back at
 * disconnect, the same with plain SRT).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { mediamtxBinary } from '../helpers/gateway.js';
import { waitFor, zombieChildren } from '../helpers/processes.js';
import { tempDir } from '../helpers/setup.js';
import { freeUdpPort, SRT_CHUNK, srtCaller } from '../helpers/srt-peers.js';
import { startTestReceiver } from '../helpers/srtla-receiver.js';
import { SrtlaTestSender } from '../helpers/srtla-sender.js';

/** Decoded-frame MD5s of the first video stream. */
function frameHashes(file: string): string[] {
  const out = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-map', '0:v:0', '-f', 'framemd5', '-'], {
    maxBuffer: 64 * 1024 * 1024,
  }).toString();
  return out
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(',').pop()!.trim());
}

/** H.264 in MPEG-TS, padded with null packets to a multiple of 1316 bytes (srt-live-transmit chunks). */
function testStream(dir: string): Buffer {
  const file = join(dir, 'in.ts');
  execFileSync('ffmpeg', [
    '-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=15:duration=6',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '15', '-pix_fmt', 'yuv420p', '-f', 'mpegts', file,
  ]); // prettier-ignore
  let ts = readFileSync(file);
  const nul = Buffer.alloc(188, 0xff);
  nul.set([0x47, 0x1f, 0xff, 0x10]);
  const pad = (SRT_CHUNK - (ts.length % SRT_CHUNK)) % SRT_CHUNK;
  ts = Buffer.concat([ts, ...Array.from({ length: pad / 188 }, () => nul)]);
  writeFileSync(file, ts);
  return ts;
}

describe('SRTLA into the real MediaMTX', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
    assert.deepEqual(zombieChildren(), []);
  });

  it('MediaMTX receives every frame exactly over three bonded links', { timeout: 90_000 }, async () => {
    const dir = tempDir('lookout-srtla-mtx-');
    const data = testStream(dir);
    const srtPort = await freeUdpPort();
    writeFileSync(
      join(dir, 'mediamtx.yml'),
      [
        'logLevel: info',
        'api: false', 'metrics: false', 'pprof: false', 'playback: false',
        'rtsp: false', 'rtmp: false', 'hls: false', 'webrtc: false', 'moq: false',
        'srt: true',
        `srtAddress: 127.0.0.1:${srtPort}`,
        'pathDefaults:',
        '  record: true',
        '  recordFormat: mpegts',
        `  recordPath: ${dir}/rec/%path/%s`,
        '  recordPartDuration: 200ms',
        'paths:',
        '  all_others:',
      ].join('\n') + '\n', // prettier-ignore
    );
    const mtx = spawn(mediamtxBinary(), [join(dir, 'mediamtx.yml')], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    mtx.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    mtx.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    const mtxExit = new Promise((r) => mtx.once('exit', r));
    cleanups.push(async () => {
      if (mtx.exitCode === null && mtx.signalCode === null) process.kill(-mtx.pid!, 'SIGKILL');
      await mtxExit;
    });
    await waitFor(() => /\[SRT\].*listener/.test(log), 10_000, `MediaMTX SRT listener (log: ${log})`);

    const receiver = await startTestReceiver({
      target: { host: '127.0.0.1', port: srtPort },
      streamId: 'publish:cam',
    });
    const sender = new SrtlaTestSender({
      listen: { host: '127.0.0.1', port: 0 },
      receiver: { host: '127.0.0.1', port: receiver.port },
      localAddresses: ['127.0.0.2', '127.0.0.3', '127.0.0.4'],
    });
    await sender.start();
    cleanups.push(
      () => sender.stop(),
      () => receiver.stop(),
    );
    await waitFor(() => sender.activeLinks === 3, 10_000, 'three links registered');

    const caller = srtCaller('127.0.0.1', sender.listenPort, data, 2, '&streamid=publish:cam');
    cleanups.push(() => caller.stop());
    await caller.fed;
    await caller.exited;
    const stats = receiver.stats();
    await waitFor(() => /\[path cam\]/.test(log), 1000, 'MediaMTX saw the publisher');
    // SIGTERM closes the recording segment cleanly.
    process.kill(-mtx.pid!, 'SIGTERM');
    await mtxExit;

    const recDir = join(dir, 'rec', 'cam');
    const files = readdirSync(recDir).map((f) => join(recDir, f));
    assert.equal(files.length, 1, `one recorded segment: ${files.join(', ')}`);
    const want = frameHashes(join(dir, 'in.ts'));
    const got = frameHashes(files[0]!);
    // MediaMTX's recorder leaves out the last frames when the publisher goes (also with srt-live-transmit
    // sending to it directly: 82 of 90 here); everything before must be there, identical, in order.
    assert.ok(got.length >= want.length - 15, `frames: MediaMTX recorded ${got.length} of ${want.length}`);
    assert.deepEqual(got, want.slice(0, got.length), 'every decoded frame identical, none missing');
    const g = stats.groups[0]!;
    assert.equal(g.links.length, 3);
    for (const l of g.links) assert.ok(l.packetsForwarded > 10, `${l.address} carried data`);
    console.log(
      `SRTLA → MediaMTX: ${got.length} of ${want.length} frames identical (${data.length} bytes of MPEG-TS over 3 links; ${g.links.map((l) => l.packetsForwarded).join('/')} packets)`,
    );
  });
});
