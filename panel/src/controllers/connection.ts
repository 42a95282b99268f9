/**
 * Where Lookout is, for one card: a configured `url`, the add-on's ingress (in an HA dashboard, no
 * `url`), or the page's own origin (the panel page, itself served through ingress or standalone).
 * Owns the ingress session cookie and its keep-alive, and the page-wide MSE WebSocket per base.
 *
 * The add-on's full slug differs per install (`<repository hash>_lookout`, `local_lookout` for a
 * local add-on): without `addon_slug` the card asks the Supervisor for the add-on list (`/addons`
 * through `hass.callWS`) and takes the Lookout one (addon-slug.ts). When neither the add-on nor a
 * configured `url` answers, the card says which and what to do, and keeps retrying.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { LookoutApi } from '../api/client.js';
import { LiveSocket } from '../players/mse-client.js';
import { findLookoutAddon, type SupervisorAddon } from './addon-slug.js';

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
  /** The configured add-on slug; null: found through the Supervisor's add-on list. */
  private slug: string | null = null;
  /** The slug found in the add-on list (kept while the config stays the same). */
  private found: string | null = null;
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
  configure(url: string | null, slug: string | null, hass: HassLike | null, standalone: boolean): void {
    this.hass = hass;
    this.standalone = standalone;
    const key = `${url ?? ''}|${slug}|${hass ? 'hass' : ''}|${standalone}`;
    if (key === this.key) return;
    this.key = key;
    this.url = url;
    this.slug = slug;
    this.found = null;
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
    if (this.url === null && this.hass === null) {
      // The panel page: relative to the document (works behind ingress as is).
      this.api = new LookoutApi(document.baseURI);
      this.set('ready', '');
      return;
    }
    if (this.url !== null) {
      const api = new LookoutApi(this.url);
      try {
        await reachable(api.base);
      } catch (err) {
        if (gen !== this.generation) return;
        this.api = null;
        this.fail(
          `Lookout is not reachable at ${this.url} (${(err as Error).message}): check the card's url`,
        );
        return;
      }
      if (gen !== this.generation) return;
      this.api = api;
      this.attempt = 0;
      this.set('ready', '');
      return;
    }
    this.set('connecting', '');
    try {
      const slug = this.slug ?? this.found ?? (await this.findAddon());
      if (gen !== this.generation) return;
      const info = await this.hass!.callWS<{ ingress_url?: string; state?: string }>({
        type: 'supervisor/api',
        endpoint: `/addons/${slug}/info`,
        method: 'get',
      });
      if (gen !== this.generation) return;
      if (!info.ingress_url) throw new Error(`add-on ${slug} has no ingress URL`);
      if (info.state && info.state !== 'started')
        throw new Error(
          `the Lookout add-on (${slug}) is not running (${info.state}): start it in Settings ▸ Add-ons`,
        );
      await this.newSession();
      if (gen !== this.generation) return;
      this.api = new LookoutApi(info.ingress_url);
      this.attempt = 0;
      this.set('ready', '');
      this.keepalive = window.setInterval(() => void this.validate(gen), KEEPALIVE_MS);
    } catch (err) {
      if (gen !== this.generation) return;
      this.fail(`cannot reach Lookout through ingress: ${(err as Error).message}`);
    }
  }

  /** Shows the reason and tries again with a capped backoff. */
  private fail(message: string): void {
    this.set('error', message);
    const delay = RETRY_MS[Math.min(this.attempt++, RETRY_MS.length - 1)]!;
    this.retry = window.setTimeout(() => void this.connect(), delay);
  }

  /** The Lookout add-on's full slug from the Supervisor's add-on list (admin users may list it). */
  private async findAddon(): Promise<string> {
    let answer: { addons?: SupervisorAddon[] };
    try {
      answer = await this.hass!.callWS<{ addons?: SupervisorAddon[] }>({
        type: 'supervisor/api',
        endpoint: '/addons',
        method: 'get',
      });
    } catch (err) {
      throw new Error(
        `the add-on list is not available (${(err as Error).message}); set addon_slug (the add-on's slug, e.g. a0d7b954_lookout) or url in the card`,
      );
    }
    const slug = findLookoutAddon(answer.addons ?? []);
    if (!slug)
      throw new Error(
        'no Lookout add-on is installed in Home Assistant and the card has no url: install the Lookout add-on, or set url to Lookout’s address',
      );
    this.found = slug;
    return slug;
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

/**
 * Does anything answer at the base? A no-cors probe of `api/health` (no credentials needed there):
 * a Lookout on another origin (no CORS for the API) still answers with an opaque response, while a
 * wrong host or port fails as a network error.
 */
async function reachable(base: string): Promise<void> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 5000);
  try {
    await fetch(new URL('api/health', base), { mode: 'no-cors', cache: 'no-store', signal: abort.signal });
  } catch (err) {
    throw new Error(
      abort.signal.aborted ? 'no answer within 5 s' : (err as Error).message || 'network error',
    );
  } finally {
    clearTimeout(timer);
  }
}
