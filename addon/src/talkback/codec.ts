/**
 * Codec facts for the camera side of talkback: frame sizes, codec-correct silence, the FFmpeg raw
 * formats the talkers and the mixer pipe, and an in-process G.711/L16 encoder for the common case
 * (a browser already at the camera's rate needs no FFmpeg at all).
 *
 * Silence is the byte that decodes to zero: 0xFF in µ-law, 0xD5 in A-law, 0 in L16. Zero bytes
 * (what go2rtc's PR sends) decode to a DC offset of −0.98 (µ-law) or −0.17 (A-law) full scale
 * (BACKCHANNEL.md §3, verified). AAC has no silence byte: a real encoded silent frame is made once
 * by FFmpeg (aacSilence()).
 */
import type { TalkCodec } from '../contracts/talk.js';
import { runChild } from '../lib/child-process.js';

/** Samples per frame: 20 ms for PCM-like codecs, one AU (1024 samples) for AAC. */
export function frameSamples(codec: TalkCodec): number {
  return codec.name === 'AAC' ? 1024 : Math.round(codec.clockRate / 50);
}

export function frameMs(codec: TalkCodec): number {
  return (frameSamples(codec) * 1000) / codec.clockRate;
}

/** Bytes per frame for PCM-like codecs; null for AAC (variable). */
export function frameBytes(codec: TalkCodec): number | null {
  if (codec.name === 'AAC') return null;
  return frameSamples(codec) * (codec.name === 'L16' ? 2 : 1);
}

/** FFmpeg output/input options for the codec's raw byte stream on a pipe. */
export function ffmpegRawFormat(codec: TalkCodec): { codec: string[]; format: string } {
  switch (codec.name) {
    case 'PCMU':
      return { codec: ['-c:a', 'pcm_mulaw'], format: 'mulaw' };
    case 'PCMA':
      return { codec: ['-c:a', 'pcm_alaw'], format: 'alaw' };
    case 'L16':
      return { codec: ['-c:a', 'pcm_s16be'], format: 's16be' };
    case 'AAC':
      // ADTS on the pipe: self-delimiting, so frames can be cut without a container.
      return { codec: ['-c:a', 'aac', '-b:a', '32k'], format: 'adts' };
  }
}

/** One frame of silence for PCM-like codecs. */
export function pcmSilence(codec: TalkCodec): Buffer {
  const size = frameBytes(codec)!;
  return Buffer.alloc(size, codec.name === 'PCMU' ? 0xff : codec.name === 'PCMA' ? 0xd5 : 0);
}

const aacSilenceCache = new Map<number, Promise<Buffer>>();

/** One ADTS frame of encoded silence at the codec's rate, made once per rate by FFmpeg. */
export function aacSilence(codec: TalkCodec, ffmpegPath = 'ffmpeg'): Promise<Buffer> {
  let p = aacSilenceCache.get(codec.clockRate);
  if (!p) {
    p = runChild({
      file: ffmpegPath,
      args: [
        ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i'],
        `anullsrc=r=${codec.clockRate}:cl=mono`,
        ...[
          '-t',
          '0.5',
          ...ffmpegRawFormat(codec).codec,
          '-ar',
          String(codec.clockRate),
          '-f',
          'adts',
          'pipe:1',
        ],
      ],
      timeoutMs: 10_000,
    }).then((r) => {
      const frames = splitAdts(r.stdout).frames;
      // The encoder's first frames carry its priming; a later one is steady-state silence.
      const f = frames[Math.min(3, frames.length - 1)];
      if (!f) throw new Error(`FFmpeg made no AAC silence (${r.stderrTail.trim().slice(-200)})`);
      return f;
    });
    aacSilenceCache.set(codec.clockRate, p);
    p.catch(() => aacSilenceCache.delete(codec.clockRate));
  }
  return p;
}

/** Cuts ADTS frames off the front of `buf`; `rest` is an incomplete tail. */
export function splitAdts(buf: Buffer): { frames: Buffer[]; rest: Buffer } {
  const frames: Buffer[] = [];
  let i = 0;
  while (i + 7 <= buf.length) {
    if (buf[i] !== 0xff || (buf[i + 1]! & 0xf6) !== 0xf0) {
      i++; // resync on garbage
      continue;
    }
    const len = ((buf[i + 3]! & 0x03) << 11) | (buf[i + 4]! << 3) | (buf[i + 5]! >> 5);
    if (len < 7) {
      i++;
      continue;
    }
    if (i + len > buf.length) break;
    frames.push(buf.subarray(i, i + len));
    i += len;
  }
  return { frames, rest: buf.subarray(i) };
}

/** The raw AU inside an ADTS frame (what RFC 3640 carries). */
export function adtsPayload(frame: Buffer): Buffer {
  const protectionAbsent = frame[1]! & 0x01;
  return frame.subarray(protectionAbsent ? 7 : 9);
}

/**
 * Turns a byte stream in the camera codec into frames: fixed-size cuts for PCM-like codecs, ADTS
 * frames for AAC. Keeps at most one partial frame.
 */
export class Framer {
  private rest: Buffer = Buffer.alloc(0);
  private readonly size: number | null;
  constructor(codec: TalkCodec) {
    this.size = frameBytes(codec);
  }
  push(chunk: Buffer): Buffer[] {
    const buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    if (this.size === null) {
      const { frames, rest } = splitAdts(buf);
      this.rest = Buffer.from(rest.subarray(Math.max(0, rest.length - 8192)));
      return frames.map((f) => Buffer.from(f));
    }
    const out: Buffer[] = [];
    let i = 0;
    for (; i + this.size <= buf.length; i += this.size) out.push(Buffer.from(buf.subarray(i, i + this.size)));
    this.rest = Buffer.from(buf.subarray(i));
    return out;
  }
}

// ---- in-process G.711 (ITU-T G.711 reference algorithm) ---------------------------------------

function linearToUlaw(sample: number): number {
  const BIAS = 0x84;
  let s = sample;
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  if (s > 32635) s = 32635;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function linearToAlaw(sample: number): number {
  let s = sample >> 3; // 13-bit
  let mask: number;
  if (s >= 0) mask = 0xd5;
  else {
    mask = 0x55;
    s = -s - 1;
  }
  const seg = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff].findIndex((end) => s <= end);
  if (seg < 0) return 0x7f ^ mask;
  const aval = (seg << 4) | (seg < 2 ? (s >> 1) & 0x0f : (s >> seg) & 0x0f);
  return aval ^ mask;
}

/** True when encodePcm() can turn s16le at `rate` into `codec` without FFmpeg. */
export function canEncodeInProcess(codec: TalkCodec, rate: number): boolean {
  return codec.name !== 'AAC' && codec.clockRate === rate;
}

/** s16le mono at the codec's rate → the codec's bytes (G.711 or L16 big-endian). */
export function encodePcm(codec: TalkCodec, pcm: Buffer): Buffer {
  const n = pcm.length >> 1;
  if (codec.name === 'L16') {
    const out = Buffer.allocUnsafe(n * 2);
    for (let i = 0; i < n; i++) out.writeInt16BE(pcm.readInt16LE(i * 2), i * 2);
    return out;
  }
  const enc = codec.name === 'PCMU' ? linearToUlaw : linearToAlaw;
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = enc(pcm.readInt16LE(i * 2));
  return out;
}
