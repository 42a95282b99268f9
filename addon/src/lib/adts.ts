/**
 * AAC ADTS framing (ISO 14496-3 §1.A.2): the 7-byte header that turns one raw AAC-LC access unit into
 * a self-describing frame, as Dahua's `Audio/AAC` talkback and FFmpeg's `-f adts` expect. The
 * talk session hands sinks raw AUs (what RTP's MPEG4-GENERIC carries), so an HTTP sink adds this.
 */
const RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

/** One ADTS frame (AAC-LC, no CRC) around a raw access unit. */
export function adtsFrame(au: Buffer, sampleRate: number, channels: number): Buffer {
  const sf = RATES.indexOf(sampleRate);
  if (sf < 0) throw new Error(`ADTS: no sampling frequency index for ${sampleRate} Hz`);
  const len = au.length + 7;
  if (len > 0x1fff) throw new Error(`ADTS: access unit of ${au.length} bytes is too long`);
  const h = Buffer.alloc(7);
  h[0] = 0xff;
  h[1] = 0xf1; // sync, MPEG-4, layer 0, no CRC
  h[2] = (1 << 6) | (sf << 2) | ((channels >> 2) & 1); // profile LC (object type 2, minus 1)
  h[3] = ((channels & 3) << 6) | (len >> 11);
  h[4] = (len >> 3) & 0xff;
  h[5] = ((len & 7) << 5) | 0x1f; // buffer fullness 0x7FF: variable bit rate
  h[6] = 0xfc; // fullness low bits, one raw data block
  return Buffer.concat([h, au]);
}

/** Splits an ADTS stream into its raw access units (headers and CRCs removed). */
export function splitAdts(stream: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  while (i + 7 <= stream.length) {
    if (stream[i] !== 0xff || (stream[i + 1]! & 0xf0) !== 0xf0) throw new Error(`ADTS: no sync at ${i}`);
    const headerLen = stream[i + 1]! & 1 ? 7 : 9;
    const len = ((stream[i + 3]! & 3) << 11) | (stream[i + 4]! << 3) | (stream[i + 5]! >> 5);
    if (len < headerLen || i + len > stream.length) break;
    out.push(stream.subarray(i + headerLen, i + len));
    i += len;
  }
  return out;
}
