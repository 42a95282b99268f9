/**
 * Child process of lookout-control-nodes.test.ts: runs the Lookout nodes in the Node-RED test
 * helper against the broker given as argv[2] (the parent's Lookout), sends one request through each
 * request/response node, stops the flow and returns. It must then exit by itself: a timer, socket or
 * MQTT client left behind by a node would keep it alive and the parent's test fails.
 */
import lookoutConfig from '../lookout-config/lookout-config.js';
import lookoutPtz from '../lookout-ptz/lookout-ptz.js';
import lookoutRecord from '../lookout-record/lookout-record.js';
import lookoutSnapshot from '../lookout-snapshot/lookout-snapshot.js';
import type { NodeMessage } from '../lib/red.js';
import type { LookoutConfigNode } from '../lookout-config/lookout-config.js';
import { helper, type TestNode } from './runtime.js';

const broker = process.argv[2];
if (!broker) throw new Error('usage: close-check.ts <broker url>');

async function main(): Promise<void> {
  const node = (id: string, type: string, extra: Record<string, unknown>) => ({
    z: 'tab',
    x: 100,
    y: 100,
    id,
    type,
    server: 'srv',
    camera: 'dome',
    wires: [['out']],
    ...extra,
  });
  await helper.load(
    [lookoutConfig, lookoutPtz, lookoutRecord, lookoutSnapshot],
    [
      { id: 'tab', type: 'tab', label: 'close-check' },
      { id: 'srv', type: 'lookout-config', broker, baseTopic: 'lookout' },
      node('p', 'lookout-ptz', { action: 'home' }),
      node('r', 'lookout-record', { action: 'stop' }),
      node('s', 'lookout-snapshot', { profile: 'sub', timeout: 20 }),
      { z: 'tab', x: 100, y: 100, id: 'out', type: 'helper', wires: [] },
    ],
  );
  const conn = (helper.getNode('srv') as LookoutConfigNode).connection;
  const out: NodeMessage[] = [];
  (helper.getNode('out') as TestNode).on('input', (m) => out.push(m));
  const until = async (pred: () => boolean, what: string) => {
    const t0 = Date.now();
    while (!pred()) {
      if (Date.now() - t0 > 25_000) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await until(() => conn.connected, 'connection');
  for (const id of ['p', 'r', 's']) (helper.getNode(id) as TestNode).receive({});
  await until(() => out.length === 3, 'three answers');
  const by = (t: (m: NodeMessage) => boolean) => out.find(t);
  const ptz = by((m) => m.topic === 'ptz_home')?.payload as { ok?: boolean } | undefined;
  const rec = by((m) => m.topic === 'stop')?.payload as { ok?: boolean } | undefined;
  const jpeg = by((m) => Buffer.isBuffer(m.payload))?.payload as Buffer | undefined;
  console.log(
    `answers: ptz ${ptz?.ok ? 'ok' : 'FAILED'}, record ${rec?.ok ? 'ok' : 'FAILED'}, snapshot ${jpeg?.length ?? 0} bytes`,
  );
  // A snapshot still in flight when the flow stops must not leave its timer behind either.
  (helper.getNode('s') as TestNode).receive({});
  await helper.unload();
  const u = conn.usage;
  console.log(`after close: users ${u.users}, filters ${u.filters}, pending ${u.pending}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
