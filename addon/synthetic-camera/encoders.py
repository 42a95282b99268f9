"""Shared encoders: each distinct video (size, fps, GOP, bitrate) and audio format is encoded once,
and every connected RTSP client of every camera that uses it gets the same encoded buffers.

That is what lets a 32-camera benchmark measure Lookout rather than this simulator: the cost of an extra
camera or client is an appsrc push and RTP payloading, not another x264 encode.
"""

import random
import threading
import time

from gi.repository import Gst, GstApp  # noqa: F401  (GstApp gives appsrc/appsink their typed methods)

from scene import Scene

TIMESTAMP_HEADROOM_NS = 3600 * 1_000_000_000


class Subscriber:
    """One appsrc inside one client's media pipeline, fed by an encoder."""

    __slots__ = ("appsrc", "camera", "need_keyframe", "offset", "last_ts", "frames", "jumps", "paused_until")

    def __init__(self, appsrc, camera, need_keyframe, jumps=()):
        self.appsrc = appsrc
        self.camera = camera
        # A client that joins mid-GOP starts at the next IDR (which carries SPS/PPS), so every client
        # starts cleanly and its first decoded frame is fresh, like most IP cameras.
        self.need_keyframe = need_keyframe
        # Capture clock -> this client's running time (ns), fixed at the first buffer pushed while the
        # client pipeline plays; None before.
        self.offset = None
        self.last_ts = -1
        self.frames = 0
        # Timestamp jumps still to apply: [after_frames, jump_ns, pause_s] (see SyntheticCameraServer.jump).
        self.jumps = [list(j) for j in jumps]
        self.paused_until = 0.0

    def add_jump(self, after_frames, jump_ns, pause_s):
        self.jumps.append([self.frames + after_frames, jump_ns, pause_s])

    def due_jump(self, now, is_key):
        """Applies a jump whose frame has come: returns True while this buffer must be held back (the
        jump's pause; video then resumes at a keyframe, as a camera that hiccupped does)."""
        if self.paused_until:
            if now < self.paused_until or (self.need_keyframe and not is_key):
                return True
            self.paused_until = 0.0
            self.need_keyframe = False
        if self.jumps and self.frames >= self.jumps[0][0] and self.offset is not None:
            _, jump_ns, pause_s = self.jumps.pop(0)
            self.offset += jump_ns
            # A jump backwards must not be undone by the monotonic clamp in stamp(), and must never go
            # below zero running time (the stream's start): clamp it there instead.
            self.last_ts = -1
            if pause_s > 0:
                self.paused_until = now + pause_s
                self.need_keyframe = is_video_sub(self)
                return True
        return False

    def stamp(self, out, capture_ns, duration):
        """Time `out` by its capture instant, as a real camera's RTP clock does.

        The appsrc's own do-timestamp would stamp arrival time instead: when x264 output arrives in a
        burst (a starved CPU), frames got nearly equal timestamps, and hls.js tiles downstream froze
        at segment boundaries. Until the client pipeline plays (its base time is known), buffers are
        stamped at the start of the head room, which is only the first frame or two.
        """
        if capture_ns is None:
            return
        if self.offset is None:
            clock = self.appsrc.get_clock()
            if self.appsrc.get_state(0)[1] != Gst.State.PLAYING or clock is None:
                # Before the pipeline plays, at the head room (what do-timestamp would say, ~0, plus
                # the head room): the stream must not start with a jump of the head room's size.
                ts = max(TIMESTAMP_HEADROOM_NS, self.last_ts + 1)
                self.last_ts = ts
                out.pts = ts
                out.dts = ts
                return
            # Plus a head room, so a clock jump backwards (the `jump` fault) has somewhere to go: buffers
            # are sent at once, not when the pipeline clock reaches them (sinks do not sync), so the
            # offset changes what the RTP clock says and nothing else.
            self.offset = clock.get_time() - self.appsrc.get_base_time() - capture_ns + TIMESTAMP_HEADROOM_NS
        ts = max(capture_ns + self.offset, self.last_ts + 1, 0)
        self.last_ts = ts
        out.pts = ts
        out.dts = ts
        out.duration = duration


