/** What the live-player controller drives: one way of showing one stream key in one tile. */

/**
 * `unsupported`: this browser cannot decode the stream's codec (the reason names the codecs); no
 * retry can fix that, so the controller asks for a playable variant instead.
 */
export type PlayerState = 'starting' | 'live' | 'reconnecting' | 'offline' | 'unsupported';

/** Can this browser decode `mimeType` through MSE (ManagedMediaSource on iOS Safari 17+)? */
export function canDecode(mimeType: string): boolean {
  const w = window as unknown as {
    MediaSource?: typeof MediaSource;
    ManagedMediaSource?: typeof MediaSource;
  };
  const ms = w.MediaSource ?? w.ManagedMediaSource;
  return !!ms && ms.isTypeSupported(mimeType);
}
/** Players report what they know; `live` is decided by the controller from the picture moving. */
export type OnPlayerState = (state: PlayerState, reason: string) => void;

export interface TilePlayer {
  start(): void;
  /** Stops this tile only: its own subscription / requests; the shared stream runs on for others. */
  stop(): void;
  /** Seconds behind the live edge, or null when unknown. */
  latency(): number | null;
  /** First recovery step for a stalled picture: jump to the live edge and play. */
  toEdge(): void;
  /**
   * Frames shown so far, for players whose currentTime is no progress signal (a MediaStream's clock
   * runs on without frames); absent: the controller watches currentTime.
   */
  framesShown?(): number;
}

/** Plays the video, ignoring the rejection a pause or a teardown in between causes. */
export function playQuietly(video: HTMLVideoElement): void {
  video.play().catch(() => {});
}
