/**
 * Push-to-talk: the browser microphone to a camera's speaker over the talk WebSocket
 * (`GET api/talk/<camera>/ws`, contracts/talk.ts). A press opens the microphone (echo cancellation,
 * noise suppression and automatic gain on: the speaker is next to the camera's own microphone) and
 * the socket; an AudioWorklet turns the microphone into 20 ms chunks of 8 kHz little-endian s16
 * (not the 128-sample render quanta: 375 tiny messages a second choke servers, BACKCHANNEL.md §4);
 * a release closes both, so the microphone is never open while nobody holds the button.
 *
 * Audio made before the server said `ready` is dropped, not queued: the server keeps at most
 * ~100 ms per talker, so a queued second would be thrown away there anyway, and what the user sees
 * ("talking" only once it is live) matches what the camera plays. The socket's own buffer is bounded
 * the same way.
 *
 * A microphone needs a secure context (HTTPS, or http://localhost): Home Assistant's ingress over
 * HTTPS gives one, a plain http://<LAN-IP> page does not, and then the button says so.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import {
  TALK_WS_MAX_CHUNK_BYTES,
  type TalkErrorCode,
  type TalkHello,
  type TalkServerMessage,
} from '../../../addon/src/contracts/talk.js';
import type { LookoutApi } from '../api/client.js';

export type TalkState = 'idle' | 'starting' | 'talking' | 'error';

/**
 * What the worklet sends: 8 kHz, 20 ms (160 samples, 320 bytes). 8 kHz is what G.711 cameras take
 * (nearly all of them), so the server encodes in-process with no resampler in the way (an FFmpeg
 * resample per talker adds ~20 ms, `npm run bench:talk`); Chromium's own resampler does the
 * anti-aliasing from the microphone's rate.
 */
export const TALK_RATE = 8000;
export const TALK_CHUNK_MS = 20;
/** Unsent audio the socket may hold before chunks are dropped (ms). */
const MAX_BUFFERED_MS = 100;

/** Why the button cannot work in this page at all; null when it can. */
export function talkUnsupported(): string | null {
  if (typeof window === 'undefined') return 'no browser';
  if (!window.isSecureContext)
    return 'The microphone needs a secure page: open Lookout over HTTPS (Home Assistant ingress) or on localhost';
  if (!navigator.mediaDevices?.getUserMedia) return 'This browser gives no microphone access';
  if (typeof AudioWorkletNode === 'undefined') return 'This browser has no AudioWorklet';
  return null;
}

/**
 * The worklet, as source text: the card is one bundled file, so the module is loaded from a Blob
 * URL. The context is asked for TALK_RATE, which Chromium and Safari honour; where a browser keeps
 * the device rate (Firefox refuses a microphone in a context of another rate, so it gets the
 * default one), the worklet decimates with a box average over each output period (a crude but
 * alias-reducing low-pass, enough for speech to an 8 kHz speaker). It converts to s16 and posts one
 * transferable ArrayBuffer per 20 ms.
 */
const WORKLET = `
class LookoutTalk extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.step = sampleRate / options.processorOptions.rate;
    this.size = Math.round(options.processorOptions.rate * options.processorOptions.chunkMs / 1000);
    this.buf = new Int16Array(this.size);
    this.n = 0;
    this.acc = 0;
    this.cnt = 0;
    this.pos = 0;
  }
  push(v) {
    const s = v < -1 ? -1 : v > 1 ? 1 : v;
    this.buf[this.n++] = s < 0 ? s * 0x8000 : s * 0x7fff;
    if (this.n === this.size) {
      this.port.postMessage(this.buf.buffer, [this.buf.buffer]);
      this.buf = new Int16Array(this.size);
      this.n = 0;
    }
  }
  process(inputs) {
    const ch = inputs[0] && inputs[0][0];
    if (!ch) return true;
    if (this.step <= 1) {
      for (let i = 0; i < ch.length; i++) this.push(ch[i]);
      return true;
    }
    for (let i = 0; i < ch.length; i++) {
      this.acc += ch[i];
      this.cnt++;
      if (++this.pos >= this.step) {
        this.pos -= this.step;
        this.push(this.acc / this.cnt);
        this.acc = 0;
        this.cnt = 0;
      }
    }
    return true;
  }
}
registerProcessor('lookout-talk', LookoutTalk);
`;

const ERROR_TEXT: Partial<Record<TalkErrorCode, string>> = {
  busy: 'Someone else is talking to this camera',
  unsupported: 'This camera has no speaker Lookout can reach',
  unreachable: 'The camera’s speaker is not reachable',
  auth: 'The camera refused Lookout’s credentials for talking',
  limit: 'Too many people are talking right now',
};

function micError(err: unknown): string {
  const name = (err as { name?: string })?.name;
  if (name === 'NotAllowedError' || name === 'SecurityError')
    return 'Microphone access was blocked: allow it in the browser’s site settings';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'No microphone found';
  if (name === 'NotReadableError') return 'The microphone is in use by another program';
  return `Microphone: ${err instanceof Error ? err.message : String(err)}`;
}

interface Live {
  stream: MediaStream | null;
  ctx: AudioContext | null;
  node: AudioWorkletNode | null;
  ws: WebSocket | null;
  ready: boolean;
}

