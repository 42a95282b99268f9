/**
 * Pictures for Home Assistant: the camera entity's retained latest picture (`<base>/<cam>/image`)
 * and the `image` entity's "last motion" picture with its time (`<base>/<cam>/last_motion/image` +
 * `<base>/<cam>/last_motion`). Retained, so HA shows them after its own or Lookout's restart.
 *
 * When: at the start of each motion (at most one per camera per MOTION_COOLDOWN_MS, from the main
 * stream: the picture a notification wants), every `mqtt.image_interval` (the sub stream: cheap,
 * cameras one after another so an interval never starts every camera's FFmpeg at once), and after
 * every snapshot command (its JPEG, copied). One grab per camera at a time; a failing camera logs
 * one warning until it delivers again, and never stops the others.
 */
import type { ResolvedCamera } from '../../contracts/config.js';
import type { MotionEvent } from '../../contracts/events.js';
import type { LastMotionPayload, MqttTopics } from '../../contracts/mqtt.js';
import type { ProfileName } from '../../contracts/stream-key.js';
import type { Logger } from '../../lib/log.js';
import type { SnapshotService } from './ports.js';

export const MOTION_COOLDOWN_MS = 10_000;

export interface CameraPicturesOptions {
  topics: MqttTopics;
  snapshots: SnapshotService;
  /** The cameras HA has entities for (enabled, not hidden). */
  cameras: () => ResolvedCamera[];
  /** Publishes a retained message (QoS 1); drops it while disconnected. */
  publish: (topic: string, payload: Buffer | string) => void;
  /** mqtt.image_interval; null: no periodic pictures. */
  intervalMs: number | null;
  log: Logger;
  /** Before the first periodic round (default 5 s: the streams and the broker connection settle). */
  firstRoundMs?: number;
  motionCooldownMs?: number;
}

export class CameraPictures {
  private readonly busy = new Set<string>();
  private readonly lastMotion = new Map<string, number>();
  private readonly failing = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly o: CameraPicturesOptions) {}

  start(): void {
    if (this.o.intervalMs === null) return;
    const round = () => {
      this.timer = null;
      void this.round().finally(() => {
        if (!this.stopped) this.timer = setTimeout(round, this.o.intervalMs!).unref();
      });
    };
    this.timer = setTimeout(round, this.o.firstRoundMs ?? 5000).unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** A motion event: its start (active) gets a picture, both as last motion and as latest. */
  onMotion(ev: MotionEvent): void {
    if (!ev.active || this.stopped) return;
    const cam = this.o.cameras().find((c) => c.id === ev.camera);
    if (!cam) return;
    const now = Date.now();
    if (now - (this.lastMotion.get(cam.id) ?? -Infinity) < (this.o.motionCooldownMs ?? MOTION_COOLDOWN_MS))
      return;
    this.lastMotion.set(cam.id, now);
    void this.grab(cam, cam.profiles.main ? 'main' : 'sub', (jpeg, frameAt, profile) => {
      const meta: LastMotionPayload = {
        at: ev.at,
        kind: ev.kind,
        source: ev.source,
        frameAt: new Date(frameAt).toISOString(),
        profile,
        bytes: jpeg.length,
      };
      // Attributes first: when HA sees the new picture, its time is already there.
      this.o.publish(this.o.topics.lastMotion(cam.id), JSON.stringify(meta));
      this.o.publish(this.o.topics.lastMotionImage(cam.id), jpeg);
    });
  }

  /** A snapshot somebody asked for (the snapshot command) is the latest picture too. */
  latest(camera: string, jpeg: Buffer): void {
    if (!this.stopped && this.o.cameras().some((c) => c.id === camera))
      this.o.publish(this.o.topics.image(camera), jpeg);
  }

  /** One periodic round: every camera in turn, from its sub stream. */
  private async round(): Promise<void> {
    for (const cam of this.o.cameras()) {
      if (this.stopped) return;
      await this.grab(cam, cam.profiles.sub ? 'sub' : 'main');
    }
  }

  private async grab(
    cam: ResolvedCamera,
    profile: ProfileName,
    also?: (jpeg: Buffer, frameAt: number, profile: ProfileName) => void,
  ): Promise<void> {
    if (this.busy.has(cam.id)) return;
    this.busy.add(cam.id);
    try {
      const snap = await this.o.snapshots.get({ camera: cam.id, profile });
      if (this.stopped) return;
      also?.(snap.jpeg, snap.frameAt, profile);
      this.o.publish(this.o.topics.image(cam.id), snap.jpeg);
      if (this.failing.delete(cam.id))
        this.o.log.info({ camera: cam.id }, 'camera picture for HA taken again');
    } catch (err) {
      // The logger masks credentials in every line it writes.
      const msg = err instanceof Error ? err.message : String(err);
      if (this.failing.has(cam.id))
        this.o.log.debug({ camera: cam.id, err: msg }, 'camera picture for HA failed');
      else {
        this.failing.add(cam.id);
        this.o.log.warn(
          { camera: cam.id, err: msg },
          'could not take the camera picture for HA; retrying later',
        );
      }
    } finally {
      this.busy.delete(cam.id);
    }
  }
}
