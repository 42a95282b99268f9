/**
 * CameraControl: the per-camera service object behind PTZ, presets and camera events. Per camera it
 * owns one ONVIF session (control/onvif/, shared by PTZ and the event feed, created lazily), its PTZ
 * controller (control/ptz/, with the vendor's HTTP API as fallback from vendors/), and its motion
 * source (control/events/: a PullPoint feed, or pixel motion). Emits normalised MotionEvents for the
 * recorder, MQTT and the API.
 */
import { EventEmitter } from 'node:events';
import type { ResolvedCamera, ResolvedConfig } from '../contracts/config.js';
import { diffMaps, type Slice } from '../lib/diff.js';
import type {
  EventFeedStatus,
  EventsAnswer,
  MotionEvent,
  MotionKind,
  MotionState,
} from '../contracts/events.js';
import type { Logger } from '../lib/log.js';
import type { MaskRect } from './events/pixel/frame-diff.js';
import { PixelMotionDetector, type PixelMotionHost } from './events/pixel/pixel-motion.js';
import { areaThresholdFor, motionSourceFor } from './events/sources.js';
import { PROFILE_NAMES, streamKey } from '../contracts/stream-key.js';
import { VENDOR_REGISTRY } from '../vendors/registry.js';
import { vendorEndpoint, type VendorPtz } from '../vendors/types.js';
import { kindsFromEventProperties } from './onvif/event-kinds.js';
import { MotionTracker } from './events/motion-state.js';
import { PtzController, type PtzOptions } from './ptz/controller.js';
import { PullPointFeed } from './onvif/pullpoint.js';
import { OnvifSession } from './onvif/session.js';
import { parseNotification } from './onvif/topics.js';

/** Where cameras come from: the Supervisor (its current config), or anything shaped like it. */
export interface CameraSource {
  cameras(): ResolvedCamera[];
  camera(id: string): ResolvedCamera;
  on?(event: 'config', listener: () => void): unknown;
  off?(event: 'config', listener: () => void): unknown;
}

export interface CameraControlOptions {
  cameras: CameraSource;
  log: Logger;
  ptz?: PtzOptions;
  // TODO(config): motion.off_delay, ptz.safety_stop and the ONVIF timeout as config keys.
  /** Default 5 s. */
  offDelayMs?: number;
  /** ONVIF request timeout. Default 5 s. */
  timeoutMs?: number;
  reconnectInitialMs?: number;
  reconnectMaxMs?: number;
  feedBackoffInitialMs?: number;
  feedBackoffMaxMs?: number;
  /**
   * Pixel-motion fallback (decodes the sub stream), for cameras whose `motion.source` resolves to
   * pixel (see control/events/sources.ts). Without this option no camera gets pixel motion.
   */
  pixelMotion?: {
    host: PixelMotionHost;
    /** Whether the camera records on motion: with `motion.source: auto` that is what enables pixel motion. */
    recordsOnMotion: (camera: ResolvedCamera) => boolean;
    ffmpegPath?: string;
    masks?: readonly MaskRect[];
    fps?: number;
  };
}

type ControlEvents = {
  motion: [MotionEvent];
  state: [MotionState];
  feed: [EventFeedStatus];
};

interface Entry {
  camera: ResolvedCamera;
  session: OnvifSession | null;
  ptz: PtzController;
  feed: PullPointFeed | null;
  pixel: PixelMotionDetector | null;
  tracker: MotionTracker | null;
  status: EventFeedStatus | null;
}

export class CameraControl extends EventEmitter<ControlEvents> {
  private readonly entries = new Map<string, Entry>();
  private readonly log: Logger;
  private started = false;
  private readonly onConfig = () => void this.reconcile();

  constructor(private readonly o: CameraControlOptions) {
    super();
    // Many consumers (SSE clients, MQTT, recorder) listen at once.
    this.setMaxListeners(0);
    this.log = o.log.child({ component: 'camera-control' });
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.o.cameras.on?.('config', this.onConfig);
    for (const cam of this.o.cameras.cameras()) if (cam.enabled) this.entry(cam);
  }

  async stop(): Promise<void> {
    this.started = false;
    this.o.cameras.off?.('config', this.onConfig);
    await Promise.all([...this.entries.keys()].map((id) => this.remove(id)));
  }

  /** PTZ for a camera; 404 for an unknown id (the controller itself answers 409 for "no PTZ"). */
  ptz(id: string): PtzController {
    return this.entry(this.o.cameras.camera(id)).ptz;
  }

  /** The feed's subscription count so far (diagnostics). */
  feedStats(id: string): { created: number } | null {
    const feed = this.entries.get(id)?.feed;
    return feed ? { created: feed.created } : null;
  }

  /**
   * The detection kinds the camera declares in its event properties (GetEventProperties), so MQTT
   * discovery can offer a person sensor before the first person walks by. null when the camera has
   * no ONVIF event feed here; rejects when the camera cannot be asked right now.
   */
  async eventKinds(id: string): Promise<MotionKind[] | null> {
    const e = this.entries.get(id);
    if (!e?.session || !e.feed) return null;
    return kindsFromEventProperties(await e.session.call<unknown>('getEventProperties'));
  }

  events(): EventsAnswer {
    const entries = [...this.entries.values()];
    return {
      feeds: entries.flatMap((e) => (e.status ? [e.status] : [])),
      states: entries.flatMap((e) => e.tracker?.states() ?? []),
    };
  }

