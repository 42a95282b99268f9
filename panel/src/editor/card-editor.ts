/**
 * `<lookout-grid-card-editor>`: the card's visual editor (HA editor contract: `setConfig`, `hass`,
 * and a `config-changed` event with `{config}`). Plain HTML inputs: HA's ha-form elements exist only
 * inside HA, and the editor also runs in tests and the standalone panel.
 *
 * Round trip: the config it is given is echoed back untouched until the user changes something;
 * then it emits the smallest equivalent config (toStoredConfig) plus the keys HA owns (grid_options,
 * visibility...), so editing never drops a card's size or conditions.
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import type { CameraSummary } from '../../../addon/src/contracts/api.js';
import type { LookoutApi } from '../api/client.js';
import { ConnectionController, type HassLike } from '../controllers/connection.js';
import {
  CARD_CONFIG_SCHEMA,
  CONTROL_NAMES,
  HA_CARD_KEYS,
  LIVE_TECHS,
  resolveCardConfig,
  toStoredConfig,
  type ControlName,
  type LiveTech,
  type LookoutCardConfig,
  type ResolvedCardConfig,
} from '../config/card-config.js';

const CONTROL_LABELS: Record<ControlName, string> = {
  ptz: 'PTZ pad',
  presets: 'Presets',
  record: 'Record button',
  snapshot: 'Snapshot button',
  fullscreen: 'Fullscreen',
  status: 'Status badge',
  latency: 'Latency badge',
  review: 'Review tab and replay',
  motion: 'Motion indicator',
  talk: 'Push-to-talk',
};

const TECH_LABELS: Record<LiveTech, string> = {
  auto: 'Auto',
  webrtc: 'WebRTC (MediaMTX)',
  llhls: 'LL-HLS',
  mse: 'MSE (WebSocket)',
  snapshot: 'Snapshots',
};

const props = CARD_CONFIG_SCHEMA.properties;
const CAMERA_ID = new RegExp(props.cameras.items.pattern);
const URL_OK = new RegExp(props.url.pattern);
const ASPECT_OK = new RegExp(props.aspect_ratio.pattern);

type FieldErrors = Partial<Record<'cameras' | 'url' | 'aspect_ratio', string>>;

export class LookoutGridCardEditor extends LitElement {
  static override properties = {
    hass: { attribute: false },
    lovelace: { attribute: false },
    api: { attribute: false },
    _config: { state: true },
    _cameras: { state: true },
    _listError: { state: true },
    _errors: { state: true },
  };

  /** Set by HA: with no `url` in the config, Lookout is reached through the add-on's ingress. */
  declare hass: HassLike | undefined;
  declare lovelace: unknown;
  /**
   * The API to list cameras with. Default: the card's own way to Lookout (ConnectionController):
   * the config's `url`, else the add-on ingress through `hass`, else (no `hass`) the same origin.
   */
  declare api: LookoutApi | undefined;

  declare private _config: ResolvedCardConfig | null;
  /** Cameras Lookout reports; null while loading or when it cannot be reached. */
  declare private _cameras: CameraSummary[] | null;
  declare private _listError: string;
  declare private _errors: FieldErrors;

  /** What HA gave us, to hand back HA's own keys. */
  private raw: Record<string, unknown> = {};
  /** Drafts of text fields that do not validate yet (kept so typing is not undone). */
  private drafts: Partial<Record<keyof FieldErrors, string>> = {};
  private listedFrom = '';
  private readonly connection = new ConnectionController(this);

  constructor() {
    super();
    this._config = null;
    this._cameras = null;
    this._listError = '';
    this._errors = {};
  }

  /** HA contract: throws on an invalid config, and HA then offers the YAML editor instead. */
  setConfig(config: LookoutCardConfig): void {
    this._config = resolveCardConfig(config);
    this.raw = { ...(config as Record<string, unknown>) };
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const c = this._config;
    if (!c) return;
    if (!this.api) this.connection.configure(c.url, c.addon_slug, this.hass ?? null, !this.hass);
    const api = this.api ?? this.connection.api;
    if (!api) {
      if (this.connection.state === 'error') {
        this.listedFrom = '';
        this._cameras = null;
        this._listError = this.connection.error;
      }
      return;
    }
    if (api.base !== this.listedFrom || changed.has('api')) {
      this.listedFrom = api.base;
      void this.listCameras(api);
    }
  }

  private async listCameras(api: LookoutApi): Promise<void> {
    this._cameras = null;
    this._listError = '';
    try {
      const cams = await api.cameras();
      if (api.base === this.listedFrom) this._cameras = cams.filter((c) => !c.hidden);
    } catch (err) {
      if (api.base === this.listedFrom)
        this._listError = `cameras could not be listed (${err instanceof Error ? err.message : String(err)})`;
    }
  }

  /** Applies one change and emits the resulting minimal config. */
  private change(patch: Partial<ResolvedCardConfig>): void {
    if (!this._config) return;
    const next: ResolvedCardConfig = { ...this._config, ...patch };
    this._config = next;
    const out: Record<string, unknown> = { ...toStoredConfig(next) };
    for (const k of HA_CARD_KEYS) if (k in this.raw) out[k] = this.raw[k];
    // The editor's own output must be a config the card accepts; resolveCardConfig proves it.
    resolveCardConfig(out);
    this.raw = out;
    this.dispatchEvent(
      new CustomEvent('config-changed', { detail: { config: out }, bubbles: true, composed: true }),
    );
  }

  private setFieldError(field: keyof FieldErrors, msg: string | undefined, draft?: string): void {
    const errors = { ...this._errors };
    if (msg) {
      errors[field] = msg;
      this.drafts[field] = draft;
    } else {
      delete errors[field];
      delete this.drafts[field];
    }
    this._errors = errors;
  }

  private toggleCamera(id: string, on: boolean): void {
    const cur = this._config!.cameras;
    this.change({ cameras: on ? [...cur.filter((c) => c !== id), id] : cur.filter((c) => c !== id) });
  }

  private moveCamera(id: string, by: -1 | 1): void {
    const list = [...this._config!.cameras];
    const i = list.indexOf(id);
    const j = i + by;
    if (i < 0 || j < 0 || j >= list.length) return;
    [list[i], list[j]] = [list[j]!, list[i]!];
    this.change({ cameras: list });
  }

  private onCameraText(value: string): void {
    const ids = value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = ids.filter((id) => !CAMERA_ID.test(id));
    if (bad.length) return this.setFieldError('cameras', `not a camera id: ${bad.join(', ')}`, value);
    if (new Set(ids).size !== ids.length)
      return this.setFieldError('cameras', 'a camera is listed twice', value);
    this.setFieldError('cameras', undefined);
    this.change({ cameras: ids });
  }

  private onUrl(value: string): void {
    const v = value.trim();
    if (v && !URL_OK.test(v))
      return this.setFieldError('url', 'must start with http://, https://, / or ./', value);
    this.setFieldError('url', undefined);
    this.change({ url: v || null });
  }

  private onAspect(value: string): void {
    const v = value.trim();
    if (v && !ASPECT_OK.test(v))
      return this.setFieldError('aspect_ratio', 'write it as W:H, e.g. 16:9', value);
    this.setFieldError('aspect_ratio', undefined);
    this.change({ aspect_ratio: v || '16:9' });
  }

  protected override render() {
    const c = this._config;
    if (!c) return nothing;
    const val = (e: Event) => (e.currentTarget as HTMLInputElement | HTMLSelectElement).value;
    return html`
      <div class="row">
        <label for="title">Title</label>
        <input
          id="title"
          name="title"
          placeholder="(none)"
          .value=${c.title ?? ''}
          @input=${(e: Event) => this.change({ title: val(e) === '' ? null : val(e) })}
        />
      </div>

      <fieldset class="cameras">
        <legend>
          Cameras <span class="hint">${c.cameras.length ? '' : '— none ticked: all cameras'}</span>
        </legend>
        ${this.renderCameras(c)}
      </fieldset>

      <div class="pair">
        <div class="row">
          <label for="columns">Columns</label>
          <select
            id="columns"
            name="columns"
            @change=${(e: Event) => this.change({ columns: val(e) === 'auto' ? 'auto' : Number(val(e)) })}
          >
            ${['auto', 1, 2, 3, 4, 5, 6, 7, 8].map(
              (n) =>
                html`<option .value=${String(n)} ?selected=${c.columns === n}>
                  ${n === 'auto' ? 'Auto' : n}
                </option>`,
            )}
          </select>
        </div>
        <div class="row">
          <label for="live_tech">Live tech</label>
          <select
            id="live_tech"
            name="live_tech"
            @change=${(e: Event) => this.change({ live_tech: val(e) as LiveTech })}
          >
            ${LIVE_TECHS.map(
              (t) => html`<option .value=${t} ?selected=${c.live_tech === t}>${TECH_LABELS[t]}</option>`,
            )}
          </select>
        </div>
        <div class="row">
          <label for="aspect_ratio">Aspect ratio</label>
          <input
            id="aspect_ratio"
            name="aspect_ratio"
            placeholder="16:9"
            .value=${this.drafts.aspect_ratio ?? c.aspect_ratio}
            @input=${(e: Event) => this.onAspect(val(e))}
          />
          ${this.fieldError('aspect_ratio')}
        </div>
      </div>

      <fieldset class="controls">
        <legend>Controls</legend>
        ${CONTROL_NAMES.map(
          (n) =>
            html`<label class="check">
              <input
                type="checkbox"
                name="control-${n}"
                .checked=${c.controls[n]}
                @change=${(e: Event) =>
                  this.change({
                    controls: { ...c.controls, [n]: (e.currentTarget as HTMLInputElement).checked },
                  })}
              />
              ${CONTROL_LABELS[n]}
            </label>`,
        )}
      </fieldset>

      <div class="row">
        <label for="url">Lookout URL</label>
        <input
          id="url"
          name="url"
          placeholder="same origin / add-on ingress"
          .value=${this.drafts.url ?? c.url ?? ''}
          @change=${(e: Event) => this.onUrl(val(e))}
        />
        ${this.fieldError('url')}
      </div>
    `;
  }

  private renderCameras(c: ResolvedCardConfig) {
    const known = this._cameras;
    if (!known) {
      if (!this._listError) return html`<div class="hint">Loading cameras…</div>`;
      // Lookout not reachable from here (e.g. the editor runs on HA's origin): ids by hand.
      return html`<div class="hint">${this._listError}; enter camera ids separated by commas.</div>
        <input
          name="camera-ids"
          aria-label="Camera ids"
          placeholder="front_door, garage"
          .value=${this.drafts.cameras ?? c.cameras.join(', ')}
          @change=${(e: Event) => this.onCameraText((e.currentTarget as HTMLInputElement).value)}
        />
        ${this.fieldError('cameras')}`;
    }
    const byId = new Map(known.map((k) => [k.id, k]));
    // Ticked cameras first, in display order (with up/down), then the rest as Lookout lists them.
    const rows = [...c.cameras, ...known.map((k) => k.id).filter((id) => !c.cameras.includes(id))];
    if (!rows.length) return html`<div class="hint">Lookout has no cameras.</div>`;
    return html`<ul>
      ${rows.map((id) => {
        const on = c.cameras.includes(id);
        const cam = byId.get(id);
        const i = c.cameras.indexOf(id);
        return html`<li>
          <label class="check">
            <input
              type="checkbox"
              name="camera"
              value=${id}
              .checked=${on}
              @change=${(e: Event) => this.toggleCamera(id, (e.currentTarget as HTMLInputElement).checked)}
            />
            <span>${cam?.name ?? id}</span>
            <span class="id">${id}${cam ? '' : ' (not in Lookout)'}</span>
          </label>
          ${
            on
              ? html`<span class="order">
                  <button
                    title="Move up"
                    aria-label="Move ${id} up"
                    ?disabled=${i === 0}
                    @click=${() => this.moveCamera(id, -1)}
                  >
                    ↑
                  </button>
                  <button
                    title="Move down"
                    aria-label="Move ${id} down"
                    ?disabled=${i === c.cameras.length - 1}
                    @click=${() => this.moveCamera(id, 1)}
                  >
                    ↓
                  </button>
                </span>`
              : nothing
          }
        </li>`;
      })}
    </ul>`;
  }

  private fieldError(field: keyof FieldErrors) {
    const msg = this._errors[field];
    return msg ? html`<div class="error" role="alert">${msg}</div>` : nothing;
  }

  static override styles = css`
    :host {
      display: flex;
      flex-direction: column;
      gap: 12px;
      color: var(--primary-text-color, #212121);
      font: 14px/1.4 var(--paper-font-body1_-_font-family, system-ui, sans-serif);
    }
    .row {
      display: flex;
      flex-direction: column;
      gap: 4px;
      min-width: 0;
    }
    .pair {
      display: grid;
      grid-template-columns: repeat(auto-fit, minmax(140px, 1fr));
      gap: 12px;
    }
    label {
      font-weight: 500;
    }
    input:not([type]),
    select {
      height: 40px;
      box-sizing: border-box;
      padding: 0 10px;
      border: 1px solid var(--divider-color, #c4c4c4);
      border-radius: 6px;
      background: var(--card-background-color, #fff);
      color: inherit;
      font: inherit;
      width: 100%;
    }
    input:focus,
    select:focus {
      outline: 2px solid var(--primary-color, #03a9f4);
      outline-offset: -1px;
    }
    fieldset {
      margin: 0;
      padding: 8px 12px 12px;
      border: 1px solid var(--divider-color, #c4c4c4);
      border-radius: 6px;
    }
    legend {
      padding: 0 4px;
      font-weight: 500;
    }
    .controls {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(170px, 1fr));
      gap: 4px 12px;
    }
    label.check {
      display: flex;
      align-items: center;
      gap: 8px;
      min-height: 32px;
      font-weight: 400;
      cursor: pointer;
    }
    input[type='checkbox'] {
      width: 18px;
      height: 18px;
      margin: 0;
      accent-color: var(--primary-color, #03a9f4);
    }
    ul {
      list-style: none;
      margin: 0;
      padding: 0;
    }
    li {
      display: flex;
      align-items: center;
      justify-content: space-between;
      gap: 8px;
      border-bottom: 1px solid var(--divider-color, #eee);
    }
    li:last-child {
      border-bottom: 0;
    }
    .id {
      color: var(--secondary-text-color, #727272);
      font-size: 12px;
    }
    .order {
      display: flex;
      gap: 4px;
    }
    .order button {
      width: 32px;
      height: 32px;
      border: 1px solid var(--divider-color, #c4c4c4);
      border-radius: 6px;
      background: transparent;
      color: inherit;
      cursor: pointer;
    }
    .order button:disabled {
      opacity: 0.35;
      cursor: default;
    }
    .hint {
      color: var(--secondary-text-color, #727272);
      font-weight: 400;
    }
    .error {
      color: var(--error-color, #db4437);
      font-size: 12px;
    }
  `;
}

declare global {
  interface HTMLElementTagNameMap {
    'lookout-grid-card-editor': LookoutGridCardEditor;
  }
}
