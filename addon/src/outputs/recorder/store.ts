/**
 * The recordings index: one entry per finished (or repaired) `.mp4` under the root, rebuilt from the
 * sidecars at start-up. Start-up also handles crashes: a `.partial` is truncated to its last complete
 * moof+mdat and finalised, or dropped when nothing decodable is left; an `.mp4` whose sidecar is
 * missing or unreadable is re-scanned. Nothing corrupt is listed. Deletions are logged.
 * Repair also retimes the file to start at zero with its duration in the header, and so does a
 * one-off migration of files recorded before the recorder did that (sidecar without `zeroBased`).
 */
import { open, readdir, readFile, rename, rmdir, stat, statfs, truncate, unlink } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { RecordingEntry } from '../../contracts/recording.js';
import type { Logger } from '../../lib/log.js';
import { headerPatches, retimeFile } from '../../lib/mp4/index.js';
import { scanFmp4, type Fmp4Scan } from './fmp4-scan.js';
import { PARTIAL, recordingId, type Sidecar } from './layout.js';
import { round3, writeSidecar, type FinishedFile } from './segment-file.js';

export interface StoredRecording {
  entry: RecordingEntry;
  path: string;
  meta: Sidecar;
}

export class RecordingStore {
  private readonly byId = new Map<string, StoredRecording>();
  readonly counters = { repaired: 0, dropped: 0, deleted: 0, bytesDeleted: 0, migrated: 0 };

  constructor(
    readonly root: string,
    private readonly log: Logger,
  ) {}

  /** Scans `<root>/<camera>/<day>/`; repairs or drops partial files. A missing root is fine. */
  async load(): Promise<void> {
    for (const camera of (await dirs(this.root)).filter((d) => !d.startsWith('.'))) {
      for (const day of await dirs(join(this.root, camera))) {
        const dir = join(this.root, camera, day);
        const names = await readdir(dir).catch(() => [] as string[]);
        for (const name of names) {
          if (name.endsWith(`.mp4${PARTIAL}`))
            await this.recover(join(dir, name.slice(0, -`.mp4${PARTIAL}`.length)));
          else if (name.endsWith('.mp4')) await this.loadFinished(join(dir, name.slice(0, -4)));
        }
      }
    }
  }

  /**
   * A partial file left by a crash or a write error: keep every complete fragment, finalise and
   * index it; drop it when not even one fragment survived. Returns the entry if kept.
   */
  async recover(pathBase: string): Promise<StoredRecording | null> {
    const partial = `${pathBase}.mp4${PARTIAL}`;
    const meta = await readSidecar(`${pathBase}.json`);
    let buf: Buffer;
    try {
      buf = await readFile(partial);
    } catch {
      return null;
    }
    const scan = scanFmp4(buf);
    if (!meta || scan.fragments === 0) {
      await unlink(partial).catch(() => undefined);
      await unlink(`${pathBase}.json`).catch(() => undefined);
      this.counters.dropped++;
      this.log.warn({ file: partial, bytes: buf.length }, 'dropped an unrecoverable partial recording');
      return null;
    }
    const out = await salvage(buf, scan, partial, `${pathBase}.mp4`, meta.zeroBased === true);
    const fixed: Sidecar = {
      ...meta,
      durationS: round3(out.durationS),
      size: out.size,
      complete: true,
      repaired: true,
      zeroBased: out.zeroBased,
      sourceStartS: meta.zeroBased ? (meta.sourceStartS ?? null) : out.sourceStartS,
      mimeType: out.mimeType ?? meta.mimeType,
    };
    await writeSidecar(`${pathBase}.json`, fixed);
    this.counters.repaired++;
    this.log.warn(
      {
        file: `${pathBase}.mp4`,
        keptBytes: scan.validEnd,
        cutBytes: buf.length - scan.validEnd,
        durationS: fixed.durationS,
      },
      'repaired a partial recording',
    );
    return this.add({ path: `${pathBase}.mp4`, relBase: relative(this.root, pathBase), meta: fixed });
  }

  add(file: FinishedFile): StoredRecording {
    const rec: StoredRecording = {
      path: file.path,
      meta: file.meta,
      entry: entryOf(file.relBase, file.meta),
    };
    this.byId.set(rec.entry.id, rec);
    return rec;
  }

