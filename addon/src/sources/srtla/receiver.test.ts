/**
 * The receiver on loopback, driven by raw UDP sockets (../shared/docs/SRTLA.md section 8, unit-level
 * cases): the decision table's answers, what is and is not forwarded, SRTLA ACKs, keepalive echo,
 * limits, a REG1 flood from many ports, a listener that is down, IPv6.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import type { SrtlaLimits } from '../../contracts/srtla.js';
import { silentLogger } from '../../lib/log.js';
import { DEFAULT_SRTLA_SETTINGS } from './limits.js';
import { ackSeqs, packetType, REG_LEN, regId, regPacket, T } from './packet.js';
import { SrtlaReceiver } from './receiver.js';

class Peer {
  readonly inbox: Buffer[] = [];
  private waiter: (() => void) | null = null;
  private constructor(readonly sock: dgram.Socket) {
    sock.on('message', (m) => {
      this.inbox.push(m);
      this.waiter?.();
    });
  }
  static async open(host = '127.0.0.1'): Promise<Peer> {
    const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((r) => s.bind(0, host, () => r()));
    return new Peer(s);
  }
  get port(): number {
    return this.sock.address().port;
  }
  send(buf: Buffer, port: number, host = '127.0.0.1'): void {
    this.sock.send(buf, port, host);
  }
  /** The next datagram, or null after `ms`. */
  async next(ms = 300): Promise<Buffer | null> {
    const t0 = Date.now();
    while (this.inbox.length === 0 && Date.now() - t0 < ms) {
      await new Promise<void>((r) => {
        this.waiter = r;
        setTimeout(r, ms - (Date.now() - t0));
      });
    }
    this.waiter = null;
    return this.inbox.shift() ?? null;
  }
  close(): Promise<void> {
    return new Promise((r) => this.sock.close(() => r()));
  }
}

function srtData(seq: number, len = 100, retransmit = false): Buffer {
  const b = randomBytes(len);
  b.writeUInt32BE(seq & 0x7fffffff, 0);
  b.writeUInt32BE(retransmit ? 0x04000000 : 0, 4);
  return b;
}

function srtControl(type: number, len = 16): Buffer {
  const b = Buffer.alloc(len);
  b.writeUInt16BE(type, 0);
  return b;
}

async function receiverFor(targetPort: number, limits: Partial<SrtlaLimits> = {}, host = '127.0.0.1') {
  const r = new SrtlaReceiver({
    camera: 'cam',
    profile: 'main',
    host,
    port: 0,
    target: { host: host.includes(':') ? '::1' : '127.0.0.1', port: targetPort },
    streamId: null,
    settings: {
      ...DEFAULT_SRTLA_SETTINGS,
      enabled: true,
      limits: { ...DEFAULT_SRTLA_SETTINGS.limits, ...limits },
    },
    log: silentLogger(),
  });
  await r.start();
  return r;
}

/** REG1 → REG2(full id) → REG2 → REG3 on `peer`; returns the full id. */
async function register(peer: Peer, port: number, host = '127.0.0.1'): Promise<Buffer> {
  peer.send(regPacket(T.reg1, randomBytes(256)), port, host);
  const reg2 = await peer.next();
  assert.ok(reg2 && packetType(reg2) === T.reg2 && reg2.length === REG_LEN, 'REG1 answered with REG2');
  const id = Buffer.from(regId(reg2));
  peer.send(regPacket(T.reg2, id), port, host);
  const reg3 = await peer.next();
  assert.equal(reg3 && packetType(reg3), T.reg3);
  return id;
}