class _FanOut:
    """Appsink -> many appsrcs. Runs in the encoder's streaming thread."""

    def __init__(self, name, is_video):
        self.name = name
        self.is_video = is_video
        self.caps = None
        self.pipeline = None
        self.lock = threading.Lock()
        self.subscribers = []
        self.first_keyframe = threading.Event()
        self.frames = 0

    def add(self, sub):
        with self.lock:
            self.subscribers.append(sub)

    def remove_appsrc(self, appsrc):
        with self.lock:
            self.subscribers = [s for s in self.subscribers if s.appsrc is not appsrc]

    def count(self, camera=None):
        with self.lock:
            return sum(1 for s in self.subscribers if camera is None or s.camera is camera)

    def _on_sample(self, sink):
        sample = sink.emit("pull-sample")
        if sample is None:
            return Gst.FlowReturn.EOS
        buf = sample.get_buffer()
        if self.caps is None:
            self.caps = sample.get_caps()
        is_key = not self.is_video or not buf.has_flags(Gst.BufferFlags.DELTA_UNIT)
        if is_key:
            self.first_keyframe.set()
        self.frames += 1
        with self.lock:
            subs = list(self.subscribers)
        now = time.monotonic()
        size = buf.get_size()
        # The instant of capture on the (shared, monotonic) system clock: this pipeline's base time
        # plus the buffer's running time.
        capture_ns = self.pipeline.get_base_time() + buf.pts if buf.pts != Gst.CLOCK_TIME_NONE else None
        for sub in subs:
            cam = sub.camera
            if cam.frozen:
                continue  # a hung camera: sockets stay open, nothing is sent
            if sub.jumps or sub.paused_until:
                if sub.due_jump(now, is_key):
                    continue
            if sub.need_keyframe:
                if not is_key:
                    continue
                sub.need_keyframe = False
            sub.frames += 1
            if self.is_video and cam.corrupt_until > now:
                out = corrupt_nal(buf, self.codec == "h265")
            else:
                # Shallow copy without timestamps (stamped below for this client); the memory is
                # shared, not copied.
                out = buf.copy_region(Gst.BufferCopyFlags.FLAGS | Gst.BufferCopyFlags.MEMORY, 0, size)
            sub.stamp(out, capture_ns, buf.duration)
            sub.appsrc.push_buffer(out)
        return Gst.FlowReturn.OK

    def _start(self, launch, on_error):
        self.pipeline = Gst.parse_launch(launch)
        # Both the encoders and the per-client pipelines run on the monotonic system clock.
        self.pipeline.use_clock(Gst.SystemClock.obtain())
        sink = self.pipeline.get_by_name("sink")
        sink.connect("new-sample", self._on_sample)
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message::error", lambda _b, m: on_error(self.name, m.parse_error()[0].message))
        self.pipeline.set_state(Gst.State.PLAYING)

    def stop(self):
        if self.pipeline is not None:
            self.pipeline.set_state(Gst.State.NULL)


class VideoEncoder(_FanOut):
    def __init__(self, name, width, height, fps, gop, bitrate_kbps, label, clock_text, motion, codec="h264", jpeg=None, picture="bars"):
        super().__init__(name, True)
        self.picture = picture
        self.width, self.height, self.fps, self.gop, self.bitrate = width, height, fps, gop, bitrate_kbps
        self.codec = codec
        # A JpegFanOut fed from the same picture (MJPEG over HTTP), or None.
        self.jpeg = jpeg
        self.scene = Scene(width, height, label, clock_text=clock_text, motion=motion)

    def launch_string(self):
        if self.codec == "h265":
            enc = (
                f"x265enc tune=zerolatency speed-preset=ultrafast key-int-max={self.gop} "
                f"bitrate={self.bitrate} option-string=scenecut=0:bframes=0:repeat-headers=1 "
                # config-interval=-1: VPS/SPS/PPS ride in every IDR access unit.
                "! h265parse config-interval=-1 ! video/x-h265,stream-format=byte-stream,alignment=au "
            )
        else:
            enc = (
                f"x264enc tune=zerolatency speed-preset=ultrafast key-int-max={self.gop} bframes=0 "
                f"byte-stream=true bitrate={self.bitrate} option-string=scenecut=0 "
                # config-interval=-1: SPS/PPS ride in every IDR access unit, so any IDR is a clean start.
                "! h264parse config-interval=-1 ! video/x-h264,stream-format=byte-stream,alignment=au "
            )
        jpeg = ""
        if self.jpeg is not None:
            jpeg = (
                "t. ! queue leaky=downstream max-size-buffers=2 ! videoconvert ! video/x-raw,format=I420 ! jpegenc quality=75 "
                "! appsink name=jsink emit-signals=true sync=false max-buffers=4 drop=true "
            )
        # smpte75 is a static pattern: the only changes are what scene.py draws, so x264 stays far below
        # its bitrate setting. snow is new noise every frame: the encoder spends the whole setting (what a
        # busy real camera sends), for benchmarks that must carry the configured bitrate.
        pattern = "snow" if self.picture == "noise" else "smpte75"
        return (
            f"videotestsrc is-live=true pattern={pattern} "
            f"! video/x-raw,format=BGRx,width={self.width},height={self.height},framerate={self.fps}/1 "
            "! cairooverlay name=overlay ! tee name=t "
            "t. ! queue max-size-buffers=2 ! videoconvert ! video/x-raw,format=I420 ! "
            + enc
            + "! appsink name=sink emit-signals=true sync=false max-buffers=8 drop=true "
            + jpeg
        )

    def start(self, on_error):
        self._start(self.launch_string(), on_error)
        self.pipeline.get_by_name("overlay").connect("draw", self._on_draw)
        if self.jpeg is not None:
            self.jpeg.attach(self.pipeline.get_by_name("jsink"))

    def _on_draw(self, _overlay, cr, pts, _duration):
        # Wall-clock time of capture: the live source stamps each frame with the running time at which
        # it was captured; translate that instant on the pipeline clock to the system wall clock.
        clock = self.pipeline.get_clock()
        if clock is not None:
            age_ns = clock.get_time() - (self.pipeline.get_base_time() + pts)
            wall_ms = (time.time_ns() - age_ns) // 1_000_000
        else:
            wall_ms = time.time_ns() // 1_000_000
        self.scene.draw(cr, wall_ms, pts / 1e9)


