/**
 * One camera's talk session: every talker of the camera is a consumer of it, and it holds at most
 * one sink (one camera backchannel session), opened when the first talker arrives and closed
 * `lingerMs` after the last one left (a new talker within the linger reuses it: no "enabling
 * talk" wait, and cameras that allow one session never see a second).
 *
 *   mix off   the first talker wins; the next gets `busy` (the old behaviour, made explicit)
 *   mix on    1 talker  → passthrough: its frames go to the sink as they come, re-timed by the sink
 *             ≥2        → FFmpeg amix (mixer.ts) with one slot per allowed talker; a 20 ms clock
 *                         feeds each slot a queued frame or codec-correct silence; joins and
 *                         leaves while ≥2 only change which slots carry audio
 *             back to 1 → the mixer stops, passthrough again
 *   the mixed output reaches the camera only while somebody spoke in the last 500 ms
 *   queues hold at most 100 ms per talker; older audio is dropped, never built into a backlog
 */
import { performance } from 'node:perf_hooks';
import type { TalkBackchannelView, TalkCodec, TalkSinkKind, TalkTalkerView } from '../contracts/talk.js';
import type { Logger } from '../lib/log.js';
import { describeExit } from '../lib/child-process.js';
import { aacSilence, frameMs, frameSamples, pcmSilence } from './codec.js';
import { AmixProcess } from './mixer.js';
import { TalkSinkError, type TalkSink } from './sink.js';

/** Nobody spoke for this long: mixer output (silence) is not sent to the camera. */
export const QUIET_AFTER_MS = 500;
/** Frames a talker may have queued for the mixer (5 × 20 ms). */
const MAX_QUEUE_FRAMES = 5;
/** Queue depth the clock trims back to when a talker's clock runs faster than ours (FFmpeg-encoded
 * talkers arrive in 40 ms bursts, so this must hold two bursts plus jitter). */
const TRIM_QUEUE_FRAMES = 4;
/** Frames a talker must have queued before the mixer clock plays it (after start or running dry). */
const PRIME_FRAMES = 2;
const RESTART_BACKOFF_MS = [500, 1000, 2000, 5000];

export class TalkLimitError extends Error {
  readonly code = 'limit' as const;
  constructor(message: string) {
    super(message);
    this.name = 'TalkLimitError';
  }
}

export interface TalkSessionOptions {
  camera: string;
  via: TalkSinkKind;
  mix: boolean;
  maxTalkers: number;
  makeSink: () => TalkSink;
  log: Logger;
  ffmpegPath?: string;
  lingerMs?: number;
  /** Asked before a talker is admitted (the service's limit over all cameras); throws TalkLimitError. */
  admit?: () => void;
  released?: () => void;
}

export interface TalkerInfo {
  kind: string;
  label?: string | null;
}

/** A talker's handle on the session. */
export class Talker {
  readonly since = new Date().toISOString();
  bytes = 0;
  packets = 0;
  /** Set by the owner: the session ended this talker (camera gone, service closing). */
  onEnded: ((reason: string, err: TalkSinkError | null) => void) | null = null;
  queue: Buffer[] = [];
  primed = false;
  lastRealAt = -Infinity;
  slot = -1;
  left = false;

  constructor(
    readonly id: string,
    readonly info: TalkerInfo,
    readonly codec: TalkCodec,
    private readonly session: TalkSession,
  ) {}

  /** One frame in the camera codec (codec.ts Framer output), in real time. */
  push(frame: Buffer): void {
    if (this.left) return;
    this.bytes += frame.length;
    this.packets++;
    this.lastRealAt = performance.now();
    this.session.push(this, frame);
  }

  leave(): void {
    if (this.left) return;
    this.left = true;
    this.session.remove(this);
  }

  view(): TalkTalkerView {
    return {
      id: this.id,
      kind: this.info.kind,
      label: this.info.label ?? null,
      since: this.since,
      bytes: this.bytes,
      packets: this.packets,
    };
  }
}

let nextId = 1;

