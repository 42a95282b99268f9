/**
 * MSE over WebSocket: one socket per page carries many streams (`/api/ws`, also `/live/ws`).
 *
 * Client → server: JSON text messages (ClientMessage).
 * Server → client: JSON text messages (ServerMessage) for control, binary messages for media.
 *
 * Binary framing (every binary message):
 *
 *   byte 0     kind   1 = init segment (ftyp+moov), 2 = media fragment (moof+mdat)
 *   byte 1     flags  bit 0 = the fragment starts with a keyframe (a decoder can begin here)
 *   bytes 2-3  id     the client's stream id, unsigned 16-bit big-endian
 *   bytes 4-11 received  Lookout's wall clock (ms since the Unix epoch, float64 big-endian) when
 *              the hub received these bytes from FFmpeg: the player's latency badge shows "since
 *              Lookout received it" (now − received, on Lookout's clock; see `time` below), true
 *              for any camera, with or without a burned-in timestamp
 *   bytes 12-  payload, the fMP4 bytes exactly as the hub holds them
 *
 * Order per stream id: `init` (JSON, with codecs) → binary init → binary fragments, the first of which
 * is a keyframe. After an FFmpeg restart the client gets a new `init` with `discontinuity: true`:
 * it must reset its SourceBuffer (or recreate its MediaSource), since timestamps start over.
 *
 * Clock: the browser's clock need not agree with Lookout's. The client sends `time` (its own clock,
 * `t`); the reply carries `t` back with Lookout's clock `now`, so the client estimates the offset as
 * now − (t + rtt / 2) from its lowest-rtt sample (NTP's rule), and maps `received` onto its clock.
 *
 * Pure module: no Node imports, so the panel can import it. The live page's plain-JS client
 * (panel/src/players/mse-client.js) repeats these constants; a test keeps the two equal.
 */
import type { StreamState } from './stream-state.js';

export const MSE_WS_PATHS = ['/api/ws', '/live/ws'] as const;

export const MSE_FRAME_HEADER_BYTES = 12;
/** Offset of the float64 receive time in the header. */
export const MSE_FRAME_RECEIVED_OFFSET = 4;
export const MSE_FRAME_INIT = 1;
export const MSE_FRAME_FRAGMENT = 2;
export const MSE_FLAG_KEYFRAME = 1;
/** Client stream ids are 16-bit: 0..65535. */
export const MSE_MAX_STREAM_ID = 0xffff;

export type MseFrameKind = typeof MSE_FRAME_INIT | typeof MSE_FRAME_FRAGMENT;

export interface MseSubscribe {
  type: 'subscribe';
  /** Client-chosen stream id, 0..65535, unique per socket while subscribed. */
  id: number;
  /** Stream key `camera/profile`, or `camera/profile~h264` for its H.264 variant (StreamKey.variant). */
  key: string;
}

export interface MseUnsubscribe {
  type: 'unsubscribe';
  id: number;
}

/** Clock probe: `t` is the client's clock (ms); `id` is any integer (the reply repeats it). */
export interface MseTimeRequest {
  type: 'time';
  id: number;
  t: number;
}

export type MseClientMessage = MseSubscribe | MseUnsubscribe | MseTimeRequest;

export interface MseInitMessage {
  type: 'init';
  id: number;
  key: string;
  /** RFC 6381 codecs, e.g. `avc1.64001f,mp4a.40.2`. */
  codecs: string;
  /** Full MIME type for MediaSource.isTypeSupported / addSourceBuffer. */
  mimeType: string;
  /** A restart: reset the SourceBuffer before appending the init that follows. */
  discontinuity: boolean;
  /** The codec parameters differ from the previous init (changeType or a new SourceBuffer). */
  changed: boolean;
  width: number | null;
  height: number | null;
}

/**
 * What a status message reports: a supervisor state, or `gap` (this viewer fell behind and skipped to
 * the next keyframe) / `reset` (the producer ended; a new init follows when it restarts).
 */
export type MseStreamState = StreamState | 'gap' | 'reset';

/** Stream state for the client to show; the backend owns stream health (FIELD-NOTES #19). */
export interface MseStatusMessage {
  type: 'status';
  id: number;
  key: string;
  state: MseStreamState;
  reason: string;
}

/** `id` is null when the message could not be tied to a stream (malformed JSON, no id). */
export interface MseErrorMessage {
  type: 'error';
  id: number | null;
  message: string;
}

/** Reply to MseTimeRequest: the client's `t` back, and Lookout's wall clock `now` (ms) when answered. */
export interface MseTimeMessage {
  type: 'time';
  id: number;
  t: number;
  now: number;
}

export type MseServerMessage = MseInitMessage | MseStatusMessage | MseErrorMessage | MseTimeMessage;

/** Lookout's clock minus the client's, from one time probe (sent at `sentAt`, reply at `repliedAt`). */
export function clockOffsetMs(sentAt: number, reply: MseTimeMessage, repliedAt: number): number {
  return reply.now - (sentAt + (repliedAt - sentAt) / 2);
}

export interface MseFrameMeta {
  /** The fragment starts with a keyframe. */
  keyframe?: boolean;
  /** Lookout's wall clock (ms since the epoch) when the hub received the bytes. */
  receivedAt: number;
}

/** Builds a binary media message: header + payload in one buffer (one WebSocket frame). */
export function encodeMseFrame(
  kind: MseFrameKind,
  id: number,
  payload: Uint8Array,
  meta: MseFrameMeta,
): Uint8Array {
  const out = new Uint8Array(MSE_FRAME_HEADER_BYTES + payload.byteLength);
  out[0] = kind;
  out[1] = meta.keyframe ? MSE_FLAG_KEYFRAME : 0;
  out[2] = (id >> 8) & 0xff;
  out[3] = id & 0xff;
  new DataView(out.buffer, out.byteOffset, MSE_FRAME_HEADER_BYTES).setFloat64(
    MSE_FRAME_RECEIVED_OFFSET,
    meta.receivedAt,
  );
  out.set(payload, MSE_FRAME_HEADER_BYTES);
  return out;
}

export interface MseFrame {
  kind: number;
  keyframe: boolean;
  id: number;
  /** Lookout's wall clock (ms) when the hub received the payload. */
  receivedAt: number;
  payload: Uint8Array;
}

/** Reads a binary media message; throws on one too short to hold the header. */
export function decodeMseFrame(data: Uint8Array): MseFrame {
  if (data.byteLength < MSE_FRAME_HEADER_BYTES)
    throw new Error(`mse-ws frame of ${data.byteLength} bytes is shorter than its header`);
  return {
    kind: data[0]!,
    keyframe: (data[1]! & MSE_FLAG_KEYFRAME) !== 0,
    id: (data[2]! << 8) | data[3]!,
    receivedAt: new DataView(data.buffer, data.byteOffset, MSE_FRAME_HEADER_BYTES).getFloat64(
      MSE_FRAME_RECEIVED_OFFSET,
    ),
    payload: data.subarray(MSE_FRAME_HEADER_BYTES),
  };
}
