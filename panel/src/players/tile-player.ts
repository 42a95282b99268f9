/** What the live-player controller drives: one way of showing one stream key in one tile. */

/**
 * `unsupported`: this browser cannot decode the stream's codec (the reason names the codecs); no
 * retry can fix that, so the controller asks for a playable variant instead. `tech-failed`: this
 * tech cannot play here, whatever the stream does (no WebSocket through a proxy, append errors):
 * before the first picture the controller falls back to the next tech (live-player.ts TECH_ORDER).
 */
export type PlayerState = 'starting' | 'live' | 'reconnecting' | 'offline' | 'unsupported' | 'tech-failed';

/** Can this browser decode `mimeType` through MSE (ManagedMediaSource on iOS Safari 17+)? */
export function canDecode(mimeType: string): boolean {
  const w = window as unknown as {
    MediaSource?: typeof MediaSource;
    ManagedMediaSource?: typeof MediaSource;
  };
  const ms = w.MediaSource ?? w.ManagedMediaSource;
  return !!ms && ms.isTypeSupported(mimeType);
}
/**
 * A latency reading and what it measures: players measure different spans, and a badge that says
 * "0.1 s" for the player's buffer alone (what the MSE tile used to show while the picture was 0.26 s
 * old) misleads. `short` is the badge's label, `long` its tooltip.
 */
export interface Latency {
  seconds: number;
  short: string;
  long: string;
}

export const LATENCY = {
  /** MSE: Lookout's receive time carried in each frame header (contracts/mse-ws.ts). */
  sinceReceived: {
    short: 'since Lookout',
    long: 'time since Lookout received the frame on screen from the camera (network to this browser, append and player buffer; not the camera and its encoder)',
  },
  /** LL-HLS: the playlist's EXT-X-PROGRAM-DATE-TIME at the playhead, on Lookout's clock. */
  sincePdt: {
    short: 'since Lookout',
    long: "time since Lookout received the frame on screen (the playlist's PROGRAM-DATE-TIME at the playhead; not the camera and its encoder)",
  },
  /** WebRTC: the receiver's own stats (jitter buffer, decode) plus half the round trip. */
  webrtc: {
    short: 'in transit',
    long: "half the network round trip plus this browser's jitter buffer and decode (RTCRtpReceiver stats); not the camera, its encoder and MediaMTX",
  },
  /** Before the clock is known, or a player without receive times: the buffered media ahead. */
  buffer: {
    short: 'buffered',
    long: 'media buffered ahead of the picture on screen (the player only: the whole delay is larger)',
  },
  snapshot: { short: 'old', long: 'age of the picture shown' },
} as const satisfies Record<string, Omit<Latency, 'seconds'>>;

export function latency(seconds: number, what: Omit<Latency, 'seconds'>): Latency {
  return { seconds, ...what };
}

/** Players report what they know; `live` is decided by the controller from the picture moving. */
export type OnPlayerState = (state: PlayerState, reason: string) => void;

export interface TilePlayer {
  start(): void;
  /** Stops this tile only: its own subscription / requests; the shared stream runs on for others. */
  stop(): void;
  /** How old the picture is, and what that number covers; null when unknown. */
  latency(): Latency | null;
  /** First recovery step for a stalled picture: jump to the live edge and play. */
  toEdge(): void;
  /**
   * Frames shown so far, for players whose currentTime is no progress signal (a MediaStream's clock
   * runs on without frames); absent: the controller watches currentTime.
   */
  framesShown?(): number;
  /** The tech whose picture is on screen, where it can differ from the tile's (webrtc-bridge.ts). */
  shown?(): ShownTech;
  /**
   * False while the picture on screen is another tech's (a bridge): the tile's own tech has not
   * played yet, so its failure still falls back. Absent: any picture is the tech's own.
   */
  ownPicture?(): boolean;
}

/** The techs a player can put on screen while bridging (the controller's ResolvedTech subset). */
export type ShownTech = 'webrtc' | 'mse';

/** Plays the video, ignoring the rejection a pause or a teardown in between causes. */
export function playQuietly(video: HTMLVideoElement): void {
  video.play().catch(() => {});
}