describe('SRTLA receiver', () => {
  let srt: Peer; // stands in for the SRT listener
  let rx: SrtlaReceiver;
  const peers: Peer[] = [];
  // Each peer on its own loopback address: the per-address pending cap is not what these cases test.
  const peer = async () => {
    const p = await Peer.open(`127.0.1.${peers.length + 1}`);
    peers.push(p);
    return p;
  };

  before(async () => {
    srt = await Peer.open();
    rx = await receiverFor(srt.port, { maxConnectionsPerGroup: 3 });
  });
  after(async () => {
    await rx.stop();
    await srt.close();
    for (const p of peers) await p.close();
  });

  it('keeps the sender half of the id and randomises the other', async () => {
    const a = await peer();
    const mine = randomBytes(256);
    a.send(regPacket(T.reg1, mine), rx.port);
    const reg2 = (await a.next())!;
    assert.deepEqual(regId(reg2).subarray(0, 128), mine.subarray(0, 128));
    assert.notDeepEqual(regId(reg2).subarray(128), mine.subarray(128));
  });

  it('ignores a REG1 of 257 or 259 bytes and never forwards it', async () => {
    const a = await peer();
    const drops = rx.stats().drops.unknown_address;
    for (const len of [257, 259]) {
      const b = Buffer.alloc(len);
      b.writeUInt16BE(T.reg1, 0);
      a.send(b, rx.port);
    }
    assert.equal(await a.next(), null);
    assert.equal(await srt.next(100), null);
    // Not a REG1, so from an unregistered address it is just an unknown packet: no answer, counted.
    assert.equal(rx.stats().drops.unknown_address, drops + 2);
  });

  it('answers REG2 for an unknown group with REG_NGP', async () => {
    const a = await peer();
    a.send(regPacket(T.reg2, randomBytes(256)), rx.port);
    assert.equal(packetType((await a.next())!), T.regNgp);
  });

  it('REG_ERR for a REG1 from a member, and for a REG2 from a member of another group', async () => {
    const a = await peer();
    await register(a, rx.port);
    a.send(regPacket(T.reg1, randomBytes(256)), rx.port);
    assert.equal(packetType((await a.next())!), T.regErr);
    const b = await peer();
    const other = await register(b, rx.port);
    a.send(regPacket(T.reg2, other), rx.port);
    assert.equal(packetType((await a.next())!), T.regErr);
  });

  it('refuses the connection over max_connections_per_group with REG_ERR', async () => {
    const first = await peer();
    const id = await register(first, rx.port);
    for (let i = 0; i < 2; i++) {
      const p = await peer();
      p.send(regPacket(T.reg2, id), rx.port);
      assert.equal(packetType((await p.next())!), T.reg3);
    }
    const fourth = await peer();
    fourth.send(regPacket(T.reg2, id), rx.port);
    assert.equal(packetType((await fourth.next())!), T.regErr);
  });

  it('forwards SRT byte for byte, never SRTLA types or short packets; SRTLA ACK after exactly 10 data packets', async () => {
    const a = await peer();
    await register(a, rx.port);
    // Not forwarded: an SRTLA-typed packet of the wrong length, and a 15-byte non-keepalive.
    const bogus = Buffer.alloc(40);
    bogus.writeUInt16BE(T.reg3, 0);
    a.send(bogus, rx.port);
    a.send(srtData(5, 15), rx.port);
    // A control packet does not count towards the ACK; sequence numbers above 2^30 and across the wrap.
    const ctl = srtControl(0x8001);
    a.send(ctl, rx.port);
    const seqs = [
      0x40000001, 0x7ffffffa, 0x7ffffffb, 0x7ffffffc, 0x7ffffffd, 0x7ffffffe, 0x7fffffff, 0, 1, 2,
    ];
    const sent = seqs.map((s, i) => srtData(s, 100, i === 3));
    for (const p of sent.slice(0, 9)) a.send(p, rx.port);
    const got: Buffer[] = [];
    for (let i = 0; i < 10; i++) got.push((await srt.next(1000))!);
    assert.deepEqual(got[0], ctl, 'the first thing forwarded is the control packet');
    assert.deepEqual(got.slice(1), sent.slice(0, 9), 'data forwarded unchanged, in order');
    assert.equal(await a.next(200), null, 'no ACK after 9 data packets');
    a.send(sent[9]!, rx.port);
    const ack = (await a.next(1000))!;
    assert.equal(ack.length, 44);
    assert.equal(ack.readUInt32BE(0), 0x91000000);
    assert.deepEqual(ackSeqs(ack), seqs);
    assert.deepEqual(await srt.next(1000), sent[9]);
    assert.equal(await srt.next(100), null, 'nothing else forwarded');
    const link = rx
      .stats()
      .groups.flatMap((g) => g.links)
      .find((l) => l.address.endsWith(`:${a.port}`))!;
    assert.equal(link.retransmittedPackets, 1);
  });

  it('echoes keepalives verbatim to members only', async () => {
    const a = await peer();
    await register(a, rx.port);
    for (const len of [2, 10, 38]) {
      const k = randomBytes(len);
      k.writeUInt16BE(T.keepalive, 0);
      if (len === 38) {
        k.writeUInt16BE(0xc01f, 10);
        k.writeUInt16BE(1, 12);
      }
      a.send(k, rx.port);
      assert.deepEqual(await a.next(), k, `${len}-byte keepalive echoed`);
    }
    const telemetry = rx
      .stats()
      .groups.flatMap((g) => g.links)
      .find((l) => l.address.endsWith(`:${a.port}`))!;
    assert.ok(telemetry.telemetry, 'extended keepalive telemetry read');
    const stranger = await peer();
    const k = Buffer.from([0x90, 0x00]);
    stranger.send(k, rx.port);
    stranger.send(srtData(1), rx.port);
    assert.equal(await stranger.next(), null, 'no reply to an unregistered address');
  });

  it('sends SRT ACKs and NAKs to every link, other packets only to the most recent one', async () => {
    const links = [await peer(), await peer()];
    const id = await register(links[0]!, rx.port);
    links[1]!.send(regPacket(T.reg2, id), rx.port);
    await links[1]!.next();
    links[0]!.send(srtData(100), rx.port);
    const fwd = await srt.next(1000);
    assert.ok(fwd);
    // The group's socket address, as the SRT listener sees it:
    const g = rx.stats().groups.find((x) => x.links.some((l) => l.address.endsWith(`:${links[0]!.port}`)))!;
    const back = (b: Buffer) => srt.send(b, g.srtLocalPort!);
    links[1]!.send(srtData(101), rx.port); // link 1 is now the most recent
    await srt.next(1000);
    const ack = srtControl(T.srtAck, 44);
    const nak = srtControl(T.srtNak, 20);
    const hs = srtControl(T.srtHandshake, 64);
    back(ack);
    back(nak);
    back(hs);
    const at0: Buffer[] = [];
    const at1: Buffer[] = [];
    for (let i = 0; i < 3; i++) {
      const m = await links[1]!.next(500);
      if (m) at1.push(m);
    }
    for (let i = 0; i < 3; i++) {
      const m = await links[0]!.next(300);
      if (m) at0.push(m);
    }
    assert.deepEqual(at1, [ack, nak, hs]);
    assert.deepEqual(at0, [ack, nak]);
  });

  it('evicts the oldest pending group when full, and refuses when nothing is pending', async () => {
    const small = await receiverFor(srt.port, { maxGroups: 2 });
    const [a, b, c, d] = [await peer(), await peer(), await peer(), await peer()];
    await register(a, small.port);
    b.send(regPacket(T.reg1, randomBytes(256)), small.port); // pending: REG1 only
    assert.equal(packetType((await b.next())!), T.reg2);
    c.send(regPacket(T.reg1, randomBytes(256)), small.port);
    const reg2 = (await c.next())!;
    assert.equal(packetType(reg2), T.reg2, 'full: the pending group made room');
    assert.equal(small.stats().groupsClosed, 1);
    c.send(regPacket(T.reg2, Buffer.from(regId(reg2))), small.port);
    assert.equal(packetType((await c.next())!), T.reg3);
    d.send(regPacket(T.reg1, randomBytes(256)), small.port);
    assert.equal(packetType((await d.next())!), T.regErr, 'full of live groups: REG_ERR');
    assert.equal(small.stats().drops.groups_full, 1);
    await small.stop();
  });
});

