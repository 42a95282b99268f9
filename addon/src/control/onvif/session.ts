/**
 * One ONVIF session per camera around agsh/onvif's callback `Cam`.
 *
 * What it adds over the bare library (see shared/docs/NODERED-ONVIF.md §3.7–3.9):
 *  - lazy, single-flight connect with short socket timeouts (the library default is 120 s);
 *  - every call settles once (the library can call back twice) and sync throws become rejections;
 *  - an explicit profile token on every call (calls without one throw when connect half-failed);
 *  - the pre-auth trap: a camera that answers GetSystemDateAndTime/GetServices without checking
 *    the password lets connect "succeed" with no profiles → reported as an auth error;
 *  - the clock: the library measures the camera-clock offset once; after an auth fault we reset
 *    `timeShift` and reconnect once (re-measuring) before reporting an auth error;
 *  - reconnect with backoff after network errors (a reboot can also move the camera clock, so a
 *    reconnect always re-measures it).
 */
import { Cam } from 'onvif';
import type { OnvifEndpoint } from '../../contracts/config.js';
import { Backoff } from './backoff.js';
import { CameraFault, classify, faultText } from './errors.js';

export interface SessionOptions {
  camera: string;
  endpoint: OnvifEndpoint;
  /** Per-request socket timeout. Default 5 s. */
  timeoutMs?: number;
  /** Reconnect backoff after a failed connect. Default 500 ms doubling to 30 s. */
  reconnectInitialMs?: number;
  reconnectMaxMs?: number;
}

type Callback = (err: unknown, data?: unknown) => void;

/** Calls a callback-style Cam method; settles once; a sync throw becomes a rejection. */
export function invoke<T>(cam: Cam, method: string, args: unknown[]): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const done: Callback = (err, data) => {
      if (settled) return;
      settled = true;
      if (err) reject(err instanceof Error ? err : new Error(String(err)));
      else resolve(data as T);
    };
    try {
      const fn = (cam as unknown as Record<string, (...a: unknown[]) => void>)[method];
      if (typeof fn !== 'function') throw new Error(`onvif library has no ${method}()`);
      fn.call(cam, ...args, done);
    } catch (err) {
      done(err);
    }
  });
}

export class OnvifSession {
  readonly camera: string;
  private readonly endpoint: OnvifEndpoint;
  private readonly timeoutMs: number;
  private cam: Cam | null = null;
  private connecting: Promise<Cam> | null = null;
  private readonly backoff: Backoff;
  private retryAt = 0;
  private lastError: CameraFault | null = null;
  private closed = false;

  constructor(opts: SessionOptions) {
    this.camera = opts.camera;
    this.endpoint = opts.endpoint;
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.backoff = new Backoff(opts.reconnectInitialMs ?? 500, opts.reconnectMaxMs ?? 30_000);
  }

  get connected(): boolean {
    return this.cam !== null;
  }

  /** The connected Cam (connecting first if needed). */
  async ready(): Promise<Cam> {
    if (this.closed) throw new CameraFault('network', `camera "${this.camera}": ONVIF session closed`);
    if (this.cam) return this.cam;
    if (!this.connecting) {
      if (Date.now() < this.retryAt && this.lastError) throw this.lastError;
      this.connecting = this.connect().finally(() => (this.connecting = null));
    }
    return this.connecting;
  }

  /** Profile token used for every media/PTZ call (never left to the library's guess). */
  profileToken(cam: Cam): string {
    const token =
      cam.activeSource?.profileToken ??
      profileTokenOf(cam.defaultProfile) ??
      profileTokenOf(cam.profiles?.[0]);
    if (!token) throw this.fault('auth', 'connect', new Error('camera reported no media profiles'));
    return token;
  }

