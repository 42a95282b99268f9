/**
 * Camera outages: stopped camera → `stalled` within 5 s → `live` within 5 s of its return, after a
 * 10 s and a 90 s outage, with FFmpeg spawned at most once per backoff step while it was away
 * (the probe decides when to restart). Uses the default (production) ladder 1→2→5→10→30→60 s.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import { streamKey } from '../../addon/src/contracts/stream-key.js';
import type { StreamStateEvent } from '../../addon/src/contracts/stream-state.js';
import type { Supervisor } from '../../addon/src/supervisor/supervisor.js';
import { rawConfigFor, resolveOrThrow, startSupervisor } from '../helpers/setup.js';
import { waitFor, zombieChildren } from '../helpers/processes.js';

const PRODUCTION_LADDER = ['1s', '2s', '5s', '10s', '30s', '60s'];

/** Number of ladder steps whose cumulative delay fits in `ms` (+1: the step in progress). */
function stepsWithin(ms: number, ladderMs = [1000, 2000, 5000, 10000, 30000, 60000]): number {
  let t = 0;
  let n = 0;
  while (t < ms) {
    t += ladderMs[Math.min(n, ladderMs.length - 1)]! * 0.8; // jitter can shorten a step by 20%
    n += 1;
  }
  return n;
}

for (const outageS of [10, 90]) {
  describe(`camera outage of ${outageS} s`, { timeout: (outageS + 60) * 1000 }, () => {
    let cam: SyntheticCamera;
    let sup: Supervisor;
    const events: StreamStateEvent[] = [];

    before(async () => {
      cam = await SyntheticCamera.start({ names: ['porch'] });
      const raw = rawConfigFor(cam, {
        stream: { stall_timeout: '5s', probe_interval: '2s', backoff: PRODUCTION_LADDER },
      });
      sup = await startSupervisor(resolveOrThrow(raw));
      sup.on('state', (e) => events.push(e));
    });

    after(async () => {
      await sup?.stop();
      await cam?.close();
      assert.deepEqual(zombieChildren(), []);
    });

    test(`stalled within 5 s, live within 5 s of the return, bounded spawns`, async () => {
      const key = streamKey('porch', 'sub');
      sup.acquireLease(key, { kind: 'viewer', ttlMs: 10 * 60_000 });
      await waitFor(() => sup.status(key).state === 'live', 5000, 'live');
      const spawnsBefore = sup.status(key).counters.spawns;

      const down = Date.now();
      await cam.stop();
      await waitFor(
        () => events.some((e) => e.key === 'porch/sub' && e.to === 'stalled' && Date.parse(e.at) >= down),
        5000,
        'stalled',
      );
      const stalledMs = Date.now() - down;

      await new Promise((r) => setTimeout(r, outageS * 1000 - (Date.now() - down)));
      const spawnsWhileAway = sup.status(key).counters.spawns - spawnsBefore;
      const back = Date.now();
      await cam.start();
      await waitFor(() => sup.status(key).state === 'live', 5000, 'live after return');
      const recoverMs = Date.now() - back;

      const maxSpawns = stepsWithin(outageS * 1000);
      console.log(
        `# outage ${outageS}s: stalled after ${stalledMs} ms; live ${recoverMs} ms after return; ffmpeg spawned ${spawnsWhileAway}x while away (ladder steps in that time: ${maxSpawns})`,
      );
      assert.ok(recoverMs <= 5000);
      assert.ok(
        spawnsWhileAway <= maxSpawns,
        `spawned ${spawnsWhileAway} times, at most ${maxSpawns} allowed`,
      );
      const st = sup.status(key);
      assert.equal(st.state, 'live');
      assert.ok(st.progress.fragments > 0);
    });
  });
}
