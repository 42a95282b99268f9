/**
 * Motion per camera from the live event stream (SSE, /api/events/stream): one subscription per card,
 * opened while the card is connected and closed with it. A camera shows motion while any of its kinds
 * is active.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { LookoutApi } from '../api/client.js';
import type { MotionState } from '../../../addon/src/contracts/events.js';

export class EventsController implements ReactiveController {
  /** Live event stream open. */
  open = false;
  private readonly active = new Map<string, Set<string>>();
  private api: LookoutApi | null = null;
  private enabled = false;
  private close: (() => void) | null = null;
  private connected = false;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  motion(camera: string): boolean {
    return (this.active.get(camera)?.size ?? 0) > 0;
  }

  /** Subscribes to `api` when `enabled` (the motion control is shown); re-subscribes on a new api. */
  configure(api: LookoutApi | null, enabled: boolean): void {
    if (api === this.api && enabled === this.enabled) return;
    this.api = api;
    this.enabled = enabled;
    this.restart();
  }

  hostConnected(): void {
    this.connected = true;
    this.restart();
  }

  hostDisconnected(): void {
    this.connected = false;
    this.stop();
  }

  private restart(): void {
    this.stop();
    if (!this.connected || !this.api || !this.enabled) return;
    this.close = this.api.events({
      snapshot: (s) => {
        this.active.clear();
        for (const st of s.states) this.apply(st);
        this.host.requestUpdate();
      },
      state: (st) => {
        this.apply(st);
        this.host.requestUpdate();
      },
      motion: (e) => {
        this.apply({ camera: e.camera, kind: e.kind, state: e.active ? 'active' : 'idle', since: e.at });
        this.host.requestUpdate();
      },
      connection: (open) => {
        this.open = open;
        this.host.requestUpdate();
      },
    });
  }

  private stop(): void {
    this.close?.();
    this.close = null;
    this.open = false;
  }

  private apply(st: MotionState): void {
    let kinds = this.active.get(st.camera);
    if (!kinds) this.active.set(st.camera, (kinds = new Set()));
    if (st.state === 'active') kinds.add(st.kind);
    else kinds.delete(st.kind);
  }
}
