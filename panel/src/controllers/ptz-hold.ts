/**
 * Press-and-hold PTZ for one host element (the PTZ overlay), as a Lit reactive controller.
 *
 * Safety model (FIELD-NOTES: cameras ignore the ONVIF move Timeout, and a lost "stop" leaves a camera
 * spinning): every move is sent with a short server-side timeout (MOVE_TIMEOUT_MS) and renewed every
 * RENEW_MS while the button is held, so releasing, losing the pointer, hiding the tab, or even losing
 * the network all end in a stop — the explicit one we send, or the server's safety stop.
 * Requests go out one at a time, in order (`enqueue`, also used by the host for home and presets), so
 * a stop can never overtake the move it ends.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { PtzVelocity } from '../../../addon/src/contracts/ptz.js';
import type { LookoutApi } from '../api/client.js';

/** The server stops a move this long after the last renewal. */
export const MOVE_TIMEOUT_MS = 1000;
/** Renewal period while held: half the timeout, so one late renewal never lets the safety stop fire. */
export const RENEW_MS = 500;

/** Where moves go: the host's current api and camera. */
export interface PtzTarget {
  api: LookoutApi;
  camera: string;
}

interface Hold {
  /** The pointer that started it, or 'key' for keyboard. Only that one ends it. */
  source: number | 'key';
  /** Where the moves went: the stop goes there too, even if the host's api or camera change meanwhile. */
  target: PtzTarget;
  control: string;
  timer: ReturnType<typeof setInterval>;
}

export class PtzHoldController implements ReactiveController {
  /** id of the control being held, for the pressed look ('' when none). */
  active = '';
  private hold: Hold | null = null;
  /** The one request chain: moves, stops and the host's preset calls leave in order. */
  private queue: Promise<unknown> = Promise.resolve();
  private moveInFlight = false;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly target: () => PtzTarget | null,
    private readonly onError: (err: unknown) => void,
  ) {
    host.addController(this);
  }

  get holding(): boolean {
    return this.hold !== null;
  }

  hostConnected(): void {
    window.addEventListener('blur', this.onHide);
    document.addEventListener('visibilitychange', this.onVisibility);
  }

  hostDisconnected(): void {
    window.removeEventListener('blur', this.onHide);
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.end();
  }

  start(source: number | 'key', control: string, velocity: PtzVelocity): void {
    const target = this.target();
    if (!target) return;
    if (this.hold) clearInterval(this.hold.timer); // another button took over: its move replaces this one
    const timer = setInterval(() => {
      // Skip a tick while the previous move is still on its way rather than pile requests up.
      if (this.hold?.timer === timer && !this.moveInFlight) this.sendMove(target, velocity);
    }, RENEW_MS);
    this.hold = { source, target, control, timer };
    this.setActive(control);
    this.sendMove(target, velocity);
  }

  /** Ends the hold started by `source` (any hold when omitted) and stops the camera. */
  end(source?: number | 'key'): void {
    const h = this.hold;
    if (!h || (source !== undefined && h.source !== source)) return;
    clearInterval(h.timer);
    this.hold = null;
    this.setActive('');
    void this.enqueue(() => h.target.api.ptzStop(h.target.camera));
  }

  /** Runs `fn` after every earlier request; errors go to the host's onError. */
  enqueue<T>(fn: () => Promise<T>): Promise<T | undefined> {
    const run = this.queue.then(fn).catch((err: unknown) => {
      this.onError(err);
      return undefined;
    });
    this.queue = run;
    return run;
  }

  /** Pointer and keyboard handlers for one hold button. */
  handlers(control: string, velocity: PtzVelocity) {
    const down = (e: PointerEvent) => {
      if (e.button !== 0 || !this.target()) return;
      e.preventDefault(); // no focus steal, no text selection, no emulated mouse events after touch
      const el = e.currentTarget as HTMLElement;
      try {
        el.setPointerCapture(e.pointerId);
      } catch {
        // The pointer is already gone (released before we got here): the up event ends the hold.
      }
      this.start(e.pointerId, control, velocity);
    };
    const up = (e: PointerEvent) => this.end(e.pointerId);
    const key = (e: KeyboardEvent) => {
      if (e.key !== 'Enter' && e.key !== ' ') return;
      e.preventDefault();
      if (e.type === 'keydown' && !e.repeat) this.start('key', control, velocity);
      if (e.type === 'keyup') this.end('key');
    };
    return { down, up, key };
  }

  private sendMove(target: PtzTarget, v: PtzVelocity): void {
    this.moveInFlight = true;
    void this.enqueue(async () => {
      try {
        await target.api.ptzMove(target.camera, { ...v, timeout_ms: MOVE_TIMEOUT_MS });
      } catch (err) {
        // A failing move must not keep renewing (and repeating the error): drop the hold, stop anyway.
        if (this.hold) this.end();
        throw err;
      } finally {
        this.moveInFlight = false;
      }
    });
  }

  private setActive(control: string): void {
    this.active = control;
    this.host.requestUpdate();
  }

  private readonly onHide = () => this.end();
  private readonly onVisibility = () => {
    if (document.visibilityState === 'hidden') this.end();
  };
}
