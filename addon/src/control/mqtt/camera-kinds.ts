/**
 * What the MQTT service knows about each camera's detection kinds: which kinds it has (declared in
 * its ONVIF event properties, or seen in a state/event), and the last known ON/OFF of each. A kind
 * whose state was never known has no entry, so nothing is published for it (unknown is not OFF).
 */
import { MOTION_KINDS, type MotionKind } from '../../contracts/events.js';

/** A camera that could not tell its kinds is asked again after this long (on its next motion state). */
export const DECLARATION_RETRY_MS = 60_000;

export class CameraKinds {
  private readonly kinds = new Map<string, Set<MotionKind>>();
  private readonly states = new Map<string, Map<MotionKind, boolean>>();
  /** Cameras whose declaration arrived, is being fetched, or failed at (ms). */
  private readonly declared = new Set<string>();
  private readonly inFlight = new Set<string>();
  private readonly failedAt = new Map<string, number>();

  /** The camera's kinds in MOTION_KINDS order; null when none is known. */
  of(camera: string): MotionKind[] | null {
    const set = this.kinds.get(camera);
    return set && set.size > 0 ? MOTION_KINDS.filter((k) => set.has(k)) : null;
  }

  /** Adds kinds; returns the ones that are new (their entities must be announced). */
  add(camera: string, kinds: Iterable<MotionKind>): MotionKind[] {
    const set = this.kinds.get(camera) ?? new Set<MotionKind>();
    this.kinds.set(camera, set);
    const added: MotionKind[] = [];
    for (const k of kinds) {
      if (set.has(k)) continue;
      set.add(k);
      added.push(k);
    }
    return added;
  }

  setState(camera: string, kind: MotionKind, active: boolean): void {
    const map = this.states.get(camera) ?? new Map<MotionKind, boolean>();
    map.set(kind, active);
    this.states.set(camera, map);
  }

  /** Kinds with a known state, for re-publishing after a reconnect. */
  statesOf(camera: string): [MotionKind, boolean][] {
    return [...(this.states.get(camera) ?? [])];
  }

  /** Whether to ask the camera for its declaration now. */
  shouldAsk(camera: string, now = Date.now()): boolean {
    if (this.declared.has(camera) || this.inFlight.has(camera)) return false;
    const failed = this.failedAt.get(camera);
    return failed === undefined || now - failed >= DECLARATION_RETRY_MS;
  }

  asking(camera: string): void {
    this.inFlight.add(camera);
  }

  /** The answer: `ok` false (failed, or the camera cannot be asked this way) allows a later retry. */
  answered(camera: string, ok: boolean, now = Date.now()): void {
    this.inFlight.delete(camera);
    if (ok) {
      this.declared.add(camera);
      this.failedAt.delete(camera);
    } else {
      this.failedAt.set(camera, now);
    }
  }

  /** A removed camera: a camera added again under the same id starts over. */
  forget(camera: string): void {
    this.kinds.delete(camera);
    this.states.delete(camera);
    this.declared.delete(camera);
    this.inFlight.delete(camera);
    this.failedAt.delete(camera);
  }
}
