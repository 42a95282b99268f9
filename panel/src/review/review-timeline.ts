/**
 * `<lookout-review-timeline>`: one camera's day as a horizontal bar: recorded spans (by mode) and
 * motion events as ticks, the playhead, and a selected span for export. Click or drag (scrub) seeks:
 * `lookout:seek` {camera, ms}; in select mode (or with Shift) a drag selects: `lookout:select`
 * {camera, fromMs, toMs}. The window can be zoomed around the playhead (a day is ~100 s per pixel).
 */
import { LitElement, css, html, nothing } from 'lit';

export interface TimelineSpan {
  startMs: number;
  endMs: number;
  mode: string;
}

export const ZOOMS_MS = [24 * 3600_000, 4 * 3600_000, 3600_000, 15 * 60_000] as const;
const SCRUB_EVERY_MS = 150;

export class LookoutReviewTimeline extends LitElement {
  static override properties = {
    camera: { type: String },
    dayStartMs: { type: Number },
    windowMs: { type: Number },
    spans: { attribute: false },
    events: { attribute: false },
    playheadMs: { type: Number },
    selection: { attribute: false },
    selecting: { type: Boolean },
  };

  declare camera: string;
  declare dayStartMs: number;
  declare windowMs: number;
  declare spans: TimelineSpan[];
  declare events: Array<{ ms: number; kind: string }>;
  declare playheadMs: number | null;
  declare selection: { fromMs: number; toMs: number } | null;
  declare selecting: boolean;

  /** A press on the bar: the window is frozen while it lasts (the view follows the playhead otherwise). */
  private drag: { x0: number; ms0: number; select: boolean; lastSeek: number; viewStart: number } | null =
    null;

  constructor() {
    super();
    this.camera = '';
    this.dayStartMs = 0;
    this.windowMs = ZOOMS_MS[0];
    this.spans = [];
    this.events = [];
    this.playheadMs = null;
    this.selection = null;
    this.selecting = false;
  }

  /** First ms shown: the day, or a zoomed window around the playhead kept inside the day. */
  get viewStartMs(): number {
    if (this.drag) return this.drag.viewStart;
    if (this.windowMs >= ZOOMS_MS[0]) return this.dayStartMs;
    const centre = this.playheadMs ?? this.dayStartMs + ZOOMS_MS[0] / 2;
    const start = centre - this.windowMs / 2;
    return Math.min(Math.max(start, this.dayStartMs), this.dayStartMs + ZOOMS_MS[0] - this.windowMs);
  }

  private pct(ms: number): number {
    return ((ms - this.viewStartMs) / this.windowMs) * 100;
  }

  private msAt(clientX: number): number {
    const r = this.renderRoot.querySelector('.track')!.getBoundingClientRect();
    const f = Math.min(1, Math.max(0, (clientX - r.left) / Math.max(1, r.width)));
    return Math.round(this.viewStartMs + f * this.windowMs);
  }

