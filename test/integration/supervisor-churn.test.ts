/**
 * 200 rapid lease / release / kill cycles must leave zero zombies, zero orphaned FFmpeg processes
 * and no file-descriptor growth (FIELD-NOTES #2: 40+ FFmpeg for 10 cameras in the ancestor).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import { streamKey } from '../../addon/src/contracts/stream-key.js';
import type { Supervisor } from '../../addon/src/supervisor/supervisor.js';
import { rawConfigFor, resolveOrThrow, startSupervisor } from '../helpers/setup.js';
import { openFdCount, processesMatching, waitFor, zombieChildren } from '../helpers/processes.js';

describe('lease/release/kill churn', { timeout: 240_000 }, () => {
  let cam: SyntheticCamera;
  let sup: Supervisor;

  before(async () => {
    cam = await SyntheticCamera.start({ names: ['c1', 'c2'] });
    const raw = rawConfigFor(cam, { stream: { idle_timeout: '100ms', backoff: ['100ms', '200ms'] } });
    sup = await startSupervisor(resolveOrThrow(raw));
  });

  after(async () => {
    await sup?.stop();
    await cam?.close();
  });

  test('200 cycles: no zombies, no orphans, no fd growth', async () => {
    const keys = [streamKey('c1', 'sub'), streamKey('c2', 'sub'), streamKey('c1', 'main')];
    // Warm up once so lazily opened handles (DNS, timers, loggers) are not counted as growth.
    const warm = sup.acquireLease(keys[0]!, { kind: 'viewer' }).lease;
    await waitFor(() => sup.status(keys[0]!).state === 'live', 5000, 'warm-up live');
    sup.releaseLease(warm.id);
    await waitFor(() => sup.statuses().every((s) => s.state === 'idle'), 5000, 'idle after warm-up');
    const fdsBefore = openFdCount();

    let kills = 0;
    const t0 = Date.now();
    for (let i = 0; i < 200; i++) {
      const key = keys[i % keys.length]!;
      // Mostly start from a stopped key (a real spawn each cycle); sometimes cut into 'stopping'.
      if (i % 5 !== 4)
        await waitFor(() => sup.status(key).state === 'idle', 3000, 'idle before cycle').catch(() => 0);
      const { lease } = sup.acquireLease(key, { kind: i % 2 ? 'viewer' : 'snapshot' });
      // Vary where in the lifecycle the cycle cuts in: right away, mid-start, or after a kill.
      if (i % 4 === 1) await new Promise((r) => setTimeout(r, 30));
      if (i % 4 === 2) {
        const pid = sup.status(key).pid;
        if (pid) {
          process.kill(pid, 'SIGKILL');
          kills += 1;
        }
      }
      if (i % 4 === 3) await waitFor(() => sup.status(key).pid !== null, 2000, 'spawned');
      sup.releaseLease(lease.id);
    }
    const cycleMs = Date.now() - t0;
    await waitFor(() => sup.statuses().every((s) => s.state === 'idle'), 15000, 'all idle');
    await new Promise((r) => setTimeout(r, 300));

    const spawns = sup.statuses().reduce((n, s) => n + s.counters.spawns, 0);
    const orphans = processesMatching(`127.0.0.1:${cam.port}/`);
    const zombies = zombieChildren();
    const fdsAfter = openFdCount();
    console.log(
      `# churn: 200 cycles in ${cycleMs} ms, ${spawns} ffmpeg spawns, ${kills} kill -9; zombies ${zombies.length}, orphans ${orphans.length}, fds ${fdsBefore} → ${fdsAfter}`,
    );
    assert.deepEqual(zombies, []);
    assert.deepEqual(orphans, []);
    assert.ok(fdsAfter <= fdsBefore + 2, `fd growth: ${fdsBefore} → ${fdsAfter}`);
    assert.ok(spawns >= 150, `the cycles really started processes (${spawns} spawns)`);
  });
});
