/**
 * Viewer leases (FIELD-NOTES #7): every consumer — a browser tile, a snapshot, the recorder, motion
 * detection — holds a lease with a TTL on a stream key and renews it. A key runs while it has at
 * least one live lease; one viewer leaving never stops the stream for the others.
 *
 * This table only keeps time; the supervisor decides what a change in lease count means.
 */
import { randomUUID } from 'node:crypto';
import type { LeaseKind, LeaseView } from '../contracts/stream-state.js';
import { keyId, type StreamKey } from '../contracts/stream-key.js';

export interface Lease {
  id: string;
  key: StreamKey;
  kind: LeaseKind;
  holder: string | null;
  ttlMs: number;
  expiresAt: number;
}

export const MAX_LEASE_TTL_MS = 10 * 60_000;

export class LeaseTable {
  private readonly leases = new Map<string, Lease>();

  constructor(private readonly now: () => number = Date.now) {}

  acquire(key: StreamKey, kind: LeaseKind, ttlMs: number, holder: string | null = null): Lease {
    const ttl = clampTtl(ttlMs);
    const lease: Lease = { id: randomUUID(), key, kind, holder, ttlMs: ttl, expiresAt: this.now() + ttl };
    this.leases.set(lease.id, lease);
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
    this.leases.delete(id);
    return lease;
  }

  get(id: string): Lease | undefined {
    return this.leases.get(id);
  }

  /** Removes expired leases and returns them (the caller recounts the affected keys). */
  expire(): Lease[] {
    const t = this.now();
    const gone: Lease[] = [];
    for (const lease of this.leases.values()) {
      if (lease.expiresAt <= t) {
        this.leases.delete(lease.id);
        gone.push(lease);
      }
    }
    return gone;
  }

  /** Drops every lease of a camera (camera removed from config). */
  dropCamera(camera: string): Lease[] {
    const gone = [...this.leases.values()].filter((l) => l.key.camera === camera);
    for (const l of gone) this.leases.delete(l.id);
    return gone;
  }

  forKey(key: StreamKey): Lease[] {
    const id = keyId(key);
    return [...this.leases.values()].filter((l) => keyId(l.key) === id);
  }

  count(key: StreamKey): number {
    return this.forKey(key).length;
  }

  get size(): number {
    return this.leases.size;
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
