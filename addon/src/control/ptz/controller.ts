/**
 * PTZ for one camera: over its ONVIF session, or over its vendor's HTTP API (vendors/<brand>/) when
 * it has no ONVIF endpoint.
 *
 * Safety first (FIELD-NOTES, NODERED-ONVIF §3.8: cameras ignore the ContinuousMove Timeout):
 * every continuous move arms a timer; unless another move renews it, we send Stop ourselves after
 * `safetyStopMs`, so a dropped client or a lost stop never leaves a camera spinning.
 * Commands are serialised per camera (one queue) and moves are rate-limited: a burst of moves
 * that arrives while one is waiting for its slot is coalesced into the latest velocity.
 * Capabilities come from the camera (GetNodes), gated by the config's declared capabilities.
 */
import type { ResolvedCamera } from '../../contracts/config.js';
import {
  PTZ_AXES,
  PTZ_AXIS,
  PTZ_MOVE_TIMEOUT_MS,
  presetName,
  presetNameError,
  type PtzSupport,
  type PtzVelocity,
} from '../../contracts/ptz.js';
import { badRequest, notFound } from '../../lib/errors.js';
import type { VendorPtz } from '../../vendors/types.js';
import { CameraFault, classify, faultText } from '../onvif/errors.js';
import { readPtzSupport } from '../onvif/ptz-support.js';
import type { OnvifSession } from '../onvif/session.js';
import { escapeXml, normalisePresets, type Preset } from './presets.js';

export interface PtzOptions {
  /** A continuous move stops by itself after this long unless renewed. Default 1000 ms. */
  safetyStopMs?: number;
  /** Minimum gap between two moves sent to the camera; moves in between are coalesced. Default 100 ms. */
  minMoveIntervalMs?: number;
}

interface PendingMove {
  v: PtzVelocity;
  timeoutMs: number;
  waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function checkVelocity(v: Partial<Record<keyof PtzVelocity, unknown>>): PtzVelocity {
  const out: PtzVelocity = { pan: 0, tilt: 0, zoom: 0 };
  for (const axis of PTZ_AXES) {
    const value = v[axis] ?? 0;
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      value < PTZ_AXIS.min ||
      value > PTZ_AXIS.max
    ) {
      throw badRequest(`${axis} must be a number between ${PTZ_AXIS.min} and ${PTZ_AXIS.max}`);
    }
    out[axis] = value;
  }
  return out;
}

export class PtzController {
  private readonly safetyStopMs: number;
  private readonly minGapMs: number;
  private tail: Promise<unknown> = Promise.resolve();
  private pending: PendingMove | null = null;
  private lastMoveAt = 0;
  private safetyTimer: NodeJS.Timeout | null = null;
  private moving = false;
  private support: PtzSupport | null = null;
  /** Cleared when the camera rejects the ContinuousMove Timeout element (Bosch). */
  private sendTimeout = true;
  private closed = false;

  constructor(
    private readonly camera: ResolvedCamera,
    private readonly session: OnvifSession | null,
    opts: PtzOptions = {},
    /** Vendor HTTP API fallback (continuous moves only), used when the camera has no ONVIF endpoint. */
    private readonly cgi: VendorPtz | null = null,
  ) {
    this.safetyStopMs = opts.safetyStopMs ?? PTZ_MOVE_TIMEOUT_MS.default;
    this.minGapMs = opts.minMoveIntervalMs ?? 100;
  }

  /** Why PTZ is unavailable from the config alone (409 before talking to the camera), or null. */
  configRefusal(needPresets = false): string | null {
    if (!this.camera.capabilities.ptz)
      return `camera "${this.camera.id}" has no PTZ (capabilities.ptz is false)`;
    if (!this.session && !this.cgi)
      return `camera "${this.camera.id}" has no ONVIF endpoint configured (onvif)`;
    if (needPresets && !this.camera.capabilities.presets) {
      return `camera "${this.camera.id}" has no presets (capabilities.presets is false)`;
    }
    return null;
  }

  /** What the camera itself says it supports (cached after the first answer). */
  async capabilities(): Promise<PtzSupport> {
    this.gate(false);
    if (this.support) return this.support;
    if (!this.session) {
      return {
        continuous: true,
        relative: false,
        absolute: false,
        home: false,
        presets: false,
        max_presets: null,
      };
    }
    this.support = await readPtzSupport(this.session, this.camera.id);
    return this.support;
  }

