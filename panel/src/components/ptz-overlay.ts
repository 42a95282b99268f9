/**
 * `<lookout-ptz-overlay>`: press-and-hold PTZ pad, zoom, home and presets for one camera. The
 * press-and-hold logic and its safety model (renewed short moves, one ordered request chain) are
 * controllers/ptz-hold.ts; this element renders and handles presets.
 */
import { LitElement, css, html, nothing, svg, type PropertyValues, type TemplateResult } from 'lit';
import {
  PRESET_NAME_MAX,
  presetName,
  presetNameError,
  type PtzCapabilitiesAnswer,
  type PtzVelocity,
} from '../../../addon/src/contracts/ptz.js';
import { ApiError, type LookoutApi } from '../api/client.js';
import { PtzHoldController } from '../controllers/ptz-hold.js';

export { MOVE_TIMEOUT_MS, RENEW_MS } from '../controllers/ptz-hold.js';
const ERROR_SHOWN_MS = 6000;

interface Direction {
  id: string;
  label: string;
  /** Arrow rotation in degrees, 0 = up. */
  angle: number;
  pan: number;
  tilt: number;
}

/** Row-major 3×3 pad; the centre cell is the home button. */
const PAD: Array<Direction | null> = [
  { id: 'up-left', label: 'Up left', angle: -45, pan: -1, tilt: 1 },
  { id: 'up', label: 'Up', angle: 0, pan: 0, tilt: 1 },
  { id: 'up-right', label: 'Up right', angle: 45, pan: 1, tilt: 1 },
  { id: 'left', label: 'Left', angle: -90, pan: -1, tilt: 0 },
  null,
  { id: 'right', label: 'Right', angle: 90, pan: 1, tilt: 0 },
  { id: 'down-left', label: 'Down left', angle: -135, pan: -1, tilt: -1 },
  { id: 'down', label: 'Down', angle: 180, pan: 0, tilt: -1 },
  { id: 'down-right', label: 'Down right', angle: 135, pan: 1, tilt: -1 },
];

const arrow = (angle: number) =>
  svg`<svg viewBox="0 0 24 24" aria-hidden="true"><path class="chevron" transform="rotate(${angle} 12 12)" d="M6 15l6-6 6 6"/></svg>`;
const saveIcon = svg`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 3h9v2H7v14.2l5-3.3 5 3.3V11h2v12l-7-4.6L5 23V3zm12-1h2v3h3v2h-3v3h-2V7h-3V5h3z"/></svg>`;
const homeIcon = svg`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 4.5l-8 7h2.5v7.5h4v-5h3v5h4v-7.5h2.5z"/></svg>`;

function message(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof TypeError) return 'Lookout is unreachable';
  return err instanceof Error ? err.message : String(err);
}

export class LookoutPtzOverlay extends LitElement {
  static override properties = {
    api: { attribute: false },
    camera: { type: String },
    presets: { type: Boolean },
    zoom: { type: Boolean },
    speed: { type: Number },
    talk: { type: Boolean },
    _caps: { state: true },
    _presetList: { state: true },
    _error: { state: true },
    _saving: { state: true },
    _draft: { state: true },
    _busy: { state: true },
  };

  private readonly ptz = new PtzHoldController(
    this,
    () => (this.api && this.camera ? { api: this.api, camera: this.camera } : null),
    (err) => this.showError(err),
  );

  declare api: LookoutApi | undefined;
  declare camera: string;
  /** Show the preset dropdown and "save as preset". */
  declare presets: boolean;
  /**
   * Show zoom buttons. The capabilities answer does not report zoom separately, so a host that knows
   * its camera has no zoom turns them off here.
   */
  declare zoom: boolean;
  /** Velocity magnitude (0..1] of the pad and zoom buttons. */
  declare speed: number;
  /** Show the hold-to-talk button (the camera has a backchannel; the host decides). */
  declare talk: boolean;

