/**
 * One recording file being written: init first, then each fragment as it arrives, under
 * `<name>.mp4.partial`. Every fragment is written (to the page cache) before append() resolves, so a
 * crash of Lookout loses nothing written; fdatasync (what survives a power loss) runs at most once per
 * SYNC_INTERVAL_MS per file, so a power cut loses at most ~1 s. A sync per fragment (one per frame at
 * 15 fps) was the scale limit: with every camera recorded, 100 cameras asked for ~1500 fdatasyncs a
 * second through libuv's 4 file threads, the recorders' queues grew by the second and the process's
 * memory with them (bench:scale). `finish()` syncs, renames to `.mp4` and rewrites the sidecar as
 * complete: a file is either finished, or partial and repaired at the next start-up.
 * Fragments are retimed as they are written (lib/mp4/timeline.ts): the file starts at media time zero,
 * and finish() writes its duration into the header fields the prepared init reserved.
 */
import { mkdir, open, rename, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { FragmentInfo } from '../../lib/mp4/index.js';
import { durationPatches, prepareInit, Retimer, type PreparedInit } from '../../lib/mp4/index.js';
import {
  baseName,
  dayFolder,
  PARTIAL,
  RECORDING_DIR_MODE,
  RECORDING_FILE_MODE,
  type Sidecar,
} from './layout.js';

export async function writeSidecar(path: string, meta: Sidecar): Promise<void> {
  const tmp = `${path}.tmp`;
  const text = JSON.stringify(meta);
  try {
    await writeFile(tmp, text, { mode: RECORDING_FILE_MODE });
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    // Disk full: a new file needs a new block, but the sidecar being replaced already has one.
    // Overwrite it in place (not atomic, but the alternative is losing the salvaged recording).
    const fh = await open(path, 'r+');
    try {
      await fh.write(text, 0);
      await fh.truncate(Buffer.byteLength(text));
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
}

export interface FinishedFile {
  /** Absolute path of the `.mp4`. */
  path: string;
  /** Path relative to the root without extension (the id's source). */
  relBase: string;
  meta: Sidecar;
}

/** Longest time written media waits for fdatasync (the power-loss window). */
export const SYNC_INTERVAL_MS = 1000;

export class SegmentFile {
  private bytes = 0;
  private media = 0;
  private closed = false;
  private readonly timer: Retimer;
  private lastSyncAt = 0;
  private syncCount = 0;
  /** fdatasync interval of this file (tests shorten or zero it). */
  syncIntervalMs = SYNC_INTERVAL_MS;

  private constructor(
    private readonly fh: FileHandle,
    readonly dir: string,
    readonly base: string,
    readonly relBase: string,
    readonly generation: number,
    private readonly meta: Sidecar,
    private readonly init: PreparedInit,
  ) {
    this.timer = new Retimer(init.info);
  }

  /** Creates the day folder, the sidecar (complete: false) and the partial file with the init. */
  static async create(
    root: string,
    meta: Omit<Sidecar, 'durationS' | 'size' | 'complete' | 'repaired' | 'zeroBased' | 'mimeType'>,
    init: Buffer,
    generation: number,
  ): Promise<SegmentFile> {
    const prepared = prepareInit(init);
    const dir = dayFolder(root, meta.camera, meta.startMs);
    await mkdir(dir, { recursive: true, mode: RECORDING_DIR_MODE });
    const base = baseName(meta.startMs, meta.mode, meta.profile);
    const full: Sidecar = {
      ...meta,
      durationS: 0,
      size: 0,
      complete: false,
      repaired: false,
      zeroBased: true,
      mimeType: prepared.info.mimeType,
    };
    await writeSidecar(join(dir, `${base}.json`), full);
    const fh = await open(join(dir, `${base}.mp4${PARTIAL}`), 'wx', RECORDING_FILE_MODE);
    const relBase = join(meta.camera, dir.slice(dir.lastIndexOf('/') + 1), base);
    const file = new SegmentFile(fh, dir, base, relBase, generation, full, prepared);
    try {
      await file.write(prepared.data, 0);
    } catch (err) {
      await file.abandon();
      await file.removeFiles();
      throw err;
    }
    return file;
  }

  get durationS(): number {
    return this.media;
  }

  get size(): number {
    return this.bytes;
  }

  /** The sidecar as it will be once finished, with what is on disk now (the in-progress listing). */
  get current(): Sidecar {
    return { ...this.meta, durationS: round3(this.media), size: this.bytes };
  }

  get partialPath(): string {
    return join(this.dir, `${this.base}.mp4${PARTIAL}`);
  }

  /** Appends one fragment, retimed onto the file's own timeline, and syncs it before resolving. */
  async append(fragment: Buffer, durationS: number, parsed?: FragmentInfo): Promise<void> {
    await this.write(this.timer.retime(fragment, parsed), durationS);
  }

  /** fdatasyncs so far (the init's, the interval ones and finish's). */
  get syncs(): number {
    return this.syncCount;
  }

  private async write(data: Buffer, durationS: number): Promise<void> {
    await this.fh.write(data, 0, data.length);
    this.bytes += data.length;
    this.media += durationS;
    const now = Date.now();
    if (now - this.lastSyncAt >= this.syncIntervalMs) await this.sync(now);
  }

  private async sync(now = Date.now()): Promise<void> {
    this.lastSyncAt = now;
    this.syncCount++;
    await this.fh.datasync();
  }

  /** Syncs, closes and renames to `.mp4`; a file with no media is deleted instead (returns null). */
  async finish(): Promise<FinishedFile | null> {
    if (this.closed) return null;
    this.closed = true;
    if (this.media > 0) {
      // The true duration into the header (mvhd/tkhd/mdhd/mehd): fixed-size fields, in place.
      for (const p of durationPatches(this.init.slots, this.timer.trackEnds))
        await this.fh.write(p.bytes, 0, p.bytes.length, p.offset);
      await this.sync();
    }
    await this.fh.close();
    if (this.media <= 0) {
      await this.removeFiles();
      return null;
    }
    const path = join(this.dir, `${this.base}.mp4`);
    await rename(this.partialPath, path);
    const meta: Sidecar = {
      ...this.meta,
      durationS: round3(this.media),
      size: this.bytes,
      complete: true,
      sourceStartS: this.timer.sourceStartS,
    };
    await writeSidecar(join(this.dir, `${this.base}.json`), meta);
    return { path, relBase: this.relBase, meta };
  }

  /** After a write error: just close; the store repairs the partial (or drops it). */
  async abandon(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close().catch(() => undefined);
  }

  async removeFiles(): Promise<void> {
    await unlink(this.partialPath).catch(() => undefined);
    await unlink(join(this.dir, `${this.base}.json`)).catch(() => undefined);
  }
}

export const round3 = (n: number): number => Math.round(n * 1000) / 1000;
