/**
 * `lookout-grid-card`: the Lovelace card (and, inside `<lookout-panel>`, the page at `/`). A grid of
 * camera tiles; renders only. Where Lookout is: ConnectionController; motion: EventsController;
 * playing: each tile's controllers. The fullscreen tile is remembered in localStorage, so a reload
 * (or a phone waking the tab) comes back to it. With `controls.review` a Live / Review switch shows
 * the review view (review/review-view.ts) instead of the grid; a tile's replay button opens it.
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import type { CameraSummary } from '../../addon/src/contracts/api.js';
import {
  CARD_DEFAULTS,
  autoColumns,
  resolveCardConfig,
  type LiveTech,
  type LookoutCardConfig,
  type ResolvedCardConfig,
} from './config/card-config.js';
import { ConnectionController, type HassLike } from './controllers/connection.js';
import { EventsController } from './controllers/events.js';
import { chooseTech, tileTech, type ResolvedTech } from './controllers/live-player.js';
import { createEditor, stubConfig } from './register.js';
import type { LookoutReview } from './review/review-view.js';

const FULLSCREEN_KEY = 'lookout:fullscreen';
const CAMERAS_RETRY_MS = 5000;
/** Sections view: one cell is ~30 px wide and 56 px tall with 8 px gaps (HA.md §3.1). */
const CELL_W = 30;
const CELL_H = 56;
const GAP = 8;

export class LookoutGridCard extends LitElement {
  static override properties = {
    /** Set by `<lookout-panel>`: reach Lookout on the page's own origin, never wait for `hass`. */
    standalone: { type: Boolean },
    /** Forces the live tech (the panel page's `?tech=`), over the config's `live_tech`. */
    tech: { type: String },
    _config: { state: true },
    _cameras: { state: true },
    _error: { state: true },
    _fullscreen: { state: true },
    _view: { state: true },
  };

  declare standalone: boolean;
  declare tech: LiveTech | null;
  declare _config: ResolvedCardConfig | null;
  declare _cameras: CameraSummary[] | null;
  declare _error: string;
  declare _fullscreen: string | null;
  declare _view: 'live' | 'review';

  private readonly connection = new ConnectionController(this);
  private readonly events = new EventsController(this);
  private _hass: HassLike | null = null;
  private loadedFor: unknown = null;
  private retry = 0;
  private resolvedTech: ResolvedTech | null = null;

  constructor() {
    super();
    this.standalone = false;
    this.tech = null;
    this._config = null;
    this._cameras = null;
    this._error = '';
    this._fullscreen = null;
    this._view = 'live';
  }

  /** Validates; a bad config throws CardConfigError, which HA shows as an error card. */
  setConfig(config: LookoutCardConfig): void {
    this._config = resolveCardConfig(config);
  }

  /** Set by HA on every state change: only handed on, never a re-render by itself. */
  set hass(hass: HassLike) {
    this._hass = hass;
    if (this._config)
      this.connection.configure(this._config.url, this._config.addon_slug, hass, this.standalone);
  }

  get hass(): HassLike | null {
    return this._hass;
  }

  getCardSize(): number {
    const n = this.tileCount();
    const cols = this.columns(n);
    const rows = Math.max(1, Math.ceil(n / cols));
    // 50 px units; tiles ~16:9 in a ~500 px wide masonry column.
    return 1 + Math.ceil((rows * (500 / cols) * this.aspect()) / 50);
  }

  /** Sections view: full width for a grid, half for one camera; rows from the tile aspect. */
  getGridOptions(): { columns: number; rows: number; min_columns: number; min_rows: number } {
    const n = this.tileCount();
    const columns = n <= 1 ? 6 : 12;
    const cols = this.columns(n);
    const widthPx = columns * CELL_W + (columns - 1) * GAP;
    const heightPx = Math.ceil(n / cols) * (widthPx / cols) * this.aspect() + (this._config?.title ? 40 : 0);
    return { columns, rows: Math.max(2, Math.ceil(heightPx / (CELL_H + GAP))), min_columns: 3, min_rows: 2 };
  }

