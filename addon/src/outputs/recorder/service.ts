/**
 * The recording service: the store (index, repair at start-up), one CameraRecorder per enabled
 * camera whose recording profile exists, retention on a timer, and the `recording` events.
 * Started after the supervisor and stopped before it (main.ts), so every file is finalised while
 * the hubs still exist.
 */
import { EventEmitter } from 'node:events';
import { mkdir } from 'node:fs/promises';
import type { ResolvedConfig } from '../../contracts/config.js';
import { diffSlice, type Slice } from '../../lib/diff.js';
import type {
  CameraRecordingSettings,
  Page,
  RecorderState,
  RecordingEntry,
  RecordingEvent,
  ReviewEvent,
  RecordingMode,
  RecordingSettings,
} from '../../contracts/recording.js';
import { badRequest, conflict, notFound } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import { CameraRecorder, type LeaseHost } from './camera-recorder.js';
import { ID_PATTERN, RECORDING_DIR_MODE } from './layout.js';
import { planRetention, type Deletion } from './retention.js';
import { entryOf, RecordingStore, type StoredRecording } from './store.js';
import { ExportManager } from './export.js';
import { page, reviewPage, reviewRows, type ReviewQuery } from './review.js';
import { frameJpeg, thumbnail } from './thumbnail.js';
import { listStills, pruneStills, StillsTaker, type StillSource } from './stills.js';
import type { MotionTrigger } from './trigger.js';

export interface RecordingServiceOptions {
  config: ResolvedConfig;
  host: LeaseHost;
  log: Logger;
  ffmpegPath?: string;
  /** How often retention runs (default 60 s); 0 disables the timer (tests call applyRetention). */
  retentionIntervalMs?: number;
  retryAfterErrorMs?: number;
  /** Where periodic stills come from (the shared snapshot service); absent: no stills. */
  stills?: StillSource;
}

export interface RecordingStatus {
  root: string;
  /** Root not writable / other storage problem at start-up, else null. Per camera errors are in cameras[]. */
  error: string | null;
  files: number;
  totalBytes: number;
  freeBytes: number | null;
  counters: RecordingStore['counters'] & { filesFinished: number; bytesWritten: number; writeErrors: number };
  cameras: RecorderState[];
}

type Events = { recording: [RecordingEvent] };

/**
 * What the recorders are built from (lib/diff.ts): per enabled camera, its effective recording
 * settings. A reload replaces exactly the recorders whose settings differ (the old one finishes its file).
 */
export const RECORDING_SLICE: Slice<ResolvedConfig, CameraRecordingSettings> = (cfg) =>
  new Map(
    cfg.cameras
      .filter((c) => c.enabled)
      .map((c) => [c.id, cfg.recording.cameras[c.id] ?? cfg.recording.defaults]),
  );

export class RecordingService extends EventEmitter<Events> {
  readonly store: RecordingStore;
  readonly exports: ExportManager;
  private readonly settings: RecordingSettings;
  private readonly recorders = new Map<string, CameraRecorder>();
  private readonly stillTakers = new Map<string, StillsTaker>();
  private timer: NodeJS.Timeout | null = null;
  private error: string | null = null;
  private readonly log: Logger;

  constructor(private readonly o: RecordingServiceOptions) {
    super();
    this.settings = { ...o.config.recording }; // a copy: applyConfig updates it in place
    this.log = o.log.child({ component: 'recordings' });
    this.store = new RecordingStore(this.settings.root, this.log);
    this.exports = new ExportManager({ root: this.settings.root, store: this.store, log: this.log });
  }

  async start(): Promise<void> {
    try {
      await mkdir(this.settings.root, { recursive: true, mode: RECORDING_DIR_MODE });
    } catch (err) {
      // Reported, not fatal: live view and every other output keep working.
      this.error = `recording root ${this.settings.root} is not usable: ${(err as Error).message}`;
      this.log.error(this.error);
    }
    await this.store.load();
    await this.exports.start();
    for (const cam of this.o.config.cameras) if (cam.enabled) this.addRecorder(cam.id);
    const every = this.o.retentionIntervalMs ?? 60_000;
    if (every > 0) this.timer = setInterval(() => void this.applyRetention().catch(() => undefined), every);
  }

