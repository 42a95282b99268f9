/**
 * Which files to delete, as a pure function of the index, the clock and the free space, so the
 * order is testable without filling a disk. Order (documented in README.md):
 *   1. age: each file older than its camera's retention for its mode;
 *   2. per-camera byte budget, then the global one: continuous first, then motion, then manual,
 *      oldest first within each;
 *   3. free-space floor (statfs): oldest continuous first, then motion clips. Manual recordings
 *      are never deleted for space: someone asked for them.
 * A kept file (marked through the API) is never deleted; it still counts towards the budgets.
 */
import type { RecordingMode } from '../../contracts/recording.js';

export interface RetainedFile {
  id: string;
  camera: string;
  mode: RecordingMode;
  startMs: number;
  endMs: number;
  size: number;
  kept?: boolean;
}

export interface RetentionPolicy {
  nowMs: number;
  retentionMs: (camera: string, mode: RecordingMode) => number | null;
  cameraMaxBytes: (camera: string) => number | null;
  maxBytes: number | null;
  /** Free bytes on the root's file system, or null if unknown. */
  freeBytes: number | null;
  minFreeBytes: number;
}

export interface Deletion {
  id: string;
  reason: string;
}

const BUDGET_ORDER: Record<RecordingMode, number> = { continuous: 0, motion: 1, manual: 2 };

export function planRetention(files: readonly RetainedFile[], p: RetentionPolicy): Deletion[] {
  const out: Deletion[] = [];
  const gone = new Set<string>();
  const drop = (f: RetainedFile, reason: string) => {
    gone.add(f.id);
    out.push({ id: f.id, reason });
  };
  for (const f of files) {
    if (f.kept) continue;
    const limit = p.retentionMs(f.camera, f.mode);
    if (limit !== null && p.nowMs - f.endMs > limit)
      drop(f, `older than ${Math.round(limit / 1000)}s (${f.mode})`);
  }
  const byBudget = (list: RetainedFile[]) =>
    [...list].sort((a, b) => BUDGET_ORDER[a.mode] - BUDGET_ORDER[b.mode] || a.startMs - b.startMs);
  const live = () => files.filter((f) => !gone.has(f.id));
  const trim = (list: RetainedFile[], max: number, what: string) => {
    let total = list.reduce((n, f) => n + f.size, 0);
    for (const f of byBudget(list.filter((x) => !x.kept))) {
      if (total <= max) break;
      total -= f.size;
      drop(f, `${what} over ${max} bytes`);
    }
  };
  for (const camera of new Set(files.map((f) => f.camera))) {
    const max = p.cameraMaxBytes(camera);
    if (max !== null)
      trim(
        live().filter((f) => f.camera === camera),
        max,
        `camera ${camera} budget`,
      );
  }
  if (p.maxBytes !== null) trim(live(), p.maxBytes, 'total budget');
  if (p.freeBytes !== null && p.freeBytes < p.minFreeBytes) {
    let need = p.minFreeBytes - p.freeBytes;
    const candidates = byBudget(live().filter((f) => f.mode !== 'manual' && !f.kept));
    for (const f of candidates) {
      if (need <= 0) break;
      need -= f.size;
      drop(f, `free space under ${p.minFreeBytes} bytes`);
    }
  }
  return out;
}