  /** Continuous move; renews the safety stop. All-zero velocity is a stop. */
  async move(v: PtzVelocity, timeoutMs = this.safetyStopMs): Promise<{ stopsInMs: number }> {
    this.gate(false);
    const velocity = checkVelocity(v);
    const { min, max } = PTZ_MOVE_TIMEOUT_MS;
    if (!Number.isInteger(timeoutMs) || timeoutMs < min || timeoutMs > max) {
      throw badRequest(`timeout_ms must be an integer between ${min} and ${max}`);
    }
    if (velocity.pan === 0 && velocity.tilt === 0 && velocity.zoom === 0) {
      await this.stop();
      return { stopsInMs: 0 };
    }
    const support = await this.capabilities();
    if (!support.continuous)
      throw new CameraFault('unsupported', `camera "${this.camera.id}" does not support continuous moves`);
    // Armed before sending: if the request is lost after the camera acted on it, we still stop.
    this.armSafety(timeoutMs);
    if (this.pending) {
      this.pending.v = velocity;
      this.pending.timeoutMs = timeoutMs;
      await new Promise<void>((resolve, reject) => this.pending?.waiters.push({ resolve, reject }));
      return { stopsInMs: timeoutMs };
    }
    const mine: PendingMove = { v: velocity, timeoutMs, waiters: [] };
    this.pending = mine;
    const done = new Promise<void>((resolve, reject) => mine.waiters.push({ resolve, reject }));
    void this.enqueue(async () => {
      const wait = this.lastMoveAt + this.minGapMs - Date.now();
      if (wait > 0) await sleep(wait);
      if (this.pending !== mine) return; // superseded by a stop
      this.pending = null;
      try {
        this.lastMoveAt = Date.now();
        await this.sendMove(mine.v, mine.timeoutMs);
        this.moving = true;
        for (const w of mine.waiters) w.resolve();
      } catch (err) {
        for (const w of mine.waiters) w.reject(err);
      }
    });
    await done;
    return { stopsInMs: timeoutMs };
  }

  /** Stops pan, tilt and zoom; cancels a move still waiting for its slot. */
  async stop(): Promise<void> {
    this.gate(false);
    this.disarmSafety();
    const cancelled = this.pending;
    this.pending = null;
    for (const w of cancelled?.waiters ?? []) w.resolve();
    await this.enqueue(() => this.sendStop());
  }

  async home(): Promise<void> {
    this.requireSession(false);
    const support = await this.capabilities();
    if (!support.home)
      throw new CameraFault('unsupported', `camera "${this.camera.id}" has no home position`);
    this.disarmSafety();
    await this.enqueue(() =>
      this.requireSession(false).call('gotoHomePosition', (profileToken) => [{ profileToken }]),
    );
  }

  async relative(v: PtzVelocity): Promise<void> {
    const t = checkVelocity(v);
    if (!(await this.capabilities()).relative)
      throw new CameraFault('unsupported', `camera "${this.camera.id}" does not support relative moves`);
    await this.enqueue(() =>
      this.requireSession(false).call('relativeMove', (profileToken) => [
        { profileToken, x: t.pan, y: t.tilt, zoom: t.zoom },
      ]),
    );
  }

  async absolute(v: PtzVelocity): Promise<void> {
    const t = checkVelocity(v);
    if (!(await this.capabilities()).absolute)
      throw new CameraFault('unsupported', `camera "${this.camera.id}" does not support absolute moves`);
    await this.enqueue(() =>
      this.requireSession(false).call('absoluteMove', (profileToken) => [
        { profileToken, x: t.pan, y: t.tilt, zoom: t.zoom },
      ]),
    );
  }

  async presets(): Promise<Preset[]> {
    this.requireSession(true);
    return this.listPresets();
  }

  async gotoPreset(name: string): Promise<Preset> {
    this.requireSession(true);
    const clean = checkPresetName(name);
    this.disarmSafety();
    return this.enqueue(async () => {
      const preset = await this.findPreset(clean);
      await this.requireSession(true).call('gotoPreset', (profileToken) => [
        { profileToken, preset: escapeXml(preset.token) },
      ]);
      return preset;
    });
  }

  /** Saves the current position under `name`, overwriting a preset with that name. */
  async savePreset(name: string): Promise<{ preset: Preset; created: boolean }> {
    this.requireSession(true);
    const clean = checkPresetName(name);
    return this.enqueue(async () => {
      const existing = (await this.listPresets()).find((p) => p.name === clean);
      await this.requireSession(true).call('setPreset', (profileToken) => [
        existing
          ? { profileToken, presetName: clean, presetToken: escapeXml(existing.token) }
          : { profileToken, presetName: clean },
      ]);
      const saved = (await this.listPresets()).find((p) => p.name === clean);
      if (!saved)
        throw new CameraFault('fault', `camera "${this.camera.id}": preset "${clean}" was not saved`);
      return { preset: saved, created: !existing };
    });
  }

  async removePreset(name: string): Promise<void> {
    this.requireSession(true);
    const clean = checkPresetName(name);
    await this.enqueue(async () => {
      const preset = await this.findPreset(clean);
      await this.requireSession(true).call('removePreset', (profileToken) => [
        { profileToken, presetToken: escapeXml(preset.token) },
      ]);
    });
  }

