/**
 * SRTLA and SRT wire format: what the receiver needs to tell packets apart and to build its replies
 * (../shared/docs/SRTLA.md sections 1 and 1.4). All integers are big-endian. Pure functions only:
 * the test sender (test/helpers/srtla-sender.ts) uses the same codec.
 */
import { randomBytes } from 'node:crypto';

export const SRTLA_ID_LEN = 256;
/** The half of the group id that the sender chose; the receiver replaces the other half. */
export const SRTLA_SENDER_HALF = 128;
export const REG_LEN = 2 + SRTLA_ID_LEN; // REG1 and REG2: exactly 258 bytes
export const SRT_MIN_LEN = 16;
/** Data packets between two SRTLA ACKs on one connection; the ACK lists their sequence numbers. */
export const ACK_BATCH = 10;
export const ACK_LEN = 4 + 4 * ACK_BATCH;

export const T = {
  keepalive: 0x9000,
  ack: 0x9100,
  reg1: 0x9200,
  reg2: 0x9201,
  reg3: 0x9202,
  regErr: 0x9210,
  regNgp: 0x9211,
  regNak: 0x9212,
  srtHandshake: 0x8000,
  srtAck: 0x8002,
  srtNak: 0x8003,
  srtShutdown: 0x8005,
} as const;

/** What a datagram arriving on the SRTLA socket is. */
export type SrtlaKind =
  | 'short' // < 2 bytes
  | 'reg1' // REG1, exactly 258 bytes
  | 'reg2' // REG2, exactly 258 bytes
  | 'keepalive' // 0x9000, any length
  | 'srtla-other' // anything else in 0x9000-0x9FFF: never forwarded to SRT
  | 'srt-short' // SRT-looking but shorter than a header
  | 'srt-data'
  | 'srt-control';

export function packetType(m: Buffer): number {
  return m.length >= 2 ? m.readUInt16BE(0) : -1;
}

export function isSrtlaType(t: number): boolean {
  return t >= 0x9000 && t <= 0x9fff;
}

export function classify(m: Buffer): SrtlaKind {
  if (m.length < 2) return 'short';
  const t = m.readUInt16BE(0);
  if (isSrtlaType(t)) {
    if (t === T.reg1 && m.length === REG_LEN) return 'reg1';
    if (t === T.reg2 && m.length === REG_LEN) return 'reg2';
    if (t === T.keepalive) return 'keepalive';
    return 'srtla-other';
  }
  if (m.length < SRT_MIN_LEN) return 'srt-short';
  return (m[0]! & 0x80) === 0 ? 'srt-data' : 'srt-control';
}

/** The 31-bit sequence number of an SRT data packet (word 0, top bit clear). */
export function dataSeq(m: Buffer): number {
  return m.readUInt32BE(0);
}

/** A 2-byte reply (REG3, REG_ERR, REG_NGP), optionally zero-padded for NATs that drop tiny datagrams. */
export function shortReply(type: number, padTo = 0): Buffer {
  const b = Buffer.alloc(Math.max(2, padTo));
  b.writeUInt16BE(type, 0);
  return b;
}

/** REG1/REG2 with the given 256-byte id. */
export function regPacket(type: typeof T.reg1 | typeof T.reg2, id: Buffer): Buffer {
  const b = Buffer.allocUnsafe(REG_LEN);
  b.writeUInt16BE(type, 0);
  id.copy(b, 2, 0, SRTLA_ID_LEN);
  return b;
}

/** The id carried by a REG1/REG2 (a view, not a copy). */
export function regId(m: Buffer): Buffer {
  return m.subarray(2, REG_LEN);
}

/** The full group id: the sender's first half of the REG1 id, then fresh random bytes. */
export function groupIdFrom(reg1Id: Buffer): Buffer {
  const id = Buffer.allocUnsafe(SRTLA_ID_LEN);
  reg1Id.copy(id, 0, 0, SRTLA_SENDER_HALF);
  randomBytes(SRTLA_ID_LEN - SRTLA_SENDER_HALF).copy(id, SRTLA_SENDER_HALF);
  return id;
}

/** The 44-byte SRTLA ACK: `91 00 00 00` then the sequence numbers, in arrival order. */
export function ackPacket(seqs: ArrayLike<number>): Buffer {
  const b = Buffer.allocUnsafe(ACK_LEN);
  b.writeUInt32BE(0x91000000, 0);
  for (let i = 0; i < ACK_BATCH; i++) b.writeUInt32BE(seqs[i]! >>> 0, 4 + 4 * i);
  return b;
}

/** Sequence numbers listed in an SRTLA ACK (u32 entries from offset 4 to the end). */
export function ackSeqs(m: Buffer): number[] {
  const out: number[] = [];
  for (let o = 4; o + 4 <= m.length; o += 4) out.push(m.readUInt32BE(o));
  return out;
}

/** SRT control type (full 16-bit word, e.g. 0x8002) of a control packet; -1 for data or short. */
export function srtControlType(p: Buffer): number {
  if (p.length < SRT_MIN_LEN || (p[0]! & 0x80) === 0) return -1;
  return p.readUInt16BE(0);
}

/** An SRT ACK's "last acknowledged + 1" (offset 16), or null when too short. */
export function srtAckNumber(p: Buffer): number | null {
  return p.length >= 20 ? p.readUInt32BE(16) & 0x7fffffff : null;
}

/** Lost sequence numbers of an SRT NAK, ranges expanded (bounded: a malformed range is cut). */
export function srtNakLosses(p: Buffer, max = 4096): number[] {
  const out: number[] = [];
  for (let o = 16; o + 4 <= p.length && out.length < max; o += 4) {
    const e = p.readUInt32BE(o);
    if ((e & 0x80000000) === 0) {
      out.push(e);
      continue;
    }
    if (o + 8 > p.length) break; // a range start without its end
    const start = e & 0x7fffffff;
    const end = p.readUInt32BE(o + 4) & 0x7fffffff;
    o += 4;
    for (let s = start; out.length < max; s = (s + 1) & 0x7fffffff) {
      out.push(s);
      if (s === end) break;
    }
  }
  return out;
}

/** 31-bit serial arithmetic: is `sn` before `ack` (i.e. acknowledged by it)? */
export function seqBefore(sn: number, ack: number): boolean {
  const d = (ack - sn) & 0x7fffffff;
  return d > 0 && d < 0x40000000;
}

/** Short printable id for logs and labels: the first 4 bytes of the receiver's half, hex. */
export function shortGroupId(id: Buffer): string {
  return id.toString('hex', SRTLA_SENDER_HALF, SRTLA_SENDER_HALF + 4);
}