describe('SRTLA receiver under a REG1 flood', () => {
  it(
    'bounds groups and memory; a real sender from another address still registers',
    { timeout: 60_000 },
    async () => {
      const sink = await Peer.open();
      const rx = await receiverFor(sink.port);
      const flooders = await Promise.all(Array.from({ length: 200 }, () => Peer.open()));
      const heap0 = process.memoryUsage().heapUsed;
      const t0 = Date.now();
      let sent = 0;
      // 200 source ports × 50 rounds = 10 000 REG1 from 127.0.0.1 over ~5 s.
      for (let round = 0; round < 50; round++) {
        for (const f of flooders) {
          f.send(regPacket(T.reg1, randomBytes(256)), rx.port);
          sent++;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 300));
      global.gc?.();
      const heapMb = (process.memoryUsage().heapUsed - heap0) / 1e6;
      const s = rx.stats();
      assert.ok(s.groups.length <= 4, `one address holds at most 4 pending groups (has ${s.groups.length})`);
      assert.ok(s.drops.rate_limited > sent * 0.9, `rate limit dropped ${s.drops.rate_limited} of ${sent}`);
      assert.ok(heapMb < 32, `heap grew ${heapMb.toFixed(1)} MB`);
      // A real sender on another address is not locked out.
      const real = await Peer.open('127.0.0.9');
      const id = await register(real, rx.port);
      assert.equal(id.length, 256);
      console.log(
        `SRTLA REG1 flood: ${sent} REG1 from 200 ports in ${Date.now() - t0} ms: ${s.groups.length} groups, ` +
          `${s.drops.rate_limited} rate-limited, ${s.drops.pending_per_address} over the pending cap; heap +${heapMb.toFixed(1)} MB`,
      );
      for (const f of flooders) await f.close();
      await real.close();
      await rx.stop();
      await sink.close();
    },
  );
});

