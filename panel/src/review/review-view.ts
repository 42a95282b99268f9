/**
 * `<lookout-review>`: the card's Review tab. Filters (camera, kind, day), one day timeline per camera
 * (recorded spans, motion events, scrub to play), a player that plays a clip with its pre-roll and the
 * event marked, or the day's recordings across file boundaries (span-player.ts), export of a selected
 * span with server-side progress, and the list of events newest first with infinite scroll, each row
 * with its snapshot, keep and delete. Every URL is relative to the card's Lookout base (ingress-safe).
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import type { CameraSummary } from '../../../addon/src/contracts/api.js';
import type { ExportJob, RecordingEntry, ReviewEvent } from '../../../addon/src/contracts/recording.js';
import type { LookoutApi } from '../api/client.js';
import { ReviewApi } from './review-api.js';
import { clock, ZOOMS_MS, type TimelineSpan } from './review-timeline.js';
import { nearestRecorded, placeFiles, SpanPlayer, type SpanFile } from './span-player.js';

const KINDS = ['motion', 'person', 'vehicle', 'manual', 'continuous'] as const;
const PAGE = 30;
const DAY_MS = 24 * 3600_000;

/** Local midnight of the day holding `ms`. */
export function localDayStart(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

function dayInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

function length(s: number): string {
  if (s < 60) return `${Math.round(s)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** What the player holds: a clip (its files, start, event) or a camera's day. */
interface Playing {
  camera: string;
  row: ReviewEvent | null;
  startMs: number;
  endMs: number;
  eventMs: number | null;
}

export class LookoutReview extends LitElement {
  static override properties = {
    api: { attribute: false },
    cameras: { attribute: false },
    _camera: { state: true },
    _kind: { state: true },
    _day: { state: true },
    _rows: { state: true },
    _next: { state: true },
    _loading: { state: true },
    _error: { state: true },
    _spans: { state: true },
    _playing: { state: true },
    _playhead: { state: true },
    _zoom: { state: true },
    _selecting: { state: true },
    _selection: { state: true },
    _export: { state: true },
  };

  declare api: LookoutApi | null;
  declare cameras: CameraSummary[];
  declare _camera: string;
  declare _kind: string;
  declare _day: number;
  declare _rows: ReviewEvent[];
  declare _next: string | null;
  declare _loading: boolean;
  declare _error: string;
  declare _spans: Map<string, RecordingEntry[]>;
  declare _playing: Playing | null;
  declare _playhead: number | null;
  declare _zoom: number;
  declare _selecting: boolean;
  declare _selection: { camera: string; fromMs: number; toMs: number } | null;
  declare _export: ExportJob | null;

  private review: ReviewApi | null = null;
  private player: SpanPlayer | null = null;
  private observer: IntersectionObserver | null = null;
  private query = 0;
  private closeProgress: (() => void) | null = null;
  private pending: { camera: string; atMs: number } | null = null;

  constructor() {
    super();
    this.api = null;
    this.cameras = [];
    this._camera = '';
    this._kind = '';
    this._day = localDayStart(Date.now());
    this._rows = [];
    this._next = null;
    this._loading = false;
    this._error = '';
    this._spans = new Map();
    this._playing = null;
    this._playhead = null;
    this._zoom = 0;
    this._selecting = false;
    this._selection = null;
    this._export = null;
  }

  /** From live view's "back N seconds": that camera, today, playing from `atMs`. */
  showAt(camera: string, atMs: number): void {
    this._camera = camera;
    this._day = localDayStart(atMs);
    this.pending = { camera, atMs };
    this.reload();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.observer?.disconnect();
    this.player?.destroy();
    this.player = null;
    this.closeProgress?.();
  }

  protected override willUpdate(changed: PropertyValues): void {
    if (changed.has('api') && this.api) {
      this.review = new ReviewApi(this.api);
      this.reload();
    }
  }

  protected override updated(): void {
    const video = this.renderRoot.querySelector('video');
    if (video && this.review && this.player?.video !== video) {
      this.player?.destroy();
      this.player = new SpanPlayer(video, this.review, (m) => (this._error = m));
      video.addEventListener('timeupdate', () => (this._playhead = this.player?.wallNow ?? null));
    }
    const sentinel = this.renderRoot.querySelector('.sentinel');
    if (sentinel && !this.observer) {
      this.observer = new IntersectionObserver((entries) => {
        if (entries.some((e) => e.isIntersecting)) void this.more();
      });
      this.observer.observe(sentinel);
    }
  }

  private get shownCameras(): CameraSummary[] {
    const all = this.cameras.filter((c) => c.enabled);
    return this._camera ? all.filter((c) => c.id === this._camera) : all;
  }

  /** New filters: the list from its first page, and the timelines of the day. */
  private reload(): void {
    if (!this.review) return;
    const q = ++this.query;
    this._rows = [];
    this._next = null;
    this._error = '';
    void this.more(q, true);
    void this.loadSpans(q);
  }

  private async more(q = this.query, first = false): Promise<void> {
    if (!this.review || this._loading || (!first && !this._next)) return;
    this._loading = true;
    try {
      const page = await this.review.events({
        camera: this._camera || undefined,
        kind: this._kind || undefined,
        fromMs: this._day,
        toMs: this._day + DAY_MS - 1,
        cursor: first ? null : this._next,
        limit: PAGE,
      });
      if (q !== this.query) return;
      this._rows = [...this._rows, ...page.items];
      this._next = page.next;
    } catch (err) {
      if (q === this.query) this._error = (err as Error).message;
    } finally {
      this._loading = false;
    }
    // A tall screen may show the sentinel again at once: keep filling it.
    if (q === this.query && this._next) {
      await this.updateComplete;
      const s = this.renderRoot.querySelector('.sentinel')?.getBoundingClientRect();
      if (s && s.top < window.innerHeight) void this.more(q);
    }
  }

  private async loadSpans(q: number): Promise<void> {
    const review = this.review;
    if (!review) return;
    const spans = new Map<string, RecordingEntry[]>();
    for (const cam of this.shownCameras) {
      try {
        spans.set(cam.id, await review.files(cam.id, this._day, this._day + DAY_MS - 1));
      } catch (err) {
        this._error = (err as Error).message;
      }
    }
    if (q !== this.query) return;
    this._spans = spans;
    const p = this.pending;
    if (p) {
      this.pending = null;
      void this.playDay(p.camera, p.atMs);
    }
  }

  override render() {
    return html`<div class="filters">
        <select aria-label="Camera" @change=${this.onCamera} .value=${this._camera}>
          <option value="">All cameras</option>
          ${this.cameras.map((c) => html`<option value=${c.id} ?selected=${c.id === this._camera}>${c.name}</option>`)}
        </select>
        <select aria-label="Kind" @change=${this.onKind}>
          <option value="">All kinds</option>
          ${KINDS.map((k) => html`<option value=${k} ?selected=${k === this._kind}>${k}</option>`)}
        </select>
        <input type="date" aria-label="Day" .value=${dayInput(this._day)} @change=${this.onDay} />
        <span class="zoom">
          ${ZOOMS_MS.map(
            (z, i) =>
              html`<button class=${i === this._zoom ? 'on' : ''} @click=${() => (this._zoom = i)}>
                ${z >= 3600_000 ? `${z / 3600_000} h` : `${z / 60_000} min`}
              </button>`,
          )}
        </span>
      </div>
      <div class="timelines" @lookout:seek=${this.onSeek} @lookout:select=${this.onSelect}>
        ${this.shownCameras.map((cam) => {
          const files = this._spans.get(cam.id) ?? [];
          const spans: TimelineSpan[] = files.map((f) => ({
            startMs: Date.parse(f.start),
            endMs: Date.parse(f.start) + f.durationS * 1000,
            mode: f.mode,
          }));
          const events = files
            .filter((f) => f.eventAt)
            .map((f) => ({ ms: Date.parse(f.eventAt!), kind: f.trigger }));
          return html`<div class="tl-row" data-camera=${cam.id}>
            <span class="tl-name">${cam.name}</span>
            <lookout-review-timeline
              camera=${cam.id}
              .dayStartMs=${this._day}
              .windowMs=${ZOOMS_MS[this._zoom]}
              .spans=${spans}
              .events=${events}
              .playheadMs=${this._playing?.camera === cam.id ? this._playhead : null}
              .selection=${this._selection?.camera === cam.id ? this._selection : null}
              ?selecting=${this._selecting}
            ></lookout-review-timeline>
          </div>`;
        })}
      </div>
      ${this.renderPlayer()} ${this._error ? html`<div class="error">${this._error}</div>` : nothing}
      <ul class="rows">
        ${this._rows.map((r) => this.renderRow(r))}
      </ul>
      <div class="sentinel">
        ${this._loading ? 'Loading…' : this._next ? '' : this._rows.length ? 'No more events.' : 'No recordings.'}
      </div>`;
  }

  private renderPlayer() {
    const p = this._playing;
    const sel = this._selection;
    const job = this._export;
    const bar =
      p && p.row
        ? html`<div class="clipbar" @click=${this.onClipBar}>
            <div
              class="played"
              style="width:${Math.min(100, (((this._playhead ?? p.startMs) - p.startMs) / (p.endMs - p.startMs)) * 100)}%"
            ></div>
            ${
              p.eventMs !== null
                ? html`<div
                    class="marker"
                    title="event ${clock(p.eventMs, true)}"
                    style="left:${((p.eventMs - p.startMs) / (p.endMs - p.startMs)) * 100}%"
                  ></div>`
                : nothing
            }
          </div>`
        : nothing;
    return html`<div class="player ${p ? '' : 'empty'}">
      <video muted playsinline controls></video>
      ${bar}
      <div class="player-info">
        ${
          p
            ? html`<span class="now"
                >${p.camera} · ${this._playhead ? clock(this._playhead, true) : ''}</span
              >`
            : html`<span>Pick an event or a time on a timeline.</span>`
        }
        <button class=${this._selecting ? 'on' : ''} @click=${() => (this._selecting = !this._selecting)}>
          Select span
        </button>
        ${
          sel
            ? html`<span class="sel">${clock(sel.fromMs, true)}–${clock(sel.toMs, true)}</span> ${
                  job?.state === 'running'
                    ? html`<progress max="1" .value=${job.progress}></progress>
                        <span class="pct">${Math.round(job.progress * 100)} %</span>
                        <button @click=${this.cancelExport}>Cancel</button>`
                    : html`<button @click=${this.startExport}>Export</button>`
                }`
            : nothing
        }
        ${
          job?.state === 'done' && job.download
            ? html`<a class="download" href=${this.review!.url(job.download)} download>Download MP4</a>`
            : nothing
        }
        ${job?.state === 'failed' ? html`<span class="error">Export failed: ${job.error}</span>` : nothing}
        ${job?.state === 'cancelled' ? html`<span>Export cancelled.</span>` : nothing}
      </div>
    </div>`;
  }

  private renderRow(r: ReviewEvent) {
    const playing = this._playing?.row?.clip === r.clip && this._playing.row.id === r.id;
    return html`<li class="row ${playing ? 'playing' : ''}" data-id=${r.id}>
      <button
        class="open"
        @click=${() => void this.playRow(r)}
        aria-label="Play ${r.kind} at ${clock(Date.parse(r.start), true)}"
      >
        <img loading="lazy" alt="" src=${this.review!.url(r.snapshot)} />
        <span class="meta">
          <span class="kind ${r.mode}">${r.kind}</span>
          <span class="cam">${this.cameras.find((c) => c.id === r.camera)?.name ?? r.camera}</span>
          <span class="when">${clock(Date.parse(r.eventAt ?? r.start), true)}</span>
          <span class="len">${length(r.durationS)} · ${r.mode}</span>
        </span>
      </button>
      <button
        class="keep ${r.kept ? 'on' : ''}"
        title=${r.kept ? 'Kept: retention never deletes it' : 'Keep'}
        aria-pressed=${r.kept ? 'true' : 'false'}
        @click=${() => void this.toggleKeep(r)}
      >
        ★
      </button>
      <button class="delete" title="Delete" @click=${() => void this.removeRow(r)}>✕</button>
    </li>`;
  }

  private readonly onCamera = (ev: Event): void => {
    this._camera = (ev.target as HTMLSelectElement).value;
    this.reload();
  };

  private readonly onKind = (ev: Event): void => {
    this._kind = (ev.target as HTMLSelectElement).value;
    this.reload();
  };

  private readonly onDay = (ev: Event): void => {
    const v = (ev.target as HTMLInputElement).value;
    const [y, m, d] = v.split('-').map(Number);
    if (!y || !m || !d) return;
    this._day = new Date(y, m - 1, d).getTime();
    this.reload();
  };

  private readonly onSeek = (ev: CustomEvent<{ camera: string; ms: number }>): void => {
    const { camera, ms } = ev.detail;
    if (this._playing && !this._playing.row && this._playing.camera === camera && this.player) {
      this._playhead = ms;
      void this.player.seekWall(ms);
    } else void this.playDay(camera, ms);
  };

  private readonly onSelect = (ev: CustomEvent<{ camera: string; fromMs: number; toMs: number }>): void => {
    this._selection = ev.detail;
    this._export = null;
  };

  private readonly onClipBar = (ev: MouseEvent): void => {
    const p = this._playing;
    if (!p || !this.player) return;
    const r = (ev.currentTarget as HTMLElement).getBoundingClientRect();
    void this.player.seekWall(p.startMs + ((ev.clientX - r.left) / r.width) * (p.endMs - p.startMs));
  };

  /** A row: its files from the first frame (the pre-roll), the event marked. */
  private async playRow(r: ReviewEvent): Promise<void> {
    const files: SpanFile[] = r.files.map((f) => ({
      id: f.id,
      startMs: Date.parse(f.start),
      durationS: f.durationS,
      mimeType: f.mimeType,
    }));
    const startMs = Date.parse(r.start);
    this._playing = {
      camera: r.camera,
      row: r,
      startMs,
      endMs: startMs + r.durationS * 1000,
      eventMs: r.eventAt ? Date.parse(r.eventAt) : null,
    };
    this._selection = { camera: r.camera, fromMs: startMs, toMs: startMs + r.durationS * 1000 };
    this._export = null;
    await this.updateComplete;
    await this.player?.open(files, startMs);
  }

  /** A time on a camera's timeline: that camera's recordings of the day as one timeline. */
  private async playDay(camera: string, atMs: number): Promise<void> {
    const files = (this._spans.get(camera) ?? []).map((f) => ({
      id: f.id,
      startMs: Date.parse(f.start),
      durationS: f.durationS,
      mimeType: f.mimeType,
      inProgress: f.inProgress,
    }));
    if (files.length === 0) {
      this._error = `Nothing recorded on ${camera} at ${clock(atMs, true)}.`;
      return;
    }
    const played = nearestRecorded(placeFiles(files), atMs);
    // Not recorded then (the camera was down, or a motion camera between clips): say what plays instead.
    this._error =
      Math.abs(played - atMs) > 1000
        ? `Nothing recorded on ${camera} at ${clock(atMs, true)}; playing from ${clock(played, true)}.`
        : '';
    this._playing = { camera, row: null, startMs: files[0]!.startMs, endMs: atMs, eventMs: null };
    this._playhead = atMs;
    await this.updateComplete;
    await this.player?.open(files, atMs);
  }

  private async toggleKeep(r: ReviewEvent): Promise<void> {
    try {
      const next = await this.review!.setKept(r.id, !r.kept);
      this._rows = this._rows.map((x) => (x.id === r.id ? { ...x, kept: next.kept } : x));
    } catch (err) {
      this._error = (err as Error).message;
    }
  }

  private async removeRow(r: ReviewEvent): Promise<void> {
    if (!confirm(`Delete this ${r.kind} recording of ${r.camera}?`)) return;
    try {
      await this.review!.removeClip(r.id);
      this._rows = this._rows.filter((x) => x.id !== r.id);
      if (this._playing?.row?.id === r.id) {
        this.player?.close();
        this._playing = null;
      }
      void this.loadSpans(this.query);
    } catch (err) {
      this._error = (err as Error).message;
    }
  }

  private readonly startExport = async (): Promise<void> => {
    const sel = this._selection;
    if (!sel || !this.review) return;
    try {
      const job = await this.review.startExport(sel.camera, sel.fromMs, sel.toMs);
      this._export = job;
      this.closeProgress?.();
      this.closeProgress = this.review.exportProgress(job.id, (j) => (this._export = j));
    } catch (err) {
      this._error = (err as Error).message;
    }
  };

  private readonly cancelExport = async (): Promise<void> => {
    const job = this._export;
    if (!job || !this.review) return;
    try {
      this._export = await this.review.cancelExport(job.id);
    } catch (err) {
      this._error = (err as Error).message;
    }
  };

  static override styles = css`
    :host {
      display: block;
      color: var(--primary-text-color, #eee);
      font:
        13px system-ui,
        sans-serif;
    }
    .filters {
      display: flex;
      flex-wrap: wrap;
      gap: 6px;
      align-items: center;
      margin-bottom: 8px;
    }
    select,
    input,
    button {
      font: inherit;
      color: inherit;
      background: #2a2a2a;
      border: 1px solid #444;
      border-radius: 4px;
      padding: 4px 6px;
    }
    button {
      cursor: pointer;
    }
    button.on {
      background: #3d7bd9;
      border-color: #3d7bd9;
    }
    .zoom button {
      padding: 4px;
    }
    .tl-row {
      display: grid;
      grid-template-columns: 90px 1fr;
      gap: 6px;
      align-items: start;
      margin-bottom: 2px;
    }
    .tl-name {
      padding-top: 6px;
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .player {
      margin: 8px 0;
    }
    .player video {
      width: 100%;
      max-height: 60vh;
      background: #000;
      display: block;
      aspect-ratio: 16 / 9;
    }
    .player.empty video {
      display: none;
    }
    .clipbar {
      position: relative;
      height: 10px;
      background: #333;
      cursor: pointer;
    }
    .clipbar .played {
      position: absolute;
      left: 0;
      top: 0;
      bottom: 0;
      background: #3d7bd9;
    }
    .clipbar .marker {
      position: absolute;
      top: -3px;
      bottom: -3px;
      width: 3px;
      margin-left: -1px;
      background: #ffcf4d;
    }
    .player-info {
      display: flex;
      flex-wrap: wrap;
      gap: 8px;
      align-items: center;
      padding: 6px 0;
    }
    .player-info .now {
      font-variant-numeric: tabular-nums;
    }
    progress {
      width: 120px;
    }
    a.download {
      color: #8cb8ff;
    }
    .error {
      color: var(--error-color, #ff7a7a);
      padding: 4px 0;
    }
    .rows {
      list-style: none;
      margin: 0;
      padding: 0;
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(280px, 1fr));
      gap: 6px;
    }
    .row {
      display: flex;
      align-items: stretch;
      background: #222;
      border-radius: 6px;
      overflow: hidden;
    }
    .row.playing {
      outline: 2px solid #3d7bd9;
    }
    .row .open {
      flex: 1;
      display: flex;
      gap: 8px;
      padding: 0;
      border: 0;
      background: none;
      text-align: left;
      min-width: 0;
    }
    .row img {
      width: 120px;
      aspect-ratio: 16 / 9;
      object-fit: cover;
      background: #111;
      flex: none;
    }
    .meta {
      display: flex;
      flex-direction: column;
      justify-content: center;
      gap: 2px;
      min-width: 0;
    }
    .kind {
      font-weight: 600;
      text-transform: capitalize;
    }
    .kind.motion {
      color: #ffb366;
    }
    .kind.manual {
      color: #d9a3ff;
    }
    .kind.continuous {
      color: #8cb8ff;
    }
    .len,
    .cam {
      color: #aaa;
    }
    .keep,
    .delete {
      border: 0;
      border-radius: 0;
      background: none;
      width: 36px;
      color: #777;
    }
    button.keep.on {
      background: none;
      color: #ffcf4d;
    }
    .sentinel {
      padding: 12px;
      text-align: center;
      color: #888;
    }
    @media (max-width: 600px) {
      .tl-row {
        grid-template-columns: 1fr;
      }
      .tl-name {
        padding-top: 0;
      }
      .rows {
        grid-template-columns: 1fr;
      }
      .row img {
        width: 96px;
      }
    }
  `;
}

declare global {
  interface HTMLElementTagNameMap {
    'lookout-review': LookoutReview;
  }
}
