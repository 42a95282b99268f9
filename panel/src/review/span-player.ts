/**
 * Plays a run of recording files as one timeline with Media Source Extensions: each file (which starts
 * at media time zero) is appended at its place on the timeline through `timestampOffset`, so playback
 * crosses file boundaries without reloading the element and without a visible gap. Files that follow
 * each other within half a second (one continuous recording cut every segment_length, or a long clip)
 * are placed end to end; a real gap (the camera was off, two clips apart) keeps its wall-clock place and
 * the player jumps over it. The last file may still be being written: it is read on with Range
 * requests as it grows. Buffered media is bounded (MSE quotas): old ranges are evicted while playing.
 * Without MSE (an iPhone before ManagedMediaSource) each file plays as the element's own source, one
 * after the other: since every recording starts at media time zero, a plain `src` seeks right.
 */
import type { ReviewApi } from './review-api.js';

export interface SpanFile {
  id: string;
  startMs: number;
  durationS: number;
  mimeType: string | null;
  inProgress?: boolean;
}

export interface PlacedFile extends SpanFile {
  /** Seconds on the player's timeline where this file's media time zero is. */
  place: number;
}

/** Files within this much of the previous one's end are placed end to end (wall clocks jitter). */
const ABUT_S = 0.5;
/** Fetch the next file this long before the playhead reaches the end of what is buffered. */
const PREFETCH_S = 8;
/** Buffered media kept behind the playhead; older ranges are removed (MSE quota). */
const KEEP_BEHIND_S = 30;
const FALLBACK_MIME = 'video/mp4; codecs="avc1.640028"';

/** MediaSource, or Safari's ManagedMediaSource (iOS 17.1+), or null. */
function mediaSourceClass(): typeof MediaSource | null {
  const w = window as unknown as {
    MediaSource?: typeof MediaSource;
    ManagedMediaSource?: typeof MediaSource;
  };
  return w.MediaSource ?? w.ManagedMediaSource ?? null;
}

export function placeFiles(files: readonly SpanFile[]): PlacedFile[] {
  const out: PlacedFile[] = [];
  const origin = files[0]?.startMs ?? 0;
  for (const f of files) {
    const prev = out.at(-1);
    const wall = (f.startMs - origin) / 1000;
    if (!prev) out.push({ ...f, place: 0 });
    else {
      const prevEnd = prev.place + prev.durationS;
      out.push({ ...f, place: Math.abs(wall - prevEnd) < ABUT_S ? prevEnd : Math.max(prevEnd, wall) });
    }
  }
  return out;
}

/** Player time → wall clock (ms). */
export function wallAt(placed: readonly PlacedFile[], t: number): number {
  let f = placed[0];
  for (const p of placed) if (p.place <= t) f = p;
  return f ? f.startMs + (t - f.place) * 1000 : 0;
}

/**
 * Wall clock (ms) → player time. Inside a gap: the start of the next file; after the last file: a
 * second before its end (something to show rather than nothing).
 */
export function timeAt(placed: readonly PlacedFile[], wallMs: number): number {
  for (const p of placed) {
    if (wallMs < p.startMs) return p.place;
    if (wallMs <= p.startMs + p.durationS * 1000) return p.place + (wallMs - p.startMs) / 1000;
  }
  const last = placed.at(-1);
  return last ? last.place + Math.max(0, last.durationS - 1) : 0;
}

/** The wall time actually played for a wanted one (timeAt's choice), for the player to say so. */
export function nearestRecorded(placed: readonly PlacedFile[], wallMs: number): number {
  return wallAt(placed, timeAt(placed, wallMs));
}

export class SpanPlayer {
  placed: PlacedFile[] = [];
  private ms: MediaSource | null = null;
  private sb: SourceBuffer | null = null;
  private objectUrl = '';
  /** Bytes appended per file id (a file being written is read on from here). */
  private readonly loaded = new Map<string, number>();
  private readonly loading = new Set<string>();
  private queue: Promise<void> = Promise.resolve();
  private abort = new AbortController();
  private growTimer = 0;
  private generation = 0;
  /** File mode (no MSE): the file the element plays now. */
  private current: PlacedFile | null = null;

