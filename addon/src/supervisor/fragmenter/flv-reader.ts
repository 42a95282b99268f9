/**
 * Reads FLV tags out of FFmpeg's byte stream (`-f flv -flush_packets 1 pipe:1`). FFmpeg's FLV muxer
 * writes every packet as one tag the moment it gets it (a tag carries its own length), unlike its mp4
 * muxer, which writes a fragment only when the next packet arrives; see ./README.md.
 *
 *   header  'FLV' version flags u32 header-size, then u32 PreviousTagSize0
 *   tag     u8 type, u24 data size, u24 timestamp + u8 timestamp bits 24-31 (ms), u24 stream id (0),
 *           data, u32 previous tag size (= 11 + data size)
 * The 32-bit millisecond timestamp wraps after ~49.7 days: it is unwrapped to a JS number.
 * Pipe chunks cut tags anywhere; an incomplete tag is buffered (bounded by the u24 size field).
 */

export const FLV_TAG_AUDIO = 8;
export const FLV_TAG_VIDEO = 9;
export const FLV_TAG_SCRIPT = 18;

export interface FlvHeader {
  hasAudio: boolean;
  hasVideo: boolean;
}

export interface FlvTag {
  type: number;
  /** Decode timestamp in ms, unwrapped past 2^32. */
  timestampMs: number;
  /** The tag body: a view into a pipe chunk or a copy; valid until the consumer drops it. */
  data: Buffer;
}

export interface FlvSink {
  header(h: FlvHeader): void;
  tag(t: FlvTag): void;
}

const TAG_HEADER = 11;
const WRAP = 2 ** 32;

export class FlvReader {
  /** Bytes of an incomplete header or tag carried over from the previous chunk. */
  private pending: Buffer | null = null;
  private headerDone = false;
  private lastRaw = -1;
  private wraps = 0;

  constructor(private readonly sink: FlvSink) {}

  /** Feed a chunk from the pipe. Throws on input that is not FLV as FFmpeg writes it. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    let buf = chunk;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    let pos = 0;
    if (!this.headerDone) {
      if (buf.length < 13) return void (this.pending = Buffer.from(buf));
      if (buf.toString('latin1', 0, 3) !== 'FLV')
        throw new Error(`malformed FLV: stream starts with "${buf.toString('latin1', 0, 3)}", not "FLV"`);
      const headerSize = buf.readUInt32BE(5);
      if (headerSize !== 9) throw new Error(`malformed FLV: header size ${headerSize}, expected 9`);
      const flags = buf[4]!;
      this.sink.header({ hasAudio: (flags & 0x04) !== 0, hasVideo: (flags & 0x01) !== 0 });
      this.headerDone = true;
      pos = 13; // header + PreviousTagSize0
    }
    while (buf.length - pos >= TAG_HEADER) {
      const type = buf[pos]!;
      const size = buf.readUIntBE(pos + 1, 3);
      const end = pos + TAG_HEADER + size + 4;
      if (type & 0xe0)
        throw new Error(`malformed FLV: tag type byte 0x${type.toString(16)} (filtered/reserved bits)`);
      if (buf.length < end) break;
      const prev = buf.readUInt32BE(end - 4);
      if (prev !== TAG_HEADER + size)
        throw new Error(`malformed FLV: tag of ${size} bytes followed by previous-tag-size ${prev}`);
      const raw = (buf.readUIntBE(pos + 4, 3) | (buf[pos + 7]! << 24)) >>> 0;
      this.sink.tag({ type, timestampMs: this.unwrap(raw), data: buf.subarray(pos + TAG_HEADER, end - 4) });
      pos = end;
    }
    // Keep the incomplete rest; copied, so the (possibly large) chunk it came from can go.
    if (pos < buf.length) this.pending = Buffer.from(buf.subarray(pos));
  }

  /** Bytes held for an incomplete tag (at most one tag: ≤ 16 MiB by the u24 size field). */
  get buffered(): number {
    return this.pending?.length ?? 0;
  }

  /** A step back of more than half the 32-bit range is the counter wrapping, not time going back. */
  private unwrap(raw: number): number {
    if (this.lastRaw >= 0 && raw < this.lastRaw && this.lastRaw - raw > WRAP / 2) this.wraps += 1;
    this.lastRaw = raw;
    return raw + this.wraps * WRAP;
  }
}
