/**
 * The review list: the index as one row per event, newest first, paged by an opaque cursor. A motion
 * or manual clip is one row (all its files: a long clip is cut into segment_length files); a
 * continuous recording is one row per file (an endless clip would be one row a month long).
 * Pure functions of the index, so paging and grouping are testable without files.
 */
import type { Page, RecordingEntry, ReviewEvent } from '../../contracts/recording.js';
import { badRequest } from '../../lib/errors.js';

export interface ReviewQuery {
  camera?: string;
  /** Trigger kind (motion, person, vehicle, manual, continuous). */
  kind?: string;
  mode?: string;
  fromMs?: number;
  toMs?: number;
  limit?: number;
  cursor?: string;
}

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 200;

interface Cursor {
  startMs: number;
  id: string;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.startMs, c.id])).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  try {
    const v = JSON.parse(Buffer.from(text, 'base64url').toString()) as unknown;
    if (Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'string' && v[1].length <= 64)
      return { startMs: v[0], id: v[1] };
  } catch {
    // falls through to the 400
  }
  throw badRequest('cursor is not one this API returned');
}

export function pageLimit(v: unknown): number {
  if (v === undefined || v === '') return DEFAULT_PAGE;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE)
    throw badRequest(`limit must be an integer in [1, ${MAX_PAGE}]`);
  return n;
}

/** Newest first (start time, then id), after `cursor`, at most `limit`; `next` when more remain. */
export function page<T>(items: readonly T[], key: (t: T) => Cursor, limit: number, cursor?: string): Page<T> {
  const after = cursor ? decodeCursor(cursor) : null;
  const sorted = [...items].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return kb.startMs - ka.startMs || (kb.id < ka.id ? -1 : kb.id > ka.id ? 1 : 0);
  });
  const rest = after
    ? sorted.filter((t) => {
        const k = key(t);
        return k.startMs < after.startMs || (k.startMs === after.startMs && k.id < after.id);
      })
    : sorted;
  const items_ = rest.slice(0, limit);
  const last = items_.at(-1);
  return { items: items_, next: rest.length > limit && last ? encodeCursor(key(last)) : null };
}

/** Groups files (any order) into review rows: one per clip, continuous files one each. */
export function reviewRows(files: readonly RecordingEntry[]): ReviewEvent[] {
  const groups = new Map<string, RecordingEntry[]>();
  for (const f of files) {
    const k = f.mode === 'continuous' ? `file ${f.id}` : `${f.camera} ${f.clip}`;
    const g = groups.get(k);
    if (g) g.push(f);
    else groups.set(k, [f]);
  }
  const rows: ReviewEvent[] = [];
  for (const g of groups.values()) {
    g.sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
    const first = g[0]!;
    const eventAt = g.find((f) => f.eventAt)?.eventAt ?? null;
    const eventMs = eventAt ? Date.parse(eventAt) : Date.parse(first.start);
    // The snapshot comes from the file holding the event (the first one unless the pre-roll was long).
    const holder =
      g.find((f) => eventMs >= Date.parse(f.start) && eventMs < Date.parse(f.start) + f.durationS * 1000) ??
      first;
    rows.push({
      id: first.id,
      clip: first.clip,
      camera: first.camera,
      mode: first.mode,
      kind: first.trigger,
      start: first.start,
      durationS: Math.round(g.reduce((n, f) => n + f.durationS, 0) * 1000) / 1000,
      eventAt,
      kept: g.every((f) => f.kept),
      files: g.map((f) => ({ id: f.id, start: f.start, durationS: f.durationS, mimeType: f.mimeType })),
      snapshot: `api/recordings/${holder.id}/snapshot`,
    });
  }
  return rows;
}

/** Rows matching the query, paged newest first. */
export function reviewPage(files: readonly RecordingEntry[], q: ReviewQuery): Page<ReviewEvent> {
  const rows = reviewRows(files.filter((f) => q.camera === undefined || f.camera === q.camera)).filter(
    (r) =>
      (q.kind === undefined || r.kind === q.kind) &&
      (q.mode === undefined || r.mode === q.mode) &&
      (q.fromMs === undefined || Date.parse(r.start) + r.durationS * 1000 >= q.fromMs) &&
      (q.toMs === undefined || Date.parse(r.start) <= q.toMs),
  );
  return page(rows, (r) => ({ startMs: Date.parse(r.start), id: r.id }), q.limit ?? DEFAULT_PAGE, q.cursor);
}