  constructor(
    readonly video: HTMLVideoElement,
    private readonly api: ReviewApi,
    private readonly onError: (message: string) => void = () => undefined,
  ) {
    video.addEventListener('timeupdate', this.onTime);
    video.addEventListener('seeking', this.onTime);
    video.addEventListener('waiting', this.onTime);
    video.addEventListener('ended', this.onEnded);
  }

  /** Loads `files` (oldest first) as one timeline and plays from wall time `atMs`. */
  async open(files: readonly SpanFile[], atMs: number): Promise<void> {
    this.close();
    const gen = ++this.generation;
    this.placed = placeFiles(files);
    if (this.placed.length === 0) return;
    const MS = mediaSourceClass();
    if (!MS) {
      this.playFile(this.fileAt(timeAt(this.placed, atMs)), atMs);
      return;
    }
    (this.video as HTMLVideoElement & { disableRemotePlayback: boolean }).disableRemotePlayback = true;
    const ms = new MS();
    this.ms = ms;
    this.objectUrl = URL.createObjectURL(ms);
    this.video.src = this.objectUrl;
    await new Promise<void>((resolve) => ms.addEventListener('sourceopen', () => resolve(), { once: true }));
    if (gen !== this.generation) return;
    const mime = this.placed.find((p) => p.mimeType)?.mimeType ?? FALLBACK_MIME;
    try {
      this.sb = ms.addSourceBuffer(MediaSource.isTypeSupported(mime) ? mime : FALLBACK_MIME);
    } catch (err) {
      this.onError(`cannot play ${mime}: ${(err as Error).message}`);
      return;
    }
    this.sb.mode = 'segments';
    ms.duration = this.end;
    const t = timeAt(this.placed, atMs);
    await this.load(this.fileAt(t));
    if (gen !== this.generation) return;
    this.video.currentTime = t;
    this.video.play().catch(() => undefined);
    this.growTimer = window.setInterval(() => void this.grow(), 1000);
  }

  /** Seeks to a wall-clock time (loads the file holding it first). */
  async seekWall(atMs: number): Promise<void> {
    const t = timeAt(this.placed, atMs);
    if (this.current) {
      const f = this.fileAt(t);
      if (f === this.current) this.video.currentTime = t - f.place;
      else this.playFile(f, atMs);
      return;
    }
    await this.load(this.fileAt(t));
    this.video.currentTime = t;
  }

  /** The wall clock of the frame on screen. */
  get wallNow(): number {
    if (this.current) return this.current.startMs + this.video.currentTime * 1000;
    return wallAt(this.placed, this.video.currentTime);
  }

  get end(): number {
    const last = this.placed.at(-1);
    return last ? last.place + last.durationS : 0;
  }

  close(): void {
    this.generation++;
    this.abort.abort();
    this.abort = new AbortController();
    clearInterval(this.growTimer);
    this.loaded.clear();
    this.loading.clear();
    this.sb = null;
    this.ms = null;
    this.queue = Promise.resolve();
    this.current = null;
    if (this.objectUrl) {
      this.video.removeAttribute('src');
      this.video.load();
      URL.revokeObjectURL(this.objectUrl);
      this.objectUrl = '';
    }
  }

  destroy(): void {
    this.close();
    this.video.removeEventListener('timeupdate', this.onTime);
    this.video.removeEventListener('seeking', this.onTime);
    this.video.removeEventListener('waiting', this.onTime);
    this.video.removeEventListener('ended', this.onEnded);
  }

  /** File mode: one file as the element's source, from wall time `atMs` (or its start). */
  private playFile(f: PlacedFile | undefined, atMs: number): void {
    if (!f) return;
    this.current = f;
    this.video.src = this.api.fileUrl(f.id);
    const offset = Math.max(0, (atMs - f.startMs) / 1000);
    this.video.addEventListener('loadedmetadata', () => (this.video.currentTime = offset), { once: true });
    this.video.play().catch(() => undefined);
  }

