"""What each synthetic frame shows, drawn with cairo on top of a static test pattern.

Dynamic parts, and only these: the timestamp band (top), the clock text (bottom-left, optional) and the
moving object (middle band, only while motion is on). Everything else is static so a pixel-motion
detector under test sees "no motion" when motion is off and it masks the first two regions.
"""

import time

import cairo

import timestamp_pattern as tp

# One full left-to-right-and-back sweep of the moving object; slow enough that a 5 fps sub stream still
# sees it move by a clear amount between frames, fast enough to be obvious.
MOTION_PERIOD_S = 4.0


class Scene:
    def __init__(self, width, height, label, clock_text=True, motion=True):
        self.width = width
        self.height = height
        self.label = label
        self.clock_text = clock_text
        self.motion = motion

    def draw(self, cr, wall_ms, motion_t):
        """Draws one frame's overlay. wall_ms: capture time (Unix ms); motion_t: seconds for the object."""
        w, h = self.width, self.height
        cr.set_antialias(cairo.ANTIALIAS_NONE)  # crisp cell edges survive compression better
        self._draw_timestamp(cr, wall_ms, w, h)
        self._draw_object(cr, motion_t, w, h)
        self._draw_texts(cr, wall_ms, w, h)

    def _draw_timestamp(self, cr, wall_ms, w, h):
        cells = tp.encode_cells(wall_ms)
        cr.set_source_rgb(0, 0, 0)
        _, _, _, band_bottom = tp.cell_rect(tp.ROWS - 1, 0, w, h)
        cr.rectangle(0, 0, w, band_bottom)
        cr.fill()
        cr.set_source_rgb(1, 1, 1)
        for k, v in enumerate(cells):
            if v:
                x0, y0, x1, y1 = tp.cell_rect(k // tp.COLUMNS, k % tp.COLUMNS, w, h)
                cr.rectangle(x0, y0, x1 - x0, y1 - y0)
        cr.fill()

    def _draw_object(self, cr, motion_t, w, h):
        rx, ry, rw, rh = tp.MOTION_OBJECT_REGION
        size = int(rh * h)
        travel = max(0, int(rw * w) - size)
        if self.motion:
            # Triangle wave: constant speed, bounces at both ends.
            phase = (motion_t % MOTION_PERIOD_S) / MOTION_PERIOD_S
            pos = 1 - abs(2 * phase - 1)
        else:
            pos = 0.0
        x = int(rx * w + pos * travel)
        y = int(ry * h)
        cr.set_source_rgb(1.0, 0.55, 0.0)
        cr.rectangle(x, y, size, size)
        cr.fill()
        cr.set_source_rgb(0.1, 0.1, 0.1)
        cr.rectangle(x + size // 4, y + size // 4, size // 2, size // 2)
        cr.fill()

    def _text_box(self, cr, region, text, w, h):
        rx, ry, rw, rh = region
        x0, y0, bw, bh = int(rx * w), int(ry * h), int(rw * w), int(rh * h)
        cr.set_source_rgb(0, 0, 0)
        cr.rectangle(x0, y0, bw, bh)
        cr.fill()
        cr.save()
        cr.rectangle(x0, y0, bw, bh)
        cr.clip()
        cr.set_source_rgb(1, 1, 1)
        size = max(6, bh * 0.55)
        cr.set_font_size(size)
        # Shrink long labels to fit their box rather than spill into the neighbouring region.
        room = bw - bh * 0.5
        advance = cr.text_extents(text).x_advance
        if advance > room > 0:
            cr.set_font_size(max(6, size * room / advance))
        cr.move_to(x0 + bh * 0.25, y0 + bh * 0.72)
        cr.show_text(text)
        cr.restore()

    def _draw_texts(self, cr, wall_ms, w, h):
        cr.select_font_face("monospace", cairo.FONT_SLANT_NORMAL, cairo.FONT_WEIGHT_BOLD)
        cr.set_antialias(cairo.ANTIALIAS_DEFAULT)
        self._text_box(cr, tp.LABEL_REGION, self.label, w, h)
        if self.clock_text:
            secs = wall_ms / 1000.0
            text = time.strftime("%H:%M:%S", time.localtime(secs)) + ".%03d" % (wall_ms % 1000)
            self._text_box(cr, tp.CLOCK_TEXT_REGION, text, w, h)