export class TalkSession {
  readonly sinkId: string;
  readonly mixerId: string;
  private readonly talkers = new Map<string, Talker>();
  private sink: TalkSink | null = null;
  private opening: Promise<TalkSink> | null = null;
  private state: TalkBackchannelView['state'] = 'idle';
  private codec: TalkCodec | null = null;
  private silence: Buffer | null = null;
  private linger: NodeJS.Timeout | null = null;
  private clock: NodeJS.Timeout | null = null;
  private nextTick = 0;
  private amix: AmixProcess | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private restartAttempt = 0;
  private sessions = 0;
  private lastError: string | null = null;
  private closed = false;
  /** Mixer counters (go2rtc's mixer bytes/packets: what left the mixer towards the sink). */
  private mixed = { bytes: 0, packets: 0, spawns: 0, restarts: 0 };
  private medias: string[] = [];

  constructor(private readonly opts: TalkSessionOptions) {
    this.sinkId = `${opts.camera}:sink`;
    this.mixerId = `${opts.camera}:mixer`;
  }

  get mixing(): boolean {
    return this.opts.mix;
  }

  get talkerCount(): number {
    return this.talkers.size;
  }

  /** Admits a talker and resolves once the camera session is open (rejects with its error). */
  async join(info: TalkerInfo): Promise<Talker> {
    if (this.closed) throw new TalkSinkError('failed', 'talkback is shutting down');
    if (!this.opts.mix && this.talkers.size > 0)
      throw new TalkSinkError(
        'busy',
        `camera "${this.opts.camera}" is busy: someone else is talking (mixing is off for this camera)`,
      );
    if (this.talkers.size >= this.opts.maxTalkers)
      throw new TalkLimitError(
        `camera "${this.opts.camera}" already has ${this.opts.maxTalkers} talkers (backchannel.max_talkers)`,
      );
    this.opts.admit?.();
    const id = `talk-${nextId++}`;
    // Reserve the place before awaiting, so a second talker under mix off sees busy at once.
    const placeholder = new Talker(id, info, { name: 'PCMU', clockRate: 8000, channels: 1 }, this);
    this.talkers.set(id, placeholder);
    this.cancelLinger();
    let sink: TalkSink;
    try {
      sink = await this.openSink();
    } catch (err) {
      this.talkers.delete(id);
      this.opts.released?.();
      this.scheduleLinger();
      throw err;
    }
    if (placeholder.left || this.closed) {
      this.talkers.delete(id);
      this.opts.released?.();
      this.scheduleLinger();
      throw new TalkSinkError('failed', 'talker left before the camera session opened');
    }
    const talker = new Talker(id, info, sink.codec!, this);
    this.talkers.set(id, talker);
    this.topologyChanged();
    this.opts.log.info(
      { camera: this.opts.camera, talker: id, kind: info.kind, talkers: this.talkers.size },
      'talker joined',
    );
    return talker;
  }

  private openSink(): Promise<TalkSink> {
    if (this.sink) return Promise.resolve(this.sink);
    this.opening ??= (async () => {
      this.state = 'opening';
      const sink = this.opts.makeSink();
      try {
        await sink.open();
        if (!sink.codec) throw new TalkSinkError('failed', 'the sink opened without a codec');
        this.codec = sink.codec;
        this.silence =
          sink.codec.name === 'AAC'
            ? await aacSilence(sink.codec, this.opts.ffmpegPath)
            : pcmSilence(sink.codec);
      } catch (err) {
        this.state = 'idle';
        await sink.close().catch(() => undefined);
        const e = err instanceof TalkSinkError ? err : new TalkSinkError('failed', (err as Error).message);
        this.lastError = e.message;
        this.opts.log.warn(
          { camera: this.opts.camera, code: e.code, err: e.message },
          'backchannel did not open',
        );
        throw e;
      } finally {
        this.opening = null;
      }
      this.sink = sink;
      this.sessions++;
      this.state = 'open';
      this.lastError = null;
      this.medias = (sink as { medias?: string[] }).medias ?? [];
      sink.onClose = (err) => this.sinkLost(sink, err);
      this.opts.log.info(
        { camera: this.opts.camera, codec: sink.codec, via: this.opts.via },
        'backchannel open',
      );
      return sink;
    })();
    return this.opening;
  }

