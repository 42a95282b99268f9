/**
 * The part of SDP (RFC 4566) a backchannel needs: each media section's type, payloads with their
 * rtpmap/fmtp, control URL and direction. Directions are from the client's point of view (ONVIF
 * Streaming §5.3): the camera's speaker is the `a=sendonly` section.
 */
import type { TalkCodec } from '../../contracts/talk.js';

export interface SdpPayload {
  pt: number;
  encoding: string;
  clockRate: number;
  channels: number;
  fmtp: Record<string, string>;
}

export interface SdpMedia {
  type: string;
  payloads: SdpPayload[];
  control: string | null;
  direction: 'sendonly' | 'recvonly' | 'sendrecv' | 'inactive' | null;
}

export interface Sdp {
  control: string | null;
  media: SdpMedia[];
}

/** Static payload types that may come without an rtpmap line. */
const STATIC: Record<number, Omit<SdpPayload, 'pt' | 'fmtp'>> = {
  0: { encoding: 'PCMU', clockRate: 8000, channels: 1 },
  8: { encoding: 'PCMA', clockRate: 8000, channels: 1 },
  10: { encoding: 'L16', clockRate: 44100, channels: 2 },
  11: { encoding: 'L16', clockRate: 44100, channels: 1 },
};

export function parseSdp(text: string): Sdp {
  const sdp: Sdp = { control: null, media: [] };
  let cur: SdpMedia | null = null;
  const maps = new Map<SdpMedia, Map<number, SdpPayload>>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('m=')) {
      const [type = '', , , ...pts] = line.slice(2).split(/\s+/);
      cur = { type, payloads: [], control: null, direction: null };
      const m = new Map<number, SdpPayload>();
      for (const p of pts) {
        const pt = Number(p);
        if (!Number.isInteger(pt)) continue;
        const st = STATIC[pt];
        m.set(pt, {
          pt,
          encoding: st?.encoding ?? '',
          clockRate: st?.clockRate ?? 0,
          channels: st?.channels ?? 1,
          fmtp: {},
        });
      }
      maps.set(cur, m);
      sdp.media.push(cur);
      continue;
    }
    if (!line.startsWith('a=')) continue;
    const attr = line.slice(2);
    const colon = attr.indexOf(':');
    const name = colon < 0 ? attr : attr.slice(0, colon);
    const value = colon < 0 ? '' : attr.slice(colon + 1);
    if (name === 'control') {
      if (cur) cur.control = value;
      else sdp.control = value;
    } else if (cur && ['sendonly', 'recvonly', 'sendrecv', 'inactive'].includes(name)) {
      cur.direction = name as SdpMedia['direction'];
    } else if (cur && (name === 'rtpmap' || name === 'fmtp')) {
      const sp = value.indexOf(' ');
      const pt = Number(value.slice(0, sp));
      const p = maps.get(cur)?.get(pt);
      if (!p) continue;
      const rest = value.slice(sp + 1).trim();
      if (name === 'rtpmap') {
        const [enc = '', rate = '0', ch = '1'] = rest.split('/');
        p.encoding = enc.toUpperCase();
        p.clockRate = Number(rate);
        p.channels = Number(ch) || 1;
      } else {
        for (const kv of rest.split(';')) {
          const eq = kv.indexOf('=');
          if (eq > 0) p.fmtp[kv.slice(0, eq).trim().toLowerCase()] = kv.slice(eq + 1).trim();
        }
      }
    }
  }
  for (const [m, pts] of maps) m.payloads = [...pts.values()];
  return sdp;
}

export interface BackchannelTrack {
  media: SdpMedia;
  index: number;
  payload: SdpPayload;
  codec: TalkCodec;
}

/** Preference among the payloads a camera offers: G.711 first (no encoder delay), then L16, AAC. */
const PREFERENCE = ['PCMU', 'PCMA', 'L16', 'MPEG4-GENERIC'];

/** The camera's speaker track and the codec Lookout sends, or null when the SDP has none we can use. */
export function pickBackchannel(sdp: Sdp): BackchannelTrack | null {
  let best: { t: BackchannelTrack; score: number } | null = null;
  sdp.media.forEach((media, index) => {
    if (media.type !== 'audio' || media.direction !== 'sendonly') return;
    for (const payload of media.payloads) {
      const rank = PREFERENCE.indexOf(payload.encoding);
      if (rank < 0 || payload.channels !== 1 || !payload.clockRate) continue;
      // 8 kHz G.711 before other rates: every speaker takes it and it needs no resampling surprises.
      const score = rank * 10 + (payload.clockRate === 8000 ? 0 : 1);
      if (payload.encoding === 'MPEG4-GENERIC' && !/hbr/i.test(payload.fmtp.mode ?? '')) continue;
      const name = payload.encoding === 'MPEG4-GENERIC' ? 'AAC' : (payload.encoding as TalkCodec['name']);
      if (!best || score < best.score)
        best = {
          t: { media, index, payload, codec: { name, clockRate: payload.clockRate, channels: 1 } },
          score,
        };
    }
  });
  return best ? (best as { t: BackchannelTrack }).t : null;
}

/** go2rtc's `/api/streams` media line, e.g. `audio, sendonly, PCMU/8000`. */
export function mediaLine(m: SdpMedia): string {
  const codecs = m.payloads.map((p) => `${p.encoding || p.pt}/${p.clockRate}`).join(', ');
  return `${m.type}, ${m.direction ?? 'recvonly'}, ${codecs}`;
}

/** A control attribute resolved against the base URL (Content-Base, else the request URL). */
export function resolveControl(base: string, control: string | null): string {
  if (!control || control === '*') return base;
  if (/^rtsp[su]?:\/\//i.test(control)) return control;
  return base.endsWith('/') ? base + control : `${base}/${control}`;
}
