/**
 * Per-camera detection state: raw topic values → one state per kind, with an off-delay (a camera
 * that flaps on/off/on within the delay yields one continuous "active") and an `unknown` overlay
 * while the event feed is down (never reported as "no motion").
 * MotionEvents are the edges of the debounced boolean; going unknown and back is not an edge.
 */
import type {
  MotionEvent,
  MotionKind,
  MotionSource,
  MotionState,
  MotionStateValue,
} from '../../contracts/events.js';
import type { Detection } from '../onvif/topics.js';

export interface MotionTrackerOptions {
  camera: string;
  /** How long "idle" must last before it is reported. 0 = immediately. */
  offDelayMs: number;
  source?: MotionSource;
  /** Kinds that exist before any message (so the API shows them as unknown at start). */
  initialKinds?: MotionKind[];
  onEvent: (ev: MotionEvent) => void;
  onState: (s: MotionState) => void;
}

interface KindState {
  emitted: boolean;
  offTimer: NodeJS.Timeout | null;
  state: MotionStateValue;
  since: string;
}

export class MotionTracker {
  private readonly topics = new Map<string, { kind: MotionKind; value: boolean }>();
  private readonly kinds = new Map<MotionKind, KindState>();
  private up = false;

  constructor(private readonly o: MotionTrackerOptions) {
    for (const k of o.initialKinds ?? []) this.kind(k);
  }

  apply(d: Detection): void {
    if (d.active === null) {
      // Pulse (line crossing): on, then off through the off-delay.
      this.topics.set(d.key, { kind: d.kind, value: true });
      this.evaluate(d.kind);
      this.topics.set(d.key, { kind: d.kind, value: false });
    } else {
      this.topics.set(d.key, { kind: d.kind, value: d.operation === 'Deleted' ? false : d.active });
    }
    this.evaluate(d.kind);
  }

  /** The feed is (again) delivering. `fresh`: a new subscription, whose state dump will follow. */
  markUp(fresh: boolean): void {
    if (fresh) for (const t of this.topics.values()) t.value = false;
    this.up = true;
    for (const k of this.kinds.keys()) this.evaluate(k);
  }

  /** The feed died: every kind becomes unknown; pending off-delays wait for the feed to return. */
  markDown(): void {
    this.up = false;
    for (const [k, s] of this.kinds) {
      if (s.offTimer) clearTimeout(s.offTimer);
      s.offTimer = null;
      this.setState(k, s);
    }
  }

  states(): MotionState[] {
    return [...this.kinds].map(([kind, s]) => ({
      camera: this.o.camera,
      kind,
      state: s.state,
      since: s.since,
    }));
  }

  close(): void {
    for (const s of this.kinds.values()) if (s.offTimer) clearTimeout(s.offTimer);
  }

  private kind(k: MotionKind): KindState {
    let s = this.kinds.get(k);
    if (!s) {
      s = { emitted: false, offTimer: null, state: 'unknown', since: new Date().toISOString() };
      this.kinds.set(k, s);
    }
    return s;
  }

  private evaluate(k: MotionKind): void {
    const s = this.kind(k);
    if (this.up) {
      const raw = [...this.topics.values()].some((t) => t.kind === k && t.value);
      if (raw) {
        if (s.offTimer) clearTimeout(s.offTimer);
        s.offTimer = null;
        if (!s.emitted) this.edge(k, s, true);
      } else if (s.emitted && !s.offTimer) {
        if (this.o.offDelayMs <= 0) this.edge(k, s, false);
        else {
          s.offTimer = setTimeout(() => {
            s.offTimer = null;
            this.edge(k, s, false);
          }, this.o.offDelayMs);
          s.offTimer.unref?.();
        }
      }
    }
    this.setState(k, s);
  }

  private edge(k: MotionKind, s: KindState, active: boolean): void {
    s.emitted = active;
    this.setState(k, s);
    this.o.onEvent({
      camera: this.o.camera,
      kind: k,
      active,
      at: new Date().toISOString(),
      source: this.o.source ?? 'onvif',
    });
  }

  private setState(k: MotionKind, s: KindState): void {
    const next: MotionStateValue = !this.up ? 'unknown' : s.emitted ? 'active' : 'idle';
    if (next === s.state) return;
    s.state = next;
    s.since = new Date().toISOString();
    this.o.onState({ camera: this.o.camera, kind: k, state: next, since: s.since });
  }
}
