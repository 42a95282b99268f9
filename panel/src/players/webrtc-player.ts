/**
 * WebRTC (WHEP) from the MediaMTX gateway, signalled through Lookout's own origin
 * (`api/webrtc/<camera>/<profile>/whep`, so the token, the session cookie or HA's ingress session
 * covers it). Media is receive-only and flows browser ⇄ MediaMTX over ICE (its UDP/TCP port).
 *
 * No trickle ICE: the offer is sent once the browser's host candidates are gathered (on a LAN that
 * takes a few milliseconds; a 1 s cap keeps a slow STUN-less gatherer from holding the start), and
 * the answer carries MediaMTX's candidates. A failed or disconnected peer connection is reported as
 * reconnecting; the live-player controller recreates the player (and falls back to MSE if WebRTC
 * never played).
 */
import type { LookoutApi } from '../api/client.js';
import type { ProfileName } from '../../../addon/src/contracts/stream-key.js';
import { playQuietly, type OnPlayerState, type TilePlayer } from './tile-player.js';

const GATHER_CAP_MS = 1000;

export function webrtcSupported(): boolean {
  return typeof window.RTCPeerConnection === 'function';
}

export class WebRtcTilePlayer implements TilePlayer {
  private pc: RTCPeerConnection | null = null;
  private session: string | null = null;
  private statsTimer = 0;
  private delayS: number | null = null;
  private frames = 0;
  private frameCallback = 0;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly api: LookoutApi,
    private readonly camera: string,
    private readonly profile: ProfileName,
    private readonly onState: OnPlayerState,
  ) {}

  start(): void {
    this.stop();
    this.onState('starting', 'WebRTC: connecting');
    const pc = new RTCPeerConnection({ iceServers: [], bundlePolicy: 'max-bundle' });
    this.pc = pc;
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    const stream = new MediaStream();
    pc.ontrack = (ev) => {
      stream.addTrack(ev.track);
      if (this.video.srcObject !== stream) this.video.srcObject = stream;
      playQuietly(this.video);
    };
    pc.onconnectionstatechange = () => {
      if (pc !== this.pc) return;
      const s = pc.connectionState;
      if (s === 'failed' || s === 'disconnected' || s === 'closed')
        this.onState('reconnecting', `WebRTC: peer connection ${s}`);
    };
    void this.negotiate(pc).catch((err: unknown) => {
      if (pc === this.pc) this.onState('reconnecting', `WebRTC: ${(err as Error).message}`);
    });
    this.statsTimer = window.setInterval(() => void this.sampleDelay(pc), 1000);
    this.countFrames();
  }

  framesShown(): number {
    if (typeof this.video.requestVideoFrameCallback === 'function') return this.frames;
    return this.video.getVideoPlaybackQuality?.().totalVideoFrames ?? 0;
  }

  private countFrames(): void {
    if (typeof this.video.requestVideoFrameCallback !== 'function') return;
    const onFrame = () => {
      this.frames++;
      this.frameCallback = this.video.requestVideoFrameCallback(onFrame);
    };
    this.frameCallback = this.video.requestVideoFrameCallback(onFrame);
  }

  stop(): void {
    clearInterval(this.statsTimer);
    if (this.frameCallback) this.video.cancelVideoFrameCallback(this.frameCallback);
    this.frameCallback = 0;
    const pc = this.pc;
    this.pc = null;
    this.delayS = null;
    pc?.close();
    if (this.session) void this.api.whepClose(this.session).catch(() => {});
    this.session = null;
    if (this.video.srcObject) {
      this.video.srcObject = null;
      this.video.load();
    }
  }

  /** The receiver's jitter-buffer delay: how far behind what arrived the picture is shown. */
  latency(): number | null {
    return this.delayS;
  }

  /** WebRTC plays at the live edge by design; a stalled element only needs play(). */
  toEdge(): void {
    playQuietly(this.video);
  }

  private async negotiate(pc: RTCPeerConnection): Promise<void> {
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    if (pc !== this.pc) return;
    const { answer, session } = await this.api.whepOffer(this.camera, this.profile, pc.localDescription!.sdp);
    if (pc !== this.pc) {
      void this.api.whepClose(session).catch(() => {});
      return;
    }
    this.session = session;
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  }

  private async sampleDelay(pc: RTCPeerConnection): Promise<void> {
    const stats = await pc.getStats().catch(() => null);
    if (!stats || pc !== this.pc) return;
    stats.forEach(
      (s: {
        type?: string;
        kind?: string;
        jitterBufferDelay?: number;
        jitterBufferEmittedCount?: number;
      }) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video' && s.jitterBufferEmittedCount)
          this.delayS = (s.jitterBufferDelay ?? 0) / s.jitterBufferEmittedCount;
      },
    );
  }
}

function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = () => pc.iceGatheringState === 'complete' && done();
    const timer = setTimeout(done, GATHER_CAP_MS);
    pc.addEventListener('icegatheringstatechange', check);
  });
}