  /** Adds, rebuilds or removes entries after a config change (only cameras whose CONTROL_SLICE changed). */
  private async reconcile(): Promise<void> {
    const wanted = new Map(this.o.cameras.cameras().map((c) => [c.id, c]));
    const built = new Map([...this.entries].map(([id, e]) => [id, controlSlice(e.camera)]));
    const d = diffMaps(built, controlItems([...wanted.values()]));
    await Promise.all([...d.removed, ...d.changed].map((id) => this.remove(id)));
    if (!this.started) return;
    for (const cam of wanted.values()) if (cam.enabled) this.entry(cam);
  }

  private entry(camera: ResolvedCamera): Entry {
    const existing = this.entries.get(camera.id);
    if (existing) return existing;
    const session = camera.onvif
      ? new OnvifSession({
          camera: camera.id,
          endpoint: camera.onvif,
          timeoutMs: this.o.timeoutMs,
          reconnectInitialMs: this.o.reconnectInitialMs,
          reconnectMaxMs: this.o.reconnectMaxMs,
        })
      : null;
    const e: Entry = {
      camera,
      session,
      ptz: new PtzController(camera, session, this.o.ptz, session ? null : vendorPtzFor(camera)),
      feed: null,
      pixel: null,
      tracker: null,
      status: null,
    };
    this.entries.set(camera.id, e);
    if (camera.enabled && this.started) {
      const source = motionSourceFor(camera, this.o.pixelMotion?.recordsOnMotion(camera) ?? false);
      if (source === 'onvif' && session) this.startFeed(e, session);
      else if (source === 'pixel') this.startPixel(e);
    }
    return e;
  }

  /** A tracker and a status setter for one camera's event source. */
  private tracking(e: Entry, source: 'onvif' | 'pixel') {
    const id = e.camera.id;
    const tracker = new MotionTracker({
      camera: id,
      source,
      offDelayMs: this.o.offDelayMs ?? 5000,
      initialKinds: ['motion'],
      onEvent: (ev) => this.emit('motion', ev),
      onState: (s) => this.emit('state', s),
    });
    const setStatus = (state: EventFeedStatus['state'], reason: string | null) => {
      if (e.status?.state === state && e.status.reason === reason) return;
      e.status = { camera: id, state, reason, since: new Date().toISOString() };
      this.emit('feed', e.status);
    };
    setStatus('connecting', null);
    e.tracker = tracker;
    return { id, tracker, setStatus };
  }

  private startPixel(e: Entry): void {
    const px = this.o.pixelMotion;
    if (!px) return;
    const { id, tracker, setStatus } = this.tracking(e, 'pixel');
    e.pixel = new PixelMotionDetector({
      key: streamKey(id, e.camera.profiles.sub ? 'sub' : 'main'),
      host: px.host,
      ffmpegPath: px.ffmpegPath,
      masks: [...(px.masks ?? []), ...e.camera.motion.masks],
      areaThreshold: areaThresholdFor(e.camera.motion.sensitivity),
      fps: px.fps,
      onMotion: (active) => tracker.apply({ kind: 'motion', key: 'pixel', active, operation: 'Changed' }),
      onHealth: (ok, reason) => {
        if (ok) tracker.markUp(false);
        else tracker.markDown();
        setStatus(ok ? 'subscribed' : 'down', ok ? null : reason);
      },
    });
    e.pixel.start();
  }

  private startFeed(e: Entry, session: OnvifSession): void {
    const { id, tracker, setStatus } = this.tracking(e, 'onvif');
    e.feed = new PullPointFeed(session, {
      backoffInitialMs: this.o.feedBackoffInitialMs,
      backoffMaxMs: this.o.feedBackoffMaxMs,
      onUp: (fresh) => {
        tracker.markUp(fresh);
        setStatus('subscribed', null);
      },
      onDown: (reason) => {
        tracker.markDown();
        if (e.status?.state !== 'down')
          this.log.warn({ camera: id, reason }, 'camera event subscription down; retrying');
        setStatus('down', reason);
      },
      onMessages: (messages) => {
        for (const m of messages) {
          const d = parseNotification(m);
          if (d) tracker.apply(d);
        }
      },
    });
    e.feed.start();
  }

  private async remove(id: string): Promise<void> {
    const e = this.entries.get(id);
    if (!e) return;
    this.entries.delete(id);
    await Promise.allSettled([e.ptz.close(), e.feed?.stop(), e.pixel?.stop()]);
    e.tracker?.markDown();
    e.tracker?.close();
    if (e.status) this.emit('feed', { ...e.status, state: 'stopped', since: new Date().toISOString() });
    e.session?.close();
  }
}

/**
 * What camera control is built from (lib/diff.ts), per camera: the whole resolved camera except
 * what only other subsystems read (display name, UI flag, snapshot URL, and of the profiles only which
 * exist: pixel motion picks sub or main). A field added to ResolvedCamera is in the slice unless
 * excluded here, so a reload never silently ignores it.
 */
export function controlSlice(camera: ResolvedCamera) {
  const { name: _name, hidden: _hidden, snapshotUrl: _snapshotUrl, profiles, ...rest } = camera;
  return { ...rest, profiles: PROFILE_NAMES.filter((p) => profiles[p] !== undefined) };
}

const controlItems = (cameras: readonly ResolvedCamera[]) =>
  new Map(cameras.map((c) => [c.id, controlSlice(c)]));

export const CONTROL_SLICE: Slice<ResolvedConfig, ReturnType<typeof controlSlice>> = (cfg) =>
  controlItems(cfg.cameras);

/** PTZ over the vendor's HTTP API (vendors/<brand>/), used only when no ONVIF endpoint is configured. */
function vendorPtzFor(camera: ResolvedCamera): VendorPtz | null {
  const factory = VENDOR_REGISTRY[camera.vendor].ptz;
  const endpoint = vendorEndpoint(camera);
  return factory && endpoint ? factory(endpoint) : null;
}
