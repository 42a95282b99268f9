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
import { mediaSourceClass } from '../players/mse-client.js';
import { MseTilePlayer } from '../players/mse-tile-player.js';
import { SnapshotTilePlayer } from '../players/snapshot-player.js';
import { WebRtcBridgePlayer } from '../players/webrtc-bridge.js';
import { WebRtcTilePlayer, webrtcSupported } from '../players/webrtc-player.js';
import type { CameraSummary } from '../../../addon/src/contracts/api.js';
import type { Latency, PlayerState, TilePlayer } from '../players/tile-player.js';

export type ResolvedTech = Exclude<LiveTech, 'auto'>;
export type TileStatus = 'idle' | 'paused' | PlayerState;

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

/** Lowest latency first (README "Measured"): WebRTC ~0.08 s, MSE ~0.25 s, LL-HLS ~1 s, JPEG ~1 s+. */
export const TECH_ORDER: readonly ResolvedTech[] = ['webrtc', 'mse', 'llhls', 'snapshot'];

/** What this browser and page can play at all (WebRTC also needs the camera behind the gateway). */
export function techAvailable(tech: ResolvedTech): boolean {
  switch (tech) {
    case 'webrtc':
      return webrtcSupported();
    case 'mse':
      // ManagedMediaSource: iPhones (iOS 17.1+) have only that one.
      return mediaSourceClass() !== null;
    case 'llhls':
      return (
        hlsJsSupported() ||
        document.createElement('video').canPlayType('application/vnd.apple.mpegurl') !== ''
      );
    case 'snapshot':
      return true;
  }
}

/**
 * The page's tech for tiles without WebRTC: the lowest-latency one this browser plays (MSE, then
 * LL-HLS where MSE is missing, then snapshots), for any grid size. `requested` wins where the browser
 * can do it; `webrtc` is per camera (tileTech), so its page tech is the same as `auto`'s.
 */
export function chooseTech(requested: LiveTech): ResolvedTech {
  const first = requested === 'auto' || requested === 'webrtc' ? 'mse' : requested;
  return TECH_ORDER.slice(TECH_ORDER.indexOf(first)).find(techAvailable) ?? 'snapshot';
}

/** What a tile tries after `tech` fails to show a picture: the later techs of TECH_ORDER it can play. */
export function fallbackChain(tech: ResolvedTech): ResolvedTech[] {
  return TECH_ORDER.slice(TECH_ORDER.indexOf(tech) + 1).filter(techAvailable);
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
  /**
   * What to play instead, in order, when `tech` fails before its first picture (WebRTC: no gateway
   * path, ICE blocked; MSE: no WebSocket, append errors; LL-HLS: media errors). Default:
   * fallbackChain(tech).
   */
  fallbacks?: readonly ResolvedTech[];
  /** The tile's media element (a video, or an img for snapshots). */
  media: HTMLVideoElement | HTMLImageElement;
}

