/**
 * FFmpeg's stdout → init segment + fragments, whichever container the arguments asked for
 * (ffmpeg-args.ts `outputContainer`): FLV (our fragmenter) or fragmented MP4 (FFmpeg's muxer, split
 * into boxes). Told apart by the first byte: an FLV stream starts with "FLV", an MP4 with the ftyp
 * box's size, whose first byte is 0.
 */
import { Fmp4BoxSplitter, type Fmp4Sink } from '../../lib/mp4/box-splitter.js';
import { FlvFragmenter } from './flv-fragmenter.js';

export class MediaReader {
  private inner: { push(chunk: Buffer): void } | null = null;

  constructor(private readonly sink: Fmp4Sink) {}

  /** Throws on a malformed stream (the caller kills and restarts the producer). */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.inner ??= chunk[0] === 0x46 ? new FlvFragmenter(this.sink) : new Fmp4BoxSplitter(this.sink);
    this.inner.push(chunk);
  }
}
