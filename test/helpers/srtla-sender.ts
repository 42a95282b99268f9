/**
 * A small SRTLA test sender (../shared/docs/SRTLA.md section 6): what srtla_send does, faithfully
 * enough to drive the receiver with real SRT peers. A local SRT caller (srt-live-transmit, FFmpeg)
 * sends to `listen`; every packet goes out on one of N uplink sockets, each bound to its own local
 * address (127.0.0.2, 127.0.0.3, ... or ::1 with distinct ports), chosen by srtla_send's
 * window / in-flight score. Registration: probe REG2 → NGP → REG1 → REG2 → REG2 on every link → REG3.
 *
 * Test hooks: `blackhole(i)` silently drops a link's traffic both ways (the scheduler is not told,
 * as with a dead cellular modem) and `restore(i)` brings it back; `mode: 'dumb'` is round-robin
 * without ACK processing. Used by tests and by the demo's synthetic phone.
 */
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import {
  ackSeqs,
  packetType,
  REG_LEN,
  regId,
  regPacket,
  seqBefore,
  SRTLA_ID_LEN,
  SRTLA_SENDER_HALF,
  srtAckNumber,
  srtControlType,
  srtNakLosses,
  T,
} from '../../addon/src/sources/srtla/packet.js';

const WINDOW_MIN = 1;
const WINDOW_DEF = 20;
const WINDOW_MAX = 60;
const WINDOW_MULT = 1000;
const WINDOW_DECR = 100;
const WINDOW_INCR = 30;
const PKT_LOG_SZ = 256;
const CONN_TIMEOUT_MS = 4000;
const REG2_TIMEOUT_MS = 4000;
const REG3_TIMEOUT_MS = 4000;
const HOUSEKEEPING_MS = 1000;

export interface SenderOptions {
  /** Where the local SRT caller sends to (port 0: pick one; read `listenPort`). */
  listen: { host: string; port: number };
  /** The SRTLA receiver. */
  receiver: { host: string; port: number };
  /** One uplink per local address (repeat an address for several links from one host). */
  localAddresses: string[];
  mode?: 'srtla_send' | 'dumb';
}

export interface LinkStats {
  local: string;
  established: boolean;
  blackholed: boolean;
  packetsSent: number;
  bytesSent: number;
  reg3: number;
  ngp: number;
  regErr: number;
  srtlaAcks: number;
  srtAcks: number;
  keepaliveEchoes: number;
  window: number;
  inFlight: number;
}

class Link {
  sock!: dgram.Socket;
  local = '';
  window = WINDOW_DEF * WINDOW_MULT;
  inFlight = 0;
  readonly log = new Int32Array(PKT_LOG_SZ).fill(-1);
  logIdx = 0;
  lastRcvd = 0;
  lastSent = 0;
  established = false;
  blackholed = false;
  wasTimedOut = true;
  readonly stats = {
    packetsSent: 0,
    bytesSent: 0,
    reg3: 0,
    ngp: 0,
    regErr: 0,
    srtlaAcks: 0,
    srtAcks: 0,
    keepaliveEchoes: 0,
  };

  timedOut(now: number): boolean {
    return now - this.lastRcvd > CONN_TIMEOUT_MS;
  }

  reset(): void {
    this.window = WINDOW_MIN * WINDOW_MULT;
    this.inFlight = 0;
    this.log.fill(-1);
    this.established = false;
  }
}

type SenderEvents = { registered: [number]; 'reg-err': [number] };

export class SrtlaTestSender extends EventEmitter<SenderEvents> {
  private listenSock!: dgram.Socket;
  private readonly links: Link[] = [];
  /** Our random id; after the REG2 reply, the group's full id. */
  private id = randomBytes(SRTLA_ID_LEN);
  private haveFullId = false;
  private pendingReg1: Link | null = null;
  private pendingSince = 0;
  private reg1SuppressedUntil = 0;
  private caller: { address: string; port: number } | null = null;
  private rr = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Packets from the caller dropped because no link was usable. */
  dropped = 0;

  constructor(private readonly opts: SenderOptions) {
    super();
  }

  get listenPort(): number {
    return this.listenSock.address().port;
  }

  /** The 256-byte group id in use (the full one once registered). */
  get groupId(): Buffer {
    return this.id;
  }