  /** Marks a file kept (retention never deletes it) or not; the sidecar says so across restarts. */
  async setKept(id: string, kept: boolean): Promise<StoredRecording | null> {
    const rec = this.byId.get(id);
    if (!rec) return null;
    const meta: Sidecar = { ...rec.meta, kept };
    await writeSidecar(`${rec.path.slice(0, -4)}.json`, meta);
    rec.meta = meta;
    rec.entry = { ...rec.entry, kept };
    return rec;
  }

  get(id: string): StoredRecording | undefined {
    return this.byId.get(id);
  }

  /** Oldest first; `from`/`to` (ms) select files overlapping that span. */
  list(filter: { camera?: string; fromMs?: number; toMs?: number } = {}): StoredRecording[] {
    return [...this.byId.values()]
      .filter((r) => filter.camera === undefined || r.meta.camera === filter.camera)
      .filter((r) => filter.fromMs === undefined || r.meta.startMs + r.meta.durationS * 1000 >= filter.fromMs)
      .filter((r) => filter.toMs === undefined || r.meta.startMs <= filter.toMs)
      .sort((a, b) => a.meta.startMs - b.meta.startMs);
  }

  totalBytes(): number {
    let n = 0;
    for (const r of this.byId.values()) n += r.meta.size;
    return n;
  }

  /** Free bytes of the root's file system, or null when it cannot be read (e.g. root missing). */
  async freeBytes(): Promise<number | null> {
    try {
      const s = await statfs(this.root);
      return s.bavail * s.bsize;
    } catch {
      return null;
    }
  }

  async remove(id: string, reason: string): Promise<boolean> {
    const rec = this.byId.get(id);
    if (!rec) return false;
    this.byId.delete(id);
    const base = rec.path.slice(0, -4);
    for (const f of [rec.path, `${base}.json`, `${base}.jpg`, `${base}.snap.jpg`])
      await unlink(f).catch(() => undefined);
    this.counters.deleted++;
    this.counters.bytesDeleted += rec.meta.size;
    this.log.info(
      { id, camera: rec.meta.camera, mode: rec.meta.mode, file: rec.path, size: rec.meta.size, reason },
      'deleted recording',
    );
    await rmdir(base.slice(0, base.lastIndexOf('/'))).catch(() => undefined); // empty day folder
    return true;
  }

  /** A file recorded on the stream's timeline (before rebasing): rewritten once to start at zero. */
  private async migrate(pathBase: string, meta: Sidecar): Promise<Sidecar> {
    try {
      const buf = await readFile(`${pathBase}.mp4`);
      const scan = scanFmp4(buf);
      if (scan.fragments === 0) return meta;
      const out = await rewriteZeroBased(buf, scan, `${pathBase}.mp4`, `${pathBase}.mp4`);
      const next: Sidecar = {
        ...meta,
        durationS: round3(out.durationS),
        size: out.size,
        zeroBased: true,
        sourceStartS: out.sourceStartS,
        mimeType: out.mimeType,
      };
      await writeSidecar(`${pathBase}.json`, next);
      this.counters.migrated++;
      this.log.info(
        { file: `${pathBase}.mp4`, sourceStartS: out.sourceStartS, durationS: next.durationS },
        'rebased a recording to start at media time zero',
      );
      return next;
    } catch (err) {
      this.log.warn({ file: `${pathBase}.mp4`, err: (err as Error).message }, 'could not rebase a recording');
      return meta;
    }
  }

