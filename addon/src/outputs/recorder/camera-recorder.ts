/**
 * One camera's recorder: a hub reader (no second camera connection) that writes the stream's fMP4
 * as it arrives into bounded segment files, driven by the camera's mode:
 *   motion      holds a `recorder` lease all the time, asking the hub window to keep the pre-roll
 *               (PRE_ROLL_SLACK_S more); an active
 *               trigger opens a clip starting pre_roll back, overlapping events extend it, and it
 *               ends once media reaches post_roll after the last event went inactive;
 *   manual      start/stop (or N seconds) from the API; a lease only while recording;
 *   continuous  one endless clip, cut into segment_length files.
 * Every hub event is handled in order on one promise chain, which is also the reader's backpressure.
 * A write error never reaches the hub or the stream: it is counted, reported in state(), the file
 * is repaired or dropped, and writing resumes at a keyframe after a pause.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type {
  CameraRecordingSettings,
  RecorderState,
  RecordingEvent,
  RecordingMode,
} from '../../contracts/recording.js';
import { streamKey, type StreamKey } from '../../contracts/stream-key.js';
import {
  HISTORY_BYTES_PER_S,
  type HubReader,
  type InitRecord,
  type ReaderEvent,
  type StreamHub,
} from '../../hub/index.js';
import { conflict } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import type { Sidecar } from './layout.js';
import { SegmentFile } from './segment-file.js';
import type { RecordingStore } from './store.js';
import type { MotionTrigger } from './trigger.js';

/** What the recorder needs from the supervisor (its lease and hub API). */
export interface LeaseHost {
  acquireLease(
    key: StreamKey,
    req: { kind: 'recorder'; holder?: string | null; historyS?: number },
  ): { lease: { id: string } };
  renewLease(id: string): unknown;
  releaseLease(id: string): unknown;
  hub(key: StreamKey): StreamHub;
}

export interface CameraRecorderOptions {
  camera: string;
  settings: CameraRecordingSettings;
  store: RecordingStore;
  host: LeaseHost;
  log: Logger;
  emit: (ev: RecordingEvent) => void;
  /** After a write error, how long to drop media before trying a new file. */
  retryAfterErrorMs?: number;
  leaseRenewMs?: number;
}

interface Clip {
  id: string;
  mode: RecordingMode;
  trigger: string;
  startedAt: number;
  /** Wall clock (ms) of the event that opened a motion clip (the review marker), else null. */
  eventMs: number | null;
  /** Stop once written media reaches this wall-clock time (post-roll end, manual duration). */
  stopAtMs: number | null;
  /** A manual start during a motion clip: only the API (or its duration) ends it. */
  manualHold: boolean;
  firstMediaMs: number | null;
  /** A manual N-second clip: stopAtMs is set from the first written frame (the stream may be starting). */
  pendingDurationMs: number | null;
  /** Motion clips stop this much past stopAtMs (see END_MARGIN_MS); manual clips at it. */
  marginMs: number;
  ending: boolean;
}

const STOP_GRACE_MS = 15_000;
/**
 * History a motion recorder asks the hub to keep beyond its pre-roll: a clip starts at the keyframe
 * before pre-roll (up to a GOP earlier) and an event may be reported late (its `at` lies back).
 * The other modes start at the newest keyframe and ask for none.
 */
const PRE_ROLL_SLACK_S = 5;
/**
 * programDateTime is mapped from arrival, which trails capture by the pipeline latency (~0.5 s):
 * stopping this much later keeps the captured content ≥ post-roll past the event.
 */
const END_MARGIN_MS = 1000;

export class CameraRecorder {
  readonly key: StreamKey;
  private modeOverride: RecordingMode | null = null;
  private leaseId: string | null = null;
  private renewTimer: NodeJS.Timeout | null = null;
  private stopTimer: NodeJS.Timeout | null = null;
  private clip: Clip | null = null;
  private reader: HubReader | null = null;
  private writer: SegmentFile | null = null;
  private init: InitRecord | null = null;
  private chain: Promise<void> = Promise.resolve();
  private readonly active = new Set<string>();
  private retryAt = 0;
  private error: string | null = null;
  private closed = false;
  readonly counters = { filesFinished: 0, bytesWritten: 0, writeErrors: 0, partsDropped: 0 };
  private readonly log: Logger;

