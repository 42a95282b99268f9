/**
 * Where files live: `<root>/<camera>/<YYYY-MM-DD>/<time>_<mode>_<profile>.mp4` (UTC day), with a
 * `.json` sidecar (the index record) and, once asked for, a `.jpg` thumbnail. A file being written
 * is `<name>.mp4.partial`; only finished or repaired `.mp4` files are ever listed.
 * Ids are a hash of the relative name: opaque, stable across restarts, never a path.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { RecordingMode, RecordingTrigger } from '../../contracts/recording.js';
import type { ProfileName } from '../../contracts/stream-key.js';

/**
 * Recordings are private to Lookout's user and its group (HA's media browser runs as root; a
 * shared group can be given read access): 0640 files in 0750 folders, whatever the umask allows.
 */
export const RECORDING_FILE_MODE = 0o640;
export const RECORDING_DIR_MODE = 0o750;

export const PARTIAL = '.partial';

/** The sidecar: written when a file opens (complete false) and rewritten when it is finalised. */
export interface Sidecar {
  camera: string;
  profile: ProfileName;
  mode: RecordingMode;
  trigger: RecordingTrigger;
  /** Clip (session) id, shared by every file of one clip. */
  clip: string;
  startMs: number;
  durationS: number;
  size: number;
  complete: boolean;
  repaired: boolean;
  /**
   * The file's media timeline starts at zero and its header has its duration (written so since the
   * recorder rebases fragments; older files are rewritten once by the store's migration).
   */
  zeroBased?: boolean;
  /** Decode time (s) of the first fragment on the stream's own timeline: files of one FFmpeg run abut. */
  sourceStartS?: number | null;
  /** Wall clock (ms) of the event that opened the clip (motion), for the review marker; else absent. */
  eventMs?: number | null;
  /** Retention never deletes a kept file (set through the API). */
  kept?: boolean;
  /** MSE type with codecs, from the init segment. */
  mimeType?: string;
}

export function dayFolder(root: string, camera: string, startMs: number): string {
  return join(root, camera, new Date(startMs).toISOString().slice(0, 10));
}

/** File base name (no extension), unique per camera and start time to the millisecond. */
export function baseName(startMs: number, mode: RecordingMode, profile: ProfileName): string {
  const t = new Date(startMs).toISOString().slice(11, 23).replace(/:/g, '').replace('.', '-');
  return `${t}_${mode}_${profile}`;
}

export function recordingId(relBase: string): string {
  return createHash('sha256').update(relBase).digest('base64url').slice(0, 22);
}

/** Ids look like this; anything else is rejected before a lookup. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;
