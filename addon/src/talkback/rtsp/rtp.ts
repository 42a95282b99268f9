/**
 * RTP packets for the backchannel (RFC 3550; AAC as RFC 3640 AAC-hbr, one AU per packet because
 * cameras expect one frame per packet). Sequence numbers and timestamps are Lookout's own: the
 * talkers' timing never reaches the camera ("re-timed"). After a pause in talk the timestamp jumps
 * by the wall-clock gap and the marker bit starts the new talk spurt, as a phone would.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { TalkCodec } from '../../contracts/talk.js';
import { adtsPayload } from '../codec.js';

export class RtpPacketizer {
  private seq: number;
  private ts: number;
  private readonly ssrc: number;
  private lastAt = -Infinity;
  private lastSamples = 0;

  constructor(
    private readonly codec: TalkCodec,
    private readonly pt: number,
  ) {
    const r = randomBytes(8);
    this.seq = r.readUInt16BE(0);
    this.ts = r.readUInt32BE(2);
    this.ssrc = r.readUInt32BE(4);
  }

  /** `frame` in the codec's pipe format (ADTS for AAC), `samples` long. */
  packet(frame: Buffer, samples: number, now = performance.now()): Buffer {
    const frameMs = (this.lastSamples * 1000) / this.codec.clockRate;
    let marker = 0;
    if (this.lastAt === -Infinity) marker = 1;
    else {
      const gapMs = now - this.lastAt;
      this.ts = (this.ts + this.lastSamples) >>> 0;
      // More than three frames late: a new talk spurt; keep the timeline to the wall clock.
      if (gapMs > 3 * frameMs + 20) {
        this.ts = (this.ts + Math.round(((gapMs - frameMs) * this.codec.clockRate) / 1000)) >>> 0;
        marker = 1;
      }
    }
    this.lastAt = now;
    this.lastSamples = samples;
    const payload = this.codec.name === 'AAC' ? aacPayload(adtsPayload(frame)) : frame;
    const head = Buffer.allocUnsafe(12);
    head[0] = 0x80;
    head[1] = (marker << 7) | (this.pt & 0x7f);
    head.writeUInt16BE(this.seq, 2);
    head.writeUInt32BE(this.ts, 4);
    head.writeUInt32BE(this.ssrc, 8);
    this.seq = (this.seq + 1) & 0xffff;
    return Buffer.concat([head, payload]);
  }
}

/** RFC 3640 AAC-hbr: AU-headers-length 16 bits, one AU header (13-bit size, 3-bit index 0). */
function aacPayload(au: Buffer): Buffer {
  const h = Buffer.allocUnsafe(4);
  h.writeUInt16BE(16, 0);
  h.writeUInt16BE((au.length << 3) & 0xfff8, 2);
  return Buffer.concat([h, au]);
}
