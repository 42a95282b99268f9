/**
 * Splits FFmpeg's fragmented-MP4 byte stream (stdout) into the init segment and media fragments.
 *
 * FFmpeg with `-movflags frag_keyframe+empty_moov+default_base_moof` writes:
 *   ftyp moov                      → the init segment (once per process)
 *   [styp] [sidx] moof mdat, ...   → one fragment per moof+mdat pair
 * Only top-level box headers are read here; fragment contents are parsed by fragment.ts.
 * Pipe chunks cut boxes anywhere, so bytes are buffered until a whole box is present.
 */

export interface Fmp4Sink {
  init(segment: Buffer): void;
  fragment(fragment: Buffer): void;
}

/** Largest box accepted: a 2 s GOP of 4K video fits easily; anything larger means a corrupt stream. */
const MAX_BOX_BYTES = 64 * 1024 * 1024;

export class Fmp4BoxSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private initParts: Buffer[] = [];
  private fragmentParts: Buffer[] = [];
  private initDone = false;

  constructor(private readonly sink: Fmp4Sink) {}

  /** Feed a chunk from the pipe. Throws on a malformed stream (caller restarts the producer). */
  push(chunk: Buffer): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    for (;;) {
      if (this.pendingBytes < 8) return;
      const head = this.peek(16);
      let size = head.readUInt32BE(0);
      const type = head.toString('latin1', 4, 8);
      if (size === 1) {
        if (this.pendingBytes < 16) return;
        size = Number(head.readBigUInt64BE(8));
      }
      if (size < 8 || size > MAX_BOX_BYTES) throw new Error(`malformed fMP4: box "${type}" has size ${size}`);
      if (this.pendingBytes < size) return;
      this.onBox(type, this.take(size));
    }
  }

  private onBox(type: string, box: Buffer): void {
    if (!this.initDone) {
      this.initParts.push(box);
      if (type === 'moov') {
        this.initDone = true;
        this.sink.init(Buffer.concat(this.initParts));
        this.initParts = [];
      }
      return;
    }
    this.fragmentParts.push(box);
    // A fragment is complete with its mdat; styp/sidx/moof before it belong to it.
    if (type === 'mdat') {
      this.sink.fragment(Buffer.concat(this.fragmentParts));
      this.fragmentParts = [];
    }
  }

  /** The first `n` bytes (or fewer if not buffered), joining only as many chunks as that needs. */
  private peek(n: number): Buffer {
    const first = this.pending[0]!;
    if (first.length >= n || this.pending.length === 1) return first;
    const parts: Buffer[] = [];
    let have = 0;
    for (const c of this.pending) {
      parts.push(c);
      have += c.length;
      if (have >= n) break;
    }
    return Buffer.concat(parts, have);
  }

  private take(n: number): Buffer {
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    const box = all.subarray(0, n);
    const rest = all.subarray(n);
    this.pending = rest.length ? [rest] : [];
    this.pendingBytes = rest.length;
    // Copy so the fragment does not pin the whole pipe chunk in memory.
    return Buffer.from(box);
  }
}
