/**
 * The synthetic camera's burned-in capture timestamp: layout constants, encoder-side bit layout and the
 * decoder. This file is the single documented source of the layout; the Python renderer
 * (addon/synthetic-camera/timestamp_pattern.py) mirrors these numbers, and the RTSP tests decode real
 * frames with this module, so a drift between the two fails a test.
 *
 * Pure module: no Node imports, because the browser benchmark imports it too.
 *
 * Layout (all positions are fractions of the frame, so any uniform or non-uniform scaling keeps it):
 *   - A band of TIMESTAMP_ROWS x TIMESTAMP_COLUMNS cells at the very top of the frame.
 *     Cell (row r, column c) spans x in [c/COLUMNS, (c+1)/COLUMNS) of the width and
 *     y in [r*ROW_HEIGHT, (r+1)*ROW_HEIGHT) of the height, ROW_HEIGHT = 1/18
 *     (square cells at 16:9; 10x10 px at 320x180, the smallest size we support).
 *   - Cells are read row-major: index k = r*COLUMNS + c. White (full luma) = 1, black = 0.
 *   - Row 0 columns 0-3 hold the marker 1,0,1,0 and row 1 columns 0-3 hold 0,1,0,1: a checkerboard
 *     that both locates the pattern and gives the decoder its black and white reference levels.
 *   - The remaining 56 cells, in index order skipping the marker, hold 44 bits of Unix milliseconds
 *     (most significant bit first) followed by a 12-bit CRC of those 44 bits (CRC_POLY, init 0, MSB first).
 */

export const TIMESTAMP_COLUMNS = 32;
export const TIMESTAMP_ROWS = 2;
/** Height of one cell row as a fraction of the frame height. */
export const TIMESTAMP_ROW_HEIGHT = 1 / 18;
export const TIMESTAMP_MS_BITS = 44;
export const TIMESTAMP_CRC_BITS = 12;
/** CRC-12 generator x^12+x^11+x^3+x^2+x+1, without the implicit x^12 term. */
export const TIMESTAMP_CRC_POLY = 0x80f;
/** Marker cells as [cell index, value]. */
export const TIMESTAMP_MARKER: ReadonlyArray<readonly [number, 0 | 1]> = [
  [0, 1],
  [1, 0],
  [2, 1],
  [3, 0],
  [TIMESTAMP_COLUMNS + 0, 0],
  [TIMESTAMP_COLUMNS + 1, 1],
  [TIMESTAMP_COLUMNS + 2, 0],
  [TIMESTAMP_COLUMNS + 3, 1],
];
/** Smallest frame the pattern is specified for (cells are 10 px wide here). */
export const TIMESTAMP_MIN_WIDTH = 320;
export const TIMESTAMP_MIN_HEIGHT = 180;
/**
 * The decoder refuses frames whose white and black marker levels differ by less than this (8-bit luma):
 * a grey or blank frame must decode to null, not to a random number that happens to pass the CRC.
 */
export const TIMESTAMP_MIN_CONTRAST = 48;

/** A rectangle in frame fractions (0..1). */
export interface NormalizedRect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Regions of the synthetic scene that change from frame to frame even with motion off. A pixel-motion
 * detector under test must mask these; everything else is static unless the moving object is on.
 */
export const TIMESTAMP_BAND_REGION: NormalizedRect = {
  x: 0,
  y: 0,
  width: 1,
  height: TIMESTAMP_ROWS * TIMESTAMP_ROW_HEIGHT,
};
/** Human-readable clock text (bottom-left); only drawn when the camera runs with clock text on. */
export const CLOCK_TEXT_REGION: NormalizedRect = { x: 0, y: 16 / 18, width: 0.5, height: 2 / 18 };
/** The band the moving object travels in when motion is on (it rests at the left end when off). */
export const MOTION_OBJECT_REGION: NormalizedRect = { x: 0, y: 6 / 18, width: 1, height: 6 / 18 };