describe('SRTLA receiver edge cases', () => {
  it('survives an SRT listener that is down (ECONNREFUSED) and keeps the group', async () => {
    const gone = await Peer.open();
    const port = gone.port;
    await gone.close(); // nothing listens there now
    const rx = await receiverFor(port);
    const a = await Peer.open();
    await register(a, rx.port);
    for (let i = 0; i < 30; i++) {
      a.send(srtData(i), rx.port);
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 200));
    const s = rx.stats();
    assert.equal(s.groups.length, 1);
    assert.ok(s.drops.srt_unreachable >= 1, 'refusals counted');
    await a.close();
    await rx.stop();
  });

  it('times out silent links and empty groups', async () => {
    const sink = await Peer.open();
    const rx = await receiverFor(sink.port, {
      connectionTimeoutMs: 600,
      groupTimeoutMs: 600,
      pendingGroupTimeoutMs: 600,
    });
    const a = await Peer.open();
    await register(a, rx.port);
    const b = await Peer.open();
    b.send(regPacket(T.reg1, randomBytes(256)), rx.port); // pending, no members
    await b.next();
    assert.equal(rx.stats().groups.length, 2);
    const t0 = Date.now();
    while (rx.stats().groups.length > 0 && Date.now() - t0 < 5000)
      await new Promise((r) => setTimeout(r, 100));
    assert.equal(rx.stats().groups.length, 0);
    assert.equal(rx.stats().groupsClosed, 2);
    await a.close();
    await b.close();
    await rx.stop();
    await sink.close();
  });

  it('works on IPv6 loopback, and dual-stack takes IPv4 peers too', async () => {
    const sink = await Peer.open('::1');
    const rx = await receiverFor(sink.port, {}, '::');
    const v6 = await Peer.open('::1');
    await register(v6, rx.port, '::1');
    v6.send(srtData(7), rx.port, '::1');
    assert.ok(await sink.next(1000), 'forwarded to the IPv6 SRT listener');
    const v4 = await Peer.open('127.0.0.1');
    await register(v4, rx.port, '127.0.0.1');
    const addrs = rx.stats().groups.flatMap((g) => g.links.map((l) => l.address));
    assert.ok(addrs.some((x) => x.startsWith('[::1]:')));
    assert.ok(addrs.some((x) => x.includes('127.0.0.1')));
    await v6.close();
    await v4.close();
    await rx.stop();
    await sink.close();
  });
});
