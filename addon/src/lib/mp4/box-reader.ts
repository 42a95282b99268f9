/**
 * A tiny ISO BMFF (MP4) box reader: iterate boxes in a byte range and read big-endian fields
 * with bounds checks, so a truncated or corrupt box fails with a message instead of reading
 * the neighbour's bytes. Offsets are absolute positions in the buffer; nothing is copied.
 */

export interface Box {
  /** Four-character code, e.g. `moov`. */
  readonly type: string;
  /** Offset of the box header. */
  readonly start: number;
  /** Offset of the payload (after size, type and a 64-bit largesize if present). */
  readonly payload: number;
  /** Offset just past the box. */
  readonly end: number;
}

/**
 * Box type names by their four bytes. Parsing runs per fragment per stream and meets the same dozen
 * types again and again: a lookup is cheaper than decoding a new string each time. Bounded, since a
 * corrupt stream can show any bytes there.
 */
const typeNames = new Map<number, string>();
const MAX_TYPE_NAMES = 512;

function typeAt(buf: Buffer, pos: number): string {
  const code = buf.readUInt32BE(pos);
  let name = typeNames.get(code);
  if (name === undefined) {
    name = buf.toString('latin1', pos, pos + 4);
    if (typeNames.size < MAX_TYPE_NAMES) typeNames.set(code, name);
  }
  return name;
}

/**
 * The box starting at `pos` in buf[pos, end) (pos < end). Throws on a box that overruns the range.
 * A plain function rather than only the generator below: the per-fragment paths loop with it.
 */
export function boxAt(buf: Buffer, pos: number, end: number): Box {
  if (end - pos < 8) throw new Error(`mp4: ${end - pos} stray bytes at offset ${pos}`);
  let size = buf.readUInt32BE(pos);
  const type = typeAt(buf, pos + 4);
  let header = 8;
  if (size === 1) {
    if (end - pos < 16) throw new Error(`mp4: box "${type}" truncated in its largesize`);
    size = Number(buf.readBigUInt64BE(pos + 8));
    header = 16;
  } else if (size === 0) {
    size = end - pos; // "extends to the end of the enclosing range"
  }
  if (size < header || pos + size > end) {
    throw new Error(
      `mp4: box "${type}" at offset ${pos} has size ${size}, but only ${end - pos} bytes remain`,
    );
  }
  return { type, start: pos, payload: pos + header, end: pos + size };
}

/** Iterates the boxes laid end to end in buf[start, end). Throws on a box that overruns the range. */
export function* boxes(buf: Buffer, start = 0, end = buf.length): Generator<Box> {
  for (let pos = start; pos < end;) {
    const box = boxAt(buf, pos, end);
    yield box;
    pos = box.end;
  }
}

/** The children of a container box; `skip` jumps fixed fields before them (e.g. stsd's entry count). */
export function children(buf: Buffer, box: Box, skip = 0): Generator<Box> {
  return boxes(buf, box.payload + skip, box.end);
}

/** First child of `box` (or of the top level when box is null) with the given type. */
export function findChild(buf: Buffer, box: Box | null, type: string): Box | undefined {
  const end = box ? box.end : buf.length;
  for (let pos = box ? box.payload : 0; pos < end;) {
    const b = boxAt(buf, pos, end);
    if (b.type === type) return b;
    pos = b.end;
  }
  return undefined;
}

/** Follows a path of box types, e.g. `['mdia', 'minf', 'stbl', 'stsd']`, from `box`. */
export function findPath(buf: Buffer, box: Box | null, path: readonly string[]): Box | undefined {
  let cur: Box | null = box;
  for (const type of path) {
    const next = findChild(buf, cur, type);
    if (!next) return undefined;
    cur = next;
  }
  return cur ?? undefined;
}

/** Like findChild but throws a message naming the missing box. */
export function requireChild(buf: Buffer, box: Box | null, type: string): Box {
  const found = findChild(buf, box, type);
  if (!found) throw new Error(`mp4: missing "${type}" box${box ? ` in "${box.type}"` : ''}`);
  return found;
}

/** A cursor over buf[pos, end) reading big-endian fields; every read is checked against `end`. */
export class ByteReader {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    readonly end: number,
    /** Named in error messages. */
    readonly what = 'box',
  ) {}

  /** A reader over the payload of `box`. */
  static of(buf: Buffer, box: Box): ByteReader {
    return new ByteReader(buf, box.payload, box.end, box.type);
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): number {
    if (this.pos + n > this.end)
      throw new Error(`mp4: "${this.what}" truncated (need ${n} bytes at ${this.pos})`);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(): number {
    return this.buf.readUInt8(this.need(1));
  }
  u16(): number {
    return this.buf.readUInt16BE(this.need(2));
  }
  u24(): number {
    return this.buf.readUIntBE(this.need(3), 3);
  }
  u32(): number {
    return this.buf.readUInt32BE(this.need(4));
  }
  i32(): number {
    return this.buf.readInt32BE(this.need(4));
  }
  /** 64-bit unsigned as a Number: exact below 2^53 (285 years of 1 MHz ticks). */
  u64(): number {
    return Number(this.buf.readBigUInt64BE(this.need(8)));
  }
  skip(n: number): void {
    this.need(n);
  }
  bytes(n: number): Buffer {
    const at = this.need(n);
    return this.buf.subarray(at, at + n);
  }
  fourcc(): string {
    const at = this.need(4);
    return this.buf.toString('latin1', at, at + 4);
  }
  /** The version byte and 24-bit flags that start every "full box". */
  fullBox(): { version: number; flags: number } {
    const version = this.u8();
    return { version, flags: this.u24() };
  }
}
