/**
 * One SRTLA port: the UDP socket bonded senders register on, and one UDP socket per group towards
 * the SRT listener that feeds one camera profile (../shared/docs/SRTLA.md section 4).
 *
 *   sender links ──SRTLA──▶ [socket :port] ──per group, one connected socket──▶ SRT listener
 *                ◀── REG*, keepalive echo, SRTLA ACK ──   ◀── SRT ACK/NAK to every link, the rest
 *                                                            to the most recently active link
 *
 * SRT packets pass byte for byte; SRTLA packets (0x9000-0x9FFF) never reach the SRT listener.
 * Nothing is answered to an address that is not registered except REG1/REG2, so the port is no
 * reflector; registrations are throttled per source IP and the tables are bounded (limits.ts).
 */
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import {
  SRTLA_DROP_REASONS,
  type SrtlaDropReason,
  type SrtlaGroupStats,
  type SrtlaListenerStats,
  type SrtlaSettings,
} from '../../contracts/srtla.js';
import type { Logger } from '../../lib/log.js';
import { GroupTable, type Address, type Connection, type Group, type Traffic } from './groups.js';
import { RegistrationThrottle } from './limits.js';
import {
  ACK_BATCH,
  ackPacket,
  classify,
  dataSeq,
  regId,
  regPacket,
  shortReply,
  srtControlType,
  srtNakLosses,
  T,
} from './packet.js';

export interface SrtlaTarget {
  host: string;
  port: number;
}

export interface ReceiverOptions {
  camera: string;
  profile: string;
  /** Listen address; `::` is dual-stack. */
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** The SRT listener groups forward to. */
  target: SrtlaTarget;
  /** Shown in stats: the stream id an SRT caller must use (MediaMTX); null when any will do. */
  streamId: string | null;
  settings: SrtlaSettings;
  log: Logger;
}

/** The per-group socket towards the SRT listener, kept for the group's whole life. */
interface SrtLink {
  sock: dgram.Socket;
  ready: boolean;
  /** Packets that arrived while the socket was connecting (bounded). */
  queue: Buffer[];
  localPort: number | null;
  refusedLoggedAt: number;
}

const SWEEP_MS = 1000;
const CONNECT_QUEUE_MAX = 64;
const RECV_BUFFER_BYTES = 4 * 1024 * 1024;
const PAD_TO = 32;
const R_FLAG = 0x04000000;
const KEEPALIVE_EXT_LEN = 38;

export class SrtlaReceiver {
  private socket: dgram.Socket | null = null;
  private readonly table: GroupTable;
  private readonly throttle: RegistrationThrottle;
  private readonly links = new Map<Group, SrtLink>();
  private readonly drops = Object.fromEntries(SRTLA_DROP_REASONS.map((r) => [r, 0])) as Record<
    SrtlaDropReason,
    number
  >;
  private readonly logged = new Set<SrtlaDropReason>();
  private groupsClosed = 0;
  private sweepTimer: NodeJS.Timeout | null = null;
  private target: { address: string; family: 4 | 6; port: number } | null = null;
  private boundPort = 0;
  private lastDataAt = 0;
  private readonly log: Logger;
  private readonly pad: number;

  constructor(private readonly opts: ReceiverOptions) {
    this.table = new GroupTable(opts.settings.limits);
    this.throttle = new RegistrationThrottle(opts.settings.limits.registrationsPerSecond);
    this.log = opts.log.child({ component: 'srtla', key: `${opts.camera}/${opts.profile}` });
    this.pad = opts.settings.padSmallReplies ? PAD_TO : 0;
  }

  /** Binds the SRTLA port; resolves the target once (a name is looked up at start, not per group). */
  async start(): Promise<void> {
    const t = this.opts.target;
    const family = isIP(t.host);
    const resolved = family ? { address: t.host, family } : await lookup(t.host);
    this.target = { address: resolved.address, family: resolved.family === 6 ? 6 : 4, port: t.port };
    const sock = await bindListener(this.opts.host, this.opts.port);
    this.socket = sock;
    try {
      sock.setRecvBufferSize(RECV_BUFFER_BYTES);
    } catch {
      // capped by net.core.rmem_max: the default still carries tens of Mbit/s
    }
    sock.on('message', (m, rinfo) => this.onMessage(m, rinfo));
    sock.on('error', (err) => this.log.warn({ err }, 'SRTLA socket error'));
    this.boundPort = sock.address().port;
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweepTimer.unref();
    this.log.info({ listen: this.listenText(), target: `${t.host}:${t.port}` }, 'SRTLA receiver listening');
  }