  /**
   * Calls a Cam method. `build` gets the profile token and returns fresh arguments each time
   * (the library mutates option objects, and a retry must not reuse them).
   */
  async call<T>(method: string, build: (profileToken: string) => unknown[] = () => []): Promise<T> {
    const cam = await this.ready();
    try {
      return await invoke<T>(cam, method, build(this.profileToken(cam)));
    } catch (err) {
      if (err instanceof CameraFault) throw err;
      const kind = classify(err);
      if (kind === 'network') {
        this.drop();
        throw this.fault('network', method, err);
      }
      if (kind !== 'auth') throw this.fault('fault', method, err);
    }
    // Auth fault on a working session: most often the camera clock jumped (NTP, reboot without
    // RTC). Re-measure the offset once by reconnecting, then retry the call.
    this.drop();
    const again = await this.ready();
    try {
      return await invoke<T>(again, method, build(this.profileToken(again)));
    } catch (err) {
      const kind = classify(err);
      if (kind === 'network') this.drop();
      throw this.fault(kind, method, err);
    }
  }

  /** Forgets the Cam; the next call reconnects (and re-measures the clock). */
  drop(): void {
    if (this.cam) this.cam.removeAllListeners();
    this.cam = null;
  }

  close(): void {
    this.closed = true;
    this.drop();
  }

  fault(kind: CameraFault['kind'], what: string, err: unknown): CameraFault {
    const text = faultText(err, this.secrets());
    const prefix = `camera "${this.camera}": ONVIF ${what}`;
    if (kind === 'auth') {
      const user = this.endpoint.credentials?.username;
      return new CameraFault(
        'auth',
        `${prefix}: authentication failed${user ? ` for user "${user}"` : ' (no credentials configured)'} — check the username/password and the camera clock (${text})`,
      );
    }
    if (kind === 'network') return new CameraFault('network', `${prefix}: camera unreachable (${text})`);
    return new CameraFault(kind, `${prefix} failed: ${text}`);
  }

  private secrets(): string[] {
    const pw = this.endpoint.credentials?.password;
    return pw ? [pw] : [];
  }

  private async connect(): Promise<Cam> {
    const { host, port, path, credentials } = this.endpoint;
    const cam = new Cam({
      hostname: host,
      port,
      path,
      username: credentials?.username,
      password: credentials?.password,
      timeout: this.timeoutMs,
      autoconnect: false,
      // Subscription and service URLs keep our host:port (cameras behind NAT report LAN addresses).
      preserveAddress: true,
    });
    // A 'warning' with no listener is harmless, but an 'error' would throw: keep both quiet here.
    cam.on('warning', () => undefined);
    cam.on('error', () => undefined);
    try {
      await invoke(cam, 'connect', []);
      if (!cam.profiles?.length || !cam.activeSource) await this.explainNoProfiles(cam);
      if (this.closed) throw new CameraFault('network', `camera "${this.camera}": ONVIF session closed`);
      this.cam = cam;
      this.backoff.reset();
      this.retryAt = 0;
      this.lastError = null;
      return cam;
    } catch (err) {
      cam.removeAllListeners();
      const fault = err instanceof CameraFault ? err : this.fault(classify(err), 'connect', err);
      this.lastError = fault;
      this.retryAt = Date.now() + this.backoff.next();
      throw fault;
    }
  }

  /** Connect "worked" but there are no profiles: almost always a wrong password (pre-auth trap). */
  private async explainNoProfiles(cam: Cam): Promise<never> {
    try {
      await invoke(cam, 'getDeviceInformation', []);
    } catch (err) {
      throw this.fault(classify(err) === 'network' ? 'network' : 'auth', 'connect', err);
    }
    throw this.fault('fault', 'connect', new Error('camera reported no usable media profile'));
  }
}

/** Profiles carry their token as the XML attribute (`$.token`); typings say `token`. */
export function profileTokenOf(
  p: { token?: string; $?: { token?: unknown } } | undefined,
): string | undefined {
  const t = p?.$?.token ?? p?.token;
  return t === undefined || t === null ? undefined : String(t);
}
