/**
 * One PullPoint subscription per camera, driven by us rather than by the library's 'event' loop
 * (which renews after every pull with a fixed PT2M, stops for good after one creation fault and
 * can stack subscriptions): we never attach an 'event' listener, so that loop never starts.
 *
 *  - renew at `renewFraction` (80 %) of the granted lifetime, on a timer beside the long-poll;
 *  - a network error keeps the subscription and resumes pulling it (the camera buffers events),
 *    a fault drops it: unsubscribe the old one first, then create — never two at once;
 *  - retries back off (doubling, capped at 5 min by default) and reset once subscribed;
 *  - stop() unsubscribes (which also ends a pending long-poll on the camera).
 */
import type { Cam } from 'onvif';
import { Backoff } from './backoff.js';
import { CameraFault } from './errors.js';
import { invoke, type OnvifSession } from './session.js';

export interface FeedOptions {
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  renewFraction?: number;
  onMessages: (messages: unknown[], fresh: boolean) => void;
  /** `fresh`: a new subscription (a state dump follows); false: an existing one resumed. */
  onUp: (fresh: boolean) => void;
  onDown: (reason: string) => void;
}

interface Sub {
  /** The library's subscription object (what pullMessages/renew/unsubscribe read from cam.events). */
  ref: unknown;
  expiresAt: number;
}

/** When to renew: at `fraction` of the lifetime the camera granted (currentTime → terminationTime). */
export function renewDelayMs(currentTime: unknown, terminationTime: unknown, fraction = 0.8): number {
  const now = currentTime instanceof Date ? currentTime.getTime() : Date.parse(String(currentTime));
  const end =
    terminationTime instanceof Date ? terminationTime.getTime() : Date.parse(String(terminationTime));
  const ttl = Number.isFinite(now) && Number.isFinite(end) && end > now ? end - now : 60_000;
  return Math.max(1000, Math.floor(ttl * fraction));
}

export class PullPointFeed {
  private stopped = true;
  private sub: Sub | null = null;
  private renewTimer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private readonly backoff: Backoff;
  /** Subscriptions created so far (diagnostics, tests). */
  created = 0;

  constructor(
    private readonly session: OnvifSession,
    private readonly o: FeedOptions,
  ) {
    this.backoff = new Backoff(o.backoffInitialMs ?? 1000, o.backoffMaxMs ?? 300_000);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.clearRenew();
    this.wake?.();
    const cam = this.session.connected ? await this.session.ready().catch(() => null) : null;
    if (cam) await this.unsubscribe(cam);
    this.sub = null;
    // A camera that ignores Unsubscribe leaves our long-poll hanging for up to a minute: do not
    // hold shutdown for it (the loop exits when it returns; `stopped` makes it a no-op).
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.loop, new Promise((r) => (timer = setTimeout(r, 2000)))]);
    clearTimeout(timer);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let cam: Cam | null = null;
      try {
        cam = await this.session.ready();
        const fresh = !this.sub || Date.now() >= this.sub.expiresAt;
        if (fresh) await this.create(cam);
        else (cam.events as Record<string, unknown>).subscription = this.sub?.ref; // survives a reconnect
        // A new subscription is up at once (its state dump follows); a resumed one only once a
        // pull proves it still exists.
        if (fresh) this.o.onUp(true);
        await this.pullUntilError(cam, fresh);
      } catch (err) {
        if (this.stopped) break;
        const network = err instanceof CameraFault && err.kind === 'network';
        if (!network) {
          // The subscription is bad (unknown, expired, refused): drop it before making another.
          if (cam) await this.unsubscribe(cam);
          this.sub = null;
          this.clearRenew();
        }
        this.o.onDown(err instanceof Error ? err.message : String(err));
        await this.pause(this.backoff.next());
      }
    }
  }

  private async create(cam: Cam): Promise<void> {
    if (this.sub) await this.unsubscribe(cam); // never stack
    const res = await this.session.call<{ currentTime?: unknown; terminationTime?: unknown }>(
      'createPullPointSubscription',
    );
    const live = await this.session.ready();
    if (this.stopped) {
      await this.unsubscribe(live);
      throw new Error('stopped');
    }
    const ref = (live.events as Record<string, unknown>).subscription;
    const delay = renewDelayMs(res.currentTime, res.terminationTime, this.o.renewFraction);
    this.sub = { ref, expiresAt: Date.now() + delay / (this.o.renewFraction ?? 0.8) };
    this.created++;
    this.scheduleRenew(delay);
  }

  private async pullUntilError(cam: Cam, fresh: boolean): Promise<void> {
    let first = fresh;
    let resumed = !fresh;
    while (!this.stopped) {
      const data = await this.session.call<{ notificationMessage?: unknown }>('pullMessages', () => [
        { messageLimit: 20 },
      ]);
      if (this.stopped) return;
      this.backoff.reset();
      if (resumed) this.o.onUp(false);
      resumed = false;
      const list = data?.notificationMessage;
      const messages = list === undefined ? [] : Array.isArray(list) ? list : [list];
      if (messages.length > 0 || first) this.o.onMessages(messages, first);
      first = false;
      // A reconnect inside session.call may have replaced the Cam: carry the subscription over.
      const live = await this.session.ready();
      if (live !== cam) {
        (live.events as Record<string, unknown>).subscription = this.sub?.ref;
        cam = live;
      }
    }
  }

  private scheduleRenew(delayMs: number): void {
    this.clearRenew();
    this.renewTimer = setTimeout(() => void this.renew(), delayMs);
    this.renewTimer.unref?.();
  }

  private async renew(): Promise<void> {
    this.renewTimer = null;
    if (this.stopped || !this.sub) return;
    try {
      const res = await this.session.call<{ currentTime?: unknown; terminationTime?: unknown }>(
        'renew',
        () => [{}],
      );
      if (!this.sub || this.stopped) return;
      const delay = renewDelayMs(res?.currentTime, res?.terminationTime, this.o.renewFraction);
      this.sub.expiresAt = Date.now() + delay / (this.o.renewFraction ?? 0.8);
      this.scheduleRenew(delay);
    } catch {
      // The pull will fail too if the subscription is gone; if not, try again soon.
      if (this.sub && !this.stopped) this.scheduleRenew(5000);
    }
  }

  private clearRenew(): void {
    if (this.renewTimer) clearTimeout(this.renewTimer);
    this.renewTimer = null;
  }

  /** Best effort: a camera that rebooted has forgotten it anyway. */
  private async unsubscribe(cam: Cam): Promise<void> {
    const events = cam.events as Record<string, unknown>;
    if (this.sub && !events.subscription) events.subscription = this.sub.ref;
    if (!events.subscription) return;
    // On success the library also removes 'event' listeners; we never attach any.
    await invoke(cam, 'unsubscribe', []).catch(() => undefined);
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }
}