export class TalkController implements ReactiveController {
  state: TalkState = 'idle';
  /** Shown under the button while `state` is `error` (and as its title). */
  error = '';
  /** From the server's `ready`: whether several talkers are mixed on this camera. */
  mixing = false;
  /** Chunks sent and dropped (tests read them from the host's dataset). */
  sent = 0;
  dropped = 0;
  /** Wall-clock time (ms) the first chunk of this press left for the server, for latency tests. */
  firstSentAt = 0;

  private live: Live | null = null;
  private errorTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    private readonly target: () => { api: LookoutApi; camera: string } | null,
  ) {
    host.addController(this);
  }

  hostDisconnected(): void {
    this.stop();
    clearTimeout(this.errorTimer);
  }

  /** Button pressed: open the microphone and the socket. */
  async start(): Promise<void> {
    if (this.live) return;
    const t = this.target();
    if (!t) return;
    const why = talkUnsupported();
    if (why) return this.fail(why);
    const live: Live = { stream: null, ctx: null, node: null, ws: null, ready: false };
    this.live = live;
    this.sent = 0;
    this.firstSentAt = 0;
    this.set('starting');
    try {
      live.stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
      });
      if (this.live !== live) return this.release(live); // released while the prompt was open
      live.ctx = this.context();
      const url = URL.createObjectURL(new Blob([WORKLET], { type: 'text/javascript' }));
      try {
        await live.ctx.audioWorklet.addModule(url);
      } finally {
        URL.revokeObjectURL(url);
      }
      if (this.live !== live) return this.release(live);
      const source = live.ctx.createMediaStreamSource(live.stream);
      live.node = new AudioWorkletNode(live.ctx, 'lookout-talk', {
        numberOfInputs: 1,
        numberOfOutputs: 0,
        channelCount: 1,
        channelCountMode: 'explicit',
        processorOptions: { rate: TALK_RATE, chunkMs: TALK_CHUNK_MS },
      });
      live.node.port.onmessage = (e: MessageEvent<ArrayBuffer>) => this.chunk(live, e.data);
      source.connect(live.node);
      if (live.ctx.state === 'suspended') await live.ctx.resume();
    } catch (err) {
      if (this.live === live) this.fail(micError(err));
      return this.release(live);
    }
    this.open(live, t.api.url(`api/talk/${encodeURIComponent(t.camera)}/ws`));
  }

  /** Button released (or the element went away): close everything. */
  stop(): void {
    const live = this.live;
    this.live = null;
    if (live) this.release(live);
    if (this.state !== 'error') this.set('idle');
  }

  private context(): AudioContext {
    // TALK_RATE straight from the browser's resampler when it can (Chromium, Safari); otherwise
    // the device rate, and the worklet decimates.
    try {
      return new AudioContext({ sampleRate: TALK_RATE, latencyHint: 'interactive' });
    } catch {
      return new AudioContext({ latencyHint: 'interactive' });
    }
  }

  private open(live: Live, httpUrl: string): void {
    const u = new URL(httpUrl);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(u.href);
    ws.binaryType = 'arraybuffer';
    live.ws = ws;
    ws.onopen = () => {
      const hello: TalkHello = { type: 'hello', sampleRate: TALK_RATE, label: 'panel' };
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = (e: MessageEvent) => {
      if (typeof e.data !== 'string') return;
      let m: TalkServerMessage;
      try {
        m = JSON.parse(e.data) as TalkServerMessage;
      } catch {
        return;
      }
      if (this.live !== live) return;
      if (m.type === 'ready') {
        live.ready = true;
        this.mixing = m.mixing;
        this.set('talking');
      } else if (m.type === 'error') {
        this.fail(ERROR_TEXT[m.code] ? `${ERROR_TEXT[m.code]}` : m.message);
        this.stop();
      } else if (m.type === 'ended') {
        this.fail(`Talk ended: ${m.reason}`);
        this.stop();
      }
    };
    ws.onclose = (e: CloseEvent) => {
      if (this.live !== live) return;
      this.fail(live.ready ? 'The connection to Lookout was lost' : `Lookout refused to talk (${e.code})`);
      this.stop();
    };
  }

  private chunk(live: Live, pcm: ArrayBuffer): void {
    const ws = live.ws;
    if (!ws || !live.ready || ws.readyState !== WebSocket.OPEN || pcm.byteLength > TALK_WS_MAX_CHUNK_BYTES)
      return;
    const bytesPerMs = (TALK_RATE * 2) / 1000;
    if (ws.bufferedAmount / bytesPerMs > MAX_BUFFERED_MS) {
      this.dropped++;
      return;
    }
    ws.send(pcm);
    if (this.sent++ === 0) {
      this.firstSentAt = Date.now();
      this.host.requestUpdate();
    }
  }

  private release(live: Live): void {
    if (live.node) live.node.port.onmessage = null;
    live.node?.disconnect();
    for (const track of live.stream?.getTracks() ?? []) track.stop();
    void live.ctx?.close().catch(() => undefined);
    if (live.ws) {
      live.ws.onclose = null;
      live.ws.onmessage = null;
      if (live.ws.readyState <= WebSocket.OPEN) live.ws.close(1000, 'released');
    }
  }

  private fail(message: string): void {
    this.error = message;
    this.set('error');
    clearTimeout(this.errorTimer);
    this.errorTimer = setTimeout(() => {
      if (this.state === 'error') {
        this.error = '';
        this.set('idle');
      }
    }, 6000);
  }

  private set(s: TalkState): void {
    this.state = s;
    this.host.requestUpdate();
  }
}