  async start(): Promise<void> {
    const v6 = this.opts.receiver.host.includes(':');
    this.listenSock = await bind(
      this.opts.listen.host.includes(':') ? 'udp6' : 'udp4',
      this.opts.listen.host,
      this.opts.listen.port,
    );
    this.listenSock.on('message', (m, r) => this.fromCaller(m, r));
    for (const local of this.opts.localAddresses) {
      const link = new Link();
      link.local = local;
      link.sock = await bind(v6 ? 'udp6' : 'udp4', local, 0);
      try {
        link.sock.setSendBufferSize(8 * 1024 * 1024);
      } catch {
        // capped by wmem_max
      }
      link.sock.on('message', (m) => this.fromReceiver(link, m));
      link.sock.on('error', () => {}); // ICMP errors from a receiver that is down: housekeeping retries
      this.links.push(link);
    }
    this.housekeeping();
    this.timer = setInterval(() => this.housekeeping(), HOUSEKEEPING_MS);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.all([this.listenSock, ...this.links.map((l) => l.sock)].map(closeSock));
  }

  blackhole(i: number): void {
    this.links[i]!.blackholed = true;
  }

  restore(i: number): void {
    this.links[i]!.blackholed = false;
  }

  linkStats(): LinkStats[] {
    return this.links.map((l) => ({
      local: l.local,
      established: l.established,
      blackholed: l.blackholed,
      window: l.window,
      inFlight: l.inFlight,
      ...l.stats,
    }));
  }

  get activeLinks(): number {
    const now = Date.now();
    return this.links.filter((l) => l.established && !l.timedOut(now)).length;
  }

  // ── uplinks ───────────────────────────────────────────────────────────────────────────────

  private send(link: Link, buf: Buffer): void {
    if (link.blackholed) return;
    link.sock.send(buf, this.opts.receiver.port, this.opts.receiver.host, (err) => {
      if (err) link.lastRcvd = 0; // srtla_send: a failed send marks the link timed out
    });
  }

  private housekeeping(): void {
    const now = Date.now();
    if (this.pendingReg1 && now - this.pendingSince > REG2_TIMEOUT_MS) this.pendingReg1 = null;
    for (const link of this.links) {
      if (link.timedOut(now)) {
        if (!link.wasTimedOut) {
          link.wasTimedOut = true;
          link.reset();
        }
        if (link === this.pendingReg1) this.send(link, regPacket(T.reg1, this.id));
        else this.send(link, regPacket(T.reg2, this.id)); // a probe while the id is still our own
        continue;
      }
      link.wasTimedOut = false;
      if (now - link.lastSent >= 1000) this.keepalive(link, now);
    }
  }

  /** The 10-byte keepalive (Moblin's): type and a u64 millisecond timestamp. */
  private keepalive(link: Link, now: number): void {
    const b = Buffer.alloc(10);
    b.writeUInt16BE(T.keepalive, 0);
    b.writeBigUInt64BE(BigInt(now), 2);
    link.lastSent = now;
    this.send(link, b);
  }

  private fromReceiver(link: Link, m: Buffer): void {
    if (link.blackholed || m.length < 2) return;
    const t = packetType(m);
    const now = Date.now();
    if (t === T.regNgp) {
      link.stats.ngp++;
      if (!this.pendingReg1 && this.activeLinks === 0 && now >= this.reg1SuppressedUntil) {
        this.pendingReg1 = link;
        this.pendingSince = now;
        this.send(link, regPacket(T.reg1, this.id));
      }
      return;
    }
    if (t === T.reg2) {
      if (link !== this.pendingReg1 || m.length !== REG_LEN) return;
      const full = regId(m);
      if (!full.subarray(0, SRTLA_SENDER_HALF).equals(this.id.subarray(0, SRTLA_SENDER_HALF))) return;
      this.id = Buffer.from(full);
      this.haveFullId = true;
      this.pendingReg1 = null;
      this.reg1SuppressedUntil = now + REG3_TIMEOUT_MS;
      for (const l of this.links) this.send(l, regPacket(T.reg2, this.id));
      return;
    }
    if (t === T.regErr) {
      // Not liveness, and never forwarded to the caller (srtla_send's bug, not copied).
      link.stats.regErr++;
      this.emit('reg-err', this.links.indexOf(link));
      return;
    }
    link.lastRcvd = now;
    switch (t) {
      case T.reg3:
        link.stats.reg3++;
        if (!link.established) {
          link.established = true;
          link.window = Math.max(link.window, WINDOW_MIN * WINDOW_MULT);
          this.emit('registered', this.links.indexOf(link));
        }
        return;
      case T.keepalive:
        link.stats.keepaliveEchoes++;
        return;
      case T.ack:
        link.stats.srtlaAcks++;
        if (this.opts.mode !== 'dumb') this.onSrtlaAck(ackSeqs(m));
        return;
      default:
        break;
    }
    const ctl = srtControlType(m);
    if (this.opts.mode !== 'dumb') {
      if (ctl === T.srtAck) {
        link.stats.srtAcks++;
        const ack = srtAckNumber(m);
        if (ack !== null) this.onSrtAck(ack);
      } else if (ctl === T.srtNak) {
        this.onSrtNak(srtNakLosses(m));
      }
    } else if (ctl === T.srtAck) link.stats.srtAcks++;
    if (this.caller) this.listenSock.send(m, this.caller.port, this.caller.address);
  }

