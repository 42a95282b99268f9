/**
 * Plays one tile: picks the player for the live tech, judges health from its own playback only
 * (currentTime not advancing while it should play) and recovers with escalating steps and capped
 * backoff: jump to the live edge → re-create the player → take a lease again (restarts a stalled or
 * backing-off key at once) and re-create. It never gives up; the badge says what it is doing.
 * Stopping releases only this tile's subscription and recovery lease.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { LookoutApi } from '../api/client.js';
import type { LiveTech } from '../config/card-config.js';
import type { ProfileName, StreamVariant } from '../../../addon/src/contracts/stream-key.js';
import { sharedSocket } from './connection.js';
import { HlsTilePlayer, hlsJsSupported } from '../players/hls-player.js';
import { MseTilePlayer } from '../players/mse-tile-player.js';
import { SnapshotTilePlayer } from '../players/snapshot-player.js';
import { WebRtcTilePlayer, webrtcSupported } from '../players/webrtc-player.js';
import type { CameraSummary } from '../../../addon/src/contracts/api.js';
import type { PlayerState, TilePlayer } from '../players/tile-player.js';

export type ResolvedTech = Exclude<LiveTech, 'auto'>;
export type TileStatus = 'idle' | 'paused' | PlayerState;

/** Grids up to this size use LL-HLS even over HTTP/1.1 (each tile holds ~1-2 connections of 6). */
const SMALL_GRID = 4;
const TICK_MS = 1000;
/** No progress for this long while live (or starting) is a stall. */
const STALL_MS = 3000;
const STARTUP_MS = 15_000;
/** Progress for this long resets the escalation. */
const HEALTHY_MS = 5000;
const BACKOFF_MS = [2000, 4000, 8000, 16_000, 30_000];
/** Recovery attempts after which the badge says offline (it keeps trying). */
const OFFLINE_AFTER = 3;
/** A WebRTC tile with no picture this long falls back (to MSE) for the life of the tile. */
const WEBRTC_START_MS = 6000;

/** Picks the live tech for this browser and grid (`requested` wins when the browser can do it). */
export function chooseTech(requested: LiveTech, tiles: number): ResolvedTech {
  const mse = typeof window.MediaSource === 'function';
  const nativeHls = document.createElement('video').canPlayType('application/vnd.apple.mpegurl') !== '';
  const hls = hlsJsSupported() || nativeHls;
  const fallback = (first: ResolvedTech): ResolvedTech =>
    first === 'llhls' && hls
      ? 'llhls'
      : first === 'mse' && mse
        ? 'mse'
        : mse
          ? 'mse'
          : hls
            ? 'llhls'
            : 'snapshot';
  if (requested === 'snapshot') return 'snapshot';
  // WebRTC is per camera (tileTech); a camera without it plays MSE.
  if (requested === 'webrtc') return fallback('mse');
  if (requested !== 'auto') return fallback(requested);
  // iOS without MSE: hls.js on ManagedMediaSource, or Safari's native HLS.
  if (!mse) return fallback('llhls');
  const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
  if (nav?.nextHopProtocol === 'h2' || tiles <= SMALL_GRID) return fallback('llhls');
  return 'mse';
}

/**
 * The tech of one tile: `auto` and `webrtc` play WebRTC where the camera has it (the MediaMTX
 * gateway) and the browser can; otherwise the page's tech (`base`, from chooseTech).
 */
export function tileTech(requested: LiveTech, base: ResolvedTech, cam: CameraSummary): ResolvedTech {
  const wants = requested === 'auto' || requested === 'webrtc';
  return wants && cam.gateway?.webrtc && webrtcSupported() ? 'webrtc' : base;
}

export interface PlayTarget {
  api: LookoutApi;
  camera: string;
  profile: ProfileName;
  tech: ResolvedTech;
  /** For `webrtc`: what to play instead when WebRTC never shows a picture (default mse). */
  fallback?: ResolvedTech;
  /** The tile's media element (a video, or an img for snapshots). */
  media: HTMLVideoElement | HTMLImageElement;
}