  private readonly onEnded = (): void => {
    const cur = this.current;
    if (!cur) return;
    const next = this.placed[this.placed.indexOf(cur) + 1];
    if (next) this.playFile(next, next.startMs);
  };

  private fileAt(t: number): PlacedFile | undefined {
    let f = this.placed[0];
    for (const p of this.placed) if (p.place <= t + 0.001) f = p;
    return f;
  }

  private readonly onTime = (): void => {
    if (this.current || !this.sb) return;
    const t = this.video.currentTime;
    const cur = this.fileAt(t);
    if (!cur) return;
    if (!this.loaded.has(cur.id)) void this.load(cur);
    const i = this.placed.indexOf(cur);
    const next = this.placed[i + 1];
    if (next && !this.loaded.has(next.id) && cur.place + cur.durationS - t < PREFETCH_S) void this.load(next);
    // A real gap between two files: jump to the next one instead of waiting at the end.
    if (next && t >= cur.place + cur.durationS - 0.15 && next.place > cur.place + cur.durationS + 0.1) {
      if (this.loaded.has(next.id)) this.video.currentTime = next.place;
    }
  };

  /** Appends a whole file (or, for one being written, the bytes since the last append). */
  private load(f: PlacedFile | undefined): Promise<void> {
    if (!f || this.loading.has(f.id) || (this.loaded.has(f.id) && !f.inProgress)) return this.queue;
    this.loading.add(f.id);
    const gen = this.generation;
    const from = this.loaded.get(f.id) ?? 0;
    const task = async () => {
      try {
        const data = await this.api.bytes(f.id, from, this.abort.signal);
        if (gen !== this.generation || !this.sb || data.byteLength === 0) return;
        await this.evict();
        this.sb.timestampOffset = f.place;
        await this.append(data);
        this.loaded.set(f.id, from + data.byteLength);
        if (f.inProgress && this.ms && this.ms.readyState === 'open' && !this.sb.updating) {
          const b = this.sb.buffered;
          if (b.length && b.end(b.length - 1) > this.ms.duration) this.ms.duration = b.end(b.length - 1);
        }
      } catch (err) {
        if (gen === this.generation && (err as Error).name !== 'AbortError')
          this.onError((err as Error).message);
      } finally {
        this.loading.delete(f.id);
      }
    };
    this.queue = this.queue.then(task);
    return this.queue;
  }

  private append(data: ArrayBuffer): Promise<void> {
    const sb = this.sb!;
    return new Promise((resolve, reject) => {
      const done = () => {
        sb.removeEventListener('updateend', done);
        sb.removeEventListener('error', fail);
        resolve();
      };
      const fail = () => {
        sb.removeEventListener('updateend', done);
        sb.removeEventListener('error', fail);
        reject(new Error('the browser could not append the recording'));
      };
      sb.addEventListener('updateend', done);
      sb.addEventListener('error', fail);
      sb.appendBuffer(data);
    });
  }

  /** Removes media well behind the playhead; the files entirely in it will be fetched again if needed. */
  private async evict(): Promise<void> {
    const sb = this.sb;
    const upTo = this.video.currentTime - KEEP_BEHIND_S;
    if (!sb || upTo <= 0 || !sb.buffered.length || sb.buffered.start(0) >= upTo) return;
    await new Promise<void>((resolve) => {
      sb.addEventListener('updateend', () => resolve(), { once: true });
      sb.remove(0, upTo);
    });
    for (const p of this.placed) if (p.place + p.durationS < upTo) this.loaded.delete(p.id);
  }

  /** The last file is being written: read on while the playhead nears what is buffered. */
  private async grow(): Promise<void> {
    const last = this.placed.at(-1);
    if (!last?.inProgress || !this.loaded.has(last.id) || this.video.paused) return;
    const b = this.video.buffered;
    const end = b.length ? b.end(b.length - 1) : 0;
    if (end - this.video.currentTime < 4) await this.load(last);
  }
}
