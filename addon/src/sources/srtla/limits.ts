/**
 * Safe defaults for the receiver's limits (../shared/docs/SRTLA.md sections 3.2, 5 and 7.1) and the
 * per-source-address registration throttle. Every table a client can grow is bounded here or in
 * groups.ts: REG1 is unauthenticated, so a flood must cost a bounded amount of memory.
 */
import type { SrtlaLimits, SrtlaSettings } from '../../contracts/srtla.js';

export const DEFAULT_SRTLA_LIMITS: SrtlaLimits = {
  maxGroups: 200,
  maxConnectionsPerGroup: 16,
  connectionTimeoutMs: 10_000,
  groupTimeoutMs: 10_000,
  pendingGroupTimeoutMs: 5_000,
  // srtla_send registers 3-4 links in a burst and re-sends REG2 once a second per dead link.
  registrationsPerSecond: 20,
  pendingGroupsPerAddress: 4,
};

export const DEFAULT_SRTLA_SETTINGS: SrtlaSettings = {
  enabled: false,
  host: '::',
  padSmallReplies: false,
  limits: DEFAULT_SRTLA_LIMITS,
};

/** Source addresses the throttle remembers at most; beyond, new addresses wait for a sweep. */
export const MAX_TRACKED_ADDRESSES = 4096;

/**
 * A token bucket per source IP (not per port: a flood from many ports of one host is one source).
 * Buckets that have refilled completely carry no information and are swept, so the map holds only
 * addresses seen in the last second or so, and never more than MAX_TRACKED_ADDRESSES.
 */
export class RegistrationThrottle {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly maxTracked = MAX_TRACKED_ADDRESSES,
  ) {}

  /** true: the registration may proceed. */
  allow(ip: string, now: number): boolean {
    let b = this.buckets.get(ip);
    if (!b) {
      if (this.buckets.size >= this.maxTracked) this.sweep(now);
      if (this.buckets.size >= this.maxTracked) return false;
      b = { tokens: this.perSecond, at: now };
      this.buckets.set(ip, b);
    } else {
      b.tokens = Math.min(this.perSecond, b.tokens + ((now - b.at) * this.perSecond) / 1000);
      b.at = now;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Forgets buckets that are full again. */
  sweep(now: number): void {
    for (const [ip, b] of this.buckets) {
      if (b.tokens + ((now - b.at) * this.perSecond) / 1000 >= this.perSecond) this.buckets.delete(ip);
    }
  }

  get size(): number {
    return this.buckets.size;
  }
}
