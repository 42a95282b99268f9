/**
 * If the process that started a synthetic camera dies (SIGKILL: no cleanup runs), the camera must
 * exit by itself (its stdin closes) instead of living on as an orphan. Regression: a log write to
 * the dead parent's stderr raised before the main loop was told to quit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readProc } from '../../../test/helpers/processes.js';
import { waitFor } from '../../../test/helpers/processes.js';

test('the camera exits when its parent is killed with SIGKILL', { timeout: 40_000 }, async () => {
  const wrapper = fileURLToPath(new URL('./synthetic-camera.js', import.meta.url)).replace(/\.js$/, '.ts');
  const script = `import { SyntheticCamera } from ${JSON.stringify(wrapper)};
    const cam = await SyntheticCamera.start({ names: ['orphan_check'] });
    process.stdout.write('PY ' + cam.pid + '\\n');
    setInterval(() => {}, 1000);`;
  const parent = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', script],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  parent.stdout.on('data', (d: Buffer) => (out += d));
  parent.stderr.resume();
  const parentExited = new Promise((r) => parent.on('exit', r));
  await waitFor(() => /PY \d+/.test(out), 30_000, 'camera started by the parent');
  const pyPid = Number(/PY (\d+)/.exec(out)![1]);
  assert.ok(readProc(pyPid), 'camera running');
  parent.kill('SIGKILL');
  await parentExited;
  const ms = await waitFor(
    () => readProc(pyPid) === null || readProc(pyPid)!.state === 'Z',
    8000,
    'camera exit after parent death',
  );
  console.log(`# synthetic camera exited ${ms} ms after its parent was killed`);
});