  constructor(private readonly o: CameraRecorderOptions) {
    this.key = streamKey(o.camera, o.settings.profile);
    this.log = o.log.child({ component: 'recorder', camera: o.camera });
  }

  get mode(): RecordingMode {
    return this.modeOverride ?? this.o.settings.mode;
  }

  /** Takes the lease motion/continuous need, and starts the endless continuous clip. */
  arm(): void {
    if (this.closed) return;
    if (this.mode === 'motion' || this.mode === 'continuous') this.holdLease();
    if (this.mode === 'continuous' && !this.clip) this.startClip('continuous', 'continuous', 0);
  }

  /** Runtime override of the configured mode (null: back to the config). Finishes the current clip. */
  async setMode(mode: RecordingMode | null): Promise<void> {
    await this.stopClip();
    this.releaseLease();
    this.active.clear();
    this.modeOverride = mode;
    this.arm();
  }

  /** A motion event from ONVIF or pixel motion (or a test). Ignored unless in motion mode. */
  motion(ev: MotionTrigger): void {
    if (this.closed || this.mode !== 'motion' || !this.o.settings.triggers.includes(ev.kind)) return;
    const now = Date.now();
    const at = Number.isFinite(Date.parse(ev.at)) ? Math.min(Date.parse(ev.at), now) : now;
    if (ev.active) {
      this.active.add(ev.kind);
      if (this.clip && !this.clip.ending) {
        if (!this.clip.manualHold) this.clearStop();
      } else {
        this.startClip('motion', ev.kind, (this.o.settings.preRollMs + (now - at)) / 1000, at);
      }
    } else {
      this.active.delete(ev.kind);
      if (this.active.size === 0 && this.clip && !this.clip.ending && !this.clip.manualHold) {
        this.scheduleStop(at + this.o.settings.postRollMs);
      }
    }
  }

  startManual(durationS?: number): RecorderState {
    if (this.mode === 'continuous') throw conflict(`camera "${this.o.camera}" records continuously`);
    if (this.clip && !this.clip.ending) {
      this.clip.manualHold = true;
      this.clearStop();
    } else {
      this.startClip('manual', 'manual', 0);
      this.clip!.manualHold = true;
    }
    const clip = this.clip;
    if (durationS !== undefined && clip) {
      clip.marginMs = 0;
      if (clip.firstMediaMs !== null) this.scheduleStop(Date.now() + durationS * 1000);
      else {
        clip.pendingDurationMs = durationS * 1000;
        // Stops even if no media ever comes (camera down): the grace timer of scheduleStop.
        this.stopTimer = setTimeout(() => void this.stopClip(), durationS * 1000 + 2 * STOP_GRACE_MS);
      }
    }
    return this.state();
  }

  async stopManual(): Promise<RecorderState> {
    if (this.mode === 'continuous') throw conflict(`camera "${this.o.camera}" records continuously`);
    await this.stopClip();
    return this.state();
  }

  state(): RecorderState {
    const c = this.clip;
    return {
      camera: this.o.camera,
      profile: this.key.profile,
      mode: this.mode,
      modeOverridden: this.modeOverride !== null,
      recording: c !== null && !c.ending,
      current: c
        ? {
            trigger: c.trigger,
            start: c.firstMediaMs !== null ? new Date(c.firstMediaMs).toISOString() : null,
            endsAt: c.stopAtMs !== null ? new Date(c.stopAtMs).toISOString() : null,
            fileDurationS: this.writer?.durationS ?? 0,
          }
        : null,
      activeEvents: [...this.active],
      counters: { ...this.counters },
      error: this.error,
    };
  }

  /** The file being written now, as far as it is on disk (synced whole fragments), or null. */
  writing(): { relBase: string; path: string; meta: Sidecar } | null {
    const w = this.writer;
    if (!w || w.size === 0 || w.durationS === 0) return null;
    return { relBase: w.relBase, path: w.partialPath, meta: w.current };
  }

