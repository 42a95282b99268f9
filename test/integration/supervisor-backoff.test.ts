/**
 * Restart backoff: consecutive failures space FFmpeg spawns out along the ladder, and a stable live
 * period resets the ladder. A tiny RTSP server that answers every request with 500 makes FFmpeg fail
 * fast while the probe still sees the camera as up (so the backoff timer, not the probe, decides).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import { streamKey } from '../../addon/src/contracts/stream-key.js';
import type { StreamStateEvent } from '../../addon/src/contracts/stream-state.js';
import type { Supervisor } from '../../addon/src/supervisor/supervisor.js';
import { FAST_STREAM, resolveOrThrow, startSupervisor, tempDir, cameraProfiles } from '../helpers/setup.js';
import { waitFor } from '../helpers/processes.js';

describe('restart backoff', () => {
  let cam: SyntheticCamera;
  let broken: Server;
  const sockets = new Set<Socket>();
  let sup: Supervisor;
  const events: StreamStateEvent[] = [];

  before(async () => {
    cam = await SyntheticCamera.start({ names: ['ok'] });
    broken = createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('data', (d) => {
        const cseq = /CSeq:\s*(\d+)/i.exec(d.toString())?.[1] ?? '1';
        s.write(`RTSP/1.0 500 Internal Server Error\r\nCSeq: ${cseq}\r\n\r\n`);
      });
    });
    await new Promise<void>((r) => broken.listen(0, '127.0.0.1', r));
    const port = (broken.address() as { port: number }).port;
    const config = resolveOrThrow({
      server: { host: '127.0.0.1', port: 0, data_dir: tempDir() },
      defaults: {
        audio: 'drop',
        stream: {
          ...FAST_STREAM,
          backoff: ['400ms', '800ms', '1600ms', '3200ms'],
          backoff_reset_after: '2s',
        },
      },
      cameras: [
        { id: 'broken', vendor: 'generic', profiles: { main: { url: `rtsp://127.0.0.1:${port}/stream` } } },
        {
          id: 'ok',
          vendor: 'generic',
          profiles: cameraProfiles(cam, 'ok'),
        },
      ],
    });
    sup = await startSupervisor(config);
    sup.on('state', (e) => events.push(e));
  });

  after(async () => {
    await sup?.stop();
    for (const s of sockets) s.destroy();
    broken?.close();
    await cam?.close();
  });

  test('spawn intervals grow along the ladder while the source keeps failing', async () => {
    const key = streamKey('broken', 'main');
    sup.acquireLease(key, { kind: 'viewer' });
    await waitFor(
      () => events.filter((e) => e.key === 'broken/main' && e.to === 'starting').length >= 5,
      15000,
      '5 attempts',
    );
    const starts = events
      .filter((e) => e.key === 'broken/main' && e.to === 'starting')
      .map((e) => Date.parse(e.at));
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    console.log(
      `# backoff gaps between spawns (ladder 0.4/0.8/1.6/3.2 s ±20%): ${gaps.map((g) => (g / 1000).toFixed(2)).join(', ')} s`,
    );
    // Each gap is the ladder step (±20% jitter) plus FFmpeg's own time to fail.
    const ladder = [400, 800, 1600, 3200];
    gaps
      .slice(0, 4)
      .forEach((g, i) => assert.ok(g >= ladder[i]! * 0.8, `gap ${i} = ${g} ms, step ${ladder[i]} ms`));
    assert.ok(gaps[3]! > gaps[0]! * 3, 'the ladder grew');
    assert.equal(sup.status(key).state === 'live', false, 'a failing source is never reported live');
    assert.match(
      events.filter((e) => e.key === 'broken/main' && e.to === 'backoff').at(-1)!.reason,
      /next attempt in/,
    );
  });

  test('a stable live period resets the ladder', async () => {
    const key = streamKey('ok', 'sub');
    sup.acquireLease(key, { kind: 'viewer' });
    await waitFor(() => sup.status(key).state === 'live', 6000, 'live');
    // Two quick failures climb the ladder...
    for (let i = 0; i < 2; i++) {
      process.kill(sup.status(key).pid!, 'SIGKILL');
      await waitFor(() => sup.status(key).state !== 'live', 2000, 'down');
      await waitFor(() => sup.status(key).state === 'live', 6000, 'live again');
    }
    assert.equal(sup.status(key).backoffStep, 2);
    // ...and after more than backoff_reset_after (2 s) of stable live, the next failure starts at step 1 again.
    await new Promise((r) => setTimeout(r, 2500));
    process.kill(sup.status(key).pid!, 'SIGKILL');
    await waitFor(() => sup.status(key).state === 'backoff', 2000, 'backoff');
    assert.equal(sup.status(key).backoffStep, 1, 'ladder reset: the delay used was the first step');
    await waitFor(() => sup.status(key).state === 'live', 6000, 'live after reset');
  });
});
