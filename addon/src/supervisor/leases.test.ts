import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeaseTable, MAX_LEASE_TTL_MS } from './leases.js';
import { streamKey } from '../contracts/stream-key.js';

test('leases expire after their TTL unless renewed', () => {
  let now = 1_000_000;
  const table = new LeaseTable(() => now);
  const key = streamKey('cam', 'sub');
  const a = table.acquire(key, 'viewer', 5000, 'tab-1');
  const b = table.acquire(key, 'snapshot', 2000);
  assert.equal(table.count(key), 2);
  now += 2500;
  assert.deepEqual(
    table.expire().map((l) => l.id),
    [b.id],
  );
  assert.ok(table.renew(a.id));
  now += 4000;
  assert.deepEqual(table.expire(), []);
  now += 1500;
  assert.deepEqual(
    table.expire().map((l) => l.id),
    [a.id],
  );
  assert.equal(table.renew(a.id), null, 'an expired lease cannot be renewed');
});

test('release, per-camera drop and TTL bounds', () => {
  const table = new LeaseTable();
  const k1 = streamKey('a', 'main');
  const k2 = streamKey('b', 'main');
  const l1 = table.acquire(k1, 'viewer', 1000);
  table.acquire(k2, 'viewer', 1000);
  assert.equal(table.release(l1.id)?.id, l1.id);
  assert.equal(table.release(l1.id), null);
  assert.equal(table.dropCamera('b').length, 1);
  assert.equal(table.size, 0);
  assert.throws(() => table.acquire(k1, 'viewer', 0), RangeError);
  assert.equal(table.acquire(k1, 'viewer', 10 * MAX_LEASE_TTL_MS).ttlMs, MAX_LEASE_TTL_MS);
});
