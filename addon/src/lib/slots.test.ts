import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LookoutError } from './errors.js';
import { Slots } from './slots.js';

test('at most max run, queue more wait in order, the rest are refused with 503 and counted', async () => {
  const slots = new Slots('helpers', 2, 1);
  let running = 0;
  let peak = 0;
  const gates: Array<() => void> = [];
  const job = () =>
    slots.run(async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise<void>((r) => gates.push(r));
      running--;
      return 'done';
    });
  const a = job();
  const b = job();
  const c = job(); // queued
  await assert.rejects(job(), (err: unknown) => err instanceof LookoutError && err.status === 503);
  assert.equal(slots.refused, 1);
  await new Promise((r) => setImmediate(r));
  assert.equal(running, 2);
  gates.shift()!(); // a ends: c takes its slot
  await a;
  await new Promise((r) => setImmediate(r));
  assert.equal(running, 2);
  gates.shift()!();
  gates.shift()!();
  assert.deepEqual(await Promise.all([b, c]), ['done', 'done']);
  assert.equal(peak, 2);
  assert.equal(slots.active, 0);
});

test('a failing job frees its slot', async () => {
  const slots = new Slots('helpers', 1, 0);
  await assert.rejects(
    slots.run(async () => Promise.reject(new Error('boom'))),
    /boom/,
  );
  assert.equal(await slots.run(async () => 1), 1);
});