const CELL_COUNT = TIMESTAMP_COLUMNS * TIMESTAMP_ROWS;
const markerIndex = new Set(TIMESTAMP_MARKER.map(([k]) => k));
/** Cell indices that carry payload (ms bits, then CRC bits), in order. */
export const TIMESTAMP_DATA_CELLS: readonly number[] = Array.from({ length: CELL_COUNT }, (_, k) => k).filter(
  (k) => !markerIndex.has(k),
);
if (TIMESTAMP_DATA_CELLS.length !== TIMESTAMP_MS_BITS + TIMESTAMP_CRC_BITS) {
  throw new Error('timestamp layout: data cell count does not match bit count');
}

/** CRC over a bit array (MSB first), returning TIMESTAMP_CRC_BITS bits MSB first. */
export function timestampCrc(bits: readonly number[]): number[] {
  const top = 1 << (TIMESTAMP_CRC_BITS - 1);
  const mask = (1 << TIMESTAMP_CRC_BITS) - 1;
  let reg = 0;
  for (const bit of bits) {
    const feedback = ((reg & top) !== 0 ? 1 : 0) ^ (bit ? 1 : 0);
    reg = (reg << 1) & mask;
    if (feedback) reg ^= TIMESTAMP_CRC_POLY;
  }
  const out: number[] = [];
  for (let i = TIMESTAMP_CRC_BITS - 1; i >= 0; i--) out.push((reg >> i) & 1);
  return out;
}

/** Splits a non-negative integer below 2^44 into TIMESTAMP_MS_BITS bits, MSB first (no 32-bit ops: ms > 2^32). */
function msToBits(ms: number): number[] {
  const bits = new Array<number>(TIMESTAMP_MS_BITS);
  let rest = ms;
  for (let i = TIMESTAMP_MS_BITS - 1; i >= 0; i--) {
    bits[i] = rest % 2;
    rest = Math.floor(rest / 2);
  }
  return bits;
}

/**
 * The value (0 or 1) of every cell, index k = row*COLUMNS + column, for a Unix-ms timestamp.
 * The renderer draws exactly this; exported so tests and other renderers share one definition.
 */
export function encodeTimestampCells(unixMs: number): number[] {
  if (!Number.isInteger(unixMs) || unixMs < 0 || unixMs >= 2 ** TIMESTAMP_MS_BITS) {
    throw new RangeError(`timestamp out of range: ${unixMs}`);
  }
  const cells = new Array<number>(CELL_COUNT).fill(0);
  for (const [k, v] of TIMESTAMP_MARKER) cells[k] = v;
  const msBits = msToBits(unixMs);
  const payload = [...msBits, ...timestampCrc(msBits)];
  TIMESTAMP_DATA_CELLS.forEach((k, i) => {
    cells[k] = payload[i] ?? 0;
  });
  return cells;
}

/** Pixel bounds of one cell in a width x height frame (same rounding the Python renderer uses). */
export function timestampCellRect(
  row: number,
  column: number,
  width: number,
  height: number,
): { x0: number; y0: number; x1: number; y1: number } {
  return {
    x0: Math.round((column * width) / TIMESTAMP_COLUMNS),
    x1: Math.round(((column + 1) * width) / TIMESTAMP_COLUMNS),
    y0: Math.round(row * TIMESTAMP_ROW_HEIGHT * height),
    y1: Math.round((row + 1) * TIMESTAMP_ROW_HEIGHT * height),
  };
}

type LumaAt = (x: number, y: number) => number;

/** Mean luma of the central half (both axes) of a cell: edges blur under compression and scaling. */
function cellMean(lumaAt: LumaAt, row: number, column: number, width: number, height: number): number {
  const r = timestampCellRect(row, column, width, height);
  const w = r.x1 - r.x0;
  const h = r.y1 - r.y0;
  const x0 = r.x0 + Math.floor(w / 4);
  const x1 = Math.max(x0 + 1, r.x1 - Math.floor(w / 4));
  const y0 = r.y0 + Math.floor(h / 4);
  const y1 = Math.max(y0 + 1, r.y1 - Math.floor(h / 4));
  let sum = 0;
  let n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      sum += lumaAt(x, y);
      n++;
    }
  }
  return sum / n;
}