  get port(): number {
    return this.boundPort;
  }

  /** Time of the last SRT packet forwarded (the supervisor's probe: is the sender there?). */
  get lastForwardAt(): number {
    return this.lastDataAt;
  }

  async stop(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    for (const g of this.table.clear()) this.closeGroup(g, 'receiver stopping');
    const sock = this.socket;
    this.socket = null;
    if (sock) await new Promise<void>((resolve) => sock.close(() => resolve()));
  }

  // ── SRTLA side ────────────────────────────────────────────────────────────────────────────

  private onMessage(m: Buffer, rinfo: dgram.RemoteInfo): void {
    const now = Date.now();
    const key = `${rinfo.address}|${rinfo.port}`;
    const kind = classify(m);
    if (kind === 'short') return this.drop('short');
    if (kind === 'reg1' || kind === 'reg2') {
      if (!this.throttle.allow(rinfo.address, now)) return this.drop('rate_limited');
      const from: Address = { key, ip: rinfo.address, port: rinfo.port };
      return kind === 'reg1' ? this.onReg1(from, m, now) : this.onReg2(from, m, now);
    }
    const member = this.table.member(key);
    if (!member) return this.drop('unknown_address');
    const { group, conn } = member;
    conn.lastRcvd = now;
    conn.traffic.received(m.length);
    group.traffic.received(m.length);
    if (kind === 'keepalive') {
      if (m.length >= KEEPALIVE_EXT_LEN) readTelemetry(m, conn);
      return this.reply(m, conn.addr); // echoed verbatim: Moblin measures its RTT from it
    }
    if (kind === 'srtla-other') return this.drop('srtla_type');
    if (kind === 'srt-short') return this.drop('short');
    group.lastAddr = conn.addr;
    group.lastActivity = now;
    if (kind === 'srt-data') {
      conn.ackLog[conn.ackCount++] = dataSeq(m);
      if (conn.ackCount === ACK_BATCH) {
        conn.ackCount = 0;
        this.reply(ackPacket(conn.ackLog), conn.addr);
      }
      if (m.readUInt32BE(4) & R_FLAG) conn.retransmitted++;
      conn.traffic.data.add(now, m.length);
      group.traffic.data.add(now, m.length);
    }
    this.forward(group, conn, m, now);
  }

  private onReg1(from: Address, m: Buffer, now: number): void {
    const r = this.table.reg1(from, regId(m), now);
    if (!r.ok) {
      this.drop(r.reason);
      return this.reply(shortReply(T.regErr, this.pad), from);
    }
    if (r.evicted) this.closed(r.evicted, 'evicted: the group table was full');
    this.reply(regPacket(T.reg2, r.group.id), from, (err) => {
      if (err && r.created) this.table.forget(r.group); // a group counts only once its REG2 was sent
    });
    if (r.created) this.log.info({ group: r.group.short, from: showAddr(from) }, 'SRTLA group created');
  }

  private onReg2(from: Address, m: Buffer, now: number): void {
    const r = this.table.reg2(from, regId(m), now);
    if (!r.ok) {
      this.drop(r.reason);
      return this.reply(shortReply(r.reason === 'unknown_group' ? T.regNgp : T.regErr, this.pad), from);
    }
    this.reply(shortReply(T.reg3, this.pad), from);
    if (r.added) {
      this.log.info(
        { group: r.group.short, link: showAddr(from), links: r.group.conns.length },
        'SRTLA link registered',
      );
    }
  }

  private reply(buf: Buffer, to: Address, cb?: (err: Error | null) => void): void {
    this.socket?.send(buf, to.port, to.ip, (err) => {
      if (err) this.log.debug({ err, to: showAddr(to) }, 'SRTLA reply not sent');
      cb?.(err ?? null);
    });
  }