export class LivePlayerController implements ReactiveController {
  status: TileStatus = 'idle';
  reason = '';
  latency: number | null = null;
  /** What the tile plays instead of the camera's codec, e.g. `H.265 → H.264`; null: the camera's own. */
  conversion: string | null = null;

  /** The playable variant asked for after this browser could not decode the camera's stream. */
  private variant: StreamVariant | undefined = undefined;
  /** No variant can help (the variant itself is undecodable): say so, stop recovering. */
  private permanent = false;

  private target: PlayTarget | null = null;
  private player: TilePlayer | null = null;
  private playerKey = '';
  private tick = 0;
  private lastTime = -1;
  private lastProgress = 0;
  private progressSince = 0;
  private everLive = false;
  private level = 0;
  private attempts = 0;
  private nextActionAt = 0;
  private recoveryLease: string | null = null;
  private webrtcDeadline = 0;
  /** WebRTC did not play for this target: its fallback tech is used instead. */
  private webrtcFailed = false;

  constructor(private readonly host: ReactiveControllerHost & HTMLElement) {
    host.addController(this);
  }

  /** Plays `target`, or stops when null (`paused`: stopped on purpose, e.g. off-screen). */
  update(target: PlayTarget | null, paused = false): void {
    if (!target) {
      this.stopPlayer();
      this.target = null;
      this.setStatus(paused ? 'paused' : 'idle', paused ? 'off-screen or behind fullscreen' : '');
      return;
    }
    const key = `${target.tech}|${target.api.base}|${target.camera}/${target.profile}`;
    if (key === this.playerKey && this.player && target.media === this.target?.media) return;
    const sameStream = this.playerKey === key;
    this.stopPlayer();
    if (!sameStream) this.webrtcFailed = false;
    if (target.tech === 'webrtc' && this.webrtcFailed) target = { ...target, tech: target.fallback ?? 'mse' };
    this.target = target;
    this.playerKey = key;
    this.variant = undefined;
    this.conversion = null;
    this.permanent = false;
    this.level = 0;
    this.webrtcDeadline = target.tech === 'webrtc' ? performance.now() + WEBRTC_START_MS : 0;
    this.attempts = 0;
    this.everLive = false;
    this.startPlayer();
    this.tick = window.setInterval(() => this.check(), TICK_MS);
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    this.stopPlayer();
    this.target = null;
  }

  /** A new player; the badge shows `status`/`reason` until it has a picture (or says otherwise). */
  private startPlayer(
    status: TileStatus = this.everLive ? 'reconnecting' : 'starting',
    reason = 'connecting',
  ): void {
    const t = this.target!;
    const onState = (p: TilePlayer) => (s: PlayerState, reason: string) => {
      // Live is judged from the picture moving (check()), never from a player's event: a `playing`
      // event after a seek into an empty buffer is not a picture.
      if (p !== this.player || s === 'live') return;
      if (s === 'unsupported') return this.cannotDecode(reason);
      // WebRTC that failed before its first picture (no gateway path, ICE blocked): fall back now.
      if (t.tech === 'webrtc' && !this.everLive && (s === 'reconnecting' || s === 'offline'))
        return this.fallBackFromWebrtc(reason);
      // Once this tile has shown a picture, starting again is reconnecting, whatever the player says.
      this.setStatus(s === 'starting' && this.everLive ? 'reconnecting' : s, reason);
    };
    let player: TilePlayer;
    if (t.tech === 'snapshot') {
      player = new SnapshotTilePlayer(
        t.media as HTMLImageElement,
        (bust) => t.api.snapshotUrl(t.camera, t.profile, bust),
        (s, r) => onState(player)(s, r),
      );
    } else if (t.tech === 'webrtc') {
      player = new WebRtcTilePlayer(t.media as HTMLVideoElement, t.api, t.camera, t.profile, (s, r) =>
        onState(player)(s, r),
      );
    } else if (t.tech === 'mse') {
      player = new MseTilePlayer(
        t.media as HTMLVideoElement,
        sharedSocket(t.api),
        `${t.camera}/${t.profile}${this.variant ? `~${this.variant}` : ''}`,
        (s, r) => onState(player)(s, r),
      );
    } else {
      player = new HlsTilePlayer(
        t.media as HTMLVideoElement,
        t.api.hlsUrl(t.camera, t.profile, this.variant),
        (s, r) => onState(player)(s, r),
      );
    }
    this.player = player;
    const now = performance.now();
    this.lastTime = -1;
    this.lastProgress = now;
    this.progressSince = now;
    this.setStatus(status, reason);
    player.start();
  }