  /**
   * A reloaded config (after the supervisor applied it): cameras whose recording settings changed,
   * or that were added/removed/disabled, get a new recorder (the old one finishes its file first).
   * The root and the hub window size of an existing key take effect at the next start.
   */
  async applyConfig(next: ResolvedConfig): Promise<void> {
    const prev = this.o.config;
    this.o.config = next;
    if (next.recording.root !== this.settings.root)
      this.log.warn('recording root changed; it takes effect after a restart');
    this.settings.maxBytes = next.recording.maxBytes;
    this.settings.minFreeBytes = next.recording.minFreeBytes;
    this.settings.defaults = next.recording.defaults;
    this.settings.cameras = next.recording.cameras;
    const d = diffSlice(RECORDING_SLICE, prev, next);
    for (const id of [...d.removed, ...d.changed]) {
      const rec = this.recorders.get(id);
      if (!rec) continue;
      this.recorders.delete(id);
      this.stillTakers.get(id)?.stop();
      this.stillTakers.delete(id);
      await rec.close();
    }
    // Every camera of the slice that has no recorder (new, changed, or one that lacked its profile).
    for (const id of d.after.keys()) if (!this.recorders.has(id)) this.addRecorder(id);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const t of this.stillTakers.values()) t.stop();
    this.stillTakers.clear();
    await this.exports.stop();
    await Promise.all([...this.recorders.values()].map((r) => r.close()));
  }

  private addRecorder(id: string): void {
    const cam = this.o.config.cameras.find((c) => c.id === id);
    const s = this.settings.cameras[id] ?? this.settings.defaults;
    if (!cam?.enabled || !cam.profiles[s.profile]) return;
    if (this.o.stills && s.stills.intervalMs) {
      // Stills come from the sub stream when there is one: a grid-sized picture is what a timelapse needs.
      const profile = cam.profiles.sub ? 'sub' : s.profile;
      const taker = new StillsTaker({
        root: this.settings.root,
        key: { camera: id, profile },
        intervalMs: s.stills.intervalMs,
        source: this.o.stills,
        log: this.log,
      });
      this.stillTakers.set(id, taker);
      taker.start();
    }
    const rec = new CameraRecorder({
      camera: id,
      settings: s,
      store: this.store,
      host: this.o.host,
      log: this.log,
      emit: (ev) => this.emit('recording', ev.file ? { ...ev, snapshot: this.snapshotUrl(ev.file) } : ev),
      retryAfterErrorMs: this.o.retryAfterErrorMs,
    });
    this.recorders.set(id, rec);
    rec.arm();
  }

  /** The trigger input: motion events from ONVIF / pixel motion (wired by the lead), or tests. */
  motion(ev: MotionTrigger): void {
    this.recorders.get(ev.camera)?.motion(ev);
  }

  /** Whether the camera records on motion now (pixel motion is started for such cameras). */
  recordsOnMotion(camera: string): boolean {
    return this.recorders.get(camera)?.mode === 'motion';
  }

  recorder(camera: string): CameraRecorder {
    const r = this.recorders.get(camera);
    if (r) return r;
    if (this.o.config.cameras.some((c) => c.id === camera))
      throw conflict(
        `camera "${camera}" cannot record (disabled, or no ${this.settings.cameras[camera]?.profile ?? 'main'} profile)`,
      );
    throw notFound(`camera "${camera}"`);
  }

  list(filter: { camera?: string; fromMs?: number; toMs?: number }): RecordingEntry[] {
    return this.store.list(filter).map((r) => r.entry);
  }

  /** Files being written now (of one camera or all): their ids are the ones they keep when finished. */
  inProgress(camera?: string): Array<{ entry: RecordingEntry; path: string; size: number }> {
    const out: Array<{ entry: RecordingEntry; path: string; size: number }> = [];
    for (const r of this.recorders.values()) {
      const w = r.writing();
      if (!w || (camera !== undefined && w.meta.camera !== camera)) continue;
      out.push({
        entry: { ...entryOf(w.relBase, w.meta), inProgress: true },
        path: w.path,
        size: w.meta.size,
      });
    }
    return out;
  }

  /** What GET /api/recordings/:id serves: a finished file, or the one being written (up to its synced size). */
  playable(id: string): { path: string; size: number } {
    if (!ID_PATTERN.test(id)) throw badRequest(`"${id}" is not a recording id`);
    const rec = this.store.get(id);
    if (rec) return { path: rec.path, size: rec.meta.size };
    const live = this.inProgress().find((l) => l.entry.id === id);
    if (live) return { path: live.path, size: live.size };
    throw notFound(`recording "${id}"`);
  }

  /** Files newest first, paged (GET /api/recordings with limit or cursor). */
  listPage(
    filter: { camera?: string; fromMs?: number; toMs?: number },
    limit: number,
    cursor?: string,
  ): Page<RecordingEntry> {
    return page(this.list(filter), (e) => ({ startMs: Date.parse(e.start), id: e.id }), limit, cursor);
  }

  /** The review list: one row per clip (continuous: per file), newest first, paged. */
  events(q: ReviewQuery): Page<ReviewEvent> {
    return reviewPage(this.list({ camera: q.camera }), q);
  }

  /** Every file of the clip `id` belongs to (continuous: just that file), oldest first. */
  private clipOf(id: string): StoredRecording[] {
    const rec = this.get(id);
    if (rec.meta.mode === 'continuous') return [rec];
    return this.store.list({ camera: rec.meta.camera }).filter((r) => r.meta.clip === rec.meta.clip);
  }

  /** Keeps (or releases) the whole clip of `id`: retention never deletes a kept file. */
  async setKept(id: string, kept: boolean): Promise<ReviewEvent> {
    const files = this.clipOf(id);
    for (const f of files) await this.store.setKept(f.entry.id, kept);
    return reviewRows(this.clipOf(id).map((r) => r.entry))[0]!;
  }

  /** Deletes every file of the clip `id` belongs to; returns their ids. */
  async removeClip(id: string): Promise<string[]> {
    const files = this.clipOf(id);
    for (const f of files) await this.store.remove(f.entry.id, 'clip deleted through the API');
    return files.map((f) => f.entry.id);
  }

  /** Relative URL of a file's snapshot (the frame at its event, or its first keyframe). */
  snapshotUrl(fileId: string): string {
    return `api/recordings/${fileId}/snapshot`;
  }

  /** JPEG at the clip's event (motion), or the first keyframe: the review row's and MQTT's picture. */
  async snapshot(id: string): Promise<Buffer> {
    const rec = this.get(id);
    const ev = rec.meta.eventMs;
    if (typeof ev !== 'number') return thumbnail(rec.path, this.o.ffmpegPath);
    const at = Math.min(Math.max(0, (ev - rec.meta.startMs) / 1000), Math.max(0, rec.meta.durationS - 0.2));
    return frameJpeg(rec.path, at, this.o.ffmpegPath);
  }

  /** The newest motion clip of a camera with its event snapshot ("last motion" image), or 404. */
  lastEvent(camera: string): ReviewEvent & { snapshotFile: string } {
    const row = this.events({ camera, mode: 'motion', limit: 1 }).items[0];
    if (!row) throw notFound(`a motion recording of "${camera}"`);
    return { ...row, snapshotFile: row.snapshot.slice('api/recordings/'.length, -'/snapshot'.length) };
  }

  /** 400 for anything that is not an id (paths, `..`), 404 for an unknown id. */
  get(id: string): StoredRecording {
    if (!ID_PATTERN.test(id)) throw badRequest(`"${id}" is not a recording id`);
    const rec = this.store.get(id);
    if (!rec) throw notFound(`recording "${id}"`);
    return rec;
  }

  async thumbnail(id: string): Promise<Buffer> {
    return thumbnail(this.get(id).path, this.o.ffmpegPath);
  }

  async remove(id: string): Promise<void> {
    this.get(id);
    await this.store.remove(id, 'deleted through the API');
  }

  async setMode(camera: string, mode: RecordingMode | null): Promise<RecorderState> {
    const r = this.recorder(camera);
    await r.setMode(mode);
    return r.state();
  }

  /** Runs the retention plan once (see retention.ts for the order); returns what was deleted. */
  async applyRetention(nowMs = Date.now()): Promise<Deletion[]> {
    const files = this.store.list().map((r) => ({
      id: r.entry.id,
      camera: r.meta.camera,
      mode: r.meta.mode,
      startMs: r.meta.startMs,
      endMs: r.meta.startMs + r.meta.durationS * 1000,
      size: r.meta.size,
      kept: r.meta.kept === true,
    }));
    const cam = (id: string) => this.settings.cameras[id] ?? this.settings.defaults;
    const plan = planRetention(files, {
      nowMs,
      retentionMs: (c, m) => cam(c).retentionMs[m],
      cameraMaxBytes: (c) => cam(c).maxBytes,
      maxBytes: this.settings.maxBytes,
      freeBytes: await this.store.freeBytes(),
      minFreeBytes: this.settings.minFreeBytes,
    });
    for (const d of plan) await this.store.remove(d.id, d.reason);
    for (const id of this.stillTakers.keys())
      await pruneStills(this.settings.root, id, cam(id).stills.retentionMs, nowMs, this.log);
    return plan;
  }

  /** Periodic stills, oldest first (see stills.ts). */
  stills(q: { camera?: string; fromMs?: number; toMs?: number } = {}) {
    return listStills(this.settings.root, q);
  }

  get root(): string {
    return this.settings.root;
  }

  /** The still taker of a camera (tests take one on demand). */
  stillsTaker(camera: string): StillsTaker | undefined {
    return this.stillTakers.get(camera);
  }

  async status(): Promise<RecordingStatus> {
    const cameras = [...this.recorders.values()].map((r) => r.state());
    const sum = (k: 'filesFinished' | 'bytesWritten' | 'writeErrors') =>
      cameras.reduce((n, c) => n + c.counters[k], 0);
    return {
      root: this.settings.root,
      error: this.error,
      files: this.store.list().length,
      totalBytes: this.store.totalBytes(),
      freeBytes: await this.store.freeBytes(),
      counters: {
        ...this.store.counters,
        filesFinished: sum('filesFinished'),
        bytesWritten: sum('bytesWritten'),
        writeErrors: sum('writeErrors'),
      },
      cameras,
    };
  }
}

