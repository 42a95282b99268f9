/**
 * Where Lookout is, for one card: a configured `url`, the add-on's ingress (in an HA dashboard, no
 * `url`), or the page's own origin (the panel page, itself served through ingress or standalone).
 * Owns the ingress session cookie and its keep-alive, and the page-wide MSE WebSocket per base.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { LookoutApi } from '../api/client.js';
import { LiveSocket } from '../players/mse-client.js';

/** The slice of HA's `hass` object the card uses. */
export interface HassLike {
  callWS<T>(msg: Record<string, unknown>): Promise<T>;
}

export type ConnectionState = 'connecting' | 'ready' | 'error';

/** Ingress sessions expire 15 min after last use; HA's own frontend validates every 60 s. */
const KEEPALIVE_MS = 60_000;
const RETRY_MS = [2000, 5000, 10_000, 30_000];

/** One WebSocket per page and base: every tile of every card multiplexes its streams on it. */
const sockets = new Map<string, LiveSocket>();
export function sharedSocket(api: LookoutApi): LiveSocket {
  const url = api.wsUrl();
  let s = sockets.get(url);
  if (!s) {
    s = new LiveSocket(url);
    sockets.set(url, s);
  }
  return s;
}

export class ConnectionController implements ReactiveController {
  state: ConnectionState = 'connecting';
  error = '';
  api: LookoutApi | null = null;

  private url: string | null = null;
  private slug = '';
  private hass: HassLike | null = null;
  private session = '';
  private keepalive = 0;
  private retry = 0;
  private attempt = 0;
  private generation = 0;
  private connected = false;
  private key = '';
  /** The panel page: same origin. A dashboard card without `url` waits for `hass` instead. */
  private standalone = false;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  /** Config changes (url / add-on slug) reconnect; a new `hass` object alone does not (it comes often). */
  configure(url: string | null, slug: string, hass: HassLike | null, standalone: boolean): void {
    this.hass = hass;
    this.standalone = standalone;
    const key = `${url ?? ''}|${slug}|${hass ? 'hass' : ''}|${standalone}`;
    if (key === this.key) return;
    this.key = key;
    this.url = url;
    this.slug = slug;
    if (this.connected) void this.connect();
  }

  hostConnected(): void {
    this.connected = true;
    void this.connect();
  }

  hostDisconnected(): void {
    this.connected = false;
    this.generation++;
    clearInterval(this.keepalive);
    clearTimeout(this.retry);
  }

  private async connect(): Promise<void> {
    const gen = ++this.generation;
    clearInterval(this.keepalive);
    clearTimeout(this.retry);
    if (this.url === null && this.hass === null && !this.standalone) {
      this.api = null;
      this.set('connecting', 'waiting for Home Assistant');
      return;
    }
    if (this.url !== null || this.hass === null) {
      // A configured URL, or the panel page: relative to the document (works behind ingress as is).
      this.api = new LookoutApi(this.url ?? document.baseURI);
      this.set('ready', '');
      return;
    }
    this.set('connecting', '');
    try {
      const info = await this.hass.callWS<{ ingress_url?: string; state?: string }>({
        type: 'supervisor/api',
        endpoint: `/addons/${this.slug}/info`,
        method: 'get',
      });
      if (gen !== this.generation) return;
      if (!info.ingress_url) throw new Error(`add-on ${this.slug} has no ingress URL`);
      if (info.state && info.state !== 'started')
        throw new Error(`add-on ${this.slug} is not running (${info.state})`);
      await this.newSession();
      if (gen !== this.generation) return;
      this.api = new LookoutApi(info.ingress_url);
      this.attempt = 0;
      this.set('ready', '');
      this.keepalive = window.setInterval(() => void this.validate(gen), KEEPALIVE_MS);
    } catch (err) {
      if (gen !== this.generation) return;
      this.set('error', `cannot reach Lookout through ingress: ${(err as Error).message}`);
      const delay = RETRY_MS[Math.min(this.attempt++, RETRY_MS.length - 1)]!;
      this.retry = window.setTimeout(() => void this.connect(), delay);
    }
  }

  private async newSession(): Promise<void> {
    const { session } = await this.hass!.callWS<{ session: string }>({
      type: 'supervisor/api',
      endpoint: '/ingress/session',
      method: 'post',
    });
    this.session = session;
    const secure = location.protocol === 'https:' ? '; Secure' : '';
    document.cookie = `ingress_session=${session}; path=/api/hassio_ingress/; SameSite=Strict${secure}`;
  }

  /** Keeps the session alive; an expired or rejected one is replaced at once. */
  private async validate(gen: number): Promise<void> {
    try {
      await this.hass!.callWS({
        type: 'supervisor/api',
        endpoint: '/ingress/validate_session',
        method: 'post',
        data: { session: this.session },
      });
    } catch {
      if (gen !== this.generation) return;
      try {
        await this.newSession();
      } catch (err) {
        this.set('error', `ingress session lost: ${(err as Error).message}`);
        void this.connect();
      }
    }
  }

  private set(state: ConnectionState, error: string): void {
    this.state = state;
    this.error = error;
    this.host.requestUpdate();
  }
}