  /** The visual editor (register.ts defines it). */
  static getConfigElement(): HTMLElement {
    return createEditor();
  }

  /** HA's card picker: every visible camera with the defaults. */
  static getStubConfig(hass?: unknown, entities?: unknown, entitiesFallback?: unknown): LookoutCardConfig {
    return stubConfig(hass, entities, entitiesFallback);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('keydown', this.onKey);
    if (this._fullscreen === null) this._fullscreen = localStorage.getItem(FULLSCREEN_KEY);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('keydown', this.onKey);
    clearTimeout(this.retry);
  }

  protected override willUpdate(changed: PropertyValues): void {
    const c = this._config;
    if (!c) return;
    if (changed.has('_config') || changed.has('standalone')) {
      this.connection.configure(c.url, c.addon_slug, this._hass, this.standalone);
    }
    const api = this.connection.api;
    this.events.configure(api, c.controls.motion);
    if (api && this.loadedFor !== api) {
      this.loadedFor = api;
      void this.loadCameras();
    }
    if (changed.has('_cameras') || changed.has('_config') || changed.has('tech')) this.resolvedTech = null;
  }

  override render() {
    const c = this._config;
    if (!c) return nothing;
    const api = this.connection.api;
    const header = c.title ? html`<h1 class="title">${c.title}</h1>` : nothing;
    if (!api || this._cameras === null) {
      const msg =
        this.connection.state === 'error' ? this.connection.error : this._error || 'Connecting to Lookout…';
      return html`<div class="card">
        ${header}
        <div class="message ${this._error || this.connection.error ? 'error' : ''}">${msg}</div>
      </div>`;
    }
    const { tiles, missing } = this.selected();
    const cols = this.columns(tiles.length);
    this.resolvedTech ??= chooseTech(this.tech ?? c.live_tech);
    const fs = tiles.some((t) => t.id === this._fullscreen) ? this._fullscreen : null;
    const [w, h] = c.aspect_ratio.split(':');
    const tabs = c.controls.review
      ? html`<div class="tabs" role="tablist">
          ${(['live', 'review'] as const).map(
            (v) =>
              html`<button
                role="tab"
                aria-selected=${this._view === v ? 'true' : 'false'}
                class=${this._view === v ? 'on' : ''}
                @click=${() => (this._view = v)}
              >
                ${v === 'live' ? 'Live' : 'Review'}
              </button>`,
          )}
        </div>`
      : nothing;
    if (c.controls.review && this._view === 'review')
      return html`<div class="card">
        ${header}${tabs}
        <lookout-review .api=${api} .cameras=${tiles}></lookout-review>
      </div>`;
    return html`<div class="card" style="--lookout-aspect: ${w} / ${h}">
      ${header}${tabs}
      ${missing.length ? html`<div class="message error">Unknown camera(s): ${missing.join(', ')}</div>` : nothing}
      ${this._error ? html`<div class="message error">${this._error}</div>` : nothing}
      ${tiles.length === 0 ? html`<div class="message">No cameras to show.</div>` : nothing}
      <div
        class="grid"
        style="grid-template-columns: repeat(${cols}, minmax(0, 1fr))"
        @lookout:fullscreen=${this.onFullscreen}
        @lookout:review=${this.onReview}
      >
        ${tiles.map(
          (cam) =>
            html`<lookout-camera-tile
              .api=${api}
              .camera=${cam}
              .controls=${c.controls}
              tech=${tileTech(this.tech ?? c.live_tech, this.resolvedTech!, cam)}
              ?fullscreen=${fs === cam.id}
              ?suspended=${fs !== null && fs !== cam.id}
              ?motion=${this.events.motion(cam.id)}
            ></lookout-camera-tile>`,
        )}
      </div>
    </div>`;
  }

