/**
 * Frame differencing on small grayscale frames (one byte per pixel). A pixel "changed" when its
 * value moved by more than `pixelThreshold`; a frame is a motion frame when the changed share of
 * the unmasked area exceeds `areaThreshold`. Masks cover regions that change without motion
 * (burned-in clocks, timestamps). Pure: no I/O, so it is tested without FFmpeg.
 */

/** A rectangle in fractions of the frame (0..1), like the synthetic camera's regions. */
export interface MaskRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface FrameDiffOptions {
  width: number;
  height: number;
  /** Default 25 (of 255): above sensor noise and compression shimmer. */
  pixelThreshold?: number;
  /** Default 0.005 (0.5 % of the unmasked area). */
  areaThreshold?: number;
  masks?: readonly MaskRect[];
}

export class FrameDiffer {
  private prev: Uint8Array | null = null;
  private readonly keep: Uint8Array;
  private readonly keptPixels: number;
  private readonly pixelThreshold: number;
  private readonly areaThreshold: number;

  constructor(private readonly o: FrameDiffOptions) {
    this.pixelThreshold = o.pixelThreshold ?? 25;
    this.areaThreshold = o.areaThreshold ?? 0.005;
    this.keep = new Uint8Array(o.width * o.height).fill(1);
    for (const m of o.masks ?? []) {
      const x0 = Math.max(0, Math.floor(m.x * o.width));
      const y0 = Math.max(0, Math.floor(m.y * o.height));
      const x1 = Math.min(o.width, Math.ceil((m.x + m.width) * o.width));
      const y1 = Math.min(o.height, Math.ceil((m.y + m.height) * o.height));
      for (let y = y0; y < y1; y++) this.keep.fill(0, y * o.width + x0, y * o.width + x1);
    }
    this.keptPixels = this.keep.reduce((n, k) => n + k, 0);
  }

  get frameBytes(): number {
    return this.o.width * this.o.height;
  }

  /** Share of unmasked pixels that changed since the previous frame (0 for the first frame). */
  changed(frame: Uint8Array): number {
    if (frame.length !== this.frameBytes)
      throw new Error(`frame is ${frame.length} bytes, expected ${this.frameBytes}`);
    const prev = this.prev;
    this.prev = Uint8Array.from(frame);
    if (!prev || this.keptPixels === 0) return 0;
    let n = 0;
    for (let i = 0; i < frame.length; i++) {
      if (this.keep[i] && Math.abs((frame[i] ?? 0) - (prev[i] ?? 0)) > this.pixelThreshold) n++;
    }
    return n / this.keptPixels;
  }

  isMotion(frame: Uint8Array): boolean {
    return this.changed(frame) > this.areaThreshold;
  }

  /** Forget the reference frame (after a stream restart the next frame is not comparable). */
  reset(): void {
    this.prev = null;
  }
}

/** Motion starts after `onFrames` consecutive motion frames (a single glitch is not motion). */
export class MotionDebounce {
  private run = 0;
  active = false;

  constructor(private readonly onFrames = 2) {}

  /** Returns the new raw state after this frame. Going idle is left to the tracker's off-delay. */
  push(motion: boolean): boolean {
    this.run = motion ? this.run + 1 : 0;
    this.active = motion ? this.active || this.run >= this.onFrames : false;
    return this.active;
  }
}
