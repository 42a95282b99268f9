/**
 * The review view's requests, built on the card's LookoutApi (so every URL stays relative to the
 * Lookout base: same origin, HA ingress or a configured URL) and typed by the supervisor's contracts.
 */
import type { ExportJob, Page, RecordingEntry, ReviewEvent } from '../../../addon/src/contracts/recording.js';
import type { LookoutApi } from '../api/client.js';

export interface EventQuery {
  camera?: string;
  kind?: string;
  mode?: string;
  fromMs?: number;
  toMs?: number;
  cursor?: string | null;
  limit?: number;
}

const enc = encodeURIComponent;

function query(q: Record<string, string | number | undefined | null>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

export class ReviewApi {
  constructor(readonly api: LookoutApi) {}

  /** One page of the review list, newest first. */
  async events(q: EventQuery): Promise<Page<ReviewEvent>> {
    const a = await this.api.json<{ events: ReviewEvent[]; next: string | null }>(
      'GET',
      `api/recordings/events${query({
        camera: q.camera,
        kind: q.kind,
        mode: q.mode,
        from: q.fromMs,
        to: q.toMs,
        cursor: q.cursor,
        limit: q.limit,
      })}`,
    );
    return { items: a.events, next: a.next };
  }

  /** Every file of a camera overlapping [from, to], oldest first, with the ones being written. */
  async files(camera: string, fromMs: number, toMs: number): Promise<RecordingEntry[]> {
    const a = await this.api.json<{ recordings: RecordingEntry[] }>(
      'GET',
      `api/recordings${query({ camera, from: fromMs, to: toMs, recording: 1 })}`,
    );
    return a.recordings.sort((x, y) => Date.parse(x.start) - Date.parse(y.start));
  }

  fileUrl(id: string): string {
    return this.api.url(`api/recordings/${enc(id)}`);
  }

  /** A relative URL the API returned (snapshot, download) made absolute against the base. */
  url(relative: string): string {
    return this.api.url(relative);
  }

  /** Bytes of a recording (from `start` on, for a file still being written). */
  async bytes(id: string, start = 0, signal?: AbortSignal): Promise<ArrayBuffer> {
    const res = await fetch(this.fileUrl(id), {
      credentials: 'same-origin',
      headers: start > 0 ? { range: `bytes=${start}-` } : {},
      signal,
    });
    if (res.status === 416) return new ArrayBuffer(0); // nothing new yet
    if (!res.ok) throw new Error(`recording ${id}: HTTP ${res.status}`);
    return res.arrayBuffer();
  }

  setKept(id: string, kept: boolean): Promise<ReviewEvent> {
    return this.api.json('PUT', `api/recordings/${enc(id)}/kept`, { kept });
  }

  async removeClip(id: string): Promise<void> {
    await this.api.json('DELETE', `api/recordings/${enc(id)}?clip=1`);
  }

  startExport(camera: string, fromMs: number, toMs: number): Promise<ExportJob> {
    return this.api.json('POST', 'api/exports', { camera, from: fromMs, to: toMs });
  }

  cancelExport(id: string): Promise<ExportJob> {
    return this.api.json('DELETE', `api/exports/${enc(id)}`);
  }

  /** Progress events of an export until it ends; returns the close function. */
  exportProgress(id: string, onJob: (job: ExportJob) => void): () => void {
    const es = new EventSource(this.api.url(`api/exports/${enc(id)}/events`), { withCredentials: true });
    es.addEventListener('progress', (ev) => {
      const job = JSON.parse((ev as MessageEvent<string>).data) as ExportJob;
      onJob(job);
      if (job.state !== 'running') es.close();
    });
    return () => es.close();
  }
}
