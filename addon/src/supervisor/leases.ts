/**
 * Viewer leases (FIELD-NOTES #7): every consumer — a browser tile, a snapshot, the recorder, motion
 * detection — holds a lease with a TTL on a stream key and renews it. A key runs while it has at
 * least one live lease; one viewer leaving never stops the stream for the others.
 *
 * This table only keeps time and bounds; the supervisor decides what a change in lease count
 * means. Leases a client takes carry the client they are charged to and are bounded
 * (LEASE_LIMITS); leases are indexed by key, so the status of a key (asked on every state
 * change, every MQTT flush and every /metrics scrape) never scans the whole table.
 */
import { randomUUID } from 'node:crypto';
import { LEASE_LIMITS, type LeaseKind, type LeaseView } from '../contracts/stream-state.js';
import { keyId, type StreamKey } from '../contracts/stream-key.js';
import { LookoutError } from '../lib/errors.js';

export interface Lease {
  id: string;
  key: StreamKey;
  kind: LeaseKind;
  holder: string | null;
  ttlMs: number;
  expiresAt: number;
  /** The client it is charged to (LEASE_LIMITS); null: one of Lookout's own consumers. */
  client: string | null;
  /** Media seconds of hub window this consumer needs held (LeaseRequest.historyS); 0: none. */
  historyS: number;
}

/** Client leases held and refused, for /metrics. */
export interface LeaseStats {
  /** Leases held by clients (not Lookout's own consumers). */
  clientLeases: number;
  /** Clients holding at least one lease. */
  clients: number;
  refused: { perClient: number; total: number };
}

export const MAX_LEASE_TTL_MS = 10 * 60_000;

export class LeaseTable {
  private readonly leases = new Map<string, Lease>();
  /** keyId → that key's leases. */
  private readonly byKey = new Map<string, Set<Lease>>();
  /** client → number of leases charged to it. */
  private readonly perClient = new Map<string, number>();
  private clientLeases = 0;
  private readonly refused = { perClient: 0, total: 0 };

  constructor(
    private readonly now: () => number = Date.now,
    private readonly limits: { perClient: number; total: number } = LEASE_LIMITS,
  ) {}

  /** Throws a 429 `too_many_leases` LookoutError when a client lease would pass a bound. */
  acquire(
    key: StreamKey,
    kind: LeaseKind,
    ttlMs: number,
    holder: string | null = null,
    client: string | null = null,
    historyS = 0,
  ): Lease {
    const ttl = clampTtl(ttlMs);
    if (client !== null) this.checkLimits(client);
    const lease: Lease = {
      id: randomUUID(),
      key,
      kind,
      holder,
      ttlMs: ttl,
      expiresAt: this.now() + ttl,
      client,
      historyS: Number.isFinite(historyS) && historyS > 0 ? historyS : 0,
    };
    this.add(lease);
    return lease;
  }

  /** Extends a lease by its TTL (or a new one); null when it is unknown or already expired. */
  renew(id: string, ttlMs?: number): Lease | null {
    const lease = this.leases.get(id);
    if (!lease) return null;
    if (ttlMs !== undefined) lease.ttlMs = clampTtl(ttlMs);
    lease.expiresAt = this.now() + lease.ttlMs;
    return lease;
  }

  release(id: string): Lease | null {
    const lease = this.leases.get(id);
    if (!lease) return null;
    this.remove(lease);
    return lease;
  }

  get(id: string): Lease | undefined {
    return this.leases.get(id);
  }

  /** Removes expired leases and returns them (the caller recounts the affected keys). */
  expire(): Lease[] {
    const t = this.now();
    const gone: Lease[] = [];
    for (const lease of this.leases.values()) if (lease.expiresAt <= t) gone.push(lease);
    for (const lease of gone) this.remove(lease);
    return gone;
  }

  /** Drops every lease of a camera (camera removed from config). */
  dropCamera(camera: string): Lease[] {
    const gone = [...this.leases.values()].filter((l) => l.key.camera === camera);
    for (const l of gone) this.remove(l);
    return gone;
  }

  forKey(key: StreamKey): Lease[] {
    return [...(this.byKey.get(keyId(key)) ?? [])];
  }

  /** The most hub history (media seconds) any of the key's leases asks for; 0 for none. */
  historyS(key: StreamKey): number {
    let s = 0;
    for (const l of this.byKey.get(keyId(key)) ?? []) s = Math.max(s, l.historyS);
    return s;
  }

  count(key: StreamKey): number {
    return this.byKey.get(keyId(key))?.size ?? 0;
  }

  get size(): number {
    return this.leases.size;
  }

  stats(): LeaseStats {
    return { clientLeases: this.clientLeases, clients: this.perClient.size, refused: { ...this.refused } };
  }

  private checkLimits(client: string): void {
    const { perClient, total } = this.limits;
    if ((this.perClient.get(client) ?? 0) >= perClient) {
      this.refused.perClient++;
      throw new LookoutError(
        429,
        'too_many_leases',
        `lease limit reached: at most ${perClient} leases per client; release or let some expire`,
      );
    }
    if (this.clientLeases >= total) {
      this.refused.total++;
      throw new LookoutError(
        429,
        'too_many_leases',
        `lease limit reached: at most ${total} client leases in total; release or let some expire`,
      );
    }
  }

  private add(lease: Lease): void {
    this.leases.set(lease.id, lease);
    const id = keyId(lease.key);
    let set = this.byKey.get(id);
    if (!set) this.byKey.set(id, (set = new Set()));
    set.add(lease);
    if (lease.client !== null) {
      this.perClient.set(lease.client, (this.perClient.get(lease.client) ?? 0) + 1);
      this.clientLeases++;
    }
  }

  private remove(lease: Lease): void {
    if (!this.leases.delete(lease.id)) return;
    const id = keyId(lease.key);
    const set = this.byKey.get(id);
    set?.delete(lease);
    if (set?.size === 0) this.byKey.delete(id);
    if (lease.client !== null) {
      const n = (this.perClient.get(lease.client) ?? 1) - 1;
      if (n === 0) this.perClient.delete(lease.client);
      else this.perClient.set(lease.client, n);
      this.clientLeases--;
    }
  }
}

function clampTtl(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0)
    throw new RangeError('lease ttl must be a positive number of ms');
  return Math.min(Math.round(ttlMs), MAX_LEASE_TTL_MS);
}

export function leaseView(l: Lease): LeaseView {
  return { id: l.id, kind: l.kind, holder: l.holder, expiresAt: new Date(l.expiresAt).toISOString() };
}
