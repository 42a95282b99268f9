/**
 * What the MQTT service needs from the rest of Lookout, kept narrow so it can be wired to the real
 * services (CameraControl, RecordingService, SnapshotService) or left out: a missing port answers
 * `{ok:false, error:{code:'unavailable'}}` instead of failing the whole interface.
 */
import type { ResolvedCamera, ResolvedConfig } from '../../contracts/config.js';
import type { MotionEvent, MotionKind, MotionState } from '../../contracts/events.js';
import type { RecordingEvent } from '../../contracts/recording.js';
import type { StreamKey } from '../../contracts/stream-key.js';
import type { StreamState, StreamStateEvent, StreamStatus } from '../../contracts/stream-state.js';

/** The supervisor, as MQTT sees it. */
export interface StreamHost {
  readonly currentConfig: ResolvedConfig;
  cameras(): ResolvedCamera[];
  statuses(): StreamStatus[];
  acquireLease(
    key: StreamKey,
    req: { kind: 'api'; ttlMs?: number; holder?: string | null; client: string },
  ): { lease: { id: string; expiresAt: number }; status: { state: StreamState } };
  renewLease(id: string, ttlMs?: number): { id: string; expiresAt: number };
  releaseLease(id: string): unknown;
  on(event: 'state', l: (ev: StreamStateEvent) => void): unknown;
  on(event: 'config', l: () => void): unknown;
  off(event: 'state', l: (ev: StreamStateEvent) => void): unknown;
  off(event: 'config', l: () => void): unknown;
}

export interface PtzHandle {
  move(v: { pan: number; tilt: number; zoom: number }, timeoutMs?: number): Promise<{ stopsInMs: number }>;
  stop(): Promise<void>;
  home(): Promise<void>;
  gotoPreset(name: string): Promise<unknown>;
  savePreset(name: string): Promise<{ created: boolean }>;
  removePreset(name: string): Promise<void>;
  presets(): Promise<{ name: string }[]>;
}

/** PTZ/presets and camera motion: CameraControl fits as is. */
export interface PtzService {
  ptz(camera: string): PtzHandle;
}

export interface MotionFeed {
  /** Kinds the camera declares (ONVIF GetEventProperties); null: not known this way. */
  eventKinds?(camera: string): Promise<readonly MotionKind[] | null>;
  on(event: 'motion', l: (ev: MotionEvent) => void): unknown;
  on(event: 'state', l: (s: MotionState) => void): unknown;
  off(event: 'motion', l: (ev: MotionEvent) => void): unknown;
  off(event: 'state', l: (s: MotionState) => void): unknown;
}

export interface RecorderHandle {
  startManual(durationS?: number): { recording: boolean };
  stopManual(): Promise<{ recording: boolean }>;
  state(): { recording: boolean };
}

/** RecordingService fits as is. */
export interface RecordingService {
  recorder(camera: string): RecorderHandle;
  on(event: 'recording', l: (ev: RecordingEvent) => void): unknown;
  off(event: 'recording', l: (ev: RecordingEvent) => void): unknown;
}

/** SnapshotService fits as is. */
export interface SnapshotService {
  get(key: StreamKey): Promise<{ jpeg: Buffer; frameAt: number }>;
}
