/**
 * LL-HLS with hls.js (low-latency mode), or the browser's own HLS (iOS Safari without
 * ManagedMediaSource). hls.js errors get the library's own recovery first (recoverMediaError,
 * startLoad); anything beyond that is the live-player controller's escalation.
 */
import Hls, { type ErrorData } from 'hls.js';
import {
  canDecode,
  LATENCY,
  latency,
  playQuietly,
  type Latency,
  type OnPlayerState,
  type TilePlayer,
} from './tile-player.js';

const policy = (ttfbMs: number) => ({
  default: {
    maxTimeToFirstByteMs: ttfbMs,
    maxLoadTimeMs: 20_000,
    timeoutRetry: { maxNumRetry: 6, retryDelayMs: 0, maxRetryDelayMs: 0 },
    errorRetry: { maxNumRetry: 8, retryDelayMs: 500, maxRetryDelayMs: 4000 },
  },
});

export function hlsJsSupported(): boolean {
  return Hls.isSupported();
}

export class HlsTilePlayer implements TilePlayer {
  private hls: Hls | null = null;
  private fatal = 0;
  /** Bumped by stop(): a codec check still in flight for an older start is dropped. */
  private generation = 0;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly url: string,
    private readonly onState: OnPlayerState,
    /** Date.now() on Lookout's clock (the page's socket estimates it), null while unknown. */
    private readonly serverNow: () => number | null = () => null,
  ) {}

  start(): void {
    this.stop();
    this.onState('starting', 'loading playlist');
    if (!Hls.isSupported()) {
      // Native HLS (Safari): the browser does its own LL-HLS. A media error before any picture
      // (a native player that cannot play this playlist) is this tech failing here.
      this.video.onerror = () =>
        this.onState('tech-failed', `native HLS: ${this.video.error?.message || 'media error'}`);
      this.video.src = this.url;
      playQuietly(this.video);
      return;
    }
    // Check the codecs before hls.js starts (its own check ends in a fatal error later, after the
    // first segment): the multivariant playlist names them, and the origin has it warm for hls.js.
    const gen = ++this.generation;
    void fetch(this.url)
      .then((r) => (r.ok ? r.text() : ''))
      .catch(() => '')
      .then((text) => {
        if (gen !== this.generation) return;
        const codecs = /CODECS="([^"]+)"/.exec(text)?.[1];
        const video = codecs?.split(',').find((c) => !/^(mp4a|opus)/i.test(c));
        if (video && !canDecode(`video/mp4; codecs="${video}"`)) this.onState('unsupported', codecs!);
        else this.startHls();
      });
  }

  private startHls(): void {
    const hls = new Hls({
      lowLatencyMode: true,
      backBufferLength: 5,
      // After a stall, catch up to the target latency instead of staying behind.
      maxLiveSyncPlaybackRate: 1.5,
      manifestLoadPolicy: policy(Infinity),
      playlistLoadPolicy: policy(Infinity),
      fragLoadPolicy: policy(10_000),
    });
    this.hls = hls;
    this.fatal = 0;
    hls.on(Hls.Events.FRAG_BUFFERED, () => {
      this.fatal = 0;
    });
    hls.on(Hls.Events.ERROR, (_e, d: ErrorData) => this.onError(hls, d));
    hls.loadSource(this.url);
    hls.attachMedia(this.video);
    playQuietly(this.video);
  }

  stop(): void {
    this.generation++;
    if (this.hls) {
      this.hls.destroy();
      this.hls = null;
    } else if (this.video.getAttribute('src')) {
      this.video.onerror = null;
      this.video.removeAttribute('src');
      this.video.load();
    }
  }

  /**
   * Since Lookout received the frame on screen: the playlist's PROGRAM-DATE-TIME (Lookout's receive
   * time of each segment's first frame) at the playhead, against Lookout's clock. Without either, the
   * distance to the live edge (labelled as buffered).
   */
  latency(): Latency | null {
    const now = this.serverNow();
    const playing = this.hls ? this.hls.playingDate : this.nativeDate();
    if (now !== null && playing)
      return latency(Math.max(0, (now - playing.getTime()) / 1000), LATENCY.sincePdt);
    if (this.hls)
      return Number.isFinite(this.hls.latency) && this.hls.latency > 0
        ? latency(this.hls.latency, LATENCY.buffer)
        : null;
    const s = this.video.seekable;
    return s.length > 0
      ? latency(Math.max(0, s.end(s.length - 1) - this.video.currentTime), LATENCY.buffer)
      : null;
  }

  /** Safari's native player: getStartDate() is the PROGRAM-DATE-TIME of media time 0. */
  private nativeDate(): Date | null {
    const v = this.video as HTMLVideoElement & { getStartDate?: () => Date };
    const start = v.getStartDate?.();
    const t = start?.getTime();
    return t !== undefined && Number.isFinite(t) ? new Date(t + v.currentTime * 1000) : null;
  }

  toEdge(): void {
    const edge = this.hls?.liveSyncPosition;
    if (edge !== null && edge !== undefined && Number.isFinite(edge)) this.video.currentTime = edge;
    else if (this.hls) this.hls.startLoad(-1);
    playQuietly(this.video);
  }

  private onError(hls: Hls, d: ErrorData): void {
    if (!d.fatal || hls !== this.hls) return;
    // hls.js's own codec check (MediaSource.isTypeSupported on the playlist's CODECS): no retry helps.
    if (
      d.details === Hls.ErrorDetails.MANIFEST_INCOMPATIBLE_CODECS_ERROR ||
      d.details === Hls.ErrorDetails.BUFFER_INCOMPATIBLE_CODECS_ERROR
    ) {
      const codecs = hls.levels.map((l) => [l.videoCodec, l.audioCodec].filter(Boolean).join(',')).join(' ');
      this.onState('unsupported', codecs || d.details);
      return;
    }
    this.fatal++;
    // hls.js's own media recovery did not help before any fragment played: MSE (which hls.js runs
    // on) fails here; the controller falls back if this tile never showed a picture.
    if (this.fatal > 2 && d.type === Hls.ErrorTypes.MEDIA_ERROR)
      return this.onState('tech-failed', d.details);
    this.onState('reconnecting', d.details);
    if (this.fatal <= 2 && d.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
    else if (this.fatal <= 2 && d.type === Hls.ErrorTypes.NETWORK_ERROR)
      setTimeout(() => hls === this.hls && hls.startLoad(), 500);
    // Beyond that the controller's stall detection recreates the player with backoff.
  }
}
