/**
 * `<lookout-camera-tile>`: one camera in the grid. Renders the picture, the badges (status, latency,
 * motion) and the controls; playing and recovering is the LivePlayerController's job, lazy start and
 * pausing the VisibilityController's. The host carries `data-camera`, `data-state`, `data-profile`,
 * `data-tech` and `data-showing` (the tech on screen: MSE while it bridges a WebRTC start), so pages
 * and tests read a tile's state from the DOM.
 */
import { LitElement, css, html, nothing, svg, type PropertyValues } from 'lit';
import type { LookoutApi } from '../api/client.js';
import type { CardControls } from '../config/card-config.js';
import type { CameraSummary, RestreamInfo } from '../../../addon/src/contracts/api.js';
import type { ProfileName } from '../../../addon/src/contracts/stream-key.js';
import { LivePlayerController, type ResolvedTech } from '../controllers/live-player.js';
import { VisibilityController } from '../controllers/visibility.js';

const TECH_TEXT: Record<ResolvedTech, string> = {
  webrtc: 'WebRTC',
  llhls: 'LL-HLS',
  mse: 'MSE',
  snapshot: 'JPEG',
};

/** Two decimals under a second (the differences between techs are tenths), one above. */
function latencyText(s: number): string {
  return s < 1 ? `${s.toFixed(2)} s` : `${s.toFixed(1)} s`;
}

/** `rtsp://user:pass@host:port/path`: what HA's generic camera or Frigate takes. */
function restreamWithCredentials(r: RestreamInfo): string {
  const u = new URL(r.url);
  u.username = r.username;
  u.password = r.password;
  return u.href;
}

const STATUS_TEXT: Record<string, string> = {
  idle: 'idle',
  paused: 'paused',
  starting: 'starting',
  live: 'live',
  reconnecting: 'reconnecting',
  offline: 'offline',
};

