/**
 * Two-way audio (talkback): the shapes every talker and the camera side agree on. The browser's
 * push-to-talk, the HTTP play endpoint, the Node-RED lookout-talk node and the MQTT `talk`
 * command all speak these; the server side lives in addon/src/talkback/.
 */

/** A codec a camera's backchannel takes. Sample rate is the RTP clock rate. */
export interface TalkCodec {
  name: 'PCMU' | 'PCMA' | 'L16' | 'AAC';
  clockRate: number;
  channels: 1;
}

/**
 * Browser microphone over WebSocket: `GET /api/talk/:camera/ws`.
 * The first message is text, a TalkHello; every later binary message is little-endian signed
 * 16-bit mono PCM at `sampleRate`, 20-40 ms per message. The server answers with TalkServerMessage
 * text frames.
 */
export const TALK_WS_SAMPLE_RATES = [8000, 16000, 48000] as const;
export type TalkSampleRate = (typeof TALK_WS_SAMPLE_RATES)[number];
/** Longest binary message accepted: 40 ms at 48 kHz, 16-bit mono. */
export const TALK_WS_MAX_CHUNK_BYTES = 3840;

export interface TalkHello {
  type: 'hello';
  sampleRate: TalkSampleRate;
  /** Shown in /api/streams as the talker's name; bounded to 64 characters. */
  label?: string;
}

export type TalkErrorCode =
  'busy' | 'unsupported' | 'unreachable' | 'auth' | 'bad_request' | 'failed' | 'limit';
/** Every TalkErrorCode, for code that must recognise one (MQTT answers, the Node-RED node). */
export const TALK_ERROR_CODES: readonly TalkErrorCode[] = [
  'busy',
  'unsupported',
  'unreachable',
  'auth',
  'bad_request',
  'failed',
  'limit',
];
/** The HTTP status each TalkErrorCode answers with (API, and the status of MQTT/Node-RED errors). */
export const TALK_ERROR_STATUS: Readonly<Record<TalkErrorCode, number>> = {
  busy: 409,
  unsupported: 409,
  unreachable: 502,
  auth: 502,
  bad_request: 400,
  failed: 502,
  limit: 429,
};

export type TalkServerMessage =
  | { type: 'ready'; talker: string; codec: TalkCodec; mixing: boolean }
  | { type: 'error'; code: TalkErrorCode; message: string }
  | { type: 'ended'; reason: string };

/**
 * Play a file or URL to a camera: `POST /api/talk/:camera/play` with this JSON body, and the MQTT
 * command `talk` on the same shape. Answers when playback ended (or failed).
 */
export interface TalkPlayBody {
  /**
   * http(s) URL (HA's TTS gives one) or a file path under the configured media folder.
   * Exactly one of `url` and `data`.
   */
  url?: string;
  /**
   * The audio itself, base64 (any format FFmpeg reads: WAV, MP3, Ogg, …), at most
   * TALK_PLAY_MAX_BYTES decoded: how the Node-RED lookout-talk node and MQTT send a Buffer.
   * The HTTP endpoint also takes the bytes as the raw body (`Content-Type: audio/*` or
   * `application/octet-stream`, same limit).
   */
  data?: string;
  /** Linear gain, 0..4; default 1. */
  volume?: number;
}
/** Largest audio a play request may carry itself (decoded bytes): 2 min of 16 kHz 16-bit WAV. */
export const TALK_PLAY_MAX_BYTES = 4 * 1024 * 1024;
/** Longest `url` accepted. */
export const TALK_PLAY_MAX_URL = 2048;
export const TALK_VOLUME = { min: 0, max: 4 } as const;
/**
 * What a bare string names as a play source (the MQTT `talk` text form, a Node-RED string payload):
 * an http(s) URL, or a file name with an extension (`chime.wav`, `/tts/hello.mp3`: relative to the
 * media folder, or absolute inside it). Anything else is not taken for a source, so stray text
 * (`null`, `[1,2]`, binary) is an error instead of a file lookup.
 */
export function isTalkSource(text: string): boolean {
  return text.length <= TALK_PLAY_MAX_URL && /^(https?:\/\/\S+|[\w./-]+\.\w{1,8})$/.test(text);
}
export interface TalkPlayAnswer {
  talker: string;
  durationMs: number;
}

/** Which way in a camera's talk session uses (config `backchannel.via`). */
export type TalkSinkKind = 'rtsp' | 'vendor';

/** A talker (a consumer of the camera's talk session) in /api/streams. */
export interface TalkTalkerView {
  id: string;
  /** `ws` (browser microphone), `play` (file/URL, also MQTT and Node-RED), `buffer` (Node-RED bytes). */
  kind: string;
  label: string | null;
  since: string;
  bytes: number;
  packets: number;
}

/**
 * The mixer between the talkers (parents) and the camera sink (child), go2rtc PR #1953's shape.
 * `mode`: `passthrough` with one talker (re-timed), `mix` with two or more (FFmpeg amix).
 */
export interface TalkMixerView {
  id: string;
  codec: TalkCodec;
  mode: 'idle' | 'passthrough' | 'mix';
  parents: string[];
  childs: string[];
  bytes: number;
  packets: number;
  /** FFmpeg mixer processes started, and restarts after an unexpected exit. */
  spawns: number;
  restarts: number;
}

/** One camera's backchannel in /api/streams (`backchannels`). */
export interface TalkBackchannelView {
  camera: string;
  /** The sink's id (the mixer's child). */
  id: string;
  via: TalkSinkKind;
  mixing: boolean;
  state: 'idle' | 'opening' | 'open' | 'closing';
  codec: TalkCodec | null;
  /** go2rtc style: `audio, sendonly, PCMU/8000`. */
  medias: string[];
  /** Camera sessions opened so far (one per talk burst, never one per talker). */
  sessions: number;
  bytes: number;
  packets: number;
  talkers: TalkTalkerView[];
  mixer: TalkMixerView | null;
  lastError: string | null;
}