  private async loadFinished(pathBase: string): Promise<void> {
    let meta = await readSidecar(`${pathBase}.json`);
    if (!meta?.complete) {
      // A rename happened but the sidecar did not follow: re-scan the file itself.
      const buf = await readFile(`${pathBase}.mp4`).catch(() => null);
      const scan = buf ? scanFmp4(buf) : null;
      if (!buf || !scan || !meta || scan.fragments === 0) {
        this.log.warn({ file: `${pathBase}.mp4` }, 'ignored a recording without a usable sidecar');
        return;
      }
      const mp4 = `${pathBase}.mp4`;
      const out = await salvage(buf, scan, mp4, mp4, meta.zeroBased === true);
      meta = {
        ...meta,
        durationS: round3(out.durationS),
        size: out.size,
        complete: true,
        repaired: true,
        zeroBased: out.zeroBased,
        sourceStartS: meta.zeroBased ? (meta.sourceStartS ?? null) : out.sourceStartS,
        mimeType: out.mimeType ?? meta.mimeType,
      };
      await writeSidecar(`${pathBase}.json`, meta);
    } else if (!meta.zeroBased) {
      meta = await this.migrate(pathBase, meta);
    }
    const size = (await stat(`${pathBase}.mp4`)).size;
    this.add({ path: `${pathBase}.mp4`, relBase: relative(this.root, pathBase), meta: { ...meta, size } });
  }
}

/** The index entry (API answer) of a file's sidecar. */
export function entryOf(relBase: string, m: Sidecar): RecordingEntry {
  return {
    id: recordingId(relBase),
    camera: m.camera,
    profile: m.profile,
    mode: m.mode,
    trigger: m.trigger,
    start: new Date(m.startMs).toISOString(),
    durationS: m.durationS,
    size: m.size,
    repaired: m.repaired,
    clip: m.clip,
    eventAt: typeof m.eventMs === 'number' ? new Date(m.eventMs).toISOString() : null,
    kept: m.kept === true,
    mimeType: m.mimeType ?? null,
  };
}

/**
 * Finalises a partial file. One the recorder wrote (fragments already at zero): truncated to its last
 * whole fragment and its header durations written in place, so it needs no free space (a full disk is
 * a reason files get salvaged). An older one is rewritten retimed; with no room for that it is kept
 * as it is (truncated, renamed) and the migration retimes it at a later start.
 */
async function salvage(
  buf: Buffer,
  scan: Fmp4Scan,
  partial: string,
  dest: string,
  zeroBased: boolean,
): Promise<{
  size: number;
  durationS: number;
  sourceStartS: number | null;
  mimeType: string | null;
  zeroBased: boolean;
}> {
  const patches = zeroBased ? headerPatches(buf, scan.initEnd, scan.validEnd) : null;
  if (!patches) {
    try {
      const out = await rewriteZeroBased(buf, scan, dest, partial);
      await unlink(partial).catch(() => undefined);
      return { ...out, zeroBased: true };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      await unlink(`${dest}.tmp`).catch(() => undefined);
    }
  }
  if (scan.validEnd < buf.length) await truncate(partial, scan.validEnd);
  const fh = await open(partial, 'r+');
  try {
    for (const p of patches ?? []) await fh.write(p.bytes, 0, p.bytes.length, p.offset);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(partial, dest);
  return {
    size: scan.validEnd,
    durationS: scan.durationS,
    sourceStartS: null,
    mimeType: null,
    zeroBased: patches !== null,
  };
}

/**
 * Writes buf's whole fragments (read from `source`) retimed to start at zero (header durations set) to
 * `dest`, through a synced temporary file and a rename, so a crash leaves the old file or the new one.
 */
async function rewriteZeroBased(
  buf: Buffer,
  scan: Fmp4Scan,
  dest: string,
  source: string,
): Promise<{ size: number; durationS: number; sourceStartS: number | null; mimeType: string }> {
  const out = retimeFile(buf, scan.initEnd, scan.validEnd);
  const tmp = `${dest}.tmp`;
  // The same permissions as the file it replaces (the recorder decides them, not this rewrite).
  const mode = (await stat(source)).mode & 0o777;
  const fh = await open(tmp, 'w', mode);
  try {
    await fh.write(out.data, 0, out.data.length);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, dest);
  return {
    size: out.data.length,
    durationS: out.durationS,
    sourceStartS: out.sourceStartS,
    mimeType: out.mimeType,
  };
}

async function dirs(path: string): Promise<string[]> {
  try {
    const list = await readdir(path, { withFileTypes: true });
    return list.filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
}

async function readSidecar(path: string): Promise<Sidecar | null> {
  try {
    const v = JSON.parse(await readFile(path, 'utf8')) as Sidecar;
    return typeof v.startMs === 'number' && typeof v.camera === 'string' ? v : null;
  } catch {
    return null;
  }
}
