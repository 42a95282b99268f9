/**
 * Blocking playlist reload (RFC 8216bis 6.2.5.2, as gohlslib does it; MEDIAMTX.md §1): parse
 * `_HLS_msn` / `_HLS_part` and decide whether the window already satisfies them.
 */
/** What the rules look at: a listed segment's number, state and (complete) parts. */
export interface DirectiveSegment {
  readonly seq: number;
  readonly closed: boolean;
  readonly parts: readonly unknown[];
}

export interface Directive {
  msn: number;
  /** Absent: wait for a complete segment `msn` (or later). */
  part: number | null;
}

/**
 * `_HLS_skip=YES|v2`: answer with a delta update (v2 also skips date ranges; we list none). Absent:
 * a full playlist; any other value: not ok, with the reason for the 400.
 */
export function parseSkip(
  query: Record<string, unknown>,
): { ok: true; skip: boolean } | { ok: false; reason: string } {
  const v = query['_HLS_skip'];
  if (v === undefined) return { ok: true, skip: false };
  if (v === 'YES' || v === 'v2') return { ok: true, skip: true };
  return { ok: false, reason: '_HLS_skip must be YES or v2' };
}

export type ParsedDirective = { ok: true; directive: Directive | null } | { ok: false; reason: string };

/** How far past the last listed part a client may ask (spec's Advance Part Limit for PART-TARGET < 1 s). */
const ADVANCE_PART_LIMIT = 3;

const isCount = (s: string): boolean => /^\d{1,15}$/.test(s);

export function parseDirective(query: Record<string, unknown>): ParsedDirective {
  const msn = query['_HLS_msn'];
  const part = query['_HLS_part'];
  if (msn === undefined) {
    return part === undefined
      ? { ok: true, directive: null }
      : { ok: false, reason: '_HLS_part requires _HLS_msn' };
  }
  if (typeof msn !== 'string' || !isCount(msn))
    return { ok: false, reason: '_HLS_msn must be a non-negative integer' };
  if (part !== undefined && (typeof part !== 'string' || !isCount(part))) {
    return { ok: false, reason: '_HLS_part must be a non-negative integer' };
  }
  return { ok: true, directive: { msn: Number(msn), part: part === undefined ? null : Number(part) } };
}

/** Null when the directive may be waited for; else why it is refused (400). */
export function rejectDirective(d: Directive, segments: readonly DirectiveSegment[]): string | null {
  const first = segments[0];
  const last = segments.at(-1);
  if (!first || !last) return null; // nothing listed yet: any wait is bounded anyway
  if (d.msn > last.seq + 1) return `_HLS_msn ${d.msn} is more than one past the last segment (${last.seq})`;
  if (d.msn < first.seq) return `_HLS_msn ${d.msn} is older than the oldest segment (${first.seq})`;
  if (d.part !== null) {
    const ahead = d.msn === last.seq ? d.part - (last.parts.length - 1) : d.msn > last.seq ? d.part + 1 : 0;
    if (ahead > ADVANCE_PART_LIMIT) return `_HLS_part ${d.part} is too far ahead of the last part`;
  }
  return null;
}

/**
 * Satisfied when the playlist holds what was asked "or later" (spec wording): part M of segment N, or
 * any part of a later segment; without a part, a complete segment N or later. A segment closed by a
 * restart does not satisfy a request for its next part: that must wait for the new generation.
 */
export function satisfies(d: Directive, segments: readonly DirectiveSegment[]): boolean {
  for (let i = segments.length - 1; i >= 0; i--) {
    const s = segments[i]!;
    if (s.seq < d.msn) return false;
    if (d.part === null) {
      if (s.closed) return true;
    } else if (s.seq > d.msn ? s.parts.length > 0 : s.parts.length > d.part) {
      return true;
    }
  }
  return false;
}
