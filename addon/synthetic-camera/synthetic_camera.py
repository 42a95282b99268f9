#!/usr/bin/python3
"""Synthetic IP camera: a real RTSP server (GStreamer rtsp-server) serving H.264 main/sub streams with a
burned-in capture timestamp, controllable over newline-delimited JSON on stdin.

Run with /usr/bin/python3 (the only interpreter with the GStreamer bindings). See README.md beside this
file for options, the control protocol and the timestamp pattern.
"""

import argparse
import http.server
import json
import os
import re
import signal
import socket
import struct
import sys
import threading
import time

# Never leave __pycache__ in the source tree (tests run this straight from the checkout).
sys.dont_write_bytecode = True

import gi  # noqa: E402

gi.require_version("Gst", "1.0")
gi.require_version("GstApp", "1.0")
gi.require_version("GstBase", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstBase, GstRtsp, GstRtspServer  # noqa: E402

from encoders import AudioEncoder, JpegFanOut, Subscriber, VideoEncoder  # noqa: E402

PROFILES = ("main", "sub")
# Every profile is also mounted at /<camera>/<profile>-udp, which refuses RTSP over TCP (SETUP answers
# 461 Unsupported transport), like cameras whose RTSP server does UDP only.
UDP_ONLY_SUFFIX = "-udp"
CAMERA_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
# Where the pattern stays legible (see TIMESTAMP_MIN_WIDTH/HEIGHT in timestamp-code.ts).
MIN_WIDTH, MIN_HEIGHT = 320, 180

_out_lock = threading.Lock()


def emit(obj):
    """One JSON object per stdout line; stdout carries nothing else (logs go to stderr)."""
    line = json.dumps(obj, separators=(",", ":")) + "\n"
    with _out_lock:
        try:
            sys.stdout.write(line)
            sys.stdout.flush()
        except (BrokenPipeError, ValueError):
            # The parent is gone; the stdin watch ends the process. Never let this raise into a callback.
            pass


def log(msg):
    try:
        sys.stderr.write("synthetic-camera: %s\n" % msg)
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        pass


def parse_video_spec(text):
    """WIDTHxHEIGHT@FPS:GOP, e.g. 1280x720@15:30 (GOP in frames; defaults to 2 s worth)."""
    m = re.fullmatch(r"(\d+)x(\d+)(?:@(\d+))?(?::(\d+))?", text)
    if not m:
        raise argparse.ArgumentTypeError("expected WIDTHxHEIGHT[@FPS][:GOP], got %r" % text)
    w, h = int(m.group(1)), int(m.group(2))
    fps = int(m.group(3) or 15)
    gop = int(m.group(4) or fps * 2)
    if w < MIN_WIDTH or h < MIN_HEIGHT or w % 2 or h % 2:
        raise argparse.ArgumentTypeError("size must be even and at least %dx%d" % (MIN_WIDTH, MIN_HEIGHT))
    if not 1 <= fps <= 60 or not 1 <= gop <= 600:
        raise argparse.ArgumentTypeError("fps must be 1..60 and GOP 1..600 frames")
    return (w, h, fps, gop)


def on_off(text):
    if text in ("on", "true", "1", "yes"):
        return True
    if text in ("off", "false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError("expected on or off")


class Camera:
    def __init__(self, name):
        self.name = name
        self.video = {}  # profile -> VideoEncoder
        self.audio = None
        # Read by encoder threads without a lock: single attribute reads/writes are atomic under the GIL.
        self.frozen = False
        self.corrupt_until = 0.0
        self.stopped = True  # until the first start mounts it
        self.clients = set()
        # Timestamp jumps armed for every new client: [(after_frames, jump_ns, pause_s)].
        self.start_jumps = []
        self.subscribers = set()


class MjpegHandler(http.server.BaseHTTPRequestHandler):
    """GET /<camera>/<profile>.mjpeg: multipart/x-mixed-replace JPEG frames (ESP32-CAM, UniFi and many
    cheap cameras serve MJPEG this way)."""

    server_version = "synthetic-camera"
    protocol_version = "HTTP/1.0"

    def do_GET(self):
        srv = self.server.camera_server
        m = re.fullmatch(r"/([a-z0-9_-]+)/(main|sub)\.mjpeg", self.path.split("?")[0])
        cam = srv.cameras.get(m.group(1)) if m else None
        if cam is None or cam.stopped:
            self.send_error(404)
            return
        jpeg = cam.video[m.group(2)].jpeg
        self.send_response(200)
        self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        seq = jpeg.seq
        try:
            while not cam.stopped and srv.mjpeg_running:
                seq, frame = jpeg.next_frame(seq, 1.0)
                if frame is None or cam.frozen:
                    continue
                self.wfile.write(
                    b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % len(frame)
                )
                self.wfile.write(frame)
                self.wfile.write(b"\r\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, fmt, *args):
        pass


class SyntheticCameraServer:
    def __init__(self, args):
        self.args = args
        self.loop = GLib.MainLoop()
        self.server = GstRtspServer.RTSPServer()
        self.server.set_address(args.host)
        self.server.set_service(str(args.port))
        # Clients block in DESCRIBE until the next keyframe; give each its own thread so one waiting
        # client never delays another (the default pool runs every client on one thread).
        self.server.get_thread_pool().set_max_threads(args.max_threads)
        self.mounts = self.server.get_mount_points()
        self.source_id = None
        self.port = None
        self.listening = False
        self.encoders = {}
        self.cameras = {}
        self.factories = {}
        self.mjpeg_port = None
        self.mjpeg_running = False
        self.mjpeg_httpd = None
        self._clients_lock = threading.Lock()
        self._build_cameras()
        self._setup_auth()
        self.server.connect("client-connected", self._on_client_connected)

    # ---- set-up ----------------------------------------------------------------------------------

    def _encoder(self, key, make):
        enc = self.encoders.get(key)
        if enc is None:
            enc = make()
            self.encoders[key] = enc
        return enc

    def _build_cameras(self):
        a = self.args
        names = a.names.split(",") if a.names else ["cam%d" % (i + 1) for i in range(a.cameras)]
        for name in names:
            if not CAMERA_NAME.match(name) or name in self.cameras:
                raise SystemExit("invalid or duplicate camera name %r" % name)
            cam = Camera(name)
            # Shared mode: every camera uses the same encoders (one encode of main, one of sub).
            group = name if a.encode == "per-camera" else "shared"
            label_base = name if a.encode == "per-camera" else (a.label or "synthetic x%d" % len(names))
            for profile in PROFILES:
                w, h, fps, gop = a.main if profile == "main" else a.sub
                bitrate = a.main_bitrate if profile == "main" else a.sub_bitrate
                codec = a.main_codec if profile == "main" else a.sub_codec
                key = ("video", group, w, h, fps, gop, bitrate, codec, a.picture)
                label = "%s %s %dx%d@%d" % (label_base, profile, w, h, fps)
                cam.video[profile] = self._encoder(
                    key,
                    lambda: VideoEncoder(
                        "%s/%s" % (group, profile),
                        w,
                        h,
                        fps,
                        gop,
                        bitrate,
                        label,
                        a.clock_text,
                        a.motion,
                        codec=codec,
                        jpeg=JpegFanOut() if a.mjpeg else None,
                        picture=a.picture,
                    ),
                )
            if a.audio != "none":
                cam.audio = self._encoder(("audio", a.audio), lambda: AudioEncoder("audio", a.audio))
            self.cameras[name] = cam
            for profile in PROFILES:
                self.factories[(name, profile)] = self._make_factory(cam, profile)
                self.factories[(name, profile + UDP_ONLY_SUFFIX)] = self._make_factory(cam, profile, udp_only=True)

    def _mount_paths(self, cam):
        return [(p, "/%s/%s" % (cam.name, p)) for p in PROFILES + tuple(p + UDP_ONLY_SUFFIX for p in PROFILES)]

    def _make_factory(self, cam, profile, udp_only=False):
        pay = "rtph265pay" if cam.video[profile].codec == "h265" else "rtph264pay"
        launch = (
            "( appsrc name=vsrc is-live=true format=time do-timestamp=true block=false "
            "max-bytes=4000000 leaky-type=upstream ! %s name=pay0 pt=96 " % pay
        )
        if self.args.audio == "aac":
            launch += (
                "appsrc name=asrc is-live=true format=time do-timestamp=true block=false "
                "max-bytes=400000 leaky-type=upstream ! rtpmp4gpay name=pay1 pt=97 "
            )
        elif self.args.audio == "pcma":
            launch += (
                "appsrc name=asrc is-live=true format=time do-timestamp=true block=false "
                "max-bytes=400000 leaky-type=upstream ! rtppcmapay name=pay1 pt=8 "
            )
        launch += ")"
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(launch)
        # Not shared: each client gets its own tiny appsrc->payloader pipeline, so each starts at a
        # keyframe and can be frozen/corrupted with its camera; the encode itself is shared anyway.
        factory.set_shared(False)
        factory.set_stop_on_disconnect(True)
        if udp_only:
            factory.set_protocols(GstRtsp.RTSPLowerTrans.UDP)
        factory.connect("media-configure", self._on_media_configure, cam, profile)
        if self.args.user:
            factory.add_role_from_structure(
                Gst.Structure.new_from_string(
                    "viewer, media.factory.access=(boolean)true, media.factory.construct=(boolean)true"
                )
            )
        return factory

    def _setup_auth(self):
        a = self.args
        if not a.user:
            return
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken.new()
        token.set_string("media.factory.role", "viewer")
        if a.auth == "digest":
            auth.add_digest(a.user, a.password, token)
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
        else:
            auth.add_basic(GstRtspServer.RTSPAuth.make_basic(a.user, a.password), token)
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.BASIC)
        self.server.set_auth(auth)

    # ---- media and clients -----------------------------------------------------------------------

    def _on_media_configure(self, _factory, media, cam, profile):
        bin_ = media.get_element()
        enc = cam.video[profile]
        vsrc = bin_.get_by_name("vsrc")
        vsrc.set_property("caps", enc.caps)
        subs = [(enc, Subscriber(vsrc, cam, need_keyframe=True, jumps=cam.start_jumps))]
        if cam.audio is not None:
            asrc = bin_.get_by_name("asrc")
            asrc.set_property("caps", cam.audio.caps)
            # Audio jumps with the video (one camera clock), a frame count scaled to its packet rate.
            subs.append((cam.audio, Subscriber(asrc, cam, need_keyframe=False, jumps=self._audio_jumps(cam, enc))))
        for e, s in subs:
            e.add(s)
            cam.subscribers.add(s)

        def unprepared(_media):
            for e, s in subs:
                e.remove_appsrc(s.appsrc)
                cam.subscribers.discard(s)

        media.connect("unprepared", unprepared)
        media.connect("prepared", self._on_media_prepared)

    @staticmethod
    def _on_media_prepared(media):
        # Send each buffer as soon as it is encoded instead of when the clock reaches its timestamp: a
        # camera whose clock jumps forward sends its new timestamps at once (the network sinks would
        # otherwise hold them back by the size of the jump). Pacing still comes from the live encoder.
        # The transport sinks are added at SETUP, after this: catch them as they join the pipeline.
        pipeline = media.get_element().get_parent()
        if pipeline is None:
            return

        def unsync(element):
            element.set_property("sync", False)
            return False

        def added(_bin, _sub, element):
            if isinstance(element, GstBase.BaseSink):
                # rtsp-server configures the sink after adding it: switch sync off once it has.
                unsync(element)
                element.connect("notify::sync", lambda el, _p: el.get_property("sync") and unsync(el))

        pipeline.connect("deep-element-added", added)

    def _on_client_connected(self, _server, client):
        # Remember which camera a connection belongs to, so stopping one camera drops only its clients.
        def on_request(client_, ctx):
            uri = ctx.uri
            path = uri.abspath if uri is not None else ""
            name = path.strip("/").split("/")[0]
            cam = self.cameras.get(name)
            if cam is not None:
                with self._clients_lock:
                    cam.clients.add(client_)

        def on_closed(client_):
            with self._clients_lock:
                for cam in self.cameras.values():
                    cam.clients.discard(client_)

        for sig in ("describe-request", "setup-request"):
            client.connect(sig, on_request)
        client.connect("closed", on_closed)

    def _drop_clients(self, predicate):
        """Closes matching client connections with a TCP reset, like a camera that lost power and came
        back: the peer sees the connection die rather than a polite RTSP teardown."""

        def filt(_server, client, _data):
            if not predicate(client):
                return GstRtspServer.RTSPFilterResult.KEEP
            try:
                sock = client.get_connection().get_read_socket()
                s = socket.socket(fileno=os.dup(sock.get_fd()))
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.close()  # closes only our dup; SO_LINGER is a property of the shared socket
            except Exception as e:  # a client already closing has no socket left; that is fine
                log("linger: %s" % e)
            return GstRtspServer.RTSPFilterResult.REMOVE

        self.server.client_filter(filt, None)

    # ---- listener --------------------------------------------------------------------------------

    def listen(self):
        self.server.set_service(str(self.port if self.port is not None else self.args.port))
        self.source_id = self.server.attach(None)
        if not self.source_id:
            raise RuntimeError("could not listen on %s:%s" % (self.args.host, self.server.get_service()))
        self.port = self.server.get_bound_port()
        self.listening = True

    def listen_mjpeg(self):
        httpd = http.server.ThreadingHTTPServer((self.args.host, self.args.mjpeg_port), MjpegHandler)
        httpd.daemon_threads = True
        httpd.camera_server = self
        self.mjpeg_httpd = httpd
        self.mjpeg_port = httpd.server_address[1]
        self.mjpeg_running = True
        threading.Thread(target=httpd.serve_forever, name="mjpeg-http", daemon=True).start()

    def unlisten(self):
        if self.source_id:
            # Removing the source closes the listening socket: new connections are refused.
            GLib.source_remove(self.source_id)
            self.source_id = None
        self.listening = False

    # ---- control ---------------------------------------------------------------------------------

    def _targets(self, msg):
        name = msg.get("camera")
        if name is None:
            return list(self.cameras.values())
        cam = self.cameras.get(name)
        if cam is None:
            raise ValueError("unknown camera %r" % name)
        return [cam]

    def _stop(self, msg):
        # A stopped camera is unmounted (its URLs answer 404) and its connections are reset. Stopping all
        # (no camera named) also closes the listener: connecting is refused, as with a camera that is off.
        doomed = set()
        for cam in self._targets(msg):
            if not cam.stopped:
                for _profile, path in self._mount_paths(cam):
                    self.mounts.remove_factory(path)
            cam.stopped = True
            with self._clients_lock:
                doomed |= cam.clients
        everything = msg.get("camera") is None
        if everything:
            self.unlisten()
        self._drop_clients(lambda c: everything or c in doomed)

    def _start(self, msg):
        for cam in self._targets(msg):
            if cam.stopped:
                for profile, path in self._mount_paths(cam):
                    self.mounts.add_factory(path, self.factories[(cam.name, profile)])
            cam.stopped = False
            # A restarted camera is a fresh camera: not frozen, not corrupting.
            cam.frozen = False
            cam.corrupt_until = 0.0
        if not self.listening:
            self.listen()

    def handle(self, msg):
        cmd = msg.get("cmd")
        if cmd == "stop":
            self._stop(msg)
        elif cmd == "start":
            self._start(msg)
        elif cmd == "restart":
            self._stop(msg)
            self._start(msg)
        elif cmd == "freeze":
            for cam in self._targets(msg):
                cam.frozen = True
        elif cmd == "unfreeze":
            for cam in self._targets(msg):
                cam.frozen = False
        elif cmd == "corrupt":
            ms = msg.get("ms")
            if not isinstance(ms, (int, float)) or ms < 0:
                raise ValueError("corrupt needs ms >= 0")
            until = time.monotonic() + ms / 1000.0
            for cam in self._targets(msg):
                cam.corrupt_until = until
        elif cmd == "jump":
            self._jump(msg)
        elif cmd == "motion":
            on = msg.get("on")
            if not isinstance(on, bool):
                raise ValueError("motion needs on: true|false")
            # In shared-encode mode the scene is shared too, so this affects every camera.
            for cam in self._targets(msg):
                for enc in cam.video.values():
                    enc.scene.motion = on
        elif cmd == "status":
            return {"status": self.status()}
        elif cmd == "quit":
            GLib.idle_add(self.loop.quit)
        elif cmd == "ping":
            pass
        else:
            raise ValueError("unknown cmd %r" % cmd)
        return {}

    def _audio_jumps(self, cam, enc):
        rate = cam.audio.packets_per_s()
        return [(int(after * rate / enc.fps), jump_ns, pause_s) for after, jump_ns, pause_s in cam.start_jumps]

    def _jump(self, msg):
        """A camera clock that jumps: every stream's timestamps move by `ms` (negative: backwards), after
        `pause_ms` without media (video resumes at a keyframe). at=now: current clients, at once;
        at=start: every client from now on, `after_frames` frames into its stream (ms 0 disarms)."""
        ms = msg.get("ms")
        pause = msg.get("pause_ms", 0)
        at = msg.get("at", "now")
        after = msg.get("after_frames", 10)
        if not isinstance(ms, (int, float)) or not isinstance(pause, (int, float)) or pause < 0:
            raise ValueError("jump needs ms (signed) and pause_ms >= 0")
        if at not in ("now", "start") or not isinstance(after, int) or after < 0:
            raise ValueError("jump at must be now or start, after_frames >= 0")
        jump_ns, pause_s = int(ms * 1_000_000), pause / 1000.0
        for cam in self._targets(msg):
            if at == "start":
                cam.start_jumps = [(after, jump_ns, pause_s)] if ms or pause else []
                continue
            for sub in list(cam.subscribers):
                sub.add_jump(0, jump_ns, pause_s)

    def status(self):
        cams = {}
        for cam in self.cameras.values():
            cams[cam.name] = {
                "stopped": cam.stopped,
                "frozen": cam.frozen,
                "corrupting": cam.corrupt_until > time.monotonic(),
                "motion": cam.video["main"].scene.motion,
                "subscribers": {p: cam.video[p].count(cam) for p in PROFILES},
            }
        return {
            "listening": self.listening,
            "port": self.port,
            "mjpeg_port": self.mjpeg_port,
            "cameras": cams,
            "encoders": {e.name + ("" if e.is_video else ":" + e.codec): e.frames for e in self.encoders.values()},
        }

    def _on_stdin(self, fd, _cond):
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            chunk = b""
        if not chunk:
            # The parent went away (or closed our stdin): never outlive it as an orphan. Quit first:
            # with the parent dead, even the log line below may fail.
            self.loop.quit()
            log("stdin closed, exiting")
            return False
        self._stdin_buf += chunk
        while b"\n" in self._stdin_buf:
            line, self._stdin_buf = self._stdin_buf.split(b"\n", 1)
            if not line.strip():
                continue
            reply = {}
            try:
                msg = json.loads(line)
                if not isinstance(msg, dict):
                    raise ValueError("command must be a JSON object")
                reply["id"] = msg.get("id")
                reply.update(self.handle(msg))
                reply["ok"] = True
            except Exception as e:
                reply["ok"] = False
                reply["error"] = str(e)
            emit(reply)
        return True

    # ---- run -------------------------------------------------------------------------------------

    def _on_encoder_error(self, name, message):
        emit({"event": "fatal", "error": "encoder %s: %s" % (name, message)})
        GLib.idle_add(self.loop.quit)

    def run(self):
        for enc in self.encoders.values():
            enc.start(lambda n, m: GLib.idle_add(self._on_encoder_error, n, m))
        # The first keyframe gives every encoder its caps (SPS/PPS, AAC codec_data), which each client
        # pipeline's appsrc needs before it can describe the stream.
        deadline = time.monotonic() + self.args.ready_timeout
        for enc in self.encoders.values():
            if not enc.first_keyframe.wait(max(0.0, deadline - time.monotonic())):
                emit({"event": "fatal", "error": "encoder %s produced no output" % enc.name})
                return 3
        try:
            self._start({})
            if self.args.mjpeg:
                self.listen_mjpeg()
        except Exception as e:
            emit({"event": "fatal", "error": str(e)})
            return 2
        self._stdin_buf = b""
        GLib.io_add_watch(sys.stdin.fileno(), GLib.PRIORITY_DEFAULT, GLib.IO_IN | GLib.IO_HUP, self._on_stdin)
        for sig in (signal.SIGTERM, signal.SIGINT):
            GLib.unix_signal_add(GLib.PRIORITY_HIGH, sig, self._on_signal)
        a = self.args
        emit(
            {
                "event": "ready",
                "pid": os.getpid(),
                "host": a.host,
                "port": self.port,
                "cameras": list(self.cameras),
                "profiles": {
                    p: dict(zip(("width", "height", "fps", "gop"), a.main if p == "main" else a.sub))
                    for p in PROFILES
                },
                "audio": a.audio,
                "codecs": {"main": a.main_codec, "sub": a.sub_codec},
                "mjpeg_port": self.mjpeg_port,
                "udp_only_suffix": UDP_ONLY_SUFFIX,
                "encode": a.encode,
                "auth": a.auth if a.user else None,
            }
        )
        self.loop.run()
        return 0

    def _on_signal(self):
        self.loop.quit()
        return False

    def shutdown(self):
        self.mjpeg_running = False
        if self.mjpeg_httpd is not None:
            self.mjpeg_httpd.shutdown()
        self.unlisten()
        self._drop_clients(lambda c: True)
        for enc in self.encoders.values():
            enc.stop()


def parse_args(argv):
    p = argparse.ArgumentParser(description="Synthetic RTSP camera for Lookout tests and demo mode")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="TCP port; 0 picks a free one (default)")
    p.add_argument("--cameras", type=int, default=1, help="number of cameras cam1..camN (default 1)")
    p.add_argument("--names", default=None, help="comma-separated camera names (overrides --cameras)")
    p.add_argument("--main", type=parse_video_spec, default=parse_video_spec("1280x720@15:30"))
    p.add_argument("--sub", type=parse_video_spec, default=parse_video_spec("640x360@15:30"))
    p.add_argument("--main-bitrate", type=int, default=2000, help="kbit/s")
    p.add_argument("--sub-bitrate", type=int, default=500, help="kbit/s")
    p.add_argument(
        "--picture",
        choices=("bars", "noise"),
        default="bars",
        help="bars: static colour bars, cheap to encode (a 2000 kbit/s setting gives ~50-750 kbit/s); "
        "noise: full-frame noise that fills the bitrate setting (scale benchmarks; the encode costs more)",
    )
    p.add_argument("--audio", choices=("none", "aac", "pcma"), default="none")
    p.add_argument("--main-codec", choices=("h264", "h265"), default="h264")
    p.add_argument("--sub-codec", choices=("h264", "h265"), default="h264")
    p.add_argument("--mjpeg", type=on_off, default=False, help="also serve MJPEG over HTTP")
    p.add_argument("--mjpeg-port", type=int, default=0, help="MJPEG HTTP port; 0 picks a free one")
    p.add_argument("--motion", type=on_off, default=True, help="moving object on|off (default on)")
    p.add_argument("--clock-text", type=on_off, default=True, help="human-readable clock on|off")
    p.add_argument(
        "--encode",
        choices=("shared", "per-camera"),
        default="shared",
        help="shared: all cameras share one main and one sub encode (default); per-camera: each camera "
        "has its own (own label, own motion switch, N times the CPU)",
    )
    p.add_argument("--label", default=None, help="label drawn on shared encodes")
    p.add_argument("--user", default=os.environ.get("SYNTHETIC_CAMERA_USER"))
    p.add_argument(
        "--password",
        default=os.environ.get("SYNTHETIC_CAMERA_PASSWORD"),
        help="prefer the SYNTHETIC_CAMERA_PASSWORD environment variable: arguments show in ps",
    )
    p.add_argument("--auth", choices=("basic", "digest"), default="basic")
    p.add_argument("--max-threads", type=int, default=256, help="RTSP client threads")
    p.add_argument("--ready-timeout", type=float, default=15.0, help="seconds to wait for encoders")
    a = p.parse_args(argv)
    if a.user and a.password is None:
        p.error("--user needs a password (SYNTHETIC_CAMERA_PASSWORD)")
    if a.cameras < 1:
        p.error("--cameras must be >= 1")
    return a


def main(argv):
    args = parse_args(argv)
    Gst.init(None)
    srv = SyntheticCameraServer(args)
    try:
        code = srv.run()
    finally:
        srv.shutdown()
    emit({"event": "exit", "code": code})
    sys.stdout.flush()
    # Skip interpreter teardown: GStreamer threads may still hold the GIL-protected callbacks and a
    # normal exit can hang joining them; everything that matters has been stopped above.
    os._exit(code)


if __name__ == "__main__":
    main(sys.argv[1:])
