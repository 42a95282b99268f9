/**
 * A lossy bonded link, through network namespaces this test makes and removes itself:
 *
 *   ns S (sender side)                                   ns R (receiver side)
 *   srt-live-transmit caller → test sender ─ a1 ═ b1 ─┐
 *                                         ─ a2 ═ b2 ─┼→ receiver 10.200.0.1 → srt-live-transmit listener → file
 *                                         ─ a3 ═ b3 ─┘   (a3/b3: tbf at 1 Mbit/s both ways: drops and delay)
 *
 * Each link is its own veth pair; policy routing sends each source address out of its own link.
 * This kernel has no netem (`tc qdisc add ... netem` → "Error: Specified qdisc kind is unknown.") nor
 * the gact/police actions, so the lossy link is a token bucket too small for its share: packets over
 * the rate are dropped, the rest queue (delay). SRT's retransmissions (over the other links) must
 * recover the stream byte for byte.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import type { SrtlaListenerStats } from '../../addon/src/contracts/srtla.js';
import { zombieChildren } from '../helpers/processes.js';
import { tempDir } from '../helpers/setup.js';
import { payload, sha256, srtCaller, srtListener } from '../helpers/srt-peers.js';

const S = `srtla-s-${process.pid}`;
const R = `srtla-r-${process.pid}`;
const RX_ADDR = '10.200.0.1';

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

function canMakeNetns(): string | false {
  try {
    ip('netns', 'add', `srtla-probe-${process.pid}`);
    ip('netns', 'del', `srtla-probe-${process.pid}`);
    return false;
  } catch (err) {
    return `cannot create network namespaces: ${(err as Error).message.split('\n')[0]}`;
  }
}

function makeTopology(): void {
  ip('netns', 'add', S);
  ip('netns', 'add', R);
  ip('-n', S, 'link', 'set', 'lo', 'up');
  ip('-n', R, 'link', 'set', 'lo', 'up');
  ip('-n', R, 'addr', 'add', `${RX_ADDR}/32`, 'dev', 'lo');
  for (const i of [1, 2, 3]) {
    ip('link', 'add', `a${i}`, 'netns', S, 'type', 'veth', 'peer', 'name', `b${i}`, 'netns', R);
    ip('-n', S, 'addr', 'add', `10.200.${i}.1/30`, 'dev', `a${i}`);
    ip('-n', R, 'addr', 'add', `10.200.${i}.2/30`, 'dev', `b${i}`);
    ip('-n', S, 'link', 'set', `a${i}`, 'up');
    ip('-n', R, 'link', 'set', `b${i}`, 'up');
    // Each uplink address leaves by its own link (a phone's Wi-Fi and modems).
    ip('-n', S, 'rule', 'add', 'from', `10.200.${i}.1`, 'table', String(100 + i));
    ip(
      '-n',
      S,
      'route',
      'add',
      `${RX_ADDR}/32`,
      'via',
      `10.200.${i}.2`,
      'dev',
      `a${i}`,
      'table',
      String(100 + i),
    );
  }
  // Link 3 is the bad one, both directions.
  for (const [ns, dev] of [
    [S, 'a3'],
    [R, 'b3'],
  ] as const) {
    execFileSync('ip', [
      'netns',
      'exec',
      ns,
      'tc',
      'qdisc',
      'add',
      'dev',
      dev,
      'root',
      'tbf',
      'rate',
      '1mbit',
      'burst',
      '6kb',
      'latency',
      '40ms',
    ]);
  }
}

/** A node child inside a namespace, with line-based stdin/stdout. */
function nodeChild(ns: string, script: string, args: string[]) {
  const proc: ChildProcess = spawn(
    'ip',
    ['netns', 'exec', ns, process.execPath, '--import', 'tsx', script, ...args],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
      detached: true,
    },
  );
  const lines: string[] = [];
  let waiter: (() => void) | null = null;
  createInterface({ input: proc.stdout! }).on('line', (l) => {
    lines.push(l);
    waiter?.();
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    async line(timeoutMs = 15_000): Promise<string> {
      const t0 = Date.now();
      while (lines.length === 0) {
        if (Date.now() - t0 > timeoutMs) throw new Error(`${script}: no output within ${timeoutMs} ms`);
        await new Promise<void>((r) => {
          waiter = r;
          setTimeout(r, 100);
        });
      }
      return lines.shift()!;
    },
    send(l: string) {
      proc.stdin!.write(`${l}\n`);
    },
    async stop() {
      proc.stdin!.end();
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

const skip = canMakeNetns();

describe('SRTLA over a lossy bonded link (network namespaces)', { skip }, () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
    for (const ns of [S, R]) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // not made
      }
    }
    assert.deepEqual(zombieChildren(), []);
  });

  it('SRT retransmissions recover the stream byte for byte', { timeout: 120_000 }, async () => {
    makeTopology();
    const dir = tempDir('lookout-srtla-lossy-');
    const out = join(dir, 'out.bin');
    const data = payload(4500); // 5.9 MB at 4 Mbit/s: ~12 s
    const listener = srtListener('127.0.0.1', 5001, out, '', R);
    cleanups.push(() => listener.stop());
    const rx = nodeChild(R, 'test/helpers/srtla-receiver-child.ts', [RX_ADDR, '127.0.0.1', '5001']);
    cleanups.push(() => rx.stop());
    const rxPort = await rx.line();
    const tx = nodeChild(S, 'test/helpers/srtla-sender-cli.ts', [
      RX_ADDR,
      rxPort,
      '6000',
      '10.200.1.1',
      '10.200.2.1',
      '10.200.3.1',
    ]);
    cleanups.push(() => tx.stop());
    assert.equal(await tx.line(), 'ready');

    const caller = srtCaller('127.0.0.1', 6000, data, 4, '', S);
    cleanups.push(() => caller.stop());
    await caller.fed;
    await Promise.race([listener.exited, new Promise((r) => setTimeout(r, 15_000))]);
    rx.send('stats');
    const stats = JSON.parse(await rx.line()) as SrtlaListenerStats;
    tx.send('stats');
    const links = JSON.parse(await tx.line()) as Array<{
      local: string;
      packetsSent: number;
      window: number;
    }>;
    await caller.stop();
    await listener.stop();

    const got = readFileSync(out);
    assert.equal(got.length, data.length, `listener got ${got.length} of ${data.length} bytes`);
    assert.equal(sha256(got), sha256(data));
    const g = stats.groups[0]!;
    assert.equal(g.links.length, 3);
    assert.ok(g.lostPackets > 0, 'the bad link lost packets (the listener NAKed them)');
    const retrans = g.links.reduce((s, l) => s + l.retransmittedPackets, 0);
    assert.ok(retrans > 0, 'and they were retransmitted');
    console.log(
      `SRTLA lossy link: ${data.length} bytes byte-exact; ${g.lostPackets} packets reported lost, ${retrans} retransmitted; ` +
        `sent per link ${links.map((l) => `${l.local}=${l.packetsSent} (window ${l.window})`).join(', ')}`,
    );
  });
});
