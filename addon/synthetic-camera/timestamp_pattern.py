"""Bit layout of the burned-in capture timestamp.

Mirrors addon/src/demo/timestamp-code.ts, which documents the layout and holds the decoder. Keep the
two in step: the RTSP tests decode real frames with the TypeScript decoder, so any drift fails them.
"""

import math

COLUMNS = 32
ROWS = 2
ROW_HEIGHT = 1 / 18  # fraction of the frame height
MS_BITS = 44
CRC_BITS = 12
CRC_POLY = 0x80F  # x^12+x^11+x^3+x^2+x+1 without the x^12 term
MARKER = (
    (0, 1), (1, 0), (2, 1), (3, 0),
    (COLUMNS + 0, 0), (COLUMNS + 1, 1), (COLUMNS + 2, 0), (COLUMNS + 3, 1),
)
CELL_COUNT = COLUMNS * ROWS
_MARKER_INDEX = {k for k, _ in MARKER}
DATA_CELLS = [k for k in range(CELL_COUNT) if k not in _MARKER_INDEX]
assert len(DATA_CELLS) == MS_BITS + CRC_BITS

# Regions (x, y, w, h as frame fractions); same numbers as CLOCK_TEXT_REGION / MOTION_OBJECT_REGION in TS.
CLOCK_TEXT_REGION = (0.0, 16 / 18, 0.5, 2 / 18)
LABEL_REGION = (0.5, 16 / 18, 0.5, 2 / 18)
MOTION_OBJECT_REGION = (0.0, 6 / 18, 1.0, 6 / 18)


def crc(bits):
    top = 1 << (CRC_BITS - 1)
    mask = (1 << CRC_BITS) - 1
    reg = 0
    for bit in bits:
        feedback = (1 if reg & top else 0) ^ (1 if bit else 0)
        reg = (reg << 1) & mask
        if feedback:
            reg ^= CRC_POLY
    return [(reg >> i) & 1 for i in range(CRC_BITS - 1, -1, -1)]


def encode_cells(unix_ms):
    """Value (0/1) of every cell, index k = row*COLUMNS + column."""
    if unix_ms < 0 or unix_ms >= 1 << MS_BITS:
        raise ValueError("timestamp out of range: %r" % unix_ms)
    cells = [0] * CELL_COUNT
    for k, v in MARKER:
        cells[k] = v
    ms_bits = [(unix_ms >> i) & 1 for i in range(MS_BITS - 1, -1, -1)]
    payload = ms_bits + crc(ms_bits)
    for k, bit in zip(DATA_CELLS, payload):
        cells[k] = bit
    return cells


def _js_round(x):
    # JavaScript's Math.round (half up), not Python's banker's rounding, so both sides agree on edges.
    return int(math.floor(x + 0.5))


def cell_rect(row, column, width, height):
    """(x0, y0, x1, y1) in pixels, identical to timestampCellRect() in TS."""
    return (
        _js_round(column * width / COLUMNS),
        _js_round(row * ROW_HEIGHT * height),
        _js_round((column + 1) * width / COLUMNS),
        _js_round((row + 1) * ROW_HEIGHT * height),
    )
