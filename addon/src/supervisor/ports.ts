/**
 * The supervisor as its consumers see it: small role interfaces that the Supervisor class implements
 * (supervisor.ts says so, so they cannot drift). Each consumer declares the intersection it needs,
 * e.g. `HubSource & StreamLeases` for a live output, so nothing but main.ts depends on the concrete
 * class and a test can hand a consumer a small fake (the pattern of control/mqtt/ports.ts).
 */
import type { ResolvedCamera } from '../contracts/config.js';
import type { StreamKey } from '../contracts/stream-key.js';
import type { LeaseKind, StreamStateEvent, StreamStatus } from '../contracts/stream-state.js';
import type { StreamHub } from '../hub/index.js';
import type { Lease } from './leases.js';

export interface LeaseRequest {
  kind: LeaseKind;
  ttlMs?: number;
  holder?: string | null;
  /**
   * The client a lease taken on a client's request is charged to (`http <address>`, `mqtt`):
   * bounded by LEASE_LIMITS (429 `too_many_leases` beyond). Absent: one of Lookout's own consumers.
   */
  client?: string;
  /**
   * Media seconds of the key's hub window this consumer needs held while its lease lives (a motion
   * recorder's pre-roll, the LL-HLS playlist). Absent: none beyond the newest keyframe (live viewers,
   * snapshots, continuous recording). The key's window keeps the largest its leases ask.
   */
  historyS?: number;
}

/** The configured cameras (current config; 404 for an unknown id). */
export interface CameraDirectory {
  cameras(): ResolvedCamera[];
  camera(id: string): ResolvedCamera;
}

/** Leases keep a key running; acquiring one (re)starts a key that is idle, stalled or backing off. */
export interface StreamLeases {
  acquireLease(key: StreamKey, req: LeaseRequest): { lease: Lease; status: StreamStatus };
  renewLease(id: string, ttlMs?: number): Lease;
  releaseLease(id: string): Lease;
}

/** Per key status (404/409 for an unknown or disabled key). */
export interface StreamStatuses {
  status(key: StreamKey): StreamStatus;
  statuses(): StreamStatus[];
  hasKey(key: StreamKey): boolean;
}

/** The in-process fan-out of a key (live outputs, snapshots, recorder, pixel motion read it). */
export interface HubSource {
  hub(key: StreamKey): StreamHub;
}

/** Every state transition of every key. */
export interface StreamStateEvents {
  on(event: 'state', listener: (ev: StreamStateEvent) => void): unknown;
  off(event: 'state', listener: (ev: StreamStateEvent) => void): unknown;
}
