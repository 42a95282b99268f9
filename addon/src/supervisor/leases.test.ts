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

test('client leases are bounded per client and in total; Lookout’s own consumers never are', () => {
  const table = new LeaseTable(Date.now, { perClient: 3, total: 5 });
  const key = streamKey('cam', 'main');
  const take = (client: string) => table.acquire(key, 'api', 60_000, 'same holder text', client);
  const refusal = (client: string) => {
    try {
      take(client);
    } catch (err) {
      return err as { status: number; code: string; message: string };
    }
    assert.fail(`a lease for ${client} was granted over the limit`);
  };
  const a = [take('mqtt'), take('mqtt'), take('mqtt')];
  assert.equal(refusal('mqtt').code, 'too_many_leases');
  assert.equal(refusal('mqtt').status, 429);
  take('http 10.0.0.2');
  take('http 10.0.0.3');
  assert.match(refusal('http 10.0.0.4').message, /at most 5 client leases in total/);
  // The recorder (no client) is not refused however many client leases there are.
  const rec = table.acquire(key, 'recorder', 60_000, 'recorder');
  assert.deepEqual(table.stats(), { clientLeases: 5, clients: 3, refused: { perClient: 2, total: 1 } });
  table.release(a[0]!.id);
  assert.ok(take('mqtt'), 'a released lease makes room again');
  assert.equal(table.count(key), 6);
  table.release(rec.id);
  assert.equal(table.count(key), 5);
});

test('forKey and count use the per-key index: other keys’ leases are not in the answer', () => {
  let now = 0;
  const table = new LeaseTable(() => now);
  const main = streamKey('cam', 'main');
  const sub = streamKey('cam', 'sub');
  for (let i = 0; i < 100; i++) table.acquire(i % 2 ? main : sub, 'viewer', 1000 + i);
  assert.equal(table.count(main), 50);
  assert.equal(table.forKey(sub).length, 50);
  assert.ok(table.forKey(main).every((l) => l.key.profile === 'main'));
  now = 1025;
  table.expire();
  assert.equal(table.count(main) + table.count(sub), 74);
  table.dropCamera('cam');
  assert.equal(table.count(main), 0);
  assert.equal(table.size, 0);
});

test('a key keeps the most hub history its live leases ask for, and none once they are gone', () => {
  let now = 0;
  const table = new LeaseTable(() => now);
  const key = streamKey('cam', 'main');
  const other = streamKey('cam', 'sub');
  assert.equal(table.historyS(key), 0);
  table.acquire(key, 'viewer', 60_000); // a live viewer: no history
  const rec = table.acquire(key, 'recorder', 60_000, 'recorder cam', null, 10); // motion pre-roll 5 s + slack
  const hls = table.acquire(key, 'viewer', 5000, 'll-hls', null, 8);
  table.acquire(other, 'viewer', 60_000, 'll-hls', null, 30);
  assert.equal(table.historyS(key), 10);
  table.release(rec.id);
  assert.equal(table.historyS(key), 8);
  now += 6000;
  assert.deepEqual(
    table.expire().map((l) => l.id),
    [hls.id],
  );
  assert.equal(table.historyS(key), 0, 'an expired lease asks for nothing');
  assert.equal(table.historyS(other), 30, 'per key');
  assert.equal(table.acquire(key, 'viewer', 1000, null, null, Number.NaN).historyS, 0);
});
