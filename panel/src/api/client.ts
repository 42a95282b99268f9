/**
 * The panel's one door to the supervisor: every URL the card uses is built here, relative to the
 * Lookout base (same origin, an HA ingress path, or a configured URL), so the card works behind
 * ingress unchanged. Answer shapes come from the supervisor's contracts; nothing is redefined.
 */
import type { CameraSummary, LeaseAnswer } from '../../../addon/src/contracts/api.js';
import type { EventsAnswer, MotionEvent, MotionState } from '../../../addon/src/contracts/events.js';
import type {
  PresetSavedAnswer,
  PresetsAnswer,
  PtzCapabilitiesAnswer,
  PtzMoveAnswer,
  PtzMoveBody,
  PtzOkAnswer,
} from '../../../addon/src/contracts/ptz.js';
import type { RecorderState } from '../../../addon/src/contracts/recording.js';
import type { LeaseKind, StreamStatus } from '../../../addon/src/contracts/stream-state.js';
import {
  profileSegment,
  streamKey,
  type ProfileName,
  type StreamVariant,
} from '../../../addon/src/contracts/stream-key.js';
import type { SrtlaStatsAnswer } from '../../../addon/src/contracts/srtla.js';

/** An API error answer, with the supervisor's code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiOptions {
  /**
   * Bearer token for a standalone supervisor with `api.token` set. Sent as a header on fetches; media
   * elements and WebSockets cannot send headers, so the supervisor also accepts its session cookie.
   */
  token?: string;
  /** For tests: the fetch to use. */
  fetch?: typeof fetch;
}

/** Server-sent events of /api/events/stream, as the card consumes them. */
export interface EventHandlers {
  snapshot?: (s: EventsAnswer) => void;
  motion?: (e: MotionEvent) => void;
  state?: (s: MotionState) => void;
  /** Connection to the event stream opened (true) or lost (false; EventSource retries by itself). */
  connection?: (open: boolean) => void;
}

export class LookoutApi {
  /** Absolute base URL ending with `/`. */
  readonly base: string;

  constructor(
    base: string = document.baseURI,
    private readonly opts: ApiOptions = {},
  ) {
    const u = new URL(base, document.baseURI);
    if (!u.pathname.endsWith('/')) u.pathname += '/';
    u.search = '';
    u.hash = '';
    this.base = u.href;
  }

  /** `path` is relative (no leading slash): `api/cameras`, `hls/cam/sub/index.m3u8`. */
  url(path: string): string {
    return new URL(path, this.base).href;
  }

  /** The multiplexed MSE WebSocket (ws: or wss: to match the base). */
  wsUrl(): string {
    const u = new URL('api/ws', this.base);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    return u.href;
  }

  /** LL-HLS multivariant playlist of one stream (`variant`: its H.264 variant, `sub~h264`). */
  hlsUrl(camera: string, profile: ProfileName, variant?: StreamVariant): string {
    return this.url(`hls/${enc(camera)}/${profileSegment(streamKey(camera, profile, variant))}/index.m3u8`);
  }

  /** JPEG of the latest keyframe; `bust` defeats caches when refreshing a snapshot tile. */
  snapshotUrl(camera: string, profile: ProfileName, bust?: number): string {
    const q = new URLSearchParams({ profile });
    if (bust !== undefined) q.set('t', String(bust));
    return this.url(`api/cameras/${enc(camera)}/snapshot?${q.toString()}`);
  }

  /**
   * WHEP through Lookout's origin: posts the SDP offer, returns MediaMTX's answer and the session
   * URL (the answer's relative Location resolved against the offer URL) for whepClose.
   */
  async whepOffer(
    camera: string,
    profile: ProfileName,
    offer: string,
  ): Promise<{ answer: string; session: string }> {
    const url = this.url(`api/webrtc/${enc(camera)}/${profile}/whep`);
    const res = await (this.opts.fetch ?? fetch)(url, {
      method: 'POST',
      headers: this.authHeaders({ 'content-type': 'application/sdp' }),
      credentials: 'same-origin',
      body: offer,
    });
    const text = await res.text();
    if (res.status !== 201) {
      let message = `WHEP: HTTP ${res.status}`;
      try {
        message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
      } catch {
        /* not JSON */
      }
      throw new ApiError(res.status, 'webrtc', message);
    }
    return { answer: text, session: new URL(res.headers.get('location') ?? '', url).href };
  }

  async whepClose(session: string): Promise<void> {
    await (this.opts.fetch ?? fetch)(session, {
      method: 'DELETE',
      headers: this.authHeaders({}),
      credentials: 'same-origin',
      keepalive: true,
    });
  }