  private stopPlayer(): void {
    clearInterval(this.tick);
    this.player?.stop();
    this.player = null;
    this.playerKey = '';
    this.latency = null;
    this.releaseRecoveryLease();
  }

  /** Health: own playback only. Runs only while this tile plays (stopped tiles have no timer). */
  private check(): void {
    const t = this.target;
    const p = this.player;
    if (!t || !p) return;
    const now = performance.now();
    const progress = this.progress(t);
    if (progress) {
      if (this.lastProgress < now - TICK_MS * 1.5) this.progressSince = now;
      this.lastProgress = now;
      this.everLive = true;
      if (this.status !== 'live') this.setStatus('live', '');
      if (now - this.progressSince > HEALTHY_MS && (this.level > 0 || this.attempts > 0)) {
        this.level = 0;
        this.attempts = 0;
        this.releaseRecoveryLease();
      }
    }
    const latency = p.latency();
    if (latency === null || this.latency === null || Math.abs(latency - this.latency) > 0.05) {
      this.latency = latency;
      this.host.requestUpdate();
    }
    if (this.permanent) return;
    if (t.tech === 'webrtc' && !this.everLive && this.webrtcDeadline && now > this.webrtcDeadline)
      return this.fallBackFromWebrtc(`no picture within ${WEBRTC_START_MS / 1000} s`);
    const stalledMs = now - this.lastProgress;
    if (stalledMs < (this.everLive ? STALL_MS : STARTUP_MS) || now < this.nextActionAt) return;
    this.escalate(now, stalledMs);
  }

  /** The picture moved since the last tick (a snapshot tile: a new image arrived). */
  private progress(t: PlayTarget): boolean {
    if (t.media instanceof HTMLImageElement) {
      const age = this.player!.latency();
      return age !== null && age < 3;
    }
    const v = t.media;
    const now = this.player!.framesShown?.() ?? v.currentTime;
    const moved = now !== this.lastTime && this.lastTime >= 0;
    this.lastTime = now;
    return moved && !v.paused;
  }

  private escalate(now: number, stalledMs: number): void {
    const secs = Math.round(stalledMs / 1000);
    if (this.level === 0) {
      this.level = 1;
      this.nextActionAt = now + 3000;
      this.setStatus('reconnecting', `stalled ${secs} s: jumping to the live edge`);
      this.player!.toEdge();
      return;
    }
    const delay = BACKOFF_MS[Math.min(this.attempts, BACKOFF_MS.length - 1)]!;
    this.nextActionAt = now + delay;
    this.attempts++;
    const status = this.attempts > OFFLINE_AFTER ? 'offline' : 'reconnecting';
    if (this.level === 1) {
      this.level = 2;
      this.recreate(status, `no picture for ${secs} s: restarting the player`);
      return;
    }
    this.recreate(status, `no picture for ${secs} s: renewing the stream (next try in ${delay / 1000} s)`);
    void this.reacquireLease();
  }

