/**
 * npm run bench:srtla — the SRTLA receiver with product defaults, alone in its own process:
 *   - throughput: SRT-data-shaped datagrams (1316-byte payload + 16-byte header) over 3 registered
 *     links, at stepped rates; delivered rate, loss and the receiver's CPU (% of one core, from /proc);
 *   - added latency per packet: send → arrival at the SRT-listener socket through the receiver,
 *     minus the same path without it (direct), p50 / p99;
 *   - memory under a REG1 flood: 10 000 REG1 from 200 source ports; RSS before and after.
 * Prints a table and writes bench-results/srtla.json. Not a test: it asserts nothing.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { packetType, regId, regPacket, T } from '../../addon/src/sources/srtla/packet.js';

const RATES = (process.env.RATES ?? '2,20,50,100,150,200').split(',').map(Number);
const SECONDS = Number(process.env.SECONDS ?? 3);
const PAYLOAD = 1316 + 16;
/** Linux reports process CPU time in USER_HZ ticks (100 per second). */
const TICK = 100;

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const a = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(a[11]) + Number(a[12]);
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

async function sock(host = '127.0.0.1'): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  s.bind(0, host);
  await once(s, 'listening');
  try {
    s.setSendBufferSize(8 << 20);
    s.setRecvBufferSize(8 << 20);
  } catch {
    // capped
  }
  return s;
}

// The SRT listener stand-in: counts arrivals and their one-way latency (same clock: same process).
const sink = await sock();
let got = 0;
let lat: number[] = [];
sink.on('message', (m) => {
  got++;
  if ((got & 7) === 0) lat.push(Number(process.hrtime.bigint() - m.readBigUInt64BE(16)) / 1000);
});

const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    'test/helpers/srtla-receiver-child.ts',
    '127.0.0.1',
    '127.0.0.1',
    String(sink.address().port),
  ],
  {
    stdio: ['pipe', 'pipe', 'inherit'],
  },
);
const port = await new Promise<number>((resolve) =>
  child.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim()))),
);

// Three links, registered the real way.
const links = [await sock('127.0.0.2'), await sock('127.0.0.3'), await sock('127.0.0.4')];
const reply = (s: dgram.Socket) => new Promise<Buffer>((r) => s.once('message', (m) => r(m)));
links[0]!.send(regPacket(T.reg1, randomBytes(256)), port, '127.0.0.1');
const id = Buffer.from(regId(await reply(links[0]!)));
for (const l of links) {
  const p = reply(l);
  l.send(regPacket(T.reg2, id), port, '127.0.0.1');
  if (packetType(await p) !== T.reg3) throw new Error('no REG3');
  l.on('message', () => {}); // SRTLA ACKs
}

async function run(mbps: number, viaReceiver: boolean) {
  const pps = (mbps * 1e6) / 8 / PAYLOAD;
  const pkt = Buffer.alloc(PAYLOAD);
  got = 0;
  lat = [];
  const c0 = cpuTicks(child.pid!);
  const t0 = performance.now();
  let sent = 0;
  let seq = 1;
  while (performance.now() - t0 < SECONDS * 1000) {
    const due = Math.floor(((performance.now() - t0) / 1000) * pps);
    while (sent < due) {
      pkt.writeUInt32BE(seq++ & 0x7fffffff, 0);
      pkt.writeBigUInt64BE(process.hrtime.bigint(), 16);
      if (viaReceiver) links[sent % 3]!.send(pkt, port, '127.0.0.1');
      else links[sent % 3]!.send(pkt, sink.address().port, '127.0.0.1');
      sent++;
    }
    await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setTimeout(r, 300));
  const secs = (performance.now() - t0) / 1000;
  const cpu = ((cpuTicks(child.pid!) - c0) / TICK / secs) * 100;
  return {
    mbps,
    deliveredMbps: Math.round(((got * 1316 * 8) / (secs * 1e6)) * 10) / 10,
    loss: sent ? Math.round((1 - got / sent) * 1e4) / 1e4 : 0,
    receiverCpuPct: viaReceiver ? Math.round(cpu * 10) / 10 : null,
    p50us: Math.round(pct(lat, 50)),
    p99us: Math.round(pct(lat, 99)),
  };
}

const rows = [];
for (const mbps of RATES) {
  const direct = await run(mbps, false);
  const via = await run(mbps, true);
  rows.push({
    ...via,
    addedP50us: via.p50us - direct.p50us,
    addedP99us: via.p99us - direct.p99us,
    directP50us: direct.p50us,
  });
}

// REG1 flood from 200 source ports of one address.
const rss0 = rssMb(child.pid!);
const flooders = await Promise.all(Array.from({ length: 200 }, () => sock()));
for (let round = 0; round < 50; round++) {
  for (const f of flooders) f.send(regPacket(T.reg1, randomBytes(256)), port, '127.0.0.1');
  await new Promise((r) => setTimeout(r, 20));
}
await new Promise((r) => setTimeout(r, 500));
const flood = {
  reg1: 10_000,
  rssBeforeMb: Math.round(rss0 * 10) / 10,
  rssAfterMb: Math.round(rssMb(child.pid!) * 10) / 10,
};
for (const f of flooders) f.close();

child.stdin!.end();
await once(child, 'exit');
for (const l of links) l.close();
sink.close();

console.log('SRTLA receiver (product defaults, own process), 1316-byte SRT payloads over 3 links');
console.log(
  'offered Mbit/s | delivered Mbit/s | loss    | receiver CPU % of a core | latency p50 / p99 µs | added p50 / p99 µs',
);
for (const r of rows) {
  console.log(
    `${String(r.mbps).padStart(14)} | ${String(r.deliveredMbps).padStart(16)} | ${(r.loss * 100).toFixed(2).padStart(6)}% | ${String(r.receiverCpuPct).padStart(24)} | ${`${r.p50us} / ${r.p99us}`.padStart(20)} | ${r.addedP50us} / ${r.addedP99us}`,
  );
}
console.log(
  `REG1 flood: ${flood.reg1} REG1 from 200 ports: receiver RSS ${flood.rssBeforeMb} → ${flood.rssAfterMb} MB`,
);
mkdirSync('bench-results', { recursive: true });
writeFileSync(
  'bench-results/srtla.json',
  JSON.stringify({ at: new Date().toISOString(), rows, flood }, null, 2),
);
