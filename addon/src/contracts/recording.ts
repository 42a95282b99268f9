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
}
