/**
 * Exports: a span of one camera's recordings, possibly across several files, joined into one MP4
 * without re-encoding. Fragments are copied and retimed (lib/mp4/timeline.ts) so the export starts at
 * zero at the keyframe at or before the span's start and each file follows the previous one: files of
 * one FFmpeg run by their exact stream decode times, others back to back (the gap between two motion
 * clips is not recorded, so it is not played either). The header gets the true duration.
 *
 * A job writes `<root>/.exports/<id>.mp4.partial` and renames it when done; a cancelled or failed
 * job deletes it, so no partial export is ever left (leftovers of a crash are cleared at start).
 * Progress (bytes of source read / bytes to read) is an event for SSE. The table is bounded: a few
 * jobs at once, finished ones expire.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExportJob } from '../../contracts/recording.js';
import { conflict, LookoutError, notFound } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import {
  boxes,
  children,
  durationPatches,
  findPath,
  type FragmentInfo,
  fragmentsOf,
  parseFragment,
  parseInitSegment,
  prepareInit,
  type PreparedInit,
  Retimer,
} from '../../lib/mp4/index.js';
import { RECORDING_DIR_MODE } from './layout.js';
import { scanFmp4 } from './fmp4-scan.js';
import type { RecordingStore, StoredRecording } from './store.js';

export const EXPORT_DIR = '.exports';
/** Jobs running at once (each reads files and writes one): more are refused with a 409. */
const MAX_RUNNING = 2;
/** Jobs kept in the table (running and finished); the oldest finished one makes room. */
const MAX_JOBS = 16;
/** Exports are spans of a day or less: longer ones are a mistake (or a way to fill the disk). */
export const MAX_SPAN_MS = 24 * 3600_000;

interface Job {
  view: ExportJob;
  path: string;
  cancelled: boolean;
  finishedAt: number | null;
  done: Promise<void>;
}

class Cancelled extends Error {}

