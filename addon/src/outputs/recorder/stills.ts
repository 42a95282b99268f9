/**
 * Periodic stills (timelapse): every `interval`, one JPEG of the camera's latest keyframe, taken
 * through the shared snapshot service (so it costs one decode, and an idle stream is started for a
 * moment with a short lease rather than kept running). Files live beside the recordings:
 * `<root>/<camera>/<YYYY-MM-DD>/still-<epoch ms>.jpg`, and are listed by scanning those folders —
 * the file name carries everything the index needs, so there is no sidecar to keep in sync.
 */
import { mkdir, readdir, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StillEntry } from '../../contracts/recording.js';
import { isCameraId, type StreamKey } from '../../contracts/stream-key.js';
import type { Logger } from '../../lib/log.js';
import { dayFolder, RECORDING_DIR_MODE, RECORDING_FILE_MODE } from './layout.js';

/** What stills need from the snapshot service. */
export interface StillSource {
  get(key: StreamKey): Promise<{ jpeg: Buffer; frameAt: number }>;
}

const FILE_RE = /^still-(\d{13})\.jpg$/;
const ID_RE = /^([a-z0-9][a-z0-9_-]{0,63})\.(\d{13})$/;

export function stillPath(root: string, camera: string, atMs: number): string {
  return join(dayFolder(root, camera, atMs), `still-${atMs}.jpg`);
}

/** Path of a still from its id, or null for anything that is not exactly `<camera>.<13 digits>`. */
export function stillPathFromId(root: string, id: string): string | null {
  const m = ID_RE.exec(id);
  return m ? stillPath(root, m[1]!, Number(m[2])) : null;
}

export async function listStills(
  root: string,
  q: { camera?: string; fromMs?: number; toMs?: number },
): Promise<StillEntry[]> {
  const cameras = q.camera ? [q.camera] : await readdir(root).catch(() => [] as string[]);
  const out: StillEntry[] = [];
  for (const camera of cameras.filter(isCameraId)) {
    const days = await readdir(join(root, camera)).catch(() => [] as string[]);
    for (const day of days.filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d))) {
      for (const name of await readdir(join(root, camera, day)).catch(() => [] as string[])) {
        const m = FILE_RE.exec(name);
        if (!m) continue;
        const at = Number(m[1]);
        if ((q.fromMs !== undefined && at < q.fromMs) || (q.toMs !== undefined && at > q.toMs)) continue;
        const size = (await stat(join(root, camera, day, name)).catch(() => null))?.size ?? 0;
        out.push({ id: `${camera}.${at}`, camera, at: new Date(at).toISOString(), size });
      }
    }
  }
  return out.sort((a, b) => a.at.localeCompare(b.at));
}

/** Deletes stills older than `retentionMs` for one camera; returns how many. */
export async function pruneStills(
  root: string,
  camera: string,
  retentionMs: number,
  nowMs: number,
  log: Logger,
): Promise<number> {
  let n = 0;
  for (const s of await listStills(root, { camera, toMs: nowMs - retentionMs })) {
    await unlink(stillPath(root, camera, Date.parse(s.at))).then(
      () => n++,
      () => undefined,
    );
  }
  if (n) log.info({ camera, deleted: n }, 'retention: deleted old stills');
  return n;
}

/** Takes one still every interval while started; a failed still is logged once per streak. */
export class StillsTaker {
  private timer: NodeJS.Timeout | null = null;
  private failing = false;
  private busy = false;
  private lastFrameAt = 0;
  taken = 0;

  constructor(
    private readonly o: {
      root: string;
      key: StreamKey;
      intervalMs: number;
      source: StillSource;
      log: Logger;
    },
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.takeOne(), this.o.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async takeOne(): Promise<string | null> {
    if (this.busy) return null; // never stack decodes when one is slow
    this.busy = true;
    try {
      const { jpeg, frameAt } = await this.o.source.get(this.o.key);
      // The same keyframe again (snapshot cache, or a GOP longer than the interval): nothing new to keep.
      if (frameAt === this.lastFrameAt) return null;
      this.lastFrameAt = frameAt;
      const path = stillPath(this.o.root, this.o.key.camera, Math.round(frameAt));
      await mkdir(dayFolder(this.o.root, this.o.key.camera, frameAt), {
        recursive: true,
        mode: RECORDING_DIR_MODE,
      });
      await writeFile(path, jpeg, { mode: RECORDING_FILE_MODE });
      this.taken += 1;
      this.failing = false;
      return path;
    } catch (err) {
      if (!this.failing)
        this.o.log.warn({ camera: this.o.key.camera, err: (err as Error).message }, 'periodic still failed');
      this.failing = true;
      return null;
    } finally {
      this.busy = false;
    }
  }
}