  private async loadCameras(): Promise<void> {
    const api = this.connection.api;
    if (!api) return;
    clearTimeout(this.retry);
    try {
      const cameras = await api.cameras();
      if (api !== this.connection.api) return;
      this._cameras = cameras;
      this._error = '';
    } catch (err) {
      if (api !== this.connection.api) return;
      this._error = `Cannot list cameras: ${(err as Error).message}`;
      this.retry = window.setTimeout(() => void this.loadCameras(), CAMERAS_RETRY_MS);
    }
  }

  /** Configured cameras in their order (or every visible one), and configured ids Lookout lacks. */
  private selected(): { tiles: CameraSummary[]; missing: string[] } {
    const all = (this._cameras ?? []).filter((cam) => cam.enabled && cam.profiles.length > 0);
    const wanted = this._config?.cameras ?? [];
    if (wanted.length === 0) return { tiles: all.filter((cam) => !cam.hidden), missing: [] };
    const byId = new Map(all.map((cam) => [cam.id, cam]));
    return {
      tiles: wanted.flatMap((id) => byId.get(id) ?? []),
      missing: wanted.filter((id) => !byId.has(id)),
    };
  }

  private tileCount(): number {
    if (this._cameras) return this.selected().tiles.length;
    return this._config?.cameras.length || 4;
  }

  private columns(n: number): number {
    const c = this._config?.columns ?? CARD_DEFAULTS.columns;
    return c === 'auto' ? autoColumns(n) : Math.min(c, Math.max(1, n));
  }

  private aspect(): number {
    const [w, h] = (this._config?.aspect_ratio ?? CARD_DEFAULTS.aspect_ratio).split(':').map(Number);
    return h! / w!;
  }

  private readonly onFullscreen = (ev: CustomEvent<{ camera: string | null }>): void => {
    this.setFullscreen(ev.detail.camera);
  };

  /** A tile's replay button: the review tab, that camera, from N seconds ago. */
  private readonly onReview = async (ev: CustomEvent<{ camera: string; atMs: number }>): Promise<void> => {
    this.setFullscreen(null);
    this._view = 'review';
    await this.updateComplete;
    const review = this.renderRoot.querySelector('lookout-review') as LookoutReview | null;
    review?.showAt(ev.detail.camera, ev.detail.atMs);
  };

  private readonly onKey = (ev: KeyboardEvent): void => {
    if (ev.key === 'Escape' && this._fullscreen) this.setFullscreen(null);
  };

  /** Pseudo-fullscreen (CSS; works on iOS), remembered across reloads. */
  private setFullscreen(camera: string | null): void {
    this._fullscreen = camera;
    if (camera) localStorage.setItem(FULLSCREEN_KEY, camera);
    else localStorage.removeItem(FULLSCREEN_KEY);
  }

  static override styles = css`
    :host {
      display: block;
    }
    .card {
      background: var(--ha-card-background, var(--card-background-color, #1c1c1c));
      border-radius: var(--ha-card-border-radius, 12px);
      padding: 8px;
      box-sizing: border-box;
      color: var(--primary-text-color, #eee);
    }
    .title {
      font:
        500 18px/1.3 system-ui,
        sans-serif;
      margin: 4px 4px 8px;
    }
    .grid {
      display: grid;
      gap: 6px;
    }
    .tabs {
      display: flex;
      gap: 4px;
      margin: 0 0 8px;
    }
    .tabs button {
      font:
        600 13px system-ui,
        sans-serif;
      color: inherit;
      background: #2a2a2a;
      border: 1px solid #444;
      border-radius: 4px;
      padding: 4px 12px;
      cursor: pointer;
    }
    .tabs button.on {
      background: #3d7bd9;
      border-color: #3d7bd9;
    }
    .message {
      padding: 12px;
      font:
        14px system-ui,
        sans-serif;
    }
    .message.error {
      color: var(--error-color, #ff7a7a);
    }
  `;
}

declare global {
  interface HTMLElementTagNameMap {
    'lookout-grid-card': LookoutGridCard;
  }
}
