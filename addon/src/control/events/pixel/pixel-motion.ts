/**
 * Pixel-motion fallback for cameras without ONVIF events: decode one profile (the sub stream)
 * from the in-process hub — no second camera connection — at a low frame rate into tiny grayscale
 * frames, and difference them (frame-diff.ts).
 *
 *   hub reader (init + fMP4 fragments) → ffmpeg -f mp4 -i pipe:0 -vf fps=2,scale=160:90,format=gray
 *   -f rawvideo pipe:1 → FrameDiffer → MotionDebounce → onMotion(active)
 *
 * Holds a `motion` lease so the stream runs while we watch. FFmpeg runs through lib/child-process.ts:
 * own process group, every pipe drained, stopped with SIGTERM then SIGKILL and awaited (FIELD-NOTES #1, #2).
 * A stream restart (reset, new init) restarts the decoder and forgets the reference frame.
 */
import { FMP4_FROM_STDIN } from '../../../lib/ffmpeg-input.js';
import { describeExit, spawnChild, type ChildProcess } from '../../../lib/child-process.js';
import type { LeaseRequest } from '../../../supervisor/ports.js';
import type { StreamKey } from '../../../contracts/stream-key.js';
import type { StreamHub } from '../../../hub/index.js';
import type { HubReader } from '../../../hub/reader.js';
import type { ReaderEvent } from '../../../hub/types.js';
import { FrameDiffer, MotionDebounce, type MaskRect } from './frame-diff.js';

/** What we need from the supervisor. */
export interface PixelMotionHost {
  hub(key: StreamKey): StreamHub;
  acquireLease(key: StreamKey, req: LeaseRequest): { lease: { id: string; ttlMs: number } };
  renewLease(id: string): unknown;
  releaseLease(id: string): unknown;
}

export interface PixelMotionOptions {
  key: StreamKey;
  host: PixelMotionHost;
  onMotion: (active: boolean) => void;
  ffmpegPath?: string;
  /** Decoded frames per second. Default 2. */
  fps?: number;
  /** Default 160×90 (aspect does not matter for differencing). */
  width?: number;
  height?: number;
  masks?: readonly MaskRect[];
  pixelThreshold?: number;
  areaThreshold?: number;
  /** Consecutive motion frames before motion starts. Default 2. */
  onFrames?: number;
  onError?: (message: string) => void;
  /** true when decoded frames flow (again), false when the stream or decoder stopped. */
  onHealth?: (ok: boolean, reason: string) => void;
}

export class PixelMotionDetector {
  private reader: HubReader | null = null;
  private child: ChildProcess | null = null;
  private pending: Buffer = Buffer.alloc(0);
  private leaseId: string | null = null;
  private renewTimer: NodeJS.Timeout | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private stopped = true;
  private readonly differ: FrameDiffer;
  private readonly debounce: MotionDebounce;
  private active = false;
  private healthy = false;
  private readonly width: number;
  private readonly height: number;
  /** Frames analysed so far (diagnostics, tests). */
  frames = 0;

