/**
 * The group and connection tables of one SRTLA port, and the registration decision table
 * (../shared/docs/SRTLA.md section 3.2). No sockets here: receiver.ts sends what these functions
 * decide, so the rules can be read (and tested) on their own.
 *
 * A connection is known only by its source `ip|port`; a group is the set of connections carrying one
 * SRT session, keyed by its 256-byte id. The id is the only credential a REG2 carries.
 */
import { timingSafeEqual } from 'node:crypto';
import type { SrtlaDropReason, SrtlaLimits, SrtlaSenderTelemetry } from '../../contracts/srtla.js';
import { ACK_BATCH, groupIdFrom, SRTLA_SENDER_HALF, shortGroupId } from './packet.js';

/** 1-second buckets kept for bitrate and share figures. */
const RATE_BUCKETS = 5;

export class RateWindow {
  private readonly sec = new Float64Array(RATE_BUCKETS);
  private readonly pkts = new Float64Array(RATE_BUCKETS);
  private readonly bytes = new Float64Array(RATE_BUCKETS);

  add(now: number, bytes: number): void {
    const s = Math.floor(now / 1000);
    const i = s % RATE_BUCKETS;
    if (this.sec[i] !== s) {
      this.sec[i] = s;
      this.pkts[i] = 0;
      this.bytes[i] = 0;
    }
    this.pkts[i]! += 1;
    this.bytes[i]! += bytes;
  }

  /** Packets and bytes in the last RATE_BUCKETS whole seconds before `now`'s second, plus it. */
  totals(now: number): { packets: number; bytes: number; spanS: number } {
    const s = Math.floor(now / 1000);
    let packets = 0;
    let bytes = 0;
    for (let i = 0; i < RATE_BUCKETS; i++) {
      if (this.sec[i]! > s - RATE_BUCKETS && this.sec[i]! <= s) {
        packets += this.pkts[i]!;
        bytes += this.bytes[i]!;
      }
    }
    // The current second is partly over: count the elapsed part of it.
    return { packets, bytes, spanS: RATE_BUCKETS - 1 + (now % 1000) / 1000 };
  }
}

export interface Address {
  /** `ip|port` */
  key: string;
  ip: string;
  port: number;
}

/** Datagrams in (from the links) and SRT packets forwarded, of a link or a whole group. */
export class Traffic {
  packetsReceived = 0;
  bytesReceived = 0;
  packetsForwarded = 0;
  bytesForwarded = 0;
  /** SRT data only: bitrate and each link's share. */
  readonly data = new RateWindow();

  received(bytes: number): void {
    this.packetsReceived++;
    this.bytesReceived += bytes;
  }

  forwardedPacket(bytes: number): void {
    this.packetsForwarded++;
    this.bytesForwarded += bytes;
  }
}

export class Connection {
  readonly registeredAt: number;
  lastRcvd: number;
  /** Sequence numbers of the data packets since the last SRTLA ACK. */
  readonly ackLog = new Uint32Array(ACK_BATCH);
  ackCount = 0;
  readonly traffic = new Traffic();
  retransmitted = 0;
  packetsReturned = 0;
  telemetry: SrtlaSenderTelemetry | null = null;

  constructor(
    readonly addr: Address,
    now: number,
  ) {
    this.registeredAt = now;
    this.lastRcvd = now;
  }
}

export class Group {
  readonly hex: string;
  readonly short: string;
  readonly conns: Connection[] = [];
  /** The connection (or, before any REG2, the REG1 address) that was active last. */
  lastAddr: Address;
  /** Last time anything happened in the group (packet, registration). */
  lastActivity: number;
  /** Has forwarded SRT data: no longer "pending". */
  forwarded = false;
  readonly traffic = new Traffic();
  lostPackets = 0;

  constructor(
    readonly id: Buffer,
    /** IP address that sent the REG1 (the per-address pending cap counts by it). */
    readonly ownerIp: string,
    first: Address,
    readonly createdAt: number,
  ) {
    this.hex = id.toString('hex');
    this.short = shortGroupId(id);
    this.lastAddr = first;
    this.lastActivity = createdAt;
  }

  conn(key: string): Connection | undefined {
    return this.conns.find((c) => c.addr.key === key);
  }
}

export type Reg1Outcome =
  | { ok: true; group: Group; created: boolean; evicted: Group | null }
  | { ok: false; reason: SrtlaDropReason };
export type Reg2Outcome =
  { ok: true; group: Group; conn: Connection; added: boolean } | { ok: false; reason: SrtlaDropReason };
export type Removal = { group: Group; conn: Connection | null; why: string };

export class GroupTable {
  private readonly groups = new Map<string, Group>();
  /** Member connections, by address key. */
  private readonly members = new Map<string, { group: Group; conn: Connection }>();

  constructor(private readonly limits: SrtlaLimits) {}

  get size(): number {
    return this.groups.size;
  }

  all(): IterableIterator<Group> {
    return this.groups.values();
  }

  member(key: string): { group: Group; conn: Connection } | undefined {
    return this.members.get(key);
  }

  /** The group whose lastAddr is this address while the address is not (yet) a member. */
  private lastAddrOf(key: string): Group | undefined {
    for (const g of this.groups.values()) if (g.lastAddr.key === key) return g;
    return undefined;
  }

