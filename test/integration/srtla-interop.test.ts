/**
 * SRTLA receiver with real SRT peers (../shared/docs/SRTLA.md section 8):
 *   srt-live-transmit caller (paced) → test sender (3 links from 127.0.0.2-4) → receiver →
 *   srt-live-transmit listener → file
 * Delivery must be byte-exact, also when one link goes silent mid-stream; the dead link times out
 * and leaves the stats and metrics; restored, it registers again and carries data.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { renderSrtlaMetrics } from '../../addon/src/control/api/metrics.js';
import { zombieChildren, waitFor } from '../helpers/processes.js';
import { tempDir } from '../helpers/setup.js';
import { freeUdpPort, payload, sha256, srtCaller, srtListener } from '../helpers/srt-peers.js';
import { startTestReceiver } from '../helpers/srtla-receiver.js';
import { SrtlaTestSender } from '../helpers/srtla-sender.js';

const LINKS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];

async function bonded(opts: { connectionTimeoutMs?: number } = {}) {
  const srtPort = await freeUdpPort();
  const receiver = await startTestReceiver({ target: { host: '127.0.0.1', port: srtPort }, limits: opts });
  const sender = new SrtlaTestSender({
    listen: { host: '127.0.0.1', port: 0 },
    receiver: { host: '127.0.0.1', port: receiver.port },
    localAddresses: LINKS,
  });
  await sender.start();
  await waitFor(() => sender.activeLinks === LINKS.length, 10_000, 'three links registered');
  return { srtPort, receiver, sender };
}

describe('SRTLA receiver with srt-live-transmit', () => {
  const dir = tempDir('lookout-srtla-');
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
    assert.deepEqual(zombieChildren(), []);
  });

  it('delivers byte-exact over three bonded links', { timeout: 60_000 }, async () => {
    const { srtPort, receiver, sender } = await bonded();
    cleanups.push(
      () => sender.stop(),
      () => receiver.stop(),
    );
    const out = join(dir, 'three.bin');
    const data = payload(3000); // 3.9 MB
    const listener = srtListener('127.0.0.1', srtPort, out);
    cleanups.push(() => listener.stop());
    await new Promise((r) => setTimeout(r, 300));
    const caller = srtCaller('127.0.0.1', sender.listenPort, data, 8);
    cleanups.push(() => caller.stop());
    await caller.fed;
    await Promise.race([listener.exited, new Promise((r) => setTimeout(r, 15_000))]);
    const stats = receiver.stats();
    await caller.stop();
    await listener.stop();

    const got = readFileSync(out);
    assert.equal(got.length, data.length, `listener got ${got.length} of ${data.length} bytes`);
    assert.equal(sha256(got), sha256(data));

    assert.equal(stats.groups.length, 1, 'one group');
    const g = stats.groups[0]!;
    assert.equal(g.links.length, 3);
    for (const l of g.links) assert.ok(l.packetsForwarded > 100, `${l.address} carried data`);
    const links = sender.linkStats();
    for (const l of links) {
      assert.ok(l.reg3 >= 1, `${l.local} got REG3`);
      assert.ok(l.srtlaAcks > 0, `${l.local} got SRTLA ACKs`);
      assert.ok(l.srtAcks > 0, `${l.local} got SRT ACKs (sent to every link)`);
    }
    assert.ok(
      links.some((l) => l.ngp >= 1),
      'the probe REG2 got REG_NGP',
    );
    assert.equal(stats.drops.srtla_type, 0);
    console.log(
      `SRTLA 3 links: ${data.length} bytes byte-exact; share ${g.links.map((l) => l.packetsForwarded).join('/')} packets`,
    );
  });

  it(
    'stays byte-exact when one link goes silent; the dead link times out and leaves the metrics',
    { timeout: 90_000 },
    async () => {
      const { srtPort, receiver, sender } = await bonded({ connectionTimeoutMs: 4000 });
      cleanups.push(
        () => sender.stop(),
        () => receiver.stop(),
      );
      const out = join(dir, 'drop.bin');
      const data = payload(6000); // 7.9 MB, ~10.5 s at 6 Mbit/s
      const listener = srtListener('127.0.0.1', srtPort, out);
      cleanups.push(() => listener.stop());
      await new Promise((r) => setTimeout(r, 300));
      const caller = srtCaller('127.0.0.1', sender.listenPort, data, 6);
      cleanups.push(() => caller.stop());
      await new Promise((r) => setTimeout(r, 1500 + 4000));
      const dead = receiver.stats().groups[0]!.links[2]!.address;
      sender.blackhole(2);
      await waitFor(
        () => receiver.stats().groups[0]?.links.length === 2,
        12_000,
        'the silent link to time out on the receiver',
        100,
      );
      const metrics = renderSrtlaMetrics([receiver.stats()]);
      assert.ok(!metrics.includes(dead), 'the dead link left the metrics');
      assert.match(metrics, /lookout_srtla_connections\{camera="cam",profile="main",group="[0-9a-f]{8}"\} 2/);
      await caller.fed;
      await Promise.race([listener.exited, new Promise((r) => setTimeout(r, 15_000))]);
      await caller.stop();
      await listener.stop();
      const got = readFileSync(out);
      assert.equal(got.length, data.length, `listener got ${got.length} of ${data.length} bytes`);
      assert.equal(sha256(got), sha256(data));

      // Back: REG2 → REG3, three links again.
      sender.restore(2);
      await waitFor(
        () => receiver.stats().groups[0]?.links.length === 3,
        8000,
        'the link to register again',
        100,
      );
      console.log(`SRTLA link drop: ${data.length} bytes byte-exact; dead link removed and re-registered`);
    },
  );
});