  /** Finishes the current file and lets go of the lease; the recorder is done. */
  async close(): Promise<void> {
    this.closed = true;
    await this.stopClip();
    this.releaseLease();
  }

  // ── clips ───────────────────────────────────────────────────────────────────────────────────

  private startClip(
    mode: RecordingMode,
    trigger: string,
    secondsAgo: number,
    eventMs: number | null = null,
  ): void {
    this.holdLease();
    let hub: StreamHub;
    try {
      hub = this.o.host.hub(this.key);
    } catch (err) {
      this.error = `cannot record: ${(err as Error).message}`;
      return;
    }
    const clip: Clip = {
      id: randomBytes(9).toString('base64url'),
      mode,
      trigger,
      startedAt: Date.now(),
      eventMs,
      stopAtMs: null,
      manualHold: false,
      firstMediaMs: null,
      pendingDurationMs: null,
      marginMs: mode === 'motion' ? END_MARGIN_MS : 0,
      ending: false,
    };
    this.clip = clip;
    this.init = null;
    this.log.info({ clip: clip.id, mode, trigger, preRollS: secondsAgo }, 'recording started');
    this.o.emit({
      type: 'started',
      camera: this.o.camera,
      profile: this.key.profile,
      id: clip.id,
      durationS: 0,
      trigger,
    });
    this.reader = hub.subscribe({
      name: `recorder ${this.o.camera}`,
      start: secondsAgo > 0 ? { secondsAgo } : 'latest-keyframe',
      // The hub's default queue (~30 s at 2 Mbit/s of disk stall before it skips to a keyframe) plus
      // room for the pre-roll replayed at once. A fixed 96 MiB let a hundred starved recorders hold GBs.
      maxQueueBytes: hub.options.readerQueueBytes + Math.ceil(secondsAgo * HISTORY_BYTES_PER_S),
      write: (ev) => this.enqueue(() => this.handle(clip, ev)),
      onClose: (reason) => {
        if (this.clip === clip && !clip.ending) {
          this.log.warn({ reason }, 'recorder reader closed');
          void this.stopClip();
        }
      },
    });
  }

  private async stopClip(): Promise<void> {
    const clip = this.clip;
    if (!clip || clip.ending) {
      await this.chain;
      return;
    }
    clip.ending = true;
    this.clearStop();
    this.reader?.close();
    this.reader = null;
    await this.enqueue(() => this.closeFile(clip));
    if (this.clip === clip) this.clip = null;
    this.log.info({ clip: clip.id }, 'recording finished');
    if (this.mode === 'manual' || this.closed) this.releaseLease();
  }

  private scheduleStop(atMs: number): void {
    const clip = this.clip;
    if (!clip) return;
    this.clearStop();
    clip.stopAtMs = atMs;
    // Normally the clip ends when written media reaches atMs; this ends it even if media stopped.
    this.stopTimer = setTimeout(() => void this.stopClip(), Math.max(0, atMs - Date.now()) + STOP_GRACE_MS);
  }

  private clearStop(): void {
    if (this.stopTimer) clearTimeout(this.stopTimer);
    this.stopTimer = null;
    if (this.clip) this.clip.stopAtMs = null;
  }

  // ── writing (always on the chain) ───────────────────────────────────────────────────────────

