/**
 * Lookout's retained state on MQTT: each stream's state (coalesced, refreshed for fps/bitrate),
 * each camera's availability, motion (any kind and per kind), recording and preset names. It
 * remembers the last known value of each so a reconnect re-publishes them all.
 */
import type { ResolvedCamera } from '../../contracts/config.js';
import type { MotionEvent, MotionKind, MotionState } from '../../contracts/events.js';
import {
  OFF,
  OFFLINE,
  ON,
  ONLINE,
  type MotionEventPayload,
  type MqttTopics,
  type StreamStatePayload,
} from '../../contracts/mqtt.js';
import type { RecordingEvent } from '../../contracts/recording.js';
import type { ProfileName } from '../../contracts/stream-key.js';
import type { StreamStatus } from '../../contracts/stream-state.js';
import type { Logger } from '../../lib/log.js';
import type { Redactor } from '../../lib/redact.js';
import { CameraKinds } from './camera-kinds.js';
import type { MqttConnection } from './connection.js';
import { detectionKinds } from './discovery.js';
import type { CameraPictures } from './pictures.js';
import type { MotionFeed, PtzService, RecordingService, StreamHost } from './ports.js';

export interface StatePublisherOptions {
  conn: MqttConnection;
  topics: MqttTopics;
  host: StreamHost;
  log: Logger;
  redactor: Redactor;
  ptz?: PtzService | undefined;
  motion?: MotionFeed | undefined;
  recordings?: RecordingService | undefined;
  pictures: CameraPictures | null;
  /** State topics are coalesced over this window (default 500 ms). */
  stateThrottleMs?: number | undefined;
  /** fps/bitrate/viewers refresh (default 10 s). */
  refreshMs?: number | undefined;
  restreamUrl?: ((camera: string, profile: ProfileName) => string | null) | undefined;
  /** A camera's entities changed (new preset names, a new detection kind): re-announce it. */
  rediscover: (cam: ResolvedCamera) => void;
}