  override render() {
    const start = this.viewStartMs;
    const end = start + this.windowMs;
    const visible = (a: number, b: number) => b >= start && a <= end;
    const ticks = this.ticks(start, end);
    const sel = this.selection;
    return html`<div
        class="track"
        role="slider"
        aria-label="Timeline of ${this.camera}"
        aria-valuemin=${start}
        aria-valuemax=${end}
        aria-valuenow=${this.playheadMs ?? start}
        @pointerdown=${this.onDown}
        @pointermove=${this.onMove}
        @pointerup=${this.onUp}
        @pointercancel=${this.onUp}
      >
        ${this.spans
          .filter((s) => visible(s.startMs, s.endMs))
          .map(
            (s) =>
              html`<div
                class="span ${s.mode}"
                style="left:${Math.max(0, this.pct(s.startMs))}%;width:${Math.max(
                  0.15,
                  Math.min(100, this.pct(s.endMs)) - Math.max(0, this.pct(s.startMs)),
                )}%"
              ></div>`,
          )}
        ${this.events
          .filter((e) => visible(e.ms, e.ms))
          .map((e) => html`<div class="event" title=${e.kind} style="left:${this.pct(e.ms)}%"></div>`)}
        ${
          sel && visible(sel.fromMs, sel.toMs)
            ? html`<div
                class="selection"
                style="left:${Math.max(0, this.pct(sel.fromMs))}%;width:${
                  Math.min(100, this.pct(sel.toMs)) - Math.max(0, this.pct(sel.fromMs))
                }%"
              ></div>`
            : nothing
        }
        ${
          this.playheadMs !== null && visible(this.playheadMs, this.playheadMs)
            ? html`<div class="playhead" style="left:${this.pct(this.playheadMs)}%"></div>`
            : nothing
        }
      </div>
      <div class="ticks">
        ${ticks.map((t) => html`<span style="left:${this.pct(t)}%">${clock(t)}</span>`)}
      </div>`;
  }

  private ticks(start: number, end: number): number[] {
    const step =
      this.windowMs >= ZOOMS_MS[0]
        ? 3 * 3600_000
        : this.windowMs >= ZOOMS_MS[1]
          ? 3600_000
          : this.windowMs >= ZOOMS_MS[2]
            ? 10 * 60_000
            : 3 * 60_000;
    const out: number[] = [];
    // Local-time ticks: the day starts at local midnight, so steps from dayStart are round local times.
    for (let t = this.dayStartMs; t <= end; t += step) if (t >= start) out.push(t);
    return out;
  }

  private readonly onDown = (ev: PointerEvent): void => {
    (ev.currentTarget as HTMLElement).setPointerCapture?.(ev.pointerId);
    const viewStart = this.viewStartMs;
    const ms = this.msAt(ev.clientX);
    this.drag = { x0: ev.clientX, ms0: ms, select: this.selecting || ev.shiftKey, lastSeek: 0, viewStart };
    if (!this.drag.select) this.seek(ms);
  };

  private readonly onMove = (ev: PointerEvent): void => {
    const d = this.drag;
    if (!d) return;
    const ms = this.msAt(ev.clientX);
    if (d.select) {
      if (Math.abs(ev.clientX - d.x0) > 3) this.select(Math.min(d.ms0, ms), Math.max(d.ms0, ms));
    } else if (performance.now() - d.lastSeek > SCRUB_EVERY_MS) {
      d.lastSeek = performance.now();
      this.seek(ms);
    }
  };

  private readonly onUp = (ev: PointerEvent): void => {
    const d = this.drag;
    if (!d) return;
    const ms = this.msAt(ev.clientX);
    this.drag = null;
    const moved = Math.abs(ev.clientX - d.x0) > 3;
    if (d.select && moved) this.select(Math.min(d.ms0, ms), Math.max(d.ms0, ms));
    else if (!d.select && moved) this.seek(ms); // a plain click already sought on the press
    this.requestUpdate();
  };

  private seek(ms: number): void {
    this.dispatchEvent(
      new CustomEvent('lookout:seek', { detail: { camera: this.camera, ms }, bubbles: true, composed: true }),
    );
  }

  private select(fromMs: number, toMs: number): void {
    this.dispatchEvent(
      new CustomEvent('lookout:select', {
        detail: { camera: this.camera, fromMs, toMs },
        bubbles: true,
        composed: true,
      }),
    );
  }

  static override styles = css`
    :host {
      display: block;
      user-select: none;
      touch-action: none;
    }
    .track {
      position: relative;
      height: 28px;
      background: #262626;
      border-radius: 4px;
      overflow: hidden;
      cursor: pointer;
    }
    .span {
      position: absolute;
      top: 6px;
      bottom: 6px;
      background: #3d7bd9;
    }
    .span.motion {
      background: #d98b3d;
    }
    .span.manual {
      background: #b44ad9;
    }
    .event {
      position: absolute;
      top: 0;
      bottom: 0;
      width: 2px;
      margin-left: -1px;
      background: #ffcf4d;
    }
    .selection {
      position: absolute;
      top: 0;
      bottom: 0;
      background: rgba(255, 255, 255, 0.22);
      outline: 1px solid #fff;
    }
    .playhead {
      position: absolute;
      top: 0;
      bottom: 0;
      width: 2px;
      margin-left: -1px;
      background: #ff4d4d;
    }
    .ticks {
      position: relative;
      overflow: hidden;
      height: 14px;
      font-size: 10px;
      color: #999;
    }
    .ticks span {
      position: absolute;
      transform: translateX(-50%);
      white-space: nowrap;
    }
  `;
}

/** Local time of day (HH:MM), or with seconds (HH:MM:SS). */
export function clock(ms: number, seconds = false): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}${seconds ? `:${p(d.getSeconds())}` : ''}`;
}

declare global {
  interface HTMLElementTagNameMap {
    'lookout-review-timeline': LookoutReviewTimeline;
  }
}