  /** Stops a move in flight (best effort) and refuses further commands. */
  async close(): Promise<void> {
    if (this.closed) return;
    const wasMoving = this.moving || this.safetyTimer !== null;
    this.disarmSafety();
    this.pending = null;
    if (wasMoving && (this.session || this.cgi))
      await this.enqueue(() => this.sendStop()).catch(() => undefined);
    this.closed = true;
  }

  /** Config gates and shutdown: what every command checks first. */
  private gate(needPresets: boolean): void {
    const refusal = this.configRefusal(needPresets);
    if (refusal) throw new CameraFault('unsupported', refusal);
    if (this.closed) throw new CameraFault('network', `camera "${this.camera.id}": PTZ control is shut down`);
  }

  private requireSession(needPresets: boolean): OnvifSession {
    this.gate(needPresets);
    if (!this.session) {
      throw new CameraFault(
        'unsupported',
        `camera "${this.camera.id}": only continuous moves are available over the vendor CGI`,
      );
    }
    return this.session;
  }

  /** Runs a CGI command with the same error classes as ONVIF (502, auth, unreachable). */
  private async viaCgi(what: string, fn: (cgi: VendorPtz) => Promise<void>): Promise<void> {
    const cgi = this.cgi as VendorPtz;
    try {
      await fn(cgi);
    } catch (err) {
      const pw = this.camera.credentials?.password;
      const kind = /authentication failed/.test(String(err)) ? 'auth' : classify(err);
      throw new CameraFault(
        kind,
        `camera "${this.camera.id}": PTZ CGI ${what} failed: ${faultText(err, pw ? [pw] : [])}`,
      );
    }
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const run = this.tail.then(job, job);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async listPresets(): Promise<Preset[]> {
    return normalisePresets(
      await this.requireSession(true).call('getPresets', (profileToken) => [{ profileToken }]),
    );
  }

  private async findPreset(name: string): Promise<Preset> {
    const preset = (await this.listPresets()).find((p) => p.name === name);
    if (!preset) throw notFound(`preset "${name.slice(0, 80)}" on camera "${this.camera.id}"`);
    return preset;
  }

  private async sendMove(v: PtzVelocity, timeoutMs: number): Promise<void> {
    if (!this.session && this.cgi) return this.viaCgi('move', (cgi) => cgi.move(v));
    const session = this.requireSession(false);
    const args = (withTimeout: boolean) => (profileToken: string) => [
      { profileToken, x: v.pan, y: v.tilt, zoom: v.zoom, ...(withTimeout ? { timeout: timeoutMs } : {}) },
    ];
    try {
      // The camera-side Timeout is a second safety net, in case we lose the host.
      await session.call('continuousMove', args(this.sendTimeout));
    } catch (err) {
      if (!this.sendTimeout || !(err instanceof CameraFault) || err.kind !== 'fault') throw err;
      this.sendTimeout = false;
      await session.call('continuousMove', args(false));
    }
  }

  private async sendStop(): Promise<void> {
    const session = this.session;
    this.moving = false;
    if (!session) return this.cgi ? this.viaCgi('stop', (cgi) => cgi.stop()) : undefined;
    try {
      await session.call('stop', (profileToken) => [{ profileToken, panTilt: true, zoom: true }]);
    } catch (err) {
      // Some cameras do not implement Stop (HA #150183): a zero-velocity move stops them.
      if (!(err instanceof CameraFault) || err.kind !== 'fault') throw err;
      await session.call('continuousMove', (profileToken) => [{ profileToken, x: 0, y: 0, zoom: 0 }]);
    }
  }

  private armSafety(ms: number): void {
    this.disarmSafety();
    this.safetyTimer = setTimeout(() => {
      this.safetyTimer = null;
      void this.safetyStop();
    }, ms);
    this.safetyTimer.unref?.();
  }

  private disarmSafety(): void {
    if (this.safetyTimer) clearTimeout(this.safetyTimer);
    this.safetyTimer = null;
  }

  /** A stop nobody asked for: retried a few times, because this is the one that must arrive. */
  private async safetyStop(): Promise<void> {
    this.pending = null;
    for (let attempt = 0; attempt < 3 && !this.closed; attempt++) {
      try {
        await this.enqueue(() => this.sendStop());
        return;
      } catch {
        await sleep(250 * (attempt + 1));
      }
    }
  }
}

/** A client-given preset name, trimmed, checked against the one rule (contracts/ptz.ts); 400 otherwise. */
export function checkPresetName(name: string): string {
  const clean = presetName(name);
  if (clean === null) throw badRequest(presetNameError(name));
  return clean;
}