export class StatePublisher {
  private readonly activeMotion = new Map<string, Set<string>>();
  private readonly recording = new Map<string, boolean>();
  private readonly presetNames = new Map<string, string[]>();
  /** Detection kinds per camera (person, vehicle, …) and their last ON/OFF: one binary_sensor each. */
  readonly kinds = new CameraKinds();
  private flushTimer: NodeJS.Timeout | null = null;
  private refreshTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly o: StatePublisherOptions) {}

  start(): void {
    this.o.host.on('state', this.onStreamState);
    this.o.motion?.on('state', this.onMotionState);
    this.o.motion?.on('motion', this.onMotionEvent);
    this.o.recordings?.on('recording', this.onRecording);
    this.refreshTimer = setInterval(() => this.flush(), this.o.refreshMs ?? 10_000);
    this.refreshTimer.unref();
  }

  stop(): void {
    this.stopped = true;
    this.o.host.off('state', this.onStreamState);
    this.o.motion?.off('state', this.onMotionState);
    this.o.motion?.off('motion', this.onMotionEvent);
    this.o.recordings?.off('recording', this.onRecording);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.refreshTimer) clearInterval(this.refreshTimer);
  }

  presets(camera: string): string[] | null {
    return this.presetNames.get(camera) ?? null;
  }

  /** Just connected: ask the cameras what only they know (presets, declared motion kinds). */
  askCameras(): void {
    for (const cam of this.o.host.cameras()) {
      if (cam.capabilities.presets && !this.presetNames.has(cam.id)) this.refreshPresets(cam.id);
      if (cam.capabilities.motionEvents) this.refreshKinds(cam.id);
    }
  }

  /** Everything remembered, for a fresh connection (the retained memory was cleared). */
  publishAll(): void {
    for (const cam of this.o.host.cameras()) this.publishCameraExtras(cam.id);
    this.flush();
  }

  /** A removed camera's topics were cleared: forget its state. */
  forget(camera: string): void {
    this.activeMotion.delete(camera);
    this.kinds.forget(camera);
    this.recording.delete(camera);
  }

  /** Updates the preset names a camera's select offers (re-announces its discovery). */
  setPresets(camera: string, names: string[]): void {
    this.presetNames.set(camera, [...names]);
    this.o.conn.retain(this.o.topics.presets(camera), JSON.stringify(names));
    const cam = this.o.host.cameras().find((c) => c.id === camera);
    if (cam) this.o.rediscover(cam);
  }

  /** Asks the camera for its presets (in the background: ONVIF may be slow or down). */
  refreshPresets(camera: string): void {
    if (!this.o.ptz) return;
    let handle;
    try {
      handle = this.o.ptz.ptz(camera);
    } catch {
      return;
    }
    handle.presets().then(
      (list) => {
        if (!this.stopped)
          this.setPresets(
            camera,
            list.map((p) => p.name),
          );
      },
      (err: unknown) =>
        this.o.log.debug(
          { camera, err: this.o.redactor.redact(String(err)) },
          'could not read presets for the HA select',
        ),
    );
  }

  /** Retained state topics for every stream and every camera's availability; only changes are sent. */
  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const { conn, topics } = this.o;
    if (!conn.connected) return;
    const byCamera = new Map<string, StreamStatus[]>();
    for (const st of this.o.host.statuses()) {
      const list = byCamera.get(st.camera) ?? [];
      list.push(st);
      byCamera.set(st.camera, list);
      const profile = st.profile as ProfileName;
      conn.retain(
        topics.streamState(st.camera, profile),
        JSON.stringify(statePayload(st, this.o.restreamUrl?.(st.camera, profile) ?? null)),
      );
    }
    for (const cam of this.o.host.cameras()) {
      const streams = byCamera.get(cam.id) ?? [];
      const up = cam.enabled && streams.length > 0 && streams.some((s) => s.state !== 'failed');
      conn.retain(topics.cameraStatus(cam.id), up ? ONLINE : OFFLINE);
    }
  }

  scheduleFlush(): void {
    this.flushTimer ??= setTimeout(() => this.flush(), this.o.stateThrottleMs ?? 500);
  }

  /** The recorder emits no event for a clip it discards (stopped before any media): commands use this. */
  readonly onRecording = (ev: Pick<RecordingEvent, 'type' | 'camera'>) => {
    const on = ev.type === 'started';
    this.recording.set(ev.camera, on);
    this.o.conn.retain(this.o.topics.recording(ev.camera), on ? ON : OFF);
  };

  private publishCameraExtras(camera: string): void {
    const { conn, topics } = this.o;
    if (this.o.recordings) {
      if (!this.recording.has(camera)) {
        try {
          this.recording.set(camera, this.o.recordings.recorder(camera).state().recording);
        } catch {
          // A camera that cannot record has no recorder; its switch simply stays off.
          this.recording.set(camera, false);
        }
      }
      conn.retain(topics.recording(camera), this.recording.get(camera) ? ON : OFF);
    }
    const motion = this.activeMotion.get(camera);
    if (motion) conn.retain(topics.motion(camera), motion.size > 0 ? ON : OFF);
    for (const [kind, active] of this.kinds.statesOf(camera)) this.retainKind(camera, kind, active);
    const presets = this.presetNames.get(camera);
    if (presets) conn.retain(topics.presets(camera), JSON.stringify(presets));
  }

  private readonly onStreamState = () => this.scheduleFlush();

  private readonly onMotionState = (s: MotionState) => {
    // Unknown (event feed down) is not "no motion": keep the last published state.
    if (s.state === 'unknown') return;
    const set = this.activeMotion.get(s.camera) ?? new Set<string>();
    if (s.state === 'active') set.add(s.kind);
    else set.delete(s.kind);
    this.activeMotion.set(s.camera, set);
    this.o.conn.retain(this.o.topics.motion(s.camera), set.size > 0 ? ON : OFF);
    this.noteKind(s.camera, s.kind, s.state === 'active');
    // The event feed delivers, so the camera answers: ask for its declared kinds if still unknown.
    this.refreshKinds(s.camera);
  };

  private readonly onMotionEvent = (ev: MotionEvent) => {
    const payload: MotionEventPayload = { kind: ev.kind, active: ev.active, at: ev.at, source: ev.source };
    this.o.conn.publish(this.o.topics.motionEvent(ev.camera), JSON.stringify(payload), false);
    this.o.pictures?.onMotion(ev);
    this.noteKind(ev.camera, ev.kind, ev.active);
  };

  /**
   * A kind's known state (never called for unknown). The first state or event of a kind the camera
   * did not declare adds its entity: discovery for that camera is re-published before the state.
   */
  private noteKind(camera: string, kind: MotionKind, active: boolean): void {
    const cam = this.o.host.cameras().find((c) => c.id === camera);
    if (!cam) return; // a late event of a removed camera must not re-create its topics
    if (detectionKinds(this.kinds.add(camera, [kind])).length > 0) this.o.rediscover(cam);
    this.kinds.setState(camera, kind, active);
    this.retainKind(camera, kind, active);
  }

  /** Plain `motion` has no topic of its own: `<base>/<cam>/motion` (any kind) covers it. */
  private retainKind(camera: string, kind: MotionKind, active: boolean): void {
    if (kind !== 'motion') this.o.conn.retain(this.o.topics.motionKind(camera, kind), active ? ON : OFF);
  }

  /** Asks the camera which kinds it declares (in the background: ONVIF may be slow or down). */
  private refreshKinds(camera: string): void {
    const feed = this.o.motion;
    if (!feed?.eventKinds || !this.kinds.shouldAsk(camera)) return;
    this.kinds.asking(camera);
    feed.eventKinds(camera).then(
      (list) => {
        this.kinds.answered(camera, list !== null);
        const cam = this.o.host.cameras().find((c) => c.id === camera);
        if (this.stopped || !cam || !list) return;
        if (detectionKinds(this.kinds.add(camera, list)).length > 0) this.o.rediscover(cam);
      },
      (err: unknown) => {
        this.kinds.answered(camera, false);
        this.o.log.debug(
          { camera, err: this.o.redactor.redact(String(err)) },
          'could not read the camera’s event properties',
        );
      },
    );
  }
}

function statePayload(st: StreamStatus, restream: string | null): StreamStatePayload {
  const live = st.state === 'live';
  return {
    ...(restream ? { rtsp_restream: restream } : {}),
    state: st.state,
    reason: st.reason,
    since: st.since,
    fps: live ? Math.round((st.media.fps ?? st.progress.fps) * 10) / 10 : 0,
    bitrateKbps: live ? Math.round(st.progress.bitrateKbps) : 0,
    viewers: st.leases.filter((l) => l.kind === 'viewer').length,
    leases: st.leases.length,
    startLatencyMs: st.startLatencyMs,
  };
}
