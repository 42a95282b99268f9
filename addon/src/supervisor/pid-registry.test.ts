import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PidRegistry, readStartTicks } from './pid-registry.js';

function spawnSleeper() {
  // Own process group, like the supervisor's FFmpeg children.
  const child = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, sig) => r(sig)));
  return { pid: child.pid!, exited };
}

test('a new supervisor ends the children recorded by a crashed one, and only those', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'pids-')), 'run', 'children.json');
  const recorded = spawnSleeper();
  const stranger = spawnSleeper(); // alive, but never recorded: must survive
  const reused = spawnSleeper(); // recorded with a different start time: a recycled PID, must survive

  const first = new PidRegistry(file);
  first.add(recorded.pid, 'cam/main');
  first.add(reused.pid, 'cam/sub');
  // Pretend the recorded process for cam/sub was an older one whose PID has since been reused.
  const records = JSON.parse(readFileSync(file, 'utf8')) as Array<{ pid: number; startTicks: number }>;
  records.find((r) => r.pid === reused.pid)!.startTicks -= 1;
  writeFileSync(file, JSON.stringify(records));

  // "Crash": the first registry is simply abandoned; a new one reads the file.
  const ended = await new PidRegistry(file).reapLeftovers();
  assert.deepEqual(
    ended.map((r) => r.pid),
    [recorded.pid],
  );
  assert.equal(await recorded.exited, 'SIGKILL');
  assert.notEqual(readStartTicks(stranger.pid), null, 'an unrecorded process is untouched');
  assert.notEqual(readStartTicks(reused.pid), null, 'a reused PID is untouched');
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), [], 'the records are cleared');

  for (const p of [stranger, reused]) process.kill(p.pid, 'SIGKILL');
  await Promise.all([stranger.exited, reused.exited]);
});