  /** The camera went away mid-talk: every talker is ended with the reason; the next one reopens. */
  private sinkLost(sink: TalkSink, err: TalkSinkError | null): void {
    if (this.sink !== sink) return;
    this.sink = null;
    this.state = 'idle';
    this.lastError = err?.message ?? 'camera closed the backchannel';
    this.opts.log.warn({ camera: this.opts.camera, err: this.lastError }, 'backchannel lost');
    void sink.close();
    this.stopMixer();
    this.stopClock();
    for (const t of [...this.talkers.values()]) {
      t.left = true;
      this.talkers.delete(t.id);
      this.opts.released?.();
      t.onEnded?.(this.lastError, err);
    }
  }

  push(talker: Talker, frame: Buffer): void {
    const sink = this.sink;
    if (!sink || !this.codec) return;
    const samples = frameSamples(this.codec);
    if (!this.amix || !this.amix.producing) {
      // Passthrough (one talker, or the mixer still starting): the oldest talker goes straight on.
      if (this.firstTalker() === talker) {
        sink.write(frame, samples);
        this.mixed.bytes += frame.length;
        this.mixed.packets++;
      }
    }
    if (this.amix) {
      talker.queue.push(frame);
      if (talker.queue.length > MAX_QUEUE_FRAMES)
        talker.queue.splice(0, talker.queue.length - MAX_QUEUE_FRAMES);
    }
  }

  remove(talker: Talker): void {
    if (!this.talkers.delete(talker.id)) return;
    this.opts.released?.();
    this.opts.log.info(
      { camera: this.opts.camera, talker: talker.id, talkers: this.talkers.size },
      'talker left',
    );
    this.topologyChanged();
    this.scheduleLinger();
  }

  private firstTalker(): Talker | undefined {
    return this.active()[0];
  }

  private active(): Talker[] {
    return [...this.talkers.values()].filter((t) => !t.left && this.sink && t.codec === this.codec);
  }

  /** 0/1 talkers: no FFmpeg; crossing to 2: start it; below 2: stop it. Slots are reassigned here. */
  private topologyChanged(): void {
    const talkers = this.active();
    if (!this.opts.mix || talkers.length < 2) {
      for (const t of talkers) {
        t.slot = -1;
        t.queue = [];
      }
      this.stopMixer();
      this.stopClock();
      return;
    }
    const used = new Set(talkers.map((t) => t.slot).filter((s) => s >= 0));
    for (const t of talkers) {
      if (t.slot >= 0) continue;
      let s = 0;
      while (used.has(s)) s++;
      t.slot = s;
      used.add(s);
    }
    if (!this.amix && !this.restartTimer) this.startMixer();
    this.startClock();
  }

  private startMixer(): void {
    const codec = this.codec!;
    this.mixed.spawns++;
    const amix = new AmixProcess({
      codec,
      slots: this.opts.maxTalkers,
      ffmpegPath: this.opts.ffmpegPath,
      onFrame: (frame) => {
        if (this.amix !== amix || !this.sink) return;
        const lastReal = Math.max(...this.active().map((t) => t.lastRealAt));
        if (performance.now() - lastReal > QUIET_AFTER_MS) return;
        this.restartAttempt = 0;
        this.sink.write(frame, frameSamples(codec));
        this.mixed.bytes += frame.length;
        this.mixed.packets++;
      },
      onExit: (exit) => {
        if (this.amix !== amix) return;
        this.amix = null;
        this.opts.log.warn(
          { camera: this.opts.camera, exit: describeExit(exit), stderr: exit.stderrTail.slice(-300) },
          'talk mixer exited; restarting',
        );
        this.mixed.restarts++;
        const delay = RESTART_BACKOFF_MS[Math.min(this.restartAttempt++, RESTART_BACKOFF_MS.length - 1)]!;
        this.restartTimer = setTimeout(() => {
          this.restartTimer = null;
          if (this.active().length >= 2 && this.sink) this.startMixer();
        }, delay);
      },
    });
    this.amix = amix;
  }

  private stopMixer(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const amix = this.amix;
    this.amix = null;
    if (amix) void amix.stop();
  }