const icon = (d: string) => html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d=${d} /></svg>`;
const ICON_FULLSCREEN = 'M5 5h5v2H7v3H5zm9 0h5v5h-2V7h-3zm3 9h2v5h-5v-2h3zM5 14h2v3h3v2H5z';
const ICON_EXIT = 'M14 14h5v2h-3v3h-2zM5 14h5v5H8v-3H5zm3-9h2v5H5V8h3zm11 3v2h-5V5h2v3z';
const ICON_CAMERA =
  'M4 5h3l2-2h6l2 2h3a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2zm8 3a4.5 4.5 0 1 0 0 9 4.5 4.5 0 0 0 0-9zm0 2a2.5 2.5 0 1 1 0 5 2.5 2.5 0 0 1 0-5z';
const recordDot = svg`<svg viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="12" r="6" /></svg>`;

/** Whether the camera has a speaker Lookout can reach (its talk session, addon/src/talkback/). */
export function canTalk(camera: CameraSummary): boolean {
  return camera.capabilities.audioOut;
}

/** How far the tile's replay button goes back. */
export const REPLAY_S = 30;

/** Sub in the grid, main when fullscreen; whatever the camera has when it has only one. */
export function tileProfile(camera: CameraSummary, fullscreen: boolean): ProfileName {
  const names = camera.profiles.map((p) => p.name);
  const want: ProfileName = fullscreen ? 'main' : 'sub';
  if (names.includes(want)) return want;
  return (names.includes('sub') ? 'sub' : 'main') as ProfileName;
}

export class LookoutCameraTile extends LitElement {
  static override properties = {
    api: { attribute: false },
    camera: { attribute: false },
    tech: { type: String },
    controls: { attribute: false },
    fullscreen: { type: Boolean, reflect: true },
    suspended: { type: Boolean },
    motion: { type: Boolean },
    _recording: { state: true },
    _notice: { state: true },
    _menu: { state: true },
  };

  declare api: LookoutApi | null;
  declare camera: CameraSummary;
  declare tech: ResolvedTech;
  declare controls: CardControls;
  /** Shown fullscreen: plays the main profile. */
  declare fullscreen: boolean;
  /** Another tile is fullscreen: this one stops playing (and checking its health) until it exits. */
  declare suspended: boolean;
  declare motion: boolean;
  declare _recording: boolean | null;
  declare _notice: string;
  declare _menu: boolean;

  private readonly visibility = new VisibilityController(this);
  private readonly live = new LivePlayerController(this);
  private recordingFor = '';
  private noticeTimer = 0;

  constructor() {
    super();
    this.api = null;
    this.tech = 'mse';
    this.fullscreen = false;
    this.suspended = false;
    this.motion = false;
    this._recording = null;
    this._notice = '';
    this._menu = false;
  }

  private get profile(): ProfileName {
    return tileProfile(this.camera, this.fullscreen);
  }

  /** Snapshots are for keeping: the best picture the camera has. */
  private get snapshotProfile(): ProfileName {
    return tileProfile(this.camera, true);
  }

  override render() {
    if (!this.camera) return nothing;
    const c = this.controls;
    const status = this.live.status;
    const latency = this.live.latency;
    // Push-to-talk: on the PTZ overlay in the grid, in the bottom bar when fullscreen.
    const talk = c.talk && canTalk(this.camera) && !!this.api && !!customElements.get('lookout-talk-button');
    const ptz =
      c.ptz && this.camera.capabilities.ptz && this.api && customElements.get('lookout-ptz-overlay')
        ? html`<lookout-ptz-overlay
            class="ptz"
            .api=${this.api}
            camera=${this.camera.id}
            ?presets=${c.presets && this.camera.capabilities.presets}
            ?talk=${talk && !this.fullscreen}
          ></lookout-ptz-overlay>`
        : nothing;
    return html`
      <div class="frame" @dblclick=${c.fullscreen ? this.toggleFullscreen : nothing}>
        ${
          (this.live.tech ?? this.tech) === 'snapshot'
            ? html`<img alt=${this.camera.name} />`
            : html`<video muted autoplay playsinline disablepictureinpicture></video>`
        }
        <div class="top">
          <span class="name" title=${this.camera.id}>${this.camera.name}</span>
          ${c.motion && this.motion ? html`<span class="badge motion" title="motion">motion</span>` : nothing}
          ${
            this.live.conversion
              ? html`<span
                  class="badge conversion"
                  title="this browser cannot decode the camera's codec: Lookout transcodes it while you watch"
                  >${this.live.conversion}</span
                >`
              : nothing
          }
          ${
            c.latency && latency !== null && status === 'live'
              ? html`<span class="badge latency" title=${`${this.shownText()}: ${latency.long}`}
                  >${this.shownText()} ${latencyText(latency.seconds)} ${latency.short}</span
                >`
              : nothing
          }
          ${
            c.status
              ? html`<span class="badge status ${status}" title=${this.live.reason || status}
                  >${STATUS_TEXT[status] ?? status}${
                    this.live.reason && status !== 'live'
                      ? html`<span class="reason">: ${this.live.reason}</span>`
                      : nothing
                  }</span
                >`
              : nothing
          }
        </div>
        ${this._notice ? html`<div class="notice">${this._notice}</div>` : nothing} ${ptz}
        ${
          this._menu && this.camera.gateway
            ? html`<div class="menu" role="dialog" aria-label="Stream URLs">
                <div class="menu-title">RTSP restream (for HA's generic camera, Frigate, an NVR)</div>
                ${this.camera.gateway.restream.map(
                  (r) =>
                    html`<label
                      >${r.profile}
                      <input
                        readonly
                        class="restream-url"
                        data-profile=${r.profile}
                        .value=${restreamWithCredentials(r)}
                        @focus=${(e: Event) => (e.target as HTMLInputElement).select()}
                    /></label>`,
                )}
                ${this.camera.gateway.restream
                  .filter((r) => r.srtPublishUrl)
                  .map(
                    (r) =>
                      html`<label
                        >SRT publish (${r.profile})
                        <input readonly class="srt-url" .value=${r.srtPublishUrl ?? ''}
                      /></label>`,
                  )}
              </div>`
            : nothing
        }
        ${
          this.api && this.camera.profiles.some((p) => p.bonded) && customElements.get('lookout-srtla-links')
            ? html`<lookout-srtla-links
                class="links"
                .api=${this.api}
                camera=${this.camera.id}
              ></lookout-srtla-links>`
            : nothing
        }
        <div class="bottom">
          <span class="profile">${this.profile} · ${TECH_TEXT[this.live.tech ?? this.tech]}</span>
          <span class="spacer"></span>
          ${
            this.camera.gateway?.restream.length
              ? html`<button
                  class="menu-toggle"
                  title="Stream URLs (RTSP restream)"
                  aria-label="Stream URLs"
                  aria-expanded=${this._menu ? 'true' : 'false'}
                  @click=${this.toggleMenu}
                >
                  RTSP
                </button>`
              : nothing
          }
          ${
            c.record
              ? html`<button
                  class="record ${this._recording ? 'on' : ''}"
                  title=${this._recording ? 'Stop recording' : 'Record'}
                  aria-label=${this._recording ? 'Stop recording' : 'Record'}
                  aria-pressed=${this._recording ? 'true' : 'false'}
                  @click=${this.toggleRecording}
                >
                  ${recordDot}${this._recording ? html`<span>REC</span>` : nothing}
                </button>`
              : nothing
          }
          ${
            c.review
              ? html`<button
                  class="replay"
                  title="Back ${REPLAY_S} s (review)"
                  aria-label="Back ${REPLAY_S} seconds"
                  @click=${this.replay}
                >
                  ⟲${REPLAY_S}s
                </button>`
              : nothing
          }
          ${
            c.snapshot && this.api
              ? html`<a
                  class="snapshot"
                  title="Snapshot (JPEG)"
                  aria-label="Snapshot"
                  target="_blank"
                  download="${this.camera.id}.jpg"
                  href=${this.api.snapshotUrl(this.camera.id, this.snapshotProfile, 0)}
                  @click=${this.refreshSnapshotLink}
                  >${icon(ICON_CAMERA)}</a
                >`
              : nothing
          }
          ${
            talk && this.fullscreen
              ? html`<lookout-talk-button
                  class="talk"
                  .api=${this.api}
                  camera=${this.camera.id}
                ></lookout-talk-button>`
              : nothing
          }
          ${
            c.fullscreen
              ? html`<button
                  class="fs"
                  title=${this.fullscreen ? 'Exit fullscreen (Esc)' : 'Fullscreen'}
                  aria-label=${this.fullscreen ? 'Exit fullscreen' : 'Fullscreen'}
                  @click=${this.toggleFullscreen}
                >
                  ${icon(this.fullscreen ? ICON_EXIT : ICON_FULLSCREEN)}
                </button>`
              : nothing
          }
        </div>
      </div>
    `;
  }

  /** The tech on screen for the badge: `MSE → WebRTC` while MSE bridges a WebRTC start. */
  private shownText(): string {
    const tech = this.live.tech ?? this.tech;
    const shown = this.live.shownTech ?? tech;
    return shown === tech ? TECH_TEXT[tech] : `${TECH_TEXT[shown]} → ${TECH_TEXT[tech]}`;
  }

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    const media = this.renderRoot.querySelector<HTMLVideoElement | HTMLImageElement>('video, img');
    const active = !!this.api && !!media && this.visibility.visible && !this.suspended;
    this.live.update(
      active
        ? { api: this.api!, camera: this.camera.id, profile: this.profile, tech: this.tech, media: media! }
        : null,
      !active && !!this.api,
    );
    this.dataset.camera = this.camera?.id ?? '';
    this.dataset.state = this.live.status;
    this.dataset.profile = this.profile;
    this.dataset.tech = this.live.tech ?? this.tech;
    this.dataset.showing = this.live.shownTech ?? this.tech;
    if (this.controls?.record && this.api && this.recordingFor !== `${this.api.base}${this.camera.id}`) {
      this.recordingFor = `${this.api.base}${this.camera.id}`;
      void this.api.recording(this.camera.id).then(
        (r) => (this._recording = r.recording),
        () => (this._recording = null),
      );
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.noticeTimer);
  }

  private toggleMenu = (ev: Event): void => {
    ev.stopPropagation();
    this._menu = !this._menu;
  };

  private toggleFullscreen = (ev: Event): void => {
    ev.stopPropagation();
    this.dispatchEvent(
      new CustomEvent('lookout:fullscreen', {
        detail: { camera: this.fullscreen ? null : this.camera.id },
        bubbles: true,
        composed: true,
      }),
    );
  };

  /** One gesture back in time: the card's review tab plays this camera from N seconds ago. */
  private replay = (ev: Event): void => {
    ev.stopPropagation();
    this.dispatchEvent(
      new CustomEvent('lookout:review', {
        detail: { camera: this.camera.id, atMs: Date.now() - REPLAY_S * 1000 },
        bubbles: true,
        composed: true,
      }),
    );
  };

  private toggleRecording = async (): Promise<void> => {
    if (!this.api) return;
    try {
      const r = this._recording
        ? await this.api.stopRecording(this.camera.id)
        : await this.api.startRecording(this.camera.id);
      this._recording = r.recording;
    } catch (err) {
      this.notify(`Recording: ${(err as Error).message}`);
    }
  };

  /** A fresh picture each click (the href carries a cache-busting time). */
  private refreshSnapshotLink = (ev: Event): void => {
    const a = ev.currentTarget as HTMLAnchorElement;
    if (this.api) a.href = this.api.snapshotUrl(this.camera.id, this.snapshotProfile, Date.now());
  };

  private notify(text: string): void {
    this._notice = text;
    clearTimeout(this.noticeTimer);
    this.noticeTimer = window.setTimeout(() => (this._notice = ''), 5000);
  }

  static override styles = css`
    :host {
      display: block;
      position: relative;
      background: #000;
      color: #eee;
      font:
        12px/1.3 system-ui,
        sans-serif;
      overflow: hidden;
      border-radius: var(--ha-card-border-radius, 6px);
      aspect-ratio: var(--lookout-aspect, 16 / 9);
      min-width: 0;
    }
    :host([fullscreen]) {
      position: fixed;
      inset: 0;
      z-index: 9999;
      border-radius: 0;
      aspect-ratio: auto;
    }
    .links {
      position: absolute;
      left: 6px;
      bottom: 34px;
    }
    .frame {
      position: absolute;
      inset: 0;
    }
    video,
    img {
      width: 100%;
      height: 100%;
      object-fit: contain;
      display: block;
      background: #000;
    }
    .top,
    .bottom {
      position: absolute;
      left: 0;
      right: 0;
      display: flex;
      align-items: center;
      gap: 6px;
      padding: 4px 6px;
      min-width: 0;
    }
    .top {
      top: 0;
      background: linear-gradient(rgba(0, 0, 0, 0.6), transparent);
    }
    .bottom {
      bottom: 0;
      background: linear-gradient(transparent, rgba(0, 0, 0, 0.6));
    }
    .name {
      font-weight: 600;
      flex: 1 1 auto;
      min-width: 0;
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .spacer {
      flex: 1;
    }
    .badge {
      flex: 0 1 auto;
      min-width: 0;
      max-width: 60%;
      padding: 1px 6px;
      border-radius: 9px;
      background: rgba(0, 0, 0, 0.55);
      white-space: nowrap;
      overflow: hidden;
      text-overflow: ellipsis;
    }
    .status.live {
      background: #1b7f3a;
    }
    .status.starting,
    .status.reconnecting {
      background: #a86b00;
    }
    .status.offline {
      background: #b3261e;
    }
    .status.paused,
    .status.idle {
      background: #444;
    }
    .motion {
      background: #c2185b;
    }
    .profile {
      opacity: 0.75;
    }
    button,
    a.snapshot {
      display: inline-flex;
      align-items: center;
      gap: 2px;
      height: 26px;
      min-width: 26px;
      box-sizing: border-box;
      font: inherit;
      font-weight: 600;
      color: inherit;
      background: rgba(0, 0, 0, 0.45);
      border: 0;
      border-radius: 13px;
      padding: 0 4px;
      cursor: pointer;
      text-decoration: none;
    }
    button:hover,
    a.snapshot:hover {
      background: rgba(255, 255, 255, 0.2);
    }
    svg {
      width: 18px;
      height: 18px;
      fill: currentColor;
    }
    button.record svg {
      fill: #e53935;
    }
    button.record.on {
      background: #b3261e;
      padding-right: 8px;
    }
    button.record.on svg {
      fill: #fff;
    }
    .menu {
      position: absolute;
      left: 8px;
      right: 8px;
      bottom: 36px;
      padding: 6px 8px;
      background: rgba(0, 0, 0, 0.85);
      border-radius: 4px;
      display: grid;
      gap: 4px;
    }
    .menu label {
      display: grid;
      grid-template-columns: 4em 1fr;
      align-items: center;
      gap: 6px;
    }
    .menu input {
      font: inherit;
      background: #222;
      color: #eee;
      border: 1px solid #555;
      min-width: 0;
    }
    .menu-toggle {
      font-size: 11px;
    }
    .notice {
      position: absolute;
      left: 8px;
      right: 8px;
      top: 32px;
      padding: 4px 8px;
      background: rgba(179, 38, 30, 0.9);
      border-radius: 4px;
    }
    .ptz {
      position: absolute;
      right: 8px;
      bottom: 36px;
      opacity: 0;
      transition: opacity 0.2s;
    }
    :host(:hover) .ptz,
    :host([fullscreen]) .ptz {
      opacity: 1;
    }
  `;
}

declare global {
  interface HTMLElementTagNameMap {
    'lookout-camera-tile': LookoutCameraTile;
  }
}
