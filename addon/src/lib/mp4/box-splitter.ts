/**
 * Splits FFmpeg's fragmented-MP4 byte stream (stdout) into the init segment and media fragments.
 *
 * FFmpeg with `-movflags frag_keyframe+empty_moov+default_base_moof` writes:
 *   ftyp moov                      → the init segment (once per process)
 *   [styp] [sidx] moof mdat, ...   → one fragment per moof+mdat pair
 * Only top-level box headers are read here; fragment contents are parsed by fragment.ts.
 * Pipe chunks cut boxes anywhere, so bytes are buffered until a whole box is present.
 *
 * This runs once per pipe read for every stream (one fragment per frame at 15 fps), so it copies
 * only what it must: boxes are kept as views into the pipe chunks until their fragment is complete;
 * a fragment inside one chunk is passed on as a view of it, one cut across chunks is joined by a copy.
 */

export interface Fmp4Sink {
  init(segment: Buffer): void;
  fragment(fragment: Buffer): void;
}

/** Largest box accepted: a 2 s GOP of 4K video fits easily; anything larger means a corrupt stream. */
const MAX_BOX_BYTES = 64 * 1024 * 1024;

export class Fmp4BoxSplitter {
  /** Unconsumed pipe chunks; the first one from `offset` on. */
  private chunks: Buffer[] = [];
  private offset = 0;
  private buffered = 0;
  /** The boxes of the init segment or fragment being assembled, as views into pipe chunks. */
  private parts: Buffer[] = [];
  private partsBytes = 0;
  private initDone = false;
  private readonly header = Buffer.alloc(16);

  constructor(private readonly sink: Fmp4Sink) {}

  /** Feed a chunk from the pipe. Throws on a malformed stream (caller restarts the producer). */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= 8) {
      const head = this.peekHeader();
      let size = head.readUInt32BE(0);
      if (size === 1) {
        if (this.buffered < 16) return;
        size = Number(head.readBigUInt64BE(8));
      }
      if (size < 8 || size > MAX_BOX_BYTES) {
        throw new Error(`malformed fMP4: box "${head.toString('latin1', 4, 8)}" has size ${size}`);
      }
      if (this.buffered < size) return;
      // The type decides what the box completes; read it before take() moves past the header.
      const type = this.boxKind(head);
      this.take(size);
      this.onBox(type);
    }
  }

  /** 'moov' and 'mdat' end the init segment and a fragment; every other type is just collected. */
  private boxKind(head: Buffer): 'moov' | 'mdat' | 'other' {
    // Compare the four type bytes directly: a string per box was a measurable share of this path.
    const a = head[4],
      b = head[5],
      c = head[6],
      d = head[7];
    if (a === 0x6d && b === 0x6f && c === 0x6f && d === 0x76) return 'moov';
    if (a === 0x6d && b === 0x64 && c === 0x61 && d === 0x74) return 'mdat';
    return 'other';
  }

  private onBox(kind: 'moov' | 'mdat' | 'other'): void {
    if (!this.initDone) {
      if (kind === 'moov') {
        this.initDone = true;
        this.sink.init(this.joinParts());
      }
      return;
    }
    // A fragment is complete with its mdat; styp/sidx/moof before it belong to it.
    if (kind === 'mdat') this.sink.fragment(this.joinParts());
  }

  /**
   * The first up to 16 buffered bytes (box size, type, largesize). A view into the first chunk when
   * it holds them all, else copied into a scratch buffer (valid until the next call).
   */
  private peekHeader(): Buffer {
    const first = this.chunks[0]!;
    const want = Math.min(16, this.buffered);
    if (first.length - this.offset >= want) return first.subarray(this.offset, this.offset + want);
    let have = 0;
    let from = this.offset;
    for (const c of this.chunks) {
      have += c.copy(this.header, have, from, Math.min(c.length, from + want - have));
      from = 0;
      if (have >= want) break;
    }
    return this.header.subarray(0, want);
  }

  /** Moves the next `n` buffered bytes (known to be there) to `parts`, as views. */
  private take(n: number): void {
    this.buffered -= n;
    this.partsBytes += n;
    while (n > 0) {
      const c = this.chunks[0]!;
      const avail = c.length - this.offset;
      if (avail <= n) {
        this.parts.push(this.offset === 0 ? c : c.subarray(this.offset));
        this.chunks.shift();
        this.offset = 0;
        n -= avail;
      } else {
        this.parts.push(c.subarray(this.offset, this.offset + n));
        this.offset += n;
        n = 0;
      }
    }
  }

  /**
   * The collected boxes as one buffer. Boxes that all lie in one pipe chunk are returned as a view
   * into it (the whole chunk itself in the usual case: FFmpeg flushes each fragment with one write);
   * only a fragment cut across chunks is copied. A view keeps its chunk alive as long as the fragment
   * lives, but a chunk (one pipe read, ≤ 64 KiB) holds consecutive fragments that leave the hub's
   * window together, so that costs at most about one chunk per stream. Copying every fragment that
   * shared a chunk instead (which happens whenever the event loop falls behind and reads return
   * several fragments at once) was, with the allocations and GC it caused, ~25 % of the supervisor's
   * CPU at 128 cameras (bench:scale profile): the cost grew exactly when the process was already late.
   */
  private joinParts(): Buffer {
    const parts = this.parts;
    const total = this.partsBytes;
    this.parts = [];
    this.partsBytes = 0;
    const first = parts[0]!;
    let contiguous = true;
    let end = first.byteOffset + first.length;
    for (let i = 1; i < parts.length && contiguous; i++) {
      const p = parts[i]!;
      contiguous = p.buffer === first.buffer && p.byteOffset === end;
      end += p.length;
    }
    if (contiguous) return parts.length === 1 ? first : Buffer.from(first.buffer, first.byteOffset, total);
    return Buffer.concat(parts, total);
  }
}