  constructor(private readonly o: PixelMotionOptions) {
    this.width = o.width ?? 160;
    this.height = o.height ?? 90;
    this.differ = new FrameDiffer({
      width: this.width,
      height: this.height,
      masks: o.masks,
      pixelThreshold: o.pixelThreshold,
      areaThreshold: o.areaThreshold,
    });
    this.debounce = new MotionDebounce(o.onFrames ?? 2);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const { lease } = this.o.host.acquireLease(this.o.key, { kind: 'motion', holder: 'pixel-motion' });
    this.leaseId = lease.id;
    this.renewTimer = setInterval(
      () => {
        try {
          if (this.leaseId) this.o.host.renewLease(this.leaseId);
        } catch {
          // Lease gone (config reload removed the key): take a new one.
          this.leaseId = this.o.host.acquireLease(this.o.key, {
            kind: 'motion',
            holder: 'pixel-motion',
          }).lease.id;
        }
      },
      Math.max(1000, Math.floor(lease.ttlMs / 3)),
    );
    this.renewTimer.unref?.();
    this.subscribe();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.renewTimer) clearInterval(this.renewTimer);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.reader?.close();
    this.reader = null;
    await this.stopDecoder();
    if (this.leaseId) {
      try {
        this.o.host.releaseLease(this.leaseId);
      } catch {
        // Already expired or removed.
      }
    }
    this.leaseId = null;
    this.setActive(false);
  }

  private subscribe(): void {
    const reader: HubReader = this.o.host.hub(this.o.key).subscribe({
      name: 'pixel-motion',
      start: 'latest-keyframe',
      write: (ev) => this.onHub(ev),
      // Dropped by the hub (too slow) or the hub closed: subscribe again (not when we closed it).
      onClose: () => {
        if (!this.stopped && this.reader === reader) this.scheduleRestart();
      },
    });
    this.reader = reader;
  }

  private async onHub(ev: ReaderEvent): Promise<void> {
    if (this.stopped) return;
    if (ev.type === 'init') {
      await this.stopDecoder();
      this.differ.reset();
      this.startDecoder();
      return this.feed(ev.init.data);
    }
    if (ev.type === 'fragment') return this.feed(ev.fragment.data);
    if (ev.type === 'reset') {
      this.setHealthy(false, `stream reset: ${ev.reason}`);
      await this.stopDecoder();
      this.differ.reset();
    }
  }

  /** Writes with backpressure; never waits on a decoder that is gone. */
  private feed(data: Buffer): Promise<void> | void {
    const stdin = this.child?.stdin;
    if (!this.child || !stdin || stdin.destroyed || stdin.writableEnded) return;
    if (stdin.write(data)) return;
    const exited = this.child.exited;
    return new Promise((resolve) => {
      stdin.once('drain', resolve);
      void exited.then(() => resolve());
    });
  }

  private startDecoder(): void {
    const fps = this.o.fps ?? 2;
    const args = [
      ...FMP4_FROM_STDIN,
      '-map',
      '0:v:0',
      '-an',
      '-vf',
      `fps=${fps},scale=${this.width}:${this.height},format=gray`,
      '-f',
      'rawvideo',
      'pipe:1',
    ];
    const child = spawnChild({
      file: this.o.ffmpegPath ?? 'ffmpeg',
      args,
      stdin: 'pipe',
      onStdout: (d) => this.onFrames(d),
    });
    this.child = child;
    this.pending = Buffer.alloc(0);
    void child.exited.then((exit) => {
      if (exit.spawnError) this.o.onError?.(`pixel motion: ffmpeg could not start: ${exit.spawnError}`);
      if (this.child !== child) return;
      this.child = null;
      // Died on its own while we still watch: read again from the latest keyframe.
      if (!this.stopped) {
        const why = `pixel motion: ffmpeg exited (${describeExit(exit)}): ${exit.stderrTail.trim().slice(-200)}`;
        this.setHealthy(false, why);
        this.o.onError?.(why);
        this.scheduleRestart();
      }
    });
  }

  private async stopDecoder(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child) return;
    await child.stop(2000);
  }

  private onFrames(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const size = this.differ.frameBytes;
    while (this.pending.length >= size) {
      const frame = this.pending.subarray(0, size);
      this.pending = this.pending.subarray(size);
      this.frames++;
      this.setHealthy(true, 'frames flowing');
      this.setActive(this.debounce.push(this.differ.isMotion(frame)));
    }
  }

  private setActive(active: boolean): void {
    if (active === this.active) return;
    this.active = active;
    this.o.onMotion(active);
  }

  private setHealthy(ok: boolean, reason: string): void {
    if (ok === this.healthy) return;
    this.healthy = ok;
    this.o.onHealth?.(ok, reason);
  }

  private scheduleRestart(): void {
    if (this.restartTimer || this.stopped) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopped) return;
      this.reader?.close();
      this.reader = null;
      this.subscribe();
    }, 1000);
    this.restartTimer.unref?.();
  }
}
