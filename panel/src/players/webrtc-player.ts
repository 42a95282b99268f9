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
import {
  LATENCY,
  latency,
  playQuietly,
  type Latency,
  type OnPlayerState,
  type TilePlayer,
} from './tile-player.js';

const GATHER_CAP_MS = 1000;

export function webrtcSupported(): boolean {
  return typeof window.RTCPeerConnection === 'function';
}

export class WebRtcTilePlayer implements TilePlayer {
  private pc: RTCPeerConnection | null = null;
  private session: string | null = null;
  private statsTimer = 0;
  private delayS: number | null = null;
  /** The previous stats sample's totals: the delay shown is over the last second, not since start. */
  private prev = { buffer: 0, emitted: 0, decode: 0, decoded: 0 };
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
    this.prev = { buffer: 0, emitted: 0, decode: 0, decoded: 0 };
    pc?.close();
    if (this.session) void this.api.whepClose(this.session).catch(() => {});
    this.session = null;
    if (this.video.srcObject) {
      this.video.srcObject = null;
      this.video.load();
    }
  }

  /** Half the round trip + jitter buffer + decode over the last second (LATENCY.webrtc). */
  latency(): Latency | null {
    return this.delayS === null ? null : latency(this.delayS, LATENCY.webrtc);
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
    let rttS: number | null = null;
    let inbound: WebRtcInbound | null = null;
    stats.forEach((s: WebRtcInbound & { type?: string; state?: string; currentRoundTripTime?: number }) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') inbound = s;
      if (s.type === 'candidate-pair' && s.state === 'succeeded' && s.currentRoundTripTime !== undefined)
        rttS = s.currentRoundTripTime;
    });
    const v = inbound as WebRtcInbound | null;
    if (!v?.jitterBufferEmittedCount) return;
    const cur = {
      buffer: v.jitterBufferDelay ?? 0,
      emitted: v.jitterBufferEmittedCount,
      decode: v.totalDecodeTime ?? 0,
      decoded: v.framesDecoded ?? 0,
    };
    const p = this.prev;
    this.prev = cur;
    const emitted = cur.emitted - p.emitted;
    const decoded = cur.decoded - p.decoded;
    if (emitted <= 0) return;
    const buffer = (cur.buffer - p.buffer) / emitted;
    const decode = decoded > 0 ? (cur.decode - p.decode) / decoded : 0;
    this.delayS = buffer + decode + (rttS ?? 0) / 2;
  }
}

/** The RTCInboundRtpStreamStats fields read here (lib.dom types lack some). */
interface WebRtcInbound {
  kind?: string;
  jitterBufferDelay?: number;
  jitterBufferEmittedCount?: number;
  totalDecodeTime?: number;
  framesDecoded?: number;
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
