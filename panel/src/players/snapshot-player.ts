/**
 * The last fallback (no MSE and no HLS in this browser): the latest keyframe as a JPEG, refreshed
 * about once a second. A new image is requested only after the previous one settled, so a slow link
 * never piles up requests.
 */
import { LATENCY, latency, type Latency, type OnPlayerState, type TilePlayer } from './tile-player.js';

const REFRESH_MS = 1000;
const RETRY_MS = 3000;

export class SnapshotTilePlayer implements TilePlayer {
  private timer = 0;
  private running = false;
  private loaded = 0;

  constructor(
    private readonly img: HTMLImageElement,
    private readonly url: (bust: number) => string,
    private readonly onState: OnPlayerState,
  ) {}

  start(): void {
    this.stop();
    this.running = true;
    this.onState('starting', 'loading snapshot');
    this.img.onload = () => {
      if (!this.running) return;
      this.loaded = performance.now();
      this.onState('live', '');
      this.timer = window.setTimeout(() => this.next(), REFRESH_MS);
    };
    this.img.onerror = () => {
      if (!this.running) return;
      this.onState('reconnecting', 'snapshot failed');
      this.timer = window.setTimeout(() => this.next(), RETRY_MS);
    };
    this.next();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.img.onload = null;
    this.img.onerror = null;
  }

  /** Age of the picture shown. */
  latency(): Latency | null {
    return this.loaded ? latency((performance.now() - this.loaded) / 1000, LATENCY.snapshot) : null;
  }

  toEdge(): void {
    clearTimeout(this.timer);
    this.next();
  }

  private next(): void {
    if (this.running) this.img.src = this.url(Date.now());
  }
}
