/**
 * `<lookout-srtla-links>`: the per-link view of a bonded (SRTLA) camera, over its tile: one row per
 * uplink with its share of the packets, bitrate and how long ago it was heard from. Polls
 * /api/srtla/stats every 2 s while on the page; shows nothing until a group is live.
 */
import { LitElement, css, html, nothing } from 'lit';
import type { SrtlaStatsAnswer } from '../../../addon/src/contracts/srtla.js';
import type { LookoutApi } from '../api/client.js';

const POLL_MS = 2000;
type Publisher = SrtlaStatsAnswer['publishers'][string];

export class LookoutSrtlaLinks extends LitElement {
  static override properties = {
    api: { attribute: false },
    camera: { type: String },
    _pub: { state: true },
  };
  declare api: LookoutApi | null;
  declare camera: string;
  declare _pub: Publisher | null;
  private timer = 0;

  constructor() {
    super();
    this.api = null;
    this.camera = '';
    this._pub = null;
  }

  static override styles = css`
    :host {
      display: block;
      font:
        11px/1.3 system-ui,
        sans-serif;
      color: #fff;
      pointer-events: none;
    }
    table {
      background: rgba(0, 0, 0, 0.55);
      border-radius: 4px;
      padding: 2px 6px;
      border-spacing: 6px 1px;
    }
    td.bar {
      width: 48px;
    }
    .bar span {
      display: block;
      height: 6px;
      background: #4caf50;
      border-radius: 2px;
    }
    tr.stale {
      color: #ff9800;
    }
  `;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.poll();
    this.timer = window.setInterval(() => void this.poll(), POLL_MS);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.clearInterval(this.timer);
  }

  private async poll(): Promise<void> {
    if (!this.api || !this.camera) return;
    try {
      const stats = await this.api.srtlaStats();
      const key = Object.keys(stats.publishers).find((k) => k.startsWith(`${this.camera}/`));
      this._pub = key ? stats.publishers[key]! : null;
    } catch {
      this._pub = null; // the tile's own badge tells about connection trouble
    }
  }

  override render() {
    const p = this._pub;
    if (!p) return nothing;
    return html`<table aria-label="bonded links">
      <tr>
        <td colspan="4">
          ${p.links.length} links · ${p.bitrate} kbit/s${p.rtt !== null ? ` · ${p.rtt} ms` : ''}
        </td>
      </tr>
      ${p.links.map(
        (l) =>
          html`<tr class=${l.last_seen_ms > 2000 ? 'stale' : ''} data-link=${l.address}>
            <td>${l.address.replace(/^\[?::ffff:/, '').replace(/\]?:(\d+)$/, ':$1')}</td>
            <td class="bar"><span style="width:${Math.round(l.share * 100)}%"></span></td>
            <td>${Math.round(l.share * 100)}%</td>
            <td>${l.bitrate} kbit/s</td>
          </tr>`,
      )}
    </table>`;
  }
}

if (!customElements.get('lookout-srtla-links'))
  customElements.define('lookout-srtla-links', LookoutSrtlaLinks);

declare global {
  interface HTMLElementTagNameMap {
    'lookout-srtla-links': LookoutSrtlaLinks;
  }
}
