import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runChild, spawnChild, type ChildRecords } from './child-process.js';

function alive(pid: number): boolean {
  try {
    // A zombie still answers kill(0); read its state instead.
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return false;
  }
}

test('a child that floods stderr and stdout does not hang: every pipe is drained', async () => {
  // 4 MiB on each pipe: far past the 64 KiB pipe buffer, so an unread pipe would block the child.
  const res = await runChild({
    file: 'sh',
    args: ['-c', 'head -c 4194304 /dev/zero >&2; head -c 4194304 /dev/zero; echo tail-line >&2'],
    timeoutMs: 20_000,
  });
  assert.equal(res.code, 0);
  assert.equal(res.timedOut, false);
  assert.equal(res.stdout.length, 4 * 1024 * 1024);
  assert.match(res.stderrTail, /tail-line\n$/);
  assert.ok(res.stderrTail.length <= 4096, 'only a bounded stderr tail is kept');
});

test('stdin bytes in, stdout bytes out; the environment is minimal', async () => {
  const res = await runChild({ file: 'cat', args: [], input: Buffer.from('hello') });
  assert.equal(res.stdout.toString(), 'hello');
  process.env.LOOKOUT_CHILD_TEST_SECRET = 'x';
  try {
    const env = await runChild({ file: 'env', args: [] });
    assert.deepEqual(env.stdout.toString().trim().split('\n').sort(), [`LANG=C`, `PATH=${process.env.PATH}`]);
  } finally {
    delete process.env.LOOKOUT_CHILD_TEST_SECRET;
  }
});

test('stop(): SIGTERM to the whole group, SIGKILL after the grace, exit awaited, records kept', async () => {
  const records: string[] = [];
  const hook: ChildRecords = {
    add: (pid, label) => records.push(`add ${pid} ${label}`),
    remove: (pid) => records.push(`remove ${pid}`),
  };
  let grandchild = 0;
  // The shell ignores SIGTERM and forks a sleeper that would outlive it without a group kill.
  const child = spawnChild({
    file: 'sh',
    args: ['-c', 'trap "" TERM; sleep 60 & echo $!; wait'],
    records: hook,
    label: 'cam/main',
    onStdout: (c) => {
      grandchild ||= Number(c.toString().trim());
    },
  });
  assert.ok(child.pid > 0);
  assert.deepEqual(records, [`add ${child.pid} cam/main`]);
  while (!grandchild) await new Promise((r) => setTimeout(r, 10));
  const t0 = Date.now();
  const exit = await child.stop(300);
  assert.ok(Date.now() - t0 >= 250, 'the shell survived SIGTERM until the grace ran out');
  assert.equal(exit.signal, 'SIGKILL');
  assert.equal(child.running, false);
  assert.deepEqual(records, [`add ${child.pid} cam/main`, `remove ${child.pid}`]);
  // The sleeper was in the group: SIGTERM already ended it (init reaps it once re-parented).
  const deadline = Date.now() + 2000;
  while (alive(grandchild) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(alive(grandchild), false, 'no orphan left behind');
});

test('timeoutMs kills a hung child; a missing binary is an exit with spawnError, not a throw', async () => {
  const hung = await runChild({ file: 'sleep', args: ['30'], timeoutMs: 100 });
  assert.equal(hung.timedOut, true);
  assert.equal(hung.signal, 'SIGKILL');
  const missing = await runChild({ file: '/nonexistent/ffmpeg', args: [] });
  assert.match(missing.spawnError ?? '', /ENOENT/);
  assert.equal(missing.code, null);
});
