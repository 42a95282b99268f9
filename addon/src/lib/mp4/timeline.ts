/**
 * Rewrites an fMP4's timeline so a file starts at media time zero and its header carries its true
 * duration. Fragments cut from a running stream keep the stream's decode times (tfdt), so a one-minute
 * file taken after a day of uptime "starts" a day in and players show a day-long scrubber; rebasing
 * tfdt works in every player (an edit list is honoured by some only).
 *
 *   prepareInit(init)   copies the init and adds an `mehd` (fragment duration) to `mvex` if it has
 *                       none, and says where mvhd/tkhd/mdhd/mehd keep their durations, so a finished
 *                       file gets its duration by overwriting fixed-size fields in place;
 *   Retimer             shifts each fragment's tfdt by one origin (seconds, the same for every track,
 *                       so audio stays in sync with video) and renumbers mfhd; counts each track's end;
 *   durationPatches     the bytes to write into the init's duration fields once the file is done;
 *   retimeFile          all three over a whole file in memory (repair and one-off migration).
 * In place, copy-on-write: the hub's fragment buffers are shared with other readers and never mutated.
 */
import { type Box, boxAt, ByteReader } from './box-reader.js';
import { type FragmentInfo, parseFragment } from './fragment.js';
import { type InitSegmentInfo, parseInitSegment } from './init-segment.js';

/** A fixed-size integer field in the init: its absolute offset and width. */
interface Field {
  offset: number;
  width: 4 | 8;
}

export interface DurationSlots {
  movieTimescale: number;
  mvhd: Field;
  /** Absent only when mvex could not take one (64-bit box sizes); then mvhd/tkhd/mdhd carry it. */
  mehd: Field | null;
  tracks: Map<number, { timescale: number; tkhd: Field; mdhd: Field }>;
}

export interface PreparedInit {
  data: Buffer;
  info: InitSegmentInfo;
  slots: DurationSlots;
}

const MEHD_SIZE = 20; // size, type, version 1 + flags, u64 fragment_duration

function childBoxes(buf: Buffer, box: Box): Box[] {
  const out: Box[] = [];
  for (let pos = box.payload; pos < box.end;) {
    const b = boxAt(buf, pos, box.end);
    out.push(b);
    pos = b.end;
  }
  return out;
}

function topBoxes(buf: Buffer): Box[] {
  const out: Box[] = [];
  for (let pos = 0; pos < buf.length;) {
    const b = boxAt(buf, pos, buf.length);
    out.push(b);
    pos = b.end;
  }
  return out;
}

/** Copies the init segment, adds an empty mehd when mvex lacks one, and locates the duration fields. */
export function prepareInit(init: Buffer): PreparedInit {
  let data = Buffer.from(init);
  let moov = topBoxes(data).find((b) => b.type === 'moov');
  if (!moov) throw new Error('mp4: init segment has no moov');
  let mvex = childBoxes(data, moov).find((b) => b.type === 'mvex');
  const smallHeaders = (b: Box) => b.payload - b.start === 8;
  if (
    mvex &&
    !childBoxes(data, mvex).some((b) => b.type === 'mehd') &&
    smallHeaders(moov) &&
    smallHeaders(mvex)
  ) {
    const mehd = Buffer.alloc(MEHD_SIZE);
    mehd.writeUInt32BE(MEHD_SIZE, 0);
    mehd.write('mehd', 4, 'latin1');
    mehd.writeUInt8(1, 8);
    data = Buffer.concat([data.subarray(0, mvex.payload), mehd, data.subarray(mvex.payload)]);
    data.writeUInt32BE(moov.end - moov.start + MEHD_SIZE, moov.start);
    data.writeUInt32BE(mvex.end - mvex.start + MEHD_SIZE, mvex.start);
    moov = topBoxes(data).find((b) => b.type === 'moov')!;
    mvex = childBoxes(data, moov).find((b) => b.type === 'mvex');
  }
  const info = parseInitSegment(data);
  let movieTimescale = 1000;
  let mvhd: Field | null = null;
  let mehd: Field | null = null;
  const tracks: DurationSlots['tracks'] = new Map();
  for (const b of childBoxes(data, moov)) {
    if (b.type === 'mvhd') {
      const r = ByteReader.of(data, b);
      const v = r.fullBox().version;
      r.skip(v === 1 ? 16 : 8);
      movieTimescale = r.u32();
      mvhd = { offset: r.pos, width: v === 1 ? 8 : 4 };
    } else if (b.type === 'mvex') {
      const m = childBoxes(data, b).find((c) => c.type === 'mehd');
      if (m) {
        const v = data.readUInt8(m.payload);
        mehd = { offset: m.payload + 4, width: v === 1 ? 8 : 4 };
      }
    } else if (b.type === 'trak') {
      const kids = childBoxes(data, b);
      const tkhdBox = kids.find((c) => c.type === 'tkhd');
      const mdia = kids.find((c) => c.type === 'mdia');
      const mdhdBox = mdia && childBoxes(data, mdia).find((c) => c.type === 'mdhd');
      if (!tkhdBox || !mdhdBox) throw new Error('mp4: trak without tkhd/mdhd');
      const t = ByteReader.of(data, tkhdBox);
      const tv = t.fullBox().version;
      t.skip(tv === 1 ? 16 : 8);
      const id = t.u32();
      t.skip(4);
      const tkhd: Field = { offset: t.pos, width: tv === 1 ? 8 : 4 };
      const m = ByteReader.of(data, mdhdBox);
      const mv = m.fullBox().version;
      m.skip(mv === 1 ? 16 : 8);
      const timescale = m.u32();
      tracks.set(id, { timescale, tkhd, mdhd: { offset: m.pos, width: mv === 1 ? 8 : 4 } });
    }
  }
  if (!mvhd) throw new Error('mp4: moov has no mvhd');
  return { data, info, slots: { movieTimescale, mvhd, mehd, tracks } };
}

