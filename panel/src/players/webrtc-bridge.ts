/**
 * WebRTC with an MSE bridge, as go2rtc's `webrtc,mse` player mode: MediaMTX adds a WebRTC reader only
 * once ICE and DTLS are up and keeps no GOP, so a WebRTC tile's first frame waits for the camera's
 * next keyframe (0.8 s warm at a 1 s GOP). Lookout's hub replays from the last keyframe, so MSE shows
 * a picture at once (~0.05 s warm). This player starts both: MSE on a second video element laid over
 * the tile's own, WebRTC on the tile's video underneath. When the WebRTC video presents its first
 * frame (requestVideoFrameCallback: the frame is on screen) the overlay is removed and the MSE player
 * stopped, which frees its hub subscription. So one extra MSE subscription per WebRTC tile, and only
 * while it starts.
 *
 * The tile's state follows WebRTC: its failures before its own first frame are reported as
 * `tech-failed`, and the live-player controller falls back to a plain MSE tile (ownPicture() tells
 * it the picture on screen so far was not WebRTC's). MSE's own troubles only end the bridge early:
 * the tile then waits for WebRTC as it did without one.
 */
import type { LookoutApi } from '../api/client.js';
import type { ProfileName } from '../../../addon/src/contracts/stream-key.js';
import type { LiveSocket } from './mse-client.js';
import { MseTilePlayer } from './mse-tile-player.js';
import type { Latency, OnPlayerState, ShownTech, TilePlayer } from './tile-player.js';
import { WebRtcTilePlayer } from './webrtc-player.js';

/** Where requestVideoFrameCallback is missing: how often to look for WebRTC's first frame. */
const POLL_MS = 50;

export class WebRtcBridgePlayer implements TilePlayer {
  private readonly webrtc: WebRtcTilePlayer;
  private mse: MseTilePlayer | null = null;
  private overlay: HTMLVideoElement | null = null;
  /** Frames the overlay presented (the controller's progress signal while MSE is on screen). */
  private bridgeFrames = 0;
  private overlayCallback = 0;
  private switchCallback = 0;
  private pollTimer = 0;
  private webrtcShown = false;
  private readonly key: string;

  constructor(
    private readonly video: HTMLVideoElement,
    api: LookoutApi,
    private readonly socket: LiveSocket,
    camera: string,
    profile: ProfileName,
    private readonly onState: OnPlayerState,
  ) {
    this.key = `${camera}/${profile}`;
    this.webrtc = new WebRtcTilePlayer(video, api, camera, profile, (s, r) => this.fromWebrtc(s, r));
  }

  start(): void {
    this.stop();
    this.webrtcShown = false;
    this.startBridge();
    this.webrtc.start();
    this.awaitWebrtcFrame();
  }

  stop(): void {
    this.endBridge();
    clearInterval(this.pollTimer);
    if (this.switchCallback) this.video.cancelVideoFrameCallback(this.switchCallback);
    this.switchCallback = 0;
    this.webrtc.stop();
  }

  /** The tech whose picture is on screen: MSE while bridging, WebRTC after. */
  shown(): ShownTech {
    return this.mse && !this.webrtcShown ? 'mse' : 'webrtc';
  }

  /** True once WebRTC itself has shown a frame (the controller's fallback decision). */
  ownPicture(): boolean {
    return this.webrtcShown;
  }

  latency(): Latency | null {
    return this.shown() === 'mse' ? this.mse!.latency() : this.webrtc.latency();
  }

  toEdge(): void {
    if (this.shown() === 'mse') this.mse!.toEdge();
    this.webrtc.toEdge();
  }

  /** Both counts add up: either moving is the picture moving. */
  framesShown(): number {
    return this.bridgeFrames + this.webrtc.framesShown();
  }

  /** MSE on a video element over the tile's own; the tile's badges stay above it (DOM order). */
  private startBridge(): void {
    const parent = this.video.parentElement;
    if (!parent) return;
    const overlay = document.createElement('video');
    overlay.muted = true;
    overlay.autoplay = true;
    overlay.playsInline = true;
    overlay.disablePictureInPicture = true;
    overlay.className = 'webrtc-bridge';
    // The tile's video rule (size, object-fit, black) applies; laid exactly over it.
    overlay.style.cssText = 'position:absolute;inset:0;';
    this.video.after(overlay);
    this.overlay = overlay;
    this.mse = new MseTilePlayer(overlay, this.socket, this.key, (s) => {
      // No bridge can help here (MSE cannot play, or the stream is down): WebRTC alone decides.
      if (s === 'unsupported' || s === 'tech-failed' || s === 'offline') this.endBridge();
    });
    this.mse.start();
    if (typeof overlay.requestVideoFrameCallback === 'function') {
      const onFrame = () => {
        this.bridgeFrames++;
        this.overlayCallback = overlay.requestVideoFrameCallback(onFrame);
      };
      this.overlayCallback = overlay.requestVideoFrameCallback(onFrame);
    }
  }

  private endBridge(): void {
    const overlay = this.overlay;
    if (overlay && this.overlayCallback) overlay.cancelVideoFrameCallback(this.overlayCallback);
    this.overlayCallback = 0;
    this.mse?.stop();
    this.mse = null;
    this.overlay = null;
    overlay?.remove();
  }

  /** WebRTC's first frame is on screen under the overlay: take the overlay away, free MSE. */
  private awaitWebrtcFrame(): void {
    const switchOver = () => {
      this.switchCallback = 0;
      clearInterval(this.pollTimer);
      this.webrtcShown = true;
      this.endBridge();
    };
    if (typeof this.video.requestVideoFrameCallback === 'function') {
      this.switchCallback = this.video.requestVideoFrameCallback(switchOver);
      return;
    }
    this.pollTimer = window.setInterval(() => {
      if (this.webrtc.framesShown() > 0 && this.video.readyState >= 2) switchOver();
    }, POLL_MS);
  }

  /**
   * WebRTC failing before its own first frame is a tech failure, even with MSE on screen. The bridge
   * ends with it: the controller then falls back to a plain MSE tile (WebRTC never played here) or,
   * on a reconnect, sees the picture stop and recovers as for any WebRTC tile; an MSE picture left
   * moving would hide a dead WebRTC from its stall detection.
   */
  private fromWebrtc(state: Parameters<OnPlayerState>[0], reason: string): void {
    if (!this.webrtcShown && (state === 'reconnecting' || state === 'offline')) {
      this.endBridge();
      return this.onState('tech-failed', reason);
    }
    this.onState(state, reason);
  }
}
