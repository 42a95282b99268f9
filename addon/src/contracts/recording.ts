/**
 * Recording contracts: the resolved recording config, index entries, recorder state and the
 * `recording` events (started/finished) that MQTT and Node-RED will forward. Pure: no Node imports.
 */
import type { ProfileName } from './stream-key.js';

export const RECORDING_MODES = ['motion', 'manual', 'continuous'] as const;
export type RecordingMode = (typeof RECORDING_MODES)[number];

/** Why a file was recorded: the motion kind that triggered it, 'manual' or 'continuous'. */
export type RecordingTrigger = string;

export interface CameraRecordingSettings {
  mode: RecordingMode;
  profile: ProfileName;
  preRollMs: number;
  postRollMs: number;
  /** Motion event kinds that start/extend a clip (e.g. motion, person). */
  triggers: string[];
  /** Files are cut at the first keyframe after this much media. */
  segmentLengthMs: number;
  /** Age after which a file of that mode is deleted; null keeps it (until the byte budgets need room). */
  retentionMs: Record<RecordingMode, number | null>;
  /** This camera's byte budget; null: only the global one applies. */
  maxBytes: number | null;
  /** Periodic stills (timelapse): one JPEG every intervalMs (null: off), kept retentionMs. */
  stills: { intervalMs: number | null; retentionMs: number };
}

/** One periodic still in the index. */
export interface StillEntry {
  /** Opaque id `<camera>.<epoch ms>`: never a path. */
  id: string;
  camera: string;
  /** ISO time the frame was captured (the keyframe's arrival). */
  at: string;
  size: number;
}

export interface RecordingSettings {
  /** Folder holding `<camera>/<YYYY-MM-DD>/` (default `<dataDir>/recordings`). */
  root: string;
  /** Byte budget for everything under root; null: none. */
  maxBytes: number | null;
  /** Free-space floor of the root's file system (statfs). */
  minFreeBytes: number;
  /** By camera id; cameras without a `recording` block get the global defaults. */
  cameras: Record<string, CameraRecordingSettings>;
  defaults: CameraRecordingSettings;
}

/** One finished (or repaired) file in the index, as the API returns it. */
export interface RecordingEntry {
  /** Opaque id: never a path. */
  id: string;
  camera: string;
  profile: ProfileName;
  mode: RecordingMode;
  trigger: RecordingTrigger;
  /** ISO time of the first frame. */
  start: string;
  durationS: number;
  size: number;
  /** True when this file was recovered from a crash (truncated to its last complete fragment). */
  repaired: boolean;
  /** Clip (session) id shared by every file of one motion/manual clip or continuous run. */
  clip: string;
  /** ISO time of the event that opened the clip (motion clips), else null. */
  eventAt: string | null;
  /** Kept: retention never deletes it. */
  kept: boolean;
  /** MSE type of the file (`video/mp4; codecs="avc1.64001f,mp4a.40.2"`), when known. */
  mimeType: string | null;
  /** Still being written (listed with `recording=1`): served up to its last synced fragment. */
  inProgress?: boolean;
}

/**
 * One row of the review list: a motion or manual clip (all its files), or one file of a continuous
 * recording. Newest first, paged with `next` (GET /api/recordings/events).
 */
export interface ReviewEvent {
  /** Id of the clip's first file (thumbnail, snapshot, keep and delete act through it). */
  id: string;
  clip: string;
  camera: string;
  mode: RecordingMode;
  /** motion / person / vehicle ..., 'manual' or 'continuous'. */
  kind: RecordingTrigger;
  /** ISO time of the first frame (pre-roll included). */
  start: string;
  durationS: number;
  /** ISO time of the event (motion) or null; the player marks it. */
  eventAt: string | null;
  kept: boolean;
  /** The clip's files, oldest first, each playable at `recordings/<id>` (each starts at zero). */
  files: Array<{ id: string; start: string; durationS: number; mimeType: string | null }>;
  /** Relative URL of the JPEG at the event's start (MQTT/HA "last motion" uses the same). */
  snapshot: string;
}

/** A page of a list, newest first; `next` is an opaque cursor for the following page, null at the end. */
export interface Page<T> {
  items: T[];
  next: string | null;
}

export const EXPORT_STATES = ['running', 'done', 'failed', 'cancelled'] as const;
export type ExportState = (typeof EXPORT_STATES)[number];

/** An export job (POST /api/exports): a span joined into one MP4 without re-encoding. */
export interface ExportJob {
  id: string;
  camera: string;
  /** The span asked for (ISO); the file starts at the keyframe at or before `from`. */
  from: string;
  to: string;
  state: ExportState;
  /** 0..1 (bytes of source fragments read / bytes to read). */
  progress: number;
  files: number;
  bytes: number;
  durationS: number;
  error: string | null;
  /** Relative URL of the finished MP4 (state done), else null. */
  download: string | null;
}

export interface RecorderState {
  camera: string;
  profile: ProfileName;
  /** Configured mode, or the runtime override. */
  mode: RecordingMode;
  modeOverridden: boolean;
  recording: boolean;
  /** Current clip: trigger, start (ISO), ends (ISO, when a post-roll or a manual duration ends it). */
  current: {
    trigger: RecordingTrigger;
    start: string | null;
    endsAt: string | null;
    /** Media seconds in the file being written now (fsync'd: what a crash would keep, ± one part). */
    fileDurationS: number;
  } | null;
  activeEvents: string[];
  counters: { filesFinished: number; bytesWritten: number; writeErrors: number; partsDropped: number };
  /** Last write/open error (e.g. read-only or full disk), null when the last write succeeded. */
  error: string | null;
}

/** Emitted on the recording service's EventEmitter as 'recording'. */
export interface RecordingEvent {
  type: 'started' | 'finished';
  camera: string;
  profile: ProfileName;
  /** Recording id; for 'started' the id the file will have once finished. */
  id: string;
  /** Index id of the finished file (absent on 'started'). */
  file?: string;
  durationS: number;
  trigger: RecordingTrigger;
  /** Relative URL of the finished file's snapshot (at the event for motion clips); 'finished' only. */
  snapshot?: string;
}
