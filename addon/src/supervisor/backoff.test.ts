import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from './backoff.js';

test('backoff climbs the ladder, caps at the last step, and resets', () => {
  const b = new Backoff([1000, 2000, 5000, 10000, 30000, 60000], 0);
  const delays = Array.from({ length: 8 }, () => b.next());
  assert.deepEqual(delays, [1000, 2000, 5000, 10000, 30000, 60000, 60000, 60000]);
  assert.equal(b.capMs(), 60000);
  b.reset();
  assert.equal(b.next(), 1000);
});

test('jitter stays within ±20% and varies', () => {
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const b = new Backoff([10000], 0.2);
    const d = b.next();
    assert.ok(d >= 8000 && d <= 12000, `delay ${d} outside ±20%`);
    seen.add(d);
  }
  assert.ok(seen.size > 50, 'jitter should spread delays');
});

test('an empty ladder is rejected', () => {
  assert.throws(() => new Backoff([]), /at least one step/);
});