  /**
   * This browser cannot decode the stream (`codecs`). The first time: play the key's H.264 variant
   * (an on-demand transcode, badge `H.265 → H.264`). If even that cannot be decoded: a clear
   * message, and no more recovery (retrying cannot change what the browser decodes).
   */
  private cannotDecode(codecs: string): void {
    if (!this.variant) {
      this.variant = 'h264';
      this.conversion = `${codecLabel(codecs)} → H.264`;
      this.recreate('starting', `this browser cannot decode ${codecs}: playing an H.264 transcode`);
      return;
    }
    this.permanent = true;
    this.player?.stop();
    this.player = null;
    this.attempts = 0;
    this.setStatus('offline', `this browser cannot play this camera (${codecs}), not even as H.264`);
  }

  /** The tech the tile plays now (a WebRTC tile that fell back reports its fallback). */
  get tech(): ResolvedTech | null {
    return this.target?.tech ?? null;
  }

  private fallBackFromWebrtc(why: string): void {
    const t = this.target;
    if (!t || t.tech !== 'webrtc') return;
    this.webrtcFailed = true;
    this.webrtcDeadline = 0;
    this.target = { ...t, tech: t.fallback ?? 'mse' };
    this.recreate(
      this.everLive ? 'reconnecting' : 'starting',
      `WebRTC did not play (${why}); using ${this.target.tech.toUpperCase()}`,
    );
  }

  /** A new player for the same target; the tick and the recovery lease stay. */
  private recreate(status: TileStatus, reason: string): void {
    this.player?.stop();
    this.player = null;
    this.startPlayer(status, reason);
  }

  /**
   * A fresh lease restarts a key the supervisor has stalled or backing off, at once. Short-lived and
   * ours alone: released once the picture is back, or when the tile stops.
   */
  private async reacquireLease(): Promise<void> {
    const t = this.target;
    if (!t) return;
    const old = this.recoveryLease;
    this.recoveryLease = null;
    if (old) void t.api.releaseLease(old).catch(() => {});
    try {
      const a = await t.api.acquireLease(t.camera, t.profile, {
        kind: 'viewer',
        ttl_ms: 30_000,
        holder: 'panel recovery',
      });
      if (this.target === t && this.player) this.recoveryLease = a.lease.id;
      else void t.api.releaseLease(a.lease.id).catch(() => {});
    } catch (err) {
      if (this.target === t) this.setStatus(this.status, `${this.reason}; lease: ${(err as Error).message}`);
    }
  }

  private releaseRecoveryLease(): void {
    const id = this.recoveryLease;
    this.recoveryLease = null;
    if (id && this.target) void this.target.api.releaseLease(id).catch(() => {});
  }

  private setStatus(status: TileStatus, reason: string): void {
    // After several failed recoveries the badge says offline (with what is being tried) until a
    // picture is back; a player's own "reconnecting" does not soften it.
    if ((status === 'starting' || status === 'reconnecting') && this.attempts > OFFLINE_AFTER) {
      // Keep saying what is being tried: a player's own progress notes do not replace it.
      if (this.status === 'offline') reason = this.reason;
      status = 'offline';
    }
    if (status === this.status && reason === this.reason) return;
    this.status = status;
    this.reason = reason;
    this.host.requestUpdate();
    this.host.dispatchEvent(
      new CustomEvent('lookout:tile-state', { detail: { status, reason }, bubbles: true, composed: true }),
    );
  }
}

/** `hvc1.1.6.L60.90` → `H.265`: the codec family a user knows from the camera's menu. */
function codecLabel(codecs: string): string {
  const v = codecs.split(/[ ,]/).find((c) => !/^(mp4a|opus|ac-3|ec-3)/i.test(c)) ?? codecs;
  if (/^(hvc1|hev1)/i.test(v)) return 'H.265';
  if (/^(avc1|avc3)/i.test(v)) return 'H.264';
  if (/^(vp09|vp9)/i.test(v)) return 'VP9';
  if (/^av01/i.test(v)) return 'AV1';
  return v.includes('.') ? v.split('.')[0]! : "the camera's codec";
}