export interface FieldWrite {
  offset: number;
  bytes: Buffer;
}

function encode(f: Field, value: number): FieldWrite {
  const bytes = Buffer.alloc(f.width);
  const v = Math.max(0, Math.round(value));
  if (f.width === 8) bytes.writeBigUInt64BE(BigInt(v));
  else bytes.writeUInt32BE(Math.min(v, 0xffffffff)); // a 32-bit field saturates (13 h at 90 kHz)
  return { offset: f.offset, bytes };
}

/** The writes that put the durations (per track, in its ticks) into the init's header fields. */
export function durationPatches(slots: DurationSlots, trackTicks: ReadonlyMap<number, number>): FieldWrite[] {
  const out: FieldWrite[] = [];
  let movieS = 0;
  for (const [id, t] of slots.tracks) {
    const ticks = trackTicks.get(id) ?? 0;
    const s = ticks / t.timescale;
    movieS = Math.max(movieS, s);
    out.push(encode(t.mdhd, ticks), encode(t.tkhd, s * slots.movieTimescale));
  }
  out.push(encode(slots.mvhd, movieS * slots.movieTimescale));
  if (slots.mehd) out.push(encode(slots.mehd, movieS * slots.movieTimescale));
  return out;
}

export function applyPatches(buf: Buffer, patches: readonly FieldWrite[]): void {
  for (const p of patches) p.bytes.copy(buf, p.offset);
}

/**
 * Shifts fragments onto a new timeline: new decode time = old − origin (seconds, one origin for all
 * tracks so they stay in sync). The origin is the first fragment's earliest track start unless given
 * (an export places each file at its offset in the joined file with a negative origin).
 */
export class Retimer {
  private originS: number | null;
  /** mfhd sequence number of the last fragment written (an export continues it across files). */
  sequence: number;
  /** Per track: end of its last sample on the new timeline, in its ticks. */
  readonly trackEnds = new Map<number, number>();
  /** Media seconds of the primary (video) track: what the index calls durationS. */
  mediaS = 0;
  /** The first fragment's decode time on the source timeline (seconds), for the sidecar. */
  sourceStartS: number | null = null;

  constructor(
    private readonly info: InitSegmentInfo,
    originS?: number,
    lastSequence = 0,
  ) {
    this.originS = originS ?? null;
    this.sequence = lastSequence;
  }

