/**
 * Talkback test helpers: sine tones as s16le PCM, Goertzel band levels of a camera's backchannel
 * WAV (no external tool), and a paced PCM talker over the real WebSocket endpoint.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import type { TalkServerMessage } from '../../addon/src/contracts/talk.js';
import { runChild } from '../../addon/src/lib/child-process.js';
import { loadScaledMs, waitFor } from './processes.js';

/** `ms` of a sine at `hz`, peak `amp` (0..1), s16le mono at `rate`, phase-continuous from `startSample`. */
export function tone(hz: number, ms: number, rate = 8000, amp = 0.25, startSample = 0): Buffer {
  const n = Math.round((rate * ms) / 1000);
  const out = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++)
    out.writeInt16LE(
      Math.round(amp * 32767 * Math.sin((2 * Math.PI * hz * (startSample + i)) / rate)),
      i * 2,
    );
  return out;
}

/** Samples of a WAV (S16LE mono; the 44-byte header skipped), as floats −1..1. */
export function wavSamples(path: string): Float64Array {
  const buf = readFileSync(path);
  const n = Math.max(0, (buf.length - 44) >> 1);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = buf.readInt16LE(44 + i * 2) / 32768;
  return out;
}

/** RMS amplitude of the `hz` component (Goertzel over the whole slice): a sine of peak A gives A/√2. */
export function bandRms(samples: Float64Array, hz: number, rate = 8000): number {
  const n = samples.length;
  if (n === 0) return 0;
  const k = Math.round((n * hz) / rate);
  const w = (2 * Math.PI * k) / n;
  const c = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = samples[i]! + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - c * s1 * s2;
  // |X| = A·N/2 for a sine of peak A, so RMS = A/√2 = √2·|X|/N.
  return (Math.sqrt(Math.max(0, power)) * Math.SQRT2) / n;
}

export const db = (a: number, b: number) => 20 * Math.log10(Math.max(a, 1e-9) / Math.max(b, 1e-9));

/** RMS per `windowMs` window: finds gaps (a window near zero while a tone should play). */
export function windowRms(samples: Float64Array, windowMs = 20, rate = 8000): number[] {
  const w = Math.round((rate * windowMs) / 1000);
  const out: number[] = [];
  for (let i = 0; i + w <= samples.length; i += w) {
    let s = 0;
    for (let j = i; j < i + w; j++) s += samples[j]! * samples[j]!;
    out.push(Math.sqrt(s / w));
  }
  return out;
}

export interface WsTalk {
  ws: WebSocket;
  messages: TalkServerMessage[];
  ready: Promise<TalkServerMessage>;
  /** Sends `ms` of a tone in 20 ms chunks paced in real time. */
  talk(hz: number, ms: number, amp?: number): Promise<void>;
  close(): Promise<void>;
}

export function wsTalker(
  url: string,
  opts: { sampleRate?: number; label?: string; token?: string } = {},
): WsTalk {
  const rate = opts.sampleRate ?? 8000;
  const ws = new WebSocket(url, opts.token ? { headers: { authorization: `Bearer ${opts.token}` } } : {});
  const messages: TalkServerMessage[] = [];
  let sample = 0;
  const ready = new Promise<TalkServerMessage>((resolve, reject) => {
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', sampleRate: rate, label: opts.label })));
    ws.on('message', (d, bin) => {
      if (bin) return;
      const m = JSON.parse(String(d)) as TalkServerMessage;
      messages.push(m);
      if (m.type === 'ready' || m.type === 'error') resolve(m);
    });
    ws.on('error', reject);
    ws.on('close', () => resolve({ type: 'ended', reason: 'closed' }));
  });
  return {
    ws,
    messages,
    ready,
    async talk(hz, ms, amp = 0.25) {
      const t0 = performance.now();
      for (let sent = 0; sent < ms; sent += 20) {
        if (ws.readyState !== WebSocket.OPEN) return;
        ws.send(tone(hz, 20, rate, amp, sample));
        sample += (rate * 20) / 1000;
        const wait = t0 + sent + 20 - performance.now();
        if (wait > 0) await sleep(wait);
      }
    },
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return;
      await new Promise<void>((r) => {
        ws.once('close', () => r());
        ws.close();
      });
    },
  };
}

/** A line the synthetic camera prints about its backchannel (synthetic_camera.py). */
export interface BackchannelEvent {
  event: string;
  file?: string;
  camera?: string;
  /** backchannel-closed: bytes the camera's WAV got. */
  bytes?: number;
  /** backchannel-first-buffer: wall-clock ms the first RTP packet reached the camera's depayloader. */
  atMs?: number;
}

/**
 * The camera's backchannel sessions as its event lines tell them: pass `onEvent` to
 * SyntheticCamera.start, then wait for the WAV of the session a test started.
 */
export class BackchannelLog {
  readonly events: BackchannelEvent[] = [];
  readonly onEvent = (e: object): void => {
    this.events.push(e as BackchannelEvent);
  };

  sessionsFor(camera: string): BackchannelEvent[] {
    return this.events.filter((e) => e.event === 'backchannel-media' && e.camera === camera);
  }

  closed(file: string): BackchannelEvent | undefined {
    return this.events.find((e) => e.event === 'backchannel-closed' && e.file === file);
  }

  /**
   * The WAV of `camera`'s session number `n` (0-based), once closed (a talk session lingers 2 s).
   * With `diagnose`, a session that recorded nothing fails at once, with what `diagnose` tells.
   */
  async nextWav(
    camera: string,
    n: number,
    opts: { limitMs?: number; diagnose?: () => string } = {},
  ): Promise<string> {
    const { limitMs } = loadScaledMs(opts.limitMs ?? 20_000);
    await waitFor(() => this.sessionsFor(camera).length > n, limitMs, `a backchannel session on ${camera}`);
    const file = this.sessionsFor(camera)[n]!.file!;
    await waitFor(() => this.closed(file) !== undefined, limitMs, `backchannel session ${file} to close`);
    if (opts.diagnose && !this.closed(file)!.bytes)
      throw new Error(`the camera recorded nothing in ${file}; ${opts.diagnose()}`);
    return file;
  }
}

/** A WAV of `seconds` of a sine at `hz` made by FFmpeg (what a flow, a TTS or a fake microphone reads). */
export async function toneWav(
  hz: number,
  seconds: number,
  opts: { rate?: number; gain?: number } = {},
): Promise<Buffer> {
  const gain = opts.gain === undefined ? [] : ['-af', `volume=${opts.gain}`];
  const r = await runChild({
    file: 'ffmpeg',
    args: [
      ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-f', 'lavfi'],
      ...['-i', `sine=frequency=${hz}:duration=${seconds}:sample_rate=${opts.rate ?? 8000}`],
      ...gain,
      ...['-ac', '1', '-c:a', 'pcm_s16le', '-f', 'wav', 'pipe:1'],
    ],
    timeoutMs: 20_000,
  });
  if (r.code !== 0) throw new Error(`ffmpeg could not make the ${hz} Hz tone (exit ${r.code})`);
  return r.stdout;
}

/** The small picture the talk tests' cameras send: their video only has to be there, not be tested. */
export const TALK_TEST_VIDEO = {
  main: { width: 320, height: 240, fps: 10, gop: 10 },
  sub: { width: 320, height: 240, fps: 10, gop: 10 },
};
