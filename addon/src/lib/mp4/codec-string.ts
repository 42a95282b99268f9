/**
 * RFC 6381 `codecs` strings from MP4 decoder configuration boxes, as MSE (`isTypeSupported`)
 * and HLS (`CODECS=`) expect them. Each function takes the box payload.
 */
import { ByteReader } from './box-reader.js';

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

/** avcC → `avc1.PPCCLL` (profile_idc, constraint-set flags, level_idc in hex). */
export function avcCodecString(fourcc: string, avcC: Buffer): string {
  const r = new ByteReader(avcC, 0, avcC.length, 'avcC');
  r.u8(); // configurationVersion
  const profile = r.u8();
  const constraints = r.u8();
  const level = r.u8();
  return `${fourcc}.${hex2(profile)}${hex2(constraints)}${hex2(level)}`;
}

/**
 * hvcC → `hvc1.<space><profile>.<compat>.<tier><level>.<constraints>` (ISO/IEC 14496-15 annex E),
 * e.g. `hvc1.1.6.L93.B0`. The compatibility flags are printed bit-reversed, and trailing zero
 * constraint bytes are left out.
 */
export function hevcCodecString(fourcc: string, hvcC: Buffer): string {
  const r = new ByteReader(hvcC, 0, hvcC.length, 'hvcC');
  r.u8(); // configurationVersion
  const b = r.u8();
  const space = ['', 'A', 'B', 'C'][b >>> 6]!;
  const tier = (b >>> 5) & 1 ? 'H' : 'L';
  const profile = b & 0x1f;
  const compat = r.u32();
  const constraints = [...r.bytes(6)];
  const level = r.u8();
  let reversed = 0;
  for (let i = 0; i < 32; i++) if (compat & (1 << i)) reversed |= 1 << (31 - i);
  while (constraints.length && constraints[constraints.length - 1] === 0) constraints.pop();
  const parts = [
    fourcc,
    `${space}${profile}`,
    (reversed >>> 0).toString(16).toUpperCase(),
    `${tier}${level}`,
  ];
  for (const c of constraints) parts.push(c.toString(16).toUpperCase());
  return parts.join('.');
}

export interface Mp4aConfig {
  /** `mp4a.40.2` for AAC-LC, `mp4a.40.5` HE-AAC, `mp4a.6B` MP3. */
  codec: string;
  /** MPEG-4 objectTypeIndication: 0x40 MPEG-4 audio, 0x6B MP3. */
  objectType: number;
  /** MPEG-4 Audio Object Type from the AudioSpecificConfig (2 = AAC-LC), or null if absent. */
  audioObjectType: number | null;
  /** From the AudioSpecificConfig: the sample entry's own fields are often fixed (2 channels). */
  sampleRate: number | null;
  /** channelConfiguration; null when absent or 0 (defined in-band by a program config element). */
  channels: number | null;
}

const AAC_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

/** esds (full box payload) → the mp4a codec string from its ES/DecoderConfig descriptors. */
export function mp4aCodecString(esds: Buffer): Mp4aConfig {
  const r = new ByteReader(esds, 0, esds.length, 'esds');
  r.fullBox();
  expectTag(r, 0x03); // ES_Descriptor
  r.u16(); // ES_ID
  const flags = r.u8();
  if (flags & 0x80) r.u16(); // dependsOn_ES_ID
  if (flags & 0x40) r.skip(r.u8()); // URL
  if (flags & 0x20) r.u16(); // OCR_ES_ID
  expectTag(r, 0x04); // DecoderConfigDescriptor
  const objectType = r.u8();
  r.skip(12); // streamType, bufferSizeDB, maxBitrate, avgBitrate
  let asc: { audioObjectType: number; sampleRate: number | null; channels: number | null } | null = null;
  if (objectType === 0x40 && r.remaining > 0) {
    const { tag, length } = readTag(r);
    if (tag === 0x05) asc = audioSpecificConfig(r.bytes(Math.min(length, r.remaining)));
  }
  const oti = objectType.toString(16).toUpperCase();
  const codec = asc === null ? `mp4a.${oti}` : `mp4a.${oti}.${asc.audioObjectType}`;
  return {
    codec,
    objectType,
    audioObjectType: asc?.audioObjectType ?? null,
    sampleRate: asc?.sampleRate ?? null,
    channels: asc?.channels ?? null,
  };
}

/** AudioSpecificConfig (ISO/IEC 14496-3): object type (5 bits, 31 escapes to 6 more), rate index, channels. */
export function audioSpecificConfig(b: Buffer): {
  audioObjectType: number;
  sampleRate: number | null;
  channels: number | null;
} {
  let bit = 0;
  const read = (n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++, bit++) {
      const byte = b[bit >>> 3];
      if (byte === undefined) throw new Error('mp4: AudioSpecificConfig truncated');
      v = (v << 1) | ((byte >>> (7 - (bit & 7))) & 1);
    }
    return v;
  };
  let audioObjectType = read(5);
  if (audioObjectType === 31) audioObjectType = 32 + read(6);
  const rateIndex = read(4);
  const sampleRate = rateIndex === 15 ? read(24) : (AAC_RATES[rateIndex] ?? null);
  const channels = read(4) || null;
  return { audioObjectType, sampleRate, channels };
}

/** An MPEG-4 descriptor header: tag byte plus a length of up to four 7-bit groups. */
function readTag(r: ByteReader): { tag: number; length: number } {
  const tag = r.u8();
  let length = 0;
  for (let i = 0; i < 4; i++) {
    const b = r.u8();
    length = (length << 7) | (b & 0x7f);
    if (!(b & 0x80)) break;
  }
  return { tag, length };
}

function expectTag(r: ByteReader, tag: number): void {
  const got = readTag(r).tag;
  if (got !== tag) throw new Error(`mp4: esds descriptor tag ${got}, expected ${tag}`);
}
