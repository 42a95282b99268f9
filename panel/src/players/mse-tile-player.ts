/**
 * MSE over the page's one WebSocket: a thin wrapper over MsePlayer (mse-client.js) that maps its
 * state strings to the tile's four states.
 */
import type { MseStreamState } from '../../../addon/src/contracts/mse-ws.js';
import { STREAM_STATES } from '../../../addon/src/contracts/stream-state.js';
import { MsePlayer, type LiveSocket } from './mse-client.js';
import {
  LATENCY,
  latency,
  playQuietly,
  type Latency,
  type OnPlayerState,
  type TilePlayer,
} from './tile-player.js';

/** Status states that mean the stream is coming back: all but live and failed (shown as offline). */
const RECOVERING_STREAM: readonly MseStreamState[] = [
  ...STREAM_STATES.filter((s) => s !== 'live' && s !== 'failed'),
  'gap',
  'reset',
];
/** The page's WebSocket not open this long after a start (never opened before): MSE cannot play here. */
const SOCKET_OPEN_MS = 6000;
/** mse-client.js errors that are this browser's MSE failing, not the stream. */
const MSE_FAULT = /^(append failed|SourceBuffer error)/;

/** The player's own states while it re-attaches (mse-client.js). */
const RECOVERING = new Set<string>([...RECOVERING_STREAM, 'restarted', 'reconnecting']);

export class MseTilePlayer implements TilePlayer {
  /** The MSE client underneath (benchmarks read its append records). */
  readonly player: MsePlayer;
  private wasLive = false;
  private socketTimer = 0;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly socket: LiveSocket,
    private readonly key: string,
    private readonly onState: OnPlayerState,
  ) {
    this.player = new MsePlayer(video, (s, detail) => this.map(s, detail ?? ''));
  }

  start(): void {
    this.wasLive = false;
    this.player.play(this.socket, this.key);
    clearTimeout(this.socketTimer);
    // A proxy that drops WebSocket upgrades: the socket never opens, and MSE can never play here.
    this.socketTimer = window.setTimeout(() => {
      if (!this.socket.opened) this.onState('tech-failed', 'the live WebSocket does not open');
    }, SOCKET_OPEN_MS);
  }

  stop(): void {
    clearTimeout(this.socketTimer);
    this.player.stop();
  }

  /** Since Lookout received the frame on screen (frame headers); the buffer lag until that is known. */
  latency(): Latency | null {
    const age = this.player.receiveAge();
    if (age !== null) return latency(age, LATENCY.sinceReceived);
    const b = this.video.buffered;
    if (b.length === 0) return null;
    return latency(Math.max(0, b.end(b.length - 1) - this.video.currentTime), LATENCY.buffer);
  }

  toEdge(): void {
    const b = this.video.buffered;
    if (b.length > 0) this.video.currentTime = Math.max(b.start(b.length - 1), b.end(b.length - 1) - 0.3);
    playQuietly(this.video);
  }

  private map(s: string, detail: string): void {
    if (s === 'playing') {
      this.wasLive = true;
      this.onState('live', '');
    } else if (s === 'connecting' || s === 'buffering') {
      this.onState(this.wasLive ? 'reconnecting' : 'starting', s);
    } else if (s === 'unsupported') {
      this.onState('unsupported', detail);
    } else if (s === 'failed') {
      this.onState('offline', detail || 'camera failed');
    } else if (s === 'error') {
      this.onState(MSE_FAULT.test(detail) ? 'tech-failed' : 'reconnecting', detail || 'error');
    } else if (RECOVERING.has(s)) {
      this.onState(
        this.wasLive || s !== 'starting' ? 'reconnecting' : 'starting',
        detail ? `${s}: ${detail}` : s,
      );
    } else {
      this.onState('reconnecting', detail ? `${s}: ${detail}` : s);
    }
  }
}