function decodeWith(lumaAt: LumaAt, width: number, height: number): number | null {
  // Below ~2 px per cell there is nothing left to sample; refuse rather than guess.
  if (width < TIMESTAMP_COLUMNS * 2 || height * TIMESTAMP_ROW_HEIGHT * TIMESTAMP_ROWS < 4) return null;
  const means = new Array<number>(CELL_COUNT);
  for (let k = 0; k < CELL_COUNT; k++) {
    means[k] = cellMean(lumaAt, Math.floor(k / TIMESTAMP_COLUMNS), k % TIMESTAMP_COLUMNS, width, height);
  }
  let whiteSum = 0;
  let whiteN = 0;
  let blackSum = 0;
  let blackN = 0;
  for (const [k, v] of TIMESTAMP_MARKER) {
    if (v) {
      whiteSum += means[k] ?? 0;
      whiteN++;
    } else {
      blackSum += means[k] ?? 0;
      blackN++;
    }
  }
  const white = whiteSum / whiteN;
  const black = blackSum / blackN;
  if (white - black < TIMESTAMP_MIN_CONTRAST) return null;
  const threshold = (white + black) / 2;
  // Every marker cell must individually sit on its side of the threshold, not just on average.
  for (const [k, v] of TIMESTAMP_MARKER) {
    if (((means[k] ?? 0) > threshold ? 1 : 0) !== v) return null;
  }
  const payload = TIMESTAMP_DATA_CELLS.map((k) => ((means[k] ?? 0) > threshold ? 1 : 0));
  const msBits = payload.slice(0, TIMESTAMP_MS_BITS);
  const crc = timestampCrc(msBits);
  for (let i = 0; i < TIMESTAMP_CRC_BITS; i++) {
    if (crc[i] !== payload[TIMESTAMP_MS_BITS + i]) return null;
  }
  let ms = 0;
  for (const bit of msBits) ms = ms * 2 + bit;
  return ms;
}

function checkDims(
  width: number,
  height: number,
  stride: number,
  bytesPerPixel: number,
  length: number,
): boolean {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) return false;
  if (stride < width * bytesPerPixel) return false;
  // Only the band rows are read, so a buffer holding just the top of the frame is enough.
  const rowsNeeded = Math.min(height, Math.ceil(height * TIMESTAMP_ROW_HEIGHT * TIMESTAMP_ROWS) + 1);
  return length >= stride * (rowsNeeded - 1) + width * bytesPerPixel;
}

/**
 * Decodes the capture time (Unix ms) from an 8-bit luma plane (e.g. FFmpeg `-pix_fmt gray`, or the Y
 * plane of I420/NV12). Returns null when the pattern is absent, too low in contrast, or fails the CRC.
 */
export function decodeTimestampFromLuma(
  luma: Uint8Array,
  width: number,
  height: number,
  stride: number = width,
): number | null {
  if (!checkDims(width, height, stride, 1, luma.length)) return null;
  return decodeWith((x, y) => luma[y * stride + x] ?? 0, width, height);
}

/**
 * Same as decodeTimestampFromLuma for RGBA pixels (canvas ImageData, `-pix_fmt rgba`); stride is in
 * bytes and defaults to width*4. Luma uses BT.601 weights, which is all the black/white cells need.
 */
export function decodeTimestampFromRgba(
  rgba: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  stride: number = width * 4,
): number | null {
  if (!checkDims(width, height, stride, 4, rgba.length)) return null;
  return decodeWith(
    (x, y) => {
      const i = y * stride + x * 4;
      return ((rgba[i] ?? 0) * 77 + (rgba[i + 1] ?? 0) * 150 + (rgba[i + 2] ?? 0) * 29) >> 8;
    },
    width,
    height,
  );
}

/**
 * Renders just the timestamp band into a fresh luma plane (rest of the frame mid-grey). For unit tests
 * and for other synthetic sources that want to emit the same pattern.
 */
export function renderTimestampLuma(unixMs: number, width: number, height: number): Uint8Array {
  const luma = new Uint8Array(width * height).fill(128);
  const cells = encodeTimestampCells(unixMs);
  for (let k = 0; k < CELL_COUNT; k++) {
    const r = timestampCellRect(Math.floor(k / TIMESTAMP_COLUMNS), k % TIMESTAMP_COLUMNS, width, height);
    const v = cells[k] ? 255 : 0;
    for (let y = r.y0; y < r.y1; y++) luma.fill(v, y * width + r.x0, y * width + r.x1);
  }
  return luma;
}