  declare private _caps: PtzCapabilitiesAnswer | null;
  declare private _presetList: string[];
  declare private _error: string;
  declare private _saving: boolean;
  declare private _draft: string;
  declare private _busy: boolean;

  private errorTimer: ReturnType<typeof setTimeout> | undefined;
  private loadedFor = '';

  constructor() {
    super();
    this.camera = '';
    this.presets = true;
    this.zoom = true;
    this.speed = 0.5;
    this.talk = false;
    this._caps = null;
    this._presetList = [];
    this._error = '';
    this._saving = false;
    this._draft = '';
    this._busy = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.loadedFor = ''; // (re)connected: fetch again, capabilities may have changed
    this.requestUpdate();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback(); // the hold controller stops a move in progress
    clearTimeout(this.errorTimer);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('camera') || changed.has('api')) this.ptz.end();
    const key = this.api && this.camera ? `${this.api.base}|${this.camera}` : '';
    if (key && key !== this.loadedFor && this.isConnected) {
      this.loadedFor = key;
      void this.load();
    } else if (changed.has('presets') && this.presets && this._caps?.presets) {
      this.reloadPresets().catch((err: unknown) => this.showError(err));
    }
  }

  /** Capabilities, then the preset list when the camera has presets. Never rejects. */
  async load(): Promise<void> {
    const api = this.api;
    const camera = this.camera;
    if (!api || !camera) return;
    this._caps = null;
    this._presetList = [];
    try {
      const caps = await api.ptz(camera);
      if (camera !== this.camera) return;
      this._caps = caps;
      if (caps.presets && this.presets) await this.reloadPresets();
    } catch (err) {
      // 409: this camera has no PTZ (or no ONVIF): nothing to show, and nothing wrong.
      if (err instanceof ApiError && err.status === 409) return;
      if (camera === this.camera) this.showError(err);
    }
  }

  private async reloadPresets(): Promise<void> {
    if (!this.api) return;
    const camera = this.camera;
    const list = await this.api.presets(camera);
    if (camera === this.camera) this._presetList = list;
  }

  private holdButton(control: string, label: string, velocity: PtzVelocity, icon: TemplateResult) {
    const h = this.ptz.handlers(control, velocity);
    return html`<button
      class="hold ${this.ptz.active === control ? 'active' : ''}"
      data-control=${control}
      aria-label=${label}
      title=${label}
      @pointerdown=${h.down}
      @pointerup=${h.up}
      @pointercancel=${h.up}
      @pointerleave=${h.up}
      @lostpointercapture=${h.up}
      @touchcancel=${() => this.ptz.end()}
      @contextmenu=${(e: Event) => e.preventDefault()}
      @keydown=${h.key}
      @keyup=${h.key}
      @blur=${() => this.ptz.end('key')}
    >
      ${icon}
    </button>`;
  }

  // ---- home and presets ----

  private home(): void {
    this.ptz.end();
    void this.ptz.enqueue(() => this.api!.ptzHome(this.camera));
  }

  private async onPresetSelect(e: Event): Promise<void> {
    const select = e.currentTarget as HTMLSelectElement;
    const name = select.value;
    select.value = ''; // back to the placeholder, so picking the same preset again goes there again
    if (!name) return;
    this.ptz.end();
    this._busy = true;
    await this.ptz.enqueue(() => this.api!.gotoPreset(this.camera, name));
    this._busy = false;
  }

  private openSave(): void {
    this._saving = true;
    this._draft = '';
    void this.updateComplete.then(() =>
      this.renderRoot.querySelector<HTMLInputElement>('input.name')?.focus(),
    );
  }

  private closeSave(): void {
    this._saving = false;
    this._draft = '';
  }

  private async savePreset(): Promise<void> {
    if (!this._draft.trim() || this._busy) return;
    const name = presetName(this._draft);
    // The one rule (contracts/ptz.ts), said here before the camera is asked.
    if (name === null) return this.showError(new Error(presetNameError(this._draft)));
    this._busy = true;
    const ok = await this.ptz.enqueue(async () => {
      await this.api!.savePreset(this.camera, name);
      await this.reloadPresets();
      return true;
    });
    this._busy = false;
    if (ok) this.closeSave();
  }

  private async removePreset(): Promise<void> {
    const name = this._draft.trim();
    if (!this._presetList.includes(name) || this._busy) return;
    this._busy = true;
    const ok = await this.ptz.enqueue(async () => {
      await this.api!.removePreset(this.camera, name);
      await this.reloadPresets();
      return true;
    });
    this._busy = false;
    if (ok) this.closeSave();
  }

  private onDraftKey(e: KeyboardEvent): void {
    if (e.key === 'Enter') void this.savePreset();
    if (e.key === 'Escape') this.closeSave();
  }

  private showError(err: unknown): void {
    this._error = message(err);
    clearTimeout(this.errorTimer);
    this.errorTimer = setTimeout(() => (this._error = ''), ERROR_SHOWN_MS);
  }

  // ---- render ----

  protected override updated(): void {
    // Nothing to show (no PTZ, still loading): take no room in the host's layout.
    this.toggleAttribute('empty', !this._caps && !this._error);
  }

  protected override render() {
    const caps = this._caps;
    const error = this._error
      ? html`<div class="error" role="alert" @click=${() => (this._error = '')}>${this._error}</div>`
      : nothing;
    if (!caps) return error;
    const s = this.speed;
    const pad = caps.continuous
      ? html`<div class="pad" role="group" aria-label="Pan and tilt">
          ${PAD.map((d) =>
            d
              ? this.holdButton(d.id, d.label, { pan: d.pan * s, tilt: d.tilt * s, zoom: 0 }, arrow(d.angle))
              : caps.home
                ? html`<button
                    class="home"
                    data-control="home"
                    aria-label="Home"
                    title="Home"
                    @click=${this.home}
                  >
                    ${homeIcon}
                  </button>`
                : html`<span class="hub"></span>`,
          )}
        </div>`
      : nothing;
    const zoom =
      caps.continuous && this.zoom
        ? html`<div class="zoom" role="group" aria-label="Zoom">
            ${this.holdButton('zoom-in', 'Zoom in', { pan: 0, tilt: 0, zoom: s }, html`<b>+</b>`)}
            ${this.holdButton('zoom-out', 'Zoom out', { pan: 0, tilt: 0, zoom: -s }, html`<b>−</b>`)}
          </div>`
        : nothing;
    const talk =
      this.talk && this.api && customElements.get('lookout-talk-button')
        ? html`<lookout-talk-button
            class="talk"
            .api=${this.api}
            camera=${this.camera}
          ></lookout-talk-button>`
        : nothing;
    return html`${pad || zoom || talk !== nothing ? html`<div class="controls">${pad}${zoom}${talk}</div>` : nothing}
    ${caps.presets && this.presets ? this.renderPresets() : nothing} ${error}`;
  }

  private renderPresets() {
    if (this._saving) {
      const exists = this._presetList.includes(this._draft.trim());
      return html`<div class="presets saving">
        <input
          class="name"
          aria-label="Preset name"
          placeholder="Preset name"
          maxlength=${PRESET_NAME_MAX}
          .value=${this._draft}
          @input=${(e: Event) => (this._draft = (e.currentTarget as HTMLInputElement).value)}
          @keydown=${this.onDraftKey}
        />
        <button class="cancel" aria-label="Cancel" title="Cancel" @click=${this.closeSave}>✕</button>
        <div class="actions">
          <button class="save" ?disabled=${!this._draft.trim() || this._busy} @click=${this.savePreset}>
            ${exists ? 'Overwrite' : 'Save'}
          </button>
          ${
            exists
              ? html`<button class="remove" ?disabled=${this._busy} @click=${this.removePreset}>
                  Remove
                </button>`
              : nothing
          }
        </div>
      </div>`;
    }
    return html`<div class="presets">
      <select aria-label="Go to preset" ?disabled=${this._busy} @change=${this.onPresetSelect}>
        <option value="">${this._presetList.length ? 'Go to preset…' : 'No presets'}</option>
        ${this._presetList.map((p) => html`<option .value=${p}>${p}</option>`)}
      </select>
      <button
        class="add"
        aria-label="Save current position as a preset"
        title="Save current position as a preset"
        @click=${this.openSave}
      >
        ${saveIcon}
      </button>
    </div>`;
  }

  static override styles = css`
    :host {
      display: inline-flex;
      flex-direction: column;
      /* As wide as the pad: the preset row wraps below it instead of widening the overlay. */
      width: min-content;
      gap: 6px;
      padding: 6px;
      border-radius: 12px;
      background: rgba(0, 0, 0, 0.55);
      color: #fff;
      font: 14px/1.2 var(--paper-font-body1_-_font-family, system-ui, sans-serif);
      user-select: none;
      -webkit-user-select: none;
      -webkit-touch-callout: none;
    }
    :host([empty]) {
      display: none;
    }
    .controls {
      display: flex;
      gap: 6px;
      align-items: center;
    }
    .pad {
      display: grid;
      grid-template-columns: repeat(3, 44px);
      grid-template-rows: repeat(3, 44px);
      gap: 2px;
    }
    .zoom {
      display: grid;
      grid-template-rows: repeat(2, 44px);
      gap: 6px;
    }
    button,
    select,
    input {
      min-height: 44px;
      min-width: 44px;
      box-sizing: border-box;
      border: 0;
      border-radius: 8px;
      font: inherit;
      color: inherit;
      background: rgba(255, 255, 255, 0.16);
    }
    button {
      display: grid;
      place-items: center;
      padding: 0 10px;
      cursor: pointer;
      touch-action: none;
    }
    .hold,
    .home {
      width: 44px;
      height: 44px;
      padding: 0;
    }
    .hold b {
      font-size: 24px;
      font-weight: 600;
    }
    .hub {
      width: 44px;
      height: 44px;
    }
    button:hover {
      background: rgba(255, 255, 255, 0.28);
    }
    button.active {
      background: var(--primary-color, #03a9f4);
    }
    button:focus-visible,
    select:focus-visible,
    input:focus-visible {
      outline: 2px solid var(--primary-color, #03a9f4);
      outline-offset: 1px;
    }
    button:disabled {
      opacity: 0.45;
      cursor: default;
    }
    svg {
      width: 26px;
      height: 26px;
      fill: currentColor;
    }
    .chevron {
      fill: none;
      stroke: currentColor;
      stroke-width: 2.6;
      stroke-linecap: round;
      stroke-linejoin: round;
    }
    .presets {
      display: flex;
      flex-wrap: wrap;
      gap: 6px;
      width: 100%;
      font-size: 13px;
    }
    .presets button {
      flex: 1 1 auto;
      padding: 0 8px;
      white-space: nowrap;
    }
    .presets button.cancel,
    .presets button.add {
      flex: 0 0 44px;
      padding: 0;
    }
    .actions {
      display: flex;
      flex: 1 1 100%;
      gap: 6px;
    }
    select,
    input {
      flex: 1 1 0;
      min-width: 0;
      padding: 0 8px;
    }
    select option {
      color: #000;
    }
    input::placeholder {
      color: rgba(255, 255, 255, 0.7);
    }
    .error {
      max-width: 100%;
      box-sizing: border-box;
      padding: 6px 8px;
      border-radius: 8px;
      background: rgba(183, 28, 28, 0.9);
      font-size: 13px;
      cursor: pointer;
      overflow-wrap: anywhere;
    }
  `;
}

if (!customElements.get('lookout-ptz-overlay'))
  customElements.define('lookout-ptz-overlay', LookoutPtzOverlay);

declare global {
  interface HTMLElementTagNameMap {
    'lookout-ptz-overlay': LookoutPtzOverlay;
  }
}