/** Prometheus lines for /metrics (the lead appends them to renderMetrics' output). */
export function renderRecordingMetrics(s: RecordingStatus): string {
  const rows = (name: string, type: string, help: string, lines: string[]) => [
    `# HELP ${name} ${help}`,
    `# TYPE ${name} ${type}`,
    ...lines,
  ];
  const per = (k: 'filesFinished' | 'bytesWritten' | 'writeErrors' | 'partsDropped') =>
    s.cameras.map((c) => `{camera="${c.camera}",profile="${c.profile}"} ${c.counters[k]}`);
  return (
    [
      ...rows(
        'lookout_recording_active',
        'gauge',
        'Recording now (1) or not.',
        s.cameras.map(
          (c) =>
            `lookout_recording_active{camera="${c.camera}",profile="${c.profile}"} ${c.recording ? 1 : 0}`,
        ),
      ),
      ...rows(
        'lookout_recording_files_total',
        'counter',
        'Files finished.',
        per('filesFinished').map((l) => `lookout_recording_files_total${l}`),
      ),
      ...rows(
        'lookout_recording_bytes_written_total',
        'counter',
        'Bytes written.',
        per('bytesWritten').map((l) => `lookout_recording_bytes_written_total${l}`),
      ),
      ...rows(
        'lookout_recording_write_errors_total',
        'counter',
        'Write or open errors (read-only or full disk).',
        per('writeErrors').map((l) => `lookout_recording_write_errors_total${l}`),
      ),
      ...rows(
        'lookout_recording_error',
        'gauge',
        'The last write failed (1) or not.',
        s.cameras.map(
          (c) => `lookout_recording_error{camera="${c.camera}",profile="${c.profile}"} ${c.error ? 1 : 0}`,
        ),
      ),
      ...rows('lookout_recording_storage_bytes', 'gauge', 'Bytes of indexed recordings.', [
        `lookout_recording_storage_bytes ${s.totalBytes}`,
      ]),
      ...rows('lookout_recording_free_bytes', 'gauge', 'Free bytes on the recording file system.', [
        `lookout_recording_free_bytes ${s.freeBytes ?? 'NaN'}`,
      ]),
      ...rows('lookout_recording_deleted_total', 'counter', 'Files deleted by retention or the API.', [
        `lookout_recording_deleted_total ${s.counters.deleted}`,
      ]),
      ...rows(
        'lookout_recording_repaired_total',
        'counter',
        'Partial files repaired at start-up or after an error.',
        [`lookout_recording_repaired_total ${s.counters.repaired}`],
      ),
    ].join('\n') + '\n'
  );
}