  /** A retimed copy of one fragment ([styp] [sidx] moof mdat; styp and sidx are dropped). */
  retime(fragment: Buffer, parsedAlready?: FragmentInfo): Buffer {
    const parsed = parsedAlready ?? parseFragment(fragment, this.info);
    const starts = parsed.tracks.map((t) => t.decodeTimeS);
    this.sourceStartS ??= parsed.decodeTimeS;
    this.originS ??= Math.min(...starts);
    const boxes = topBoxes(fragment);
    const moofAt = boxes.findIndex((b) => b.type === 'moof');
    const moof = boxes[moofAt]!;
    const out = Buffer.from(fragment.subarray(moof.start));
    const shift = moof.start;
    const moofIn = { ...moof, start: 0, payload: moof.payload - shift, end: moof.end - shift };
    for (const b of childBoxes(out, moofIn)) {
      if (b.type === 'mfhd') out.writeUInt32BE(++this.sequence, b.payload + 4);
      if (b.type !== 'traf') continue;
      const kids = childBoxes(out, b);
      const tfhd = kids.find((c) => c.type === 'tfhd');
      const tfdt = kids.find((c) => c.type === 'tfdt');
      if (!tfhd || !tfdt) continue;
      const trackId = out.readUInt32BE(tfhd.payload + 4);
      const track = parsed.tracks.find((t) => t.trackId === trackId);
      const ts = this.info.tracks.find((t) => t.id === trackId)?.timescale;
      if (!track || !ts) continue;
      const next = Math.max(0, track.baseDecodeTime - Math.round(this.originS * ts));
      const v1 = out.readUInt8(tfdt.payload) === 1;
      if (v1) out.writeBigUInt64BE(BigInt(next), tfdt.payload + 4);
      else if (next <= 0xffffffff) out.writeUInt32BE(next, tfdt.payload + 4);
      else throw new Error('mp4: decode time does not fit a version 0 tfdt');
      this.trackEnds.set(trackId, Math.max(this.trackEnds.get(trackId) ?? 0, next + track.duration));
    }
    this.mediaS += parsed.durationS;
    return out;
  }

  /** Seconds on the new timeline where this file's media ends (the longest track). */
  get endS(): number {
    let s = 0;
    for (const [id, ticks] of this.trackEnds) {
      const ts = this.info.tracks.find((t) => t.id === id)?.timescale ?? 1;
      s = Math.max(s, ticks / ts);
    }
    return s;
  }
}

export interface RetimedFile {
  data: Buffer;
  mimeType: string;
  fragments: number;
  durationS: number;
  sourceStartS: number | null;
}

/** Each fragment ([styp] moof mdat) of buf[initEnd, validEnd). */
export function* fragmentsOf(buf: Buffer, initEnd: number, validEnd = buf.length): Generator<Buffer> {
  let start = -1;
  for (let pos = initEnd; pos < validEnd;) {
    const b = boxAt(buf, pos, validEnd);
    if (start < 0) start = b.start;
    pos = b.end;
    if (b.type === 'mdat') {
      yield buf.subarray(start, b.end);
      start = -1;
    }
  }
}

/**
 * For a file whose fragments already start at zero and whose init already has its mehd (what the
 * recorder writes): the header writes that give it its duration, in place, without a second copy
 * (repair must work on a full disk). Null when the init has no mehd slot (then retimeFile).
 */
export function headerPatches(buf: Buffer, initEnd: number, validEnd: number): FieldWrite[] | null {
  const prepared = prepareInit(buf.subarray(0, initEnd));
  if (prepared.data.length !== initEnd) return null;
  const timer = new Retimer(prepared.info, 0);
  for (const f of fragmentsOf(buf, initEnd, validEnd)) timer.retime(f);
  return durationPatches(prepared.slots, timer.trackEnds);
}

/**
 * A whole file retimed to start at zero, with its durations in the header: the repair pass and the
 * migration of files written before recordings were rebased. `validEnd` limits it to the bytes a scan
 * found whole (a crash leaves a torn tail).
 */
export function retimeFile(buf: Buffer, initEnd: number, validEnd: number): RetimedFile {
  const prepared = prepareInit(buf.subarray(0, initEnd));
  const timer = new Retimer(prepared.info);
  const parts: Buffer[] = [prepared.data];
  let fragments = 0;
  for (const f of fragmentsOf(buf, initEnd, validEnd)) {
    parts.push(timer.retime(f));
    fragments++;
  }
  applyPatches(prepared.data, durationPatches(prepared.slots, timer.trackEnds));
  return {
    data: Buffer.concat(parts),
    mimeType: prepared.info.mimeType,
    fragments,
    durationS: timer.mediaS,
    sourceStartS: timer.sourceStartS,
  };
}
