/**
 * Dahua/Amcrest PTZ over their HTTP CGI (FIELD-NOTES, vendors): `ptz.cgi?action=start|stop` with
 * string direction codes and speeds 1..8, HTTP Digest auth. A fallback for cameras whose ONVIF PTZ
 * is missing or slow; the same safety rules apply (PtzController arms the auto-stop).
 * A stop must name the code that was started, so we remember it.
 */
import type { PtzVelocity } from '../../contracts/ptz.js';
import { digestRequest } from '../../lib/http-digest.js';
import type { VendorEndpoint, VendorPtz } from '../types.js';

export interface CgiEndpoint {
  /** http://host[:port] */
  baseUrl: string;
  username: string;
  password: string;
  channel?: number;
  timeoutMs?: number;
}

/** Direction code and speeds for a velocity; null when it is a stop. Speeds are 1..8 (never 0). */
export function dahuaCode(v: PtzVelocity): { code: string; vertical: number; horizontal: number } | null {
  const speed = (x: number) => Math.max(1, Math.min(8, Math.round(Math.abs(x) * 8)));
  const dead = 0.05;
  const h = Math.abs(v.pan) < dead ? '' : v.pan < 0 ? 'Left' : 'Right';
  const vert = Math.abs(v.tilt) < dead ? '' : v.tilt > 0 ? 'Up' : 'Down';
  if (h && vert) return { code: `${h}${vert}`, vertical: speed(v.tilt), horizontal: speed(v.pan) };
  if (h) return { code: h, vertical: 0, horizontal: speed(v.pan) };
  if (vert) return { code: vert, vertical: 0, horizontal: speed(v.tilt) };
  if (Math.abs(v.zoom) >= dead)
    return { code: v.zoom > 0 ? 'ZoomTele' : 'ZoomWide', vertical: 0, horizontal: speed(v.zoom) };
  return null;
}

export class DahuaPtz implements VendorPtz {
  private started: { code: string; vertical: number; horizontal: number } | null = null;

  constructor(private readonly ep: CgiEndpoint) {}

  async move(v: PtzVelocity): Promise<void> {
    const c = dahuaCode(v);
    if (!c) return this.stop();
    // Changing direction: stop the old code first, or some firmwares keep both running.
    if (this.started && this.started.code !== c.code) await this.stop();
    await this.send('start', c);
    this.started = c;
  }

  async stop(): Promise<void> {
    const c = this.started ?? { code: 'Left', vertical: 0, horizontal: 1 };
    this.started = null;
    await this.send('stop', c);
  }

  private async send(
    action: 'start' | 'stop',
    c: { code: string; vertical: number; horizontal: number },
  ): Promise<void> {
    const q = new URLSearchParams({
      action,
      channel: String(this.ep.channel ?? 1),
      code: c.code,
      arg1: String(c.vertical),
      arg2: String(c.horizontal),
      arg3: '0',
    });
    const url = `${this.ep.baseUrl.replace(/\/$/, '')}/cgi-bin/ptz.cgi?${q.toString()}`;
    const res = await digestRequest({
      url,
      username: this.ep.username,
      password: this.ep.password,
      timeoutMs: this.ep.timeoutMs,
    });
    if (res.status === 401)
      throw new Error(`PTZ CGI ${action}: authentication failed for user "${this.ep.username}"`);
    if (res.status !== 200 || !/^\s*OK/i.test(res.body)) {
      throw new Error(`PTZ CGI ${action} ${c.code}: HTTP ${res.status} ${res.body.trim().slice(0, 120)}`);
    }
  }
}

/** The registry's PTZ factory for Dahua firmware (Dahua, Amcrest). */
export function dahuaPtzCgi(endpoint: VendorEndpoint): DahuaPtz {
  return new DahuaPtz({ baseUrl: endpoint.baseUrl, ...endpoint.credentials });
}