  private enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.chain.then(task).catch((err: unknown) => this.fail(err as Error));
    this.chain = next;
    return next;
  }

  private async handle(clip: Clip, ev: ReaderEvent): Promise<void> {
    if (clip.ending || this.clip !== clip) return;
    switch (ev.type) {
      case 'init':
        // A new FFmpeg process (new init, discontinuity): the next file starts with its init.
        if (this.writer && this.writer.generation !== ev.init.generation) await this.closeFile(clip);
        this.init = ev.init;
        return;
      case 'gap':
        this.counters.partsDropped += ev.droppedFragments;
        await this.closeFile(clip);
        return;
      case 'reset':
        await this.closeFile(clip);
        return;
      case 'fragment':
        break;
    }
    const part = ev.fragment;
    // Cut at the keyframe nearest segment_length: camera timestamps jitter, so the keyframe "at 60 s"
    // may come a little early; waiting for the next one would add a whole GOP. Bound: length + 1 GOP.
    const slackMs = Math.min(500, this.o.settings.segmentLengthMs / 4);
    if (
      this.writer &&
      part.independent &&
      this.writer.durationS * 1000 >= this.o.settings.segmentLengthMs - slackMs
    ) {
      await this.closeFile(clip);
    }
    if (!this.writer) {
      const init = this.init;
      if (!part.independent || !init || init.generation !== part.generation || Date.now() < this.retryAt) {
        this.counters.partsDropped++;
        return;
      }
      this.writer = await SegmentFile.create(
        this.o.store.root,
        {
          camera: this.o.camera,
          profile: this.key.profile,
          mode: clip.mode,
          trigger: clip.trigger,
          clip: clip.id,
          startMs: Math.round(part.programDateTime),
          eventMs: clip.eventMs,
        },
        init.data,
        init.generation,
      );
      if (clip.firstMediaMs === null) {
        clip.firstMediaMs = part.programDateTime;
        if (clip.pendingDurationMs !== null) this.scheduleStop(part.programDateTime + clip.pendingDurationMs);
        clip.pendingDurationMs = null;
      }
    }
    await this.writer.append(part.data, part.durationS, part.info);
    this.counters.bytesWritten += part.byteLength;
    this.error = null;
    if (
      clip.stopAtMs !== null &&
      part.programDateTime + part.durationS * 1000 >= clip.stopAtMs + clip.marginMs
    ) {
      void this.stopClip();
    }
  }

  private async closeFile(clip: Clip): Promise<void> {
    const w = this.writer;
    if (!w) return;
    this.writer = null;
    const done = await w.finish();
    if (!done) return;
    this.fileFinished(clip, this.o.store.add(done));
  }

  /** A write/open error: report it, salvage the partial file, pause writing; never throw. */
  private async fail(err: Error): Promise<void> {
    this.counters.writeErrors++;
    this.error = `${new Date().toISOString()} ${err.message}`;
    this.retryAt = Date.now() + (this.o.retryAfterErrorMs ?? 5000);
    if (this.counters.writeErrors <= 3 || this.counters.writeErrors % 100 === 0) {
      this.log.error({ err: err.message, errors: this.counters.writeErrors }, 'recording write failed');
    }
    const w = this.writer;
    this.writer = null;
    if (!w) return;
    await w.abandon();
    const clip = this.clip;
    const rec = await this.o.store.recover(join(w.dir, w.base)).catch(() => null);
    if (rec && clip) this.fileFinished(clip, rec);
  }

  /** A file of a clip is in the index (finished normally, or salvaged after an error). */
  private fileFinished(
    clip: { id: string; trigger: string },
    rec: { entry: { id: string; durationS: number } },
  ): void {
    this.counters.filesFinished++;
    this.o.emit({
      type: 'finished',
      camera: this.o.camera,
      profile: this.key.profile,
      id: clip.id,
      file: rec.entry.id,
      durationS: rec.entry.durationS,
      trigger: clip.trigger,
    });
  }

  // ── lease ───────────────────────────────────────────────────────────────────────────────────

  private holdLease(): void {
    if (this.leaseId || this.closed) return;
    try {
      this.leaseId = this.o.host.acquireLease(this.key, {
        kind: 'recorder',
        holder: `recorder ${this.o.camera}`,
        historyS: this.mode === 'motion' ? this.o.settings.preRollMs / 1000 + PRE_ROLL_SLACK_S : 0,
      }).lease.id;
    } catch (err) {
      this.error = `cannot take a recorder lease: ${(err as Error).message}`;
      return;
    }
    this.renewTimer ??= setInterval(() => {
      if (!this.leaseId) return;
      try {
        this.o.host.renewLease(this.leaseId);
      } catch {
        this.leaseId = null; // expired (e.g. the process was paused): take a new one
        this.holdLease();
      }
    }, this.o.leaseRenewMs ?? 5000);
  }

  private releaseLease(): void {
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = null;
    const id = this.leaseId;
    this.leaseId = null;
    if (id) {
      try {
        this.o.host.releaseLease(id);
      } catch {
        // already gone (expired or the key was removed)
      }
    }
  }
}