  private onSrtlaAck(seqs: number[]): void {
    for (const sn of seqs) {
      const owner = this.findInLog(sn);
      if (owner) {
        const [link, idx] = owner;
        link.log[idx] = -1;
        link.inFlight = Math.max(0, link.inFlight - 1);
        if (link.inFlight * WINDOW_MULT > link.window) link.window += WINDOW_INCR - 1;
      }
      for (const l of this.links) {
        if (l.lastRcvd !== 0) l.window = Math.min(WINDOW_MAX * WINDOW_MULT, l.window + 1);
      }
    }
  }

  private onSrtAck(ack: number): void {
    for (const l of this.links) {
      let remaining = 0;
      for (let i = 0; i < PKT_LOG_SZ; i++) {
        const sn = l.log[i]!;
        if (sn < 0) continue;
        if (seqBefore(sn, ack)) l.log[i] = -1;
        else remaining++;
      }
      l.inFlight = remaining;
    }
  }

  private onSrtNak(losses: number[]): void {
    for (const sn of losses) {
      const owner = this.findInLog(sn);
      if (!owner) continue;
      const [link, idx] = owner;
      link.log[idx] = -1;
      link.window = Math.max(WINDOW_MIN * WINDOW_MULT, link.window - WINDOW_DECR);
    }
  }

  /** The first link (in list order) whose log holds `sn`, searching newest → oldest. */
  private findInLog(sn: number): [Link, number] | null {
    for (const l of this.links) {
      for (let k = 1; k <= PKT_LOG_SZ; k++) {
        const idx = (l.logIdx - k + PKT_LOG_SZ) % PKT_LOG_SZ;
        if (l.log[idx] === sn) return [l, idx];
      }
    }
    return null;
  }

  // ── the local SRT caller ──────────────────────────────────────────────────────────────────

  private fromCaller(m: Buffer, r: dgram.RemoteInfo): void {
    // Latch the first caller: any other local process could otherwise take the return path.
    if (!this.caller) this.caller = { address: r.address, port: r.port };
    else if (this.caller.address !== r.address || this.caller.port !== r.port) {
      // A restarted caller (new port) after the old one went away: follow it.
      this.caller = { address: r.address, port: r.port };
    }
    if (!this.haveFullId) return void this.dropped++;
    const link = this.opts.mode === 'dumb' ? this.roundRobin() : this.select();
    if (!link) return void this.dropped++;
    link.lastSent = Date.now();
    if (m.length >= 16 && (m[0]! & 0x80) === 0) {
      link.log[link.logIdx] = m.readUInt32BE(0);
      link.logIdx = (link.logIdx + 1) % PKT_LOG_SZ;
      link.inFlight++;
    }
    link.stats.packetsSent++;
    link.stats.bytesSent += m.length;
    this.send(link, m);
  }

  /** srtla_send's choice: the highest window / (in-flight + 1) among links not timed out. */
  private select(): Link | null {
    const now = Date.now();
    let best: Link | null = null;
    let bestScore = -1;
    for (const l of this.links) {
      if (!l.established || l.timedOut(now)) continue;
      const score = Math.floor(l.window / (l.inFlight + 1));
      if (score > bestScore) {
        best = l;
        bestScore = score;
      }
    }
    return best;
  }

  private roundRobin(): Link | null {
    const now = Date.now();
    for (let k = 0; k < this.links.length; k++) {
      const l = this.links[(this.rr + k) % this.links.length]!;
      if (l.established && !l.timedOut(now)) {
        this.rr = (this.rr + k + 1) % this.links.length;
        return l;
      }
    }
    return null;
  }
}

function bind(type: 'udp4' | 'udp6', host: string, port: number): Promise<dgram.Socket> {
  const sock = dgram.createSocket(type);
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(port, host, () => {
      sock.removeListener('error', reject);
      resolve(sock);
    });
  });
}

function closeSock(s: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      s.close(() => resolve());
    } catch {
      resolve();
    }
  });
}
