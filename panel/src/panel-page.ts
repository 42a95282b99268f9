/**
 * `<lookout-panel>`: the page the supervisor serves at `/` (also the add-on's ingress panel). The
 * grid card over the whole page, on the page's own origin. The page URL may force the live tech
 * (`?tech=llhls|mse|snapshot`), pick cameras (`?cameras=a,b`) and columns (`?columns=3`); a bad
 * value shows the card's config error instead of a silent default.
 */
import { LitElement, css, html } from 'lit';
import {
  CARD_TYPE,
  LIVE_TECHS,
  resolveCardConfig,
  type LiveTech,
  type LookoutCardConfig,
} from './config/card-config.js';
import type { LookoutGridCard } from './card.js';

export function configFromQuery(q: URLSearchParams): LookoutCardConfig {
  const config: LookoutCardConfig = { type: CARD_TYPE };
  const cameras = q.get('cameras');
  if (cameras) config.cameras = cameras.split(',').filter(Boolean);
  const columns = q.get('columns');
  if (columns) config.columns = columns === 'auto' ? 'auto' : Number(columns);
  const tech = q.get('tech');
  if (tech) config.live_tech = tech as LiveTech;
  return config;
}

export class LookoutPanel extends LitElement {
  static override properties = { _error: { state: true } };
  declare _error: string;

  constructor() {
    super();
    this._error = '';
  }

  override firstUpdated(): void {
    const card = this.renderRoot.querySelector('lookout-grid-card') as LookoutGridCard | null;
    if (!card) return;
    try {
      const config = configFromQuery(new URLSearchParams(location.search));
      resolveCardConfig(config);
      card.setConfig(config);
      if (config.live_tech && (LIVE_TECHS as readonly string[]).includes(config.live_tech))
        card.tech = config.live_tech;
    } catch (err) {
      this._error = (err as Error).message;
    }
  }

  override render() {
    return html`<header><span class="logo">Lookout</span></header>
      ${this._error ? html`<pre class="error">${this._error}</pre>` : ''}
      <lookout-grid-card standalone></lookout-grid-card>`;
  }

  static override styles = css`
    :host {
      display: block;
      min-height: 100vh;
      background: #111;
      color: #ddd;
      font:
        13px system-ui,
        sans-serif;
    }
    header {
      padding: 8px 12px;
      font-weight: 600;
      font-size: 15px;
    }
    .error {
      margin: 12px;
      color: #ff7a7a;
      white-space: pre-wrap;
    }
    lookout-grid-card {
      --ha-card-background: #111;
      --ha-card-border-radius: 0;
    }
  `;
}

declare global {
  interface HTMLElementTagNameMap {
    'lookout-panel': LookoutPanel;
  }
}