export class LivePlayerController implements ReactiveController {
  status: TileStatus = 'idle';
  reason = '';
  latency: Latency | null = null;
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
  /** The tile's own tech has shown a picture (a bridge's MSE picture does not count). */
  private techLive = false;
  private level = 0;
  private attempts = 0;
  private nextActionAt = 0;
  private recoveryLease: string | null = null;
  /** The last target's key: a tile re-rendered for a fallback (an img for snapshots) keeps `failed`. */
  private streamKey = '';
  private webrtcDeadline = 0;
  /** Techs that failed for this stream before showing a picture: the next of the chain plays. */
  private failed = new Set<ResolvedTech>();
  /** The tech asked for, before fallbacks (update() compares it to tell a new target). */
  private requested: ResolvedTech | null = null;

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
    const sameStream = this.playerKey === key || (this.streamKey === key && !this.player);
    this.stopPlayer();
    if (!sameStream) this.failed.clear();
    this.streamKey = key;
    this.requested = target.tech;
    target = { ...target, tech: this.resolve(target) };
    this.target = target;
    this.playerKey = key;
    this.variant = undefined;
    this.conversion = null;
    this.permanent = false;
    this.level = 0;
    this.webrtcDeadline = target.tech === 'webrtc' ? performance.now() + WEBRTC_START_MS : 0;
    this.attempts = 0;
    this.everLive = false;
    this.techLive = false;
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
    const onState = (p: TilePlayer) => (state: PlayerState, reason: string) => {
      let s = state;
      // Live is judged from the picture moving (check()), never from a player's event: a `playing`
      // event after a seek into an empty buffer is not a picture.
      if (p !== this.player || s === 'live') return;
      if (s === 'unsupported') return this.cannotDecode(reason);
      // A tech that cannot play here (not the stream's fault) before its first picture: fall back now.
      // WebRTC: any failure before the first picture (no gateway path, ICE blocked).
      const techFault =
        s === 'tech-failed' || (t.tech === 'webrtc' && (s === 'reconnecting' || s === 'offline'));
      if (techFault && !this.techPlayed(p)) return this.fallBack(reason);
      if (s === 'tech-failed') s = 'reconnecting';
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
    } else if (t.tech === 'webrtc' && techAvailable('mse') && !this.failed.has('mse')) {
      // MSE shows the hub's last keyframe at once while WebRTC waits for the camera's next one.
      player = new WebRtcBridgePlayer(
        t.media as HTMLVideoElement,
        t.api,
        sharedSocket(t.api),
        t.camera,
        t.profile,
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
      // Lookout's clock (for PROGRAM-DATE-TIME) comes from the page's socket's time probes.
      const socket = sharedSocket(t.api);
      player = new HlsTilePlayer(
        t.media as HTMLVideoElement,
        t.api.hlsUrl(t.camera, t.profile, this.variant),
        (s, r) => onState(player)(s, r),
        () => socket.serverNow(),
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
      if (p.ownPicture?.() ?? true) this.techLive = true;
      if (this.status !== 'live') this.setStatus('live', '');
      if (now - this.progressSince > HEALTHY_MS && (this.level > 0 || this.attempts > 0)) {
        this.level = 0;
        this.attempts = 0;
        this.releaseRecoveryLease();
      }
    }
    const latency = p.latency();
    if (
      latency === null ||
      this.latency === null ||
      latency.short !== this.latency.short ||
      Math.abs(latency.seconds - this.latency.seconds) > 0.02
    ) {
      this.latency = latency;
      this.host.requestUpdate();
    }
    if (this.permanent) return;
    if (t.tech === 'webrtc' && !this.techPlayed(p) && this.webrtcDeadline && now > this.webrtcDeadline)
      return this.fallBack(`no picture within ${WEBRTC_START_MS / 1000} s`);
    const stalledMs = now - this.lastProgress;
    if (stalledMs < (this.everLive ? STALL_MS : STARTUP_MS) || now < this.nextActionAt) return;
    this.escalate(now, stalledMs);
  }

  /**
   * The tile's own tech has shown a picture, now (this player) or before (a reconnect): only a tech
   * that never played here falls back. A bridge's MSE picture is not WebRTC's (webrtc-bridge.ts).
   */
  private techPlayed(p: TilePlayer): boolean {
    return this.techLive || (this.everLive && (p.ownPicture?.() ?? true));
  }

  /** The picture moved since the last tick (a snapshot tile: a new image arrived). */
  private progress(t: PlayTarget): boolean {
    if (t.media instanceof HTMLImageElement) {
      const age = this.player!.latency();
      return age !== null && age.seconds < 3;
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

  /** The tech whose picture is on screen: `tech`, or MSE while it bridges a WebRTC start. */
  get shownTech(): ResolvedTech | null {
    return this.player?.shown?.() ?? this.tech;
  }

  /** The tech in use for `target`: the asked one, or the first of its chain that has not failed. */
  private resolve(target: PlayTarget): ResolvedTech {
    const chain = [target.tech, ...(target.fallbacks ?? fallbackChain(target.tech))];
    return chain.find((tech) => !this.failed.has(tech)) ?? chain.at(-1)!;
  }

  /**
   * The tech in use failed before its first picture: the next of the chain plays, for the life of
   * this stream in this tile. Snapshots need an img: the tile re-renders (it reads `tech`) and
   * update() starts the player on the new element.
   */
  private fallBack(why: string): void {
    const t = this.target;
    if (!t) return;
    const from = t.tech;
    this.failed.add(from);
    const next = this.resolve({ ...t, tech: this.requested ?? from });
    if (next === from) return;
    this.webrtcDeadline = 0;
    this.target = { ...t, tech: next };
    const reason = `${TECH_NAME[from]} did not play (${why}); using ${TECH_NAME[next]}`;
    if (next === 'snapshot' && !(t.media instanceof HTMLImageElement)) {
      this.player?.stop();
      this.player = null;
      this.setStatus('starting', reason);
      this.host.requestUpdate();
      return;
    }
    this.recreate(this.everLive ? 'reconnecting' : 'starting', reason);
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

const TECH_NAME: Record<ResolvedTech, string> = {
  webrtc: 'WebRTC',
  mse: 'MSE',
  llhls: 'LL-HLS',
  snapshot: 'JPEG',
};

/** `hvc1.1.6.L60.90` → `H.265`: the codec family a user knows from the camera's menu. */
function codecLabel(codecs: string): string {
  const v = codecs.split(/[ ,]/).find((c) => !/^(mp4a|opus|ac-3|ec-3)/i.test(c)) ?? codecs;
  if (/^(hvc1|hev1)/i.test(v)) return 'H.265';
  if (/^(avc1|avc3)/i.test(v)) return 'H.264';
  if (/^(vp09|vp9)/i.test(v)) return 'VP9';
  if (/^av01/i.test(v)) return 'AV1';
  return v.includes('.') ? v.split('.')[0]! : "the camera's codec";
}
