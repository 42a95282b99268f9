// Types for the plain-JS MSE client beside this file (kept plain JS so it needs no build step).

export const FRAME_HEADER_BYTES: number;
export const FRAME_RECEIVED_OFFSET: number;
export const FRAME_INIT: number;
export const FRAME_FRAGMENT: number;
export const FLAG_KEYFRAME: number;
export const MAX_STREAM_ID: number;

/** One WebSocket per page, multiplexing every tile's stream; reconnects and re-subscribes by itself. */
export class LiveSocket {
  constructor(url: string | URL);
  readonly url: string;
  /** The socket has opened at least once. */
  readonly opened: boolean;
  /** Lookout's clock minus ours (ms); null until the first `time` reply. */
  readonly clockOffsetMs: number | null;
  /** Date.now() on Lookout's clock, or null before the clock is known. */
  serverNow(): number | null;
  static urlFor(relative: string, base?: string): URL;
  close(): void;
}

/** ManagedMediaSource where the browser has it (Safari 17+), else MediaSource; null: neither. */
export function mediaSourceClass(): typeof MediaSource | null;

/** Live-edge keeping of MsePlayer, seconds (see mse-client.js). */
export interface LiveEdgeOptions {
  edgeS: number;
  loS: number;
  hiS: number;
  rate: number;
  jumpS: number;
  stallIncreaseS: number;
  maxEdgeS: number;
  decayEveryS: number;
  stallDecreaseS: number;
  jitterWindowS: number;
}
export const LIVE_EDGE_DEFAULTS: Readonly<LiveEdgeOptions>;

/** Plays one stream key in one <video>; `onState` reports what the tile should show. */
export class MsePlayer {
  constructor(
    video: HTMLVideoElement,
    onState?: (state: string, detail?: string) => void,
    options?: Partial<LiveEdgeOptions>,
  );
  /** Seeks to the edge, playbackRate changes and stalls since construction. */
  readonly stats: { jumps: number; rateChanges: number; stalls: number };
  readonly video: HTMLVideoElement;
  key: string;
  /** ManagedMediaSource's streaming hint (always true with a classic MediaSource). */
  readonly streaming: boolean;
  /** Appended fragments: media end, Lookout receive time, page arrival and append time (ms). */
  readonly received: ReadonlyArray<{ end: number; receivedAt: number; at: number; appendedAt: number }>;
  /** Seconds since Lookout received the frame on screen, on Lookout's clock; null before known. */
  receiveAge(): number | null;
  play(socket: LiveSocket, key: string): void;
  stop(): void;
}
