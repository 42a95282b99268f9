/**
 * Supervisor lifecycle against a real RTSP camera (GStreamer) and real FFmpeg:
 * lease → live, idle stop, shared viewers, kill -9 recovery, frozen camera, backoff growth/reset.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import { streamKey } from '../../addon/src/contracts/stream-key.js';
import type { StreamStateEvent } from '../../addon/src/contracts/stream-state.js';
import type { Supervisor } from '../../addon/src/supervisor/supervisor.js';
import { rawConfigFor, resolveOrThrow, startSupervisor } from '../helpers/setup.js';
import { processesMatching, waitFor, zombieChildren } from '../helpers/processes.js';

describe('supervisor lifecycle', () => {
  let cam: SyntheticCamera;
  let sup: Supervisor;
  const events: StreamStateEvent[] = [];

  before(async () => {
    cam = await SyntheticCamera.start({
      names: ['door', 'yard'],
      main: { width: 640, height: 360, fps: 15, gop: 15 },
      sub: { width: 320, height: 180, fps: 15, gop: 15 },
    });
    sup = await startSupervisor(resolveOrThrow(rawConfigFor(cam)));
    sup.on('state', (e) => events.push(e));
  });

  after(async () => {
    await sup?.stop();
    await cam?.close();
    assert.deepEqual(processesMatching(`127.0.0.1:${cam.port}/`), [], 'no ffmpeg left behind');
    assert.deepEqual(zombieChildren(), [], 'no zombies');
  });

  test('a lease brings the key live within 5 s; release stops it after the idle timeout', async () => {
    const key = streamKey('door', 'sub');
    assert.equal(sup.status(key).state, 'idle');
    const t0 = Date.now();
    const { lease } = sup.acquireLease(key, { kind: 'viewer' });
    const ms = await waitFor(() => sup.status(key).state === 'live', 5000, 'live');
    console.log(`# start-to-live (sub, 320x180 15 fps, GOP 1 s): ${Date.now() - t0} ms`);
    assert.ok(ms < 5000);
    const st = sup.status(key);
    assert.ok(st.pid && st.pid > 0);
    assert.ok(st.progress.bytes > 0 && st.progress.fragments > 0);
    assert.equal(st.leases.length, 1);
    // The hub measured the media: codec string for browsers, size, and the camera's 1 s GOP.
    await waitFor(() => sup.status(key).media.gopS !== null, 4000, 'GOP measured');
    const media = sup.status(key).media;
    assert.match(media.codecs ?? '', /^avc1\.[0-9a-f]{6}$/);
    assert.equal(media.width, 320);
    assert.ok(Math.abs(media.gopS! - 1) < 0.1, `GOP ${media.gopS}`);
    assert.deepEqual(media.warnings, []);
    // A new reader starts at once with the init segment and a keyframe (fast start).
    const got: string[] = [];
    const reader = sup.hub(key).subscribe({
      write: (ev) =>
        void got.push(ev.type === 'fragment' ? (ev.fragment.independent ? 'key' : 'frag') : ev.type),
    });
    await waitFor(() => got.length >= 3, 2000, 'reader events');
    assert.deepEqual(got.slice(0, 2), ['init', 'key']);
    reader.close();

    sup.releaseLease(lease.id);
    // idle_timeout is 1 s in the test tuning: still running right after release...
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(sup.status(key).state, 'live');
    // ...and stopped (process confirmed dead) shortly after the timeout.
    await waitFor(() => sup.status(key).state === 'idle', 4000, 'idle after release');
    assert.equal(sup.status(key).pid, null);
    assert.deepEqual(processesMatching(`/${'door'}/sub`), []);
  });

  test('two viewers share one process; one leaving does not stop the stream', async () => {
    const key = streamKey('door', 'main');
    const a = sup.acquireLease(key, { kind: 'viewer', holder: 'tab-a' }).lease;
    const b = sup.acquireLease(key, { kind: 'viewer', holder: 'tab-b' }).lease;
    await waitFor(() => sup.status(key).state === 'live', 5000, 'live');
    const pid = sup.status(key).pid;
    assert.equal(processesMatching(`${cam.port}/door/main`).length, 1, 'exactly one ffmpeg for the key');
    sup.releaseLease(a.id);
    await new Promise((r) => setTimeout(r, 2000)); // past the idle timeout
    const st = sup.status(key);
    assert.equal(st.state, 'live');
    assert.equal(st.pid, pid, 'same process kept running');
    assert.equal(st.leases.length, 1);
    sup.releaseLease(b.id);
    await waitFor(() => sup.status(key).state === 'idle', 4000, 'idle');
  });

  test('kill -9 of FFmpeg: stalled, then restarted and live again', async () => {
    const key = streamKey('yard', 'sub');
    const { lease } = sup.acquireLease(key, { kind: 'viewer' });
    await waitFor(() => sup.status(key).state === 'live', 5000, 'live');
    const before = sup.status(key);
    process.kill(before.pid!, 'SIGKILL');
    await waitFor(() => sup.status(key).state !== 'live', 2000, 'not live after kill');
    await waitFor(() => sup.status(key).state === 'live', 6000, 'live again');
    const after = sup.status(key);
    assert.notEqual(after.pid, before.pid);
    assert.equal(after.counters.restarts, before.counters.restarts + 1);
    assert.equal(after.counters.stalls, before.counters.stalls + 1);
    const seq = events.filter((e) => e.key === 'yard/sub').map((e) => e.to);
    assert.ok(seq.join(',').includes('live,stalled,backoff,starting,live'), seq.join(','));
    sup.releaseLease(lease.id);
  });

  test('a frozen camera (socket open, no media) is detected as stalled and recovers after unfreeze', async () => {
    const key = streamKey('yard', 'main');
    const { lease } = sup.acquireLease(key, { kind: 'viewer' });
    await waitFor(() => sup.status(key).state === 'live', 5000, 'live');
    const stallsBefore = sup.status(key).counters.stalls;
    const t0 = Date.now();
    await cam.freeze('yard');
    await waitFor(
      () => sup.status(key).state === 'stalled' || sup.status(key).counters.stalls > stallsBefore,
      6000,
      'stalled',
    );
    const detectMs = Date.now() - t0;
    console.log(`# frozen camera detected as stalled after ${detectMs} ms (stall_timeout 3 s)`);
    assert.ok(detectMs <= 5000);
    assert.match(
      events.filter((e) => e.key === 'yard/main' && e.to === 'stalled').at(-1)!.reason,
      /no media/,
    );
    await cam.unfreeze('yard');
    await waitFor(() => sup.status(key).state === 'live', 8000, 'live after unfreeze');
    sup.releaseLease(lease.id);
  });

  test('acquiring a lease on a key waiting in backoff retries at once (no stale "already running")', async () => {
    const key = streamKey('door', 'sub');
    const first = sup.acquireLease(key, { kind: 'viewer' }).lease;
    await waitFor(() => sup.status(key).state === 'live', 5000, 'live');
    await cam.stop('door');
    await waitFor(() => ['backoff', 'failed'].includes(sup.status(key).state), 6000, 'backoff');
    await cam.start('door');
    // The ladder could wait up to seconds; a new lease must not.
    const t0 = Date.now();
    const second = sup.acquireLease(key, { kind: 'viewer' });
    assert.notEqual(second.status.state, 'live', 'never reported live while down');
    await waitFor(() => sup.status(key).state === 'live', 4000, 'live after kick');
    console.log(`# lease on a backing-off key → live in ${Date.now() - t0} ms`);
    sup.releaseLease(first.id);
    sup.releaseLease(second.lease.id);
  });
});