  // ── SRT side ──────────────────────────────────────────────────────────────────────────────

  private forward(group: Group, conn: Connection, m: Buffer, now: number): void {
    const link = this.links.get(group) ?? this.openLink(group);
    if (!link) return this.drop('srt_unreachable');
    if (!group.forwarded) {
      group.forwarded = true;
      this.log.info({ group: group.short, links: group.conns.length }, 'SRTLA group carries SRT');
    }
    this.lastDataAt = now;
    conn.traffic.forwardedPacket(m.length);
    group.traffic.forwardedPacket(m.length);
    if (!link.ready) {
      if (link.queue.length < CONNECT_QUEUE_MAX) link.queue.push(m);
      else this.drop('srt_unreachable');
      return;
    }
    link.sock.send(m);
  }

  private openLink(group: Group): SrtLink | null {
    const t = this.target;
    if (!t) return null;
    const sock = dgram.createSocket(t.family === 6 ? 'udp6' : 'udp4');
    const link: SrtLink = { sock, ready: false, queue: [], localPort: null, refusedLoggedAt: 0 };
    this.links.set(group, link);
    // A connected UDP socket reports the listener's ICMP "port unreachable" as ECONNREFUSED on the
    // next operation; without this handler that error would end the process.
    sock.on('error', (err: NodeJS.ErrnoException) => this.onLinkError(group, link, err));
    sock.on('message', (p) => this.fromSrt(group, link, p));
    sock.connect(t.port, t.address, () => {
      link.ready = true;
      link.localPort = sock.address().port;
      this.log.info({ group: group.short, srtLocalPort: link.localPort }, 'SRTLA group socket to SRT open');
      for (const q of link.queue.splice(0)) sock.send(q);
    });
    return link;
  }

  private onLinkError(group: Group, link: SrtLink, err: NodeJS.ErrnoException): void {
    this.drop('srt_unreachable');
    const now = Date.now();
    if (now - link.refusedLoggedAt < 10_000) return;
    link.refusedLoggedAt = now;
    const target = `${this.opts.target.host}:${this.opts.target.port}`;
    if (err.code === 'ECONNREFUSED')
      this.log.warn(
        { group: group.short, target },
        'SRT listener not reachable (refused); keeping the group',
      );
    else this.log.warn({ group: group.short, target, err }, 'SRT socket error');
  }

  /** ACKs (and NAKs) go down every link, the rest to the most recently active one. */
  private fromSrt(group: Group, _link: SrtLink, p: Buffer): void {
    if (p.length < 16) return this.drop('srt_short');
    const ctl = srtControlType(p);
    if (ctl === T.srtAck || ctl === T.srtNak) {
      if (ctl === T.srtNak) group.lostPackets += srtNakLosses(p).length;
      for (const c of group.conns) {
        c.packetsReturned++;
        this.reply(p, c.addr);
      }
      return;
    }
    const last = group.conn(group.lastAddr.key);
    if (!last) return; // no member left to answer to; the sender will re-register
    last.packetsReturned++;
    this.reply(p, last.addr);
  }

  // ── housekeeping ──────────────────────────────────────────────────────────────────────────

  private sweep(): void {
    const now = Date.now();
    this.throttle.sweep(now);
    for (const r of this.table.sweep(now)) {
      if (r.conn) {
        this.log.info(
          { group: r.group.short, link: showAddr(r.conn.addr), links: r.group.conns.length, why: r.why },
          'SRTLA link timed out',
        );
      } else this.closed(r.group, r.why);
    }
  }

  /** A group left the table: close its SRT socket and say why. */
  private closed(group: Group, why: string): void {
    this.groupsClosed++;
    this.closeGroup(group, why);
  }

  private closeGroup(group: Group, why: string): void {
    const link = this.links.get(group);
    this.links.delete(group);
    link?.sock.close();
    this.log.info(
      {
        group: group.short,
        why,
        packets: group.traffic.packetsForwarded,
        bytes: group.traffic.bytesForwarded,
      },
      'SRTLA group closed',
    );
  }

