/**
 * MSE over the page's one WebSocket: a thin wrapper over MsePlayer (mse-client.js) that maps its
 * state strings to the tile's four states.
 */
import type { MseStreamState } from '../../../addon/src/contracts/mse-ws.js';
import { STREAM_STATES } from '../../../addon/src/contracts/stream-state.js';
import { MsePlayer, type LiveSocket } from './mse-client.js';
import { playQuietly, type OnPlayerState, type TilePlayer } from './tile-player.js';

/** Status states that mean the stream is coming back: all but live and failed (shown as offline). */
const RECOVERING_STREAM: readonly MseStreamState[] = [
  ...STREAM_STATES.filter((s) => s !== 'live' && s !== 'failed'),
  'gap',
  'reset',
];
/** The player's own states while it re-attaches (mse-client.js). */
const RECOVERING = new Set<string>([...RECOVERING_STREAM, 'restarted', 'reconnecting']);

export class MseTilePlayer implements TilePlayer {
  private readonly player: MsePlayer;
  private wasLive = false;

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
  }

  stop(): void {
    this.player.stop();
  }

  latency(): number | null {
    const b = this.video.buffered;
    if (b.length === 0) return null;
    return Math.max(0, b.end(b.length - 1) - this.video.currentTime);
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
    } else if (s === 'failed') {
      this.onState('offline', detail || 'camera failed');
    } else if (s === 'error') {
      this.onState('reconnecting', detail || 'error');
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
