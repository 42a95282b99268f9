/**
 * What sends audio to a camera's speaker: one implementation per way in (the ONVIF/RTSP
 * backchannel here in talkback/, each vendor's HTTP talkback in vendors/<brand>/talkback.ts).
 * The camera's talk session (talkback/session.ts) opens at most one sink per camera, when the
 * first talker arrives, and closes it after the last one leaves (plus a short linger), so a
 * camera that refuses a second backchannel session never sees one.
 */
import type { TalkCodec } from '../contracts/talk.js';

/** Why a sink could not open or stopped; `code` is what the talker is told. */
export class TalkSinkError extends Error {
  constructor(
    readonly code: 'unsupported' | 'busy' | 'unreachable' | 'auth' | 'failed',
    message: string,
  ) {
    super(message);
    this.name = 'TalkSinkError';
  }
}

export interface TalkSink {
  /** The codec the camera takes, known once open() resolved (the SDP or the vendor's answer). */
  readonly codec: TalkCodec | null;
  /** Opens the camera session; rejects with TalkSinkError. */
  open(signal?: AbortSignal): Promise<void>;
  /**
   * One encoded frame in `codec` (G.711: 160 bytes = 20 ms at 8 kHz; AAC: one raw AU),
   * `samples` long at the codec's clock rate. Called by the session's 20 ms clock, already paced:
   * the sink writes at once and never queues more than it must.
   */
  write(frame: Buffer, samples: number): void;
  /** Ends the camera session; resolves when its socket is closed. Idempotent. */
  close(): Promise<void>;
  /** Set by the session: the camera went away mid-talk (socket closed, keepalive failed). */
  onClose?: (err: TalkSinkError | null) => void;
  /** Bytes and frames sent to the camera, for /api/streams and /metrics. */
  readonly stats: { bytes: number; packets: number };
}