class AudioEncoder(_FanOut):
    def __init__(self, name, codec):
        super().__init__(name, False)
        self.codec = codec

    def launch_string(self):
        tone = "audiotestsrc is-live=true wave=sine freq=440 volume=0.2 "
        if self.codec == "aac":
            return (
                tone + "samplesperbuffer=1024 ! audio/x-raw,rate=16000,channels=1 ! audioconvert "
                "! avenc_aac bitrate=32000 ! aacparse ! audio/mpeg,mpegversion=4,stream-format=raw "
                "! appsink name=sink emit-signals=true sync=false max-buffers=16 drop=true"
            )
        if self.codec == "pcma":
            return (
                tone + "samplesperbuffer=160 "
                "! audio/x-raw,format=S16LE,rate=8000,channels=1,layout=interleaved ! alawenc "
                "! appsink name=sink emit-signals=true sync=false max-buffers=16 drop=true"
            )
        raise ValueError("unknown audio codec %r" % self.codec)

    def packets_per_s(self):
        return 16000 / 1024 if self.codec == "aac" else 8000 / 160

    def start(self, on_error):
        self._start(self.launch_string(), on_error)


def is_video_sub(sub):
    return sub.appsrc.get_name() == "vsrc"


def corrupt_nal(buf, hevc):
    """A damaged copy of an Annex-B access unit: slice NAL payloads get random bytes flipped, while start
    codes and parameter sets stay intact, so decoders see broken slices rather than a new stream."""
    data = bytearray(buf.extract_dup(0, buf.get_size()))
    starts = []
    i = data.find(b"\x00\x00\x01")
    while i >= 0:
        starts.append(i + 3)
        i = data.find(b"\x00\x00\x01", i + 3)
    for n, start in enumerate(starts):
        end = starts[n + 1] - 3 if n + 1 < len(starts) else len(data)
        if start >= len(data):
            continue
        # Slices only: H.264 NAL types 1 and 5; H.265 types 0-21 (VPS/SPS/PPS are 32-34).
        if (((data[start] >> 1) & 0x3F) > 21) if hevc else ((data[start] & 0x1F) not in (1, 5)):
            continue
        body = start + 4  # keep the NAL header and the start of the slice header
        if end - body < 8:
            continue
        for _ in range(max(2, (end - body) // 50)):
            pos = random.randrange(body, end)
            data[pos] ^= random.randrange(1, 256)
    out = Gst.Buffer.new_wrapped(bytes(data))
    if buf.has_flags(Gst.BufferFlags.DELTA_UNIT):
        out.set_flags(Gst.BufferFlags.DELTA_UNIT)
    return out


class JpegFanOut:
    """JPEG frames of one video (MJPEG over HTTP): the newest frame and a condition clients wait on."""

    def __init__(self):
        self.cond = threading.Condition()
        self.frame = None
        self.seq = 0

    def attach(self, sink):
        sink.connect("new-sample", self._on_sample)

    def _on_sample(self, sink):
        sample = sink.emit("pull-sample")
        if sample is None:
            return Gst.FlowReturn.EOS
        buf = sample.get_buffer()
        data = buf.extract_dup(0, buf.get_size())
        with self.cond:
            self.frame = data
            self.seq += 1
            self.cond.notify_all()
        return Gst.FlowReturn.OK

    def next_frame(self, after_seq, timeout):
        """The first frame newer than `after_seq`: (seq, bytes), or (after_seq, None) on timeout."""
        with self.cond:
            self.cond.wait_for(lambda: self.seq > after_seq, timeout)
            if self.seq > after_seq:
                return self.seq, self.frame
            return after_seq, None