export class ExportManager extends EventEmitter<{ progress: [ExportJob] }> {
  private readonly jobs = new Map<string, Job>();
  private readonly dir: string;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly o: { root: string; store: RecordingStore; log: Logger; keepMs?: number }) {
    super();
    this.dir = join(o.root, EXPORT_DIR);
  }

  /** Clears what a previous run left (exports are transient) and starts the expiry timer. */
  async start(): Promise<void> {
    for (const name of await readdir(this.dir).catch(() => [] as string[]))
      await unlink(join(this.dir, name)).catch(() => undefined);
    this.timer = setInterval(() => void this.expire(), 60_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const j of this.jobs.values()) j.cancelled = true;
    await Promise.all([...this.jobs.values()].map((j) => j.done));
  }

  list(): ExportJob[] {
    return [...this.jobs.values()].map((j) => ({ ...j.view }));
  }

  get(id: string): ExportJob {
    return { ...this.job(id).view };
  }

  /** Path of a finished export's MP4 (404 unless done). */
  file(id: string): { path: string; job: ExportJob } {
    const j = this.job(id);
    if (j.view.state !== 'done') throw conflict(`export "${id}" is ${j.view.state}`);
    return { path: j.path, job: { ...j.view } };
  }

  /** Starts joining the files of `camera` that overlap [fromMs, toMs]. */
  create(camera: string, fromMs: number, toMs: number): ExportJob {
    if (!(toMs > fromMs)) throw new LookoutError(400, 'bad_request', 'to must be after from');
    if (toMs - fromMs > MAX_SPAN_MS)
      throw new LookoutError(400, 'bad_request', 'an export spans at most 24 h');
    const files = spanFiles(this.o.store.list({ camera, fromMs, toMs }), fromMs, toMs);
    if (files.length === 0) throw notFound(`recordings of "${camera}" between those times`);
    const running = [...this.jobs.values()].filter((j) => j.view.state === 'running').length;
    if (running >= MAX_RUNNING) throw conflict(`${running} exports are running; wait for one or cancel it`);
    this.makeRoom();
    const id = randomBytes(12).toString('base64url');
    const view: ExportJob = {
      id,
      camera,
      from: new Date(fromMs).toISOString(),
      to: new Date(toMs).toISOString(),
      state: 'running',
      progress: 0,
      files: files.length,
      bytes: 0,
      durationS: 0,
      error: null,
      download: null,
    };
    const job: Job = {
      view,
      path: join(this.dir, `${id}.mp4`),
      cancelled: false,
      finishedAt: null,
      done: Promise.resolve(),
    };
    this.jobs.set(id, job);
    job.done = this.run(job, files, fromMs, toMs).catch((err: unknown) => {
      // mkdir/open failed (storage): nothing was written
      job.finishedAt = Date.now();
      this.update(job, { state: 'failed', error: (err as Error).message });
    });
    return { ...view };
  }

  /** Cancels a running export (its partial file is deleted) or deletes a finished one. */
  async cancel(id: string): Promise<ExportJob> {
    const j = this.job(id);
    j.cancelled = true;
    await j.done;
    if (j.view.state === 'done') {
      await unlink(j.path).catch(() => undefined);
      this.jobs.delete(id);
      j.view = { ...j.view, state: 'cancelled', download: null };
    }
    return { ...j.view };
  }

  private job(id: string): Job {
    const j = typeof id === 'string' && /^[A-Za-z0-9_-]{16}$/.test(id) ? this.jobs.get(id) : undefined;
    if (!j) throw notFound(`export "${String(id).slice(0, 40)}"`);
    return j;
  }

  private makeRoom(): void {
    if (this.jobs.size < MAX_JOBS) return;
    const oldest = [...this.jobs.values()]
      .filter((j) => j.finishedAt !== null)
      .sort((a, b) => a.finishedAt! - b.finishedAt!)[0];
    if (!oldest) throw conflict('too many exports; cancel one');
    this.jobs.delete(oldest.view.id);
    void unlink(oldest.path).catch(() => undefined);
  }

  private async expire(now = Date.now()): Promise<void> {
    const keep = this.o.keepMs ?? 3600_000;
    for (const j of [...this.jobs.values()]) {
      if (j.finishedAt !== null && now - j.finishedAt > keep) {
        this.jobs.delete(j.view.id);
        await unlink(j.path).catch(() => undefined);
      }
    }
  }

  private update(job: Job, patch: Partial<ExportJob>): void {
    job.view = { ...job.view, ...patch };
    this.emit('progress', { ...job.view });
  }

  private async run(job: Job, files: StoredRecording[], fromMs: number, toMs: number): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: RECORDING_DIR_MODE });
    const tmp = `${job.path}.partial`;
    const fh = await open(tmp, 'wx', 0o600);
    const total = files.reduce((n, f) => n + f.meta.size, 0);
    let read = 0;
    let lastEmit = 0;
    let out: { init: PreparedInit; signature: string } | null = null;
    const ends = new Map<number, number>();
    let sequence = 0;
    let prev: { place: number; endS: number; meta: StoredRecording['meta'] } | null = null;
    let written = 0;
    let mediaS = 0;
    try {
      for (const file of files) {
        const buf = await readFile(file.path);
        const { initEnd } = scanFmp4(buf);
        const info = parseInitSegment(buf.subarray(0, initEnd));
        const signature = initSignature(buf.subarray(0, initEnd));
        if (!out) {
          out = { init: prepareInit(buf.subarray(0, initEnd)), signature };
          await fh.write(out.init.data);
          written += out.init.data.length;
        } else if (signature !== out.signature) {
          throw conflict(
            `the stream's codec parameters change at ${new Date(file.meta.startMs).toISOString()}; export the span in two parts`,
          );
        }
        const parsed = [...fragmentsOf(buf, initEnd)].map((data) => ({
          data,
          info: parseFragment(data, info),
        }));
        const wall = (f: FragmentInfo) => file.meta.startMs + f.decodeTimeS * 1000;
        let first = parsed.findIndex((f) => wall(f.info) + f.info.durationS * 1000 > fromMs);
        if (first < 0) first = parsed.length;
        while (first > 0 && !parsed[first]!.info.independent) first--; // back to a keyframe
        const selected = parsed.slice(first).filter((f) => wall(f.info) < toMs);
        if (selected.length === 0) continue;
        let place: number;
        if (!prev) place = -Math.min(...selected[0]!.info.tracks.map((t) => t.decodeTimeS));
        else if (abuts(prev.meta, file.meta))
          place = prev.place + (file.meta.sourceStartS! - prev.meta.sourceStartS!);
        else place = prev.endS;
        const timer = new Retimer(info, -place, sequence);
        for (const f of selected) {
          if (job.cancelled) throw new Cancelled();
          const data = timer.retime(f.data, f.info);
          await fh.write(data);
          written += data.length;
          mediaS += f.info.durationS;
          read += f.data.length;
          if (Date.now() - lastEmit >= 100) {
            lastEmit = Date.now();
            this.update(job, {
              progress: Math.min(0.99, read / total),
              bytes: written,
              durationS: round3(mediaS),
            });
          }
        }
        sequence = timer.sequence;
        for (const [id, t] of timer.trackEnds) ends.set(id, Math.max(ends.get(id) ?? 0, t));
        prev = { place, endS: timer.endS, meta: file.meta };
        read += file.meta.size - selected.reduce((n, f) => n + f.data.length, 0);
      }
      if (!out || mediaS === 0) throw notFound('media in that span');
      for (const p of durationPatches(out.init.slots, ends))
        await fh.write(p.bytes, 0, p.bytes.length, p.offset);
      await fh.sync();
      await fh.close();
      await rename(tmp, job.path);
      job.finishedAt = Date.now();
      this.update(job, {
        state: 'done',
        progress: 1,
        bytes: written,
        durationS: round3(mediaS),
        download: `api/exports/${job.view.id}/file`,
      });
      this.o.log.info(
        {
          export: job.view.id,
          camera: job.view.camera,
          files: files.length,
          bytes: written,
          durationS: round3(mediaS),
        },
        'export finished',
      );
    } catch (err) {
      await fh.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      job.finishedAt = Date.now();
      if (err instanceof Cancelled) {
        this.update(job, { state: 'cancelled' });
        this.o.log.info({ export: job.view.id }, 'export cancelled');
      } else {
        this.update(job, { state: 'failed', error: (err as Error).message });
        this.o.log.warn({ export: job.view.id, err: (err as Error).message }, 'export failed');
      }
    }
  }
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