  private authHeaders(h: Record<string, string>): Record<string, string> {
    if (this.opts.token) h.authorization = `Bearer ${this.opts.token}`;
    return h;
  }

  /** The SRTLA receivers' per-stream and per-link figures (bonded cameras). */
  srtlaStats(): Promise<SrtlaStatsAnswer> {
    return this.json('GET', 'api/srtla/stats');
  }

  async cameras(): Promise<CameraSummary[]> {
    return (await this.json<{ cameras: CameraSummary[] }>('GET', 'api/cameras')).cameras;
  }

  stream(camera: string, profile: ProfileName): Promise<StreamStatus> {
    return this.json('GET', `api/streams/${enc(camera)}/${profile}`);
  }

  acquireLease(
    camera: string,
    profile: ProfileName,
    body: { kind?: LeaseKind; ttl_ms?: number; holder?: string } = {},
  ): Promise<LeaseAnswer> {
    return this.json('POST', `api/streams/${enc(camera)}/${profile}/leases`, { kind: 'viewer', ...body });
  }

  renewLease(id: string, ttlMs?: number): Promise<LeaseAnswer> {
    return this.json('POST', `api/leases/${enc(id)}/renew`, ttlMs === undefined ? {} : { ttl_ms: ttlMs });
  }

  async releaseLease(id: string): Promise<void> {
    await this.json('DELETE', `api/leases/${enc(id)}`);
  }

  ptz(camera: string): Promise<PtzCapabilitiesAnswer> {
    return this.json('GET', `api/cameras/${enc(camera)}/ptz`);
  }

  /** Continuous move (velocities −1..1); the server stops it after `timeout_ms` unless renewed. */
  ptzMove(camera: string, body: PtzMoveBody): Promise<PtzMoveAnswer> {
    return this.json('POST', `api/cameras/${enc(camera)}/ptz/move`, body);
  }

  ptzStop(camera: string): Promise<PtzOkAnswer> {
    return this.json('POST', `api/cameras/${enc(camera)}/ptz/stop`, {});
  }

  ptzHome(camera: string): Promise<PtzOkAnswer> {
    return this.json('POST', `api/cameras/${enc(camera)}/ptz/home`, {});
  }

  async presets(camera: string): Promise<string[]> {
    const a = await this.json<PresetsAnswer>('GET', `api/cameras/${enc(camera)}/presets`);
    return a.presets.map((p) => p.name);
  }

  gotoPreset(camera: string, name: string): Promise<PtzOkAnswer> {
    return this.json('POST', `api/cameras/${enc(camera)}/presets/${enc(name)}/goto`, {});
  }

  /** Saves the current position under `name` (overwrites an existing preset of that name). */
  savePreset(camera: string, name: string): Promise<PresetSavedAnswer> {
    return this.json('PUT', `api/cameras/${enc(camera)}/presets/${enc(name)}`, {});
  }

  async removePreset(camera: string, name: string): Promise<void> {
    await this.json('DELETE', `api/cameras/${enc(camera)}/presets/${enc(name)}`);
  }

  recording(camera: string): Promise<RecorderState> {
    return this.json('GET', `api/cameras/${enc(camera)}/recording`);
  }

  startRecording(camera: string, durationS?: number): Promise<RecorderState> {
    return this.json(
      'POST',
      `api/cameras/${enc(camera)}/recording/start`,
      durationS === undefined ? {} : { duration_s: durationS },
    );
  }

  stopRecording(camera: string): Promise<RecorderState> {
    return this.json('POST', `api/cameras/${enc(camera)}/recording/stop`, {});
  }

  /** Subscribes to motion/state events; returns the unsubscribe function. */
  events(handlers: EventHandlers): () => void {
    const es = new EventSource(this.url('api/events/stream'), { withCredentials: true });
    const on = <T>(type: string, fn?: (v: T) => void) => {
      if (fn) es.addEventListener(type, (ev) => fn(JSON.parse((ev as MessageEvent<string>).data) as T));
    };
    on('snapshot', handlers.snapshot);
    on('motion', handlers.motion);
    on('state', handlers.state);
    es.onopen = () => handlers.connection?.(true);
    es.onerror = () => handlers.connection?.(false);
    return () => es.close();
  }

  /** One JSON request; non-2xx answers become an ApiError with the supervisor's code and message. */
  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    const res = await (this.opts.fetch ?? fetch)(this.url(path), {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON (a proxy's error page): reported below with the status.
    }
    if (!res.ok) {
      const e = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
      throw new ApiError(
        res.status,
        e?.code ?? 'http_error',
        e?.message ?? `${method} ${path}: HTTP ${res.status}`,
      );
    }
    return parsed as T;
  }
}

const enc = encodeURIComponent;