  private drop(reason: SrtlaDropReason): void {
    this.drops[reason]++;
    // An unknown group is how every sender starts (its probe REG2 gets REG_NGP): counted, not a warning.
    if (reason === 'unknown_group' || this.logged.has(reason)) return;
    this.logged.add(reason);
    this.log.warn({ reason }, `SRTLA packet dropped (${reason}); further ones are only counted in metrics`);
  }

  // ── stats ─────────────────────────────────────────────────────────────────────────────────

  private listenText(): string {
    const h = this.opts.host.includes(':') ? `[${this.opts.host}]` : this.opts.host;
    return `${h}:${this.boundPort}`;
  }

  stats(): SrtlaListenerStats {
    const now = Date.now();
    const t = this.opts.target;
    const target = `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;
    return {
      camera: this.opts.camera,
      profile: this.opts.profile,
      listen: this.listenText(),
      target,
      streamId: this.opts.streamId,
      groups: [...this.table.all()].map((g) => this.groupStats(g, target, now)),
      drops: { ...this.drops },
      groupsClosed: this.groupsClosed,
    };
  }

  private groupStats(g: Group, target: string, now: number): SrtlaGroupStats {
    const total = g.traffic.data.totals(now);
    const kbps = (bytes: number, spanS: number) => Math.round((bytes * 8) / spanS / 1000);
    return {
      id: g.short,
      camera: this.opts.camera,
      profile: this.opts.profile,
      target,
      createdAt: new Date(g.createdAt).toISOString(),
      pending: !g.forwarded,
      srtLocalPort: this.links.get(g)?.localPort ?? null,
      bitrateKbps: kbps(total.bytes, total.spanS),
      ...counts(g.traffic),
      lostPackets: g.lostPackets,
      links: g.conns.map((c) => {
        const w = c.traffic.data.totals(now);
        return {
          address: showAddr(c.addr),
          registeredAt: new Date(c.registeredAt).toISOString(),
          lastSeenAt: new Date(c.lastRcvd).toISOString(),
          lastSeenAgoMs: now - c.lastRcvd,
          ...counts(c.traffic),
          retransmittedPackets: c.retransmitted,
          packetsReturned: c.packetsReturned,
          share: total.packets > 0 ? Math.round((w.packets / total.packets) * 1000) / 1000 : 0,
          bitrateKbps: kbps(w.bytes, w.spanS),
          telemetry: c.telemetry,
        };
      }),
    };
  }
}

/** Binds `host:port`; `::` is dual-stack, falling back to IPv4 where the host has no IPv6. */
async function bindListener(host: string, port: number): Promise<dgram.Socket> {
  const v6 = host.includes(':');
  try {
    return await bindOne(v6 ? 'udp6' : 'udp4', host, port);
  } catch (err) {
    if (host !== '::') throw err;
    return bindOne('udp4', '0.0.0.0', port);
  }
}

function bindOne(type: 'udp4' | 'udp6', host: string, port: number): Promise<dgram.Socket> {
  const sock = dgram.createSocket({ type, ipv6Only: false });
  return new Promise((resolve, reject) => {
    sock.once('error', (err) => {
      sock.close();
      reject(err);
    });
    sock.bind(port, host, () => {
      sock.removeAllListeners('error');
      resolve(sock);
    });
  });
}

function counts(t: Traffic) {
  const { packetsReceived, bytesReceived, packetsForwarded, bytesForwarded } = t;
  return { packetsReceived, bytesReceived, packetsForwarded, bytesForwarded };
}

function readTelemetry(m: Buffer, conn: Connection): void {
  if (m.readUInt16BE(10) !== 0xc01f || m.readUInt16BE(12) !== 1) return;
  conn.telemetry = {
    window: m.readInt32BE(18),
    inFlight: m.readInt32BE(22),
    rttMs: m.readUInt32BE(26),
    nakCount: m.readUInt32BE(30),
    bitrateBytesPerS: m.readUInt32BE(34),
  };
}

/** `ip:port` for logs, stats and labels; IPv4 peers of a dual-stack socket shown as plain IPv4. */
function showAddr(a: Address): string {
  const ip = a.ip.startsWith('::ffff:') && a.ip.includes('.') ? a.ip.slice(7) : a.ip;
  return ip.includes(':') ? `[${ip}]:${a.port}` : `${ip}:${a.port}`;
}