/**
 * The files a span takes: the one holding `from` (the last to start at or before it, if it reaches
 * it), then every file starting before `to`. A neighbour whose wall clock merely overlaps the span by
 * a few milliseconds (files of a run abut within clock jitter) is not pulled in for its last GOP.
 */
function spanFiles(list: StoredRecording[], fromMs: number, toMs: number): StoredRecording[] {
  const files = list.filter((r) => r.meta.zeroBased);
  const end = (r: StoredRecording) => r.meta.startMs + r.meta.durationS * 1000;
  const holder = files.filter((r) => r.meta.startMs <= fromMs).at(-1);
  return files.filter(
    (r) => (r === holder && end(r) > fromMs) || (r.meta.startMs > fromMs && r.meta.startMs < toMs),
  );
}

/** Two files of one FFmpeg run and clip, the second starting where the first ended. */
function abuts(a: StoredRecording['meta'], b: StoredRecording['meta']): boolean {
  if (a.clip !== b.clip || typeof a.sourceStartS !== 'number' || typeof b.sourceStartS !== 'number')
    return false;
  return Math.abs(a.sourceStartS + a.durationS - b.sourceStartS) < 0.1;
}

/** What must match for fragments of two files to decode with one init: track ids, timescales, stsd. */
function initSignature(init: Buffer): string {
  const moov = [...boxes(init)].find((b) => b.type === 'moov');
  if (!moov) return '';
  const parts: string[] = [];
  for (const trak of children(init, moov)) {
    if (trak.type !== 'trak') continue;
    const tkhd = findPath(init, trak, ['tkhd']);
    const mdhd = findPath(init, trak, ['mdia', 'mdhd']);
    const stsd = findPath(init, trak, ['mdia', 'minf', 'stbl', 'stsd']);
    const id = tkhd ? init.readUInt32BE(tkhd.payload + (init[tkhd.payload] === 1 ? 20 : 12)) : 0;
    const ts = mdhd ? init.readUInt32BE(mdhd.payload + (init[mdhd.payload] === 1 ? 20 : 12)) : 0;
    parts.push(`${id}/${ts}/${stsd ? init.subarray(stsd.start, stsd.end).toString('base64') : ''}`);
  }
  return parts.join(' ');
}