  private startClock(): void {
    if (this.clock || !this.codec) return;
    const period = frameMs(this.codec);
    this.nextTick = performance.now() + period;
    const loop = (): void => {
      const now = performance.now();
      let n = 0;
      while (now >= this.nextTick && n < 10) {
        this.tick();
        this.nextTick += period;
        n++;
      }
      // Starved (a long GC or a loaded box): skip ahead rather than burst.
      if (now - this.nextTick > 10 * period) this.nextTick = now + period;
      this.clock = setTimeout(loop, Math.max(1, this.nextTick - performance.now()));
    };
    this.clock = setTimeout(loop, period);
  }

  private stopClock(): void {
    if (this.clock) clearTimeout(this.clock);
    this.clock = null;
  }

  /** Every slot gets exactly one frame per tick: a talker's oldest queued frame or silence. */
  private tick(): void {
    const amix = this.amix;
    if (!amix || !this.silence) return;
    const bySlot = new Map<number, Talker>();
    for (const t of this.active()) if (t.slot >= 0) bySlot.set(t.slot, t);
    for (let s = 0; s < this.opts.maxTalkers; s++) {
      const t = bySlot.get(s);
      if (!t) {
        amix.write(s, this.silence);
        continue;
      }
      if (t.queue.length > TRIM_QUEUE_FRAMES) t.queue.splice(0, t.queue.length - TRIM_QUEUE_FRAMES);
      // A 20 ms jitter allowance: after running dry a talker plays again only with two frames queued,
      // so one late chunk is absorbed instead of becoming a gap in the mix.
      if (t.queue.length === 0) t.primed = false;
      else if (t.queue.length >= PRIME_FRAMES) t.primed = true;
      amix.write(s, (t.primed ? t.queue.shift() : undefined) ?? this.silence);
    }
  }

  private scheduleLinger(): void {
    if (this.talkers.size > 0 || this.linger || this.closed) return;
    this.linger = setTimeout(() => {
      this.linger = null;
      if (this.talkers.size === 0) void this.closeSink();
    }, this.opts.lingerMs ?? 2000);
    this.linger.unref();
  }

  private cancelLinger(): void {
    if (this.linger) clearTimeout(this.linger);
    this.linger = null;
  }

  private async closeSink(): Promise<void> {
    this.stopMixer();
    this.stopClock();
    const sink = this.sink;
    this.sink = null;
    if (!sink) return;
    this.state = 'closing';
    await sink.close().catch(() => undefined);
    if (!this.sink) this.state = 'idle';
    this.opts.log.info({ camera: this.opts.camera }, 'backchannel closed');
  }

  /** Ends every talker and the camera session; awaits the mixer's exit. */
  async close(): Promise<void> {
    this.closed = true;
    this.cancelLinger();
    for (const t of [...this.talkers.values()]) {
      t.left = true;
      this.talkers.delete(t.id);
      this.opts.released?.();
      t.onEnded?.('talkback is shutting down', null);
    }
    const amix = this.amix;
    this.amix = null;
    this.stopMixer();
    this.stopClock();
    await Promise.all([amix?.stop(), this.opening?.catch(() => undefined)]);
    await this.closeSink();
  }

  view(): TalkBackchannelView {
    const talkers = [...this.talkers.values()].filter((t) => t.codec === this.codec || !this.codec);
    const codec = this.codec;
    return {
      camera: this.opts.camera,
      id: this.sinkId,
      via: this.opts.via,
      mixing: this.opts.mix,
      state: this.state,
      codec,
      medias: this.medias,
      sessions: this.sessions,
      bytes: this.sink?.stats.bytes ?? 0,
      packets: this.sink?.stats.packets ?? 0,
      talkers: talkers.map((t) => t.view()),
      mixer: codec
        ? {
            id: this.mixerId,
            codec,
            mode: this.amix ? 'mix' : talkers.length ? 'passthrough' : 'idle',
            parents: talkers.map((t) => t.id),
            childs: this.sink ? [this.sinkId] : [],
            bytes: this.mixed.bytes,
            packets: this.mixed.packets,
            spawns: this.mixed.spawns,
            restarts: this.mixed.restarts,
          }
        : null,
      lastError: this.lastError,
    };
  }
}
