/**
 * `<lookout-talk-button>`: hold to talk to one camera's speaker. Pointer down (or Space/Enter held)
 * starts, release ends; the microphone and socket are TalkController's (controllers/talk.ts). The
 * host reflects the state in `data-talk` (idle, starting, talking, error) for pages and tests; an
 * error is shown beside the button for a few seconds, and in a page that cannot reach a microphone
 * at all (plain http on a LAN address) the button is disabled and says why.
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import type { LookoutApi } from '../api/client.js';
import { TalkController, talkUnsupported } from '../controllers/talk.js';

const MIC =
  'M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.9V21h2v-3.1a7 7 0 0 0 6-6.9z';

export class LookoutTalkButton extends LitElement {
  static override properties = {
    api: { attribute: false },
    camera: { type: String },
  };

  declare api: LookoutApi | undefined;
  declare camera: string;

  private readonly talk = new TalkController(this, () =>
    this.api && this.camera ? { api: this.api, camera: this.camera } : null,
  );
  private readonly unsupported = talkUnsupported();

  constructor() {
    super();
    this.camera = '';
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('camera') || changed.has('api')) this.talk.stop();
  }

  override render() {
    const t = this.talk;
    const label =
      this.unsupported ??
      (t.state === 'error' && t.error ? t.error : null) ??
      (t.state === 'talking'
        ? 'Talking… release to stop'
        : t.state === 'starting'
          ? 'Connecting…'
          : 'Hold to talk');
    return html`<button
        class="talk ${t.state}"
        title=${label}
        aria-label=${label}
        aria-pressed=${t.state === 'talking' || t.state === 'starting' ? 'true' : 'false'}
        ?disabled=${!!this.unsupported}
        @pointerdown=${this.down}
        @pointerup=${this.up}
        @pointercancel=${this.up}
        @lostpointercapture=${this.up}
        @keydown=${this.key}
        @keyup=${this.key}
        @contextmenu=${(e: Event) => e.preventDefault()}
      >
        <svg viewBox="0 0 24 24" aria-hidden="true"><path d=${MIC} /></svg>
      </button>
      ${t.state === 'error' && t.error ? html`<span class="error" role="alert">${t.error}</span>` : nothing}`;
  }

  protected override updated(): void {
    this.dataset.talk = this.talk.state;
    this.dataset.sent = String(this.talk.sent);
    this.dataset.firstSentAt = String(this.talk.firstSentAt);
  }

  private down = (e: PointerEvent): void => {
    if (e.button !== 0) return;
    e.preventDefault();
    e.stopPropagation();
    // Capture: the release arrives here even when the finger slides off the button.
    (e.currentTarget as HTMLElement).setPointerCapture?.(e.pointerId);
    void this.talk.start();
  };

  private up = (e: Event): void => {
    e.stopPropagation();
    this.talk.stop();
  };

  private key = (e: KeyboardEvent): void => {
    if (e.key !== ' ' && e.key !== 'Enter') return;
    e.preventDefault();
    if (e.type === 'keydown' && !e.repeat) void this.talk.start();
    else if (e.type === 'keyup') this.talk.stop();
  };

  static override styles = css`
    :host {
      display: inline-flex;
      align-items: center;
      gap: 6px;
      position: relative;
    }
    button.talk {
      display: inline-flex;
      align-items: center;
      justify-content: center;
      width: 36px;
      height: 36px;
      border-radius: 50%;
      border: none;
      background: rgba(0, 0, 0, 0.55);
      color: #fff;
      cursor: pointer;
      touch-action: none;
      user-select: none;
      -webkit-user-select: none;
    }
    button.talk svg {
      width: 20px;
      height: 20px;
      fill: currentColor;
    }
    button.talk.starting {
      background: #b26a00;
    }
    button.talk.talking {
      background: #c62828;
      box-shadow: 0 0 0 4px rgba(198, 40, 40, 0.35);
    }
    button.talk:disabled {
      opacity: 0.45;
      cursor: not-allowed;
    }
    .error {
      position: absolute;
      bottom: 42px;
      right: 0;
      width: max-content;
      max-width: 260px;
      padding: 4px 8px;
      border-radius: 4px;
      background: rgba(183, 28, 28, 0.92);
      color: #fff;
      font-size: 12px;
    }
  `;
}
