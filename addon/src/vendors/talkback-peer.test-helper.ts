/**
 * TEST ONLY: what the vendor talkback tests share. Real FFmpeg encodes the tone (so the bytes a
 * loopback camera receives can be compared with what a real encoder made), a drift-free 20 ms
 * driver plays it into a sink the way the talk session's clock does, and a Goertzel filter measures
 * a tone in decoded samples.
 */
import { runChild } from '../lib/child-process.js';
import type { TalkSink } from '../talkback/sink.js';

/** `seconds` of a sine at `hz`, encoded by FFmpeg (`alaw`, `mulaw`, `adts`, `s16le`). */
export async function ffmpegTone(
  format: 'alaw' | 'mulaw' | 'adts' | 's16le',
  hz = 440,
  seconds = 2,
  rate = 8000,
) {
  const codec = format === 'adts' ? ['-c:a', 'aac', '-b:a', '32k'] : [];
  const r = await runChild({
    file: 'ffmpeg',
    args: [
      ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-f', 'lavfi'],
      ...['-i', `sine=frequency=${hz}:duration=${seconds}:sample_rate=${rate}`],
      ...['-ac', '1', '-ar', String(rate), ...codec, '-f', format, 'pipe:1'],
    ],
    timeoutMs: 20_000,
  });
  if (r.code !== 0) throw new Error(`ffmpeg tone: exit ${r.code}`);
  return r.stdout;
}

/** Decodes `bytes` of `format` at `rate` to s16le mono with FFmpeg. */
export async function ffmpegDecode(
  bytes: Buffer,
  format: 'alaw' | 'mulaw' | 'aac',
  rate = 8000,
): Promise<Int16Array> {
  const r = await runChild({
    file: 'ffmpeg',
    args: [
      ...['-hide_banner', '-loglevel', 'error', '-nostdin'],
      ...(format === 'aac' ? ['-f', 'aac'] : ['-f', format, '-ar', String(rate), '-ac', '1']),
      ...['-i', 'pipe:0', '-ac', '1', '-ar', String(rate), '-f', 's16le', 'pipe:1'],
    ],
    input: bytes,
    timeoutMs: 20_000,
  });
  if (r.code !== 0) throw new Error(`ffmpeg decode: exit ${r.code}`);
  const out = r.stdout;
  return new Int16Array(out.buffer.slice(out.byteOffset, out.byteOffset + (out.length & ~1)));
}

/** RMS of the component at `hz` (Goertzel), in full-scale units (a full-scale sine gives ~0.707). */
export function toneLevel(samples: Int16Array, hz: number, rate = 8000): number {
  const n = samples.length;
  if (n === 0) return 0;
  const w = (2 * Math.PI * hz) / rate;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = samples[i]! / 32768 + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return Math.sqrt(power) * (Math.SQRT2 / n);
}

/**
 * Plays `frames` (each `samples` long) into the sink on a 20 ms-style clock without drift: at every
 * tick, every frame that is due by the wall clock is written (a late timer catches up, as the
 * session's clock does). Resolves after the last frame.
 */
export function playPaced(sink: TalkSink, frames: Buffer[], samples: number, rate = 8000): Promise<void> {
  const frameMs = (samples / rate) * 1000;
  const start = Date.now();
  let next = 0;
  return new Promise((resolve) => {
    const tick = () => {
      const due = Math.min(frames.length, Math.floor((Date.now() - start) / frameMs) + 1);
      while (next < due) sink.write(frames[next++]!, samples);
      if (next >= frames.length) return resolve();
      setTimeout(tick, Math.max(1, start + next * frameMs - Date.now()));
    };
    tick();
  });
}

/** `bytes` cut into frames of `size` (the last one may be shorter and is dropped). */
export function framesOf(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i + size <= bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

/** What a loopback camera received: chunks with their arrival time. */
export interface ReceivedAudio {
  chunks: { at: number; bytes: Buffer }[];
}

export const receivedBytes = (r: ReceivedAudio) => Buffer.concat(r.chunks.map((c) => c.bytes));

/** Bytes per second between the first and the last chunk. */
export function receivedRate(r: ReceivedAudio): number {
  const total = r.chunks.reduce((n, c) => n + c.bytes.length, 0);
  const first = r.chunks[0];
  const last = r.chunks[r.chunks.length - 1];
  if (!first || !last || last.at === first.at) return Infinity;
  // The first chunk arrived at the start of its span: count it out of the measured interval.
  return ((total - first.bytes.length) * 1000) / (last.at - first.at);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