  /** REG1 from `from` carrying the sender's id (section 3.2, REG1 rules). */
  reg1(from: Address, senderId: Buffer, now: number): Reg1Outcome {
    if (this.members.has(from.key)) return { ok: false, reason: 'address_in_use' };
    const prior = this.lastAddrOf(from.key);
    if (prior) {
      // A lost REG2 reply: the sender asks again for the same group, which has no members yet.
      // Answer with the same REG2 instead of locking it out until the group expires.
      const same = senderId.subarray(0, SRTLA_SENDER_HALF).equals(prior.id.subarray(0, SRTLA_SENDER_HALF));
      if (same && prior.conns.length === 0 && !prior.forwarded)
        return { ok: true, group: prior, created: false, evicted: null };
      return { ok: false, reason: 'address_in_use' };
    }
    let pendingHere = 0;
    for (const g of this.groups.values()) if (!g.forwarded && g.ownerIp === from.ip) pendingHere++;
    if (pendingHere >= this.limits.pendingGroupsPerAddress)
      return { ok: false, reason: 'pending_per_address' };
    let evicted: Group | null = null;
    if (this.groups.size >= this.limits.maxGroups) {
      // Full: make room by evicting the oldest group that has no connection and never carried data.
      for (const g of this.groups.values()) {
        if (g.conns.length === 0 && !g.forwarded && (!evicted || g.createdAt < evicted.createdAt))
          evicted = g;
      }
      if (!evicted) return { ok: false, reason: 'groups_full' };
      this.remove(evicted);
    }
    let id = groupIdFrom(senderId);
    while (this.groups.has(id.toString('hex'))) id = groupIdFrom(senderId);
    const group = new Group(id, from.ip, from, now);
    this.groups.set(group.hex, group);
    return { ok: true, group, created: true, evicted };
  }

  /** Undoes a REG1 whose REG2 reply could not be sent. */
  forget(group: Group): void {
    if (group.conns.length === 0) this.remove(group);
  }

  /** REG2 from `from` carrying a full group id (section 3.2, REG2 rules). */
  reg2(from: Address, fullId: Buffer, now: number): Reg2Outcome {
    const group = this.find(fullId);
    if (!group) return { ok: false, reason: 'unknown_group' };
    const existing = this.members.get(from.key);
    if (existing && existing.group !== group) return { ok: false, reason: 'address_in_use' };
    const otherLast = this.lastAddrOf(from.key);
    if (otherLast && otherLast !== group) return { ok: false, reason: 'address_in_use' };
    group.lastActivity = now;
    if (existing) {
      existing.conn.lastRcvd = now;
      group.lastAddr = from;
      return { ok: true, group, conn: existing.conn, added: false };
    }
    if (group.conns.length >= this.limits.maxConnectionsPerGroup)
      return { ok: false, reason: 'connections_full' };
    const conn = new Connection(from, now);
    group.conns.push(conn);
    this.members.set(from.key, { group, conn });
    group.lastAddr = from;
    return { ok: true, group, conn, added: true };
  }

  /** Constant-time comparison of the full id once the map found a candidate. */
  private find(fullId: Buffer): Group | undefined {
    const g = this.groups.get(fullId.toString('hex'));
    return g && timingSafeEqual(g.id, fullId) ? g : undefined;
  }

  /** Expires silent connections and empty or pending groups (section 5). */
  sweep(now: number): Removal[] {
    const out: Removal[] = [];
    const l = this.limits;
    for (const group of [...this.groups.values()]) {
      for (const conn of [...group.conns]) {
        if (now - conn.lastRcvd > l.connectionTimeoutMs) {
          this.dropConn(group, conn);
          out.push({ group, conn, why: `silent for ${Math.round((now - conn.lastRcvd) / 1000)} s` });
        }
      }
      if (group.conns.length > 0) continue;
      if (!group.forwarded && now - group.createdAt > l.pendingGroupTimeoutMs) {
        this.remove(group);
        out.push({ group, conn: null, why: 'pending: no SRT data' });
      } else if (now - group.lastActivity > l.groupTimeoutMs) {
        this.remove(group);
        out.push({ group, conn: null, why: 'no connections left' });
      }
    }
    return out;
  }

  private dropConn(group: Group, conn: Connection): void {
    group.conns.splice(group.conns.indexOf(conn), 1);
    this.members.delete(conn.addr.key);
    group.lastActivity = Math.max(group.lastActivity, conn.lastRcvd);
    if (group.lastAddr.key === conn.addr.key) {
      // Replies follow the most recently active link; move to the freshest one left.
      const next = group.conns.reduce<Connection | null>(
        (a, c) => (a && a.lastRcvd >= c.lastRcvd ? a : c),
        null,
      );
      if (next) group.lastAddr = next.addr;
    }
  }

  remove(group: Group): void {
    for (const c of group.conns) this.members.delete(c.addr.key);
    group.conns.length = 0;
    this.groups.delete(group.hex);
  }

  clear(): Group[] {
    const all = [...this.groups.values()];
    for (const g of all) this.remove(g);
    return all;
  }
}
